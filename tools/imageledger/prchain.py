"""A PR's new records against the publisher's chain at the merge-base (ADR 0007).

The merge-base is trusted (CI admitted every commit on main), so its state is rebuilt from
the publisher's registration, its key-event records (found by ``git grep``) and its last
record — work proportional to the change, not to the ledger. The new records then go
through :class:`~imageledger.core.chain.PublisherChain` exactly as ``validate`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from imageledger.core import limits, strict_yaml
from imageledger.core.chain import ChainEntry, PublisherChain
from imageledger.core.keys import VerifierKey
from imageledger.core.records import KEY_EVENT_KINDS, UnverifiedRecord, verify_signature
from imageledger.core.schemas import schema_id
from imageledger.errors import LedgerError, Location, Report
from imageledger.prrules import PUBLISHERS_DIR, finding, located, publisher_path
from imageledger.storage.gitrepo import Change, GitRepo
from imageledger.storage.layout import RECORD_NAME, record_filename
from imageledger.validate import load_record

KEY_EVENT_SCHEMAS = [schema_id("key-rotation"), schema_id("key-revocation")]
_REF_FIELDS = {"consent-withdrawal": "consent", "retraction": "ref", "correction": "ref"}


def parse_record(data: bytes) -> UnverifiedRecord:
    return UnverifiedRecord.from_dict(strict_yaml.parse_canonical(data), values_checked=True)


def resume(chain: PublisherChain, seq: int, prev: str, time: str) -> None:
    """Place a trusted chain's head at ``seq`` (the merge-base was validated when merged)."""
    chain.head_seq, chain.head_hash, chain.head_time = seq, prev, time


@dataclass
class ChainCheck:
    """Checks one publisher's added files; findings go to ``report``."""

    repo: GitRepo
    base: str
    keys: dict[str, VerifierKey]
    report: Report
    records: int = 0
    blobs: dict[str, bytes] = field(default_factory=dict)

    def read_record(self, sha: str, path: str) -> UnverifiedRecord:
        return parse_record(self.repo.read_blob(sha, limits.MAX_YAML_BYTES, path=path))

    def add(self, error: LedgerError, path: str) -> None:
        self.report.add(located(error, path, self.blobs.get(path, b"")))

    def base_chain(self, publisher: str) -> PublisherChain | None:
        """The publisher's chain head and key table at the merge-base, or None if it has
        no registration there."""
        folder = f"{PUBLISHERS_DIR}{publisher}"
        reg_path = f"{folder}/publisher.yaml"
        entries = self.repo.entries(self.base, [reg_path])
        if reg_path not in entries:
            return None
        registration = self.read_record(entries[reg_path][1], reg_path)
        chain = PublisherChain.start(
            registration, self.keys, lambda _ref, key: verify_signature(registration, key)
        )
        events = self.repo.grep_files(self.base, f"{folder}/records", KEY_EVENT_SCHEMAS)
        found = self.repo.entries(self.base, events)
        for path in sorted(events):
            record = self.read_record(found[path][1], path)
            if record.kind not in KEY_EVENT_KINDS:
                continue  # the schema id appeared only inside some text
            entry = ChainEntry.of(record)
            resume(chain, entry.seq - 1, entry.prev or "", chain.head_time)
            for _ref, key in chain.authorize(entry).items():
                verify_signature(record, key)
            chain.advance(entry)
        seqs = [
            int(m.group(1))
            for name in self.repo.names(self.base, f"{folder}/records")
            if (m := RECORD_NAME.match(name))
        ]
        if seqs:
            last = f"{folder}/records/{record_filename(max(seqs))}"
            record = self.read_record(self.repo.entries(self.base, [last])[last][1], last)
            resume(chain, record.seq, record.hash, record.recorded_at)
        return chain

    def check(self, publisher: str, changes: list[Change]) -> None:
        """Check the files ``changes`` add to ``publisher``'s folder."""
        parsed: dict[int, tuple[str, UnverifiedRecord | None]] = {}
        registration: tuple[str, UnverifiedRecord | None] | None = None
        for change in changes:
            where = publisher_path(change.path)
            assert where is not None
            assert change.new_blob is not None
            record = self._parse_added(change.path, change.new_blob, publisher, where[1] or 0)
            if where[1] is None:
                registration = (change.path, record)
            else:
                parsed[where[1]] = (change.path, record)
        self.records += len(parsed)
        ordered = [item for _, item in sorted(parsed.items())]
        chain = self._start(publisher, registration, [p for p, _ in ordered])
        if chain is None:
            return
        for index, (path, record) in enumerate(ordered):
            if record is None:
                self._skip(publisher, [p for p, _ in ordered[index + 1 :]])
                return
            entry = ChainEntry.of(record)
            try:
                for _ref, key in chain.authorize(entry).items():
                    verify_signature(record, key)
                self._check_refs(record, chain.head_seq)
            except LedgerError as e:
                self.add(e, path)
                self._skip(publisher, [p for p, _ in ordered[index + 1 :]])
                return
            chain.advance(entry)

    def _start(
        self,
        publisher: str,
        registration: tuple[str, UnverifiedRecord | None] | None,
        paths: list[str],
    ) -> PublisherChain | None:
        """The chain the new records continue: a new registration's, or the base's."""
        if registration is not None:
            path, reg = registration
            if reg is not None:
                try:
                    return PublisherChain.start(
                        reg, self.keys, lambda _ref, key: verify_signature(reg, key)
                    )
                except LedgerError as e:
                    self.add(e, path)
            self._skip(publisher, paths)
            return None
        try:
            chain = self.base_chain(publisher)
        except LedgerError as e:
            self.report.add(
                finding(
                    "base-invalid",
                    f"the chain of {publisher} at the merge-base does not check: {e.message}",
                    e.location.path or f"{PUBLISHERS_DIR}{publisher}",
                    hint="the base branch must validate; ask the operator",
                )
            )
            return None
        if chain is None and paths:
            self.report.add(
                finding(
                    "publisher-unknown",
                    f"no publisher {publisher} is registered at the merge-base",
                    paths[0],
                    hint="get admitted first: the operator merges your publisher.yaml",
                )
            )
        return chain

    def _parse_added(
        self, path: str, sha: str, publisher: str, seq: int
    ) -> UnverifiedRecord | None:
        try:
            data = self.repo.read_blob(sha, limits.MAX_YAML_BYTES, path=path)
            self.blobs[path] = data
            record = load_record(data, publisher, seq)
        except LedgerError as e:
            self.add(e, path)
            return None
        return record

    @staticmethod
    def _check_refs(record: UnverifiedRecord, head: int) -> None:
        """References must name an earlier record of the same publisher (no reads)."""
        refs: list[tuple[str, str]] = []
        if record.kind in _REF_FIELDS:
            refs.append((_REF_FIELDS[record.kind], record.data[_REF_FIELDS[record.kind]]))
        for index, subject in enumerate(record.data.get("subjects", ())):
            if "consent" in subject:
                refs.append((f"subjects[{index}].consent", subject["consent"]))
        for name, ref in refs:
            publisher, _, seq_text = ref.partition("/")
            if publisher != record.publisher:
                raise LedgerError(
                    f"{ref} belongs to another publisher",
                    code="ref-other-publisher",
                    location=Location(field=name),
                )
            if not seq_text.isdigit() or not 0 < int(seq_text) <= head:
                raise LedgerError(
                    f"{ref} is not an earlier record of this publisher",
                    code="ref-missing",
                    location=Location(field=name),
                )

    def _skip(self, publisher: str, rest: list[str]) -> None:
        if rest:
            self.report.add(
                finding(
                    "chain-unchecked",
                    f"{len(rest)} later record(s) of {publisher} not checked: "
                    "the chain is broken before them",
                    rest[0],
                    hint="fix the first problem reported for this publisher",
                )
            )
