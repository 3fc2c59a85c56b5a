"""The audit over the demo ledger, and the fictional publisher that breaks every rule once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from imageledger import authoring
from imageledger.audit import RULES
from imageledger.core import canonical, schemas
from imageledger.core.keys import demo_key, format_verifier_key
from imageledger.demo import keys as demo_keys
from imageledger.demo import violations
from support import Run

AS_OF = "2026-11-27T00:00:00Z"
DEMO_PUBLISHERS = ("northwind", "harbourlight", "emberforge")

# What the audit finds in the three demo publishers today (reported to the lead: these
# are real problems in the demo story, not planted ones).
DEMO_FINDINGS = {
    ("consent-withdrawn", "emberforge/11"),
    ("withdrawal-late", "emberforge/12"),
    ("consent-withdrawn", "northwind/6"),
    ("consent-scope", "northwind/23"),
}


def _findings(run: Run) -> list[tuple[str, str]]:
    data = json.loads(run.out)
    return [(f["code"], f["refs"][0] if f["refs"] else f["publisher"]) for f in data["findings"]]


def test_demo_ledger_audit(ledger_copy: Path, cli: Callable[..., Run]) -> None:
    args = [f"--publisher={p}" for p in DEMO_PUBLISHERS]
    run = cli("--repo", str(ledger_copy), "audit", "--as-of", AS_OF, "--json", *args)
    assert run.code == 1
    assert set(_findings(run)) == DEMO_FINDINGS
    assert cli("--repo", str(ledger_copy), "audit", "--as-of", AS_OF, "--publisher",
               "harbourlight").code == 0  # fmt: skip


def test_audit_usage_errors(ledger_copy: Path, cli: Callable[..., Run]) -> None:
    assert cli("--repo", str(ledger_copy), "audit", "--as-of", "yesterday").code == 2
    assert cli("--repo", str(ledger_copy), "audit", "--publisher", "nobody").code == 2
    run = cli("--repo", str(ledger_copy), "audit", "--rules")
    assert run.code == 0
    assert all(rule.code in run.out for rule in RULES)


def _write_story(repo: Path) -> None:
    key = demo_key(violations.KEY_NAMES[0])
    reg = authoring.registration(
        violations.PUBLISHER,
        name=violations.NAME,
        domain=violations.DOMAIN,
        contact=f"mailto:ledger@{violations.DOMAIN}",
        keys=[format_verifier_key(key.verifier)],
        admitted_at=violations.ADMITTED_AT,
        description=violations.ABOUT,
    )
    reg = authoring.sign_registration(reg, demo_keys.operator(), key)
    folder = repo / "ledger/publishers" / violations.PUBLISHER
    (folder / "records").mkdir(parents=True)
    (folder / "publisher.yaml").write_bytes(authoring.render(reg))
    prev = canonical.record_hash(reg)
    for seq, (kind, at, signer, body) in enumerate(violations.story(reg), 1):
        assert signer == 0
        draft: dict[str, Any] = {"schema": schemas.schema_id(kind), **body}
        record = authoring.seal(
            draft, publisher=violations.PUBLISHER, seq=seq, prev=prev, recorded_at=at, key=key
        )
        prev = canonical.record_hash(record)
        (folder / "records" / f"{seq:06d}.yaml").write_bytes(authoring.render(record))


def test_violations_publisher_breaks_each_rule_once(
    ledger_copy: Path, cli: Callable[..., Run]
) -> None:
    _write_story(ledger_copy)
    run = cli("--repo", str(ledger_copy), "validate", "--json")
    lumenpeak = [f for f in json.loads(run.out)["findings"] if "lumenpeak" in (f["path"] or "")]
    assert lumenpeak == []
    run = cli("--repo", str(ledger_copy), "audit", "--as-of", violations.AS_OF,
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
