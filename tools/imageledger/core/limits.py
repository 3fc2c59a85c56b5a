"""Every bound on input, in one place."""

MAX_YAML_BYTES = 256 * 1024
"""A record file larger than this is refused before it is parsed."""

MAX_ENTRY_BYTES = 65_535
"""Canonical JSON of one record; a log entry bundle stores lengths as uint16."""

MAX_DEPTH = 16
"""Nesting depth of mappings and sequences."""

MAX_SIGNATURES = 16
"""Signatures on one record (author plus co-signers)."""

MAX_INT = 2**53 - 1
"""Integers must round-trip through IEEE doubles (RFC 8785, I-JSON)."""

MAX_STRING = 8192
"""Characters in any one string value."""

MAX_IMAGE_BYTES = 64 * 1024 * 1024
"""An image file larger than this is refused before it is read."""

MAX_IMAGE_PIXELS = 64_000_000
"""Decoded pixels of one image (width × height); more is refused as a decompression bomb
before any pixel is decoded. Pillow's own ``MAX_IMAGE_PIXELS`` check stays on behind it."""

MAX_XMP_BYTES = 1024 * 1024
"""One XMP packet, after decompression (a JPEG APP1 segment holds at most 65,502)."""

MAX_C2PA_BYTES = 16 * 1024 * 1024
"""The whole file handed to the C2PA reader."""
