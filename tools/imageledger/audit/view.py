"""The ledger as the audit sees it at one moment: records recorded by then, with their
corrections applied, indexed by ref, consent and publisher.

Built in one pass over the records plus one sort: O(n log n). Timestamps are compared as
strings, which is exact for the ledger's one format (``YYYY-MM-DDTHH:MM:SSZ``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Data = Mapping[str, Any]
_CHAIN_FIELDS = frozenset({"schema", "publisher", "seq", "prev", "recorded_at", "signatures"})


@dataclass(frozen=True, slots=True)
class Use:
    """When a disclosure declares the image in use: from ``start`` until just before
    ``end`` (``None``: still in use), cut short by a retraction's ``effective_at``."""

    start: str
    end: str | None

    def continues_at(self, moment: str) -> bool:
        """Whether the image is in use at ``moment`` or later (at some time >= moment)."""
        return self.end is None or max(self.start, moment) < self.end

    def first_at_or_after(self, moment: str) -> str:
        return max(self.start, moment)


@dataclass
class LedgerView:
    as_of: str
    records: dict[str, Data] = field(default_factory=dict)
    """ref -> the record's content, corrections recorded by ``as_of`` applied."""
    kinds: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    """Every ref, in publisher then seq order."""
    withdrawals: dict[str, list[str]] = field(default_factory=dict)
    """consent ref -> refs of the withdrawals of it, in chain order."""
    retractions: dict[str, str] = field(default_factory=dict)
    """disclosure ref -> the retraction that takes effect first."""
    attestations: dict[str, list[str]] = field(default_factory=dict)
    admitted: dict[str, str] = field(default_factory=dict)
    publishers: list[str] = field(default_factory=list)

    def kind(self, ref: str) -> str | None:
        return self.kinds.get(ref)

    def use(self, ref: str) -> Use:
        data = self.records[ref]
        period = data.get("period") or {}
        start = period.get("from") or data["recorded_at"]
        end = period.get("until")
        retraction = self.retractions.get(ref)
        if retraction is not None:
            cut = self.records[retraction]["effective_at"]
            end = cut if end is None else min(end, cut)
        return Use(start, end)

    def withdrawal(self, consent: str) -> str | None:
        """The withdrawal of ``consent`` that takes effect first, if any."""
        found = self.withdrawals.get(consent)
        if not found:
            return None
        return min(found, key=lambda ref: self.records[ref]["effective_at"])


def kind_of(data: Data) -> str | None:
    schema = data.get("schema")
    if not isinstance(schema, str) or not schema.startswith("imageledger/"):
        return None
    return schema.split("/")[1]


def ref_of(data: Data) -> str:
    return f"{data['publisher']}/{data.get('seq', 0)}"


def seconds_between(earlier: str, later: str) -> int:
    a, b = datetime.fromisoformat(earlier), datetime.fromisoformat(later)
    return int((b - a).total_seconds())


def build_view(records: Iterable[Data], *, as_of: str) -> LedgerView:
    """Index ``records`` (chain records and registrations, in any order) as of ``as_of``."""
    view = LedgerView(as_of)
    chain: list[tuple[str, int, Data]] = []
    publishers: set[str] = set()
    for data in records:
        kind = kind_of(data)
        if kind is None:
            continue
        if kind == "publisher":
            if data["admitted_at"] <= as_of:
                view.admitted[data["publisher"]] = data["admitted_at"]
                publishers.add(data["publisher"])
            continue
        if data["recorded_at"] <= as_of:
            chain.append((data["publisher"], data["seq"], data))
    chain.sort(key=lambda item: (item[0], item[1]))
    for publisher, seq, data in chain:
        ref = f"{publisher}/{seq}"
        kind = kind_of(data)
        assert kind is not None
        publishers.add(publisher)
        view.records[ref] = data
        view.kinds[ref] = kind
        view.order.append(ref)
        if kind == "correction":
            _correct(view, ref, data)
        elif kind == "consent-withdrawal":
            view.withdrawals.setdefault(data["consent"], []).append(ref)
        elif kind == "retraction":
            target = data["ref"]
            first = view.retractions.get(target)
            if first is None or data["effective_at"] < view.records[first]["effective_at"]:
                view.retractions[target] = ref
        elif kind == "audit-attestation":
            view.attestations.setdefault(publisher, []).append(ref)
    view.publishers = sorted(publishers)
    return view


def _correct(view: LedgerView, ref: str, correction: Data) -> None:
    """Apply ``corrected`` over its target: top-level members replace the target's."""
    target = correction["ref"]
    if target.partition("/")[0] != correction["publisher"] or target not in view.records:
        return  # reported by the reference rules; nothing to apply
    corrected = {k: v for k, v in correction["corrected"].items() if k not in _CHAIN_FIELDS}
    view.records[target] = {**view.records[target], **corrected}
