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
