"""Consent rules: a disclosure depicting a person must rest on a consent that exists,
covers its purposes, kind of use, places and period, and was neither withdrawn nor expired
while the image was in use. Withdrawal is not retroactive (GDPR Art. 7(3)): the use before
``effective_at`` stays lawful and is reported as such, at ``info``.

Times are half-open: a consent ``valid`` ``{from, until}`` holds from ``from`` up to, not
including, ``until``; a withdrawal ends it at ``effective_at``; a use ``{from, until}`` runs
up to, not including, ``until``. So a use that ends exactly when the consent does is
lawful, and a use still running at that second is not.
"""

from __future__ import annotations

from collections.abc import Iterator

from imageledger import vocab
from imageledger.audit.model import Policy, Rule
from imageledger.audit.view import Data, LedgerView, Use, seconds_between

Hit = tuple[Rule, tuple[str, ...], str]

_ART_6 = "GDPR Art. 6(1)(a) and Art. 4(11): consent is given for specific purposes"

CONSENT_MISSING = Rule(
    "consent-missing",
    "error",
    "A person depicted relies on a consent that is not in the ledger",
    "GDPR Art. 7(1): the controller must be able to demonstrate consent",
)
CONSENT_PURPOSE = Rule(
    "consent-purpose",
    "error",
    "The consent does not cover a purpose the image is used for",
    _ART_6 + "; Art. 5(1)(b) purpose limitation",
)
CONSENT_SCOPE = Rule(
    "consent-scope",
    "error",
    "The consent does not grant this kind of use (likeness, AI training, synthetic likeness)",
    _ART_6,
)
CONSENT_JURISDICTION = Rule(
    "consent-jurisdiction",
    "error",
    "The image is used in a jurisdiction the consent does not cover",
    _ART_6,
)
CONSENT_NOT_YET_VALID = Rule(
    "consent-not-yet-valid",
    "error",
    "The use starts before the consent is valid",
    "GDPR Art. 6(1)(a): consent must exist before the processing",
)
CONSENT_EXPIRED = Rule(
    "consent-expired",
    "error",
    "The image is still in use after the consent expired",
    "GDPR Art. 6(1)(a): no lawful basis once the consent has ended",
)
CONSENT_WITHDRAWN = Rule(
    "consent-withdrawn",
    "error",
    "The image is still in use after the withdrawal took effect",
    "GDPR Art. 7(3): the data subject may withdraw consent at any time",
)
CONSENT_EARLIER_USE = Rule(
    "consent-withdrawn-earlier-use",
    "info",
    "The use ended before the withdrawal took effect, so it was lawful",
    "GDPR Art. 7(3): withdrawal does not affect the lawfulness of processing before it",
)
SUBJECT_BASIS_NONE = Rule(
    "subject-basis-none",
    "error",
    "An image resembling a real person names no lawful basis for someone depicted",
    "GDPR Art. 6(1): processing personal data needs a lawful basis",
)
WITHDRAWAL_LATE = Rule(
    "withdrawal-late",
    "error",
    "A withdrawal took effect later than the ledger's limit after it was requested",
    "GDPR Art. 7(3) (withdrawing as easy as giving) and Art. 12(3) (act within one month)",
)

RULES = (
    CONSENT_MISSING,
    CONSENT_PURPOSE,
    CONSENT_SCOPE,
    CONSENT_JURISDICTION,
    CONSENT_NOT_YET_VALID,
    CONSENT_EXPIRED,
    CONSENT_WITHDRAWN,
    CONSENT_EARLIER_USE,
    SUBJECT_BASIS_NONE,
    WITHDRAWAL_LATE,
)


def check_disclosure(view: LedgerView, ref: str, policy: Policy) -> Iterator[Hit]:
    data = view.records[ref]
    subjects = data.get("subjects") or []
    if data["ai"]["resembles_real_person"]:
        if not subjects:
            yield SUBJECT_BASIS_NONE, (ref,), "resembles a real person but lists no subjects"
        elif any(s["basis"] == "none" for s in subjects):
            yield SUBJECT_BASIS_NONE, (ref,), "resembles a real person; a subject has basis none"
    use = view.use(ref)
    for subject in subjects:
        consent_ref = subject.get("consent")
        if subject["basis"] != "consent" or consent_ref is None:
            continue
        if consent_ref.partition("/")[0] != data["publisher"]:
            continue  # the reference rules report a consent of another publisher
        if view.kind(consent_ref) != "consent":
            what = view.kind(consent_ref)
            yield (
                CONSENT_MISSING,
                (ref, consent_ref),
                f"relies on {consent_ref}, which is "
                + (f"a {what} record" if what else "not in the ledger"),
            )
            continue
        consent = view.records[consent_ref]
        yield from _terms(data, ref, consent_ref, consent)
        yield from _times(view, ref, consent_ref, consent, use)


def _terms(data: Data, ref: str, consent_ref: str, consent: Data) -> Iterator[Hit]:
    refs = (ref, consent_ref)
    purposes = [p for p in data["purposes"] if p not in consent["purposes"]]
    if purposes:
        yield CONSENT_PURPOSE, refs, f"purpose {', '.join(purposes)} is not in {consent_ref}"
    missing = _scope_missing(data, consent["scope"])
    if missing:
        yield CONSENT_SCOPE, refs, f"{consent_ref} does not grant {', '.join(missing)}"
    places = [
        j
        for j in data["jurisdictions"]
        if not any(vocab.covers(granted, j) for granted in consent["jurisdictions"])
    ]
    if places:
        yield CONSENT_JURISDICTION, refs, f"{', '.join(places)} not covered by {consent_ref}"


def _scope_missing(data: Data, scope: Data) -> list[str]:
    purposes = set(data["purposes"])
    missing = []
    if purposes - {"ai-model-training"} and not scope["likeness"]:
        missing.append("use of the likeness")
    if "ai-model-training" in purposes and not scope["ai_training"]:
        missing.append("AI training")
    generated = vocab.source_type(data["ai"]["digital_source_type"]).ai == "generated"
    if (generated or "likeness-synthesis" in purposes) and not scope["synthetic_likeness"]:
        missing.append("generating new images of the person")
    return missing


def _times(view: LedgerView, ref: str, consent_ref: str, consent: Data, use: Use) -> Iterator[Hit]:
    as_of = view.as_of
    valid = consent["valid"]
    if use.start < valid["from"] and use.start <= as_of:
        yield (
            CONSENT_NOT_YET_VALID,
            (ref, consent_ref),
            f"in use from {use.start}; {consent_ref} is valid from {valid['from']}",
        )
    until = valid.get("until")
    if until and use.first_at_or_after(until) <= as_of and use.continues_at(until):
        yield (
            CONSENT_EXPIRED,
            (ref, consent_ref),
            f"{consent_ref} ended at {until}; the image is in use until {use.end or 'now'}",
        )
    withdrawal = view.withdrawal(consent_ref)
    if withdrawal is None:
        return
    effective = view.records[withdrawal]["effective_at"]
    refs = (ref, consent_ref, withdrawal)
    if effective > as_of:
        return
    if use.continues_at(effective):
        lawful = (
            f"; the use before it, from {use.start}, was lawful" if use.start < effective else ""
        )
        yield (
            CONSENT_WITHDRAWN,
            refs,
            f"{consent_ref} was withdrawn from {effective} ({withdrawal}); the image is in use "
            f"until {use.end or 'now'}{lawful}",
        )
    elif use.start < effective:
        yield (
            CONSENT_EARLIER_USE,
            refs,
            f"used {use.start} to {use.end}, before {consent_ref} was withdrawn at {effective}: "
            "lawful, withdrawal is not retroactive",
        )


def check_withdrawal(view: LedgerView, ref: str, policy: Policy) -> Iterator[Hit]:
    """Late when the consent stopped, or the withdrawal was recorded, more than the limit
    after the request (recording it late and back-dating ``effective_at`` is late too)."""
    data = view.records[ref]
    done = max(data["effective_at"], data["recorded_at"])
    delay = seconds_between(data["requested_at"], done)
    limit = policy.withdrawal_limit_days
    if delay > limit * 86_400:
        what = "effective" if done == data["effective_at"] else "recorded"
        yield (
            WITHDRAWAL_LATE,
            (ref, data["consent"]),
            f"requested {data['requested_at']}, {what} {done}: {delay / 86_400:.1f} days, "
            f"more than the ledger's limit of {limit}",
        )
