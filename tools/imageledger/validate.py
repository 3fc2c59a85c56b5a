"""Validate a ledger: every file, every signature, every chain, every reference.

Per-file work (read, strict parse, canonical form, schema, hash, Ed25519) is independent,
so it runs on every core. The chains are walked in order as the results stream in, so
memory holds chain heads, key tables and a few bytes per record, never the records
(ADR 0002). With a cache, unchanged files are not parsed or verified again (ADR 0006).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

from imageledger.consent.pii import scan_record
from imageledger.core import strict_yaml
from imageledger.core.chain import ChainEntry, PublisherChain
from imageledger.core.keys import VerifierKey
from imageledger.core.records import UnverifiedRecord, verify_candidates, verify_signature
from imageledger.core.schemas import CHAIN_KINDS
from imageledger.errors import (
    Finding,
    LedgerError,
    Location,
    RecordError,
    Report,
    Severity,
    VerificationError,
)
from imageledger.storage import cache as result_cache
from imageledger.storage.files import read_bounded
from imageledger.storage.layout import Layout, load_config

# A record's references to other records: (field, expected kinds).
REF_FIELDS: dict[str, tuple[str, frozenset[str]]] = {
    "consent-withdrawal": ("consent", frozenset({"consent"})),
    "retraction": ("ref", frozenset({"disclosure"})),
    "correction": ("ref", frozenset({"disclosure", "consent", "audit-attestation"})),
}
SUBJECT_REF_KINDS = frozenset({"consent"})
KIND_CODE = {kind: code for code, kind in enumerate(CHAIN_KINDS)}

Job = tuple[str, str, str, int]
"""``(path, repository-relative path, publisher folder, seq)``."""
KeyTable = dict[str, list[bytes]]


@dataclass(frozen=True, slots=True)
class FileResult:
    """What checking one file in isolation found (picklable, small)."""

    rel: str
    entry: ChainEntry | None = None
    refs: tuple[tuple[str, str], ...] = ()
    verified: frozenset[tuple[str, bytes]] = frozenset()
    message: bytes | None = None
    signatures: tuple[tuple[str, bytes], ...] = ()
    finding: Finding | None = None
    notes: tuple[Finding, ...] = ()
    """Content findings that do not break the chain (e.g. personal data in a field)."""
    cache_key: bytes | None = None
    cached: bool = False


_worker_keys: dict[str, list[VerifierKey]] = {}


def _init_worker(table: KeyTable) -> None:
    global _worker_keys
    _worker_keys = {
        ref: [VerifierKey(ref.split("+")[0], pub) for pub in pubs] for ref, pubs in table.items()
    }


def _refs(record: UnverifiedRecord) -> tuple[tuple[str, str], ...]:
    out = []
    if record.kind in REF_FIELDS:
        name = REF_FIELDS[record.kind][0]
        out.append((name, record.data[name]))
    for index, subject in enumerate(record.data.get("subjects", ())):
        if "consent" in subject:
            out.append((f"subjects[{index}].consent", subject["consent"]))
    return tuple(out)


def cache_key(rel: str, data: bytes) -> bytes:
    return hashlib.sha256(rel.encode() + b"\0" + data).digest()


def load_record(data: bytes, publisher: str, seq: int) -> UnverifiedRecord:
    """Parse a ledger file's bytes and check it belongs at ``publisher``/``seq``
    (seq 0: the registration)."""
    record = UnverifiedRecord.from_dict(strict_yaml.parse_canonical(data), values_checked=True)
    if record.publisher != publisher:
        raise RecordError(
            f"publisher {record.publisher!r} is not this folder's {publisher!r}",
            code="record-publisher-mismatch",
            location=Location(field="publisher"),
        )
    if (record.kind == "publisher") != (seq == 0) or record.seq != seq:
        raise RecordError(
            f"seq {record.seq} does not match the file name",
            code="record-seq-mismatch",
            location=Location(field="seq"),
        )
    return record


def check_file(job: Job, data: bytes | None = None) -> FileResult:
    """Check one file in isolation, verifying each signature against the worker's keys."""
    path, rel, publisher, seq = job
    try:
        if data is None:
            data = read_bounded(Path(path))
        record = load_record(data, publisher, seq)
    except LedgerError as e:
        return FileResult(rel, finding=_located(e, rel, data or b""))
    verified, complete = verify_candidates(record, _worker_keys)
    notes = tuple(_located(f, rel, data) for f in scan_record(record.data))
    return FileResult(
        rel,
        ChainEntry.of(record),
        _refs(record),
        verified,
        None if complete else record.signing_message(),
        () if complete else tuple(record.signatures),
        notes=notes,
        cache_key=cache_key(rel, data),
    )


def _located(error: LedgerError | Finding, rel: str, data: bytes) -> Finding:
    """``error`` as a finding on file ``rel``, at the line of its field when it names one."""
    finding = error.finding() if isinstance(error, LedgerError) else error
    location = finding.location
    line = location.line
    if line is None and location.field and data:
        path: list[str | int] = []
        for part in location.field.replace("]", "").replace("[", ".").split("."):
            if part:
                path.append(int(part) if part.isdigit() else part)
        line = strict_yaml.line_of(data, tuple(path))
    return Finding(
        finding.code,
        finding.message,
        Location(rel, line, location.field),
        finding.severity,
        finding.hint,
    )


@dataclass
class Validation:
    """Everything a validation run produced."""

    report: Report = field(default_factory=Report)
    records: int = 0
    publishers: int = 0
    cached: int = 0
    chains: dict[str, PublisherChain] = field(default_factory=dict)


def _checked(
    jobs: Iterable[Job], table: KeyTable, workers: int, cache: result_cache.ResultCache | None
) -> Iterator[FileResult]:
    """Results in job order: cache hits read here, the rest checked on ``workers`` cores."""
    _init_worker(table)
    if cache is None:
        yield from _pooled(jobs, table, workers)
        return
    listed = list(jobs)
    keys: dict[int, bytes] = {}
    for index, job in enumerate(listed):
        try:
            keys[index] = cache_key(job[1], read_bounded(Path(job[0])))
        except LedgerError:
            continue  # checked (and reported) as a miss
    found = cache.get_many(keys.values())
    hits: dict[int, FileResult] = {}
    misses: list[Job] = []
    for index, job in enumerate(listed):
        text = found.get(keys.get(index, b""))
        if text is None:
            misses.append(job)
        else:
            entry, refs, verified = result_cache.decode(text)
            hits[index] = FileResult(
                job[1], entry, refs, verified, cache_key=keys[index], cached=True
            )
    fresh = _pooled(misses, table, workers)
    for index in range(len(listed)):
        yield hits[index] if index in hits else next(fresh)


BATCH = 8192
"""Jobs handed to the pool at a time; two batches are in flight, so memory stays bounded
and the workers never wait for the parent between batches."""


def _pooled(jobs: Iterable[Job], table: KeyTable, workers: int) -> Iterator[FileResult]:
    remaining = iter(jobs)
    batch = list(islice(remaining, BATCH))
    if workers <= 1 or len(batch) < 256:
        yield from map(check_file, batch)
        yield from map(check_file, remaining)
        return
    context = multiprocessing.get_context("fork")
    chunk = max(16, min(512, len(batch) // (workers * 8)))
    with context.Pool(workers, initializer=_init_worker, initargs=(table,)) as pool:
        pending = pool.imap(check_file, batch, chunksize=chunk)
        while True:
            batch = list(islice(remaining, BATCH))
            following = pool.imap(check_file, batch, chunksize=chunk) if batch else None
            yield from pending
            if following is None:
                return
            pending = following


def _jobs(layout: Layout, publishers: Iterable[str], report: Report) -> Iterator[Job]:
    """Every record file of ``publishers``, grouped by publisher, in seq order."""
    for publisher in publishers:
        folder = layout.records_dir(publisher)
        rel = layout.rel(folder)  # resolved once, not per file
        try:
            names = layout.record_names(publisher)
        except LedgerError as e:
            report.error(e)
            continue
        for seq, name in names:
            yield (f"{folder}/{name}", f"{rel}/{name}", publisher, seq)


def validate(
    repo: Path,
    *,
    publishers: Iterable[str] | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    use_cache: bool = False,
) -> Validation:
    """Validate the whole ledger at ``repo``, or only the chains of ``publishers``.

    ``use_cache`` reuses (and records) per-file results in ``.imageledger-cache/``.
    """
    layout = Layout(repo)
    out = Validation()
    try:
        config = load_config(layout)
    except LedgerError as e:
        out.report.error(e)
        return out
    wanted = sorted(set(publishers)) if publishers is not None else layout.publisher_ids()
    table: KeyTable = {key.ref: [key.public] for key in config.operator_keys.values()}
    chains: dict[str, PublisherChain] = {}
    for publisher in wanted:
        chain = _start(layout, publisher, config.operator_keys, out.report)
        if chain is not None:
            chains[publisher] = chain
            for state in chain.keys.values():
                table.setdefault(state.key.ref, []).append(state.key.public)
    cache = result_cache.ResultCache(result_cache.cache_path(repo)) if use_cache else None
    walks = {p: _Walk(chain, out.report, repo) for p, chain in chains.items()}
    fresh: list[tuple[bytes, str]] = []
    jobs = _jobs(layout, list(chains), out.report)
    for result in _checked(jobs, table, workers or os.cpu_count() or 1, cache):
        out.records += 1
        if progress is not None:
            progress(1)
        out.cached += result.cached
        out.report.extend(result.notes)
        walk = walks[result.rel.split("/")[2]]
        accepted = walk.feed(result)
        if cache is not None and accepted is not None and not result.cached and not result.notes:
            assert result.entry is not None
            assert result.cache_key is not None
            fresh.append(
                (result.cache_key, result_cache.encode(result.entry, result.refs, accepted))
            )
    for publisher, walk in walks.items():
        walk.finish()
        out.chains[publisher] = walk.chain
    if cache is not None:
        cache.put_many(fresh)
        cache.close()
    out.publishers = len(chains)
    return out


def _start(
    layout: Layout, publisher: str, operator_keys: dict[str, VerifierKey], report: Report
) -> PublisherChain | None:
    path = layout.registration_path(publisher)
    rel = layout.rel(path)
    if not path.is_file():
        report.add(
            Finding(
                "registration-missing",
                "publisher folder has no publisher.yaml",
                Location(layout.rel(path.parent)),
            )
        )
        return None
    data = b""
    try:
        data = read_bounded(path)
        record = load_record(data, publisher, 0)
        return PublisherChain.start(
            record, operator_keys, lambda _ref, key: verify_signature(record, key)
        )
    except LedgerError as e:
        report.add(_located(e, rel, data))
        return None


class _Walk:
    """One publisher's chain, advanced record by record as results arrive in seq order.

    Besides the chain head and key table it keeps, per record, its kind (1 byte), its
    time (8 bytes) and its signers as a bit set over the key table (8 bytes): enough to
    check references and to flag records signed with keys reported compromised later.
    """

    def __init__(self, chain: PublisherChain, report: Report, repo: Path) -> None:
        self.chain = chain
        self.report = report
        self.repo = repo
        self.kinds = bytearray()
        self.times = array("q")
        self.signers = array("Q")
        self.key_bits: dict[str, int] = {}
        self.skipped: list[str] = []

    def feed(self, result: FileResult) -> frozenset[tuple[str, bytes]] | None:
        """Check ``result`` continues the chain; return the verified (key, public key)
        pairs when it does, ``None`` when it does not (the problem is reported)."""
        if self.skipped or result.finding is not None or result.entry is None:
            if result.finding is not None:
                self.report.add(result.finding)
            if self.skipped or result.finding is not None:
                self.skipped.append(result.rel)
            return None
        entry = result.entry
        try:
            keys = self.chain.authorize(entry)
            for ref, key in keys.items():
                _verify(result, ref, key)
            self._check_refs(result)
        except LedgerError as e:
            self.report.add(_at(e, result.rel, self.repo))
            self.skipped.append(result.rel)
            return None
        self.chain.advance(entry)
        self.kinds.append(KIND_CODE[entry.kind])
        self.times.append(_epoch(entry.recorded_at))
        self.signers.append(self._bits(entry.signers))
        return frozenset((ref, key.public) for ref, key in keys.items())

    def _bits(self, refs: Iterable[str]) -> int:
        bits = 0
        for ref in refs:
            index = self.key_bits.setdefault(ref, len(self.key_bits))
            bits |= 1 << min(index, 63)
        return bits

    def _check_refs(self, result: FileResult) -> None:
        entry = result.entry
        assert entry is not None
        for name, ref in result.refs:
            publisher, _, seq_text = ref.partition("/")
            seq = int(seq_text)
            location = Location(field=name)
            if publisher != entry.publisher:
                raise RecordError(
                    f"{ref} belongs to another publisher",
                    code="ref-other-publisher",
                    location=location,
                    hint="records may only refer to their own publisher's records",
                )
            if seq >= entry.seq:
                raise RecordError(
                    f"{ref} is not an earlier record of this publisher",
                    code="ref-missing",
                    location=location,
                )
            expected = REF_FIELDS[entry.kind][1] if entry.kind in REF_FIELDS else SUBJECT_REF_KINDS
            kind = CHAIN_KINDS[self.kinds[seq - 1]]
            if kind not in expected:
                raise RecordError(
                    f"{ref} is a {kind} record, expected {' or '.join(sorted(expected))}",
                    code="ref-kind",
                    location=location,
                )

    def finish(self) -> None:
        if len(self.skipped) > 1:
            self.report.add(
                Finding(
                    "chain-unchecked",
                    f"{len(self.skipped) - 1} later record(s) of {self.chain.publisher} not "
                    "checked: the chain is broken before them",
                    Location(self.skipped[1]),
                    Severity.ERROR,
                    "fix the first problem reported for this publisher",
                )
            )
        compromised = 0
        for ref, bit in self.key_bits.items():
            state = self.chain.keys.get(ref)
            if state is not None and state.compromised_at is not None and bit < 64:
                compromised |= 1 << bit
        if not compromised:
            return
        limits = {
            bit: _epoch(self.chain.keys[ref].compromised_at or "")
            for ref, bit in self.key_bits.items()
            if compromised >> bit & 1
        }
        layout = Layout(self.repo)
        for index, (bits, at) in enumerate(zip(self.signers, self.times, strict=True)):
            if bits & ~compromised == 0 and all(at >= limits[b] for b in limits if bits >> b & 1):
                path = layout.rel(layout.record_path(self.chain.publisher, index + 1))
                self.report.add(
                    Finding(
                        "record-key-compromised",
                        "signed by a key later reported compromised, at or after the "
                        "compromise time",
                        Location(path, None, "signatures"),
                        Severity.WARNING,
                        "the publisher should re-issue it with a current key",
                    )
                )


def _verify(result: FileResult, ref: str, key: VerifierKey) -> None:
    if (ref, key.public) in result.verified:
        return
    signature = dict(result.signatures).get(ref)
    if result.message is None or signature is None:
        raise VerificationError(
            f"signature by {ref} does not verify",
            code="signature-invalid",
            location=Location(field="signatures"),
        )
    key.verify(result.message, signature)


def _epoch(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp).timestamp())


def _at(error: LedgerError, rel: str, repo: Path) -> Finding:
    """A chain-level finding on file ``rel``, pointed at its line when a field is named."""
    data = b""
    if error.location.field and error.location.line is None:
        try:
            data = read_bounded(repo / rel)
        except LedgerError:
            data = b""
    return _located(error, rel, data)
