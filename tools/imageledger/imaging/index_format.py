"""The binary shard format of the site's image index (layout 2, ``imaging/site_index.py``).

One shard file::

    shard      = magic kind publishers count row*
    magic      = "ILIX" 0x02                      (5 bytes: format and layout version)
    kind       = "S" | "P"                        (a sha256 shard or a PDQ shard)
    publishers = uvarint(n) (uvarint(len) id)*    distinct publisher ids, sorted, ASCII
    count      = uvarint(rows)
    row S      = sha256(32) uvarint(publisher) uvarint(seq)
    row P      = pdq(32) quality(1) uvarint(publisher) uvarint(seq)

A row's record is ``<publishers[publisher]>/<seq>``: a shard names each publisher once,
so a reference costs about 4 bytes instead of its 10–50 characters, which matters because
every fingerprint is stored in 16 shards. ``uvarint`` is unsigned LEB128 (7 bits a byte,
least significant first), minimal. Rows are sorted by (hash, quality, publisher, seq), so
one set of rows has one encoding; the decoder rejects anything else, so a shard that
decodes re-encodes to the same bytes (what :func:`site_index.update` relies on).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from imageledger.core.schemas import PUBLISHER_ID
from imageledger.errors import Location, RecordError

__all__ = ["Row", "decode_shard", "encode_shard", "parse_ref"]

MAGIC = b"ILIX\x02"
SHA = b"S"
PDQ = b"P"
MAX_SEQ = 2**53 - 1
"""The largest sequence number: every one fits a JavaScript number exactly."""

_PUBLISHER = re.compile(PUBLISHER_ID)
_SEQ = re.compile(r"0|[1-9][0-9]{0,15}")


@dataclass(frozen=True, slots=True)
class Row:
    """One record in a shard: ``key`` is the 32-byte SHA-256 or PDQ fingerprint;
    ``quality`` is None in a sha256 shard."""

    key: bytes
    quality: int | None
    publisher: str
    seq: int

    @property
    def ref(self) -> str:
        return f"{self.publisher}/{self.seq}"


def parse_ref(ref: str) -> tuple[str, int]:
    """``<publisher>/<seq>`` as its two parts; anything else cannot be indexed."""
    publisher, _, seq = ref.partition("/")
    if not _PUBLISHER.fullmatch(publisher) or not _SEQ.fullmatch(seq) or int(seq) > MAX_SEQ:
        raise RecordError(
            f"{ref!r} is not a record reference <publisher>/<seq>",
            code="site-index-ref",
            location=Location(field="ref"),
        )
    return publisher, int(seq)


def _uvarint(n: int) -> bytes:
    if n < _SMALL:
        return _VARINTS[n]
    return _uvarint_slow(n)


def _uvarint_slow(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL = 1 << 14
_VARINTS = [_uvarint_slow(n) for n in range(_SMALL)]  # one or two bytes: most of a build


def encode_shard(kind: bytes, rows: Iterable[Row]) -> bytes:
    """The canonical bytes of a shard of ``kind`` (:data:`SHA` or :data:`PDQ`)."""
    ordered = sorted(rows, key=lambda r: (r.key, r.quality or 0, r.publisher, r.seq))
    publishers = sorted({r.publisher for r in ordered})
    number = {p: i for i, p in enumerate(publishers)}
    out = bytearray(MAGIC + kind)
    out += _uvarint(len(publishers))
    for p in publishers:
        raw = p.encode("ascii")
        out += _uvarint(len(raw)) + raw
    out += _uvarint(len(ordered))
    pdq = kind == PDQ
    for r in ordered:
        out += r.key
        if pdq:
            out.append(r.quality or 0)
        out += _uvarint(number[r.publisher])
        out += _uvarint(r.seq)
    return bytes(out)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def uvarint(self) -> int:
        value = shift = 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                if byte == 0 and shift > 7:
                    raise ValueError("non-minimal varint")
                if value > MAX_SEQ:
                    raise ValueError("number too large")
                return value
            if shift > 56:
                raise ValueError("varint too long")


def decode_shard(kind: bytes, data: bytes, *, path: str = "") -> list[Row]:
    """The rows of a shard, which must be the canonical encoding of them.

    Raises:
        RecordError: ``site-index-invalid``, at ``path``.
    """
    try:
        r = _Reader(data)
        if r.take(len(MAGIC) + 1) != MAGIC + kind:
            raise ValueError("not a layout-2 image index shard of this kind")
        publishers: list[str] = []
        for _ in range(r.uvarint()):
            name = r.take(r.uvarint()).decode("ascii")
            if not _PUBLISHER.fullmatch(name) or (publishers and name <= publishers[-1]):
                raise ValueError("publisher ids must be valid, distinct and sorted")
            publishers.append(name)
        rows = []
        for _ in range(r.uvarint()):
            key = r.take(32)
            quality = r.take(1)[0] if kind == PDQ else None
            if quality is not None and quality > 100:
                raise ValueError("quality above 100")
            rows.append(Row(key, quality, publishers[r.uvarint()], r.uvarint()))
        if r.pos != len(data):
            raise ValueError("trailing bytes")
    except (ValueError, IndexError) as e:  # UnicodeDecodeError is a ValueError
        raise RecordError(
            f"not a layout-2 image index shard: {e}",
            code="site-index-invalid",
            location=Location(path),
        ) from e
    if encode_shard(kind, rows) != data:
        raise RecordError(
            "image index shard is not in canonical order",
            code="site-index-invalid",
            location=Location(path),
        )
    return rows
