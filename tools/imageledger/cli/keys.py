"""``keygen`` and ``publisher new|admit``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from imageledger import authoring
from imageledger.cli import Context, cli, now
from imageledger.core import strict_yaml
from imageledger.core.keys import (
    format_private_key,
    format_verifier_key,
    generate_key,
    parse_verifier_key,
)
from imageledger.core.records import sign
from imageledger.errors import Location, UsageError, VerificationError
from imageledger.storage.files import load_private_key, read_bounded, write_atomic
from imageledger.storage.layout import Layout, load_config


@cli.command()
@click.option("--name", required=True, help="Key name, e.g. example.com/ledger-2026.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the private key (mode 0600; never overwritten).",
)
def keygen(name: str, out: Path) -> int:
    """Make an Ed25519 signing key; print its verifier key.

    The private key file never belongs in the repository: keep it in a secret store.
    """
    key = generate_key(name, os.urandom(32))
    write_atomic(out, (format_private_key(key) + "\n").encode(), mode=0o600, exclusive=True)
    click.echo(format_verifier_key(key.verifier))
    return 0


def _verifier_text(value: str) -> str:
    path = Path(value)
    if "+" not in value and path.is_file():
        value = read_bounded(path, 4096).decode("utf-8", "replace")
    return value.strip()


@cli.group()
def publisher() -> None:
    """Register publishers (publisher new) and admit them (operator: publisher admit)."""


@publisher.command("new")
@click.argument("publisher_id")
@click.option("--name", required=True, help="Legal name of the company.")
@click.option("--domain", required=True, help="The company's domain, e.g. example.com.")
@click.option("--contact", help="Role address or page (default mailto:ledger@DOMAIN).")
@click.option(
    "--key",
    "keys",
    required=True,
    multiple=True,
    help="Verifier key text (or a file holding it); repeat for a backup key.",
)
@click.option(
    "--proof",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Your private key file: co-signs the registration to prove you hold it.",
)
@click.option("--description", help="One line about what the company publishes.")
@click.pass_obj
def publisher_new(
    obj: Context,
    publisher_id: str,
    name: str,
    domain: str,
    contact: str | None,
    keys: tuple[str, ...],
    proof: Path | None,
    description: str | None,
) -> int:
    """Write ledger/publishers/ID/publisher.yaml for the operator to admit."""
    layout = Layout(obj.repo)
    texts = [_verifier_text(k) for k in keys]
    for text in texts:
        parse_verifier_key(text)
    data = authoring.registration(
        publisher_id,
        name=name,
        domain=domain,
        contact=contact or f"mailto:ledger@{domain}",
        keys=texts,
        admitted_at=now(),
        description=description,
    )
    data["signatures"] = []
    if proof is not None:
        key = load_private_key(proof)
        if format_verifier_key(key.verifier) not in texts:
            raise UsageError("--proof key is not one of the --key keys", code="usage-proof-key")
        data = sign(data, key)
    authoring.check_registration_shape(data)
    path = layout.registration_path(publisher_id)
    write_atomic(path, authoring.render(data), exclusive=True)
    click.echo(f"wrote {layout.rel(path)}: ask the operator to admit it")
    return 0


@publisher.command("admit")
@click.argument("publisher_id")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The operator's private key file.",
)
@click.pass_obj
def publisher_admit(obj: Context, publisher_id: str, key_file: Path) -> int:
    """Operator: sign a publisher registration, admitting the publisher."""
    layout = Layout(obj.repo)
    key = load_private_key(key_file)
    config = load_config(layout)
    if key.verifier.ref not in config.operator_keys:
        raise VerificationError(
            f"{key.verifier.ref} is not an operator key in ledger.yaml",
            code="operator-key-unknown",
            location=Location(layout.rel(layout.config_path)),
        )
    path = layout.registration_path(publisher_id)
    data = strict_yaml.parse_canonical(read_bounded(path))
    signed = authoring.sign_registration(data, key)
    write_atomic(path, authoring.render(signed))
    click.echo(f"admitted {publisher_id}: {layout.rel(path)}")
    return 0
