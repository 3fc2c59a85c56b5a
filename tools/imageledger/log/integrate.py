"""``log integrate``: append every admitted entry not yet logged, and sign a checkpoint.

What is new is found per publisher: the state names each publisher's logged head, the
validated chain names its admitted head, and only the files in between are read. The
logged head's file is re-read to prove it is unchanged (the chain links pin everything
before it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from imageledger.core import strict_yaml
from imageledger.core.chain import PublisherChain
from imageledger.core.keys import PrivateKey, VerifierKey
from imageledger.core.records import UnverifiedRecord
from imageledger.errors import LedgerError, Location, VerificationError
from imageledger.log.sequence import Batch, Entry, sequence
from imageledger.log.state import LogState, checkpoint_name
from imageledger.log.store import DirLogFiles, LogFiles, last_order, load_state, read_checkpoint
from imageledger.storage.files import read_bounded
from imageledger.storage.layout import Layout, load_config
from imageledger.validate import validate


def entry_of(record: UnverifiedRecord) -> Entry:
    return Entry(record.publisher, record.seq, record.recorded_at, record.canonical, record.hash)


def read_entry(layout: Layout, publisher: str, seq: int) -> Entry:
    """The log entry of ``publisher``'s record ``seq`` (0: its registration), from its file."""
    path = layout.registration_path(publisher) if seq == 0 else layout.record_path(publisher, seq)
    rel = layout.rel(path)
    try:
        data = strict_yaml.parse_canonical(read_bounded(path))
        return entry_of(UnverifiedRecord.from_dict(data, values_checked=True))
    except LedgerError as e:
        raise e.at(rel) from None


def log_files(layout: Layout) -> DirLogFiles:
    return DirLogFiles(layout.ledger / "log")


def pending_entries(
    layout: Layout, state: LogState, chains: Mapping[str, PublisherChain]
) -> list[Entry]:
    """Admitted entries not yet in the log; raise if a logged one is gone or changed."""
    out: list[Entry] = []
    for publisher, head in sorted(state.heads.items()):
        chain = chains.get(publisher)
        if chain is None or chain.head_seq < head.seq:
            raise VerificationError(
                f"{publisher}/{head.seq} is in the log but not in the ledger",
                code="log-entry-missing",
                location=Location(layout.rel(layout.publisher_dir(publisher))),
            )
        logged = read_entry(layout, publisher, head.seq)
        if logged.hash != head.hash:
            raise VerificationError(
                f"{publisher}/{head.seq} differs from the logged entry",
                code="log-entry-changed",
                location=Location(layout.rel(layout.record_path(publisher, head.seq))),
            )
    for publisher, chain in sorted(chains.items()):
        logged_head = state.heads.get(publisher)
        first = 0 if logged_head is None else logged_head.seq + 1
        out.extend(read_entry(layout, publisher, seq) for seq in range(first, chain.head_seq + 1))
    return out


def integrate_entries(
    files: LogFiles,
    entries: Sequence[Entry],
    *,
    origin: str,
    key: PrivateKey,
    operator_keys: Sequence[VerifierKey],
    time: str | None,
    state: LogState | None = None,
) -> Batch | None:
    """Sequence ``entries`` onto the log in ``files`` and write the result; ``None`` if none."""
    state = load_state(files) if state is None else state
    batch = sequence(
        state,
        entries,
        last_order=last_order(files, state),
        last_checkpoint=read_checkpoint(files, state.size) if state.size else None,
        origin=origin,
        key=key,
        operator_keys=operator_keys,
        time=time,
    )
    if batch is None:
        return None
    existing = read_checkpoint(files, batch.new_size)
    if existing is not None and existing != batch.checkpoint:
        raise VerificationError(
            "a different checkpoint of this size was already signed; refusing to sign another",
            code="log-checkpoint-conflict",
            location=Location(checkpoint_name(batch.new_size)),
        )
    files.write(batch.files)
    return batch


def integrate(
    repo: Path,
    key: PrivateKey,
    *,
    time: str | None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Batch | None:
    """Validate the ledger at ``repo``, then log what is new. ``None`` when nothing is."""
    layout = Layout(repo)
    config = load_config(layout)
    operator_keys = list(config.operator_keys.values())
    if key.verifier.ref not in config.operator_keys:
        raise VerificationError(
            f"{key.verifier.ref} is not an operator key of this ledger",
            code="log-key-not-operator",
            hint="sign with a key listed under operator_keys in ledger.yaml",
        )
    files = log_files(layout)
    state = load_state(files)
    validation = validate(repo, workers=workers, progress=progress)
    if not validation.report:
        first = validation.report.errors[0]
        raise VerificationError(
            f"the ledger does not validate ({len(validation.report.errors)} error(s); first: "
            f"{first.diagnostics()})",
            code="log-ledger-invalid",
            hint="run `imageledger validate` and fix the ledger first",
        )
    entries = pending_entries(layout, state, validation.chains)
    return integrate_entries(
        files,
        entries,
        origin=config.origin,
        key=key,
        operator_keys=operator_keys,
        time=time,
        state=state,
    )
