"""Read a ledger checkout (records, registrations, log) into a :class:`SiteLedger` (adapter).

Records are parsed strictly and schema-checked (``load_record``); signatures and chains are
the job of ``imageledger validate``, which CI runs before anything is published.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import orjson

from imageledger import __version__
from imageledger.core.canonical import sha256_ref
from imageledger.core.keys import format_verifier_key
from imageledger.core.records import UnverifiedRecord
from imageledger.errors import LedgerError, Location, VerificationError
from imageledger.log.integrate import log_files
from imageledger.log.publish import _signed_checkpoint
from imageledger.log.store import iter_order, load_state
from imageledger.log.witness import collect_cosignatures, witness_policy
from imageledger.site import snapshot
from imageledger.site.model import LogStatus, Publisher, SiteLedger
from imageledger.storage.cache import ResultCache
from imageledger.storage.files import read_bounded
from imageledger.storage.layout import Layout, load_config
from imageledger.validate import cache_key, load_record

_CHUNK = 1000
SITE_CACHE_VERSION = 1
"""Bump when what a cached parse means changes."""
Puts = list[tuple[bytes, str]]
Job = tuple[str, str, str, int]
"""``(path, repository-relative path, publisher, seq)``."""


def site_cache_path(repo: Path) -> Path:
    """Parsed records, keyed like the validation cache (repository path and file bytes)."""
    return repo / ".imageledger-cache" / f"site-records-r{SITE_CACHE_VERSION}-{__version__}.sqlite"


def _read(jobs: Sequence[Job], cache: str | None = None) -> tuple[list[UnverifiedRecord], Puts]:
    """Parse ``jobs``; with ``cache``, files whose exact bytes were parsed before are rebuilt
    from their cached canonical JSON instead (no YAML parse, no schema check: those bytes
    passed both). Returns the records and the cache entries to add."""
    datas = []
    for path, rel, _publisher, _seq in jobs:
        try:
            datas.append(read_bounded(Path(path)))
        except LedgerError as e:
            raise e.at(rel) from None
    keys = [cache_key(job[1], data) for job, data in zip(jobs, datas, strict=True)]
    store = ResultCache(Path(cache)) if cache else None
    hits = store.get_many(keys) if store is not None else {}
    if store is not None:
        store.close()
    out = []
    puts: Puts = []
    for (_path, rel, publisher, seq), data, key in zip(jobs, datas, keys, strict=True):
        hit = hits.get(key)
        if hit is not None:
            kind, _, text = hit.partition("\n")
            encoded = text.encode()
            out.append(UnverifiedRecord(orjson.loads(encoded), kind, encoded, sha256_ref(encoded)))
            continue
        try:
            record = load_record(data, publisher, seq)
        except LedgerError as e:
            raise e.at(rel) from None
        out.append(record)
        if cache:
            puts.append((key, f"{record.kind}\n{record.canonical.decode()}"))
    return out, puts


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


def read_ledger(
    repo: Path, *, workers: int = 1, log: bool = True, use_cache: bool = False
) -> SiteLedger:
    """Every publisher and record under ``repo/ledger``, and the log when there is one.
    ``use_cache``: keep parsed records in ``.imageledger-cache/`` (:func:`site_cache_path`),
    and a snapshot per publisher (:mod:`imageledger.site.snapshot`) so that record files
    that did not change are not read at all.

    Raises:
        LedgerError: the first unreadable or malformed file, located at its path.
    """
    layout = Layout(repo)
    config = load_config(layout)
    publishers = []
    jobs: list[Job] = []
    snapshots = snapshot.snapshot_dir(repo) if use_cache else None
    slots: dict[str, list[UnverifiedRecord | None]] = {}  # publisher -> records by seq - 1
    signatures: dict[str, list[str]] = {}  # publisher -> its files' signatures, when changed
    for pid in layout.publisher_ids():
        path = layout.registration_path(pid)
        publishers.append(Publisher(_read([(str(path), layout.rel(path), pid, 0)])[0][0]))
        mine = _jobs(layout, pid)
        if snapshots is None:
            jobs.extend(mine)
            continue
        sigs = [snapshot.signature(job[0]) for job in mine]
        held = snapshot.Snapshot.read(snapshots, pid)
        found = [None if held is None else held.record(sig) for sig in sigs]
        if held is None or held.fingerprint != snapshot.fingerprint(sigs) or None in found:
            signatures[pid] = sigs
            jobs.extend(job for job, record in zip(mine, found, strict=True) if record is None)
        slots[pid] = found
    cache = str(site_cache_path(repo)) if use_cache else None
    puts: Puts = []
    if workers <= 1 or len(jobs) < 2 * _CHUNK:
        records, puts = _read(jobs, cache)
    else:
        chunks = [jobs[i : i + _CHUNK] for i in range(0, len(jobs), _CHUNK)]
        records = []
        with ProcessPoolExecutor(workers) as pool:
            for part, new in pool.map(partial(_read, cache=cache), chunks):
                records.extend(part)
                puts.extend(new)
    if cache and puts:
        store = ResultCache(Path(cache))
        store.put_many(puts)
        store.close()
    by_id = {p.id: p for p in publishers}
    for record in records:
        if snapshots is None:
            by_id[record.publisher].records.append(record)
        else:
            slots[record.publisher][record.seq - 1] = record
    if snapshots is not None:
        for pid, found in slots.items():
            chain = [r for r in found if r is not None]
            assert len(chain) == len(found)  # every slot was read from a file or the snapshot
            by_id[pid].records.extend(chain)
            if pid in signatures:
                snapshot.save(snapshots, pid, signatures[pid], chain)
    status = read_log(layout, by_id) if log else None
    trust = {
        "operator_keys": [format_verifier_key(k) for k in config.operator_keys.values()],
        "witnesses": config.data.get("witnesses") or [],
        "witness_quorum": config.data.get("witness_quorum", 0),
    }
    return SiteLedger.of(config.name, config.origin, publishers, status, trust)


def read_log(layout: Layout, publishers: dict[str, Publisher]) -> LogStatus | None:
    """The latest signed checkpoint and the log index of every logged record (one pass over
    the order index), or ``None`` when this ledger has no log yet."""
    if not (layout.ledger / "log" / "state").is_file():
        return None
    signed, size, _keys, origin = _signed_checkpoint(layout)
    files = log_files(layout)
    state = load_state(files)
    config = load_config(layout)
    policy = witness_policy(config)
    wanted: dict[str, int] = {}
    for index, line in enumerate(iter_order(files, size)):
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
    return LogStatus(
        origin=origin,
        size=size,
        root=base64.b64encode(state.tree.root()).decode(),
        checkpoint=signed,
        time=state.time,
        witnesses=len(policy.keys),
        quorum=policy.quorum,
        cosigned=len(collect_cosignatures(files, policy, size)),
        indexes=wanted,
    )
