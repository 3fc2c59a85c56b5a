"""The rules table: every rule with its stable code, default severity and citation, and
the checks that run per record kind and per publisher."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from imageledger.audit.model import Policy, Rule
from imageledger.audit.rules import consent, labels, records
from imageledger.audit.view import LedgerView

Hit = tuple[Rule, tuple[str, ...], str]
Check = Callable[[LedgerView, str, Policy], Iterator[Hit]]

RULES: tuple[Rule, ...] = (*consent.RULES, *labels.RULES, *records.RULES)
BY_CODE = {rule.code: rule for rule in RULES}

RECORD_CHECKS: dict[str, tuple[Check, ...]] = {
    "disclosure": (
        consent.check_disclosure,
        labels.check_disclosure,
        records.check_licence,
        records.check_references,
    ),
    "consent-withdrawal": (consent.check_withdrawal, records.check_references),
    "correction": (records.check_references,),
    "retraction": (records.check_references,),
}
PUBLISHER_CHECKS: tuple[Check, ...] = (records.check_attestation,)
