"""``log integrate|tiles|prove|check-proof``, ``verify``, ``witness cosign``,
``checkpoint verify``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from imageledger.cli import Context, cli, echo_report, now, progress
from imageledger.core.records import parse_time
from imageledger.errors import LedgerError, UsageError
from imageledger.storage.files import load_private_key, read_bounded, write_atomic
from imageledger.storage.layout import Layout

_KEY = click.Path(dir_okay=False, exists=True, path_type=Path)


def _time(value: str | None) -> str:
    at = value or now()
    parse_time(at, "--time")
    return at


def _unix(value: str | None) -> int:
    return int(parse_time(_time(value), "--time").timestamp())


@cli.group("log")
def log_group() -> None:
    """Sequence the ledger into its transparency log; publish tiles; make and check proofs."""


@log_group.command("integrate")
@click.option("--key", "key_file", required=True, type=_KEY, help="The operator's private key.")
@click.option("--time", "at", help="Integration time, RFC 3339 UTC (default: now).")
@click.option("--workers", type=int, help="Processes for validation (default: one per core).")
@click.pass_obj
def log_integrate(obj: Context, key_file: Path, at: str | None, workers: int | None) -> int:
    """Append every admitted entry not yet logged and sign the next checkpoint."""
    from imageledger.log.integrate import integrate

    key = load_private_key(key_file)
    with progress("validating") as advance:
        batch = integrate(obj.repo, key, time=_time(at), workers=workers, progress=advance)
    if batch is None:
        click.echo("nothing new to integrate")
    else:
        click.echo(
            f"integrated {batch.new_size - batch.old_size} entries; log size {batch.new_size}"
        )
    return 0


@log_group.command("tiles")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The tiles folder (served as /log/); extended in place when it holds older tiles.",
)
@click.pass_obj
def log_tiles(obj: Context, out: Path) -> int:
    """Write the log in C2SP tlog-tiles layout: checkpoint, hash tiles, entry bundles."""
    from imageledger.log.publish import write_tiles

    result = write_tiles(obj.repo, out)
    click.echo(
        f"tiles for size {result.size}: {result.written} files written, "
        f"{result.bytes} bytes (from size {result.old_size})"
    )
    return 0


@log_group.command("prove")
@click.argument("ref")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.pass_obj
def log_prove(obj: Context, ref: str, out: Path | None) -> int:
    """Write a c2sp.org/tlog-proof@v1 file for REF (<publisher>/<seq>, 0 = registration)."""
    from imageledger.log.publish import prove

    proof = prove(obj.repo, ref)
    if out is None:
        click.echo(proof.decode(), nl=False)
    else:
        write_atomic(out, proof)
        click.echo(f"wrote {out}")
    return 0


@log_group.command("check-proof")
@click.argument("proof_file", type=_KEY)
@click.option("--record", "record_file", required=True, type=_KEY, help="The record's file.")
@click.option("--key", "keys", multiple=True, help="Operator verifier key (default: ledger.yaml).")
@click.option("--origin", help="Log origin (default: ledger.yaml's).")
@click.pass_obj
def log_check_proof(
    obj: Context, proof_file: Path, record_file: Path, keys: tuple[str, ...], origin: str | None
) -> int:
    """Verify a tlog-proof file for a record offline."""
    from imageledger.log.publish import check_proof, record_entry

    try:
        repo: Path | None = obj.repo
    except LedgerError:
        repo = None
    result = check_proof(
        read_bounded(proof_file, 1 << 20),
        record_entry(record_file),
        keys=list(keys),
        origin=origin,
        repo=repo,
    )
    cp = result.checkpoint.checkpoint
    click.secho(
        f"ok: {record_file} is entry {result.index} of {cp.origin} at size {cp.size}", fg="green"
    )
    return 0


@cli.command("verify")
@click.option(
    "--repo",
    "clone",
    type=click.Path(file_okay=False, path_type=Path),
    help="A clone of the ledger (default: the global --repo, or the nearest ledger).",
)
@click.option(
    "--site", help="A published site's root (folder or http(s):// URL); tiles under log/."
)
@click.option("--state", type=click.Path(file_okay=False, path_type=Path), help="Audit memory.")
@click.option("--operator-key", "operator_keys", multiple=True, help="Trusted operator key.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@click.option("--workers", type=int, help="Processes to use (default: one per core).")
@click.option(
    "--records",
    is_flag=True,
    help="With --site: check every record's values too, as validate does (a clone's always).",
)
@click.pass_obj
def verify_command(
    obj: Context,
    clone: Path | None,
    site: str | None,
    state: Path | None,
    operator_keys: tuple[str, ...],
    as_json: bool,
    workers: int | None,
    records: bool,
) -> int:
    """Audit the ledger and its log, from a clone (--repo) or a published site (--site)."""
    from imageledger.log import audit

    if clone is not None and site is not None:
        raise UsageError("give --repo or --site, not both", code="usage-source")

    with progress("verifying", enabled=not as_json) as advance:
        if site is not None:
            result = audit.verify_site(
                site,
                state=state,
                operator_keys=list(operator_keys),
                workers=workers,
                progress=advance,
                records=records,
            )
        else:
            result = audit.verify_repo(
                clone.resolve() if clone is not None else obj.repo,
                state=state,
                operator_keys=list(operator_keys),
                workers=workers,
                progress=advance,
            )
    if as_json:
        click.echo(json.dumps({**result.report.to_json(), **result.to_json()}, indent=2))
        return 0 if result.report else 1
    for line in result.evidence:
        click.echo(line, err=True)
    return echo_report(result.report, as_json=False, summary=result.summary())


@cli.group("witness")
def witness_group() -> None:
    """Witness the log: check consistency with what you saw before, then cosign."""


@witness_group.command("cosign")
@click.option("--key", "key_file", required=True, type=_KEY, help="The witness's private key.")
@click.option(
    "--state",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The witness's memory of the last checkpoint it cosigned, per origin.",
)
@click.option("--time", "at", help="Cosignature time, RFC 3339 UTC (default: now).")
@click.pass_obj
def witness_cosign(obj: Context, key_file: Path, state: Path, at: str | None) -> int:
    """Cosign the ledger's latest checkpoint into ledger/log/witnesses/<name>/<size>."""
    from imageledger.log.witness import ForkError, cosign_repo

    key = load_private_key(key_file)
    try:
        path = cosign_repo(Layout(obj.repo), key, state_dir=state, time=_unix(at))
    except ForkError as e:
        click.echo(e.evidence, err=True)
        raise
    click.echo(f"wrote {path}")
    return 0


@cli.group("checkpoint")
def checkpoint_group() -> None:
    """Check signed notes and checkpoints."""


@checkpoint_group.command("verify")
@click.argument("note_file", type=_KEY)
@click.option("--key", "keys", multiple=True, required=True, help="A verifier key (repeatable).")
def checkpoint_verify(note_file: Path, keys: tuple[str, ...]) -> int:
    """Verify a signed note or checkpoint (C2SP signed-note) against verifier keys."""
    from imageledger.log.witness import verify_note_file

    if not keys:
        raise UsageError("give at least one --key", code="usage-key")
    click.secho(f"ok: {verify_note_file(read_bounded(note_file, 1 << 20), list(keys))}", fg="green")
    return 0
