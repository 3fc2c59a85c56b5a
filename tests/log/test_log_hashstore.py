"""Stored-hash indexing (Go's tlog layout), the in-memory store and its overlay mode."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from imageledger.errors import StorageError
from imageledger.log.hashstore import (
    MemoryHashStore,
    prove_consistency,
    prove_inclusion,
    split_stored_hash_index,
    stored_hash_count,
    stored_hash_index,
    tree_hash,
)
from imageledger.log.merkle import EMPTY_ROOT, leaf_hash, root

LEAVES = [leaf_hash(str(i).encode()) for i in range(600)]


def _write_order(size: int) -> list[tuple[int, int]]:
    """Simulate an append-only writer: leaf n, then each subtree root leaf n completes."""
    order = []
    for n in range(size):
        order.append((0, n))
        level, index = 0, n
        while index & 1:
            level, index = level + 1, index >> 1
            order.append((level, index))
    return order


def test_index_is_write_order() -> None:
    order = _write_order(1100)
    for position, (level, n) in enumerate(order):
        assert stored_hash_index(level, n) == position
        assert split_stored_hash_index(position) == (level, n)


@pytest.mark.parametrize(
    ("level", "n", "index"),
    [(0, 0, 0), (0, 1, 1), (1, 0, 2), (0, 2, 3), (0, 3, 4), (1, 1, 5), (2, 0, 6), (0, 4, 7)],
    ids=lambda v: str(v),
)
def test_first_indexes(level: int, n: int, index: int) -> None:
    assert stored_hash_index(level, n) == index


def test_counts() -> None:
    assert [stored_hash_count(n) for n in range(9)] == [0, 1, 3, 4, 7, 8, 10, 11, 15]
    for size in range(1, 600):
        assert stored_hash_count(size) == len(_write_order(size))


def test_negative_coordinates_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        stored_hash_index(-1, 0)
    with pytest.raises(ValueError, match="non-negative"):
        split_stored_hash_index(-1)


def test_store_roots_and_missing_hashes() -> None:
    store = MemoryHashStore.from_leaf_hashes(LEAVES[:10])
    assert tree_hash(0, store) == EMPTY_ROOT
    for n in range(11):
        assert tree_hash(n, store) == root(LEAVES[:n])
    with pytest.raises(StorageError):
        store.read_hashes([stored_hash_count(10)])
    with pytest.raises(StorageError):
        tree_hash(11, store)
    with pytest.raises(StorageError):
        store.read_hashes([-1])


class CountingReader:
    def __init__(self, inner: MemoryHashStore) -> None:
        self.inner = inner
        self.calls: list[int] = []

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        self.calls.append(len(indexes))
        return self.inner.read_hashes(indexes)


def test_proofs_read_once_and_logarithmically() -> None:
    reader = CountingReader(MemoryHashStore.from_leaf_hashes(LEAVES))
    prove_inclusion(600, 345, reader)
    prove_consistency(123, 600, reader)
    tree_hash(600, reader)
    assert len(reader.calls) == 3
    assert max(reader.calls) <= 2 * 10


def test_overlay_extends_a_base_without_copying_it() -> None:
    base = MemoryHashStore.from_leaf_hashes(LEAVES[:300])
    reader = CountingReader(base)
    overlay = MemoryHashStore(reader, base_size=300)
    overlay.extend(LEAVES[300:])
    full = MemoryHashStore.from_leaf_hashes(LEAVES)
    assert overlay.root() == full.root() == root(LEAVES)
    assert overlay.tree_state() == full.tree_state()
    assert prove_inclusion(600, 17, overlay) == prove_inclusion(600, 17, full)
    assert prove_consistency(250, 600, overlay) == prove_consistency(250, 600, full)
    assert reader.calls  # old hashes really came from the base


class BrokenReader:
    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        return [b"short"] * len(indexes)


def test_a_reader_returning_junk_is_a_storage_error() -> None:
    with pytest.raises(StorageError):
        tree_hash(3, BrokenReader())
    with pytest.raises(ValueError, match="base"):
        MemoryHashStore(base_size=3)
