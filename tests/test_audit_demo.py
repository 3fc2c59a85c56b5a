"""The audit over the demo ledger, and the fictional publisher that breaks every rule once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from imageledger.audit import RULES
from imageledger.demo import violations
from support import ROOT, Run

AS_OF = "2026-11-27T00:00:00Z"
DEMO_PUBLISHERS = ("northwind", "harbourlight", "emberforge")

# The three story publishers are compliant; what they show are lawful uses before a
# withdrawal took effect (withdrawal is not retroactive), reported as information.
DEMO_INFO = {
    ("consent-withdrawn-earlier-use", "emberforge/11"),
    ("consent-withdrawn-earlier-use", "northwind/6"),
}


def _findings(run: Run) -> list[tuple[str, str]]:
    data = json.loads(run.out)
    return [(f["code"], f["refs"][0] if f["refs"] else f["publisher"]) for f in data["findings"]]


def test_demo_ledger_audit_finds_exactly_the_planted_violations(
    cli: Callable[..., Run],
) -> None:
    run = cli("--repo", str(ROOT), "audit", "--as-of", AS_OF, "--json")
    assert run.code == 1
    assert set(_findings(run)) == set(violations.EXPECTED) | DEMO_INFO
    args = [f"--publisher={p}" for p in DEMO_PUBLISHERS]
    clean = cli("--repo", str(ROOT), "audit", "--as-of", AS_OF, "--json", *args)
    assert clean.code == 0
    assert {f["severity"] for f in json.loads(clean.out)["findings"]} == {"info"}


def test_audit_usage_errors(ledger_copy: Path, cli: Callable[..., Run]) -> None:
    assert cli("--repo", str(ledger_copy), "audit", "--as-of", "yesterday").code == 2
    assert cli("--repo", str(ledger_copy), "audit", "--publisher", "nobody").code == 2
    run = cli("--repo", str(ledger_copy), "audit", "--rules")
    assert run.code == 0
    assert all(rule.code in run.out for rule in RULES)


def test_violations_publisher_breaks_each_rule_once(cli: Callable[..., Run]) -> None:
    # lumenpeak is part of the demo ledger: valid and signed, but non-compliant
    run = cli("--repo", str(ROOT), "validate", "--json")
    assert json.loads(run.out) == {"ok": True, "findings": []}
    run = cli("--repo", str(ROOT), "audit", "--as-of", violations.AS_OF,
              "--publisher", violations.PUBLISHER, "--json")  # fmt: skip
    found = _findings(run)
    assert sorted(found) == sorted(violations.EXPECTED)
    codes = [code for code, _ in found]
    assert len(codes) == len(set(codes))
    assert set(codes) | set(violations.UNREACHABLE) == {rule.code for rule in RULES}


def test_violations_publisher_passes_the_pii_scanner() -> None:
    from imageledger.consent.pii import scan_record

    reg: dict[str, Any] = {"publisher": violations.PUBLISHER}
    for _, _, _, body in violations.story(reg):
        assert scan_record(body) == []


def test_help(cli: Callable[..., Run]) -> None:
    for args in (
        ["audit", "--help"],
        ["consent", "--help"],
        ["consent", "new", "--help"],
        ["consent", "withdraw", "--help"],
        ["consent", "lookup", "--help"],
    ):
        run = cli(*args)
        assert run.code == 0, args
        assert "Usage:" in run.out
