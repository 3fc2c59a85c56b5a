"""The controlled vocabularies shipped in imageledger.vocab and the lookups over them."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest

from imageledger import vocab
from imageledger.errors import RecordError

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
FILES = ["digital_source_type.json", "purposes.json", "jurisdictions.json", "labels.json"]
KEYS = {
    "digital_source_type.json": "id",
    "purposes.json": "id",
    "jurisdictions.json": "code",
    "labels.json": "id",
}


def terms(filename: str) -> list[dict[str, Any]]:
    text = resources.files("imageledger.vocab").joinpath(filename).read_text(encoding="utf-8")
    data: list[dict[str, Any]] = json.loads(text)["terms"]
    return data


# --- every file -------------------------------------------------------------------------


@pytest.mark.parametrize("filename", FILES)
def test_file_loads_with_unique_ids(filename: str) -> None:
    ids = [t[KEYS[filename]] for t in terms(filename)]
    assert ids
    assert len(ids) == len(set(ids))


def test_exported_sets_match_the_files() -> None:
    assert {t["uri"] for t in terms("digital_source_type.json")} == vocab.DIGITAL_SOURCE_TYPE_URIS
    assert {t["id"] for t in terms("purposes.json")} == vocab.PURPOSE_IDS
    assert {t["code"] for t in terms("jurisdictions.json")} == vocab.JURISDICTION_CODES
    labels = terms("labels.json")
    assert {t["id"] for t in labels if t["kind"] == "visible"} == vocab.VISIBLE_LABEL_IDS
    assert {t["id"] for t in labels if t["kind"] == "machine-readable"} == (
        vocab.MACHINE_READABLE_IDS
    )
    assert not vocab.VISIBLE_LABEL_IDS & vocab.MACHINE_READABLE_IDS


def test_unknown_module_attribute_still_raises() -> None:
    with pytest.raises(AttributeError):
        _ = vocab.NO_SUCH_SET  # type: ignore[attr-defined]


# --- IPTC digital source type -----------------------------------------------------------

REQUIRED_TERMS = [
    "digitalCapture", "computationalCapture", "negativeFilm", "positiveFilm", "print",
    "humanEdits", "compositeCapture", "algorithmicallyEnhanced", "dataDrivenMedia",
    "digitalArt", "digitalCreation", "virtualRecording", "compositeSynthetic",
    "trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia",
    "screenCapture", "composite", "softwareImage", "minorHumanEdits",
]  # fmt: skip


def test_source_type_terms_are_well_formed() -> None:
    for t in terms("digital_source_type.json"):
        assert t["uri"] == IPTC + t["id"]
        assert re.fullmatch(r"[a-z][A-Za-z]+", t["id"])
        assert t["label"]
        assert t["definition"]
        assert t["ai"] in ("generated", "edited", "none", "unknown")
        assert isinstance(t["retired"], bool)
        assert isinstance(t["c2pa"], bool)
        if "replaced_by" in t:
            assert t["retired"]
            assert t["replaced_by"] in vocab.DIGITAL_SOURCE_TYPE_URIS


def test_source_type_vocabulary_is_complete() -> None:
    assert {IPTC + term for term in REQUIRED_TERMS} == vocab.DIGITAL_SOURCE_TYPE_URIS


@pytest.mark.parametrize("uri", sorted(vocab.digital_source_type_uris()))
def test_every_uri_normalises_to_itself(uri: str) -> None:
    assert vocab.normalize_digital_source_type(uri) == uri
    assert vocab.source_type(uri).uri == uri


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("https://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
                     id="https"),
        pytest.param("trainedAlgorithmicMedia", id="bare-term"),
        pytest.param("  http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
                     id="leading-space"),
        pytest.param("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia\n",
                     id="trailing-newline"),
        pytest.param("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia/",
                     id="trailing-slash"),
        pytest.param(" https://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia/ ",
                     id="https-slash-spaces"),
        pytest.param("digsrctype:trainedAlgorithmicMedia", id="qcode"),
        pytest.param(" trainedAlgorithmicMedia ", id="bare-with-spaces"),
    ],
)  # fmt: skip
def test_variants_normalise(value: str) -> None:
    assert vocab.normalize_digital_source_type(value) == IPTC + "trainedAlgorithmicMedia"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("TrainedAlgorithmicMedia", id="wrong-case"),
        pytest.param("trainedAlgorithmicData", id="c2pa-term-bare"),
        pytest.param("http://c2pa.org/digitalsourcetype/trainedAlgorithmicData", id="c2pa-uri"),
        pytest.param(IPTC + "trainedAlgorithmicData", id="c2pa-term-in-iptc-scheme"),
        pytest.param(IPTC, id="scheme-only"),
        pytest.param("http://example.org/digitalsourcetype/digitalCapture", id="other-host"),
        pytest.param(IPTC + "digitalCapture//", id="two-slashes"),
        pytest.param("ai-generated", id="free-text"),
    ],
)
def test_unknown_source_type_is_rejected_with_code(value: str) -> None:
    with pytest.raises(RecordError) as info:
        vocab.normalize_digital_source_type(value)
    assert info.value.code == "vocab-unknown-source-type"


def test_non_string_source_type_is_rejected_with_code() -> None:
    with pytest.raises(RecordError) as info:
        vocab.normalize_digital_source_type(None)  # type: ignore[arg-type]
    assert info.value.code == "vocab-unknown-source-type"


@pytest.mark.parametrize(
    ("term", "replaced_by"),
    [
        pytest.param("softwareImage", None, id="softwareImage"),
        pytest.param("minorHumanEdits", "humanEdits", id="minorHumanEdits"),
        pytest.param("digitalArt", "digitalCreation", id="digitalArt"),
    ],
)
def test_retired_terms_are_flagged(term: str, replaced_by: str | None) -> None:
    st = vocab.source_type(term)
    assert st.retired
    assert not st.c2pa
    assert st.replaced_by == (IPTC + replaced_by if replaced_by else None)


def test_only_the_three_retired_terms_are_retired() -> None:
    retired = {t.id for t in map(vocab.source_type, vocab.DIGITAL_SOURCE_TYPE_URIS) if t.retired}
    assert retired == {"softwareImage", "minorHumanEdits", "digitalArt"}


@pytest.mark.parametrize(
    ("term", "generated", "edited"),
    [
        pytest.param("trainedAlgorithmicMedia", True, False, id="trainedAlgorithmicMedia"),
        pytest.param("compositeWithTrainedAlgorithmicMedia", False, True, id="compositeWithTAM"),
        pytest.param("compositeSynthetic", False, True, id="compositeSynthetic"),
        pytest.param("digitalCapture", False, False, id="digitalCapture"),
        pytest.param("computationalCapture", False, False, id="computationalCapture"),
        pytest.param("algorithmicMedia", False, False, id="algorithmicMedia"),
        pytest.param("composite", False, False, id="composite-unknown"),
    ],
)
def test_ai_involvement(term: str, generated: bool, edited: bool) -> None:
    assert vocab.is_ai_generated(term) is generated
    assert vocab.is_ai_edited(term) is edited


def test_digital_capture_is_not_ai() -> None:
    assert vocab.source_type("digitalCapture").ai == "none"
    assert vocab.source_type("composite").ai == "unknown"


# --- purposes ---------------------------------------------------------------------------

# Every concept in DPV 2.1 (w3c/dpv 2.1/dpv/modules/purposes.csv, 2.1/ai/modules/*.csv)
# that purposes.json uses; a new mapping must be checked against DPV and added here.
DPV_CONCEPTS = {
    "dpv:Purpose", "dpv:Advertising", "dpv:PersonalisedAdvertising", "dpv:Marketing",
    "dpv:DirectMarketing", "dpv:SocialMediaMarketing", "dpv:PublicRelations",
    "dpv:SellProducts", "dpv:SellDataToThirdParties", "dpv:ServiceProvision",
    "dpv:PoliticalCampaign", "dpv:ResearchAndDevelopment", "dpv:IdentityVerification",
    "dpv:RecordManagement",
}  # fmt: skip
DPV_AI_CONCEPTS = {"ai:TrainingData", "ai:ImageGeneration"}


def test_purposes_are_well_formed() -> None:
    for p in vocab.purposes():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", p.id)
        assert p.label
        assert p.description
        assert p.dpv
        assert set(p.dpv) <= DPV_CONCEPTS
        assert set(p.dpv_ai) <= DPV_AI_CONCEPTS
        if p.dpv == ("dpv:Purpose",):
            assert p.dpv_note, f"{p.id} maps to the DPV root and must say why"


@pytest.mark.parametrize(
    ("purpose_id", "dpv"),
    [
        pytest.param("advertising", "dpv:Advertising", id="advertising"),
        pytest.param("marketing", "dpv:Marketing", id="marketing"),
        pytest.param("ai-model-training", "dpv:ResearchAndDevelopment", id="ai-training"),
        pytest.param("identity-verification", "dpv:IdentityVerification", id="identity"),
    ],
)
def test_purpose_lookup(purpose_id: str, dpv: str) -> None:
    assert dpv in vocab.purpose(purpose_id).dpv


def test_unknown_purpose_is_rejected_with_code() -> None:
    with pytest.raises(RecordError) as info:
        vocab.purpose("Advertising")
    assert info.value.code == "vocab-unknown-purpose"


# --- jurisdictions ----------------------------------------------------------------------


def test_jurisdiction_codes_are_well_formed() -> None:
    codes = vocab.JURISDICTION_CODES
    countries = [c for c in codes if vocab.jurisdiction(c).kind == "country"]
    assert len(countries) == 249
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in countries)
    for code in codes:
        j = vocab.jurisdiction(code)
        assert j.name
        assert set(j.members) <= codes
        if j.kind == "subdivision":
            assert j.parent in codes
            assert code.startswith(f"{j.parent}-")
        for law in j.laws:
            assert law.effective is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", law.effective)
    assert {"US-CA", "US-NY", "US-TX", "US-IL", "US-WA", "US-CO", "US-UT", "US-TN"} <= codes
    assert len(vocab.jurisdiction("EU").members) == 27
    assert set(vocab.jurisdiction("EEA").members) == set(vocab.jurisdiction("EU").members) | {
        "IS",
        "LI",
        "NO",
    }


def test_eu_expansion() -> None:
    eu = vocab.expand_jurisdiction("EU")
    assert {"DE", "FR", "EU"} <= eu
    assert not {"GB", "NO", "CH"} & eu


def test_expansion_of_country_world_and_subdivision() -> None:
    assert "US-CA" in vocab.expand_jurisdiction("US")
    assert vocab.expand_jurisdiction("US-CA") == {"US-CA"}
    assert vocab.expand_jurisdiction("*") == vocab.JURISDICTION_CODES


def test_laws_are_noted_where_relevant() -> None:
    assert any("Art. 50" in law.name for law in vocab.jurisdiction("EU").laws)
    assert any("SB 942" in law.name for law in vocab.jurisdiction("US-CA").laws)
    assert any("GB 45438-2025" in law.name for law in vocab.jurisdiction("CN").laws)


COVERS = [
    ("*", "*", True, "world-covers-world"),
    ("*", "EU", True, "world-covers-union"),
    ("*", "JP", True, "world-covers-country"),
    ("*", "US-CA", True, "world-covers-subdivision"),
    ("EU", "EU", True, "union-covers-itself"),
    ("EU", "DE", True, "eu-covers-member"),
    ("EU", "FR", True, "eu-covers-other-member"),
    ("EU", "GB", False, "eu-not-uk"),
    ("EU", "NO", False, "eu-not-eea-only"),
    ("EU", "EEA", False, "eu-not-eea"),
    ("EU", "*", False, "union-not-world"),
    ("EEA", "NO", True, "eea-covers-norway"),
    ("EEA", "DE", True, "eea-covers-eu-member"),
    ("EEA", "EU", True, "eea-covers-eu-as-a-whole"),
    ("DE", "EU", False, "member-not-union"),
    ("DE", "DE", True, "country-covers-itself"),
    ("DE", "FR", False, "country-not-other-country"),
    ("US", "US-CA", True, "country-covers-state"),
    ("US", "US-DC", True, "country-covers-district"),
    ("US-CA", "US", False, "state-not-country"),
    ("US-CA", "US-CA", True, "state-covers-itself"),
    ("US-CA", "US-NY", False, "state-not-other-state"),
    ("GB", "US", False, "unrelated-countries"),
    ("JP", "*", False, "country-not-world"),
    ("US-CA", "EU", False, "state-not-union"),
]


@pytest.mark.parametrize(
    ("granted", "used", "expected"),
    [pytest.param(g, u, e, id=name) for g, u, e, name in COVERS],
)
def test_covers(granted: str, used: str, expected: bool) -> None:
    assert vocab.covers(granted, used) is expected


@pytest.mark.parametrize(
    ("granted", "used"),
    [
        pytest.param("UK", "GB", id="granted-unknown"),
        pytest.param("US", "US-XX", id="used-unknown"),
        pytest.param("eu", "DE", id="lower-case"),
        pytest.param("", "DE", id="empty"),
    ],
)
def test_covers_rejects_unknown_codes(granted: str, used: str) -> None:
    with pytest.raises(RecordError) as info:
        vocab.covers(granted, used)
    assert info.value.code == "vocab-unknown-jurisdiction"


# --- labels -----------------------------------------------------------------------------


def test_labels() -> None:
    assert {"eu-ai-icon", "text-caption", "watermark-visible", "none"} <= vocab.VISIBLE_LABEL_IDS
    assert {"c2pa", "iptc-xmp", "invisible-watermark", "exif", "metadata-other"} == (
        vocab.MACHINE_READABLE_IDS
    )
    assert vocab.label("c2pa").kind == "machine-readable"
    assert vocab.label("none").kind == "visible"


def test_unknown_label_is_rejected_with_code() -> None:
    with pytest.raises(RecordError) as info:
        vocab.label("C2PA")
    assert info.value.code == "vocab-unknown-label"
