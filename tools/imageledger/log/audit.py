"""``imageledger verify``: audit the ledger and its log from a clone or from a published site.

Both end in an ``Audit``: a report with stable codes, the verified tree head, the witness
count against the quorum and, for a rollback or fork, both checkpoints as evidence. With
``state`` the audit remembers the last checkpoint it verified per origin (and, for a site,
the operator keys it first trusted) and proves the next one consistent with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imageledger.core import strict_yaml
from imageledger.core.keys import VerifierKey, format_verifier_key, parse_verifier_key
from imageledger.errors import (
    Finding,
    LedgerError,
    Location,
    RecordError,
    Report,
    Severity,
    VerificationError,
)
from imageledger.log.checkpoint import Checkpoint, parse_checkpoint, verify_checkpoint
from imageledger.log.fetch import MAX_CHECKPOINT, MAX_META, MAX_TILE, LogSource
from imageledger.log.hashstore import prove_consistency
from imageledger.log.integrate import log_files, read_entry
from imageledger.log.merkle import encode_hash, leaf_hash, verify_consistency
from imageledger.log.note import parse_note
from imageledger.log.sequence import verify_history
from imageledger.log.sitecheck import check_log
from imageledger.log.tiles import TileHashReader
from imageledger.log.treestate import TreeState
from imageledger.log.witness import (
    WitnessPolicy,
    collect_cosignatures,
    fork_evidence,
    memory_path,
    with_signatures,
    witness_policy,
)
from imageledger.storage.files import read_bounded, write_atomic
from imageledger.storage.layout import Layout, LedgerConfig, load_config
from imageledger.validate import validate

Progress = Callable[[int], None] | None


_SHAPES = " (signatures, chains, shapes; --records checks every value)"


@dataclass
class Audit:
    """What ``verify`` found."""

    source: str
    report: Report = field(default_factory=Report)
    checkpoint: Checkpoint | None = None
    entries: int = 0
    witnesses: int = 0
    quorum: int = 0
    evidence: list[str] = field(default_factory=list)
    records: bool = True
    """Whether every record's values were checked too (not only the chains' and shapes)."""

    @property
    def witnessed(self) -> bool:
        return self.witnesses >= self.quorum

    def summary(self) -> str:
        if self.checkpoint is None:
            return f"{self.source}: no verified checkpoint"
        cp = self.checkpoint
        return (
            f"{self.source}: {cp.origin} size {cp.size} root {encode_hash(cp.root_hash)}; "
            f"{self.entries} entries checked{'' if self.records else _SHAPES}; "
            f"witnesses {self.witnesses}/{self.quorum} "
            f"({'quorum met' if self.witnessed else 'quorum NOT met'})"
        )

    def to_json(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {
            "source": self.source,
            "origin": cp.origin if cp else None,
            "size": cp.size if cp else None,
            "root": encode_hash(cp.root_hash) if cp else None,
            "entries": self.entries,
            "records_checked": self.records,
            "witnesses": self.witnesses,
            "quorum": self.quorum,
            "witnessed": self.witnessed,
            "evidence": self.evidence,
        }


def _error(audit: Audit, code: str, message: str, where: str | None = None) -> None:
    audit.report.add(Finding(code, message, Location(where)))


def _keys(texts: Sequence[str]) -> dict[str, VerifierKey]:
    return {k.ref: k for k in map(parse_verifier_key, texts)}


Recalled = tuple[bytes, Checkpoint] | LedgerError | None
"""The checkpoint an auditor's ``--state`` remembers for a log (its note, verified), the error
reading it gave, or ``None`` (no ``--state``, or nothing remembered yet)."""


def _recall(state: Path | None, origin: str, keys: Sequence[VerifierKey]) -> Recalled:
    if state is None:
        return None
    memory = memory_path(state, origin)
    if not memory.is_file():
        return None
    try:
        note = read_bounded(memory, MAX_CHECKPOINT)
        return note, verify_checkpoint(note, origin=origin, log_keys=keys).checkpoint
    except LedgerError as e:
        return e.at(str(memory))


def _remember(
    audit: Audit,
    state: Path | None,
    signed: bytes,
    recalled: Recalled,
    extends: Callable[[Checkpoint], bool],
) -> None:
    """Check that the verified tree extends the remembered one, then remember ``signed``.

    ``extends(old)`` says whether the verified tree's first ``old.size`` leaves are the tree
    seen before, for an older size only (at the same size, the roots are compared here).
    """
    if state is None or audit.checkpoint is None:
        return
    cp = audit.checkpoint
    if isinstance(recalled, LedgerError):
        audit.report.error(recalled)
        return
    if recalled is not None:
        old_note, old = recalled
        problem = _break(old, cp, extends)
        if problem is not None:
            audit.report.error(problem)
            audit.evidence.append(fork_evidence(old_note, signed))
            return
    if audit.report:
        write_atomic(memory_path(state, cp.origin), signed)


def _break(
    old: Checkpoint, cp: Checkpoint, extends: Callable[[Checkpoint], bool]
) -> VerificationError | None:
    """How the verified tree ``cp`` fails to extend ``old``, if it does."""
    if old.size > cp.size:
        return VerificationError(
            f"rollback: the log is at size {cp.size}, but size {old.size} was seen before",
            code="log-rollback",
        )
    if not (old.root_hash == cp.root_hash if old.size == cp.size else extends(old)):
        return VerificationError(
            f"fork: the log of size {cp.size} does not extend the tree of size {old.size} "
            "seen before",
            code="log-fork",
        )
    return None


def _quorum(
    audit: Audit, signed: bytes, origin: str, keys: Sequence[VerifierKey], policy: WitnessPolicy
) -> None:
    audit.quorum = policy.quorum
    try:
        verified = verify_checkpoint(signed, origin=origin, log_keys=keys, witness_keys=policy.keys)
    except LedgerError as e:
        audit.report.error(e)
        return
    audit.witnesses = len({c.key.ref for c in verified.cosignatures})
    if not audit.witnessed:
        audit.report.add(
            Finding(
                "log-quorum-unmet",
                f"the latest checkpoint has {audit.witnesses} of {policy.quorum} required "
                "witness cosignatures",
                Location(origin),
                Severity.WARNING,
            )
        )


def verify_repo(
    repo: Path,
    *,
    state: Path | None = None,
    operator_keys: Sequence[str] = (),
    workers: int | None = None,
    progress: Progress = None,
) -> Audit:
    """Validate the clone, re-derive the log from its files and check every checkpoint."""
    audit = Audit(str(repo))
    layout = Layout(repo)
    try:
        config = load_config(layout)
        keys = _keys(operator_keys) if operator_keys else dict(config.operator_keys)
        policy = witness_policy(config)
    except LedgerError as e:
        audit.report.error(e)
        return audit
    validation = validate(repo, workers=workers, progress=progress)
    audit.report.extend(validation.report)
    try:
        _repo_log(audit, layout, config, list(keys.values()), policy, validation.chains, state)
    except LedgerError as e:
        audit.report.error(e.at("ledger/log") if e.location.path is None else e)
    return audit


def _repo_log(
    audit: Audit,
    layout: Layout,
    config: LedgerConfig,
    keys: list[VerifierKey],
    policy: WitnessPolicy,
    chains: dict[str, Any],
    state_dir: Path | None,
) -> None:
    from imageledger.log.store import iter_order, load_state, read_history

    files = log_files(layout)
    log_state = load_state(files)
    checkpoints, proofs = read_history(files)
    history = verify_history(checkpoints, proofs, origin=config.origin, operator_keys=keys)
    if log_state.size == 0 and not history:
        audit.report.add(
            Finding("log-empty", "nothing is logged yet", Location("ledger/log"), Severity.WARNING)
        )
        return
    if not history or history[-1].size != log_state.size:
        raise VerificationError(
            "the latest checkpoint is not of the state's size", code="log-state-mismatch"
        )
    recalled = _recall(state_dir, config.origin, keys)
    wanted = {cp.size for cp in history}
    if isinstance(recalled, tuple):
        wanted.add(recalled[1].size)
    tree = TreeState()
    roots = {0: tree.root()}  # the roots of the prefixes checked below, and nothing more
    logged: dict[str, int] = {}
    for index, line in enumerate(iter_order(files, log_state.size)):
        expected = logged.get(line.publisher, -1) + 1
        where = f"ledger/log/order entry {index}"
        if line.seq != expected:
            raise VerificationError(
                f"{line.ref} is logged where {line.publisher}/{expected} should be",
                code="log-order",
                location=Location(where),
            )
        logged[line.publisher] = line.seq
        try:
            entry = read_entry(layout, line.publisher, line.seq)
        except LedgerError as e:
            raise VerificationError(
                f"logged entry {line.ref} cannot be read from the ledger: {e.message}",
                code="log-entry-missing",
                location=e.location,
            ) from e
        if entry.hash != line.hash or leaf_hash(entry.canonical) != line.leaf:
            raise VerificationError(
                f"{line.ref} differs from the logged entry {index}",
                code="log-entry-changed",
                location=Location(layout.rel(layout.record_path(line.publisher, line.seq))),
            )
        tree.append(line.leaf)
        if tree.size in wanted:
            roots[tree.size] = tree.root()
    audit.entries = tree.size
    heads = {p: h.seq for p, h in log_state.heads.items()}
    if heads != logged:
        raise VerificationError(
            "the state's heads do not match the order", code="log-state-mismatch"
        )
    if tree != log_state.tree:
        raise VerificationError(
            "the state's edge does not match the order", code="log-state-mismatch"
        )
    for cp in history:
        if roots.get(cp.size) != cp.root_hash:
            raise VerificationError(
                f"the logged entries do not lead to checkpoint {cp.size}",
                code="log-root-mismatch",
                location=Location(f"ledger/log/checkpoints/{cp.size}"),
            )
    for publisher, chain in sorted(chains.items()):
        pending = chain.head_seq - logged.get(publisher, -1)
        if pending > 0:
            audit.report.add(
                Finding(
                    "log-pending",
                    f"{pending} admitted entr{'y' if pending == 1 else 'ies'} of {publisher} "
                    "not yet integrated",
                    Location(layout.rel(layout.publisher_dir(publisher))),
                    Severity.WARNING,
                    "the operator runs `imageledger log integrate`",
                )
            )
    audit.checkpoint = history[-1]
    signed = checkpoints[log_state.size]
    signed = with_signatures(signed, collect_cosignatures(files, policy, log_state.size))
    _quorum(audit, signed, config.origin, keys, policy)
    # The roots come from the leaves just checked against every checkpoint.
    _remember(audit, state_dir, signed, recalled, lambda old: roots.get(old.size) == old.root_hash)


def verify_site(
    site: str,
    *,
    state: Path | None = None,
    operator_keys: Sequence[str] = (),
    workers: int | None = None,
    progress: Progress = None,
    records: bool = False,
) -> Audit:
    """Verify a published log (``<site>/log/``) without the repository: the checkpoint,
    every tile, every entry's signatures and chain; with ``records``, every record's values
    too (``entries.set_checks``)."""
    audit = Audit(site, records=records)
    source = LogSource(site.rstrip("/") + "/log")
    try:
        _site(audit, source, state, operator_keys, workers, progress)
    except LedgerError as e:
        audit.report.error(e)
    return audit


def _site_policy(source: LogSource) -> tuple[dict[str, Any] | None, WitnessPolicy]:
    data = source.read("ledger.yaml", MAX_META)
    if data is None:
        return None, WitnessPolicy((), 0)
    try:
        value = strict_yaml.parse(data)
    except LedgerError as e:
        raise e.at(source.describe("ledger.yaml")) from None
    config = LedgerConfig(str(value.get("name", "")), str(value.get("origin", "")), {}, value)
    return value, witness_policy(config)


def _site(
    audit: Audit,
    source: LogSource,
    state: Path | None,
    operator_texts: Sequence[str],
    workers: int | None,
    progress: Progress,
) -> None:
    signed = source.need("checkpoint", MAX_CHECKPOINT)
    origin = parse_checkpoint(parse_note(signed).text).origin
    published, policy = _site_policy(source)
    keys_file = Path(f"{memory_path(state, origin)}.keys") if state else None
    if operator_texts:
        keys = _keys(operator_texts)
    elif keys_file is not None and keys_file.is_file():
        keys = _keys(read_bounded(keys_file, MAX_META).decode().split())
    else:
        if published is None or not published.get("operator_keys"):
            raise RecordError(
                "no operator key: the site publishes none and none was given",
                code="log-no-trust-anchor",
                hint="pass --operator-key",
            )
        keys = _keys([str(k) for k in published["operator_keys"]])
        audit.report.add(
            Finding(
                "log-trust-on-first-use",
                "trusting the operator key the site publishes"
                + (" (remembered in --state)" if keys_file else " (not remembered: no --state)"),
                Location(source.describe("ledger.yaml")),
                Severity.WARNING,
            )
        )
    key_list = list(keys.values())
    cp = verify_checkpoint(signed, origin=origin, log_keys=key_list).checkpoint
    report = check_log(
        source,
        cp.size,
        cp.root_hash,
        keys,
        workers=workers,
        progress=progress,
        records=audit.records,
    )
    audit.checkpoint = cp
    audit.entries = cp.size
    audit.report.extend(report)
    _quorum(audit, signed, origin, key_list, policy)
    recalled = _recall(state, origin, key_list)
    _remember(audit, state, signed, recalled, lambda old: _site_extends(source, cp, old))
    if keys_file is not None and audit.report and not keys_file.is_file():
        text = "".join(format_verifier_key(k) + "\n" for k in key_list)
        write_atomic(keys_file, text.encode())  # trusted from now on, once all of it verified


def _site_extends(source: LogSource, cp: Checkpoint, old: Checkpoint) -> bool:
    """A consistency proof from ``old`` to ``cp``, its hashes read from the served tiles.

    Tiles read now are not the ones ``check_log`` verified (a server may change them), so
    the hashes count only through a proof that must lead to both signed roots.
    """
    tiles = TileHashReader(cp.size, lambda tile: source.need(tile.path, MAX_TILE))
    proof = prove_consistency(old.size, cp.size, tiles)
    try:
        verify_consistency(old.size, cp.size, old.root_hash, cp.root_hash, proof)
    except VerificationError:
        return False
    return True
