"""Rules on records as a whole: licences, references and audit attestations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from imageledger.audit.model import Policy, Rule
from imageledger.audit.view import LedgerView

Hit = tuple[Rule, tuple[str, ...], str]

LICENCE_ENDED = Rule(
    "licence-ended",
    "error",
    "The image is still declared in use after its licence ended",
    "the licence's own term (copyright: use beyond a licence infringes)",
)
REF_MISSING = Rule(
    "ref-missing",
    "error",
    "A correction, retraction or withdrawal refers to a record that does not exist "
    "(or is not of the kind it must be)",
)
REF_OTHER_PUBLISHER = Rule(
    "ref-other-publisher",
    "error",
    "A record refers to another publisher's record",
)
ATTESTATION_MISSING = Rule(
    "attestation-missing",
    "warning",
    "No bias/representation or consent-compliance audit attestation in the policy period",
)

RULES = (LICENCE_ENDED, REF_MISSING, REF_OTHER_PUBLISHER, ATTESTATION_MISSING)

_TARGETS = {
    "retraction": ("ref", frozenset({"disclosure"})),
    "correction": ("ref", frozenset({"disclosure", "consent", "audit-attestation"})),
    "consent-withdrawal": ("consent", frozenset({"consent"})),
}
ATTESTING_SCOPES = frozenset({"bias-representation", "consent-compliance"})


def check_licence(view: LedgerView, ref: str, policy: Policy) -> Iterator[Hit]:
    period = view.records[ref]["rights"].get("licence_period") or {}
    until = period.get("until")
    if until is None:
        return
    use = view.use(ref)
    if use.first_at_or_after(until) <= view.as_of and use.continues_at(until):
        yield (
            LICENCE_ENDED,
            (ref,),
            f"the licence ended at {until}; the image is in use until {use.end or 'now'}",
        )


def check_references(view: LedgerView, ref: str, policy: Policy) -> Iterator[Hit]:
    data = view.records[ref]
    kind = view.kinds[ref]
    targets: list[tuple[str, str, frozenset[str] | None]] = []
    if kind in _TARGETS:
        name, expected = _TARGETS[kind]
        targets.append((name, data[name], expected))
    for index, subject in enumerate(data.get("subjects") or ()):
        if "consent" in subject:  # a missing consent of the same publisher: consent-missing
            targets.append((f"subjects[{index}].consent", subject["consent"], None))
    for field, target, kinds in targets:
        if target.partition("/")[0] != data["publisher"]:
            yield (
                REF_OTHER_PUBLISHER,
                (ref, target),
                f"{field} refers to {target}, a record of another publisher",
            )
        elif kinds is not None and view.kind(target) not in kinds:
            found = view.kind(target)
            yield (
                REF_MISSING,
                (ref, target),
                f"{field} refers to {target}, which is "
                + (f"a {found} record" if found else "not in the ledger"),
            )


def check_attestation(view: LedgerView, publisher: str, policy: Policy) -> Iterator[Hit]:
    days = policy.attestation_period_days
    since = _minus_days(view.as_of, days)
    admitted = view.admitted.get(publisher)
    if admitted is not None and admitted > since:
        return  # admitted less than one period ago: not due yet
    for ref in view.attestations.get(publisher, ()):
        data = view.records[ref]
        if data["scope"] in ATTESTING_SCOPES and data["period"]["until"] >= since:
            return
    yield (
        ATTESTATION_MISSING,
        (),
        f"no bias-representation or consent-compliance audit covering any time since {since} "
        f"(the ledger asks for one every {days} days)",
    )


def _minus_days(moment: str, days: int) -> str:
    earlier = datetime.fromisoformat(moment) - timedelta(days=days)
    return earlier.strftime("%Y-%m-%dT%H:%M:%SZ")
