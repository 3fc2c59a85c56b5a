"""Read a ledger checkout (records, registrations, log) into a :class:`SiteLedger` (adapter).

Records are parsed strictly and schema-checked (``load_record``); signatures and chains are
the job of ``imageledger validate``, which CI runs before anything is published.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from imageledger.core.keys import format_verifier_key
from imageledger.core.records import UnverifiedRecord
from imageledger.errors import LedgerError, Location, VerificationError
from imageledger.log.hashstore import MemoryHashStore, prove_inclusion
from imageledger.log.integrate import log_files
from imageledger.log.proof import make_tlog_proof
from imageledger.log.publish import _signed_checkpoint
from imageledger.log.store import iter_order, load_state
from imageledger.log.witness import collect_cosignatures, witness_policy
from imageledger.site.model import LogStatus, Publisher, SiteLedger
from imageledger.storage.files import read_bounded
from imageledger.storage.layout import Layout, load_config
from imageledger.validate import load_record

_CHUNK = 1000
Job = tuple[str, str, str, int]
"""``(path, repository-relative path, publisher, seq)``."""


def _read(jobs: Sequence[Job]) -> list[UnverifiedRecord]:
    out = []
    for path, rel, publisher, seq in jobs:
        try:
            out.append(load_record(read_bounded(Path(path)), publisher, seq))
        except LedgerError as e:
            raise e.at(rel) from None
    return out


def _jobs(layout: Layout, publisher: str) -> list[Job]:
    folder = layout.records_dir(publisher)
    rel = layout.rel(folder)
    jobs = []
    for index, (seq, name) in enumerate(layout.record_names(publisher), start=1):
        if seq != index:
            raise VerificationError(
                f"record {index} of {publisher} is missing",
                code="chain-gap",
                location=Location(f"{rel}/{name}"),
            )
        jobs.append((f"{folder}/{name}", f"{rel}/{name}", publisher, seq))
    return jobs


def read_ledger(repo: Path, *, workers: int = 1, log: bool = True) -> SiteLedger:
    """Every publisher and record under ``repo/ledger``, and the log when there is one.

    Raises:
        LedgerError: the first unreadable or malformed file, located at its path.
    """
    layout = Layout(repo)
    config = load_config(layout)
    publishers = []
    jobs: list[Job] = []
    for pid in layout.publisher_ids():
        path = layout.registration_path(pid)
        publishers.append(Publisher(_read([(str(path), layout.rel(path), pid, 0)])[0]))
        jobs.extend(_jobs(layout, pid))
    if workers <= 1 or len(jobs) < 2 * _CHUNK:
        records = _read(jobs)
    else:
        chunks = [jobs[i : i + _CHUNK] for i in range(0, len(jobs), _CHUNK)]
        records = []
        with ProcessPoolExecutor(workers) as pool:
            for part in pool.map(_read, chunks):
                records.extend(part)
    by_id = {p.id: p for p in publishers}
    for record in records:
        by_id[record.publisher].records.append(record)
    status = read_log(layout, by_id) if log else None
    trust = {
        "operator_keys": [format_verifier_key(k) for k in config.operator_keys.values()],
        "witnesses": config.data.get("witnesses") or [],
        "witness_quorum": config.data.get("witness_quorum", 0),
    }
    return SiteLedger.of(config.name, config.origin, publishers, status, trust)


def read_log(layout: Layout, publishers: dict[str, Publisher]) -> LogStatus | None:
    """The latest signed checkpoint and a ``tlog-proof`` for every logged record, or
    ``None`` when this ledger has no log yet. Proofs come from one pass over the order
    index (not one pass per record)."""
    if not (layout.ledger / "log" / "state").is_file():
        return None
    signed, size, _keys, origin = _signed_checkpoint(layout)
    files = log_files(layout)
    state = load_state(files)
    config = load_config(layout)
    policy = witness_policy(config)
    leaves: list[bytes] = []
    wanted: dict[str, int] = {}
    for index, line in enumerate(iter_order(files, size)):
        leaves.append(line.leaf)
        chain = publishers.get(line.publisher)
        if chain is None or not 0 < line.seq <= len(chain.records):
            continue
        record = chain.records[line.seq - 1]
        if record.hash != line.hash:
            raise VerificationError(
                f"{line.ref} differs from the logged entry",
                code="log-entry-changed",
                location=Location(layout.rel(layout.record_path(line.publisher, line.seq))),
            )
        wanted[line.ref] = index
    store = MemoryHashStore.from_leaf_hashes(leaves)
    proofs = {
        ref: make_tlog_proof(
            index=index, proof=prove_inclusion(size, index, store), signed_checkpoint=signed
        )
        for ref, index in wanted.items()
    }
    return LogStatus(
        origin=origin,
        size=size,
        root=base64.b64encode(state.tree.root()).decode(),
        checkpoint=signed,
        time=state.time,
        witnesses=len(policy.keys),
        quorum=policy.quorum,
        cosigned=len(collect_cosignatures(files, policy, size)),
        proofs=proofs,
    )
