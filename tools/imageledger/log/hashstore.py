"""Stored Merkle hashes behind a one-method interface, and proofs read from them.

Every hash of a perfect subtree ``(level, n)`` — the root of leaves
``[n * 2**level, (n + 1) * 2**level)`` — has a dense *stored hash index* (Go's
``tlog.StoredHashIndex``, after Crosby and Wallach §3.3): the hashes appear in the order an
append-only writer completes them, leaf ``n`` followed by the subtree roots it completes. A
``HashReader`` returns hashes by those indexes; ``MemoryHashStore`` is its in-memory twin and
``tiles.TileHashReader`` reads them from C2SP tiles. With one, a root or any proof costs
O(log n) reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from imageledger.errors import StorageError
from imageledger.log.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    check_hash,
    check_size,
    consistency_ranges,
    fold,
    inclusion_ranges,
    leaf_hash,
)
from imageledger.log.treestate import TreeState


def perfect_subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """Cover leaves ``[lo, hi)`` with perfect subtrees as ``(level, index)``, largest first.

    ``lo`` must be aligned as RFC 6962's recursion aligns it; every range ``merkle``
    produces is.
    """
    out: list[tuple[int, int]] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo & ((1 << level) - 1):
            raise AssertionError("unaligned subtree range")  # a bug here, not bad input
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def stored_hash_index(level: int, n: int) -> int:
    """The storage position of the hash of subtree ``(level, n)``."""
    if level < 0 or n < 0:
        raise ValueError("level and index must be non-negative")
    # A level-L hash is written right after the level-0 hash of the last leaf it covers.
    last_leaf = ((n + 1) << level) - 1
    return 2 * last_leaf - last_leaf.bit_count() + level


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """The ``(level, n)`` stored at ``index``: the inverse of ``stored_hash_index``."""
    if index < 0:
        raise ValueError("stored hash index must be non-negative")
    n = index // 2  # stored_hash_index(0, n) < 2n, so the leaf we want is n or a little above
    at = stored_hash_index(0, n)
    while True:
        trailing = ((n + 1) & -(n + 1)).bit_length() - 1
        following = at + 1 + trailing  # leaf n writes itself and `trailing` subtree roots
        if following > index:
            break
        n += 1
        at = following
    level = index - at
    return level, n >> level


def stored_hash_count(size: int) -> int:
    """How many hashes a tree of ``size`` leaves has stored."""
    check_size(size)
    if size == 0:
        return 0
    count = stored_hash_index(0, size - 1) + 1
    i = size - 1
    while i & 1:
        count += 1
        i >>= 1
    return count


class HashReader(Protocol):
    """Reads stored hashes (see ``stored_hash_index``)."""

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        """Return the hashes at ``indexes``, in order, or raise ``StorageError``."""
        ...


def _read(reader: HashReader, indexes: Sequence[int]) -> list[bytes]:
    if not indexes:
        return []
    hashes = reader.read_hashes(indexes)
    if len(hashes) != len(indexes) or any(
        not isinstance(h, bytes) or len(h) != HASH_SIZE for h in hashes
    ):
        raise StorageError(
            f"hash reader returned {len(hashes)} values for {len(indexes)} indexes",
            code="hash-read-invalid",
        )
    return hashes


def stored_hashes(n: int, leaf: bytes, reader: HashReader) -> list[bytes]:
    """The hashes to store, from ``stored_hash_index(0, n)`` on, when appending leaf ``n``.

    Reads the roots of the subtrees leaf ``n`` completes (at most log n of them).
    """
    check_hash(leaf, "leaf hash")
    trailing = ((n + 1) & -(n + 1)).bit_length() - 1
    # Level i: the left sibling of the subtree that grows to contain leaf n.
    indexes = [stored_hash_index(i, (n >> i) - 1) for i in reversed(range(trailing))]
    siblings = _read(reader, indexes)
    out, h = [leaf], leaf
    for left in reversed(siblings):
        h = fold([left, h])
        out.append(h)
    return out


def _range_roots(ranges: Sequence[tuple[int, int]], reader: HashReader) -> list[bytes]:
    """Roots of each leaf range, with one read of every perfect subtree they need."""
    plans = [perfect_subtrees(lo, hi) for lo, hi in ranges]
    indexes = [stored_hash_index(level, n) for plan in plans for level, n in plan]
    hashes = _read(reader, indexes)
    out, at = [], 0
    for plan in plans:
        out.append(fold(hashes[at : at + len(plan)]))
        at += len(plan)
    return out


def tree_hash(size: int, reader: HashReader) -> bytes:
    """The root of the tree of ``size`` leaves."""
    check_size(size)
    return _range_roots([(0, size)], reader)[0] if size else EMPTY_ROOT


def prove_inclusion(size: int, index: int, reader: HashReader) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return _range_roots(inclusion_ranges(index, check_size(size)), reader)


def prove_consistency(old_size: int, new_size: int, reader: HashReader) -> list[bytes]:
    """The RFC 9162 consistency proof from tree ``old_size`` to tree ``new_size``."""
    ranges = consistency_ranges(check_size(old_size, "old size"), check_size(new_size, "new size"))
    return _range_roots(ranges, reader)


class MemoryHashStore:
    """A ``HashReader`` that keeps hashes in memory, optionally on top of another reader.

    With ``base``, the first ``stored_hash_count(base_size)`` indexes are read from it and only
    what is appended here is held in memory: an overlay for extending a published tree.
    """

    def __init__(self, base: HashReader | None = None, *, base_size: int = 0) -> None:
        if base is None and base_size:
            raise ValueError("base_size needs a base reader")
        self._base = base
        self._base_count = stored_hash_count(base_size)
        self._size = base_size
        self._hashes: list[bytes] = []

    @classmethod
    def from_leaf_hashes(cls, leaves: Iterable[bytes]) -> MemoryHashStore:
        store = cls()
        store.extend(leaves)
        return store

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MemoryHashStore:
        return cls.from_leaf_hashes(leaf_hash(e) for e in entries)

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> list[bytes]:
        """Store leaf ``size`` and the subtree roots it completes; return them."""
        new = stored_hashes(self._size, leaf, self)
        self._hashes.extend(new)
        self._size += 1
        return new

    def extend(self, leaves: Iterable[bytes]) -> None:
        for h in leaves:
            self.append(h)

    def root(self) -> bytes:
        return tree_hash(self._size, self)

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        below = [i for i in indexes if i < self._base_count]
        from_base = iter(_read(self._base, below)) if below and self._base else iter(())
        out = []
        for i in indexes:
            if i < 0:
                raise StorageError(f"no stored hash {i}", code="hash-missing")
            if i < self._base_count:
                out.append(next(from_base))
                continue
            j = i - self._base_count
            if j >= len(self._hashes):
                raise StorageError(f"stored hash {i} has not been written", code="hash-missing")
            out.append(self._hashes[j])
        return out

    def tree_state(self) -> TreeState:
        """The right edge of the current tree, for carrying on without this store."""
        plan = perfect_subtrees(0, self._size)
        return TreeState(self._size, _read(self, [stored_hash_index(lv, n) for lv, n in plan]))
