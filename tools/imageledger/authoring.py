"""Making records: drafts, registrations, sealing into a chain, writing files atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from imageledger.core import canonical, schemas, strict_yaml
from imageledger.core.chain import PublisherChain
from imageledger.core.keys import PrivateKey, parse_verifier_key
from imageledger.core.records import UnverifiedRecord, sign
from imageledger.errors import Location, RecordError, VerificationError
from imageledger.storage.files import read_bounded, write_atomic
from imageledger.storage.layout import Layout
from imageledger.validate import validate


def registration(
    publisher: str,
    *,
    name: str,
    domain: str,
    contact: str,
    keys: list[str],
    admitted_at: str,
    description: str | None = None,
) -> dict[str, Any]:
    """An unsigned publisher registration for the operator to admit."""
    for text in keys:
        parse_verifier_key(text)
    data: dict[str, Any] = {
        "schema": schemas.schema_id("publisher"),
        "publisher": publisher,
        "name": name,
        "domain": domain,
        "contact": contact,
        "keys": keys,
        "admitted_at": admitted_at,
    }
    if description:
        data["description"] = description
    return data


def seal(
    draft: dict[str, Any], *, publisher: str, seq: int, prev: str, recorded_at: str, key: PrivateKey
) -> dict[str, Any]:
    """Place ``draft`` at ``seq`` after ``prev`` and sign it; the result is validated."""
    chain_fields = {"publisher": publisher, "seq": seq, "prev": prev, "recorded_at": recorded_at}
    body = {k: v for k, v in draft.items() if k not in (*chain_fields, "signatures")}
    signed = sign({**body, **chain_fields}, key)
    UnverifiedRecord.from_dict(signed)
    return signed


def render(record: dict[str, Any]) -> bytes:
    return strict_yaml.dump(record).encode("utf-8")


def chain_head(layout: Layout, publisher: str) -> tuple[int, str]:
    """``(seq, hash)`` of the publisher's last record (0 and the registration hash if none).

    Reads only the registration and the last record; `validate` checks the rest.
    """
    path = layout.registration_path(publisher)
    if not path.is_file():
        raise RecordError(
            f"no publisher {publisher!r} in this ledger",
            code="publisher-unknown",
            location=Location(layout.rel(path)),
        )
    last = path
    seq = 0
    for seq_found, record_path in layout.record_files(publisher):
        seq, last = seq_found, record_path
    data = strict_yaml.parse_canonical(read_bounded(last))
    return seq, canonical.record_hash(data)


def key_may_sign(layout: Layout, publisher: str, key: PrivateKey) -> PublisherChain:
    """Refuse a key that is not currently valid for ``publisher`` (walks its key events);
    return the publisher's verified chain."""
    result = validate(layout.repo, publishers=[publisher], use_cache=True)
    chain: PublisherChain | None = result.chains.get(publisher)
    if chain is None or not result.report:
        problems = "; ".join(f.diagnostics() for f in result.report.errors[:3])
        raise VerificationError(
            f"the chain of {publisher} does not validate: {problems}", code="chain-invalid"
        )
    state = chain.keys.get(key.verifier.ref)
    if state is None or not state.usable_at(chain.head_seq + 1) or state.revoked_seq:
        raise VerificationError(
            f"{key.verifier.ref} is not a current key of {publisher}",
            code="signature-unknown-key",
            hint="sign with a key registered for this publisher",
        )
    return chain


def write_record(layout: Layout, record: dict[str, Any]) -> Path:
    """Write a signed record to its one path, never replacing a file."""
    path = layout.record_path(record["publisher"], record["seq"])
    write_atomic(path, render(record), exclusive=True)
    return path


def sign_registration(
    data: dict[str, Any], operator: PrivateKey, publisher_key: PrivateKey | None = None
) -> dict[str, Any]:
    """Admit a registration: the operator signs; the publisher may co-sign first to prove
    it holds the key it registers."""
    if publisher_key is not None and "signatures" not in data:
        data = sign(data, publisher_key)
    signed = sign(data, operator)
    UnverifiedRecord.from_dict(signed)
    return signed


def check_registration_shape(data: dict[str, Any]) -> None:
    UnverifiedRecord.from_dict(data)
