"""The pure core: bytes and objects in, objects out. No I/O, no clock, no environment."""
