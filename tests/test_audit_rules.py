"""Every audit rule: a compliant case, a violating case and the boundary, in memory."""

from __future__ import annotations

from typing import Any

import pytest

from audit_helpers import (
    AS_OF,
    P,
    attestation,
    attested,
    consent,
    disclosure,
    record,
    registration,
    withdrawal,
)
from imageledger.audit import RULES, Policy, audit
from imageledger.audit.rules import BY_CODE
from imageledger.errors import RecordError

C1 = f"{P}/1"


def found(*records: dict[str, Any], as_of: str = AS_OF, policy: Policy | None = None) -> set[str]:
    """The codes of every finding on ``records`` (plus a registration and an attestation)."""
    report = audit([registration(), attested(), *records], as_of=as_of, policy=policy)
    return {f.code for f in report}


def s(when: str) -> str:
    """``when`` plus one second (times in these tests end in :00Z)."""
    return when[:-3] + "01Z"


def test_rules_table_is_complete_and_unique() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes)) == 18
    assert all(rule.severity in ("error", "warning", "info") for rule in RULES)
    for code in ("label-eu-deepfake", "label-ca-latent", "label-cn-implicit", "withdrawal-late"):
        assert BY_CODE[code].citation


def test_clean_ledger_has_no_findings() -> None:
    assert found(consent(1), disclosure(2, consent_ref=C1)) == set()


# --- consent-missing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        pytest.param([consent(1), disclosure(2, consent_ref=C1)], set(), id="compliant"),
        pytest.param([disclosure(2, consent_ref=f"{P}/9")], {"consent-missing"}, id="no-record"),
        pytest.param(
            [disclosure(1, person=False, basis="public-figure"), disclosure(2, consent_ref=C1)],
            {"consent-missing"},
            id="boundary-not-a-consent",
        ),
    ],
)
def test_consent_missing(records: list[dict[str, Any]], expected: set[str]) -> None:
    assert found(*records) == expected


# --- consent-purpose: a purpose one step outside ------------------------------------------


@pytest.mark.parametrize(
    ("granted", "used", "expected"),
    [
        pytest.param(("advertising", "marketing"), ("advertising",), set(), id="compliant"),
        pytest.param(
            ("advertising",), ("advertising", "editorial"), {"consent-purpose"}, id="violating"
        ),
        pytest.param(
            ("advertising",),
            ("personalised-advertising",),
            {"consent-purpose"},
            id="one-step-outside",
        ),
    ],
)
def test_consent_purpose(
    granted: tuple[str, ...], used: tuple[str, ...], expected: set[str]
) -> None:
    assert (
        found(consent(1, purposes=granted), disclosure(2, consent_ref=C1, purposes=used))
        == expected
    )


# --- consent-scope -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "use", "expected"),
    [
        pytest.param(
            {"synthetic": True}, {"source": "trainedAlgorithmicMedia"}, set(), id="compliant"
        ),
        pytest.param(
            {}, {"source": "trainedAlgorithmicMedia"}, {"consent-scope"}, id="generated-likeness"
        ),
        pytest.param(
            {}, {"source": "compositeWithTrainedAlgorithmicMedia"}, set(), id="boundary-edited-ok"
        ),
        pytest.param(
            {"purposes": ("ai-model-training",), "likeness": False},
            {"purposes": ("ai-model-training",)},
            {"consent-scope"},
            id="training-not-granted",
        ),
        pytest.param(
            {"purposes": ("ai-model-training",), "likeness": False, "training": True},
            {"purposes": ("ai-model-training",)},
            set(),
            id="training-only-without-likeness",
        ),
        pytest.param({"likeness": False}, {}, {"consent-scope"}, id="likeness-not-granted"),
    ],
)
def test_consent_scope(scope: dict[str, Any], use: dict[str, Any], expected: set[str]) -> None:
    labels = {"visible": "eu-ai-icon", "machine": ("c2pa",)}
    assert found(consent(1, **scope), disclosure(2, consent_ref=C1, **labels, **use)) == expected


# --- consent-jurisdiction ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("granted", "used", "expected"),
    [
        pytest.param(("EU",), ("DE", "FR"), set(), id="compliant-members"),
        pytest.param(("EU",), ("EU", "GB"), {"consent-jurisdiction"}, id="violating"),
        pytest.param(("EEA",), ("EU",), set(), id="eea-covers-eu"),
        pytest.param(("DE",), ("EU",), {"consent-jurisdiction"}, id="boundary-member-not-union"),
        pytest.param(("US",), ("US-CA",), set(), id="country-covers-state"),
    ],
)
def test_consent_jurisdiction(
    granted: tuple[str, ...], used: tuple[str, ...], expected: set[str]
) -> None:
    found_codes = found(
        consent(1, jurisdictions=granted), disclosure(2, consent_ref=C1, jurisdictions=used)
    )
    assert found_codes == expected


# --- consent-not-yet-valid: the exact second ---------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param("2026-03-01T00:00:00Z", set(), id="compliant"),
        pytest.param("2026-02-01T00:00:00Z", set(), id="boundary-same-second"),
        pytest.param("2026-01-31T23:59:59Z", {"consent-not-yet-valid"}, id="one-second-early"),
    ],
)
def test_consent_not_yet_valid(start: str, expected: set[str]) -> None:
    records = (
        consent(1, valid_from="2026-02-01T00:00:00Z"),
        disclosure(2, consent_ref=C1, start=start),
    )
    assert found(*records) == expected


def test_consent_not_yet_valid_waits_for_the_use_to_start() -> None:
    records = (
        consent(1, valid_from="2026-12-10T00:00:00Z"),
        disclosure(2, consent_ref=C1, start="2026-12-01T00:00:00Z"),
    )
    assert found(*records) == set()
    assert found(*records, as_of="2026-12-01T00:00:00Z") == {"consent-not-yet-valid"}


# --- consent-expired: the exact second ---------------------------------------------------

UNTIL = "2026-06-30T00:00:00Z"


@pytest.mark.parametrize(
    ("use_until", "as_of", "expected"),
    [
        pytest.param("2026-06-01T00:00:00Z", AS_OF, set(), id="compliant"),
        pytest.param(UNTIL, AS_OF, set(), id="boundary-ends-with-consent"),
        pytest.param(s(UNTIL), AS_OF, {"consent-expired"}, id="one-second-over"),
        pytest.param(None, "2026-06-29T23:59:59Z", set(), id="open-use-before-expiry"),
        pytest.param(None, UNTIL, {"consent-expired"}, id="open-use-at-expiry"),
    ],
)
def test_consent_expired(use_until: str | None, as_of: str, expected: set[str]) -> None:
    records = consent(1, until=UNTIL), disclosure(2, consent_ref=C1, until=use_until)
    assert found(*records, as_of=as_of) == expected


def test_a_retraction_ends_the_use_before_expiry() -> None:
    retraction = record(
        "retraction",
        3,
        "2026-06-01T00:00:00Z",
        ref=f"{P}/2",
        reason="Taken down.",
        effective_at="2026-06-01T00:00:00Z",
    )
    records = consent(1, until=UNTIL), disclosure(2, consent_ref=C1), retraction
    assert found(*records) == set()


# --- consent-withdrawn and consent-withdrawn-earlier-use: the exact second --------------

EFFECTIVE = "2026-05-01T00:00:00Z"


@pytest.mark.parametrize(
    ("use_until", "as_of", "expected"),
    [
        pytest.param(
            "2026-04-01T00:00:00Z", AS_OF, {"consent-withdrawn-earlier-use"}, id="ended-before"
        ),
        pytest.param(
            EFFECTIVE, AS_OF, {"consent-withdrawn-earlier-use"}, id="boundary-ends-at-effect"
        ),
        pytest.param(s(EFFECTIVE), AS_OF, {"consent-withdrawn"}, id="one-second-after"),
        pytest.param(None, "2026-04-30T23:59:59Z", set(), id="not-yet-effective"),
        pytest.param(None, EFFECTIVE, {"consent-withdrawn"}, id="open-use-at-effect"),
    ],
)
def test_consent_withdrawn(use_until: str | None, as_of: str, expected: set[str]) -> None:
    records = (
        consent(1),
        disclosure(2, consent_ref=C1, until=use_until),
        withdrawal(3, C1, "2026-04-25T00:00:00Z", EFFECTIVE),
    )
    assert found(*records, as_of=as_of) == expected


def test_withdrawal_is_not_retroactive_and_says_so() -> None:
    records = (
        consent(1),
        disclosure(2, consent_ref=C1),
        withdrawal(3, C1, "2026-04-25T00:00:00Z", EFFECTIVE),
    )
    (finding,) = audit([registration(), attested(), *records], as_of=AS_OF)
    assert finding.severity == "error"
    assert finding.refs == (f"{P}/2", C1, f"{P}/3")
    assert "was lawful" in finding.message


def test_a_disclosure_started_after_the_withdrawal_is_not_lawful() -> None:
    records = (
        consent(1),
        withdrawal(2, C1, "2026-01-20T00:00:00Z", "2026-01-25T00:00:00Z"),
        disclosure(3, consent_ref=C1, start="2026-02-01T00:00:00Z", until="2026-03-01T00:00:00Z"),
    )
    assert found(*records) == {"consent-withdrawn"}


# --- subject-basis-none ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"basis": "public-figure"}, set(), id="public-figure"),
        pytest.param({"basis": "none"}, {"subject-basis-none"}, id="basis-none"),
        pytest.param({}, {"subject-basis-none"}, id="no-subjects"),
        pytest.param({"basis": "none", "person": False}, set(), id="boundary-no-real-person"),
    ],
)
def test_subject_basis_none(kwargs: dict[str, Any], expected: set[str]) -> None:
    assert found(disclosure(2, **kwargs)) == expected


# --- withdrawal-late: exactly the limit --------------------------------------------------


@pytest.mark.parametrize(
    ("effective", "policy", "expected"),
    [
        pytest.param("2026-03-10T00:00:00Z", None, set(), id="compliant"),
        pytest.param("2026-03-31T00:00:00Z", None, set(), id="boundary-exactly-30-days"),
        pytest.param("2026-03-31T00:00:01Z", None, {"withdrawal-late"}, id="one-second-over"),
        pytest.param(
            "2026-03-12T00:00:00Z",
            Policy(withdrawal_limit_days=10),
            {"withdrawal-late"},
            id="policy",
        ),
    ],
)
def test_withdrawal_late(effective: str, policy: Policy | None, expected: set[str]) -> None:
    records = consent(1), withdrawal(2, C1, "2026-03-01T00:00:00Z", effective)
    assert found(*records, policy=policy) == expected


def test_withdrawal_recorded_late_is_late_even_if_backdated() -> None:
    late = withdrawal(2, C1, "2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
    late["recorded_at"] = "2026-04-15T00:00:00Z"
    assert found(consent(1), late) == {"withdrawal-late"}


# --- labels ------------------------------------------------------------------------------

GEN = "trainedAlgorithmicMedia"


def labelled(**kw: Any) -> set[str]:
    use = {"source": GEN, "visible": "eu-ai-icon", "machine": ("c2pa",), "consent_ref": C1} | kw
    return found(consent(1, synthetic=True, jurisdictions=("*",)), disclosure(2, **use))


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        pytest.param({}, set(), id="compliant"),
        pytest.param({"visible": "none"}, {"label-eu-deepfake"}, id="no-visible-label"),
        pytest.param(
            {"visible": "content-credentials-icon"},
            {"label-eu-deepfake"},
            id="icon-does-not-say-ai",
        ),
        pytest.param(
            {"visible": "content-credentials-icon", "exception": True},
            set(),
            id="artistic-appropriate",
        ),
        pytest.param(
            {"visible": "none", "exception": True}, {"label-eu-deepfake"}, id="artistic-none"
        ),
        pytest.param({"visible": "none", "jurisdictions": ("GB",)}, set(), id="not-in-eu"),
        pytest.param(
            {"visible": "none", "jurisdictions": ("*",)},
            {"label-eu-deepfake", "label-cn-implicit"},
            id="worldwide-includes-china",
        ),
        pytest.param(
            {"visible": "none", "person": False, "consent_ref": None}, set(), id="no-person"
        ),
        pytest.param({"visible": "none", "source": "digitalCapture"}, set(), id="not-ai"),
        pytest.param(
            {"visible": "none", "source": "compositeWithTrainedAlgorithmicMedia"},
            {"label-eu-deepfake"},
            id="ai-edited",
        ),
        pytest.param(
            {"visible": "none", "start": "2026-03-01T00:00:00Z", "until": "2026-08-02T00:00:00Z"},
            set(),
            id="boundary-ended-when-art-50-applied",
        ),
        pytest.param(
            {"visible": "none", "start": "2026-03-01T00:00:00Z", "until": "2026-08-02T00:00:01Z"},
            {"label-eu-deepfake"},
            id="boundary-one-second-under-art-50",
        ),
    ],
)
def test_label_eu_deepfake(kw: dict[str, Any], expected: set[str]) -> None:
    assert labelled(**kw) == expected


@pytest.mark.parametrize(
    ("machine", "expected"),
    [
        pytest.param(("iptc-xmp",), set(), id="compliant"),
        pytest.param((), {"label-eu-machine-readable"}, id="none"),
        pytest.param(("exif",), {"label-eu-machine-readable"}, id="boundary-exif-is-not-marking"),
    ],
)
def test_label_eu_machine_readable(machine: tuple[str, ...], expected: set[str]) -> None:
    assert labelled(machine=machine) == expected


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        pytest.param({"machine": ("c2pa",)}, set(), id="compliant"),
        pytest.param({"machine": ("iptc-xmp",)}, {"label-ca-latent"}, id="metadata-only"),
        pytest.param({"machine": ("invisible-watermark",)}, set(), id="watermark"),
        pytest.param(
            {"machine": ("iptc-xmp",), "jurisdictions": ("US",)},
            {"label-ca-latent"},
            id="us-covers-ca",
        ),
        pytest.param(
            {"machine": ("iptc-xmp",), "jurisdictions": ("US-NY",)}, set(), id="other-state"
        ),
    ],
)
def test_label_ca_latent(kw: dict[str, Any], expected: set[str]) -> None:
    assert labelled(jurisdictions=kw.pop("jurisdictions", ("US-CA",)), **kw) == expected


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        pytest.param({"machine": ("metadata-other",)}, set(), id="compliant"),
        pytest.param({"machine": ("c2pa",)}, {"label-cn-implicit"}, id="c2pa-only"),
        pytest.param(
            {
                "machine": ("c2pa",),
                "start": "2025-01-01T00:00:00Z",
                "until": "2025-09-01T00:00:00Z",
            },
            set(),
            id="boundary-before-the-measures",
        ),
    ],
)
def test_label_cn_implicit(kw: dict[str, Any], expected: set[str]) -> None:
    c = consent(1, synthetic=True, jurisdictions=("*",), valid_from="2025-01-01T00:00:00Z")
    use = {"source": GEN, "visible": "text-on-image", "consent_ref": C1, "jurisdictions": ("CN",)}
    assert found(c, disclosure(2, **(use | kw))) == expected


# --- licence-ended -----------------------------------------------------------------------

LICENCE = "2026-06-30T00:00:00Z"


@pytest.mark.parametrize(
    ("use_until", "as_of", "expected"),
    [
        pytest.param("2026-05-01T00:00:00Z", AS_OF, set(), id="compliant"),
        pytest.param(LICENCE, AS_OF, set(), id="boundary-ends-with-licence"),
        pytest.param(s(LICENCE), AS_OF, {"licence-ended"}, id="one-second-over"),
        pytest.param(None, "2026-06-29T23:59:59Z", set(), id="licence-not-yet-ended"),
        pytest.param(None, LICENCE, {"licence-ended"}, id="open-use-at-end"),
    ],
)
def test_licence_ended(use_until: str | None, as_of: str, expected: set[str]) -> None:
    use = disclosure(2, person=False, until=use_until, licence_until=LICENCE)
    assert found(use, as_of=as_of) == expected


def test_a_retracted_image_is_out_of_use() -> None:
    retraction = record(
        "retraction",
        3,
        "2026-06-30T00:00:00Z",
        ref=f"{P}/2",
        reason="Licence ended.",
        effective_at=LICENCE,
    )
    assert found(disclosure(2, person=False, licence_until=LICENCE), retraction) == set()


# --- references --------------------------------------------------------------------------


def _ref(kind: str, target: str) -> dict[str, Any]:
    body = {"ref": target, "reason": "Fix."}
    if kind == "retraction":
        body["effective_at"] = "2026-03-01T00:00:00Z"
    else:
        body["corrected"] = {"description": "Corrected."}
    return record(kind, 3, "2026-03-01T00:00:00Z", **body)


@pytest.mark.parametrize(
    ("kind", "target", "expected"),
    [
        pytest.param("retraction", f"{P}/2", set(), id="compliant-retraction"),
        pytest.param("correction", f"{P}/2", set(), id="compliant-correction"),
        pytest.param("retraction", f"{P}/9", {"ref-missing"}, id="missing"),
        pytest.param("retraction", f"{P}/1", {"ref-missing"}, id="boundary-wrong-kind"),
        pytest.param("correction", "other/2", {"ref-other-publisher"}, id="other-publisher"),
    ],
)
def test_references(kind: str, target: str, expected: set[str]) -> None:
    records = consent(1), disclosure(2, consent_ref=C1), _ref(kind, target)
    assert found(*records) == expected


def test_withdrawal_and_subject_refs() -> None:
    assert found(withdrawal(2, f"{P}/9", "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")) == {
        "ref-missing"
    }
    assert found(disclosure(2, consent_ref="other/1")) == {"ref-other-publisher"}


def test_corrections_apply_before_auditing() -> None:
    fix = record(
        "correction",
        3,
        "2026-03-01T00:00:00Z",
        ref=f"{P}/2",
        reason="Not sold in the UK.",
        corrected={"jurisdictions": ["EU"]},
    )
    records = consent(1), disclosure(2, consent_ref=C1, jurisdictions=("EU", "GB"))
    assert found(*records) == {"consent-jurisdiction"}
    assert found(*records, fix) == set()
    assert found(*records, fix, as_of="2026-02-28T00:00:00Z") == {"consent-jurisdiction"}


# --- attestation-missing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "until", "expected"),
    [
        pytest.param("bias-representation", "2026-06-30T00:00:00Z", set(), id="compliant"),
        pytest.param("consent-compliance", "2025-11-27T00:00:00Z", set(), id="boundary-365-days"),
        pytest.param(
            "consent-compliance",
            "2025-11-26T23:59:59Z",
            {"attestation-missing"},
            id="one-second-old",
        ),
        pytest.param(
            "labelling", "2026-06-30T00:00:00Z", {"attestation-missing"}, id="wrong-scope"
        ),
    ],
)
def test_attestation_missing(scope: str, until: str, expected: set[str]) -> None:
    records = [registration(), attestation(1, scope, until, "2026-07-01T00:00:00Z")]
    assert {f.code for f in audit(records, as_of=AS_OF)} == expected


def test_a_new_publisher_is_not_due_yet() -> None:
    assert {
        f.code for f in audit([registration(admitted_at="2026-06-01T00:00:00Z")], as_of=AS_OF)
    } == set()
    assert {f.code for f in audit([registration()], as_of=AS_OF)} == {"attestation-missing"}


# --- engine ------------------------------------------------------------------------------


def test_records_after_as_of_are_ignored() -> None:
    late = disclosure(2, basis="none", at="2026-12-01T00:00:00Z")
    assert found(late) == set()
    assert found(late, as_of="2026-12-01T00:00:00Z") == {"subject-basis-none"}


def test_policy_overrides_severity_and_mutes() -> None:
    policy = Policy.from_config(
        {"policy": {"severity": {"subject-basis-none": "warning", "consent-purpose": "off"}}}
    )
    records = (
        consent(1),
        disclosure(2, basis="none"),
        disclosure(3, consent_ref=C1, purposes=("editorial",)),
    )
    report = audit([registration(), attested(), *records], as_of=AS_OF, policy=policy)
    assert [(f.code, f.severity) for f in report] == [("subject-basis-none", "warning")]
    assert report  # no error left


def test_policy_rejects_unknown_levels() -> None:
    with pytest.raises(RecordError):
        Policy.from_config({"policy": {"severity": {"licence-ended": "fatal"}}})


def test_publisher_filter_and_json() -> None:
    other = disclosure(1, basis="none", publisher="zeta")
    records = [registration(), registration("zeta"), attested(), disclosure(2, basis="none"), other]
    report = audit(records, as_of=AS_OF, publishers=["zeta"])
    assert {f.publisher for f in report} == {"zeta"}
    data = report.to_json()
    assert data["ok"] is False
    assert data["counts"]["error"] == 1
    assert data["findings"][0]["refs"] == ["zeta/1"]


def test_as_of_must_be_a_ledger_time() -> None:
    with pytest.raises(RecordError):
        audit([], as_of="2026-11-27")
