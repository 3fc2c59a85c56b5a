"""The static image index the site serves for look-ups in the browser, as ``{path: bytes}``.

Layout 2 (every path relative to the index root, e.g. ``api/v1/images/``; ADR 0012)::

    meta.json                the layout, counts, and which shards exist: ``sha256.present``
                             (512 bytes) and ``pdq.present`` (4,096 bytes), base64 bitmaps,
                             most significant bit first. Its size does not grow with the ledger.
    sha256/<ppp>.bin         the records of every image whose SHA-256 starts with the 3 hex
                             digits ``ppp`` (4,096 shards)
    pdq/<c>/<kkk>.bin        the trusted fingerprints (quality ≥ 50) whose 16-bit chunk ``c``
                             (0–f, hex order) starts with the 11 bits ``kkk`` (000–7ff)

Shards are binary (:mod:`imageledger.imaging.index_format`) and written only when
non-empty; the bitmaps say which exist, so a reader never asks for a missing file.

A look-up reads ``meta.json``, one ``sha256`` shard and the query's 16 PDQ shards (18 files),
and keeps every row within Hamming distance 31 of the query. A fingerprint is found when
one of its 16 key fields (11 bits each, 176 bits in all) equals the query's: always
within distance 15 (pigeonhole: 15 differing bits cannot touch 16 fields), and beyond
that with probability 1 − Σ_{s=1..16} (−1)^{s+1} C(16,s) C(256 − 11s, d) / C(256, d) for
d uniformly random differing bits: 0.9952 at d = 31. Each fingerprint lies in 16 of the
32,768 PDQ shards, so a shard holds ``n / 2,048`` rows on average.

Nothing here does I/O: ``build`` and ``update`` return bytes, ``lookup`` takes a reader.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from imageledger.errors import Location, RecordError
from imageledger.imaging.index_format import PDQ, SHA, Row, decode_shard, encode_shard, parse_ref
from imageledger.imaging.match import Match, chunks
from imageledger.imaging.pdq import ALG, MATCH_DISTANCE, MIN_QUALITY, PdqHash, hamming

__all__ = [
    "IndexEntry",
    "SiteMatches",
    "build",
    "lookup",
    "pdq_keys",
    "pdq_shard_path",
    "recall",
    "sha256_shard_path",
    "update",
]

VERSION = 2
CHUNKS = 16
CHUNK_BITS = 16
KEY_BITS = 11
SHA_PREFIX_BITS = 12
META = "meta.json"
Reader = Callable[[str], bytes | None]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_SHA_PATH = "sha256/{prefix:03x}.bin"
_PDQ_PATH = "pdq/{chunk:x}/{key:03x}.bin"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One disclosed image: its record ``ref`` (``<publisher>/<seq>``), file hash, PDQ."""

    ref: str
    sha256: str
    pdq: PdqHash | None = None

    def __post_init__(self) -> None:
        parse_ref(self.ref)
        if not isinstance(self.sha256, str) or not _HEX64.fullmatch(self.sha256):
            raise RecordError(
                "sha256 must be 64 lowercase hex digits",
                code="site-index-sha256",
                location=Location(field="sha256"),
            )

    @property
    def indexed(self) -> bool:
        """Whether the fingerprint is trusted enough to be in the PDQ shards."""
        return self.pdq is not None and self.pdq.quality >= MIN_QUALITY


@dataclass(frozen=True, slots=True)
class SiteMatches:
    exact: tuple[str, ...]
    near: tuple[Match, ...]


def sha256_shard_path(sha256: str) -> str:
    return _SHA_PATH.format(prefix=_sha_shard(sha256))


def pdq_shard_path(chunk: int, key: int) -> str:
    return _PDQ_PATH.format(chunk=chunk, key=key)


def pdq_keys(h: PdqHash) -> tuple[int, ...]:
    """The fingerprint's 16 shard keys: the top ``KEY_BITS`` bits of each 16-bit chunk."""
    return tuple(v >> (CHUNK_BITS - KEY_BITS) for v in chunks(h, CHUNK_BITS))


def recall(distance: int) -> float:
    """The share of fingerprints ``distance`` bits from a query (the differing bits drawn
    uniformly) that share a key with it, so that a look-up finds them: inclusion–exclusion
    over the 16 key fields of ``KEY_BITS`` bits. 1 up to distance 15 (pigeonhole)."""
    total = math.comb(256, distance)
    found = sum(
        (-1) ** (s + 1) * math.comb(CHUNKS, s) * math.comb(256 - s * KEY_BITS, distance)
        for s in range(1, CHUNKS + 1)
    )
    return float(found / total)


def _sha_shard(sha256: str) -> int:
    return int(sha256[: SHA_PREFIX_BITS // 4], 16)


def _sha_row(entry: IndexEntry) -> Row:
    return Row(bytes.fromhex(entry.sha256), None, *parse_ref(entry.ref))


def _pdq_rows(entry: IndexEntry) -> Iterable[tuple[tuple[int, int], Row]]:
    assert entry.pdq is not None
    row = Row(entry.pdq.bits, entry.pdq.quality, *parse_ref(entry.ref))
    return (((chunk, key), row) for chunk, key in enumerate(pdq_keys(entry.pdq)))


@dataclass(slots=True)
class _Meta:
    images: int
    indexed: int
    sha_present: bytearray
    pdq_present: bytearray

    @classmethod
    def empty(cls) -> _Meta:
        return cls(0, 0, bytearray(2**SHA_PREFIX_BITS // 8), bytearray(CHUNKS << KEY_BITS >> 3))

    def to_bytes(self) -> bytes:
        value = {
            "v": VERSION,
            "images": self.images,
            "sha256": {
                "prefix_bits": SHA_PREFIX_BITS,
                "path": _SHA_PATH,
                "present": base64.b64encode(self.sha_present).decode(),
            },
            "pdq": {
                "alg": ALG,
                "chunks": CHUNKS,
                "chunk_bits": CHUNK_BITS,
                "key_bits": KEY_BITS,
                "threshold": MATCH_DISTANCE,
                "min_quality": MIN_QUALITY,
                "indexed": self.indexed,
                "path": _PDQ_PATH,
                "present": base64.b64encode(self.pdq_present).decode(),
            },
        }
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def parse(cls, data: bytes) -> _Meta:
        try:
            value = json.loads(data)
            if not isinstance(value, dict) or value.get("v") != VERSION:
                raise ValueError(f"not layout {VERSION}")
            sha, pdq = value["sha256"], value["pdq"]
            layout = (sha["prefix_bits"], pdq["chunks"], pdq["chunk_bits"], pdq["key_bits"])
            if layout != (SHA_PREFIX_BITS, CHUNKS, CHUNK_BITS, KEY_BITS):
                raise ValueError(f"unknown shard layout {layout}")
            meta = cls(
                int(value["images"]),
                int(pdq["indexed"]),
                bytearray(base64.b64decode(sha["present"], validate=True)),
                bytearray(base64.b64decode(pdq["present"], validate=True)),
            )
            empty = cls.empty()
            if (len(meta.sha_present), len(meta.pdq_present)) != (
                len(empty.sha_present),
                len(empty.pdq_present),
            ):
                raise ValueError("presence bitmaps of the wrong size")
        except (ValueError, KeyError, TypeError) as e:
            raise RecordError(
                f"not a layout-{VERSION} image index: {e}",
                code="site-index-invalid",
                location=Location(META),
            ) from e
        return meta


def _has(bitmap: bytearray, bit: int) -> bool:
    return bool(bitmap[bit >> 3] & (0x80 >> (bit & 7)))


def _set(bitmap: bytearray, bit: int, on: bool) -> None:
    if on:
        bitmap[bit >> 3] |= 0x80 >> (bit & 7)
    else:
        bitmap[bit >> 3] &= ~(0x80 >> (bit & 7)) & 0xFF


def _write(
    meta: _Meta,
    sha: dict[int, list[Row]],
    pdq: dict[tuple[int, int], list[Row]],
) -> dict[str, bytes | None]:
    """The files of these shards (None for an emptied one) and ``meta.json``."""
    out: dict[str, bytes | None] = {}
    for prefix, rows in sha.items():
        _set(meta.sha_present, prefix, bool(rows))
        out[_SHA_PATH.format(prefix=prefix)] = encode_shard(SHA, rows) if rows else None
    for (chunk, key), rows in pdq.items():
        _set(meta.pdq_present, chunk << KEY_BITS | key, bool(rows))
        out[_PDQ_PATH.format(chunk=chunk, key=key)] = encode_shard(PDQ, rows) if rows else None
    out[META] = meta.to_bytes()
    return out


def build(entries: Iterable[IndexEntry]) -> dict[str, bytes]:
    """Every file of the index, keyed by path."""
    meta = _Meta.empty()
    sha: dict[int, list[Row]] = {}
    pdq: dict[tuple[int, int], list[Row]] = {}
    for entry in entries:
        meta.images += 1
        sha.setdefault(_sha_shard(entry.sha256), []).append(_sha_row(entry))
        if entry.indexed:
            meta.indexed += 1
            for shard, row in _pdq_rows(entry):
                pdq.setdefault(shard, []).append(row)
    return {path: data for path, data in _write(meta, sha, pdq).items() if data is not None}


def update(
    read: Reader, *, removed: Iterable[IndexEntry], added: Iterable[IndexEntry]
) -> dict[str, bytes | None]:
    """What changes when ``removed`` leave and ``added`` join the index ``read`` serves:
    the files to write, and None for each file to delete. Reads and writes only the
    shards the changed entries fall in, and ``meta.json``.

    Applied to the files of ``build(old)``, gives the files of ``build(new)`` byte for byte.

    Raises:
        RecordError: ``site-index-missing``/``site-index-invalid`` as :func:`lookup`;
            ``site-index-stale`` when a removed entry is not in the index.
    """
    meta = _load_meta(read)
    sha: dict[int, Counter[Row]] = {}
    pdq: dict[tuple[int, int], Counter[Row]] = {}

    def sha_rows(prefix: int) -> Counter[Row]:
        if prefix not in sha:
            present = _has(meta.sha_present, prefix)
            path = _SHA_PATH.format(prefix=prefix)
            sha[prefix] = Counter(_read_shard(read, SHA, path) if present else ())
        return sha[prefix]

    def pdq_rows(shard: tuple[int, int]) -> Counter[Row]:
        if shard not in pdq:
            present = _has(meta.pdq_present, shard[0] << KEY_BITS | shard[1])
            path = _PDQ_PATH.format(chunk=shard[0], key=shard[1])
            pdq[shard] = Counter(_read_shard(read, PDQ, path) if present else ())
        return pdq[shard]

    def remove(rows: Counter[Row], row: Row, entry: IndexEntry) -> None:
        if rows[row] <= 0:
            raise RecordError(
                f"{entry.ref} ({entry.sha256}) is not in this image index",
                code="site-index-stale",
                location=Location(META),
            )
        rows[row] -= 1

    for entry in removed:
        meta.images -= 1
        remove(sha_rows(_sha_shard(entry.sha256)), _sha_row(entry), entry)
        if entry.indexed:
            meta.indexed -= 1
            for shard, row in _pdq_rows(entry):
                remove(pdq_rows(shard), row, entry)
    for entry in added:
        meta.images += 1
        sha_rows(_sha_shard(entry.sha256))[_sha_row(entry)] += 1
        if entry.indexed:
            meta.indexed += 1
            for shard, row in _pdq_rows(entry):
                pdq_rows(shard)[row] += 1
    return _write(
        meta,
        {k: list(v.elements()) for k, v in sha.items()},
        {k: list(v.elements()) for k, v in pdq.items()},
    )


def _load_meta(read: Reader) -> _Meta:
    data = read(META)
    if data is None:
        raise RecordError("no image index here", code="site-index-missing", location=Location(META))
    return _Meta.parse(data)


def _read_shard(read: Reader, kind: bytes, path: str) -> list[Row]:
    data = read(path)
    if data is None:  # meta.json says it exists: a partial upload or a mixed-up folder
        raise RecordError(
            "an image index shard that meta.json lists is missing",
            code="site-index-invalid",
            location=Location(path),
        )
    return decode_shard(kind, data, path=path)


def lookup(read: Reader, *, sha256: str, pdq: PdqHash | None) -> SiteMatches:
    """Answer a look-up from an index that ``read(path)`` serves (None for a missing file).

    Raises:
        RecordError: ``site-index-missing`` without ``meta.json``; ``site-index-invalid``
            for a file of another layout, not canonical, or listed but missing.
    """
    meta = _load_meta(read)
    exact: tuple[str, ...] = ()
    if _HEX64.fullmatch(sha256) and _has(meta.sha_present, _sha_shard(sha256)):
        digest = bytes.fromhex(sha256)
        rows = _read_shard(read, SHA, sha256_shard_path(sha256))
        exact = tuple(row.ref for row in rows if row.key == digest)
    near: dict[str, Match] = {}
    if pdq is not None and pdq.quality >= MIN_QUALITY:
        for chunk, key in enumerate(pdq_keys(pdq)):
            if not _has(meta.pdq_present, chunk << KEY_BITS | key):
                continue  # no fingerprint has this key: the shard was not written
            for row in _read_shard(read, PDQ, pdq_shard_path(chunk, key)):
                quality = row.quality or 0
                distance = hamming(pdq, PdqHash(row.key, quality))
                if quality >= MIN_QUALITY and distance <= MATCH_DISTANCE:
                    match = Match(distance, row.ref, quality)
                    near[row.ref] = min(near.get(row.ref, match), match)
    return SiteMatches(exact, tuple(sorted(near.values())))
