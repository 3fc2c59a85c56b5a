"""Validate a ledger: every file, every signature, every chain, every reference.

Per-file work (read, strict parse, canonical form, schema, hash, Ed25519) is
independent, so it runs on every core; the chains are then walked in order in one
process over compact summaries, so memory holds chain heads and key tables, not records.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from imageledger.core import strict_yaml
from imageledger.core.chain import ChainEntry, PublisherChain
from imageledger.core.keys import VerifierKey, parse_verifier_key
from imageledger.core.records import UnverifiedRecord, verify_signature
from imageledger.errors import (
    Finding,
    LedgerError,
    Location,
    RecordError,
    Report,
    Severity,
    VerificationError,
)
from imageledger.storage.files import read_bounded
from imageledger.storage.layout import Layout, load_config

# A record's references to other records: (field, expected kinds).
REF_FIELDS: dict[str, tuple[str, frozenset[str]]] = {
    "consent-withdrawal": ("consent", frozenset({"consent"})),
    "retraction": ("ref", frozenset({"disclosure"})),
    "correction": ("ref", frozenset({"disclosure", "consent", "audit-attestation"})),
}

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


def check_file(job: tuple[str, str, str, int]) -> FileResult:
    """Check one file: ``(path, rel, publisher folder, seq or 0 for publisher.yaml)``."""
    path, rel, publisher, seq = job
    data = b""
    try:
        data = read_bounded(Path(path))
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
        verified = set()
        unverified = False
        message = record.signing_message()
        for ref, sig in record.signatures:
            ok = False
            for key in _worker_keys.get(ref, ()):
                try:
                    key.verify(message, sig)
                except VerificationError:
                    continue
                verified.add((ref, key.public))
                ok = True
            unverified |= not ok
        return FileResult(
            rel,
            ChainEntry.of(record),
            _refs(record),
            frozenset(verified),
            message if unverified else None,
            tuple(record.signatures) if unverified else (),
        )
    except LedgerError as e:
        return FileResult(rel, finding=_located(e, rel, data))


def _located(error: LedgerError, rel: str, data: bytes) -> Finding:
    location = error.location
    if location.line is None and location.field and data:
        path: list[str | int] = []
        for part in location.field.replace("]", "").replace("[", ".").split("."):
            if part:
                path.append(int(part) if part.isdigit() else part)
        location = Location(rel, strict_yaml.line_of(data, tuple(path)), location.field)
    else:
        location = Location(rel, location.line, location.field)
    return Finding(error.code, error.message, location, Severity.ERROR, error.hint)


@dataclass
class Validation:
    """Everything a validation run produced."""

    report: Report = field(default_factory=Report)
    records: int = 0
    publishers: int = 0
    chains: dict[str, PublisherChain] = field(default_factory=dict)


def _run(
    jobs: Sequence[tuple[str, str, str, int]],
    table: KeyTable,
    workers: int,
    progress: Callable[[int], None] | None,
) -> Iterable[FileResult]:
    if workers <= 1 or len(jobs) < 256:
        _init_worker(table)
        for job in jobs:
            result = check_file(job)
            if progress:
                progress(1)
            yield result
        return
    context = multiprocessing.get_context("fork")
    chunk = max(16, min(512, len(jobs) // (workers * 8)))
    with context.Pool(workers, initializer=_init_worker, initargs=(table,)) as pool:
        for result in pool.imap(check_file, jobs, chunksize=chunk):
            if progress:
                progress(1)
            yield result


def validate(
    repo: Path,
    *,
    publishers: Iterable[str] | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Validation:
    """Validate the whole ledger at ``repo``, or only the chains of ``publishers``."""
    layout = Layout(repo)
    out = Validation()
    try:
        config = load_config(layout)
    except LedgerError as e:
        out.report.error(e)
        return out
    wanted = sorted(set(publishers)) if publishers is not None else layout.publisher_ids()
    registrations: dict[str, tuple[FileResult, UnverifiedRecord]] = {}
    table: KeyTable = defaultdict(list)
    for key in config.operator_keys.values():
        table[key.ref].append(key.public)
    _init_worker(dict(table))
    for publisher in wanted:
        path = layout.registration_path(publisher)
        if not path.is_file():
            out.report.add(
                Finding(
                    "registration-missing",
                    "publisher folder has no publisher.yaml",
                    Location(layout.rel(path.parent)),
                )
            )
            continue
        result = check_file((str(path), layout.rel(path), publisher, 0))
        if result.finding is not None:
            out.report.add(result.finding)
            continue
        record = UnverifiedRecord.from_dict(strict_yaml.parse(read_bounded(path)))
        registrations[publisher] = (result, record)
        for text in record.data["keys"]:
            key = parse_verifier_key(text)
            table[key.ref].append(key.public)
    jobs: list[tuple[str, str, str, int]] = []
    for publisher in registrations:
        try:
            for seq, path in layout.record_files(publisher):
                jobs.append((str(path), layout.rel(path), publisher, seq))
        except LedgerError as e:
            out.report.error(e)
    results: dict[str, list[FileResult]] = defaultdict(list)
    for result in _run(jobs, dict(table), workers or os.cpu_count() or 1, progress):
        if result.finding is not None:
            out.report.add(result.finding)
        results[result.rel.split("/")[2]].append(result)
    kinds: dict[str, tuple[str, int]] = {}
    pending_refs: list[tuple[FileResult, str, str]] = []
    for publisher, (registration, registration_record) in registrations.items():
        out.publishers += 1
        chain = _walk(
            publisher,
            registration,
            registration_record,
            results.get(publisher, []),
            config.operator_keys,
            out.report,
            kinds,
            pending_refs,
            repo,
        )
        if chain is not None:
            out.chains[publisher] = chain
    out.records = len(jobs)
    _check_refs(pending_refs, kinds, layout, wanted, out.report)
    return out


def _verifier(result: FileResult) -> Callable[[str, VerifierKey], None]:
    signatures = dict(result.signatures)

    def verify(ref: str, key: VerifierKey) -> None:
        if (ref, key.public) in result.verified:
            return
        if result.message is None or ref not in signatures:
            raise VerificationError(f"signature by {ref} does not verify", code="signature-invalid")
        key.verify(result.message, signatures[ref])

    return verify


def _walk(
    publisher: str,
    registration: FileResult,
    registration_record: UnverifiedRecord,
    records: list[FileResult],
    operator_keys: dict[str, VerifierKey],
    report: Report,
    kinds: dict[str, tuple[str, int]],
    pending_refs: list[tuple[FileResult, str, str]],
    repo: Path,
) -> PublisherChain | None:
    try:
        chain = PublisherChain.start(
            registration_record,
            operator_keys,
            lambda _ref, key: verify_signature(registration_record, key),
        )
    except LedgerError as e:
        report.add(_at(e, registration.rel))
        return None
    accepted: list[ChainEntry] = []
    for index, result in enumerate(records):
        if result.finding is not None or result.entry is None:
            _skip(report, publisher, records[index + 1 :])
            break
        entry = result.entry
        try:
            keys = chain.authorize(entry)
            verify = _verifier(result)
            for ref, key in keys.items():
                verify(ref, key)
        except LedgerError as e:
            report.add(_at(e, result.rel, repo))
            _skip(report, publisher, records[index + 1 :])
            break
        chain.advance(entry)
        accepted.append(entry)
        kinds[entry.ref] = (entry.kind, entry.seq)
        pending_refs.extend((result, name, ref) for name, ref in result.refs)
    for entry, result in zip(accepted, records, strict=False):
        if chain.is_compromised(entry.signers, entry.recorded_at):
            report.add(
                Finding(
                    "record-key-compromised",
                    "signed by a key later reported compromised at or before this record's time",
                    Location(result.rel, None, "signatures"),
                    Severity.WARNING,
                    "the publisher should re-issue it with a current key",
                )
            )
    return chain


def _skip(report: Report, publisher: str, rest: Sequence[FileResult]) -> None:
    if rest:
        report.add(
            Finding(
                "chain-unchecked",
                f"{len(rest)} later record(s) of {publisher} "
                "not checked: the chain is broken before them",
                Location(rest[0].rel),
                Severity.ERROR,
                "fix the first problem reported for this publisher",
            )
        )


def _at(error: LedgerError, rel: str, repo: Path | None = None) -> Finding:
    """A chain-level finding on file ``rel``, pointed at its line when a field is named."""
    data = b""
    if repo is not None and error.location.field and error.location.line is None:
        try:
            data = read_bounded(repo / rel)
        except LedgerError:
            data = b""
    return _located(error, rel, data)


def _check_refs(
    pending: list[tuple[FileResult, str, str]],
    kinds: dict[str, tuple[str, int]],
    layout: Layout,
    wanted: list[str],
    report: Report,
) -> None:
    for result, name, ref in pending:
        assert result.entry is not None
        publisher, seq = ref.split("/")
        target = kinds.get(ref)
        location = Location(result.rel, None, name)
        if publisher != result.entry.publisher:
            report.add(
                Finding(
                    "ref-other-publisher",
                    f"{ref} belongs to another publisher",
                    location,
                    Severity.ERROR,
                    "records may only refer to their own publisher's records",
                )
            )
        elif target is None or int(seq) >= result.entry.seq:
            report.add(
                Finding(
                    "ref-missing",
                    f"{ref} is not an earlier record of this publisher",
                    location,
                    Severity.ERROR,
                )
            )
        else:
            expected = (
                REF_FIELDS[result.entry.kind][1]
                if result.entry.kind in REF_FIELDS
                else frozenset({"consent"})
            )
            if target[0] not in expected:
                report.add(
                    Finding(
                        "ref-kind",
                        f"{ref} is a {target[0]} record, expected {' or '.join(sorted(expected))}",
                        location,
                    )
                )
