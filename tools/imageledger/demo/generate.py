"""Generate the demo ledger under ``ledger/``, byte for byte the same every time.

    python -m imageledger.demo.generate [REPO]

Three fictional publishers (``.example`` domains), real photographs from scikit-image's
sample images, DEMO keys derived from the published seed, fixed times.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

from imageledger import authoring
from imageledger.consent.secret import commitment
from imageledger.core import canonical, schemas, strict_yaml
from imageledger.core.keys import PrivateKey, format_verifier_key
from imageledger.demo import keys as demo_keys
from imageledger.demo.images import sample
from imageledger.imaging.identity import identify_file
from imageledger.log.checkpoint import format_cosigner_key
from imageledger.storage.files import write_atomic
from imageledger.storage.layout import Layout

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
ORIGIN = "demo.imageledger.example/log"


def demo_secret(label: str) -> bytes:
    """A DEMO receipt or subject secret: derived from its label, so it is public."""
    return hashlib.sha256(b"imageledger/demo-secret/v1\n" + label.encode()).digest()


def receipt_commitment(secret: bytes) -> str:
    """The ledger's commitment to a receipt secret (a DEMO secret is 160 bits of
    ``demo_secret``: public, so anyone can try the lookup on the demo site)."""
    return commitment(secret[:20])


def subject_commitment(label: str) -> str:
    return canonical.sha256_ref(b"imageledger/subject/v1\n" + demo_secret("subject:" + label))


class _Chain:
    """Appends records to one publisher's chain in memory."""

    def __init__(self, publisher: str, registration: dict[str, Any]) -> None:
        self.publisher = publisher
        self.seq = 0
        self.prev = canonical.record_hash(registration)
        self.files: dict[str, dict[str, Any]] = {}

    def add(self, kind: str, at: str, signer: PrivateKey, /, **body: Any) -> str:
        self.seq += 1
        draft = {"schema": schemas.schema_id(kind), **body}
        record = authoring.seal(
            draft,
            publisher=self.publisher,
            seq=self.seq,
            prev=self.prev,
            recorded_at=at,
            key=signer,
        )
        self.prev = canonical.record_hash(record)
        self.files[f"{self.seq:06d}"] = record
        return f"{self.publisher}/{self.seq}"


def _image(name: str, *urls: str) -> dict[str, Any]:
    """The disclosure's ``image``: SHA-256, PDQ (full decode), type, size of the sample."""
    out = identify_file(sample(name).path, fast=False).to_record()
    if urls:
        out["published_urls"] = list(urls)
    return out


def _disclosure(
    image: dict[str, Any],
    source: str,
    *,
    person: bool,
    purposes: list[str],
    jurisdictions: list[str],
    owner: str,
    licence: str = "all-rights-reserved",
    system: dict[str, str] | None = None,
    visible: str = "none",
    machine: list[str] | None = None,
    subjects: list[dict[str, str]] | None = None,
    period: dict[str, str] | None = None,
    description: str | None = None,
    actions: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    ai: dict[str, Any] = {"digital_source_type": DST + source, "resembles_real_person": person}
    if system:
        ai["system"] = system
    if actions:
        ai["actions"] = actions
    body: dict[str, Any] = {
        "image": image,
        "ai": ai,
        "labels": {"visible": visible, "machine_readable": machine or []},
        "purposes": purposes,
        "jurisdictions": jurisdictions,
        "rights": {"copyright_owner": owner, "licence": licence},
    }
    if subjects:
        body["subjects"] = subjects
    if period:
        body["period"] = period
    if description:
        body["description"] = description
    return body


def _consent(
    label: str,
    purposes: list[str],
    jurisdictions: list[str],
    valid: dict[str, str],
    *,
    likeness: bool = True,
    training: bool = False,
    synthetic: bool = False,
    basis: str = "gdpr-6-1-a",
    method: str = "electronic-signature",
    withdrawal: str,
    notice: str,
) -> dict[str, Any]:
    return {
        "subject": {"commitment": subject_commitment(label)},
        "purposes": purposes,
        "jurisdictions": jurisdictions,
        "valid": valid,
        "scope": {"likeness": likeness, "ai_training": training, "synthetic_likeness": synthetic},
        "legal_basis": basis,
        "collection": {"method": method, "withdrawal": withdrawal},
        "notice": {"url": notice, "sha256": hashlib.sha256(notice.encode()).hexdigest()},
        "receipt": receipt_commitment(demo_secret("receipt:" + label)),
    }


def _attestation(
    auditor: str, scope: str, start: str, end: str, url: str, **summary: int
) -> dict[str, Any]:
    return {
        "auditor": {"name": auditor},
        "scope": scope,
        "period": {"from": start, "until": end},
        "report": {"url": url, "sha256": hashlib.sha256(url.encode()).hexdigest()},
        "summary": summary,
    }


def northwind(reg: dict[str, Any]) -> _Chain:
    c, k1, k2 = (
        _Chain("northwind", reg),
        demo_keys.publisher("northwind"),
        demo_keys.publisher("northwind", 1),
    )
    owner = "Northwind Outfitters Ltd."
    wd = "https://northwind.example/privacy/withdraw"
    notice = "https://northwind.example/legal/model-consent-2026"
    system = {"name": "ExampleDiffusion", "version": "3.1", "provider": "Example AI Labs"}
    m1 = c.add(
        "consent",
        "2026-01-12T09:00:00Z",
        k1,
        **_consent(
            "northwind-model-1",
            ["advertising", "marketing", "likeness-synthesis"],
            ["EU", "US-CA"],
            {"from": "2026-01-12T00:00:00Z", "until": "2027-01-12T00:00:00Z"},
            synthetic=True,
            withdrawal=wd,
            notice=notice,
            basis="gdpr-9-2-a",
        ),
    )
    m2 = c.add(
        "consent",
        "2026-01-20T10:30:00Z",
        k1,
        **_consent(
            "northwind-model-2",
            ["advertising"],
            ["EU"],
            {"from": "2026-01-20T00:00:00Z", "until": "2026-07-20T00:00:00Z"},
            withdrawal=wd,
            notice=notice,
        ),
    )
    m3 = c.add(
        "consent",
        "2026-02-02T14:00:00Z",
        k1,
        **_consent(
            "northwind-model-3",
            ["advertising", "ai-model-training"],
            ["US-CA"],
            {"from": "2026-02-01T00:00:00Z"},
            training=True,
            synthetic=True,
            basis="ccpa-opt-in",
            withdrawal=wd,
            notice=notice,
        ),
    )
    c.add(
        "disclosure",
        "2026-02-10T08:00:00Z",
        k1,
        **_disclosure(
            _image("astronaut.png", "https://northwind.example/campaigns/spring/hero.png"),
            "compositeWithTrainedAlgorithmicMedia",
            person=True,
            purposes=["advertising"],
            jurisdictions=["EU", "US-CA"],
            owner=owner,
            system=system,
            visible="eu-ai-icon",
            machine=["c2pa", "iptc-xmp"],
            subjects=[{"basis": "consent", "consent": m1}],
            period={"from": "2026-03-01T00:00:00Z", "until": "2026-09-30T00:00:00Z"},
            description="Spring campaign hero: model photographed, background generated.",
            actions=[
                {"action": "c2pa.created", "digital_source_type": DST + "digitalCapture"},
                {
                    "action": "c2pa.edited",
                    "digital_source_type": DST + "compositeWithTrainedAlgorithmicMedia",
                },
            ],
        ),
    )
    coffee = c.add(
        "disclosure",
        "2026-02-11T08:00:00Z",
        k1,
        **_disclosure(
            _image("coffee.png", "https://northwind.example/shop/cafe-set.png"),
            "digitalCapture",
            person=False,
            purposes=["product-catalogue"],
            jurisdictions=["*"],
            owner=owner,
            description="Product photograph of the café set, unretouched.",
        ),
    )
    c.add(
        "disclosure",
        "2026-02-20T16:45:00Z",
        k1,
        **_disclosure(
            _image("camera.png"),
            "algorithmicallyEnhanced",
            person=True,
            purposes=["advertising"],
            jurisdictions=["EU"],
            owner=owner,
            visible="text-caption",
            machine=["iptc-xmp"],
            subjects=[{"basis": "consent", "consent": m2}],
            period={"from": "2026-03-01T00:00:00Z", "until": "2026-05-08T00:00:00Z"},
            description="Heritage-range poster; denoised and sharpened.",
        ),
    )
    cat = c.add(
        "disclosure",
        "2026-03-03T11:00:00Z",
        k1,
        **_disclosure(
            _image("chelsea.png", "https://northwind.example/social/pets.png"),
            "trainedAlgorithmicMedia",
            person=False,
            purposes=["social-media"],
            jurisdictions=["EU", "US-CA"],
            owner=owner,
            system=system,
            visible="eu-ai-icon",
            machine=["c2pa"],
            description="Generated pet-range teaser.",
        ),
    )
    c.add(
        "audit-attestation",
        "2026-03-31T17:00:00Z",
        k1,
        **_attestation(
            "Brightline Assurance LLP",
            "consent-compliance",
            "2026-01-01T00:00:00Z",
            "2026-03-31T00:00:00Z",
            "https://brightline.example/reports/northwind-2026-q1",
            disclosures_reviewed=4,
            consents_reviewed=3,
            findings=0,
        ),
    )
    c.add(
        "consent-withdrawal",
        "2026-05-02T09:15:00Z",
        k1,
        consent=m2,
        requested_at="2026-05-01T18:20:00Z",
        effective_at="2026-05-08T00:00:00Z",
    )
    c.add(
        "correction",
        "2026-05-04T10:00:00Z",
        k1,
        ref=coffee,
        reason="The catalogue photograph is licensed CC BY 4.0, not all rights reserved.",
        corrected={"rights": {"copyright_owner": owner, "licence": "CC-BY-4.0"}},
    )
    c.add(
        "key-rotation",
        "2026-06-01T00:00:00Z",
        k1,
        new_key=format_verifier_key(k2.verifier),
        retire=[k1.verifier.ref],
        reason="Scheduled yearly rotation.",
    )
    c.add(
        "retraction",
        "2026-06-03T12:00:00Z",
        k2,
        ref=cat,
        reason="Teaser withdrawn from all channels.",
        effective_at="2026-06-03T00:00:00Z",
    )
    c.add(
        "disclosure",
        "2026-06-15T09:00:00Z",
        k2,
        **_disclosure(
            _image("color.png"),
            "digitalArt",
            person=False,
            purposes=["marketing"],
            jurisdictions=["EU"],
            owner=owner,
            visible="none",
            machine=["iptc-xmp"],
            description="Colour-range swatch artwork.",
        ),
    )
    m4 = c.add(
        "consent",
        "2026-07-01T13:00:00Z",
        k2,
        **_consent(
            "northwind-model-4",
            ["advertising", "likeness-synthesis"],
            ["EU"],
            {"from": "2026-07-01T00:00:00Z", "until": "2027-06-30T00:00:00Z"},
            synthetic=True,
            basis="gdpr-9-2-a",
            withdrawal=wd,
            notice=notice,
        ),
    )
    c.add(
        "disclosure",
        "2026-07-10T08:30:00Z",
        k2,
        **_disclosure(
            _image("motorcycle_left.png", "https://northwind.example/campaigns/ride/left.png"),
            "compositeWithTrainedAlgorithmicMedia",
            person=True,
            purposes=["advertising"],
            jurisdictions=["EU"],
            owner=owner,
            system=system,
            visible="eu-ai-icon",
            machine=["c2pa", "iptc-xmp"],
            subjects=[{"basis": "consent", "consent": m4}],
            period={"from": "2026-07-15T00:00:00Z"},
            description="Ride campaign: generated rider in the consenting model's likeness.",
        ),
    )
    c.add(
        "disclosure",
        "2026-08-01T08:30:00Z",
        k2,
        **_disclosure(
            _image("logo.png"),
            "digitalArt",
            person=False,
            purposes=["marketing"],
            jurisdictions=["*"],
            owner=owner,
            licence="all-rights-reserved",
            description="Brand mark.",
        ),
    )
    c.add(
        "audit-attestation",
        "2026-10-05T17:00:00Z",
        k2,
        **_attestation(
            "Brightline Assurance LLP",
            "bias-representation",
            "2026-01-01T00:00:00Z",
            "2026-09-30T00:00:00Z",
            "https://brightline.example/reports/northwind-2026-bias",
            images_reviewed=9,
            people_depicted=3,
            synthetic_people=1,
        ),
    )
    c.add(
        "consent",
        "2026-10-20T09:00:00Z",
        k2,
        **_consent(
            "northwind-model-5",
            ["ai-model-training"],
            ["US-CA"],
            {"from": "2026-10-20T00:00:00Z", "until": "2027-10-20T00:00:00Z"},
            training=True,
            likeness=False,
            basis="ccpa-opt-in",
            withdrawal=wd,
            notice=notice,
        ),
    )
    for index, name in enumerate(("coins.png", "page.png", "clock_motion.png", "cell.png")):
        c.add(
            "disclosure",
            f"2026-11-{index + 2:02d}T08:00:00Z",
            k2,
            **_disclosure(
                _image(name),
                "trainedAlgorithmicMedia",
                person=False,
                purposes=["advertising", "social-media"],
                jurisdictions=["EU", "US-CA"],
                owner=owner,
                system=system,
                visible="eu-ai-icon",
                machine=["c2pa", "iptc-xmp"],
                description=f"Winter campaign background plate {index + 1}, generated.",
            ),
        )
    c.add(
        "disclosure",
        "2026-11-10T08:00:00Z",
        k2,
        **_disclosure(
            _image("color.png"),
            "trainedAlgorithmicMedia",
            person=True,
            purposes=["ai-model-training"],
            jurisdictions=["US-CA"],
            owner=owner,
            system=system,
            visible="none",
            machine=["c2pa"],
            subjects=[{"basis": "consent", "consent": m3}],
            description="Training-set preview built from the consenting model's session.",
        ),
    )
    return c


def harbourlight(reg: dict[str, Any]) -> _Chain:
    c = _Chain("harbourlight", reg)
    primary, backup = demo_keys.publisher("harbourlight"), demo_keys.publisher("harbourlight", 1)
    owner = "Harbourlight Press Agency"
    wd = "https://harbourlight.example/contributors/withdraw"
    notice = "https://harbourlight.example/legal/subject-release-v3"
    launch = c.add(
        "disclosure",
        "2026-01-08T06:00:00Z",
        primary,
        **_disclosure(
            _image("rocket.jpg", "https://harbourlight.example/wire/2026/launch.jpg"),
            "digitalCapture",
            person=False,
            purposes=["editorial"],
            jurisdictions=["*"],
            owner=owner,
            licence="https://harbourlight.example/licensing/editorial",
            description="Wire photograph of a launch; no alteration beyond cropping.",
        ),
    )
    c.add(
        "disclosure",
        "2026-01-15T06:00:00Z",
        primary,
        **_disclosure(
            _image(
                "hubble_deep_field.jpg", "https://harbourlight.example/wire/2026/deep-field.jpg"
            ),
            "algorithmicallyEnhanced",
            person=False,
            purposes=["editorial"],
            jurisdictions=["*"],
            owner="Public domain (NASA/ESA)",
            licence="public-domain",
            visible="text-caption",
            description="Survey image, contrast-stretched for print.",
        ),
    )
    c.add(
        "disclosure",
        "2026-02-01T07:30:00Z",
        primary,
        **_disclosure(
            _image("coins.png"),
            "digitalCapture",
            person=False,
            purposes=["editorial", "archival"],
            jurisdictions=["*"],
            owner=owner,
            description="Archive photograph of a coin hoard.",
        ),
    )
    s1 = c.add(
        "consent",
        "2026-02-14T12:00:00Z",
        primary,
        **_consent(
            "harbourlight-subject-1",
            ["editorial", "stock-licensing"],
            ["EU", "GB"],
            {"from": "2026-02-14T00:00:00Z", "until": "2028-02-14T00:00:00Z"},
            withdrawal=wd,
            notice=notice,
            method="written",
        ),
    )
    portrait = c.add(
        "disclosure",
        "2026-02-20T07:00:00Z",
        primary,
        **_disclosure(
            _image("page.png"),
            "print",
            person=False,
            purposes=["archival"],
            jurisdictions=["*"],
            owner=owner,
            description="Scan of a printed page from the 1962 archive.",
        ),
    )
    c.add(
        "disclosure",
        "2026-03-02T07:00:00Z",
        primary,
        **_disclosure(
            _image("text.png"),
            "screenCapture",
            person=False,
            purposes=["editorial"],
            jurisdictions=["*"],
            owner=owner,
            description="Screenshot illustrating a news story.",
        ),
    )
    c.add(
        "disclosure",
        "2026-03-20T07:00:00Z",
        primary,
        **_disclosure(
            _image("horse.png"),
            "humanEdits",
            person=False,
            purposes=["editorial"],
            jurisdictions=["EU", "GB"],
            owner=owner,
            subjects=[],
            description="Silhouette illustration cut out by a picture editor.",
        ),
    )
    c.add(
        "key-revocation",
        "2026-04-02T08:00:00Z",
        backup,
        key=primary.verifier.ref,
        compromised_at="2026-04-01T00:00:00Z",
        reason="Laptop holding the primary key was stolen on 2026-04-01.",
    )
    c.add(
        "correction",
        "2026-04-03T09:00:00Z",
        backup,
        ref=portrait,
        reason="The scan is of a 1961 page, not 1962.",
        corrected={"description": "Scan of a printed page from the 1961 archive."},
    )
    c.add(
        "disclosure",
        "2026-04-10T07:00:00Z",
        backup,
        **_disclosure(
            _image("clock_motion.png"),
            "computationalCapture",
            person=False,
            purposes=["editorial"],
            jurisdictions=["*"],
            owner=owner,
            description="Long exposure; in-camera computational stacking.",
        ),
    )
    c.add(
        "audit-attestation",
        "2026-04-30T17:00:00Z",
        backup,
        **_attestation(
            "Meridian Media Audit",
            "labelling",
            "2026-01-01T00:00:00Z",
            "2026-03-31T00:00:00Z",
            "https://meridian.example/audits/harbourlight-q1",
            images_reviewed=6,
            unlabelled=0,
        ),
    )
    c.add(
        "disclosure",
        "2026-05-12T07:00:00Z",
        backup,
        **_disclosure(
            _image("retina.jpg"),
            "dataDrivenMedia",
            person=False,
            purposes=["editorial", "research"],
            jurisdictions=["*"],
            owner="Fictional Eye Institute",
            licence="CC-BY-4.0",
            description="Fundus photograph supplied for a health feature.",
        ),
    )
    c.add(
        "retraction",
        "2026-06-01T10:00:00Z",
        backup,
        ref=launch,
        reason="Misattributed: the photograph was not ours to distribute.",
        effective_at="2026-06-01T00:00:00Z",
    )
    c.add(
        "disclosure",
        "2026-06-20T07:00:00Z",
        backup,
        **_disclosure(
            _image("ihc.png"),
            "digitalCapture",
            person=False,
            purposes=["editorial"],
            jurisdictions=["*"],
            owner="Fictional Pathology Lab",
            licence="CC-BY-4.0",
            description="Micrograph for a science explainer.",
        ),
    )
    c.add(
        "disclosure",
        "2026-07-14T07:00:00Z",
        backup,
        **_disclosure(
            _image("astronaut.png"),
            "digitalCapture",
            person=True,
            purposes=["editorial"],
            jurisdictions=["*"],
            owner="Public domain (NASA)",
            licence="public-domain",
            subjects=[{"basis": "public-figure"}],
            description="Official portrait used in an anniversary story.",
        ),
    )
    c.add(
        "disclosure",
        "2026-08-03T07:00:00Z",
        backup,
        **_disclosure(
            _image("camera.png"),
            "negativeFilm",
            person=True,
            purposes=["editorial", "stock-licensing"],
            jurisdictions=["EU", "GB"],
            owner=owner,
            subjects=[{"basis": "consent", "consent": s1}],
            description="Scan of a 1980s negative from the agency archive.",
        ),
    )
    for index, name in enumerate(("rocket.jpg", "coins.png", "text.png")):
        c.add(
            "disclosure",
            f"2026-09-{index + 1:02d}T06:00:00Z",
            backup,
            **_disclosure(
                _image(name),
                "digitalCapture",
                person=False,
                purposes=["editorial"],
                jurisdictions=["*"],
                owner=owner,
                description=f"Wire photograph {index + 1} of the September series, unaltered.",
            ),
        )
    c.add(
        "audit-attestation",
        "2026-10-30T17:00:00Z",
        backup,
        **_attestation(
            "Meridian Media Audit",
            "consent-compliance",
            "2026-01-01T00:00:00Z",
            "2026-09-30T00:00:00Z",
            "https://meridian.example/audits/harbourlight-consent",
            consents_reviewed=1,
            disclosures_reviewed=11,
            findings=0,
        ),
    )
    return c


def emberforge(reg: dict[str, Any]) -> _Chain:
    c = _Chain("emberforge", reg)
    key, recovered = demo_keys.publisher("emberforge"), demo_keys.publisher("emberforge", 1)
    owner = "Emberforge Games Oy"
    wd = "https://emberforge.example/talent/withdraw"
    notice = "https://emberforge.example/legal/likeness-licence"
    system = {"name": "ForgeGen", "version": "2.4", "provider": "Emberforge Games Oy"}
    actor = c.add(
        "consent",
        "2026-01-05T10:00:00Z",
        key,
        **_consent(
            "emberforge-actor-1",
            ["entertainment", "likeness-synthesis", "ai-model-training"],
            ["EU", "US-CA", "JP"],
            {"from": "2026-01-05T00:00:00Z", "until": "2027-12-31T00:00:00Z"},
            training=True,
            synthetic=True,
            basis="contract",
            withdrawal=wd,
            notice=notice,
        ),
    )
    first = c.add(
        "disclosure",
        "2026-01-25T12:00:00Z",
        key,
        **_disclosure(
            _image("cell.png"),
            "trainedAlgorithmicMedia",
            person=False,
            purposes=["entertainment"],
            jurisdictions=["EU", "US-CA", "JP"],
            owner=owner,
            system=system,
            visible="content-credentials-icon",
            machine=["c2pa"],
            description="Generated texture for the Ember Caves level.",
        ),
    )
    c.add(
        "disclosure",
        "2026-02-05T12:00:00Z",
        key,
        **_disclosure(
            _image("microaneurysms.png"),
            "trainedAlgorithmicMedia",
            person=False,
            purposes=["entertainment"],
            jurisdictions=["EU", "US-CA"],
            owner=owner,
            system=system,
            visible="content-credentials-icon",
            machine=["c2pa", "invisible-watermark"],
            description="Generated spore-map texture.",
        ),
    )
    c.add(
        "disclosure",
        "2026-02-28T12:00:00Z",
        key,
        **_disclosure(
            _image("chelsea.png"),
            "compositeSynthetic",
            person=False,
            purposes=["entertainment"],
            jurisdictions=["EU"],
            owner=owner,
            visible="none",
            machine=["iptc-xmp"],
            description="Reference photograph composited into a loading screen.",
        ),
    )
    c.add(
        "key-rotation",
        "2026-03-15T09:00:00Z",
        demo_keys.operator(),
        new_key=format_verifier_key(recovered.verifier),
        retire=[key.verifier.ref],
        reason="Studio key lost in a disk failure; operator-assisted recovery after "
        "domain verification.",
    )
    c.add(
        "disclosure",
        "2026-04-01T12:00:00Z",
        recovered,
        **_disclosure(
            _image("astronaut.png"),
            "trainedAlgorithmicMedia",
            person=True,
            purposes=["entertainment", "likeness-synthesis"],
            jurisdictions=["EU", "US-CA"],
            owner=owner,
            system=system,
            visible="eu-ai-icon",
            machine=["c2pa", "iptc-xmp"],
            subjects=[{"basis": "consent", "consent": actor}],
            description="Generated character portrait in the contracted actor's likeness.",
        ),
    )
    c.add(
        "disclosure",
        "2026-04-20T12:00:00Z",
        recovered,
        **_disclosure(
            _image("hubble_deep_field.jpg"),
            "compositeWithTrainedAlgorithmicMedia",
            person=False,
            purposes=["entertainment"],
            jurisdictions=["*"],
            owner=owner,
            system=system,
            visible="content-credentials-icon",
            machine=["c2pa"],
            description="Skybox: survey photograph extended with generated fill.",
        ),
    )
    c.add(
        "correction",
        "2026-05-01T12:00:00Z",
        recovered,
        ref=first,
        reason="The texture was also shipped in Japan.",
        corrected={"jurisdictions": ["EU", "US-CA", "JP"]},
    )
    c.add(
        "audit-attestation",
        "2026-06-30T17:00:00Z",
        recovered,
        **_attestation(
            "Northstar Responsible AI Review",
            "bias-representation",
            "2026-01-01T00:00:00Z",
            "2026-06-30T00:00:00Z",
            "https://northstar.example/reviews/emberforge-h1",
            characters_reviewed=42,
            generated_characters=31,
        ),
    )
    actor2 = c.add(
        "consent",
        "2026-07-02T10:00:00Z",
        recovered,
        **_consent(
            "emberforge-actor-2",
            ["entertainment", "likeness-synthesis"],
            ["EU"],
            {"from": "2026-07-01T00:00:00Z", "until": "2026-10-31T00:00:00Z"},
            synthetic=True,
            basis="contract",
            withdrawal=wd,
            notice=notice,
        ),
    )
    c.add(
        "disclosure",
        "2026-07-20T12:00:00Z",
        recovered,
        **_disclosure(
            _image("coffee.png"),
            "trainedAlgorithmicMedia",
            person=True,
            purposes=["entertainment"],
            jurisdictions=["EU"],
            owner=owner,
            system=system,
            visible="eu-ai-icon",
            machine=["c2pa"],
            subjects=[{"basis": "consent", "consent": actor2}],
            period={"from": "2026-08-01T00:00:00Z", "until": "2026-12-31T00:00:00Z"},
            description="In-game café scene with a generated barista in the second actor's "
            "likeness.",
        ),
    )
    c.add(
        "consent-withdrawal",
        "2026-09-10T09:00:00Z",
        recovered,
        consent=actor2,
        requested_at="2026-08-20T09:00:00Z",
        effective_at="2026-09-10T00:00:00Z",
    )
    c.add(
        "retraction",
        "2026-09-12T09:00:00Z",
        recovered,
        ref="emberforge/11",
        reason="Barista character removed in patch 1.4 after the withdrawal.",
        effective_at="2026-09-10T00:00:00Z",
    )
    c.add(
        "disclosure",
        "2026-10-01T12:00:00Z",
        recovered,
        **_disclosure(
            _image("horse.png"),
            "digitalArt",
            person=False,
            purposes=["entertainment"],
            jurisdictions=["*"],
            owner=owner,
            description="Hand-drawn mount silhouette.",
        ),
    )
    for index, name in enumerate(("microaneurysms.png", "ihc.png", "retina.jpg")):
        c.add(
            "disclosure",
            f"2026-11-{index + 2:02d}T12:00:00Z",
            recovered,
            **_disclosure(
                _image(name),
                "trainedAlgorithmicMedia",
                person=False,
                purposes=["entertainment"],
                jurisdictions=["*"],
                owner=owner,
                system=system,
                visible="content-credentials-icon",
                machine=["c2pa"],
                description=f"Generated terrain texture {index + 1} for the winter update.",
            ),
        )
    return c


PUBLISHERS = {
    "northwind": (
        "Northwind Outfitters Ltd.",
        "northwind.example",
        northwind,
        "Clothing retailer; ad campaigns with models, some AI-composited.",
    ),
    "harbourlight": (
        "Harbourlight Press Agency",
        "harbourlight.example",
        harbourlight,
        "News and photo agency; wire and archive photographs.",
    ),
    "emberforge": (
        "Emberforge Games Oy",
        "emberforge.example",
        emberforge,
        "Game studio using generative AI for textures and characters.",
    ),
}


def ledger_config() -> dict[str, Any]:
    return {
        "schema": schemas.schema_id("ledger"),
        "name": "Image Disclosure Ledger (demo)",
        "origin": ORIGIN,
        "url": "https://demo.imageledger.example/",
        "operator_keys": [format_verifier_key(demo_keys.operator().verifier)],
        "witnesses": [
            {"name": demo_keys.WITNESS, "key": format_cosigner_key(demo_keys.witness_cosigner())}
        ],
        "witness_quorum": 1,
        "policy": {"withdrawal_limit_days": 30, "attestation_period_days": 365},
    }


def build() -> dict[str, bytes]:
    """Every file of the demo ledger, relative to the repository root."""
    files = {"ledger/ledger.yaml": strict_yaml.dump(ledger_config()).encode()}
    operator = demo_keys.operator()
    for index, (publisher, (name, domain, story, about)) in enumerate(PUBLISHERS.items()):
        reg = _admitted(
            publisher,
            operator,
            name=name,
            domain=domain,
            key_count=2 if publisher == "harbourlight" else 1,
            admitted_at=f"2026-01-0{index + 1}T00:00:00Z",
            about=about,
        )
        files.update(_publisher_files(publisher, reg, story(reg)))
    files.update(_rule_breaker(operator))
    return files


def _admitted(
    publisher: str,
    operator: PrivateKey,
    *,
    name: str,
    domain: str,
    key_count: int,
    admitted_at: str,
    about: str,
) -> dict[str, Any]:
    """The publisher's registration of its first ``key_count`` DEMO keys, co-signed with
    the first and admitted by the DEMO operator."""
    keys = [
        format_verifier_key(demo_keys.publisher(publisher, i).verifier) for i in range(key_count)
    ]
    reg = authoring.registration(
        publisher,
        name=name,
        domain=domain,
        contact=f"mailto:ledger@{domain}",
        keys=keys,
        admitted_at=admitted_at,
        description=about,
    )
    return authoring.sign_registration(reg, operator, demo_keys.publisher(publisher))


def _publisher_files(publisher: str, reg: dict[str, Any], chain: _Chain) -> dict[str, bytes]:
    """The publisher's folder: its registration, then its records in chain order."""
    folder = f"ledger/publishers/{publisher}"
    files = {f"{folder}/publisher.yaml": authoring.render(reg)}
    for stem, record in chain.files.items():
        files[f"{folder}/records/{stem}.yaml"] = authoring.render(record)
    return files


def _rule_breaker(operator: PrivateKey) -> dict[str, bytes]:
    """``lumenpeak``: a fictional studio that breaks each audit rule once, on purpose
    (:mod:`imageledger.demo.violations`)."""
    from imageledger.demo import violations as v

    reg = _admitted(
        v.PUBLISHER,
        operator,
        name=v.NAME,
        domain=v.DOMAIN,
        key_count=1,
        admitted_at=v.ADMITTED_AT,
        about=v.ABOUT,
    )
    chain = _Chain(v.PUBLISHER, reg)
    for kind, at, signer, body in v.story(reg):
        chain.add(kind, at, demo_keys.publisher(v.PUBLISHER, signer), **body)
    return _publisher_files(v.PUBLISHER, reg, chain)


LOG_TIME = "2026-11-12T00:00:00Z"
"""When the demo ledger was sequenced and witnessed (after its last record)."""


def demo_log(files: dict[str, bytes]) -> dict[str, bytes]:
    """``ledger/log/``: the demo entries integrated by the DEMO operator, cosigned by the DEMO
    witness, both at ``LOG_TIME``."""
    from datetime import datetime

    from imageledger.core.records import UnverifiedRecord
    from imageledger.log.checkpoint import cosign
    from imageledger.log.integrate import entry_of, integrate_entries
    from imageledger.log.note import parse_note
    from imageledger.log.store import MemoryLogFiles
    from imageledger.log.witness import cosignature_name

    operator = demo_keys.operator()
    entries = [
        entry_of(UnverifiedRecord.from_dict(strict_yaml.parse_canonical(data)))
        for rel, data in files.items()
        if rel.startswith("ledger/publishers/")
    ]
    log = MemoryLogFiles()
    batch = integrate_entries(
        log, entries, origin=ORIGIN, key=operator, operator_keys=[operator.verifier], time=LOG_TIME
    )
    assert batch is not None
    at = int(datetime.fromisoformat(LOG_TIME).timestamp())
    signature = cosign(parse_note(batch.checkpoint).text, demo_keys.witness(), time=at)
    log.files[cosignature_name(demo_keys.WITNESS, batch.new_size)] = signature.line.encode()
    return {f"ledger/log/{name}": data for name, data in sorted(log.files.items())}


def build_with_log() -> dict[str, bytes]:
    """``build()`` and the demo's ``ledger/log/``."""
    files = build()
    files.update(demo_log(files))
    return files


def write(repo: Path) -> int:
    """Make ``repo/ledger/`` exactly the demo ledger: write what differs, and remove files
    the demo no longer has (the demo is regenerated whole; a real ledger never is)."""
    files = build_with_log()
    for rel, data in files.items():
        path = repo / rel
        if not path.is_file() or path.read_bytes() != data:
            write_atomic(path, data)
    ledger = repo / "ledger"
    for path in sorted(ledger.rglob("*"), reverse=True):
        rel = path.relative_to(repo).as_posix()
        if path.is_file() and rel not in files:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return len(files)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    repo = Path(args[0]) if args else Path.cwd()
    count = write(repo)
    print(f"demo ledger: {count} files under {Layout(repo).ledger}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
