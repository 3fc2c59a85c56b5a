"""The personal-data scanner: planted values are caught, the real demo ledger passes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from imageledger.consent.pii import person_names, phone_numbers, scan_record
from imageledger.storage.layout import Layout
from imageledger.storage.ledger_records import read_records

ROOT = Path(__file__).resolve().parent.parent


def demo_records() -> list[dict[str, Any]]:
    return read_records(Layout(ROOT))


def _demo(kind: str) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in demo_records() if r["schema"] == f"imageledger/{kind}/v1"))


def test_every_real_demo_record_passes() -> None:
    records = demo_records()
    assert len(records) > 50
    problems = [
        (r["publisher"], r.get("seq"), f.diagnostics()) for r in records for f in scan_record(r)
    ]
    assert problems == []


def _plant(kind: str, path: tuple[str, ...], value: str) -> dict[str, Any]:
    data = _demo(kind)
    holder = data
    for step in path[:-1]:
        holder = holder.setdefault(step, {})
    holder[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("kind", "path", "value", "code"),
    [
        pytest.param(
            "disclosure", ("description",), "Shot by jane.doe@gmail.com", "pii-email", id="email"
        ),
        pytest.param(
            "disclosure", ("description",), "Model: Jane Doe, hero shot", "pii-name", id="name"
        ),
        pytest.param(
            "disclosure", ("description",), "Talent agent +44 20 7946 0958", "pii-phone", id="e164"
        ),
        pytest.param("disclosure", ("description",), "call (415) 555-0134", "pii-phone", id="us"),
        pytest.param("disclosure", ("description",), "tel. 06 12 34 56 78", "pii-phone", id="fr"),
        pytest.param(
            "disclosure", ("description",), "ring 07700 900123", "pii-phone", id="uk-mobile"
        ),
        pytest.param(
            "disclosure", ("description",), "Portrait of Dr. Okafor", "pii-name", id="honorific"
        ),
        pytest.param(
            "retraction", ("reason",), "Requested by Maria Garcia", "pii-name", id="reason"
        ),
        pytest.param(
            "disclosure",
            ("rights", "copyright_owner"),
            "Anna Schmidt",
            "pii-name",
            id="owner-person",
        ),
        pytest.param(
            "consent",
            ("collection", "withdrawal"),
            "write to lena.berg@mail.example",
            "pii-email",
            id="withdrawal-email",
        ),
        pytest.param(
            "disclosure",
            ("ai", "deepfake_exception", "note"),
            "Satire of Jan de Vries",
            "pii-name",
            id="exception-note",
        ),
        pytest.param(
            "audit-attestation",
            ("auditor", "url"),
            "https://a.example/?who=kim.lee@x.example",
            "pii-email",
            id="email-in-url",
        ),
        pytest.param(
            "correction",
            ("corrected", "description"),
            "Now credited to Peter Novak",
            "pii-name",
            id="inside-corrected",
        ),
    ],
)
def test_planted_values_are_caught(kind: str, path: tuple[str, ...], value: str, code: str) -> None:
    findings = scan_record(_plant(kind, path, value))
    assert code in {f.code for f in findings}, findings
    (finding,) = [f for f in findings if f.code == code]
    assert finding.location.field == ".".join(path)


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        pytest.param(
            "consent", ("collection", "withdrawal"), "email privacy@acme.example", id="role"
        ),
        pytest.param(
            "audit-attestation", ("auditor", "name"), "Ernst Young Partners", id="auditor-firm"
        ),
        pytest.param(
            "audit-attestation", ("auditor", "name"), "Jane Doe Audit", id="auditor-named"
        ),
        pytest.param(
            "disclosure", ("description",), "Scan of the 1961 page, 2026-04-01", id="dates"
        ),
        pytest.param("disclosure", ("description",), "Shot 12-03-2026 at 09:00", id="dmy-date"),
        pytest.param(
            "disclosure", ("description",), "ExampleDiffusion 3.1, seed 4242", id="versions"
        ),
        pytest.param(
            "disclosure", ("description",), "Ember Caves level, Winter update", id="capitals"
        ),
        pytest.param(
            "disclosure", ("rights", "copyright_owner"), "Emberforge Games Oy", id="company"
        ),
        pytest.param(
            "disclosure",
            ("image", "published_urls"),
            "https://x.example/2026/0412345678.jpg",
            id="url-digits",
        ),
    ],
)
def test_no_false_positives(kind: str, path: tuple[str, ...], value: str) -> None:
    data = _plant(kind, path, value)
    if path == ("image", "published_urls"):
        data["image"]["published_urls"] = [value]
    assert scan_record(data) == []


def test_names_are_warnings_contacts_are_errors() -> None:
    data = _plant("disclosure", ("description",), "Jane Doe, jane@doe.example, +1 415 555 0134")
    severities = {f.code: f.severity.value for f in scan_record(data)}
    assert severities == {"pii-name": "warning", "pii-email": "error", "pii-phone": "error"}


def test_helpers() -> None:
    assert person_names("Call Jane Doe today") == ["Jane Doe"]
    assert phone_numbers("+49 30 12345678") == ["+49 30 12345678"]
    assert phone_numbers("from 2026-01-01 to 2026-12-31") == []
