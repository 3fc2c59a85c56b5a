"""One-line plain-text summaries of records (for lists, feeds and titles in the API)."""

from __future__ import annotations

from imageledger import vocab
from imageledger.core.records import UnverifiedRecord
from imageledger.core.schemas import TITLES
from imageledger.errors import RecordError
from imageledger.site.model import source_type

KIND_NAMES = {
    "publisher": "Registration",
    "disclosure": "Disclosure",
    "consent": "Consent",
    "consent-withdrawal": "Consent withdrawal",
    "correction": "Correction",
    "retraction": "Retraction",
    "key-rotation": "Key rotation",
    "key-revocation": "Key revocation",
    "audit-attestation": "Audit attestation",
}
MAX_SUMMARY = 160


def source_type_label(uri: str | None) -> str:
    if not uri:
        return "source type not stated"
    try:
        return vocab.source_type(uri).label
    except RecordError:
        return uri


def purpose_label(pid: str) -> str:
    try:
        return vocab.purpose(pid).label
    except RecordError:
        return pid


def _clip(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= MAX_SUMMARY else value[: MAX_SUMMARY - 1] + "…"


def summary(record: UnverifiedRecord) -> str:
    """What the record says, in one line of plain text (not escaped: the caller escapes)."""
    data = record.data
    kind = record.kind
    if kind == "disclosure":
        text = source_type_label(source_type(record))
        if data.get("description"):
            text += f" — {data['description']}"
        return _clip(text)
    if kind == "consent":
        return _clip("Consent for " + ", ".join(purpose_label(p) for p in data.get("purposes", ())))
    if kind == "consent-withdrawal":
        return f"Withdraws consent {data['consent']}"
    if kind in ("correction", "retraction"):
        verb = "Corrects" if kind == "correction" else "Retracts"
        return _clip(f"{verb} {data['ref']}: {data.get('reason', '')}".rstrip(": "))
    if kind == "key-rotation":
        return _clip(f"Adds key {data['new_key'].split('+')[0]}")
    if kind == "key-revocation":
        return _clip(f"Revokes key {data['key']}")
    if kind == "audit-attestation":
        return _clip(f"{data['scope']} audit by {data['auditor']['name']}")
    return TITLES.get(kind, kind)


def title(record: UnverifiedRecord) -> str:
    """``<publisher>/<seq> · <Kind>``: ids only, safe anywhere."""
    return f"{record.ref} · {KIND_NAMES.get(record.kind, record.kind)}"
