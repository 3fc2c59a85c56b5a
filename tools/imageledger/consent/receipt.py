"""The consent receipt a person keeps: a JSON document and a printable HTML page.

Pure: :func:`build_receipt` takes the signed consent record, the publisher's registration,
the ledger's identity and the secret, and returns the receipt as a JSON value;
:func:`render_html` renders that value. The field mapping to ISO/IEC TS 27560 and the
Kantara Consent Receipt is documented in ``site_src/consent-receipts.md``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from imageledger import vocab
from imageledger.consent import secret as receipt_secret
from imageledger.core import canonical
from imageledger.errors import RecordError

RECEIPT_VERSION = "imageledger/consent-receipt/v1"
LOOKUP_PATH = "lookup/"
KANTARA_VERSION = "KI-CR-v1.1.0"
ISO_27560 = "ISO/IEC TS 27560:2023"

LEGAL_BASES = {
    "gdpr-6-1-a": ("Your consent (GDPR Art. 6(1)(a))", "eu-gdpr:A6-1-a"),
    "gdpr-9-2-a": ("Your explicit consent (GDPR Art. 9(2)(a))", "eu-gdpr:A9-2-a"),
    "gdpr-6-1-b": ("A contract with you (GDPR Art. 6(1)(b))", "eu-gdpr:A6-1-b"),
    "ccpa-opt-in": ("Your opt-in consent (California CCPA)", "dpv:Consent"),
    "pipl-14": ("Your consent (China PIPL Art. 14)", "dpv:Consent"),
    "contract": ("A contract with you", "dpv:Contract"),
    "other": ("Another legal basis", "dpv:LegalBasis"),
}
METHODS = {
    "written": "in writing",
    "electronic-signature": "by electronic signature",
    "web-form": "on a web form",
    "recorded-verbal": "verbally, recorded",
    "other": "another way",
}
SCOPES = (
    ("likeness", "Use of your likeness (pictures of you)"),
    ("ai_training", "Training AI models with pictures of you"),
    ("synthetic_likeness", "Generating new pictures of you with AI"),
)


def lookup_url(ledger_url: str) -> str:
    return ledger_url.rstrip("/") + "/" + LOOKUP_PATH


def record_url(ledger_url: str, ref: str) -> str:
    return ledger_url.rstrip("/") + f"/r/{ref}/"


def build_receipt(
    consent: Mapping[str, Any],
    *,
    registration: Mapping[str, Any],
    ledger: Mapping[str, Any],
    secret: bytes,
) -> dict[str, Any]:
    """The receipt for the signed ``consent`` record whose ``receipt`` commits to ``secret``.

    Raises:
        RecordError: ``receipt-secret`` when ``secret`` is not the one the record commits to.
    """
    commitment = receipt_secret.commitment(secret)
    if consent["receipt"] != commitment:
        raise RecordError("the secret does not match the consent record", code="receipt-secret")
    ref = f"{consent['publisher']}/{consent['seq']}"
    base = str(ledger.get("url") or "")
    purposes = [vocab.purpose(p) for p in consent["purposes"]]
    places = [vocab.jurisdiction(j) for j in consent["jurisdictions"]]
    basis_text, basis_dpv = LEGAL_BASES[consent["legal_basis"]]
    controller = {
        "name": registration["name"],
        "id": registration["publisher"],
        "url": f"https://{registration['domain']}/",
        "contact": registration["contact"],
    }
    valid = dict(consent["valid"])
    return {
        "receipt": RECEIPT_VERSION,
        "code": receipt_secret.format_secret(secret),
        "commitment": commitment,
        "lookup_url": lookup_url(base) if base else None,
        "record_url": record_url(base, ref) if base else None,
        "ledger": {"name": ledger.get("name"), "url": base or None, "origin": ledger.get("origin")},
        "consent": {
            "ref": ref,
            "hash": canonical.record_hash(dict(consent)),
            "recorded_at": consent["recorded_at"],
            "publisher": controller,
            "purposes": [
                {
                    "id": p.id,
                    "label": p.label,
                    "description": p.description,
                    "dpv": [*p.dpv, *p.dpv_ai],
                }
                for p in purposes
            ],
            "scope": {name: bool(consent["scope"][name]) for name, _ in SCOPES},
            "valid": valid,
            "jurisdictions": [{"code": j.code, "name": j.name} for j in places],
            "legal_basis": {"id": consent["legal_basis"], "label": basis_text, "dpv": basis_dpv},
            "collection": dict(consent["collection"]),
            "notice": dict(consent["notice"]) if "notice" in consent else None,
            "subject": dict(consent["subject"]),
        },
        "iso27560": _iso27560(consent, ref, controller, purposes, basis_dpv),
        "kantara": _kantara(consent, ref, controller, purposes),
    }


def _iso27560(
    consent: Mapping[str, Any],
    ref: str,
    controller: dict[str, str],
    purposes: list[vocab.Purpose],
    basis: str,
) -> dict[str, Any]:
    return {
        "schema_version": ISO_27560,
        "record_id": ref,
        "pii_principal_id": consent["subject"]["commitment"],
        "pii_controller": [{"name": controller["name"], "contact": controller["contact"]}],
        "purposes": [{"purpose": p.id, "dpv": list(p.dpv)} for p in purposes],
        "pii_categories": ["dpv:Image", "dpv:Identifying"],
        "legal_basis": basis,
        "jurisdictions": list(consent["jurisdictions"]),
        "notice": consent.get("notice", {}).get("url"),
        "consent_type": "dpv:ExplicitlyExpressedConsent",
        "consent_status": "dpv:ConsentGiven",
        "event": {
            "event_time": consent["recorded_at"],
            "event_type": "dpv:ConsentGiven",
            "event_method": consent["collection"]["method"],
            "validity": dict(consent["valid"]),
        },
        "withdrawal_method": consent["collection"]["withdrawal"],
    }


def _kantara(
    consent: Mapping[str, Any], ref: str, controller: dict[str, str], purposes: list[vocab.Purpose]
) -> dict[str, Any]:
    until = consent["valid"].get("until")
    termination = f"valid until {until}" if until else "valid until withdrawn"
    termination += f"; withdraw: {consent['collection']['withdrawal']}"
    recorded = datetime.fromisoformat(consent["recorded_at"])
    return {
        "version": KANTARA_VERSION,
        "jurisdiction": ", ".join(consent["jurisdictions"]),
        "consentTimestamp": int(recorded.timestamp()),
        "collectionMethod": METHODS[consent["collection"]["method"]],
        "consentReceiptID": ref,
        "language": "en",
        "piiPrincipalId": consent["subject"]["commitment"],
        "piiControllers": [
            {
                "piiController": controller["name"],
                "onBehalf": False,
                "contact": controller["contact"],
                "piiControllerUrl": controller["url"],
            }
        ],
        "policyUrl": consent.get("notice", {}).get("url"),
        "services": [
            {
                "service": "Use of images of the person",
                "purposes": [
                    {
                        "purpose": p.label,
                        "purposeCategory": list(p.dpv),
                        "consentType": "EXPLICIT",
                        "piiCategory": ["Image (likeness)"],
                        "primaryPurpose": index == 0,
                        "termination": termination,
                        "thirdPartyDisclosure": p.id == "stock-licensing",
                    }
                    for index, p in enumerate(purposes)
                ],
            }
        ],
        "sensitive": consent["legal_basis"] == "gdpr-9-2-a",
        "spiCat": [],
    }


_CSS = """
body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.6rem;margin-bottom:.2rem}
.code{font:700 1.5rem/1.4 ui-monospace,monospace;letter-spacing:.08em;border:2px solid #111;
padding:.6rem 1rem;display:inline-block;word-break:break-all}
.warn{border-left:4px solid #b45309;padding:.3rem .8rem;background:#fff7ed}
dt{font-weight:600;margin-top:.7rem}dd{margin-left:0}
.dpv,.small{color:#444;font-size:.85rem}code{word-break:break-all}
@media print{body{margin:0}.warn{background:none}}
"""


def render_html(receipt: Mapping[str, Any]) -> str:
    """A standalone printable page: escaped, no scripts, no external resources."""
    e = html.escape
    c = receipt["consent"]
    valid = c["valid"]
    purposes = "".join(
        f"<li><strong>{e(p['label'])}</strong>: {e(p['description'])} "
        f"<span class=dpv>(W3C DPV: {e(', '.join(p['dpv']))})</span></li>"
        for p in c["purposes"]
    )
    scope = "".join(
        f"<li>{e(text)}: <strong>{'yes' if c['scope'][name] else 'no'}</strong></li>"
        for name, text in SCOPES
    )
    places = ", ".join(f"{e(j['name'])} ({e(j['code'])})" for j in c["jurisdictions"])
    until = valid.get("until")
    lookup = receipt.get("lookup_url")
    notice = c.get("notice")
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>Consent receipt {e(c['ref'])}</title><style>{_CSS}</style></head><body>",
        "<h1>Your consent receipt</h1>",
        f"<p>You gave <strong>{e(c['publisher']['name'])}</strong> consent to use images of "
        f"you. This receipt proves it and lets you check how your consent is used.</p>",
        "<h2>Your receipt code</h2>",
        f'<p class="code">{e(receipt["code"])}</p>',
        '<p class="warn">Keep this page private. The ledger does not know your name: this '
        "code is the only way to find your consent and every image that relies on it. "
        "Anyone with the code can see them.</p>",
    ]
    if lookup:
        parts.append(
            f"<p>To check it, open <code>{e(lookup)}</code> and enter the code. Nothing you "
            "enter there leaves your browser.</p>"
        )
    parts += [
        "<h2>What you agreed to</h2><dl>",
        f"<dt>Publisher</dt><dd>{e(c['publisher']['name'])} "
        f"(<code>{e(c['publisher']['url'])}</code>, contact "
        f"<code>{e(c['publisher']['contact'])}</code>)</dd>",
        f"<dt>Purposes</dt><dd><ul>{purposes}</ul></dd>",
        f"<dt>Kinds of use</dt><dd><ul>{scope}</ul></dd>",
        f"<dt>Valid</dt><dd>from {e(valid['from'])} "
        + (f"until {e(until)}" if until else "until you withdraw it")
        + "</dd>",
        f"<dt>Where</dt><dd>{places}</dd>",
        f"<dt>Legal basis</dt><dd>{e(c['legal_basis']['label'])}</dd>",
        f"<dt>How it was given</dt><dd>{e(METHODS[c['collection']['method']])}</dd>",
        f"<dt>How to withdraw</dt><dd>{e(c['collection']['withdrawal'])}<br>"
        "<span class=small>You can withdraw at any time, as easily as you gave it. Uses "
        "before the withdrawal takes effect stay lawful.</span></dd>",
    ]
    if notice:
        parts.append(
            f"<dt>The notice you were shown</dt><dd><code>{e(notice['url'])}</code><br>"
            f"<span class=small>SHA-256 {e(notice['sha256'])}</span></dd>"
        )
    parts += [
        "</dl><h2>The ledger record</h2><dl>",
        f"<dt>Record</dt><dd><code>{e(c['ref'])}</code>, recorded {e(c['recorded_at'])}</dd>",
    ]
    if receipt.get("record_url"):
        parts.append(f"<dt>Record page</dt><dd><code>{e(receipt['record_url'])}</code></dd>")
    parts += [
        f"<dt>Record hash</dt><dd><code>{e(c['hash'])}</code></dd>",
        f"<dt>Receipt commitment</dt><dd><code>{e(receipt['commitment'])}</code><br>"
        '<span class=small>SHA-256 of "imageledger/receipt/v1\\n" followed by the bytes '
        "of your code.</span></dd>",
        "</dl></body></html>",
    ]
    return "\n".join(parts) + "\n"
