"""The JSON Schemas (draft 2020-12) of every ledger file kind, built from one table.

The package ships them as files under ``imageledger/schemas/`` (written by
``python -m imageledger.core.schemas``; a test fails when they are stale) so that other
tools can validate records, and the site renders them as the format reference.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from imageledger import vocab
from imageledger.core import limits

DIALECT = "https://json-schema.org/draft/2020-12/schema"
KINDS = (
    "publisher",
    "disclosure",
    "consent",
    "consent-withdrawal",
    "correction",
    "retraction",
    "key-rotation",
    "key-revocation",
    "audit-attestation",
)
CHAIN_KINDS = KINDS[1:]
VERSION = 1

PUBLISHER_ID = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"
REF = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?/[1-9][0-9]{0,9}$"
TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"


def schema_id(kind: str) -> str:
    """The value of a record's ``schema`` field for ``kind``."""
    return f"imageledger/{kind}/v{VERSION}"


def _s(**kw: Any) -> dict[str, Any]:
    return {"type": "string", **kw}


def _obj(required: list[str], properties: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
        **kw,
    }


def _arr(items: dict[str, Any], *, min_items: int = 0, max_items: int = 64) -> dict[str, Any]:
    return {
        "type": "array",
        "items": items,
        "minItems": min_items,
        "maxItems": max_items,
        "uniqueItems": True,
    }


def _vocab(name: str) -> list[str]:
    found = getattr(vocab, name)
    values = found() if callable(found) else found
    return sorted(values)


TEXT = _s(minLength=1, maxLength=2000)
NAME = _s(minLength=1, maxLength=200)
URL = _s(pattern=r"^https://[^\s]+$", maxLength=2048, format="uri")
HASH = _s(pattern=r"^sha256:[0-9a-f]{64}$")
HEX256 = _s(pattern=r"^[0-9a-f]{64}$")
TIMESTAMP = _s(
    pattern=TIME, format="date-time", description="RFC 3339 UTC with Z, second precision"
)
KEY_REF = _s(pattern=r"^[^+\s]+\+[0-9a-f]{8}$", maxLength=200)
VERIFIER_KEY = _s(
    pattern=r"^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$",
    maxLength=300,
    description="C2SP signed-note Ed25519 verifier key",
)
RECORD_REF = _s(pattern=REF, description="<publisher>/<seq>")
PERIOD = _obj(["from"], {"from": TIMESTAMP, "until": TIMESTAMP})
SIGNATURES = _arr(
    _obj(["key", "sig"], {"key": KEY_REF, "sig": _s(pattern=r"^[A-Za-z0-9+/]{86}==$")}),
    min_items=1,
    max_items=limits.MAX_SIGNATURES,
)


def _purposes() -> dict[str, Any]:
    return _arr(_s(enum=_vocab("PURPOSE_IDS")), min_items=1)


def _jurisdictions() -> dict[str, Any]:
    return _arr(_s(enum=_vocab("JURISDICTION_CODES")), min_items=1)


def _disclosure() -> dict[str, Any]:
    image = _obj(
        ["sha256", "media_type"],
        {
            "sha256": HEX256,
            "pdq": _obj(
                ["alg", "hash", "quality"],
                {
                    "alg": _s(enum=["pdq/1"]),
                    "hash": HEX256,
                    "quality": {"type": "integer", "minimum": 0, "maximum": 100},
                },
            ),
            "media_type": _s(
                enum=[
                    "image/jpeg",
                    "image/png",
                    "image/webp",
                    "image/gif",
                    "image/avif",
                    "image/heic",
                    "image/tiff",
                ]
            ),
            "width": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
            "height": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
            "size": {"type": "integer", "minimum": 1},
            "published_urls": _arr(URL),
        },
    )
    ai = _obj(
        ["digital_source_type", "resembles_real_person"],
        {
            "digital_source_type": _s(enum=_vocab("DIGITAL_SOURCE_TYPE_URIS")),
            "system": _obj(
                ["name"],
                {"name": NAME, "version": _s(minLength=1, maxLength=100), "provider": NAME},
            ),
            "actions": _arr(
                _obj(
                    ["action"],
                    {
                        "action": _s(pattern=r"^c2pa\.[a-z_.]+$", description="C2PA action name"),
                        "digital_source_type": _s(enum=_vocab("DIGITAL_SOURCE_TYPE_URIS")),
                        "description": TEXT,
                    },
                )
            ),
            "resembles_real_person": {"type": "boolean"},
            "deepfake_exception": _obj(
                ["basis"],
                {
                    "basis": _s(
                        enum=["artistic", "creative", "satirical", "fictional"],
                        description="EU AI Act Art. 50(4): evidently artistic, creative, "
                        "satirical or fictional work",
                    ),
                    "note": TEXT,
                },
            ),
        },
    )
    subject = _obj(
        ["basis"],
        {
            "basis": _s(enum=["consent", "public-figure", "none"]),
            "consent": RECORD_REF,
        },
        **{
            "if": {"properties": {"basis": {"const": "consent"}}},
            "then": {"required": ["consent"]},
            "else": {"not": {"required": ["consent"]}},
        },
    )
    return {
        "image": image,
        "ai": ai,
        "labels": _obj(
            ["visible", "machine_readable"],
            {
                "visible": _s(enum=_vocab("VISIBLE_LABEL_IDS")),
                "machine_readable": _arr(_s(enum=_vocab("MACHINE_READABLE_IDS"))),
            },
        ),
        "subjects": _arr(subject),
        "purposes": _purposes(),
        "jurisdictions": _jurisdictions(),
        "period": PERIOD,
        "rights": _obj(
            ["copyright_owner", "licence"],
            {
                "copyright_owner": NAME,
                "licence": _s(
                    minLength=1,
                    maxLength=200,
                    description="SPDX id, licence URL, or all-rights-reserved",
                ),
                "licence_period": PERIOD,
            },
        ),
        "description": TEXT,
    }


def _consent() -> dict[str, Any]:
    return {
        "subject": _obj(["commitment"], {"commitment": HASH}),
        "purposes": _purposes(),
        "scope": _obj(
            ["likeness", "ai_training", "synthetic_likeness"],
            {
                "likeness": {"type": "boolean", "description": "use of the person's likeness"},
                "ai_training": {"type": "boolean", "description": "training AI models"},
                "synthetic_likeness": {
                    "type": "boolean",
                    "description": "generating new images of the person",
                },
            },
        ),
        "valid": PERIOD,
        "jurisdictions": _jurisdictions(),
        "legal_basis": _s(
            enum=[
                "gdpr-6-1-a",
                "gdpr-9-2-a",
                "gdpr-6-1-b",
                "ccpa-opt-in",
                "pipl-14",
                "contract",
                "other",
            ]
        ),
        "collection": _obj(
            ["method", "withdrawal"],
            {
                "method": _s(
                    enum=["written", "electronic-signature", "web-form", "recorded-verbal", "other"]
                ),
                "withdrawal": TEXT,
            },
        ),
        "notice": _obj(["url", "sha256"], {"url": URL, "sha256": HEX256}),
        "receipt": HASH,
    }


BODIES: dict[str, tuple[list[str], Callable[[], dict[str, Any]]]] = {
    "disclosure": (["image", "ai", "labels", "purposes", "jurisdictions", "rights"], _disclosure),
    "consent": (
        [
            "subject",
            "purposes",
            "scope",
            "valid",
            "jurisdictions",
            "legal_basis",
            "collection",
            "receipt",
        ],
        _consent,
    ),
    "consent-withdrawal": (
        ["consent", "requested_at", "effective_at"],
        lambda: {"consent": RECORD_REF, "requested_at": TIMESTAMP, "effective_at": TIMESTAMP},
    ),
    "correction": (
        ["ref", "reason", "corrected"],
        lambda: {
            "ref": RECORD_REF,
            "reason": TEXT,
            "corrected": {
                "type": "object",
                "minProperties": 1,
                "description": "the replacing content: the fields of the corrected "
                "record's kind that change",
            },
        },
    ),
    "retraction": (
        ["ref", "reason", "effective_at"],
        lambda: {"ref": RECORD_REF, "reason": TEXT, "effective_at": TIMESTAMP},
    ),
    "key-rotation": (
        ["new_key"],
        lambda: {"new_key": VERIFIER_KEY, "retire": _arr(KEY_REF), "reason": TEXT},
    ),
    "key-revocation": (
        ["key", "compromised_at", "reason"],
        lambda: {"key": KEY_REF, "compromised_at": TIMESTAMP, "reason": TEXT},
    ),
    "audit-attestation": (
        ["auditor", "scope", "period", "report"],
        lambda: {
            "auditor": _obj(["name"], {"name": NAME, "url": URL}),
            "scope": _s(
                enum=["bias-representation", "consent-compliance", "labelling", "security"]
            ),
            "period": _obj(["from", "until"], {"from": TIMESTAMP, "until": TIMESTAMP}),
            "report": _obj(["url", "sha256"], {"url": URL, "sha256": HEX256}),
            "summary": {
                "type": "object",
                "maxProperties": 64,
                "propertyNames": {"pattern": r"^[a-z][a-z0-9_]{0,63}$"},
                "additionalProperties": {"type": "integer"},
            },
        },
    ),
}

TITLES = {
    "publisher": "Publisher registration",
    "disclosure": "Disclosure: how an image was made and is used",
    "consent": "Consent granted by a person depicted",
    "consent-withdrawal": "Withdrawal of a consent",
    "correction": "Correction of an earlier record",
    "retraction": "Retraction of an earlier disclosure",
    "key-rotation": "Key rotation",
    "key-revocation": "Key revocation",
    "audit-attestation": "Audit attestation",
}


@cache
def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of ``kind`` (see :data:`KINDS`)."""
    if kind == "publisher":
        required = [
            "schema",
            "publisher",
            "name",
            "domain",
            "contact",
            "keys",
            "admitted_at",
            "signatures",
        ]
        properties: dict[str, Any] = {
            "publisher": _s(pattern=PUBLISHER_ID),
            "name": NAME,
            "domain": _s(pattern=r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"),
            "contact": _s(
                pattern=r"^(?:https://|mailto:)[^\s]+$",
                maxLength=300,
                description="a role address or contact page, never a person's",
            ),
            "keys": _arr(VERIFIER_KEY, min_items=1, max_items=8),
            "admitted_at": TIMESTAMP,
            "description": TEXT,
        }
    else:
        body_required, body = BODIES[kind]
        required = [
            "schema",
            "publisher",
            "seq",
            "prev",
            "recorded_at",
            *body_required,
            "signatures",
        ]
        properties = {
            "publisher": _s(pattern=PUBLISHER_ID),
            "seq": {"type": "integer", "minimum": 1, "maximum": limits.MAX_INT},
            "prev": HASH,
            "recorded_at": TIMESTAMP,
            **body(),
        }
    signatures = SIGNATURES if kind != "publisher" else {**SIGNATURES, "minItems": 0}
    properties = {"schema": {"const": schema_id(kind)}, **properties, "signatures": signatures}
    return {
        "$schema": DIALECT,
        "$id": f"urn:imageledger:schema:{kind}:v{VERSION}",
        "title": TITLES[kind],
        **_obj(required, properties),
    }


def ledger_schema() -> dict[str, Any]:
    """``ledger.yaml``: the instance's identity, operator keys, witnesses and policy."""
    return {
        "$schema": DIALECT,
        "$id": f"urn:imageledger:schema:ledger:v{VERSION}",
        "title": "Ledger instance",
        **_obj(
            ["schema", "name", "origin", "operator_keys"],
            {
                "schema": {"const": schema_id("ledger")},
                "name": NAME,
                "origin": _s(
                    pattern=r"^[a-z0-9.-]+(?:/[A-Za-z0-9._-]+)*$",
                    maxLength=200,
                    description="the log origin line of every checkpoint",
                ),
                "url": URL,
                "operator_keys": _arr(VERIFIER_KEY, min_items=1, max_items=4),
                "witnesses": _arr(_obj(["name", "key"], {"name": NAME, "key": _s(maxLength=300)})),
                "witness_quorum": {"type": "integer", "minimum": 0},
                "policy": {
                    "type": "object",
                    "description": "compliance-audit policy (`imageledger audit`)",
                    "properties": {
                        "withdrawal_limit_days": {"type": "integer", "minimum": 0},
                        "attestation_period_days": {"type": "integer", "minimum": 1},
                        "severity": {
                            "type": "object",
                            "description": "per audit-rule code: error, warning, info or off",
                            "additionalProperties": _s(enum=["error", "warning", "info", "off"]),
                        },
                    },
                },
            },
        ),
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    out = {kind: schema(kind) for kind in KINDS}
    out["ledger"] = ledger_schema()
    return out


def render(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - the generator the staleness test mirrors
    import pathlib

    folder = pathlib.Path(__file__).resolve().parent.parent / "schemas"
    folder.mkdir(exist_ok=True)
    for name, value in all_schemas().items():
        (folder / f"{name}.v{VERSION}.json").write_text(render(value), encoding="utf-8")
