"""The sequencing state: its text formats, O(log n) appends with consistency proofs, and the
refusals that keep the operator from signing two inconsistent checkpoints."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imageledger.core.keys import demo_key
from imageledger.errors import RecordError, VerificationError
from imageledger.log import merkle
from imageledger.log.integrate import integrate_entries
from imageledger.log.merkle import leaf_hash
from imageledger.log.sequence import Entry, extend, verify_history
from imageledger.log.state import (
    Head,
    LogState,
    OrderLine,
    format_order,
    format_state,
    parse_order,
    parse_state,
)
from imageledger.log.store import MemoryLogFiles, iter_order, load_state, read_history
from imageledger.log.treestate import TreeState

KEY = demo_key("test.example/operator-DEMO")
ORIGIN = "test.example/log"


def entries(publisher: str, first: int, count: int, day: int = 1) -> list[Entry]:
    out = []
    for seq in range(first, first + count):
        data = f'{{"publisher":"{publisher}","seq":{seq}}}'.encode()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        out.append(
            Entry(
                publisher,
                seq,
                f"2026-01-{day:02d}T{seq // 3600:02d}:{seq // 60 % 60:02d}:{seq % 60:02d}Z",
                data,
                digest,
            )
        )
    return out


def run(files: MemoryLogFiles, batch: list[Entry], time: str = "2026-02-01T00:00:00Z") -> int:
    result = integrate_entries(
        files, batch, origin=ORIGIN, key=KEY, operator_keys=[KEY.verifier], time=time
    )
    return 0 if result is None else result.new_size


@pytest.mark.parametrize("old", [0, 1, 2, 3, 5, 8, 13, 64, 255, 256, 257])
@pytest.mark.parametrize("added", [1, 2, 7, 256])
def test_extend_matches_the_full_tree_and_proves_consistency(old: int, added: int) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(old + added)]
    state = TreeState()
    state.extend(leaves[:old])
    new, proof = extend(state, leaves[old:])
    assert new.root() == merkle.root(leaves)
    assert proof == merkle.consistency_proof(leaves, old, old + added)
    merkle.verify_consistency(old, old + added, state.root(), new.root(), proof)


@given(st.integers(0, 600), st.lists(st.text(max_size=3), max_size=3))
def test_state_text_round_trips(size: int, names: list[str]) -> None:
    tree = TreeState()
    tree.extend(leaf_hash(i.to_bytes(4, "big")) for i in range(size))
    heads = {}
    if size:
        heads = {"acme": Head(size - 1, "sha256:" + "ab" * 32)}
    state = LogState(tree, heads, "2026-01-01T00:00:00Z")
    assert parse_state(format_state(state)) == state


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace("size", "size 0", 1),
        lambda t: t.replace("\nedge ", "\nedge  ", 1),
        lambda t: t + "extra\n",
        lambda t: t.rstrip("\n"),
        lambda t: t.replace("head acme 2", "head acme 3"),
        lambda t: t.replace("imageledger/log-state/v1", "v2"),
    ],
    ids=["size", "edge-space", "extra-line", "no-newline", "heads-sum", "header"],
)
def test_state_parse_rejects_anything_not_canonical(mutate: object) -> None:
    tree = TreeState()
    tree.extend(leaf_hash(bytes([i])) for i in range(3))
    text = format_state(LogState(tree, {"acme": Head(2, "sha256:" + "00" * 32)})).decode()
    with pytest.raises(RecordError) as e:
        parse_state(mutate(text).encode())  # type: ignore[operator]
    assert e.value.code == "log-state-malformed"


def test_order_round_trips_and_rejects_junk() -> None:
    lines = [OrderLine("acme", i, "sha256:" + "0f" * 32, leaf_hash(bytes([i]))) for i in range(5)]
    assert parse_order(format_order(lines), "order/000") == lines
    for bad in [b"acme/1 sha256:00 x\n", b"acme/01 " + b"x" * 10 + b"\n", b"no newline"]:
        with pytest.raises(RecordError):
            parse_order(bad, "order/000")


def test_integrate_is_incremental_idempotent_and_splits_the_order_index() -> None:
    files = MemoryLogFiles()
    batch = [*entries("acme", 0, 200), *entries("beta", 0, 100, day=2)]
    assert run(files, batch) == 300
    assert sorted(n for n in files.files if n.startswith("order/")) == ["order/000", "order/001"]
    before = dict(files.files)
    assert run(files, []) == 0
    assert files.files == before  # nothing new: nothing written
    assert run(files, entries("acme", 200, 300, day=3)) == 600
    assert sorted(files.names("checkpoints")) == ["300", "600", "600.consistency"]
    state = load_state(files)
    lines = list(iter_order(files, state.size))
    assert [o.ref for o in lines[:3]] == ["acme/0", "acme/1", "acme/2"]
    assert merkle.root([o.leaf for o in lines]) == state.tree.root()
    checkpoints, proofs = read_history(files)
    assert [
        c.size
        for c in verify_history(checkpoints, proofs, origin=ORIGIN, operator_keys=[KEY.verifier])
    ] == [300, 600]


def test_refuses_gaps_and_repeats_in_a_publishers_entries() -> None:
    files = MemoryLogFiles()
    run(files, entries("acme", 0, 3))
    with pytest.raises(VerificationError) as e:
        run(files, entries("acme", 4, 1))
    assert e.value.code == "log-order"
    with pytest.raises(VerificationError):
        run(files, entries("acme", 2, 1))
    with pytest.raises(VerificationError):
        run(files, entries("newco", 1, 1))  # records before the registration


def test_refuses_to_sign_when_the_state_is_not_the_last_checkpoint() -> None:
    files = MemoryLogFiles()
    run(files, entries("acme", 0, 5))
    tampered = load_state(files)
    tree = TreeState()
    tree.extend(leaf_hash(bytes([i])) for i in range(5))
    files.files["state"] = format_state(LogState(tree, tampered.heads, tampered.time))
    before = dict(files.files)
    with pytest.raises(VerificationError) as e:
        run(files, entries("acme", 5, 1))
    assert e.value.code == "log-state-mismatch"
    assert files.files == before


def test_refuses_a_second_checkpoint_of_the_same_size() -> None:
    files = MemoryLogFiles()
    run(files, entries("acme", 0, 5))
    other = MemoryLogFiles()
    run(other, entries("beta", 0, 6))
    files.files["checkpoints/6"] = other.files["checkpoints/6"]
    with pytest.raises(VerificationError) as e:
        run(files, entries("acme", 5, 1))
    assert e.value.code == "log-checkpoint-conflict"


def test_history_with_a_forged_proof_is_inconsistent() -> None:
    files = MemoryLogFiles()
    run(files, entries("acme", 0, 5))
    run(files, entries("acme", 5, 5))
    data = files.files["checkpoints/10.consistency"].decode().split("\n")
    data[1] = merkle.encode_hash(b"\x00" * 32)
    files.files["checkpoints/10.consistency"] = "\n".join(data).encode()
    checkpoints, proofs = read_history(files)
    with pytest.raises(VerificationError) as e:
        verify_history(checkpoints, proofs, origin=ORIGIN, operator_keys=[KEY.verifier])
    assert e.value.code == "log-inconsistent"
