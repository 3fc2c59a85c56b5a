"""A fictional publisher that breaks every audit rule once, for the demo ledger.

``story(registration)`` returns its chain as ``(kind, recorded_at, signer_index, body)``
rows, built with the same helpers as :mod:`imageledger.demo.generate`; ``signer_index`` is
the index of the publisher's DEMO key (``demo.keys.publisher(PUBLISHER, index)``). Audited
``--as-of AS_OF`` it yields exactly :data:`EXPECTED`: one finding per rule, and nothing
else. Register it with ``admitted_at = ADMITTED_AT`` (more than a year before ``AS_OF``, so
its missing audit attestation is overdue).

Three rules cannot fire on a ledger that ``validate`` accepts -- ``consent-missing``,
``ref-missing`` and ``ref-other-publisher`` (validate rejects dangling and foreign refs);
they exist for ledgers read from the log or a published site and are tested in memory
(:data:`UNREACHABLE`).
"""

from __future__ import annotations

from typing import Any

from imageledger.demo.generate import _consent, _disclosure, _image

PUBLISHER = "lumenpeak"
NAME = "Lumenpeak Creative Ltd."
DOMAIN = "lumenpeak.example"
ABOUT = "Fictional advertising studio whose records break each audit rule once, on purpose."
ADMITTED_AT = "2025-09-15T00:00:00Z"
AS_OF = "2026-11-27T00:00:00Z"
UNREACHABLE = ("consent-missing", "ref-missing", "ref-other-publisher")

Row = tuple[str, str, int, dict[str, Any]]

_WD = "https://lumenpeak.example/privacy/withdraw"
_NOTICE = "https://lumenpeak.example/legal/model-release-2025"
_OWNER = NAME
_SYSTEM = {"name": "ExampleDiffusion", "version": "3.1", "provider": "Example AI Labs"}
_OPEN = {"from": "2025-10-01T00:00:00Z"}


def _c(label: str, purposes: list[str], places: list[str], valid: dict[str, str], **kw: Any) -> Any:
    return _consent(label, purposes, places, valid, withdrawal=_WD, notice=_NOTICE, **kw)


def _photo(image: str, consent: str | None, *, description: str, **kw: Any) -> dict[str, Any]:
    """A camera photograph of a person, used in ads in the EU, relying on ``consent``."""
    args: dict[str, Any] = {
        "person": True,
        "purposes": ["advertising"],
        "jurisdictions": ["EU"],
        "owner": _OWNER,
        "subjects": [{"basis": "consent", "consent": consent}] if consent else None,
        "description": description,
    }
    args.update(kw)
    return _disclosure(_image(image), "digitalCapture", **args)


def _generated(
    image: str, consent: str, places: list[str], visible: str, machine: list[str], what: str
) -> dict[str, Any]:
    """A generated image in the consenting model's likeness, in use from when recorded."""
    return _disclosure(
        _image(image),
        "trainedAlgorithmicMedia",
        person=True,
        purposes=["advertising"],
        jurisdictions=places,
        owner=_OWNER,
        system=_SYSTEM,
        visible=visible,
        machine=machine,
        subjects=[{"basis": "consent", "consent": consent}],
        description=what,
    )


def _licensed() -> dict[str, Any]:
    """A licensed stock photograph (no person) whose licence ended on 30 June 2026."""
    body = _disclosure(
        _image("rocket.jpg"),
        "digitalCapture",
        person=False,
        purposes=["advertising"],
        jurisdictions=["EU"],
        owner="Fictional Stock Library",
        licence="https://stock.example/licences/standard",
        description="Licensed launch photograph in a brand film still.",
    )
    body["rights"]["licence_period"] = {
        "from": "2025-10-01T00:00:00Z",
        "until": "2026-06-30T00:00:00Z",
    }
    return body


def story(registration: dict[str, Any]) -> list[Row]:
    """The publisher's records, in chain order (seq = position + 1)."""
    p = registration["publisher"]

    def ref(seq: int) -> str:
        return f"{p}/{seq}"

    rows: list[Row] = [
        # 1-7: consents
        (
            "consent",
            "2025-10-02T09:00:00Z",
            0,
            _c(
                "lumenpeak-model-1",
                ["advertising", "marketing", "likeness-synthesis", "ai-model-training"],
                ["*"],
                _OPEN,
                training=True,
                synthetic=True,
                basis="gdpr-9-2-a",
            ),
        ),
        (
            "consent",
            "2025-10-03T09:00:00Z",
            0,
            _c("lumenpeak-model-2", ["advertising"], ["EU"], _OPEN),
        ),
        (
            "consent",
            "2025-10-04T09:00:00Z",
            0,
            _c(
                "lumenpeak-model-3",
                ["advertising"],
                ["EU"],
                {"from": "2025-10-01T00:00:00Z", "until": "2026-06-30T00:00:00Z"},
            ),
        ),
        (
            "consent",
            "2025-10-05T09:00:00Z",
            0,
            _c("lumenpeak-model-4", ["advertising"], ["EU"], {"from": "2026-03-01T00:00:00Z"}),
        ),
        (
            "consent",
            "2025-10-06T09:00:00Z",
            0,
            _c("lumenpeak-model-5", ["advertising"], ["EU"], _OPEN),
        ),
        (
            "consent",
            "2025-10-07T09:00:00Z",
            0,
            _c("lumenpeak-model-6", ["advertising"], ["EU"], _OPEN),
        ),
        (
            "consent",
            "2025-10-08T09:00:00Z",
            0,
            _c("lumenpeak-model-7", ["advertising"], ["EU"], _OPEN),
        ),
    ]
    period = {"from": "2025-11-01T00:00:00Z", "until": "2026-01-31T00:00:00Z"}
    rows += [
        # 8 consent-purpose: personalised advertising is one step outside "advertising"
        (
            "disclosure",
            "2025-10-20T09:00:00Z",
            0,
            _photo(
                "camera.png",
                ref(2),
                purposes=["personalised-advertising"],
                period=period,
                description="Targeted banner variant of the autumn portrait.",
            ),
        ),
        # 9 consent-scope: a generated likeness; consent 2 does not grant synthetic likeness
        (
            "disclosure",
            "2025-10-21T09:00:00Z",
            0,
            _disclosure(
                _image("astronaut.png"),
                "trainedAlgorithmicMedia",
                person=True,
                purposes=["advertising"],
                jurisdictions=["EU"],
                owner=_OWNER,
                system=_SYSTEM,
                visible="eu-ai-icon",
                machine=["c2pa", "iptc-xmp"],
                subjects=[{"basis": "consent", "consent": ref(2)}],
                period=period,
                description="Generated variant of the autumn portrait in the model's likeness.",
            ),
        ),
        # 10 consent-jurisdiction: GB is outside a consent for the EU
        (
            "disclosure",
            "2025-10-22T09:00:00Z",
            0,
            _photo(
                "camera.png",
                ref(2),
                jurisdictions=["EU", "GB"],
                period=period,
                description="Autumn portrait, UK and EU print run.",
            ),
        ),
        # 11 consent-not-yet-valid: used from February, consent 4 holds from March
        (
            "disclosure",
            "2025-10-23T09:00:00Z",
            0,
            _photo(
                "coffee.png",
                ref(4),
                period={"from": "2026-02-01T00:00:00Z", "until": "2026-04-01T00:00:00Z"},
                description="Spring café poster.",
            ),
        ),
        # 12 consent-expired: used until September, consent 3 ended on 30 June
        (
            "disclosure",
            "2025-10-24T09:00:00Z",
            0,
            _photo(
                "coffee.png",
                ref(3),
                period={"from": "2025-11-01T00:00:00Z", "until": "2026-09-30T00:00:00Z"},
                description="Café poster, long-running placement.",
            ),
        ),
        # 13 consent-withdrawn: still in use after consent 5's withdrawal (row 21)
        (
            "disclosure",
            "2025-10-25T09:00:00Z",
            0,
            _photo(
                "motorcycle_left.png",
                ref(5),
                period={"from": "2025-11-01T00:00:00Z"},
                description="Ride campaign hero, open-ended.",
            ),
        ),
        # 14 consent-withdrawn-earlier-use (info): ended the day before the withdrawal
        (
            "disclosure",
            "2025-10-26T09:00:00Z",
            0,
            _photo(
                "motorcycle_left.png",
                ref(6),
                period={"from": "2025-11-01T00:00:00Z", "until": "2026-03-31T00:00:00Z"},
                description="Winter ride campaign, ended before the model withdrew.",
            ),
        ),
        # 15 subject-basis-none: a real person with no lawful basis
        (
            "disclosure",
            "2025-10-27T09:00:00Z",
            0,
            _disclosure(
                _image("astronaut.png"),
                "digitalCapture",
                person=True,
                purposes=["advertising"],
                jurisdictions=["EU"],
                owner=_OWNER,
                subjects=[{"basis": "none"}],
                period=period,
                description="Street photograph used in an advert without a release.",
            ),
        ),
        # 16-19: generated likenesses relying on consent 1, each missing one label
        (
            "disclosure",
            "2025-11-03T09:00:00Z",
            0,
            _generated(
                "chelsea.png", ref(1), ["EU"], "none", ["c2pa"], "Generated hero, no visible label."
            ),
        ),
        (
            "disclosure",
            "2025-11-04T09:00:00Z",
            0,
            _generated(
                "chelsea.png",
                ref(1),
                ["EU"],
                "eu-ai-icon",
                [],
                "Generated hero, metadata stripped.",
            ),
        ),
        (
            "disclosure",
            "2025-11-05T09:00:00Z",
            0,
            _generated(
                "chelsea.png",
                ref(1),
                ["US-CA"],
                "text-caption",
                ["iptc-xmp"],
                "Generated hero for California, IPTC metadata only.",
            ),
        ),
        (
            "disclosure",
            "2025-11-06T09:00:00Z",
            0,
            _generated(
                "chelsea.png",
                ref(1),
                ["CN"],
                "text-on-image",
                ["c2pa"],
                "Generated hero for China, without the implicit metadata label.",
            ),
        ),
        # 20 licence-ended: the stock licence ended on 30 June; the image is still in use
        ("disclosure", "2025-11-07T09:00:00Z", 0, _licensed()),
        # 21-23: withdrawals
        (
            "consent-withdrawal",
            "2026-04-26T09:00:00Z",
            0,
            {
                "consent": ref(5),
                "requested_at": "2026-04-25T10:00:00Z",
                "effective_at": "2026-05-01T00:00:00Z",
            },
        ),
        (
            "consent-withdrawal",
            "2026-04-27T09:00:00Z",
            0,
            {
                "consent": ref(6),
                "requested_at": "2026-03-30T10:00:00Z",
                "effective_at": "2026-04-01T00:00:00Z",
            },
        ),
        # 23 withdrawal-late: 45 days from request to effect (limit 30)
        (
            "consent-withdrawal",
            "2026-06-15T09:00:00Z",
            0,
            {
                "consent": ref(7),
                "requested_at": "2026-05-01T00:00:00Z",
                "effective_at": "2026-06-15T00:00:00Z",
            },
        ),
    ]
    return rows


EXPECTED: tuple[tuple[str, str], ...] = (
    ("consent-purpose", f"{PUBLISHER}/8"),
    ("consent-scope", f"{PUBLISHER}/9"),
    ("consent-jurisdiction", f"{PUBLISHER}/10"),
    ("consent-not-yet-valid", f"{PUBLISHER}/11"),
    ("consent-expired", f"{PUBLISHER}/12"),
    ("consent-withdrawn", f"{PUBLISHER}/13"),
    ("consent-withdrawn-earlier-use", f"{PUBLISHER}/14"),
    ("subject-basis-none", f"{PUBLISHER}/15"),
    ("label-eu-deepfake", f"{PUBLISHER}/16"),
    ("label-eu-machine-readable", f"{PUBLISHER}/17"),
    ("label-ca-latent", f"{PUBLISHER}/18"),
    ("label-cn-implicit", f"{PUBLISHER}/19"),
    ("licence-ended", f"{PUBLISHER}/20"),
    ("withdrawal-late", f"{PUBLISHER}/23"),
    ("attestation-missing", PUBLISHER),
)
"""``(code, subject)`` of every finding ``imageledger audit --as-of AS_OF`` reports for the
publisher: the record the finding is about, or the publisher for ``attestation-missing``."""
