"""The receipt secret: its human-typable text and the commitment the ledger stores.

The secret is raw random bytes (20 by default, 160 bits; at least 16). The ledger stores
only ``"sha256:" + hex(SHA-256(b"imageledger/receipt/v1\\n" + secret))`` -- the hash of the
**raw bytes**, never of a text rendering of them, so every way of writing the secret down
(upper or lower case, with or without hyphens) finds the same consent.

People see it in Crockford's base32 (no I, L, O or U; reading ``I``/``L`` as 1 and ``O``
as 0), in groups of four: ``7F3K-QW2M-…``. A 20-byte secret is exactly 32 characters.
"""

from __future__ import annotations

import hashlib

from imageledger.errors import RecordError

DOMAIN = b"imageledger/receipt/v1\n"
SECRET_BYTES = 20
MIN_SECRET_BYTES = 16
MAX_SECRET_BYTES = 64
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: i for i, c in enumerate(ALPHABET)} | {"I": 1, "L": 1, "O": 0}


def commitment(secret: bytes) -> str:
    """What a consent record's ``receipt`` field holds for ``secret``."""
    _check_length(len(secret))
    return "sha256:" + hashlib.sha256(DOMAIN + secret).hexdigest()


def format_secret(secret: bytes) -> str:
    """``secret`` as Crockford base32 in hyphen-separated groups of four."""
    _check_length(len(secret))
    if len(secret) % 5:
        raise RecordError("a receipt secret is a multiple of 5 bytes", code="receipt-secret")
    number = int.from_bytes(secret, "big")
    chars = len(secret) * 8 // 5
    text = "".join(ALPHABET[(number >> (5 * (chars - 1 - i))) & 31] for i in range(chars))
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_secret(text: str) -> bytes:
    """The bytes of a secret as a person typed it (case, spaces and hyphens ignored).

    Raises:
        RecordError: ``receipt-secret`` when the text is not a whole secret.
    """
    compact = "".join(text.split()).replace("-", "").upper()
    if not compact or len(compact) % 8:
        raise RecordError(
            "a receipt code has 8, 16, 24 or 32 … characters (groups of four)",
            code="receipt-secret",
            hint="copy the code from your receipt, e.g. 7F3K-QW2M-…",
        )
    number = 0
    for char in compact:
        value = _DECODE.get(char)
        if value is None:
            raise RecordError(f"{char!r} is not a receipt-code character", code="receipt-secret")
        number = number << 5 | value
    raw = number.to_bytes(len(compact) * 5 // 8, "big")
    _check_length(len(raw))
    return raw


def _check_length(size: int) -> None:
    if not MIN_SECRET_BYTES <= size <= MAX_SECRET_BYTES:
        raise RecordError(
            f"a receipt secret has {MIN_SECRET_BYTES * 8} to {MAX_SECRET_BYTES * 8} bits, "
            f"not {size * 8}",
            code="receipt-secret",
        )
