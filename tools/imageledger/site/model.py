"""What the site shows, computed from parsed records: pure, no I/O, no clock."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

from imageledger import vocab
from imageledger.core.records import UnverifiedRecord
from imageledger.errors import RecordError

EFFECT_FIELDS = {"correction": "ref", "retraction": "ref", "consent-withdrawal": "consent"}
"""Kinds that change how an earlier record reads, and the field naming that record."""
MAX_USED_BY = 50
"""Disclosures listed on a consent's page (the rest are counted, so pages stay small)."""


@dataclass(frozen=True, slots=True)
class Effect:
    """A later record that corrects, retracts or withdraws an earlier one."""

    ref: str
    kind: str
    recorded_at: str
    effective_at: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """One line of a publisher's key history."""

    seq: int
    action: Literal["added", "retired", "revoked"]
    key: str
    at: str
    reason: str | None = None


@dataclass(slots=True)
class Publisher:
    """A registration and its chain of records, in seq order (``records[i].seq == i + 1``)."""

    registration: UnverifiedRecord
    records: list[UnverifiedRecord] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.registration.publisher

    @property
    def profile(self) -> dict[str, Any]:
        data = self.registration.data
        return {k: data[k] for k in ("name", "domain", "contact", "description") if k in data}

    def key_history(self) -> list[KeyEvent]:
        reg = self.registration.data
        events = [KeyEvent(0, "added", key, reg["admitted_at"]) for key in reg.get("keys", ())]
        for record in self.records:
            data = record.data
            if record.kind == "key-rotation":
                at = data["recorded_at"]
                reason = data.get("reason")
                events.append(KeyEvent(record.seq, "added", data["new_key"], at, reason))
                events.extend(
                    KeyEvent(record.seq, "retired", ref, at, reason)
                    for ref in data.get("retire", ())
                )
            elif record.kind == "key-revocation":
                events.append(
                    KeyEvent(
                        record.seq, "revoked", data["key"], data["compromised_at"], data["reason"]
                    )
                )
        return events


@dataclass(frozen=True, slots=True)
class SourceTypeCount:
    uri: str
    label: str
    ai: str
    count: int


@dataclass(frozen=True, slots=True)
class Figures:
    """The home page's numbers."""

    publishers: int
    records: int
    by_kind: dict[str, int]
    disclosures: int
    source_types: tuple[SourceTypeCount, ...]
    ai_generated: int
    ai_edited: int
    consents_active: int
    consents_withdrawn: int
    consents_expired: int
    retracted: int

    def to_json(self) -> dict[str, Any]:
        return {
            "publishers": self.publishers,
            "records": self.records,
            "by_kind": self.by_kind,
            "disclosures": self.disclosures,
            "ai_generated": self.ai_generated,
            "ai_edited": self.ai_edited,
            "source_types": [
                {"uri": s.uri, "label": s.label, "ai": s.ai, "count": s.count}
                for s in self.source_types
            ],
            "consents": {
                "active": self.consents_active,
                "withdrawn": self.consents_withdrawn,
                "expired": self.consents_expired,
            },
            "retracted_disclosures": self.retracted,
        }


@dataclass(frozen=True, slots=True)
class LogStatus:
    """The log as the site publishes it: the latest checkpoint and each record's index."""

    origin: str
    size: int
    root: str
    checkpoint: bytes
    time: str | None
    witnesses: int
    quorum: int
    cosigned: int
    indexes: Mapping[str, int] = field(default_factory=dict)
    """ref -> the record's entry index in the log (its page names it; the browser proves
    inclusion from the tiles)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "size": self.size,
            "root": self.root,
            "time": self.time,
            "witnesses": {
                "named": self.witnesses,
                "quorum": self.quorum,
                "cosigned": self.cosigned,
            },
            "checkpoint": "log/checkpoint",
        }


def source_type(record: UnverifiedRecord) -> str | None:
    ai = record.data.get("ai")
    value = ai.get("digital_source_type") if isinstance(ai, dict) else None
    return value if isinstance(value, str) else None


@dataclass(slots=True)
class SiteLedger:
    """One ledger instance as the site sees it."""

    name: str
    origin: str
    publishers: dict[str, Publisher]
    log: LogStatus | None = None
    trust: dict[str, Any] = field(default_factory=dict)
    """``ledger.yaml``'s operator keys and witnesses, for verifiers in the browser."""
    effects: dict[str, list[Effect]] = field(default_factory=dict)
    used_by: dict[str, list[str]] = field(default_factory=dict)
    used_by_count: Counter[str] = field(default_factory=Counter)
    in_time_order: set[str] = field(default_factory=set)
    """Publishers whose records' ``recorded_at`` never decreases along the chain (validation
    requires it; the site does not assume it): their newest records are their last ones."""

    def log_index(self, ref: str) -> int | None:
        """Where record ``ref`` stands in the log, if the ledger has one and logged it."""
        return self.log.indexes.get(ref) if self.log is not None else None

    @classmethod
    def of(
        cls,
        name: str,
        origin: str,
        publishers: Iterable[Publisher],
        log: LogStatus | None = None,
        trust: dict[str, Any] | None = None,
    ) -> SiteLedger:
        ledger = cls(
            name,
            origin,
            {p.id: p for p in sorted(publishers, key=lambda p: p.id)},
            log,
            trust or {},
        )
        for publisher in ledger.publishers.values():
            times = [r.recorded_at for r in publisher.records]
            if all(a <= b for a, b in pairwise(times)):
                ledger.in_time_order.add(publisher.id)
        for record in ledger.records():
            target_field = EFFECT_FIELDS.get(record.kind)
            data = record.data
            if target_field is not None:
                ledger.effects.setdefault(data[target_field], []).append(
                    Effect(
                        record.ref,
                        record.kind,
                        data["recorded_at"],
                        data.get("effective_at"),
                        data.get("reason"),
                    )
                )
            for subject in data.get("subjects", ()):
                consent = subject.get("consent") if isinstance(subject, dict) else None
                if isinstance(consent, str):
                    ledger.used_by_count[consent] += 1
                    listed = ledger.used_by.setdefault(consent, [])
                    if len(listed) < MAX_USED_BY:
                        listed.append(record.ref)
        return ledger

    def canonical(self, publisher: str, seq: int) -> bytes | None:
        """The canonical bytes of ``publisher``'s registration (seq 0) or record ``seq``."""
        chain = self.publishers.get(publisher)
        if chain is None or not 0 <= seq <= len(chain.records):
            return None
        return chain.registration.canonical if seq == 0 else chain.records[seq - 1].canonical

    def records(self) -> Iterator[UnverifiedRecord]:
        for publisher in self.publishers.values():
            yield from publisher.records

    def record(self, ref: str) -> UnverifiedRecord | None:
        publisher, _, seq = ref.partition("/")
        chain = self.publishers.get(publisher)
        if chain is None or not seq.isdigit() or not 0 < int(seq) <= len(chain.records):
            return None
        return chain.records[int(seq) - 1]

    def latest(
        self, n: int, *, kinds: Sequence[str] | None = None, publisher: str | None = None
    ) -> list[UnverifiedRecord]:
        """The ``n`` most recently recorded records, newest first. A publisher in time order
        offers only its last ``n`` records of those kinds, so this reads O(n) records per
        publisher, not the ledger."""
        chains = [self.publishers[publisher]] if publisher is not None else self.publishers.values()
        pool: list[UnverifiedRecord] = []
        for chain in chains:
            if chain.id not in self.in_time_order:
                pool.extend(r for r in chain.records if kinds is None or r.kind in kinds)
                continue
            found = 0
            for record in reversed(chain.records):
                if found == n:
                    break
                if kinds is None or record.kind in kinds:
                    pool.append(record)
                    found += 1
        return heapq.nlargest(n, pool, key=lambda r: (r.recorded_at, r.publisher, r.seq))

    def figures(self, *, now: str) -> Figures:
        """Counts over the whole ledger; ``now`` (RFC 3339 UTC) decides which consents expired."""
        by_kind: Counter[str] = Counter()
        types: Counter[str] = Counter()
        active = withdrawn = expired = retracted = 0
        for record in self.records():
            by_kind[record.kind] += 1
            effects = self.effects.get(record.ref, ())
            if record.kind == "disclosure":
                uri = source_type(record)
                types[uri or ""] += 1
                retracted += any(e.kind == "retraction" for e in effects)
            elif record.kind == "consent":
                until = record.data.get("valid", {}).get("until")
                if any(e.kind == "consent-withdrawal" for e in effects):
                    withdrawn += 1
                elif until is not None and until < now:
                    expired += 1
                else:
                    active += 1
        counted = []
        for uri, count in types.most_common():
            label, ai = "not stated", "unknown"
            if uri:
                try:
                    term = vocab.source_type(uri)
                    label, ai = term.label, term.ai
                except RecordError:
                    label = uri
            counted.append(SourceTypeCount(uri, label, ai, count))
        return Figures(
            publishers=len(self.publishers),
            records=sum(by_kind.values()),
            by_kind={k: by_kind[k] for k in sorted(by_kind)},
            disclosures=by_kind["disclosure"],
            source_types=tuple(counted),
            ai_generated=sum(c.count for c in counted if c.ai == "generated"),
            ai_edited=sum(c.count for c in counted if c.ai == "edited"),
            consents_active=active,
            consents_withdrawn=withdrawn,
            consents_expired=expired,
            retracted=retracted,
        )
