"""Every inclusion and consistency proof of trees of 0..300 leaves verifies; tampering fails.

Proofs come from the stored-hash reader (``hashstore``) and are cross-checked against the
list-based builder (``merkle``) and an independent recursive reference for the smaller trees.
Tampering: every proof hash gets a bit flipped (a seeded random bit), and so do the root(s),
the leaf, the index or sizes; proofs are also cut short and padded. Each must fail.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from imageledger.errors import VerificationError
from imageledger.log.hashstore import MemoryHashStore, prove_consistency, prove_inclusion, tree_hash
from imageledger.log.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 300
LEAVES = [leaf_hash(i.to_bytes(2, "big")) for i in range(MAX_SIZE)]
STORE = MemoryHashStore.from_leaf_hashes(LEAVES)
ROOTS = [tree_hash(n, STORE) for n in range(MAX_SIZE + 1)]
EXTRA = leaf_hash(b"not in the tree")

pytestmark = pytest.mark.slow


def flip(data: bytes, rng: random.Random) -> bytes:
    bit = rng.randrange(len(data) * 8)
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def must_fail(check: Callable[[], None], what: str) -> None:
    try:
        check()
    except VerificationError:
        return
    pytest.fail(f"tampered proof verified: {what}")


def test_roots_match_reference() -> None:
    for n in range(MAX_SIZE + 1):
        assert ROOTS[n] == root(LEAVES[:n]), n


class Tamperer:
    """Runs tampered verifications: every kind for small trees, a rotating two otherwise.

    A kind is a proof position (``0``, ``1``, ...) whose hash gets a random bit flipped, or one
    of ``root``, ``old root``, ``new root``, ``leaf``, ``index``, ``old size``, ``padded`` and
    ``shortened``. Over the ~45,000 proofs of each sort every kind runs many times, while the
    whole test stays within a few seconds.
    """

    EXHAUSTIVE_UP_TO = 64
    PER_PROOF = 2

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.turn = 0
        self.count = 0

    def flip(self, data: bytes) -> bytes:
        return flip(data, self.rng)

    def flip_at(self, proof: list[bytes], k: int) -> list[bytes]:
        bad = list(proof)
        bad[k] = self.flip(bad[k])
        return bad

    def pick(self, size: int, kinds: list[str | int]) -> list[str | int]:
        if size <= self.EXHAUSTIVE_UP_TO:
            return kinds
        self.turn += 1
        return [kinds[(self.turn + i) % len(kinds)] for i in range(self.PER_PROOF)]

    def fail(self, check: Callable[[], None], what: str) -> None:
        must_fail(check, what)
        self.count += 1


def _inclusion_args(
    t: Tamperer, kind: str | int, leaf: bytes, index: int, size: int, proof: list[bytes]
) -> tuple[bytes, int, int, list[bytes], bytes]:
    top = ROOTS[size]
    if isinstance(kind, int):
        return leaf, index, size, t.flip_at(proof, kind), top
    if kind == "root":
        return leaf, index, size, proof, t.flip(top)
    if kind == "leaf":
        return t.flip(leaf), index, size, proof, top
    if kind == "index":
        return leaf, index ^ (1 << t.rng.randrange(size.bit_length())), size, proof, top
    if kind == "padded":
        return leaf, index, size, [*proof, EXTRA], top
    return leaf, index, size, proof[:-1], top  # shortened


def test_every_inclusion_proof() -> None:
    t = Tamperer(6962)
    for size in range(1, MAX_SIZE + 1):
        for index in range(size):
            proof = prove_inclusion(size, index, STORE)
            leaf = LEAVES[index]
            verify_inclusion(leaf, index, size, proof, ROOTS[size])
            kinds: list[str | int] = ["root", "leaf", "index", "padded", *range(len(proof))]
            if proof:
                kinds.append("shortened")
            for kind in t.pick(size, kinds):
                args = _inclusion_args(t, kind, leaf, index, size, proof)
                t.fail(lambda a=args: verify_inclusion(*a), f"size {size} index {index} {kind}")
    assert t.count > 100_000


def _consistency_args(
    t: Tamperer, kind: str | int, old: int, new: int, proof: list[bytes]
) -> tuple[int, int, bytes, bytes, list[bytes]]:
    old_root, new_root = ROOTS[old], ROOTS[new]
    if isinstance(kind, int):
        return old, new, old_root, new_root, t.flip_at(proof, kind)
    if kind == "old root":
        return old, new, t.flip(old_root), new_root, proof
    if kind == "new root":
        return old, new, old_root, t.flip(new_root), proof
    if kind == "old size":
        for _ in range(8):
            other = old ^ (1 << t.rng.randrange(max(1, new.bit_length())))
            if other <= new and ROOTS[other] != old_root:
                break
        else:
            other = new + 1  # never a valid size claim either
        return other, new, old_root, new_root, proof
    if kind == "padded":
        return old, new, old_root, new_root, [*proof, EXTRA]
    return old, new, old_root, new_root, proof[:-1]  # shortened


def test_every_consistency_proof() -> None:
    t = Tamperer(9162)
    for new in range(MAX_SIZE + 1):
        for old in range(new + 1):
            proof = prove_consistency(old, new, STORE)
            verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)
            kinds: list[str | int] = ["old root", "old size", "padded", *range(len(proof))]
            if old:  # the empty tree is a prefix of every tree: no proof binds the new root
                kinds.append("new root")
            if proof:
                kinds.append("shortened")
            for kind in t.pick(new, kinds):
                args = _consistency_args(t, kind, old, new, proof)
                t.fail(lambda a=args: verify_consistency(*a), f"{old} -> {new} {kind}")
    assert t.count > 100_000


def test_list_builder_matches_reader_builder() -> None:
    for size in range(MAX_SIZE + 1):
        for index in range(size % 5, size, 23):
            assert inclusion_proof(LEAVES, index, size) == prove_inclusion(size, index, STORE)
        for old in range(size % 7, size + 1, 23):
            assert consistency_proof(LEAVES, old, size) == prove_consistency(old, size, STORE)


def _reference_path(leaves: list[bytes], m: int) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH, written from the RFC's recursion, independently of the module."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*_reference_path(leaves[:k], m), root(leaves[k:])]
    return [*_reference_path(leaves[k:], m - k), root(leaves[:k])]


def _reference_subproof(leaves: list[bytes], m: int, complete: bool) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF."""
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_reference_subproof(leaves[:k], m, complete), root(leaves[k:])]
    return [*_reference_subproof(leaves[k:], m - k, False), root(leaves[:k])]


@pytest.mark.parametrize("size", range(1, 65), ids=lambda s: f"size{s}")
def test_proofs_match_rfc_recursion(size: int) -> None:
    leaves = LEAVES[:size]
    for index in range(size):
        assert prove_inclusion(size, index, STORE) == _reference_path(leaves, index)
    for old in range(1, size):
        assert prove_consistency(old, size, STORE) == _reference_subproof(leaves, old, True)
