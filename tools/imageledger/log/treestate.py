"""The right edge of a growing Merkle tree: O(log n) hashes that suffice to append and to root.

A tree of ``size`` leaves is, left to right, one perfect subtree per set bit of ``size``,
largest first (a "compact range" of ``[0, size)``). Appending a leaf merges equal-sized
subtrees, as a binary counter carries; the hashes each append completes are exactly the
stored hashes Go's ``tlog.StoredHashes`` writes for it (see ``hashstore``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from imageledger.errors import RecordError
from imageledger.log.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MAX_TREE_SIZE,
    check_hash,
    check_size,
    decode_hash,
    encode_hash,
    fold,
    node_hash,
)


class TreeState:
    """The perfect-subtree roots of a tree of ``size`` leaves, largest first."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        check_size(size)
        if len(hashes) != size.bit_count():
            raise RecordError(
                f"a tree of size {size} has {size.bit_count()} edge hashes, not {len(hashes)}",
                code="tree-state-invalid",
            )
        self._size = size
        self._hashes = [check_hash(h, "edge hash") for h in hashes]

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        return tuple(self._hashes)

    def copy(self) -> TreeState:
        return TreeState(self._size, self._hashes)

    def append(self, leaf: bytes) -> list[bytes]:
        """Add a leaf hash; return the hashes it completes, leaf first (Go's ``StoredHashes``)."""
        check_hash(leaf, "leaf hash")
        if self._size >= MAX_TREE_SIZE:
            raise RecordError("the tree is full", code="tree-size-invalid")
        stored, h, n = [leaf], leaf, self._size
        while n & 1:
            h = node_hash(self._hashes.pop(), h)
            stored.append(h)
            n >>= 1
        self._hashes.append(h)
        self._size += 1
        return stored

    def extend(self, leaves: Iterable[bytes]) -> None:
        for h in leaves:
            self.append(h)

    def root(self) -> bytes:
        return fold(self._hashes) if self._hashes else EMPTY_ROOT

    def to_bytes(self) -> bytes:
        """8-byte big-endian size, then the edge hashes."""
        return self._size.to_bytes(8, "big") + b"".join(self._hashes)

    @classmethod
    def from_bytes(cls, data: bytes) -> TreeState:
        if len(data) < 8 or (len(data) - 8) % HASH_SIZE:
            raise RecordError("tree state is not 8 + 32*k bytes", code="tree-state-invalid")
        size = int.from_bytes(data[:8], "big")
        body = data[8:]
        return cls(size, [body[i : i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE)])

    def to_dict(self) -> dict[str, Any]:
        return {"size": self._size, "hashes": [encode_hash(h) for h in self._hashes]}

    @classmethod
    def from_dict(cls, data: object) -> TreeState:
        if not isinstance(data, dict) or set(data) != {"size", "hashes"}:
            raise RecordError(
                "tree state must have exactly size and hashes", code="tree-state-invalid"
            )
        hashes = data["hashes"]
        if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
            raise RecordError(
                "tree state hashes must be a list of base64 strings", code="tree-state-invalid"
            )
        return cls(check_size(data["size"]), [decode_hash(h, "edge hash") for h in hashes])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TreeState):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TreeState(size={self._size}, root={self.root().hex()})"
