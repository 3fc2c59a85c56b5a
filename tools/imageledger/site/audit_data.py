"""The site's compliance audit: the audit page, ``/api/v1/audit.json`` and the consent-status
shards the receipt look-up reads (issue 7, item 4).

The audit runs as the ledger stood at :func:`as_of`, the latest time the ledger itself
records (a record's ``recorded_at`` or the log checkpoint's time), never the wall clock:
the same ledger always builds the same page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imageledger.audit import RULES, AuditFinding, AuditReport, Policy, audit_view
from imageledger.audit.view import Data, LedgerView, build_view
from imageledger.consent.lookup import ConsentStatus, receipt_statuses
from imageledger.site import urls
from imageledger.site.build import Generated
from imageledger.site.model import SiteLedger
from imageledger.site.render import api
from imageledger.site.render.audit import attestations, render_audit
from imageledger.storage.layout import Layout, load_config

PAGE = "audit.md"
"""The audit page's virtual source (``/audit/``)."""
JSON = f"{urls.API}/audit.json"
STATUS = f"{urls.API}/consent-status"
"""Receipt commitment → the consent's status and its dependent disclosures, sharded like
``api/v1/receipts/`` (the browser computes the commitment; the server sees a prefix)."""
MAX_DEPENDENTS = 50
"""Disclosures listed per consent in a status shard (the rest are counted)."""


def read_policy(repo: Path) -> Policy:
    """``ledger.yaml``'s audit policy (adapter: reads the file)."""
    return Policy.from_config(load_config(Layout(repo)).data)


def as_of(ledger: SiteLedger) -> str:
    """The latest time recorded in ``ledger``: its newest record or log checkpoint."""
    times = [r.recorded_at for r in ledger.records()]
    times += [p.registration.data["admitted_at"] for p in ledger.publishers.values()]
    if ledger.log is not None and ledger.log.time:
        times.append(ledger.log.time)
    return max(times, default="1970-01-01T00:00:00Z")


def _data(ledger: SiteLedger) -> Iterator[Data]:
    for publisher in ledger.publishers.values():
        yield publisher.registration.data
        for record in publisher.records:
            yield record.data


@dataclass(frozen=True, slots=True)
class SiteAudit:
    """One audit of the whole ledger, with what the page and the API need beside it."""

    report: AuditReport
    policy: Policy
    view: LedgerView
    recorded: Mapping[str, str] = field(default_factory=dict)
    """ref -> recorded_at, for the trend chart."""

    def by_publisher(self) -> dict[str, list[AuditFinding]]:
        out: dict[str, list[AuditFinding]] = {pid: [] for pid in self.view.publishers}
        for finding in self.report:
            out.setdefault(finding.publisher, []).append(finding)
        return out

    def month(self, finding: AuditFinding) -> str:
        """The month (``YYYY-MM``) of the record the finding is about (publisher-wide
        findings count in the month of the audit)."""
        ref = finding.refs[0] if finding.refs else None
        return (self.recorded.get(ref, self.report.as_of) if ref else self.report.as_of)[:7]

    def trend(self) -> list[tuple[str, Counter[str]]]:
        """Findings per month, by severity, every month from the first to the last."""
        per: dict[str, Counter[str]] = {}
        for finding in self.report:
            per.setdefault(self.month(finding), Counter())[finding.severity] += 1
        if not per:
            return []
        months = _months(min(per), max(per))
        return [(m, per.get(m, Counter())) for m in months]


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def run_audit(ledger: SiteLedger, policy: Policy) -> SiteAudit:
    """The audit of ``ledger`` as of :func:`as_of` under ``policy`` (pure)."""
    view = build_view(_data(ledger), as_of=as_of(ledger))
    report = audit_view(view, policy=policy)
    recorded = {r.ref: r.recorded_at for r in ledger.records()}
    return SiteAudit(report, policy, view, recorded)


def audit_json(ledger: SiteLedger, result: SiteAudit, site_url: str) -> bytes:
    """``/api/v1/audit.json``: the audit's findings with links to the records involved."""
    report = result.report
    publishers: dict[str, Any] = {}
    for pid, findings in result.by_publisher().items():
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in findings:
            counts[finding.severity] += 1
        publishers[pid] = {
            "counts": counts,
            "attestations": [
                {
                    "ref": r.ref,
                    "scope": r.data.get("scope"),
                    "auditor": (r.data.get("auditor") or {}).get("name"),
                    "period": r.data.get("period"),
                    "report": r.data.get("report"),
                    "link": site_url + urls.record(r.ref),
                }
                for r in attestations(ledger, pid)
            ],
            "link": site_url + urls.publisher(pid),
        }
    return api.dump(
        {
            "api": api.VERSION,
            "as_of": report.as_of,
            "ok": bool(report),
            "counts": report.counts(),
            "policy": {
                "withdrawal_limit_days": result.policy.withdrawal_limit_days,
                "attestation_period_days": result.policy.attestation_period_days,
            },
            "rules": [
                {
                    "code": rule.code,
                    "severity": result.policy.level(rule),
                    "title": rule.title,
                    "citation": rule.citation,
                }
                for rule in RULES
            ],
            "publishers": publishers,
            "trend": [
                {"month": month, **{s: c[s] for s in ("error", "warning", "info")}}
                for month, c in result.trend()
            ],
            "findings": [
                {
                    **f.to_json(),
                    "links": [site_url + urls.record(ref) for ref in f.refs],
                }
                for f in report
            ],
            "links": {"html": site_url + "audit/"},
        }
    )


def _status_entry(status: ConsentStatus, as_of_time: str) -> dict[str, Any]:
    entry = status.to_json()
    dependents = entry["disclosures"]
    entry["disclosures"] = dependents[:MAX_DEPENDENTS]
    entry["disclosures_count"] = len(dependents)
    entry["as_of"] = as_of_time
    return entry


def status_shards(result: SiteAudit) -> dict[str, bytes]:
    """The consent-status shards: ``meta.json`` and ``<prefix>.json`` (every shard exists)."""
    statuses = receipt_statuses(result.view, policy=result.policy)
    prefix = api.shard_prefix(len(statuses))
    shards: dict[str, dict[str, Any]] = {f"{n:0{prefix}x}.json": {} for n in range(16**prefix)}
    for key in sorted(statuses):
        digest = key.removeprefix("sha256:")
        shards.setdefault(f"{digest[:prefix]}.json", {})[key] = [
            _status_entry(s, result.report.as_of) for s in statuses[key]
        ]
    files = {
        path: api.compact({"v": api.VERSION, "entries": entries})
        for path, entries in shards.items()
    }
    files["meta.json"] = api.compact(
        {"v": api.VERSION, "prefix": prefix, "count": len(statuses), "as_of": result.report.as_of}
    )
    return files


def generated(
    ledger: SiteLedger, policy: Policy, *, site_url: str, result: SiteAudit | None = None
) -> Iterator[Generated]:
    """The audit page, ``audit.json`` and the consent-status shards."""
    result = result or run_audit(ledger, policy)
    yield Generated(PAGE, render_audit(ledger, result))
    yield Generated(JSON, audit_json(ledger, result, site_url))
    for path, data in status_shards(result).items():
        yield Generated(f"{STATUS}/{path}", data)


def site_audit(repo: Path, ledger: SiteLedger) -> SiteAudit:
    """The audit under the policy in ``repo``'s ``ledger.yaml`` (once per build)."""
    return run_audit(ledger, read_policy(repo))


def site_files(
    repo: Path, ledger: SiteLedger, *, site_url: str, result: SiteAudit | None = None
) -> Iterator[Generated]:
    """:func:`generated` under the policy in ``repo``'s ``ledger.yaml`` (the plugin's hook)."""
    result = result or site_audit(repo, ledger)
    yield from generated(ledger, result.policy, site_url=site_url, result=result)


def publisher_summaries(result: SiteAudit) -> dict[str, dict[str, int]]:
    """Per publisher, how many findings of each severity the audit reports."""
    return {
        pid: dict(Counter(str(f.severity) for f in found))
        for pid, found in result.by_publisher().items()
    }


RecordFindings = Mapping[str, tuple[tuple[str, str, str], ...]]
"""ref -> ``(severity, code, message)`` of the findings about that record."""


def record_findings(result: SiteAudit) -> RecordFindings:
    """What the audit says about each record (the record it is about is its first ref)."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for finding in result.report:
        if finding.refs:
            out.setdefault(finding.refs[0], []).append(
                (str(finding.severity), finding.code, finding.message)
            )
    return {ref: tuple(items) for ref, items in out.items()}
