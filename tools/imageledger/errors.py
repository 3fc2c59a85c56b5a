"""One exception root for everything the ledger can refuse, and the findings a check reports.

``LedgerError`` splits by whose fault it is: ``RecordError`` (bad input),
``VerificationError`` (a signature, chain, proof or consent does not hold) and
``StorageError`` (files, git). Each carries where the problem is and a stable code, and
``diagnostics()`` renders the one line a user sees.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: a file (repository-relative where possible), line and field path."""

    path: str | None = None
    line: int | None = None
    field: str | None = None

    def with_path(self, path: str) -> Location:
        return Location(path, self.line, self.field)

    def __str__(self) -> str:
        out = self.path or "<input>"
        if self.line is not None:
            out += f":{self.line}"
        if self.field:
            out += f": {self.field}"
        return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a check found, with a stable ``code`` and what to do about it."""

    code: str
    message: str
    location: Location = field(default_factory=Location)
    severity: Severity = Severity.ERROR
    hint: str | None = None

    def diagnostics(self) -> str:
        text = f"{self.location}: {self.severity.value} [{self.code}] {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "path": self.location.path,
            "line": self.location.line,
            "field": self.location.field,
            "message": self.message + (f" ({self.hint})" if self.hint else ""),
        }


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""

    code = "ledger"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        location: Location | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.location = location or Location()
        self.hint = hint

    def at(self, path: str) -> LedgerError:
        """Fill in the file when the raiser only knew the line or field."""
        if self.location.path is None:
            self.location = self.location.with_path(path)
        return self

    def finding(self) -> Finding:
        return Finding(self.code, self.message, self.location, Severity.ERROR, self.hint)

    def diagnostics(self) -> str:
        return self.finding().diagnostics()

    def __str__(self) -> str:
        return self.diagnostics()


class RecordError(LedgerError):
    """The input is malformed: fix the file."""

    code = "record-invalid"


class VerificationError(LedgerError):
    """A signature, chain link, proof or consent does not hold."""

    code = "verification-failed"


class StorageError(LedgerError):
    """A file or repository could not be read or written."""

    code = "storage"


class UsageError(LedgerError):
    """The command was called wrongly (exit code 2)."""

    code = "usage"


@dataclass
class Report:
    """What a ``check_*`` function found. True when nothing at error severity was found."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def error(self, err: LedgerError) -> None:
        self.findings.append(err.finding())

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def __bool__(self) -> bool:
        return not self.errors

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def to_json(self) -> dict[str, Any]:
        return {"ok": bool(self), "findings": [f.to_json() for f in self.findings]}
