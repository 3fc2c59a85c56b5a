"""RFC 6962 / RFC 9162 Merkle tree: published vectors, edge cases, the tree state."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imageledger.errors import RecordError, VerificationError
from imageledger.log.hashstore import MemoryHashStore, prove_consistency, prove_inclusion
from imageledger.log.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    decode_hash,
    encode_hash,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from imageledger.log.treestate import TreeState

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "vectors" / "rfc6962-ct-reference.json").read_text()
)
CT_LEAVES = [leaf_hash(bytes.fromhex(x)) for x in VECTORS["leaves_hex"]]
CT_ROOTS = [bytes.fromhex(x) for x in VECTORS["roots"]]
CT_STORE = MemoryHashStore.from_leaf_hashes(CT_LEAVES)
H = leaf_hash(b"x")


def test_published_facts() -> None:
    """DESIGN.md §5: the facts any implementation must reproduce."""
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root([]).hex() == EMPTY_ROOT.hex() == empty
    assert (
        leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert root(CT_LEAVES).hex() == (
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    )


@pytest.mark.parametrize("size", range(9), ids=lambda n: f"size{n}")
def test_ct_roots(size: int) -> None:
    assert root(CT_LEAVES[:size]) == CT_ROOTS[size]
    assert CT_STORE.root() == CT_ROOTS[8]
    state = TreeState()
    state.extend(CT_LEAVES[:size])
    assert state.root() == CT_ROOTS[size]


@pytest.mark.parametrize(
    "case", VECTORS["inclusion"], ids=lambda c: f"index{c['index']}-size{c['size']}"
)
def test_ct_inclusion_vectors(case: dict[str, Any]) -> None:
    index, size = case["index"], case["size"]
    expected = [bytes.fromhex(h) for h in case["proof"]]
    assert inclusion_proof(CT_LEAVES, index, size) == expected
    assert prove_inclusion(size, index, CT_STORE) == expected
    verify_inclusion(CT_LEAVES[index], index, size, expected, CT_ROOTS[size])


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['old']}to{c['new']}")
def test_ct_consistency_vectors(case: dict[str, Any]) -> None:
    old, new = case["old"], case["new"]
    expected = [bytes.fromhex(h) for h in case["proof"]]
    assert consistency_proof(CT_LEAVES, old, new) == expected
    assert prove_consistency(old, new, CT_STORE) == expected
    verify_consistency(old, new, CT_ROOTS[old], CT_ROOTS[new], expected)


def test_node_hash_is_rfc6962() -> None:
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    with pytest.raises(RecordError):
        node_hash(a, b[:31])


BAD_INCLUSION = [
    ("empty-tree", (H, 0, 0, [], EMPTY_ROOT)),
    ("index-equals-size", (H, 1, 1, [], H)),
    ("index-above-size", (H, 5, 1, [], H)),
    ("negative-index", (H, -1, 1, [], H)),
    ("bool-index", (H, False, 1, [], H)),
    ("short-leaf", (H[:31], 0, 1, [], H)),
    ("long-root", (H, 0, 1, [], H + b"\0")),
    ("short-proof-hash", (H, 0, 2, [H[:31]], H)),
    ("str-proof", (H, 0, 2, "x" * 32, H)),
    ("proof-not-needed", (H, 0, 1, [H], H)),
    ("proof-too-long", (H, 0, 2, [H] * 65, H)),
    ("size-too-large", (H, 0, 1 << 63, [], H)),
]


@pytest.mark.parametrize(("name", "args"), BAD_INCLUSION, ids=[n for n, _ in BAD_INCLUSION])
def test_bad_inclusion_inputs_raise(name: str, args: tuple[Any, ...]) -> None:
    with pytest.raises(VerificationError) as e:
        verify_inclusion(*args)
    assert e.value.code == "proof-invalid"


def test_single_leaf_inclusion_is_the_leaf() -> None:
    verify_inclusion(H, 0, 1, [], H)
    assert root_from_inclusion_proof(H, 0, 1, []) == H


R1, R2 = CT_ROOTS[1], CT_ROOTS[2]
BAD_CONSISTENCY = [
    ("old-above-new", (3, 2, R2, R2, [])),
    ("same-size-different-roots", (2, 2, R1, R2, [])),
    ("same-size-with-proof", (2, 2, R2, R2, [R1])),
    ("empty-old-not-empty-root", (0, 2, R1, R2, [])),
    ("empty-old-with-proof", (0, 2, EMPTY_ROOT, R2, [R1])),
    ("empty-proof", (1, 2, R1, R2, [])),
    ("negative-size", (-1, 2, R1, R2, [])),
    ("short-root", (1, 2, R1[:31], R2, [CT_LEAVES[1]])),
]


@pytest.mark.parametrize(("name", "args"), BAD_CONSISTENCY, ids=[n for n, _ in BAD_CONSISTENCY])
def test_bad_consistency_inputs_raise(name: str, args: tuple[Any, ...]) -> None:
    with pytest.raises(VerificationError) as e:
        verify_consistency(*args)
    assert e.value.code == "proof-invalid"


def test_trivial_consistency_holds() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, CT_ROOTS[5], [])
    verify_consistency(5, 5, CT_ROOTS[5], CT_ROOTS[5], [])
    assert consistency_proof(CT_LEAVES, 0, 5) == consistency_proof(CT_LEAVES, 5, 5) == []


@pytest.mark.parametrize(
    ("index", "size"), [(0, 0), (3, 3), (-1, 2), (0, 9)], ids=["empty", "at-size", "neg", "over"]
)
def test_proof_generation_refuses_bad_requests(index: int, size: int) -> None:
    with pytest.raises(RecordError):
        inclusion_proof(CT_LEAVES, index, size)


def test_consistency_generation_refuses_bad_requests() -> None:
    with pytest.raises(RecordError):
        consistency_proof(CT_LEAVES, 5, 3)
    with pytest.raises(RecordError):
        consistency_proof(CT_LEAVES, 1, 9)


# -- the tree state ---------------------------------------------------------------------------


def test_tree_state_appends_return_stored_hashes() -> None:
    state = TreeState()
    store = MemoryHashStore()
    for h in CT_LEAVES:
        assert state.append(h) == store.append(h)
    assert state.hashes == (CT_STORE.root(),)
    assert store.tree_state() == state


@given(st.lists(st.binary(max_size=8), max_size=70))
def test_tree_state_round_trips(entries: list[bytes]) -> None:
    state = TreeState()
    state.extend(leaf_hash(e) for e in entries)
    assert state.root() == root([leaf_hash(e) for e in entries])
    assert len(state.hashes) == len(entries).bit_count()
    assert TreeState.from_bytes(state.to_bytes()) == state
    assert TreeState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
    copy = state.copy()
    copy.append(H)
    assert copy.size == state.size + 1


@given(st.lists(st.binary(max_size=4), min_size=1, max_size=64), st.data())
def test_incremental_consistency(entries: list[bytes], data: st.DataObject) -> None:
    leaves = [leaf_hash(e) for e in entries]
    old = data.draw(st.integers(0, len(leaves)))
    verify_consistency(
        old, len(leaves), root(leaves[:old]), root(leaves), consistency_proof(leaves, old)
    )


TWO = TreeState(2, [node_hash(H, H)])
BAD_STATES: list[tuple[str, object]] = [
    ("not-a-dict", [2]),
    ("extra-key", {**TWO.to_dict(), "root": "x"}),
    ("missing-hashes", {"size": 2}),
    ("bool-size", {"size": True, "hashes": [encode_hash(H)]}),
    ("negative-size", {"size": -1, "hashes": []}),
    ("wrong-count", {"size": 3, "hashes": [encode_hash(H)]}),
    ("not-strings", {"size": 1, "hashes": [H]}),
    ("bad-base64", {"size": 1, "hashes": ["!" * 44]}),
    ("non-canonical-base64", {"size": 1, "hashes": [encode_hash(b"\0" * 32)[:-2] + "B="]}),
    ("short-hash", {"size": 1, "hashes": [encode_hash(H)[:40] + "===="]}),
]


@pytest.mark.parametrize(("name", "data"), BAD_STATES, ids=[n for n, _ in BAD_STATES])
def test_tree_state_from_dict_is_strict(name: str, data: object) -> None:
    with pytest.raises(RecordError):
        TreeState.from_dict(data)


@pytest.mark.parametrize(
    "data",
    [b"", b"\0" * 7, (2).to_bytes(8, "big"), (1).to_bytes(8, "big") + H + H, b"\0" * 8 + H[:5]],
    ids=["empty", "short-size", "missing-hash", "extra-hash", "ragged"],
)
def test_tree_state_from_bytes_is_strict(data: bytes) -> None:
    with pytest.raises(RecordError):
        TreeState.from_bytes(data)


def test_hash_text_is_canonical() -> None:
    text = encode_hash(H)
    assert decode_hash(text) == H
    for bad in [text[:-1], text + "=", " " + text[1:], text.replace("=", "A"), "é" * 44]:
        with pytest.raises(RecordError):
            decode_hash(bad)
