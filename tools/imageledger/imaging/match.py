"""PDQ matching: the threshold, and a multi-index hashing (MIH) index.

A match is a Hamming distance ``<= MATCH_DISTANCE`` (31 of 256 bits) between two
fingerprints that are both of quality ``>= MIN_QUALITY`` (50): Meta's published operating
point. A low-quality fingerprint (a flat or nearly blank image) is never matched on.

Multi-index hashing (Norouzi, Punjani and Fleet, "Fast search in Hamming space with
multi-index hashing", CVPR 2012). Split the 256 bits into ``m`` chunks of ``256 / m``
bits. If two hashes differ in at most ``r`` bits, then by the pigeonhole principle some
chunk differs in at most ``⌊r / m⌋`` bits. So the candidates are the entries that come
within ``⌊r / m⌋`` of the query on *some* chunk; each candidate is then verified on the
full 256 bits. No true match is ever missed; the chunking only decides the work.

Chunkings for ``r = 31`` (each probe is one table look-up; the candidate fraction is the
share of unrelated random hashes that become candidates):

====== ============ ======================= ============ ===================
chunks bits/chunk   radius per chunk ⌊r/m⌋  probes       candidate fraction
====== ============ ======================= ============ ===================
32     8            0 (exact)               32           32/2⁸ ≈ 1/8
16     16           1                       16 × 17      272/2¹⁶ ≈ 1/241
8      32           3                       8 × 5,489    ≈ 1/97,800
====== ============ ======================= ============ ===================

In memory the default is 16 chunks of 16 bits: 272 dictionary look-ups, and about one
unrelated entry in 241 to verify. The static site (``imaging/site_index.py``, ADR 0012)
cannot afford 272 requests: it keys each of the 16 chunks by its top 11 bits only, exact,
so a browser fetches 16 files each holding ``n / 2,048`` entries; that finds every match
within 15 bits and, beyond, the matches that kept one key intact (99.5% at 31 bits).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from imageledger.errors import UsageError
from imageledger.imaging.pdq import MATCH_DISTANCE, MIN_QUALITY, PdqHash, hamming

__all__ = ["Match", "PdqIndex", "brute_force", "chunks", "is_match", "neighbours"]

_BITS = 256


@dataclass(frozen=True, slots=True, order=True)
class Match:
    """A fingerprint within the threshold: sorted by distance, then reference."""

    distance: int
    ref: str
    quality: int


def is_match(
    a: PdqHash, b: PdqHash, *, threshold: int = MATCH_DISTANCE, min_quality: int = MIN_QUALITY
) -> bool:
    """Both fingerprints trusted and at most ``threshold`` bits apart."""
    return a.quality >= min_quality and b.quality >= min_quality and hamming(a, b) <= threshold


def chunks(h: PdqHash, chunk_bits: int) -> tuple[int, ...]:
    """The hash's ``256 / chunk_bits`` chunk values, most significant first (hex order)."""
    value = int.from_bytes(h.bits, "big")
    mask = (1 << chunk_bits) - 1
    n = _BITS // chunk_bits
    return tuple((value >> (chunk_bits * (n - 1 - i))) & mask for i in range(n))


@cache
def _flip_masks(bits: int, radius: int) -> tuple[int, ...]:
    masks = [0]
    for k in range(1, radius + 1):
        for positions in itertools.combinations(range(bits), k):
            masks.append(sum(1 << p for p in positions))
    return tuple(masks)


def neighbours(value: int, bits: int, radius: int) -> Iterator[int]:
    """Every ``bits``-bit value within Hamming ``radius`` of ``value`` (itself first)."""
    for mask in _flip_masks(bits, radius):
        yield value ^ mask


def brute_force(
    entries: Iterable[tuple[str, PdqHash]],
    query: PdqHash,
    *,
    threshold: int = MATCH_DISTANCE,
    min_quality: int = MIN_QUALITY,
) -> list[Match]:
    """The reference answer: compare ``query`` with every entry."""
    found = [
        Match(hamming(query, h), ref, h.quality)
        for ref, h in entries
        if is_match(query, h, threshold=threshold, min_quality=min_quality)
    ]
    return sorted(found)


class PdqIndex:
    """An immutable multi-index over ``(ref, PdqHash)`` entries of trusted quality.

    Entries below ``min_quality`` are left out (they can still be found by SHA-256).
    """

    def __init__(
        self,
        entries: Iterable[tuple[str, PdqHash]],
        *,
        chunk_bits: int = 16,
        min_quality: int = MIN_QUALITY,
    ) -> None:
        if chunk_bits not in (8, 16, 32):
            raise UsageError("chunk_bits must be 8, 16 or 32", code="usage-pdq-chunks")
        self.chunk_bits = chunk_bits
        self.min_quality = min_quality
        self._entries = [(r, h) for r, h in entries if h.quality >= min_quality]
        n = _BITS // chunk_bits
        self._tables: list[dict[int, list[int]]] = [{} for _ in range(n)]
        for pos, (_, h) in enumerate(self._entries):
            for table, value in zip(self._tables, chunks(h, chunk_bits), strict=True):
                table.setdefault(value, []).append(pos)

    def __len__(self) -> int:
        return len(self._entries)

    def candidates(self, query: PdqHash, *, threshold: int = MATCH_DISTANCE) -> set[int]:
        """Positions of every entry within ``⌊threshold / m⌋`` of ``query`` on some chunk."""
        if not 0 <= threshold < _BITS:
            raise UsageError("threshold must be 0 to 255", code="usage-pdq-threshold")
        radius = threshold // len(self._tables)
        found: set[int] = set()
        for table, value in zip(self._tables, chunks(query, self.chunk_bits), strict=True):
            for probe in neighbours(value, self.chunk_bits, radius):
                found.update(table.get(probe, ()))
        return found

    def query(self, query: PdqHash, *, threshold: int = MATCH_DISTANCE) -> list[Match]:
        """Every entry within ``threshold`` of ``query``; nothing for a low-quality query."""
        if query.quality < self.min_quality:
            return []
        out = []
        for pos in self.candidates(query, threshold=threshold):
            ref, h = self._entries[pos]
            distance = hamming(query, h)
            if distance <= threshold:
                out.append(Match(distance, ref, h.quality))
        return sorted(out)
