"""``consent new|withdraw|lookup``: consent records, their receipts, and their status."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

import click

from imageledger import authoring
from imageledger.cli import Context, cli, now
from imageledger.cli.records import next_position
from imageledger.core import schemas, strict_yaml
from imageledger.core.records import kind_of, parse_time
from imageledger.errors import LedgerError, Location, RecordError, UsageError
from imageledger.storage.files import load_private_key, read_bounded, write_atomic
from imageledger.storage.layout import Layout, load_config

_COMMITMENT = re.compile(r"^sha256:[0-9a-f]{64}$")
_KEY = click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Your private key file.",
)
_AT = click.option("--at", "recorded_at", help="recorded_at (default: now, UTC).")


@cli.group()
def consent() -> None:
    """Record consents with a receipt for the person, withdraw them, look them up."""


def _seal_next(
    layout: Layout, draft: dict[str, Any], key_file: Path, recorded_at: str | None
) -> dict[str, Any]:
    """Sign ``draft`` as its publisher's next record (checks as ``record sign`` does)."""
    key = load_private_key(key_file)
    publisher = draft.get("publisher")
    if not isinstance(publisher, str):
        raise RecordError(
            "the draft names no publisher",
            code="record-schema",
            location=Location(field="publisher"),
        )
    at, chain = next_position(layout, publisher, key, recorded_at)
    return authoring.seal(
        draft,
        publisher=publisher,
        seq=chain.head_seq + 1,
        prev=chain.head_hash,
        recorded_at=at,
        key=key,
    )


@consent.command("new")
@click.argument("draft", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_KEY
@click.option(
    "--receipt-out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the person's receipt (HTML and JSON). Hand it to them; do not keep it.",
)
@_AT
@click.pass_obj
def consent_new(
    obj: Context, draft: Path, key_file: Path, receipt_out: Path, recorded_at: str | None
) -> int:
    """Sign the consent DRAFT with a fresh receipt secret and write the person's receipt.

    The draft is a consent record without a receipt (``imageledger record new consent``);
    this command draws a 160-bit secret, puts only its hash in the record, and writes
    ``<publisher>-<seq>-receipt.html`` and ``.json`` into the receipt folder. The secret is
    not printed and not kept anywhere else.
    """
    from imageledger.consent.receipt import build_receipt, render_html
    from imageledger.consent.secret import SECRET_BYTES, commitment

    layout = Layout(obj.repo)
    if receipt_out.resolve().is_relative_to(layout.ledger.resolve()):
        raise UsageError(
            "the receipt holds the person's secret; it must not go into ledger/",
            code="usage-receipt",
            hint="write it outside the repository and hand it to the person",
        )
    try:
        data = strict_yaml.parse(read_bounded(draft))
        if kind_of(data) != "consent":
            raise UsageError("the draft is not a consent record", code="usage-kind")
        existing = data.get("receipt")
        if isinstance(existing, str) and _COMMITMENT.match(existing):
            raise UsageError(
                "the draft already has a receipt commitment",
                code="usage-receipt",
                hint="delete the receipt line: this command draws the secret",
            )
    except LedgerError as e:
        raise e.at(str(draft)) from None
    secret = os.urandom(SECRET_BYTES)
    data["receipt"] = commitment(secret)
    try:
        signed = _seal_next(layout, data, key_file, recorded_at)
    except LedgerError as e:
        raise e.at(str(draft)) from None
    config = load_config(layout)
    registration = strict_yaml.parse(read_bounded(layout.registration_path(signed["publisher"])))
    receipt = build_receipt(signed, registration=registration, ledger=config.data, secret=secret)
    stem = f"{signed['publisher']}-{signed['seq']}-receipt"
    html_path, json_path = receipt_out / f"{stem}.html", receipt_out / f"{stem}.json"
    # The receipt first: a consent nobody can look up is worse than a receipt for nothing.
    body = json.dumps(receipt, indent=2, ensure_ascii=False) + "\n"
    write_atomic(json_path, body.encode(), mode=0o600, exclusive=True)
    try:
        write_atomic(html_path, render_html(receipt).encode(), mode=0o600, exclusive=True)
        path = authoring.write_record(layout, signed)
    except LedgerError:
        for written in (json_path, html_path):
            with contextlib.suppress(FileNotFoundError):
                written.unlink()
        raise
    ref = f"{signed['publisher']}/{signed['seq']}"
    click.echo(f"wrote {layout.rel(path)} ({ref})")
    click.echo(f"wrote the receipt: {html_path} and {json_path.name}")
    return 0


@consent.command("withdraw")
@click.argument("ref")
@click.option("--requested-at", required=True, help="When the person asked (RFC 3339 UTC).")
@click.option("--effective-at", required=True, help="When the consent stops (RFC 3339 UTC).")
@_KEY
@_AT
@click.pass_obj
def consent_withdraw(
    obj: Context,
    ref: str,
    requested_at: str,
    effective_at: str,
    key_file: Path,
    recorded_at: str | None,
) -> int:
    """Record that consent REF (<publisher>/<seq>) is withdrawn.

    Uses of images before --effective-at stay lawful; from then on every disclosure relying
    on REF must have ended (``imageledger audit`` reports those that have not).
    """
    from imageledger.audit.model import Policy
    from imageledger.audit.view import seconds_between

    layout = Layout(obj.repo)
    publisher, _, seq_text = ref.partition("/")
    if not seq_text.isdigit() or seq_text.startswith("0"):
        raise UsageError(f"{ref!r} is not <publisher>/<seq>", code="usage-ref")
    for value, name in ((requested_at, "--requested-at"), (effective_at, "--effective-at")):
        try:
            parse_time(value, name)
        except RecordError as e:
            raise UsageError(e.message, code="usage-time", location=e.location) from e
    path = layout.record_path(publisher, int(seq_text))
    if not path.is_file():
        raise RecordError(
            f"no record {ref}", code="ref-missing", location=Location(layout.rel(path))
        )
    target = strict_yaml.parse(read_bounded(path))
    if kind_of(target) != "consent":
        raise UsageError(f"{ref} is a {kind_of(target)} record, not a consent", code="ref-kind")
    for seq, name in layout.record_names(publisher):
        other = strict_yaml.parse(read_bounded(layout.records_dir(publisher) / name))
        if kind_of(other) == "consent-withdrawal" and other["consent"] == ref:
            raise UsageError(f"{ref} is already withdrawn by {publisher}/{seq}", code="usage-ref")
    draft = {
        "schema": schemas.schema_id("consent-withdrawal"),
        "publisher": publisher,
        "consent": ref,
        "requested_at": requested_at,
        "effective_at": effective_at,
    }
    signed = _seal_next(layout, draft, key_file, recorded_at)
    written = authoring.write_record(layout, signed)
    click.echo(f"wrote {layout.rel(written)} ({publisher}/{signed['seq']})")
    limit = Policy.from_config(load_config(layout).data).withdrawal_limit_days
    done = max(effective_at, signed["recorded_at"])
    if seconds_between(requested_at, done) > limit * 86_400:
        click.secho(
            f"warning: effective or recorded more than {limit} days after the request; "
            "`imageledger audit` will report it (withdrawal-late)",
            fg="yellow",
        )
    return 0


@consent.command("lookup")
@click.argument("secret", required=False)
@click.option("--as-of", "as_of", help="Status at this time (default: now, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def consent_lookup(obj: Context, secret: str | None, as_of: str | None, as_json: bool) -> int:
    """Find the consent for a receipt code and every disclosure relying on it.

    Without SECRET the code is asked for without echo (it stays out of shell history).
    """
    from imageledger.audit.model import Policy
    from imageledger.consent.lookup import lookup
    from imageledger.consent.secret import parse_secret
    from imageledger.storage.ledger_records import read_records

    text = secret if secret is not None else click.prompt("receipt code", hide_input=True)
    try:
        raw = parse_secret(text)
    except RecordError as e:
        raise UsageError(e.message, code=e.code, hint=e.hint) from e
    at = as_of or now()
    try:
        parse_time(at, "--as-of")
    except RecordError as e:
        raise UsageError(e.message, code="usage-time") from e
    layout = Layout(obj.repo)
    policy = Policy.from_config(load_config(layout).data)
    found = lookup(read_records(layout), raw, as_of=at, policy=policy)
    if as_json:
        click.echo(json.dumps({"as_of": at, "consents": [c.to_json() for c in found]}, indent=2))
        return 0 if found else 1
    if not found:
        click.secho("no consent in this ledger has that receipt code", fg="red")
        return 1
    for status in found:
        click.echo(f"consent {status.ref}: {status.state} (as of {at})")
        valid = status.record["valid"]
        click.echo(f"  valid from {valid['from']} until {valid.get('until', 'withdrawn')}")
        click.echo(f"  purposes: {', '.join(status.record['purposes'])}")
        click.echo(f"  jurisdictions: {', '.join(status.record['jurisdictions'])}")
        if status.withdrawal:
            click.echo(
                f"  withdrawn by {status.withdrawal}, effective {status.withdrawal_effective}"
            )
        if not status.disclosures:
            click.echo("  no disclosure relies on it")
        for d in status.disclosures:
            verdict = "compliant" if d.compliant else "NOT compliant"
            span = f"{d.use.start} to {d.use.end or 'open'}"
            click.echo(f"  disclosure {d.ref}: {d.state}, {span}, {verdict}")
            for finding in d.findings:
                click.echo(f"    {finding.severity} [{finding.code}] {finding.message}")
    return 0
