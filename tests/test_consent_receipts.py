"""Receipt secrets, the receipt documents, and the consent round trip through the CLI."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from imageledger.consent import secret as receipt_secret
from imageledger.consent.lookup import lookup
from imageledger.consent.receipt import build_receipt, render_html
from imageledger.core import strict_yaml
from imageledger.core.keys import format_private_key
from imageledger.demo import keys as demo_keys
from imageledger.errors import RecordError
from support import Run, likeness_use_draft, snapshot

SECRET = bytes(range(20))


def test_commitment_hashes_the_raw_secret_bytes() -> None:
    expected = hashlib.sha256(b"imageledger/receipt/v1\n" + SECRET).hexdigest()
    assert receipt_secret.commitment(SECRET) == "sha256:" + expected


@pytest.mark.parametrize("size", [20, 25, 40])
def test_secret_text_round_trips(size: int) -> None:
    raw = hashlib.sha512(str(size).encode()).digest()[:size]
    text = receipt_secret.format_secret(raw)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4})*", text)
    assert receipt_secret.parse_secret(text) == raw
    assert receipt_secret.parse_secret(text.lower().replace("-", " ")) == raw


def test_secret_reads_confusable_letters() -> None:
    text = receipt_secret.format_secret(bytes(20))
    assert text.startswith("0000")
    assert receipt_secret.parse_secret(text.replace("0", "O")) == bytes(20)


@pytest.mark.parametrize(
    "text", ["", "ABCD-EFG", "ABCD-EFGH-UUUU-UUUU", "ABCD-EFGH", "!!!!-!!!!-!!!!-!!!!"]
)
def test_bad_secret_text_is_refused(text: str) -> None:
    with pytest.raises(RecordError) as info:
        receipt_secret.parse_secret(text)
    assert info.value.code == "receipt-secret"


def test_secrets_shorter_than_128_bits_are_refused() -> None:
    with pytest.raises(RecordError):
        receipt_secret.commitment(bytes(15))


# --- the receipt documents ---------------------------------------------------------------


def _signed_consent(**overrides: Any) -> dict[str, Any]:
    data = {
        "schema": "imageledger/consent/v1",
        "publisher": "northwind",
        "seq": 24,
        "prev": "sha256:" + "0" * 64,
        "recorded_at": "2026-11-20T10:00:00Z",
        "subject": {"commitment": "sha256:" + "1" * 64},
        "purposes": ["advertising", "likeness-synthesis"],
        "scope": {"likeness": True, "ai_training": False, "synthetic_likeness": True},
        "valid": {"from": "2026-11-20T00:00:00Z", "until": "2027-11-20T00:00:00Z"},
        "jurisdictions": ["EU"],
        "legal_basis": "gdpr-9-2-a",
        "collection": {"method": "web-form", "withdrawal": "<script>alert(1)</script> & mail"},
        "notice": {"url": "https://northwind.example/n", "sha256": "2" * 64},
        "receipt": receipt_secret.commitment(SECRET),
        "signatures": [{"key": "k+00000000", "sig": "A" * 86 + "=="}],
    }
    return data | overrides


REGISTRATION = {
    "publisher": "northwind",
    "name": "Northwind Outfitters Ltd.",
    "domain": "northwind.example",
    "contact": "mailto:ledger@northwind.example",
}
LEDGER = {"name": "Demo", "url": "https://demo.imageledger.example/", "origin": "demo/log"}


def test_receipt_json_maps_to_the_standards() -> None:
    receipt = build_receipt(
        _signed_consent(), registration=REGISTRATION, ledger=LEDGER, secret=SECRET
    )
    assert receipt_secret.parse_secret(receipt["code"]) == SECRET
    assert receipt["lookup_url"] == "https://demo.imageledger.example/lookup/"
    assert receipt["record_url"] == "https://demo.imageledger.example/r/northwind/24/"
    consent = receipt["consent"]
    assert consent["purposes"][0]["dpv"] == ["dpv:Advertising"]
    assert consent["legal_basis"]["dpv"] == "eu-gdpr:A9-2-a"
    iso = receipt["iso27560"]
    assert iso["record_id"] == "northwind/24"
    assert iso["pii_principal_id"] == "sha256:" + "1" * 64
    assert iso["event"]["validity"]["until"] == "2027-11-20T00:00:00Z"
    kantara = receipt["kantara"]
    assert kantara["version"] == "KI-CR-v1.1.0"
    assert kantara["consentTimestamp"] == 1795168800
    assert kantara["piiControllers"][0]["piiController"] == "Northwind Outfitters Ltd."
    assert kantara["sensitive"] is True
    assert json.loads(json.dumps(receipt)) == receipt


def test_receipt_refuses_the_wrong_secret() -> None:
    with pytest.raises(RecordError):
        build_receipt(_signed_consent(), registration=REGISTRATION, ledger=LEDGER, secret=bytes(20))


def test_receipt_html_is_escaped_self_contained_and_scriptless() -> None:
    receipt = build_receipt(
        _signed_consent(), registration=REGISTRATION, ledger=LEDGER, secret=SECRET
    )
    page = render_html(receipt)
    assert receipt["code"] in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; mail" in page
    assert not re.search(r"\b(src|href)\s*=", page, re.IGNORECASE)
    assert "<link" not in page.lower()
    assert "dpv:Advertising" in page
    assert "2027-11-20T00:00:00Z" in page


# --- the round trip through the CLI, on a copy of the demo ledger ------------------------


@pytest.fixture
def northwind_key(tmp_path: Path) -> Path:
    path = tmp_path / "northwind.key"
    path.write_text(format_private_key(demo_keys.publisher("northwind", 1)) + "\n")
    return path


def _draft(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(strict_yaml.dump(data))
    return path


def _consent_draft() -> dict[str, Any]:
    data = _signed_consent(collection={"method": "web-form", "withdrawal": "https://nw.example/w"})
    for name in ("seq", "prev", "recorded_at", "signatures", "receipt"):
        data.pop(name)
    return data


def test_receipt_round_trip(
    ledger_copy: Path, tmp_path: Path, northwind_key: Path, cli: Callable[..., Run]
) -> None:
    repo, key = str(ledger_copy), str(northwind_key)
    out = tmp_path / "receipt"
    draft = _draft(tmp_path, "consent.yaml", _consent_draft())
    run = cli("--repo", repo, "consent", "new", str(draft), "--key", key, "--receipt-out", str(out),
              "--at", "2026-11-20T10:00:00Z")  # fmt: skip
    assert run.code == 0, run.err
    assert "northwind/24" in run.out
    receipt = json.loads((out / "northwind-24-receipt.json").read_text())
    page = (out / "northwind-24-receipt.html").read_text()
    code = receipt["code"]
    assert code in page
    assert code not in run.out
    stored = strict_yaml.parse(
        (ledger_copy / "ledger/publishers/northwind/records/000024.yaml").read_bytes()
    )
    assert (
        stored["receipt"]
        == receipt["commitment"]
        == receipt_secret.commitment(receipt_secret.parse_secret(code))
    )
    assert code not in json.dumps(stored)

    use = _draft(tmp_path, "use.yaml", likeness_use_draft("northwind/24"))
    run = cli(
        "--repo", repo, "record", "sign", str(use), "--key", key, "--at", "2026-11-21T08:00:00Z"
    )
    assert run.code == 0, run.err

    run = cli(
        "--repo", repo, "consent", "lookup", code, "--as-of", "2026-11-22T00:00:00Z", "--json"
    )
    assert run.code == 0, run.err
    (found,) = json.loads(run.out)["consents"]
    assert found["ref"] == "northwind/24"
    assert found["state"] == "active"
    assert [(d["ref"], d["state"], d["compliant"]) for d in found["disclosures"]] == [
        ("northwind/25", "in use", True)
    ]

    run = cli("--repo", repo, "consent", "withdraw", "northwind/24",
              "--requested-at", "2026-11-23T09:00:00Z", "--effective-at", "2026-11-25T00:00:00Z",
              "--key", key, "--at", "2026-11-23T10:00:00Z")  # fmt: skip
    assert run.code == 0, run.err
    assert "northwind/26" in run.out

    run = cli("--repo", repo, "consent", "lookup", code.lower(), "--as-of", "2026-11-26T00:00:00Z")
    assert run.code == 0, run.err
    assert "consent northwind/24: withdrawn" in run.out
    assert "withdrawn by northwind/26, effective 2026-11-25T00:00:00Z" in run.out
    assert "disclosure northwind/25: in use" in run.out
    assert "NOT compliant" in run.out
    assert "[consent-withdrawn]" in run.out
    assert "was lawful" in run.out

    run = cli(
        "--repo", repo, "consent", "lookup", code, "--as-of", "2026-11-24T00:00:00Z", "--json"
    )
    (found,) = json.loads(run.out)["consents"]
    assert found["state"] == "withdrawal pending"
    assert found["disclosures"][0]["compliant"] is True

    assert cli("--repo", repo, "validate").code == 0
    as_of = "2026-11-27T00:00:00Z"
    run = cli("--repo", repo, "audit", "--as-of", as_of, "--publisher", "northwind", "--json")
    refs = {(f["code"], f["refs"][0]) for f in json.loads(run.out)["findings"]}
    assert ("consent-withdrawn", "northwind/25") in refs


def test_lookup_of_an_unknown_code(ledger_copy: Path, cli: Callable[..., Run]) -> None:
    code = receipt_secret.format_secret(bytes(20))
    run = cli("--repo", str(ledger_copy), "consent", "lookup", code)
    assert run.code == 1
    assert "no consent" in run.out
    run = cli("--repo", str(ledger_copy), "consent", "lookup", "not-a-code")
    assert run.code == 2
    assert "[receipt-secret]" in run.err


def test_consent_new_refuses_a_drawn_receipt_and_writes_nothing(
    ledger_copy: Path, tmp_path: Path, northwind_key: Path, cli: Callable[..., Run]
) -> None:
    before = snapshot(ledger_copy / "ledger")
    out = tmp_path / "receipt"
    draft = _draft(tmp_path, "c.yaml", _consent_draft() | {"receipt": "sha256:" + "9" * 64})
    run = cli("--repo", str(ledger_copy), "consent", "new", str(draft), "--key", str(northwind_key),
              "--receipt-out", str(out))  # fmt: skip
    assert run.code == 2
    assert "[usage-receipt]" in run.err
    assert snapshot(ledger_copy / "ledger") == before
    assert not out.exists()


def test_consent_new_keeps_receipts_out_of_the_ledger(
    ledger_copy: Path, tmp_path: Path, northwind_key: Path, cli: Callable[..., Run]
) -> None:
    draft = _draft(tmp_path, "c.yaml", _consent_draft())
    out = ledger_copy / "ledger" / "receipts"
    run = cli("--repo", str(ledger_copy), "consent", "new", str(draft), "--key", str(northwind_key),
              "--receipt-out", str(out))  # fmt: skip
    assert run.code == 2
    assert not out.exists()


def test_consent_new_with_a_retired_key_writes_no_receipt(
    ledger_copy: Path, tmp_path: Path, cli: Callable[..., Run]
) -> None:
    retired = tmp_path / "old.key"
    retired.write_text(format_private_key(demo_keys.publisher("northwind", 0)))
    before = snapshot(ledger_copy / "ledger")
    out = tmp_path / "receipt"
    draft = _draft(tmp_path, "c.yaml", _consent_draft())
    run = cli("--repo", str(ledger_copy), "consent", "new", str(draft), "--key", str(retired),
              "--receipt-out", str(out))  # fmt: skip
    assert run.code == 1
    assert snapshot(ledger_copy / "ledger") == before
    assert not out.exists() or not any(out.iterdir())


def test_withdraw_checks_its_target(
    ledger_copy: Path, northwind_key: Path, cli: Callable[..., Run]
) -> None:
    args = ["--requested-at", "2026-11-23T09:00:00Z", "--effective-at", "2026-11-25T00:00:00Z",
            "--key", str(northwind_key), "--at", "2026-11-23T10:00:00Z"]  # fmt: skip
    repo = str(ledger_copy)
    assert "[ref-kind]" in cli("--repo", repo, "consent", "withdraw", "northwind/4", *args).err
    assert (
        "already withdrawn" in cli("--repo", repo, "consent", "withdraw", "northwind/2", *args).err
    )
    assert cli("--repo", repo, "consent", "withdraw", "northwind/99", *args).code == 1


def test_withdraw_warns_when_late(
    ledger_copy: Path, northwind_key: Path, cli: Callable[..., Run]
) -> None:
    run = cli("--repo", str(ledger_copy), "consent", "withdraw", "northwind/1",
              "--requested-at", "2026-10-01T00:00:00Z", "--effective-at", "2026-11-25T00:00:00Z",
              "--key", str(northwind_key), "--at", "2026-11-23T10:00:00Z")  # fmt: skip
    assert run.code == 0, run.err
    assert "withdrawal-late" in run.out


def test_lookup_is_pure_over_records() -> None:
    consent = _signed_consent()
    assert lookup([consent], SECRET, as_of="2026-11-21T00:00:00Z")[0].state == "active"
    assert lookup([consent], SECRET, as_of="2026-11-19T00:00:00Z") == []  # not recorded yet
    assert lookup([consent], SECRET, as_of="2027-11-20T00:00:00Z")[0].state == "expired"


def test_demo_receipts_are_found() -> None:
    from imageledger.demo.generate import demo_secret
    from imageledger.storage.layout import Layout
    from imageledger.storage.ledger_records import read_records

    root = Path(__file__).resolve().parent.parent
    code = receipt_secret.format_secret(demo_secret("receipt:northwind-model-2")[:20])
    (found,) = lookup(read_records(Layout(root)), receipt_secret.parse_secret(code), as_of=AS_OF)
    assert found.ref == "northwind/2"
    assert found.state == "withdrawn"


AS_OF = "2026-11-27T00:00:00Z"
