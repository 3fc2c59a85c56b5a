"""Run every rule over a ledger in one pass: index (one sort), then each record once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from imageledger.audit.model import AuditFinding, AuditReport, Policy
from imageledger.audit.rules import PUBLISHER_CHECKS, RECORD_CHECKS, Hit
from imageledger.audit.view import Data, LedgerView, build_view
from imageledger.core.records import parse_time


def audit(
    records: Iterable[Data],
    *,
    as_of: str,
    policy: Policy | None = None,
    publishers: Iterable[str] | None = None,
) -> AuditReport:
    """Audit ``records`` (chain records and registrations) as the ledger stood at ``as_of``.

    Records recorded after ``as_of`` are ignored, so an audit of the past is reproducible.
    ``publishers`` limits the findings to those publishers.
    """
    parse_time(as_of, "as_of")
    return audit_view(build_view(records, as_of=as_of), policy=policy, publishers=publishers)


def audit_view(
    view: LedgerView, *, policy: Policy | None = None, publishers: Iterable[str] | None = None
) -> AuditReport:
    policy = policy or Policy()
    wanted = None if publishers is None else frozenset(publishers)
    report = AuditReport(view.as_of)
    for ref in view.order:
        publisher = ref.partition("/")[0]
        if wanted is not None and publisher not in wanted:
            continue
        for check in RECORD_CHECKS.get(view.kinds[ref], ()):
            report.findings.extend(_findings(check(view, ref, policy), publisher, policy))
    for publisher in view.publishers:
        if wanted is not None and publisher not in wanted:
            continue
        for check in PUBLISHER_CHECKS:
            report.findings.extend(_findings(check(view, publisher, policy), publisher, policy))
    return report


def _findings(hits: Iterator[Hit], publisher: str, policy: Policy) -> Iterator[AuditFinding]:
    for rule, refs, message in hits:
        level = policy.level(rule)
        if level == "off":
            continue
        yield AuditFinding(rule.code, level, publisher, refs, message, rule.citation)  # type: ignore[arg-type]
