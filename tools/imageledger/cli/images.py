"""``inspect``, ``lookup``, ``embed``, ``check-images`` and ``image-index``."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import click

from imageledger.cli import Context, cli, echo_report
from imageledger.core import limits, strict_yaml
from imageledger.errors import LedgerError, Location, RecordError
from imageledger.storage.files import read_bounded, write_atomic
from imageledger.storage.layout import Layout, load_config

SITE_INDEX_DIR = "api/v1/images"
_IMAGE = click.Path(dir_okay=False, exists=True, path_type=Path)


def _anchors(path: Path | None) -> str | None:
    return None if path is None else read_bounded(path, 1024 * 1024).decode("utf-8", "replace")


def _show_facts(facts: Any) -> None:
    data = facts.to_json()
    click.echo(f"sha256      {data['sha256']}")
    click.echo(
        f"media type  {data['media_type']}, {data['width']}×{data['height']}, {data['size']} bytes"
    )
    pdq = data["pdq"]
    if pdq is None:
        click.echo("pdq         (image too small to fingerprint)")
    else:
        flag = "" if pdq["trusted"] else "  LOW QUALITY: not used for matching"
        click.echo(f"pdq         {pdq['hash']} quality {pdq['quality']} ({pdq['decode']}){flag}")
    xmp = data["xmp"]
    if xmp is None:
        click.echo("xmp         none")
    else:
        for key, value in xmp.items():
            if value not in (None, [], ""):
                click.echo(f"xmp         {key}: {json.dumps(value, ensure_ascii=False)}")
    c2pa = data["c2pa"]
    click.echo(f"c2pa        {c2pa['status']}")
    if c2pa["status"] in ("embedded", "remote-only", "error"):
        for key in ("validation_state", "failure_codes", "trust", "remote_url", "signer",
                    "claim_generator", "digital_source_types", "actions", "training_mining",
                    "error"):  # fmt: skip
            if c2pa[key] not in (None, [], {}):
                click.echo(f"c2pa        {key}: {json.dumps(c2pa[key], ensure_ascii=False)}")


@cli.command("inspect")
@click.argument("image", type=_IMAGE)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--full-decode", is_flag=True, help="Fingerprint the full-size JPEG decode.")
@click.option(
    "--trust-anchors",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="PEM root certificates to trust for C2PA signers (default: none).",
)
def inspect_cmd(image: Path, as_json: bool, full_decode: bool, trust_anchors: Path | None) -> int:
    """Show an image's hashes, fingerprint, XMP/IPTC and C2PA (nothing fetched)."""
    from imageledger.imaging.facts import inspect_file

    facts = inspect_file(image, fast=not full_decode, trust_anchors=_anchors(trust_anchors))
    if as_json:
        click.echo(json.dumps(facts.to_json(), indent=2, ensure_ascii=False))
    else:
        _show_facts(facts)
    return 0


MAX_INDEX_FILE = 8 * 1024 * 1024


def _site_reader(site: str) -> Any:
    """A reader of the site's image index: ``SITE/api/v1/images/`` or SITE itself."""
    from imageledger.log.fetch import LogSource

    under = LogSource(f"{site.rstrip('/')}/{SITE_INDEX_DIR}")
    source = under if under.read("meta.json", MAX_INDEX_FILE) is not None else LogSource(site)

    def read(rel: str) -> bytes | None:
        return source.read(rel, MAX_INDEX_FILE)

    return read


@cli.command()
@click.argument("image", type=_IMAGE)
@click.option(
    "--site",
    metavar="DIR_OR_URL",
    help="A built site folder or a published site's URL: answer from its static image "
    "index instead of the ledger.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def lookup(obj: Context, image: Path, site: str | None, as_json: bool) -> int:
    """Which disclosures are about IMAGE: exact (SHA-256) and near-duplicate (PDQ ≤ 31).

    Exit 0 when something matched, 1 when nothing did.
    """
    from imageledger.imaging import site_index
    from imageledger.imaging.identity import identify_file
    from imageledger.imaging.ledger_images import disclosed_images, match_local

    ident = identify_file(image)
    if site is not None:
        try:
            found = site_index.lookup(_site_reader(site), sha256=ident.sha256, pdq=ident.pdq)
        except RecordError as e:
            if e.code != "site-index-missing":
                raise
            raise RecordError(
                "this site has no image index: look-up by site is unsupported here",
                code="site-index-missing",
                location=Location(site),
                hint="use a site built with the image index, or look up in a ledger clone",
            ) from None
        exact, near = list(found.exact), list(found.near)
    else:
        exact, near = match_local(disclosed_images(Layout(obj.repo)), ident)
    near = [m for m in near if m.ref not in exact]
    if as_json:
        result = {
            "sha256": ident.sha256,
            "pdq": None if ident.pdq is None else ident.pdq.hex,
            "pdq_quality": None if ident.pdq is None else ident.pdq.quality,
            "exact": exact,
            "near": [{"ref": m.ref, "distance": m.distance, "quality": m.quality} for m in near],
        }
        click.echo(json.dumps(result, indent=2))
    else:
        if ident.pdq is not None and not ident.pdq_trusted:
            click.secho(
                f"fingerprint quality {ident.pdq.quality} is too low for near-duplicate search",
                fg="yellow",
            )
        for ref in exact:
            click.echo(f"exact  {ref}")
        for m in near:
            click.echo(f"near   {m.ref}  (distance {m.distance})")
        if not exact and not near:
            click.echo("no disclosure found for this image")
    return 0 if exact or near else 1


def _load_disclosure(layout: Layout, ref: str) -> tuple[str, int, dict[str, Any]]:
    from imageledger.errors import UsageError

    publisher, _, seq_text = ref.partition("/")
    if not seq_text.isdigit() or int(seq_text) < 1:
        raise UsageError(f"{ref!r} is not <publisher>/<seq>", code="usage-ref")
    path = layout.record_path(publisher, int(seq_text))
    if not path.is_file():
        raise RecordError(
            f"no record {ref}", code="ref-missing", location=Location(layout.rel(path))
        )
    try:
        data = strict_yaml.parse(read_bounded(path))
    except LedgerError as e:
        raise e.at(layout.rel(path)) from None
    if data.get("schema") != "imageledger/disclosure/v1":
        raise RecordError(
            f"{ref} is not a disclosure",
            code="embed-not-disclosure",
            location=Location(layout.rel(path)),
        )
    return publisher, int(seq_text), data


def _pixels_sha256(data: bytes) -> str:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return hashlib.sha256(
            img.mode.encode() + repr(img.size).encode() + img.tobytes()
        ).hexdigest()


@cli.command()
@click.argument("image", type=_IMAGE)
@click.option("--record", "ref", required=True, help="The disclosure, <publisher>/<seq>.")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Embed even if IMAGE is not the record's image.")
@click.pass_obj
def embed(obj: Context, image: Path, ref: str, out: Path, force: bool) -> int:
    """Write the record's permanent URL and hash into IMAGE's XMP, losslessly, as OUT.

    JPEG (APP1 segment) and PNG (iTXt chunk) only; pixels are never re-encoded.
    """
    from imageledger.core.canonical import record_hash
    from imageledger.imaging.containers import has_c2pa, read_xmp, replace_xmp
    from imageledger.imaging.identity import identify_bytes
    from imageledger.imaging.ledger_images import permanent_url
    from imageledger.imaging.match import is_match
    from imageledger.imaging.pdq import parse_pdq_hex
    from imageledger.imaging.xmp import RegistryEntry, build_xmp

    layout = Layout(obj.repo)
    publisher, seq, record = _load_disclosure(layout, ref)
    config = load_config(layout)
    url = permanent_url(config.data.get("url"), publisher, seq)
    data = read_bounded(image, limits.MAX_IMAGE_BYTES)
    where = Location(str(image))
    try:
        ident = identify_bytes(data)
    except LedgerError as e:
        raise e.at(str(image)) from None
    recorded = record.get("image") or {}
    same = recorded.get("sha256") == ident.sha256
    pdq = recorded.get("pdq")
    if not same and isinstance(pdq, dict) and ident.pdq is not None:
        same = is_match(ident.pdq, parse_pdq_hex(pdq["hash"], quality=pdq["quality"]))
    if not same and not force:
        raise RecordError(
            f"this file is not the image of {ref} (SHA-256 and fingerprint differ)",
            code="embed-image-mismatch",
            location=where,
            hint="embed into the disclosed image, or pass --force",
        )
    if has_c2pa(data, ident.media_type):
        raise RecordError(
            "the file carries a C2PA manifest, which any change of bytes would invalidate",
            code="embed-c2pa-present",
            location=where,
            hint="add the registry link in your C2PA signing step instead",
        )
    registry = (
        RegistryEntry(str(config.data["url"]), url),
        RegistryEntry(str(config.data["url"]), record_hash(record)),
    )
    dst = (record.get("ai") or {}).get("digital_source_type")
    try:
        packet = build_xmp(
            read_xmp(data, ident.media_type), registry=registry, digital_source_type=dst
        )
        written = replace_xmp(data, ident.media_type, packet)
    except LedgerError as e:
        raise e.at(str(image)) from None
    if _pixels_sha256(written) != _pixels_sha256(data):  # never expected; checked before writing
        raise RecordError(
            "embedding would change the pixels", code="embed-pixels-changed", location=where
        )
    write_atomic(out, written, exclusive=True)
    click.echo(f"wrote {out}: {url}")
    return 0


@cli.command("check-images")
@click.option(
    "--images",
    "images_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of image files; disclosures whose SHA-256 matches a file are checked.",
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@click.option(
    "--trust-anchors",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="PEM root certificates to trust for C2PA signers.",
)
@click.pass_obj
def check_images(
    obj: Context,
    images_dir: Path,
    paths: tuple[Path, ...],
    as_json: bool,
    trust_anchors: Path | None,
) -> int:
    """Cross-check disclosures' claims against their image files' own metadata.

    With PATHs (record files), only those publishers' disclosures are checked.
    """
    from imageledger.imaging.ledger_images import check_images as run

    layout = Layout(obj.repo)
    publishers = sorted({layout.classify(p)[0] for p in paths}) if paths else None
    report, checked = run(
        layout, images_dir, publishers=publishers, trust_anchors=_anchors(trust_anchors)
    )
    return echo_report(report, as_json=as_json, summary=f"{checked} disclosed image(s) checked")


@cli.command("image-index")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def image_index(obj: Context, out: Path) -> int:
    """Write the static image index the site serves (SHA-256 and PDQ shards) into OUT."""
    from imageledger.imaging import site_index
    from imageledger.imaging.ledger_images import disclosed_images

    files = site_index.build(d.index_entry() for d in disclosed_images(Layout(obj.repo)))
    for rel, data in sorted(files.items()):
        write_atomic(out / rel, data)
    click.echo(f"wrote {len(files)} files into {out}")
    return 0
