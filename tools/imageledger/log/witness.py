"""Witnessing: cosign consistent checkpoints; count cosignatures against ``ledger.yaml``'s quorum.

A witness remembers the last checkpoint it cosigned per origin (``--state``). Before
cosigning a newer one it checks, from the stored consistency proofs between successive
checkpoints, that the new tree extends the old; a repository whose checkpoint of the
remembered size differs is a fork, and the witness refuses with both as evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from imageledger.core.keys import PrivateKey, VerifierKey, parse_verifier_key
from imageledger.errors import Location, RecordError, StorageError, VerificationError
from imageledger.log.checkpoint import (
    Checkpoint,
    CosignerKey,
    cosign,
    parse_checkpoint,
    parse_cosigner_key,
    verify_checkpoint,
)
from imageledger.log.note import NoteSignature, NoteVerifier, format_note, parse_note, verify_note
from imageledger.log.sequence import verify_history
from imageledger.log.state import witness_dir_name
from imageledger.log.store import DirLogFiles, LogFiles, load_state, read_checkpoint, read_history
from imageledger.storage.files import read_bounded, write_atomic
from imageledger.storage.layout import Layout, LedgerConfig, load_config


@dataclass(frozen=True)
class WitnessPolicy:
    """The witnesses ``ledger.yaml`` names and how many must cosign (C2SP tlog-policy style)."""

    keys: tuple[CosignerKey, ...]
    quorum: int


def witness_policy(config: LedgerConfig) -> WitnessPolicy:
    keys: list[CosignerKey] = []
    declared = config.data.get("witnesses") or []
    assert isinstance(declared, list)
    for n, w in enumerate(declared):
        assert isinstance(w, dict)
        try:
            key = parse_cosigner_key(str(w["key"]))
        except RecordError as e:
            raise RecordError(
                e.message,
                code=e.code,
                location=Location("ledger/ledger.yaml", None, f"witnesses[{n}].key"),
            ) from e
        if key.name != w["name"]:
            raise RecordError(
                f"witness {w['name']!r} has a key named {key.name!r}",
                code="ledger-config",
                location=Location("ledger/ledger.yaml", None, f"witnesses[{n}].name"),
            )
        keys.append(key)
    quorum = config.data.get("witness_quorum", 0)
    assert isinstance(quorum, int)
    if quorum > len(keys):
        raise RecordError(
            f"witness_quorum {quorum} is more than the {len(keys)} witnesses named",
            code="ledger-config",
            location=Location("ledger/ledger.yaml", None, "witness_quorum"),
        )
    return WitnessPolicy(tuple(keys), quorum)


def cosignature_name(witness: str, size: int) -> str:
    return f"{witness_dir_name(witness)}/{size}"


def collect_cosignatures(files: LogFiles, policy: WitnessPolicy, size: int) -> list[NoteSignature]:
    """The cosignature lines the declared witnesses committed for checkpoint ``size``."""
    out: list[NoteSignature] = []
    for key in policy.keys:
        name = cosignature_name(key.name, size)
        data = files.read(name)
        if data is None:
            continue
        try:
            out.extend(parse_note(b"x\n\n" + data).signatures)
        except RecordError as e:
            raise e.at(name) from None
    return out


def with_signatures(signed: bytes, extra: Sequence[NoteSignature]) -> bytes:
    """``signed`` with ``extra`` signature lines appended (duplicates dropped)."""
    note = parse_note(signed)
    sigs = list(note.signatures)
    sigs += [s for s in extra if s not in sigs]
    return format_note(note.text, sigs)


def witnessed_count(
    signed: bytes, *, origin: str, log_keys: Sequence[VerifierKey], policy: WitnessPolicy
) -> int:
    """How many declared witnesses validly cosigned ``signed`` (bad cosignatures raise)."""
    verified = verify_checkpoint(signed, origin=origin, log_keys=log_keys, witness_keys=policy.keys)
    return len({c.key.ref for c in verified.cosignatures})


def memory_path(state_dir: Path, origin: str) -> Path:
    return state_dir / quote(origin, safe="")


def fork_evidence(remembered: bytes, seen: bytes) -> str:
    return (
        "evidence: the checkpoint remembered earlier:\n"
        + remembered.decode("utf-8", "replace")
        + "evidence: the checkpoint presented now:\n"
        + seen.decode("utf-8", "replace")
    )


class ForkError(VerificationError):
    """Two signed checkpoints that cannot both be true; ``evidence`` prints both."""

    def __init__(self, message: str, *, code: str, remembered: bytes, seen: bytes) -> None:
        super().__init__(message, code=code)
        self.evidence = fork_evidence(remembered, seen)


def check_against_memory(
    remembered: Checkpoint,
    remembered_note: bytes,
    latest_note: bytes,
    latest: Checkpoint,
    history: dict[int, bytes],
) -> None:
    """Raise ``ForkError`` unless the repository's history extends the remembered checkpoint."""
    if remembered.size > latest.size:
        raise ForkError(
            f"rollback: the log is at size {latest.size}, but size {remembered.size} was seen",
            code="log-rollback",
            remembered=remembered_note,
            seen=latest_note,
        )
    same = history.get(remembered.size)
    if same is None or parse_checkpoint(parse_note(same).text) != remembered:
        raise ForkError(
            f"fork: the log's checkpoint of size {remembered.size} is not the one seen before",
            code="log-fork",
            remembered=remembered_note,
            seen=same or latest_note,
        )


def cosign_repo(layout: Layout, key: PrivateKey, *, state_dir: Path, time: int) -> Path:
    """Check the latest checkpoint against the witness's memory and cosign it into the ledger."""
    config = load_config(layout)
    files = DirLogFiles(layout.ledger / "log")
    operator_keys = list(config.operator_keys.values())
    state = load_state(files)
    if state.size == 0:
        raise StorageError("the log is empty: nothing to cosign", code="log-empty")
    checkpoints, proofs = read_history(files)
    history = verify_history(checkpoints, proofs, origin=config.origin, operator_keys=operator_keys)
    latest_note = read_checkpoint(files, state.size)
    if (
        latest_note is None
        or history[-1].size != state.size
        or history[-1].root_hash != state.tree.root()
    ):
        raise VerificationError(
            "the latest checkpoint does not match the log state", code="log-state-mismatch"
        )
    latest = history[-1]
    memory = memory_path(state_dir, config.origin)
    if memory.is_file():
        remembered_note = read_bounded(memory, 1 << 16)
        remembered = verify_checkpoint(
            remembered_note, origin=config.origin, log_keys=operator_keys
        ).checkpoint
        check_against_memory(remembered, remembered_note, latest_note, latest, checkpoints)
    body = parse_note(latest_note).text
    signature = cosign(body, key, time=time)
    target = layout.ledger / "log" / cosignature_name(key.name, latest.size)
    write_atomic(target, signature.line.encode())
    write_atomic(memory, latest_note)
    return target


def parse_any_key(text: str) -> NoteVerifier:
    """An Ed25519 note verifier key (type 0x01) or a cosignature key (type 0x04)."""
    try:
        return parse_verifier_key(text)
    except RecordError:
        return parse_cosigner_key(text)


def verify_note_file(data: bytes, keys: Sequence[str]) -> str:
    """Verify a signed note against ``keys``; describe what verified."""
    verifiers = [parse_any_key(k) for k in keys]
    note = verify_note(data, verifiers)
    names = ", ".join(f"{s.name}+{s.key_id.hex()}" for s in note.verified)
    try:
        cp = parse_checkpoint(note.text)
        return f"checkpoint of {cp.origin} at size {cp.size}, signed by {names}"
    except RecordError:
        return f"note signed by {names}"
