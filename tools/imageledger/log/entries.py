"""Check the log's entries on their own: canonical JSON, shape, signatures, chains.

Each entry is read as its kind's record (``load_entry``). The values of the members the
chain does not read are checked only with ``records`` (ADR 0016): the site's auditor
re-verifies signatures, chains and the log, while ``validate``, ``verify --repo`` and
``verify --site --records`` check every value.

No repository is needed: registrations carry the publishers' first keys and key events
carry the rest, so the operator key is the only trust anchor. ``sitecheck`` runs
``check_entry`` (parsing and Ed25519) on every core over a published log's bundles, folds
the results into ``runs`` and walks the chains in log order in one process with
``ChainWalk``; ``check_entries`` does the same for a list in memory, one entry at a time.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from imageledger.core.canonical import sha256_ref, signing_message
from imageledger.core.chain import ChainEntry, ChainFields, PublisherChain
from imageledger.core.keys import VerifierKey, parse_verifier_key
from imageledger.core.records import UnverifiedRecord, load_entry, verify_message
from imageledger.errors import (
    Finding,
    LedgerError,
    Location,
    Report,
    Severity,
    VerificationError,
)

KeyTable = dict[str, list[VerifierKey]]

KEY_MARKERS = (b'"schema":"imageledger/publisher/', b'"new_key":')
"""What an entry that introduces keys holds (``key_table`` parses those only)."""


Checked = tuple[
    int, ChainFields | None, frozenset[tuple[str, bytes]], dict[str, Any] | None, Finding | None
]
"""What checking one entry on its own found: its index, its chain fields, the ``(ref, public
key)`` pairs whose signatures verified, a registration's data, or else a finding. A plain
tuple: workers send these by the hundred thousand, and tuples pickle several times faster."""

_keys: KeyTable = {}  # the candidate keys, set before the workers fork
_records = False  # whether every record's values are checked too


def set_checks(keys: KeyTable, *, records: bool = False) -> None:
    """The candidate keys ``check_entry`` tries, and whether it checks every record's values
    too (``load_entry``'s ``records``). Set before forking workers, cleared after."""
    global _keys, _records
    _keys, _records = keys, records


def _where(index: int) -> Location:
    return Location(f"log entry {index}")


def check_entry(raw: bytes, index: int) -> Checked:
    """Check log entry ``index`` in isolation: canonical JSON, its kind's shape (with
    ``_records``, every value), signatures against every candidate key in ``_keys``.

    What ``UnverifiedRecord`` and ``verify_candidates`` would check, without building the
    record: this runs once per entry of the whole log.
    """
    try:
        data, kind = load_entry(raw, records=_records)
        verified, _ = verify_message(signing_message(data, raw), data["signatures"], _keys)
        fields = ChainEntry.fields(data, kind, sha256_ref(raw))
        return index, fields, verified, data if kind == "publisher" else None, None
    except LedgerError as e:
        where = Location(_where(index).path, None, e.location.field)
        return index, None, frozenset(), None, Finding(e.code, e.message, where)


def introduces_keys(data: bytes) -> bool:
    """Whether ``data`` (an entry, or a bundle of them) may hold a key ``key_table`` takes."""
    return any(marker in data for marker in KEY_MARKERS)


def key_table(entries: Iterable[bytes], operator_keys: Mapping[str, VerifierKey]) -> KeyTable:
    """Every key any entry introduces (candidates only: the chain walk decides who may sign)."""
    table: KeyTable = defaultdict(list)
    for key in operator_keys.values():
        table[key.ref].append(key)
    for data in entries:
        if not introduces_keys(data):
            continue
        try:
            value = json.loads(data)
            texts = list(value.get("keys", [])) + ([value["new_key"]] if "new_key" in value else [])
            for text in texts:
                key = parse_verifier_key(str(text))
                if key not in table[key.ref]:
                    table[key.ref].append(key)
        except (ValueError, LedgerError, AttributeError, TypeError):
            continue  # the entry's own check reports it
    return dict(table)


def check_entries(
    entries: Sequence[bytes], operator_keys: Mapping[str, VerifierKey], *, records: bool = False
) -> tuple[Report, dict[str, PublisherChain]]:
    """Check every entry and walk every chain in log order, one entry after the other; report
    what fails. ``sitecheck`` does the same on every core, folding entries into runs."""
    set_checks(key_table(entries, operator_keys), records=records)
    try:
        results = [check_entry(raw, i) for i, raw in enumerate(entries)]
    finally:
        set_checks({})
    walk = ChainWalk(operator_keys)
    for result in results:
        walk.add(result)
    return walk.report, walk.chains


Run = tuple[ChainFields, list[int], int, str, str, frozenset[tuple[str, bytes]]]
"""Entries of one publisher that a worker saw link one to the next, with the same signers and
no key event: the first one's fields, every index, the last one's seq, hash and time, and
the ``(ref, public key)`` pairs that verified for every one of them."""


def runs(results: Iterable[Checked]) -> list[Checked | Run]:
    """Fold each publisher's entries in ``results`` into runs, in the order they start.

    What the chain walk needs of a run is what it needs of its first and last entries, so
    most entries of a span cost the walk nothing and are not sent back one by one. Other
    publishers' entries may come between: the chains are independent. A registration, a key
    event or an entry that does not continue the run is sent on its own.
    """
    out: list[Any] = []
    open_runs: dict[str, list[Any]] = {}
    for checked in results:
        index, fields, verified, registration, _ = checked
        if fields is None:
            out.append(checked)
            continue
        publisher, seq, prev, hash_, _, time, signers, event = fields
        if registration is not None or event is not None:
            open_runs.pop(publisher, None)
            out.append(checked)
            continue
        run = open_runs.get(publisher)
        if (
            run is not None
            and seq == run[2] + 1
            and prev == run[3]
            and time >= run[4]
            and signers == run[0][6]
        ):
            run[1].append(index)
            run[2], run[3], run[4] = seq, hash_, time
            if verified != run[5]:
                run[5] = run[5] & verified
            continue
        run = [fields, [index], seq, hash_, time, verified]
        open_runs[publisher] = run
        out.append(run)
    return [tuple(item) if type(item) is list else item for item in out]


class ChainWalk:
    """Walk the chains in log order, one checked entry (or run of entries) after the other."""

    def __init__(self, operator_keys: Mapping[str, VerifierKey]) -> None:
        self.operator_keys = operator_keys
        self.chains: dict[str, PublisherChain] = {}
        self._broken: set[str] = set()
        self._found: list[tuple[int, Finding]] = []

    @property
    def report(self) -> Report:
        """The findings in log order (a run's are found where it starts)."""
        return Report([f for _, f in sorted(self._found, key=lambda found: found[0])])

    def add(self, checked: Checked) -> None:
        index, fields, verified, registration, finding = checked
        if fields is None:
            if finding is not None:
                self._found.append((index, finding))
            return
        entry = ChainEntry(*fields)
        if entry.publisher in self._broken:
            return
        try:
            _walk(entry, verified, registration, self.chains, self.operator_keys)
        except LedgerError as e:
            self._broken.add(entry.publisher)
            finding = Finding(
                e.code,
                f"{entry.ref}: {e.message}",
                Location(_where(index).path, None, e.location.field),
                Severity.ERROR,
                e.hint,
            )
            self._found.append((index, finding))

    def add_run(self, run: Run, entry_at: Callable[[int], Checked]) -> None:
        """Take a run whole if it continues its chain; else check and walk its entries one
        by one (``entry_at(index)``), which finds what ``add`` of each would have found."""
        fields, indices, last_seq, last_hash, last_time, verified = run
        first = ChainEntry(*fields)
        if first.publisher in self._broken:
            return
        chain = self.chains.get(first.publisher)
        try:
            if chain is not None:
                keys = chain.authorize_run(first, last_seq)
                if all((ref, key.public) in verified for ref, key in keys.items()):
                    chain.advance(
                        first._replace(seq=last_seq, hash=last_hash, recorded_at=last_time)
                    )
                    return
        except LedgerError:
            pass
        for index in indices:
            if first.publisher in self._broken:
                return  # what is left of the run would be passed over unchecked anyway
            self.add(entry_at(index))


def _walk(
    entry: ChainEntry,
    verified: frozenset[tuple[str, bytes]],
    registration: dict[str, Any] | None,
    chains: dict[str, PublisherChain],
    operator_keys: Mapping[str, VerifierKey],
) -> None:
    def verify(ref: str, key: VerifierKey) -> None:
        if (ref, key.public) not in verified:
            raise VerificationError(f"signature by {ref} does not verify", code="signature-invalid")

    if registration is not None:
        if entry.publisher in chains:
            raise VerificationError("a second registration", code="log-duplicate-registration")
        record = UnverifiedRecord.from_dict(registration, values_checked=True)
        chains[entry.publisher] = PublisherChain.start(record, operator_keys, verify)
        return
    chain = chains.get(entry.publisher)
    if chain is None:
        raise VerificationError("logged before its publisher's registration", code="log-order")
    for ref, key in chain.authorize(entry).items():
        verify(ref, key)
    chain.advance(entry)
