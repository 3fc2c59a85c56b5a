"""Records as dicts for the pure audit engine: schema-shaped, built in memory."""

from __future__ import annotations

from typing import Any

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
P = "acme"
AS_OF = "2026-11-27T00:00:00Z"


def registration(publisher: str = P, admitted_at: str = "2025-01-01T00:00:00Z") -> dict[str, Any]:
    return {
        "schema": "imageledger/publisher/v1",
        "publisher": publisher,
        "name": "Acme Images Ltd.",
        "admitted_at": admitted_at,
    }


def record(kind: str, seq: int, at: str, publisher: str = P, **body: Any) -> dict[str, Any]:
    return {
        "schema": f"imageledger/{kind}/v1",
        "publisher": publisher,
        "seq": seq,
        "prev": "sha256:" + "0" * 64,
        "recorded_at": at,
        **body,
    }


def consent(
    seq: int,
    *,
    purposes: tuple[str, ...] = ("advertising",),
    jurisdictions: tuple[str, ...] = ("EU",),
    valid_from: str = "2026-01-01T00:00:00Z",
    until: str | None = None,
    likeness: bool = True,
    training: bool = False,
    synthetic: bool = False,
    at: str = "2026-01-01T00:00:00Z",
) -> dict[str, Any]:
    valid = {"from": valid_from} | ({"until": until} if until else {})
    return record(
        "consent",
        seq,
        at,
        subject={"commitment": "sha256:" + "1" * 64},
        purposes=list(purposes),
        scope={"likeness": likeness, "ai_training": training, "synthetic_likeness": synthetic},
        valid=valid,
        jurisdictions=list(jurisdictions),
        legal_basis="gdpr-6-1-a",
        collection={"method": "web-form", "withdrawal": "https://acme.example/withdraw"},
        receipt="sha256:" + "2" * 64,
    )


def disclosure(
    seq: int,
    *,
    consent_ref: str | None = None,
    basis: str | None = None,
    person: bool = True,
    source: str = "digitalCapture",
    purposes: tuple[str, ...] = ("advertising",),
    jurisdictions: tuple[str, ...] = ("EU",),
    start: str | None = "2026-02-01T00:00:00Z",
    until: str | None = None,
    visible: str = "none",
    machine: tuple[str, ...] = (),
    exception: bool = False,
    licence_until: str | None = None,
    at: str = "2026-01-15T00:00:00Z",
    publisher: str = P,
) -> dict[str, Any]:
    ai: dict[str, Any] = {"digital_source_type": DST + source, "resembles_real_person": person}
    if exception:
        ai["deepfake_exception"] = {"basis": "artistic"}
    body: dict[str, Any] = {
        "image": {"sha256": "3" * 64, "media_type": "image/png"},
        "ai": ai,
        "labels": {"visible": visible, "machine_readable": list(machine)},
        "purposes": list(purposes),
        "jurisdictions": list(jurisdictions),
        "rights": {"copyright_owner": "Acme Images Ltd.", "licence": "all-rights-reserved"},
    }
    if consent_ref is not None:
        body["subjects"] = [{"basis": "consent", "consent": consent_ref}]
    elif basis is not None:
        body["subjects"] = [{"basis": basis}]
    if start is not None:
        body["period"] = {"from": start} | ({"until": until} if until else {})
    if licence_until is not None:
        body["rights"]["licence_period"] = {"from": "2026-01-01T00:00:00Z", "until": licence_until}
    return record("disclosure", seq, at, publisher, **body)


def withdrawal(seq: int, consent_ref: str, requested: str, effective: str) -> dict[str, Any]:
    return record(
        "consent-withdrawal",
        seq,
        requested,
        consent=consent_ref,
        requested_at=requested,
        effective_at=effective,
    )


def attestation(seq: int, scope: str, until: str, at: str) -> dict[str, Any]:
    return record(
        "audit-attestation",
        seq,
        at,
        auditor={"name": "Brightline Assurance LLP"},
        scope=scope,
        period={"from": "2026-01-01T00:00:00Z", "until": until},
        report={"url": "https://brightline.example/r", "sha256": "4" * 64},
    )


def attested() -> dict[str, Any]:
    """An attestation that keeps ``attestation-missing`` quiet at AS_OF."""
    return attestation(900, "consent-compliance", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
