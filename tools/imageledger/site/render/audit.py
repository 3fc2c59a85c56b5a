"""The audit page (``/audit/``): findings by publisher and by rule, per-publisher compliance
summaries with their audit attestations, and findings per month as an inline SVG chart.

Pure: a ledger and an audit in, a :class:`PageSource` out. Ledger strings (descriptions,
names, auditors, scopes) are escaped by the ``html`` helpers.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from imageledger.audit import RULES, AuditFinding
from imageledger.core.records import UnverifiedRecord
from imageledger.site import urls
from imageledger.site.model import SiteLedger
from imageledger.site.render.audit_chart import trend_svg
from imageledger.site.render.html import (
    PageSource,
    code,
    external,
    join,
    link,
    page,
    rel_url,
    section,
    table,
    tag,
    text,
)

if TYPE_CHECKING:
    from imageledger.site.audit_data import SiteAudit

BASE = "audit/"
MAX_LISTED = 200
"""Findings listed per publisher on the page; ``audit.json`` has them all."""
DESCRIPTION_CHARS = 160


def attestations(ledger: SiteLedger, pid: str) -> list[UnverifiedRecord]:
    """``pid``'s audit-attestation records, in chain order."""
    publisher = ledger.publishers.get(pid)
    records = publisher.records if publisher is not None else []
    return [r for r in records if r.kind == "audit-attestation"]


def _record(ref: str) -> Markup:
    return link(rel_url(BASE, urls.record(ref)), code(ref))


def _refs(finding: AuditFinding) -> Markup:
    return join((_record(r) for r in finding.refs), ", ") if finding.refs else text("—")


def _severity(level: str) -> Markup:
    return tag("span", level, class_=f"il-sev il-sev-{level}")


def _description(ledger: SiteLedger, finding: AuditFinding) -> str:
    record = ledger.record(finding.refs[0]) if finding.refs else None
    value = record.data.get("description") if record is not None else None
    if not isinstance(value, str):
        return ""
    return value if len(value) <= DESCRIPTION_CHARS else value[: DESCRIPTION_CHARS - 1] + "…"


def _counts(findings: list[AuditFinding]) -> Counter[str]:
    return Counter(f.severity for f in findings)


def _period(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    return f"{value.get('from', '…')} – {value.get('until', '…')}"


def _member(data: Any, name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _attestation_list(ledger: SiteLedger, pid: str) -> Markup:
    items = []
    for record in attestations(ledger, pid):
        data = record.data
        auditor = _member(data, "auditor")
        url = _member(data, "report").get("url")
        url = url if isinstance(url, str) else None
        items.append(
            tag(
                "li",
                join(
                    [
                        _record(record.ref),
                        text(f" {data.get('scope', '')} audit by {auditor.get('name', '?')}, "),
                        text(f"period {_period(data.get('period'))}"),
                        join([text(" · "), external(url, "report")]) if url else Markup(),
                    ]
                ),
            )
        )
    if not items:
        return tag("p", "No audit attestation recorded.", class_="il-flag")
    return tag("ul", join(items))


def _summary_table(ledger: SiteLedger, result: SiteAudit) -> Markup:
    rows = []
    for pid, findings in result.by_publisher().items():
        counts = _counts(findings)
        latest = attestations(ledger, pid)[-1:]
        rows.append(
            (
                link(rel_url(BASE, urls.publisher(pid)), code(pid)),
                text(counts["error"]),
                text(counts["warning"]),
                text(counts["info"]),
                join([_record(latest[0].ref), text(" " + _period(latest[0].data.get("period")))])
                if latest
                else text("none"),
                link(f"#p-{pid}", "findings"),
            )
        )
    return table(
        ("Publisher", "Errors", "Warnings", "Info", "Latest audit attestation", ""),
        rows,
        "il-audit-summary",
    )


def _rules_table(result: SiteAudit) -> Markup:
    by_code: dict[str, list[AuditFinding]] = {}
    for finding in result.report:
        by_code.setdefault(finding.code, []).append(finding)
    rows = []
    for rule in RULES:
        found = by_code.get(rule.code, [])
        subjects = join((_record(f.refs[0]) if f.refs else code(f.publisher) for f in found), ", ")
        rows.append(
            (
                tag("span", code(rule.code), id=f"rule-{rule.code}"),
                _severity(result.policy.level(rule)),
                text(rule.title),
                text(rule.citation or "ledger policy"),
                text(len(found)),
                subjects if found else text("—"),
            )
        )
    return table(
        ("Rule", "Severity", "What it checks", "Citation", "Findings", "Records"),
        rows,
        "il-audit-rules",
    )


def _publisher_section(ledger: SiteLedger, pid: str, findings: list[AuditFinding]) -> Markup:
    counts = _counts(findings)
    publisher = ledger.publishers.get(pid)
    name = publisher.profile.get("name") if publisher is not None else None
    heading = join(
        [
            link(rel_url(BASE, urls.publisher(pid)), code(pid)),
            text(f" {name}") if isinstance(name, str) else Markup(),
        ]
    )
    parts = [
        tag("h3", heading, id=f"p-{pid}"),
        tag(
            "p",
            f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info.",
        ),
        tag("h4", "Audit attestations"),
        _attestation_list(ledger, pid),
    ]
    if findings:
        rows = [
            (
                _severity(f.severity),
                link(f"#rule-{f.code}", code(f.code)),
                _refs(f),
                text(f.message),
                text(f.citation or "ledger policy"),
                text(_description(ledger, f)),
            )
            for f in findings[:MAX_LISTED]
        ]
        parts.append(
            table(
                ("Severity", "Rule", "Records", "Explanation", "Citation", "The record says"),
                rows,
                "il-audit-findings",
            )
        )
        if len(findings) > MAX_LISTED:
            parts.append(
                tag("p", f"… and {len(findings) - MAX_LISTED} more: see api/v1/audit.json.")
            )
    else:
        parts.append(tag("p", "No findings.", class_="il-ok"))
    return join(parts, "\n")


def render_audit(ledger: SiteLedger, result: SiteAudit) -> PageSource:
    report = result.report
    counts = report.counts()
    intro = tag(
        "p",
        join(
            [
                text("As of "),
                tag("strong", report.as_of, class_="il-audit-as-of"),
                text(
                    f" (the latest time recorded in the ledger): {counts['error']} error(s), "
                    f"{counts['warning']} warning(s), {counts['info']} info across "
                    f"{len(result.view.publishers)} publishers. The same rules run locally "
                    "with "
                ),
                code(f"imageledger audit --as-of {report.as_of}"),
                text("; machine-readable: "),
                link(rel_url(BASE, "api/v1/audit.json"), code("api/v1/audit.json")),
                text("."),
            ]
        ),
    )
    explain = tag(
        "p",
        "A finding is a record that breaks a rule of law or of this ledger's policy: an error "
        "means the use as disclosed is not lawful or not allowed, a warning that a duty "
        "(a label, an audit) is missing, info that something was checked and found lawful "
        "(for example a use that ended before a consent was withdrawn). Withdrawal is not "
        "retroactive: use before it took effect stays lawful.",
    )
    chart = tag(
        "figure",
        join(
            [
                trend_svg(result.trend(), title="Findings per month, by severity"),
                tag(
                    "figcaption",
                    "Findings per month of the record concerned (publisher-wide findings: "
                    "the month of the audit).",
                ),
            ]
        ),
        class_="il-audit-trend",
    )
    publishers = join(
        (_publisher_section(ledger, pid, found) for pid, found in result.by_publisher().items()),
        "\n",
    )
    body = join(
        [
            intro,
            explain,
            section("Compliance by publisher", _summary_table(ledger, result), "summary"),
            section("Trend", chart, "trend"),
            section("Findings by rule", _rules_table(result), "rules"),
            section("Findings by publisher", publishers, "publishers"),
        ],
        "\n",
    )
    return page("Compliance audit", body, template="main.html", search=False)
