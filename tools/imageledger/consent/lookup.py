"""Find a person's consents by their receipt secret, with every disclosure relying on them
and its status, as the ledger stood at ``as_of``. Pure: records in, statuses out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from imageledger.audit.model import AuditFinding, Policy
from imageledger.audit.rules import consent as consent_rules
from imageledger.audit.view import Data, LedgerView, Use, build_view
from imageledger.consent.secret import commitment

ConsentState = Literal["active", "not yet valid", "expired", "withdrawn", "withdrawal pending"]
UseState = Literal["in use", "not started", "ended", "retracted"]


@dataclass(frozen=True, slots=True)
class DisclosureStatus:
    ref: str
    state: UseState
    use: Use
    retraction: str | None
    findings: tuple[AuditFinding, ...]
    """What the consent rules say about this disclosure's reliance on the consent."""

    @property
    def compliant(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "state": self.state,
            "use": {"from": self.use.start, "until": self.use.end},
            "retraction": self.retraction,
            "compliant": self.compliant,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class ConsentStatus:
    ref: str
    state: ConsentState
    record: Data
    withdrawal: str | None
    withdrawal_effective: str | None
    disclosures: tuple[DisclosureStatus, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "state": self.state,
            "valid": dict(self.record["valid"]),
            "purposes": list(self.record["purposes"]),
            "jurisdictions": list(self.record["jurisdictions"]),
            "withdrawal": self.withdrawal,
            "withdrawal_effective": self.withdrawal_effective,
            "disclosures": [d.to_json() for d in self.disclosures],
        }


def lookup(
    records: Iterable[Data], secret: bytes, *, as_of: str, policy: Policy | None = None
) -> list[ConsentStatus]:
    """Every consent whose receipt commits to ``secret`` (usually one), with its status."""
    return lookup_view(build_view(records, as_of=as_of), secret, policy=policy)


def lookup_view(
    view: LedgerView, secret: bytes, *, policy: Policy | None = None
) -> list[ConsentStatus]:
    wanted = commitment(secret)
    consents = [
        ref
        for ref in view.order
        if view.kinds[ref] == "consent" and view.records[ref]["receipt"] == wanted
    ]
    if not consents:
        return []
    relying: dict[str, list[str]] = {ref: [] for ref in consents}
    for ref in view.order:
        if view.kinds[ref] != "disclosure":
            continue
        for subject in view.records[ref].get("subjects") or ():
            target = subject.get("consent")
            if target in relying and ref not in relying[target]:
                relying[target].append(ref)
    return [_status(view, ref, relying[ref], policy or Policy()) for ref in consents]


def _status(view: LedgerView, ref: str, disclosures: list[str], policy: Policy) -> ConsentStatus:
    data = view.records[ref]
    withdrawal = view.withdrawal(ref)
    effective = view.records[withdrawal]["effective_at"] if withdrawal else None
    valid = data["valid"]
    state: ConsentState = "active"
    if effective is not None:
        state = "withdrawn" if effective <= view.as_of else "withdrawal pending"
    elif view.as_of < valid["from"]:
        state = "not yet valid"
    elif valid.get("until") and valid["until"] <= view.as_of:
        state = "expired"
    return ConsentStatus(
        ref,
        state,
        data,
        withdrawal,
        effective,
        tuple(_disclosure(view, d, ref, policy) for d in disclosures),
    )


def _disclosure(view: LedgerView, ref: str, consent: str, policy: Policy) -> DisclosureStatus:
    use = view.use(ref)
    retraction = view.retractions.get(ref)
    cut = view.records[retraction]["effective_at"] if retraction else None
    retracted = cut is not None and use.end == cut and cut <= view.as_of
    state: UseState
    if retracted:
        state = "retracted"
    elif use.end is not None and use.end <= view.as_of:
        state = "ended"
    elif use.start > view.as_of:
        state = "not started"
    else:
        state = "in use"
    publisher = ref.partition("/")[0]
    findings = tuple(
        AuditFinding(rule.code, policy.level(rule), publisher, refs, message, rule.citation)  # type: ignore[arg-type]
        for rule, refs, message in consent_rules.check_disclosure(view, ref, policy)
        if consent in refs and policy.level(rule) != "off"
    )
    return DisclosureStatus(ref, state, use, retraction, findings)


def receipt_statuses(
    view: LedgerView, *, policy: Policy | None = None
) -> dict[str, list[ConsentStatus]]:
    """Every consent that has a receipt, with its status, keyed by receipt commitment
    (for the site's static look-up shards: the browser computes the commitment)."""
    policy = policy or Policy()
    relying: dict[str, list[str]] = {ref: [] for ref in view.order if view.kinds[ref] == "consent"}
    for ref in view.order:
        if view.kinds[ref] != "disclosure":
            continue
        for subject in view.records[ref].get("subjects") or ():
            target = subject.get("consent")
            if target in relying and ref not in relying[target]:
                relying[target].append(ref)
    out: dict[str, list[ConsentStatus]] = {}
    for ref, users in relying.items():
        receipt = view.records[ref].get("receipt")
        if isinstance(receipt, str):
            out.setdefault(receipt, []).append(_status(view, ref, users, policy))
    return out
