"""The static image index the site serves for look-ups in the browser, as ``{path: bytes}``.

Layout (version 1, every path relative to the index root, e.g. ``api/v1/images/``)::

    meta.json                    the layout: chunking, threshold, shard paths, counts, and
                                 ``pdq.present``: which PDQ shards exist (base64 bitmap, bit
                                 ``chunk·256+value``, most significant bit first)
    sha256/<hh…>.json            {"v": 1, "entries": {<sha256>: [<ref>, …]}}
    pdq/<cc>/<vv>.json           {"v": 1, "entries": [[<pdq hex>, <quality>, <ref>], …]}

``sha256`` shards are keyed by the first ``prefix`` hex digits of the file hash, with
``prefix`` the smallest of 2, 3, 4 … that keeps the average shard at or under
``SHA_SHARD_TARGET`` entries. ``pdq`` shards are keyed by chunk number ``cc`` (00–1f) and
that chunk's 8-bit value ``vv``: 32 exact 8-bit chunks, so a fingerprint within distance
31 of a query shares at least one chunk value with it (pigeonhole: 31 differing bits
cannot touch all 32 chunks); a look-up reads the query's 32 shards and verifies the full
distance. Each entry lies in 32 of the 8,192 possible shards, so a shard holds ``n / 256``
entries on average and never the whole ledger; only trusted fingerprints (quality ≥ 50)
are indexed. Nothing here does I/O: ``build`` returns bytes, ``lookup`` takes a reader.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from imageledger.errors import Location, RecordError
from imageledger.imaging.match import Match, chunks, is_match
from imageledger.imaging.pdq import (
    ALG,
    MATCH_DISTANCE,
    MIN_QUALITY,
    PdqHash,
    hamming,
    parse_pdq_hex,
)

__all__ = ["IndexEntry", "SiteMatches", "build", "lookup", "pdq_shard_path", "sha256_shard_path"]

VERSION = 1
CHUNK_BITS = 8
CHUNKS = 256 // CHUNK_BITS
SHA_SHARD_TARGET = 64
META = "meta.json"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    ref: str
    sha256: str
    pdq: PdqHash | None = None


@dataclass(frozen=True, slots=True)
class SiteMatches:
    exact: tuple[str, ...]
    near: tuple[Match, ...]


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_prefix(n: int) -> int:
    prefix = 2
    while n / 16**prefix > SHA_SHARD_TARGET and prefix < 8:
        prefix += 1
    return prefix


def sha256_shard_path(sha256: str, prefix: int) -> str:
    return f"sha256/{sha256[:prefix]}.json"


def pdq_shard_path(chunk: int, value: int) -> str:
    return f"pdq/{chunk:02x}/{value:02x}.json"


def build(entries: Iterable[IndexEntry]) -> dict[str, bytes]:
    """Every file of the index, keyed by path."""
    items = sorted(entries, key=lambda e: (e.sha256, e.ref))
    prefix = sha256_prefix(len(items))
    by_sha: dict[str, dict[str, list[str]]] = {}
    by_chunk: dict[str, list[list[Any]]] = {}
    indexed = 0
    for entry in items:
        shard = by_sha.setdefault(sha256_shard_path(entry.sha256, prefix), {})
        shard.setdefault(entry.sha256, []).append(entry.ref)
        if entry.pdq is None or entry.pdq.quality < MIN_QUALITY:
            continue
        indexed += 1
        row = [entry.pdq.hex, entry.pdq.quality, entry.ref]
        for i, value in enumerate(chunks(entry.pdq, CHUNK_BITS)):
            by_chunk.setdefault(pdq_shard_path(i, value), []).append(row)
    # Every sha256 shard exists, empty or not (a miss is an empty answer, never a 404); there
    # are at most max(256, n/4) of them. PDQ shards are written only when non-empty, and
    # meta.json says which exist (a bitmap of 8,192 bits), so a browser never asks for a
    # missing one.
    for n in range(16**prefix):
        by_sha.setdefault(sha256_shard_path(f"{n:0{prefix}x}", prefix), {})
    present = bytearray(CHUNKS * 256 // 8)
    for path in by_chunk:
        bit = int(path[4:6], 16) * 256 + int(path[7:9], 16)
        present[bit >> 3] |= 0x80 >> (bit & 7)
    files = {path: _json({"v": VERSION, "entries": v}) for path, v in by_sha.items()}
    files |= {path: _json({"v": VERSION, "entries": sorted(v)}) for path, v in by_chunk.items()}
    files[META] = _json(
        {
            "v": VERSION,
            "images": len(items),
            "sha256": {"prefix": prefix, "path": "sha256/{prefix}.json"},
            "pdq": {
                "alg": ALG,
                "chunks": 256 // CHUNK_BITS,
                "chunk_bits": CHUNK_BITS,
                "threshold": MATCH_DISTANCE,
                "min_quality": MIN_QUALITY,
                "indexed": indexed,
                "path": "pdq/{chunk:02x}/{value:02x}.json",
                "present": base64.b64encode(bytes(present)).decode(),
            },
        }
    )
    return files


def _load(read: Callable[[str], bytes | None], path: str) -> Any:
    data = read(path)
    if data is None:
        return None
    try:
        value = json.loads(data)
        if not isinstance(value, dict) or value.get("v") != VERSION:
            raise ValueError("unknown index version")
    except ValueError as e:
        raise RecordError(
            f"not a version-{VERSION} index file: {e}",
            code="site-index-invalid",
            location=Location(path),
        ) from e
    return value


def lookup(read: Callable[[str], bytes | None], *, sha256: str, pdq: PdqHash | None) -> SiteMatches:
    """Answer a look-up from an index that ``read(path)`` serves (None for a missing file).

    Raises:
        RecordError: ``site-index-missing`` without ``meta.json``; ``site-index-invalid``
            for a file of another version or not JSON.
    """
    meta = _load(read, META)
    if meta is None:
        raise RecordError("no image index here", code="site-index-missing", location=Location(META))
    shard = _load(read, sha256_shard_path(sha256, int(meta["sha256"]["prefix"]))) or {}
    exact = tuple(shard.get("entries", {}).get(sha256, ()))
    near: dict[str, Match] = {}
    if pdq is not None and pdq.quality >= MIN_QUALITY:
        present = base64.b64decode(meta["pdq"].get("present", "")) or b"\xff" * 1024
        for i, value in enumerate(chunks(pdq, CHUNK_BITS)):
            bit = i * 256 + value
            if not present[bit >> 3] & (0x80 >> (bit & 7)):
                continue  # no fingerprint has this chunk value: the shard was not written
            rows = (_load(read, pdq_shard_path(i, value)) or {}).get("entries", ())
            for hex_hash, quality, ref in rows:
                other = parse_pdq_hex(hex_hash, quality=quality)
                if is_match(pdq, other):
                    near[ref] = Match(hamming(pdq, other), ref, quality)
    return SiteMatches(exact, tuple(sorted(near.values())))
