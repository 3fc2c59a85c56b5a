"""Cross-checks of a disclosure's claims against the file's own metadata: one case per code."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from imaging_fixtures import DST

from imageledger.errors import Severity
from imageledger.imaging.c2pa_read import C2paFacts
from imageledger.imaging.crosscheck import check_claims
from imageledger.imaging.facts import ImageFacts
from imageledger.imaging.identity import ImageIdentity
from imageledger.imaging.pdq import PdqHash
from imageledger.imaging.xmp import XmpFacts

PDQ = PdqHash(bytes(range(32)), 90)
IDENTITY = ImageIdentity("ab" * 32, "image/jpeg", 1000, 640, 480, PDQ)
RECORD: dict[str, Any] = {
    "schema": "imageledger/disclosure/v1",
    "image": {
        "sha256": "ab" * 32,
        "pdq": {"alg": "pdq/1", "hash": PDQ.hex, "quality": 90},
        "media_type": "image/jpeg",
        "width": 640,
        "height": 480,
    },
    "ai": {"digital_source_type": DST + "digitalCapture", "resembles_real_person": False},
    "labels": {"visible": "none", "machine_readable": []},
    "purposes": ["advertising"],
    "rights": {"copyright_owner": "Acme", "licence": "all-rights-reserved"},
}
NO_C2PA = C2paFacts("absent")


def c2pa(*dsts: str, valid: bool = True, training: tuple = ()) -> C2paFacts:
    return C2paFacts(
        "embedded",
        validation_state="Valid" if valid else "Invalid",
        failure_codes=() if valid else ("assertion.dataHash.mismatch",),
        digital_source_types=tuple(DST + d for d in dsts),
        training_mining=training,
    )


def record(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(RECORD)
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        target = out
        for key in path:
            target = target[key]
        target[last] = value
    return out


def flipped(n: int) -> str:
    value = int.from_bytes(PDQ.bits, "big") ^ ((1 << n) - 1)
    return value.to_bytes(32, "big").hex()


CASES = {
    "consistent": (RECORD, IDENTITY, None, NO_C2PA, []),
    "sha256": (record(image__sha256="cd" * 32), IDENTITY, None, NO_C2PA, ["image-sha256-mismatch"]),
    "media-type": (
        record(image__media_type="image/png"),
        IDENTITY,
        None,
        NO_C2PA,
        ["image-media-type-mismatch"],
    ),
    "dimensions": (
        record(image__width=641),
        IDENTITY,
        None,
        NO_C2PA,
        ["image-dimensions-mismatch"],
    ),
    "pdq-within": (
        record(image__pdq={"alg": "pdq/1", "hash": flipped(31), "quality": 90}),
        IDENTITY,
        None,
        NO_C2PA,
        [],
    ),
    "pdq-beyond": (
        record(image__pdq={"alg": "pdq/1", "hash": flipped(32), "quality": 90}),
        IDENTITY,
        None,
        NO_C2PA,
        ["image-pdq-mismatch"],
    ),
    "pdq-low-quality": (
        record(image__pdq={"alg": "pdq/1", "hash": flipped(80), "quality": 20}),
        IDENTITY,
        None,
        NO_C2PA,
        ["image-pdq-low-quality"],
    ),
    "capture-vs-c2pa-generated": (
        RECORD,
        IDENTITY,
        None,
        c2pa("trainedAlgorithmicMedia"),
        ["claim-ai-contradicts-c2pa"],
    ),
    "capture-vs-c2pa-edited": (
        RECORD,
        IDENTITY,
        None,
        c2pa("compositeWithTrainedAlgorithmicMedia"),
        ["claim-ai-contradicts-c2pa"],
    ),
    "capture-vs-invalid-c2pa": (
        RECORD,
        IDENTITY,
        None,
        c2pa("trainedAlgorithmicMedia", valid=False),
        ["image-c2pa-invalid"],
    ),
    "capture-vs-xmp": (
        RECORD,
        IDENTITY,
        XmpFacts(digital_source_type=DST + "trainedAlgorithmicMedia"),
        NO_C2PA,
        ["claim-ai-contradicts-xmp"],
    ),
    "edited-vs-generated": (
        record(ai__digital_source_type=DST + "compositeWithTrainedAlgorithmicMedia"),
        IDENTITY,
        None,
        c2pa("trainedAlgorithmicMedia"),
        ["claim-ai-understated"],
    ),
    "generated-agrees": (
        record(ai__digital_source_type=DST + "trainedAlgorithmicMedia"),
        IDENTITY,
        XmpFacts(digital_source_type=DST + "trainedAlgorithmicMedia"),
        c2pa("trainedAlgorithmicMedia"),
        [],
    ),
    "training-vs-xmp": (
        record(purposes=["ai-model-training"]),
        IDENTITY,
        XmpFacts(data_mining="DMI-PROHIBITED-AIMLTRAINING"),
        NO_C2PA,
        ["claim-training-prohibited-xmp"],
    ),
    "training-vs-c2pa-constrained": (
        record(purposes=["ai-model-training"]),
        IDENTITY,
        None,
        c2pa("digitalCapture", training=(("c2pa.ai_training", "constrained"),)),
        ["claim-training-prohibited-c2pa"],
    ),
    "training-vs-cawg-notallowed": (
        record(purposes=["ai-model-training"]),
        IDENTITY,
        None,
        c2pa("digitalCapture", training=(("cawg.ai_generative_training", "notAllowed"),)),
        ["claim-training-prohibited-c2pa"],
    ),
    "training-allowed": (
        record(purposes=["ai-model-training"]),
        IDENTITY,
        XmpFacts(data_mining="DMI-ALLOWED"),
        c2pa("digitalCapture", training=(("c2pa.ai_training", "allowed"),)),
        [],
    ),
    "training-under-licence": (
        record(purposes=["ai-model-training"], rights__licence="https://acme.example/licence"),
        IDENTITY,
        XmpFacts(data_mining="DMI-PROHIBITED"),
        NO_C2PA,
        ["claim-training-licensed"],
    ),
    "no-training-purpose": (
        RECORD,
        IDENTITY,
        XmpFacts(data_mining="DMI-PROHIBITED-AIMLTRAINING"),
        NO_C2PA,
        [],
    ),
    "person-without-release": (
        record(ai__resembles_real_person=True),
        IDENTITY,
        XmpFacts(model_release_status="MR-NON"),
        NO_C2PA,
        ["claim-person-no-model-release"],
    ),
    "labels-missing": (
        record(labels__machine_readable=["c2pa", "iptc-xmp"]),
        IDENTITY,
        XmpFacts(),
        NO_C2PA,
        ["claim-label-c2pa-missing", "claim-label-xmp-missing"],
    ),
}
WARNINGS = {
    "image-pdq-low-quality",
    "image-c2pa-invalid",
    "claim-ai-understated",
    "claim-training-licensed",
    "claim-person-no-model-release",
    "claim-label-c2pa-missing",
    "claim-label-xmp-missing",
}


@pytest.mark.parametrize(
    ("rec", "ident", "xmp", "manifest", "codes"), CASES.values(), ids=CASES.keys()
)
def test_claims(rec, ident, xmp, manifest, codes) -> None:
    findings = check_claims(rec, ImageFacts(ident, xmp, manifest))
    assert [f.code for f in findings] == codes
    for f in findings:
        assert (f.severity is Severity.WARNING) == (f.code in WARNINGS)
        assert f.location.field
        assert "\n" not in f.diagnostics()
