"""What the audit reports (findings with codes, severities, refs and citations) and the
ledger's audit policy (``ledger.yaml`` ``policy``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from imageledger.errors import RecordError

Level = Literal["error", "warning", "info"]
LEVELS: tuple[str, ...] = ("error", "warning", "info", "off")


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the rules table: a stable code, its default severity, what it checks,
    and the law it rests on (``None`` where it is the ledger's own policy)."""

    code: str
    severity: Level
    title: str
    citation: str | None = None


@dataclass(frozen=True, slots=True)
class AuditFinding:
    """One rule firing on some records. ``refs`` lists the records involved, the one the
    finding is about first."""

    code: str
    severity: Level
    publisher: str
    refs: tuple[str, ...]
    message: str
    citation: str | None = None

    def diagnostics(self) -> str:
        text = f"{self.refs[0] if self.refs else self.publisher}: {self.severity} [{self.code}] "
        text += self.message
        if len(self.refs) > 1:
            text += f" (records: {', '.join(self.refs)})"
        if self.citation:
            text += f" [{self.citation}]"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "publisher": self.publisher,
            "refs": list(self.refs),
            "message": self.message,
            "citation": self.citation,
        }


@dataclass(frozen=True, slots=True)
class Policy:
    """``ledger.yaml`` ``policy``: limits, and per-code severity overrides (``off`` mutes)."""

    withdrawal_limit_days: int = 30
    attestation_period_days: int = 365
    severity: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> Policy:
        """From the parsed ``ledger.yaml`` (its ``policy`` member; defaults when absent)."""
        policy = data.get("policy") or {}
        severity = dict(policy.get("severity") or {})
        for code, level in severity.items():
            if level not in LEVELS:
                raise RecordError(
                    f"policy.severity.{code}: {level!r} is not one of {', '.join(LEVELS)}",
                    code="ledger-config",
                )
        return cls(
            withdrawal_limit_days=int(policy.get("withdrawal_limit_days", 30)),
            attestation_period_days=int(policy.get("attestation_period_days", 365)),
            severity=severity,
        )

    def level(self, rule: Rule) -> str:
        return self.severity.get(rule.code, rule.severity)


@dataclass
class AuditReport:
    """Every finding of one audit, in publisher, record order. True when no error."""

    as_of: str
    findings: list[AuditFinding] = field(default_factory=list)

    @property
    def errors(self) -> list[AuditFinding]:
        return [f for f in self.findings if f.severity == "error"]

    def __bool__(self) -> bool:
        return not self.errors

    def __iter__(self) -> Iterator[AuditFinding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            out[finding.severity] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "ok": bool(self),
            "counts": self.counts(),
            "findings": [f.to_json() for f in self.findings],
        }
