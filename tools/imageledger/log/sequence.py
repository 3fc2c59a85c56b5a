"""Sequencing: append entries to the log state and sign the next checkpoint (pure).

Appending ``k`` entries to a log of ``n`` reads only the state's O(log n) edge hashes and
hashes the ``k`` new leaves; the consistency proof from the last checkpoint to the new one
is built from the same hashes and checked before anything is signed, so the operator can
never sign two inconsistent checkpoints through this code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from imageledger.core.keys import PrivateKey, VerifierKey
from imageledger.errors import Location, VerificationError
from imageledger.log.checkpoint import Checkpoint, sign_checkpoint, verify_checkpoint
from imageledger.log.hashstore import (
    MemoryHashStore,
    perfect_subtrees,
    prove_consistency,
    stored_hash_index,
)
from imageledger.log.merkle import leaf_hash, verify_consistency
from imageledger.log.state import (
    ORDER_WIDTH,
    Head,
    LogState,
    OrderLine,
    checkpoint_name,
    consistency_name,
    format_consistency,
    format_order,
    format_state,
    order_name,
)
from imageledger.log.tiles import MAX_ENTRY_SIZE
from imageledger.log.treestate import TreeState


@dataclass(frozen=True, slots=True)
class Entry:
    """An admitted record (or registration, ``seq`` 0) as the log stores it."""

    publisher: str
    seq: int
    recorded_at: str
    canonical: bytes
    hash: str

    @property
    def ref(self) -> str:
        return f"{self.publisher}/{self.seq}"


def sequence_order(entries: Sequence[Entry]) -> list[Entry]:
    """The order the log appends entries in: by time, then publisher, then seq.

    A chain's times never decrease, so each publisher's entries stay in chain order.
    """
    return sorted(entries, key=lambda e: (e.recorded_at, e.publisher, e.seq))


class EdgeHashReader:
    """A ``HashReader`` that knows only the perfect-subtree roots of a ``TreeState``."""

    def __init__(self, state: TreeState) -> None:
        plan = perfect_subtrees(0, state.size)
        self._hashes = {
            stored_hash_index(level, n): h for (level, n), h in zip(plan, state.hashes, strict=True)
        }

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        try:
            return [self._hashes[i] for i in indexes]
        except KeyError as e:
            raise AssertionError(f"stored hash {e} is not on the tree's edge") from e


def extend(state: TreeState, leaves: Sequence[bytes]) -> tuple[TreeState, list[bytes]]:
    """Append ``leaves``; return the new edge and the consistency proof from the old tree."""
    store = MemoryHashStore(EdgeHashReader(state), base_size=state.size)
    store.extend(leaves)
    proof = prove_consistency(state.size, store.size, store) if leaves else []
    return store.tree_state(), proof


@dataclass(frozen=True)
class Batch:
    """What one integration writes (names relative to ``ledger/log/``), state file last."""

    old_size: int
    new_size: int
    files: dict[str, bytes]
    checkpoint: bytes


def _refuse(message: str, code: str, name: str | None = None) -> VerificationError:
    return VerificationError(message, code=code, location=Location(name))


def check_state_signed(
    state: LogState,
    last_checkpoint: bytes | None,
    *,
    origin: str,
    operator_keys: Sequence[VerifierKey],
) -> None:
    """Raise unless the stored state is exactly the tree of the last signed checkpoint."""
    name = checkpoint_name(state.size)
    if state.size == 0:
        return
    if last_checkpoint is None:
        raise _refuse("the state's size has no signed checkpoint", "log-checkpoint-missing", name)
    cp = verify_checkpoint(last_checkpoint, origin=origin, log_keys=operator_keys).checkpoint
    if cp.size != state.size or cp.root_hash != state.tree.root():
        raise _refuse(
            "the log state does not match its last signed checkpoint",
            "log-state-mismatch",
            name,
        )


def sequence(
    state: LogState,
    entries: Sequence[Entry],
    *,
    last_order: Sequence[OrderLine],
    last_checkpoint: bytes | None,
    origin: str,
    key: PrivateKey,
    operator_keys: Sequence[VerifierKey],
    time: str | None,
) -> Batch | None:
    """Append ``entries`` to ``state`` and sign the next checkpoint; ``None`` if none are new.

    ``last_order`` is the content of the last, partly filled order file (empty when the size
    is a multiple of 256); ``last_checkpoint`` the signed checkpoint of ``state.size``.
    """
    check_state_signed(state, last_checkpoint, origin=origin, operator_keys=operator_keys)
    if len(last_order) != state.size % ORDER_WIDTH:
        raise _refuse(
            "the last order file does not match the state's size",
            "log-state-mismatch",
            order_name(state.size // ORDER_WIDTH),
        )
    if not entries:
        return None
    heads: dict[str, Head] = dict(state.heads)
    lines = []
    for entry in sequence_order(entries):
        head = heads.get(entry.publisher)
        expected = 0 if head is None else head.seq + 1
        if entry.seq != expected:
            raise _refuse(
                f"{entry.ref} is not the next entry of {entry.publisher} (expected seq {expected})",
                "log-order",
            )
        if len(entry.canonical) > MAX_ENTRY_SIZE:
            raise _refuse(f"{entry.ref} is larger than a log entry may be", "entry-too-large")
        heads[entry.publisher] = Head(entry.seq, entry.hash)
        lines.append(OrderLine(entry.publisher, entry.seq, entry.hash, leaf_hash(entry.canonical)))
    new_tree, proof = extend(state.tree, [o.leaf for o in lines])
    old_root = state.tree.root()
    verify_consistency(state.size, new_tree.size, old_root, new_tree.root(), proof)
    signed = sign_checkpoint(Checkpoint(origin, new_tree.size, new_tree.root()), key)
    files: dict[str, bytes] = {}
    first_file = state.size // ORDER_WIDTH
    pending = [*last_order, *lines]
    for n in range(first_file, (new_tree.size + ORDER_WIDTH - 1) // ORDER_WIDTH):
        at = (n - first_file) * ORDER_WIDTH
        files[order_name(n)] = format_order(pending[at : at + ORDER_WIDTH])
    if state.size:
        files[consistency_name(new_tree.size)] = format_consistency(state.size, proof)
    files[checkpoint_name(new_tree.size)] = signed
    files["state"] = format_state(LogState(new_tree, heads, time))
    return Batch(state.size, new_tree.size, files, signed)


def verify_history(
    checkpoints: Mapping[int, bytes],
    proofs: Mapping[int, tuple[int, list[bytes]]],
    *,
    origin: str,
    operator_keys: Sequence[VerifierKey],
) -> list[Checkpoint]:
    """Verify every signed checkpoint and each stored proof that it extends the one before."""
    out: list[Checkpoint] = []
    for size in sorted(checkpoints):
        cp = verify_checkpoint(checkpoints[size], origin=origin, log_keys=operator_keys).checkpoint
        if cp.size != size:
            raise _refuse(
                f"checkpoint file {size} holds a checkpoint of size {cp.size}",
                "log-checkpoint-misfiled",
                checkpoint_name(size),
            )
        if out:
            prev = out[-1]
            old_size, proof = proofs.get(size, (-1, []))
            if old_size != prev.size:
                raise _refuse(
                    f"no consistency proof from {prev.size} to {size}",
                    "log-consistency-missing",
                    consistency_name(size),
                )
            try:
                verify_consistency(prev.size, size, prev.root_hash, cp.root_hash, proof)
            except VerificationError as e:
                raise _refuse(
                    f"checkpoint {size} is not consistent with checkpoint {prev.size}",
                    "log-inconsistent",
                    consistency_name(size),
                ) from e
        out.append(cp)
    return out
