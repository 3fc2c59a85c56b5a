"""``record new|sign|fmt``, ``validate`` and ``show``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from imageledger import authoring, drafts
from imageledger.cli import Context, cli, echo_report, now, progress
from imageledger.core import schemas, strict_yaml
from imageledger.core.chain import PublisherChain
from imageledger.core.keys import PrivateKey
from imageledger.core.records import kind_of, parse_time
from imageledger.errors import LedgerError, Location, RecordError, Report, UsageError
from imageledger.storage.files import load_private_key, read_bounded, write_atomic
from imageledger.storage.layout import Layout


@cli.group()
def record() -> None:
    """Draft, sign and format records."""


@record.command("new")
@click.argument("kind", type=click.Choice(schemas.CHAIN_KINDS))
@click.option(
    "--image",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Fill in the image's identity from this file.",
)
@click.option("--publisher", "publisher_id", default="<your publisher id>")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the draft here instead of printing it.",
)
def record_new(kind: str, image: Path | None, publisher_id: str, out: Path | None) -> int:
    """Print a draft of KIND with every field, commented."""
    prefill: dict[str, Any] = {}
    if image is not None:
        prefill["image"] = image_identity(image)
    text = drafts.draft(kind, publisher=publisher_id, prefill=prefill)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_atomic(out, text.encode(), exclusive=True)
        click.echo(f"wrote {out}")
    return 0


def image_identity(path: Path) -> dict[str, Any]:
    """SHA-256, PDQ fingerprint, media type, dimensions and size of an image file."""
    from imageledger.imaging.identity import identify_file

    return identify_file(path, fast=False).to_record()


def next_position(
    layout: Layout, publisher: str, key: PrivateKey, recorded_at: str | None
) -> tuple[str, PublisherChain]:
    """The ``recorded_at`` (``--at`` or now) and verified chain of ``publisher``'s next record;
    refuse a key that may not sign for it and a time before the chain's head."""
    at = recorded_at or now()
    parse_time(at, "--at")
    chain = authoring.key_may_sign(layout, publisher, key)
    if at < chain.head_time:
        raise UsageError(
            f"--at {at} is earlier than {publisher}/{chain.head_seq} ({chain.head_time})",
            code="chain-time",
        )
    return at, chain


@record.command("sign")
@click.argument("draft", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Your private key file.",
)
@click.option("--at", "recorded_at", help="recorded_at (default: now, UTC).")
@click.pass_obj
def record_sign(obj: Context, draft: Path, key_file: Path, recorded_at: str | None) -> int:
    """Sign DRAFT as the publisher's next record and write it into the ledger."""
    layout = Layout(obj.repo)
    key = load_private_key(key_file)
    try:
        data = strict_yaml.parse(read_bounded(draft))
        kind = kind_of(data)
        if kind == "publisher":
            raise UsageError("use `imageledger publisher new` for registrations", code="usage-kind")
        publisher_id = data.get("publisher")
        if not isinstance(publisher_id, str):
            raise RecordError(
                "the draft names no publisher",
                code="record-schema",
                location=Location(field="publisher"),
            )
    except LedgerError as e:
        raise e.at(str(draft)) from None
    at, chain = next_position(layout, publisher_id, key, recorded_at)
    seq, prev = chain.head_seq, chain.head_hash
    try:
        signed = authoring.seal(
            data, publisher=publisher_id, seq=seq + 1, prev=prev, recorded_at=at, key=key
        )
    except LedgerError as e:
        raise e.at(str(draft)) from None
    path = authoring.write_record(layout, signed)
    click.echo(f"wrote {layout.rel(path)} ({publisher_id}/{seq + 1})")
    return 0


@record.command("fmt")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
def record_fmt(files: tuple[Path, ...]) -> int:
    """Rewrite files in canonical form (the value, and so the signature, is unchanged)."""
    for path in files:
        try:
            data = strict_yaml.parse(read_bounded(path))
        except LedgerError as e:
            raise e.at(str(path)) from None
        write_atomic(path, strict_yaml.dump(data).encode())
    return 0


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@click.option("--workers", type=int, help="Processes to use (default: one per core).")
@click.option(
    "--cache/--no-cache",
    default=None,
    help="Reuse per-file results from .imageledger-cache/ (default: on with PATHs, off for "
    "the whole ledger).",
)
@click.option(
    "--images",
    "images_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Also cross-check disclosures against their image files found in this folder.",
)
@click.pass_obj
def validate(
    obj: Context,
    paths: tuple[Path, ...],
    as_json: bool,
    workers: int | None,
    cache: bool | None,
    images_dir: Path | None,
) -> int:
    """Check schema, canonical form, signatures, chains, keys and references.

    With PATHs, check only those files' publishers (their chains are what the files
    depend on); without, the whole ledger.
    """
    from imageledger.validate import validate as run

    layout = Layout(obj.repo)
    publishers: set[str] | None = None
    report = Report()
    if paths:
        publishers = set()
        for path in paths:
            try:
                publishers.add(layout.classify(path)[0])
            except LedgerError as e:
                report.error(e)
        if not report:
            return echo_report(report, as_json=as_json, summary="nothing validated")
    with progress("validating", enabled=not as_json) as advance:
        result = run(
            layout.repo,
            publishers=publishers,
            workers=workers,
            progress=advance,
            use_cache=bool(paths) if cache is None else cache,
        )
    report.extend(result.report)
    summary = f"{result.records} records, {result.publishers} publishers"
    if images_dir is not None:
        from imageledger.imaging.ledger_images import check_images

        found, checked = check_images(layout, images_dir, publishers=publishers)
        report.extend(found)
        summary += f", {checked} image(s) cross-checked"
    return echo_report(report, as_json=as_json, summary=summary)


@cli.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print the canonical record.")
@click.pass_obj
def show(obj: Context, ref: str, as_json: bool) -> int:
    """Show one record, REF = <publisher>/<seq>, with vocabulary labels."""
    from imageledger.core.records import UnverifiedRecord
    from imageledger.describe import describe

    layout = Layout(obj.repo)
    publisher_id, _, seq_text = ref.partition("/")
    if not seq_text.isdigit():
        raise UsageError(f"{ref!r} is not <publisher>/<seq>", code="usage-ref")
    path = (
        layout.registration_path(publisher_id)
        if seq_text == "0"
        else layout.record_path(publisher_id, int(seq_text))
    )
    if not path.is_file():
        raise RecordError(
            f"no record {ref}", code="ref-missing", location=Location(layout.rel(path))
        )
    try:
        record = UnverifiedRecord.from_dict(strict_yaml.parse_canonical(read_bounded(path)))
    except LedgerError as e:
        raise e.at(layout.rel(path)) from None
    if as_json:
        click.echo(record.canonical.decode())
        return 0
    click.echo(f"{ref}  {schemas.TITLES[record.kind]}")
    click.echo(f"hash: {record.hash}")
    for label, value in describe(record.data):
        click.echo(f"  {label}: {value}")
    return 0
