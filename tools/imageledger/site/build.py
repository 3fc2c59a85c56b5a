"""Every generated page and file of the site, as data (pure: a ledger in, paths and
contents out). The plugin hands these to MkDocs; another generator could write them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import click

from imageledger.errors import LedgerError, Location, RecordError
from imageledger.imaging import site_index
from imageledger.imaging.pdq import parse_pdq_hex
from imageledger.site import urls
from imageledger.site.model import SiteLedger
from imageledger.site.render import api, feeds, reference
from imageledger.site.render.html import PageSource
from imageledger.site.render.publisher import page_count, render_publisher_page, render_publishers
from imageledger.site.render.vocab_cells import vocab_json
from imageledger.storage.layout import record_filename

CSP_META = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"
)
"""The policy in every page's ``<meta>`` (``site_src/overrides/main.html``)."""
CSP = CSP_META + "; frame-ancestors 'none'"
"""The policy as an HTTP header (``_headers``): ``frame-ancestors`` only works there."""
HEADERS = (
    "/*\n"
    f"  Content-Security-Policy: {CSP}\n"
    "  X-Content-Type-Options: nosniff\n"
    "  Referrer-Policy: no-referrer\n"
    "  Permissions-Policy: interest-cohort=()\n"
)
FORMAT_REFERENCE = "reference/format.md"
CLI_REFERENCE = "reference/cli.md"


VOCAB = f"{urls.API}/vocab.json"
"""The vocabulary terms record pages label and link (:mod:`.render.vocab_cells`)."""
IMAGES = f"{urls.API}/images"
"""The sharded image index the look-up box reads (``imageledger.imaging.site_index``)."""


def image_index(ledger: SiteLedger) -> dict[str, bytes]:
    """The image index of every disclosure (retracted ones too: the page says so)."""
    entries = []
    for record in ledger.records():
        image = record.data.get("image") if record.kind == "disclosure" else None
        if not isinstance(image, dict) or not isinstance(image.get("sha256"), str):
            continue
        pdq = image.get("pdq")
        fingerprint = (
            parse_pdq_hex(pdq["hash"], quality=int(pdq.get("quality", 0)))
            if isinstance(pdq, dict) and isinstance(pdq.get("hash"), str)
            else None
        )
        entries.append(site_index.IndexEntry(record.ref, image["sha256"], fingerprint))
    return site_index.build(entries)


@dataclass(frozen=True, slots=True)
class Options:
    site_url: str
    page_size: int = 50
    feed_entries: int = 20
    latest: int = 10
    export: bool = True
    proofs: bool = True


@dataclass(frozen=True, slots=True)
class Generated:
    """One generated file: ``path`` relative to the docs root; ``ref`` names the record
    it comes from, for error messages."""

    path: str
    content: str | bytes | PageSource
    ref: str | None = None


def record_file(ref: str) -> str:
    """The repository path of the record ``ref`` (for error messages)."""
    publisher, _, seq = ref.partition("/")
    return f"ledger/publishers/{publisher}/records/{record_filename(int(seq))}"


def _rendered(path: str, ref: str, make: Callable[[], str | bytes | PageSource]) -> Generated:
    """``make()`` as the file ``path``; a failure names the record it came from."""
    try:
        return Generated(path, make(), ref)
    except LedgerError as e:
        raise e.at(record_file(ref)) from e
    except Exception as e:  # a renderer bug meeting unusual data: say which record
        raise RecordError(
            f"rendering {path} failed: {e!r}",
            code="site-render",
            location=Location(record_file(ref)),
        ) from e


def pages(
    ledger: SiteLedger,
    options: Options,
    cli: click.Command,
    *,
    compliance: Mapping[str, Mapping[str, int]] | None = None,
) -> Iterator[Generated]:
    """Markdown sources: the generated references, the publisher list and each publisher's
    first page. Record pages and later list pages are standalone documents
    (:mod:`imageledger.site.render.standalone`), written outside MkDocs (ADR 0010)."""
    yield Generated(FORMAT_REFERENCE, reference.render_format_reference())
    yield Generated(CLI_REFERENCE, reference.render_cli_reference(cli))
    yield Generated(urls.markdown_path(urls.PUBLISHERS), render_publishers(ledger))
    for publisher in ledger.publishers.values():
        yield Generated(
            urls.markdown_path(urls.publisher(publisher.id)),
            render_publisher_page(
                ledger,
                publisher,
                1,
                size=options.page_size,
                latest=options.latest,
                compliance=None if compliance is None else compliance.get(publisher.id, {}),
            ),
            publisher.id,
        )


def files(ledger: SiteLedger, options: Options, *, now: str) -> Iterator[Generated]:
    """Static files: the JSON API (with each publisher's canonical gzip pages: every
    record's exact bytes, ADR 0013), the vocabulary record pages show, feeds, indexes, the
    export manifest."""
    site = options.site_url
    yield Generated("_headers", HEADERS)
    for path, data in reference.schema_files().items():
        yield Generated(path, data)
    figures = ledger.figures(now=now)
    yield Generated(f"{urls.API}/ledger.json", api.ledger_json(ledger, figures, site))
    yield Generated(f"{urls.API}/publishers.json", api.publishers_json(ledger, site))
    yield Generated(VOCAB, api.compact(vocab_json()))
    n = options.feed_entries
    latest = ledger.latest(n)
    for fmt, render in (("atom", feeds.atom), ("json", feeds.json_feed)):
        yield Generated(
            urls.feed(fmt),
            render(
                latest, title_text=ledger.name, site_url=site, feed_path=urls.feed(fmt), home=""
            ),
        )
    for publisher in ledger.publishers.values():
        pid = publisher.id
        yield Generated(
            urls.api_publisher(pid), api.publisher_json(publisher, site, options.page_size), pid
        )
        yield Generated(urls.registration_gz(pid), api.registration_gz(publisher), pid)
        for number in range(1, page_count(publisher, options.page_size) + 1):
            yield Generated(
                urls.api_publisher_page(pid, number),
                api.publisher_page_json(ledger, publisher, number, site, options.page_size),
                pid,
            )
            if publisher.records:
                yield Generated(
                    urls.canonical_page(pid, number),
                    api.canonical_page(publisher, number, options.page_size),
                    pid,
                )
        newest = ledger.latest(n, publisher=pid)
        for fmt, render in (("atom", feeds.atom), ("json", feeds.json_feed)):
            yield Generated(
                urls.publisher_feed(pid, fmt),
                render(
                    newest,
                    title_text=f"{ledger.name}: {pid}",
                    site_url=site,
                    feed_path=urls.publisher_feed(pid, fmt),
                    home=urls.publisher(pid),
                ),
                pid,
            )
    for path, data in image_index(ledger).items():
        yield Generated(f"{IMAGES}/{path}", data)
    for path, data in api.hash_index(ledger).items():
        yield Generated(f"{urls.API}/hashes/{path}", data)
    for path, data in api.receipt_index(ledger).items():
        yield Generated(f"{urls.API}/receipts/{path}", data)
    if options.export:
        yield Generated(urls.EXPORT, api.export_manifest(ledger, site, options.page_size))
