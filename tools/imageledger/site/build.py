"""Every generated page and file of the site, as data (pure: a ledger in, paths and
contents out). The plugin hands these to MkDocs; another generator could write them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial

import click

from imageledger.errors import LedgerError, Location, RecordError
from imageledger.site import inputs, urls
from imageledger.site.model import SiteLedger
from imageledger.site.render import api, feeds, reference
from imageledger.site.render.html import PageSource
from imageledger.site.render.publisher import (
    page_count,
    page_records,
    render_publisher_page,
    render_publishers,
)
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


@dataclass(frozen=True, slots=True)
class Options:
    site_url: str
    page_size: int = 50
    feed_entries: int = 20
    latest: int = 10
    export: bool = True


@dataclass(frozen=True, slots=True)
class Generated:
    """One generated file: ``path`` relative to the docs root; ``ref`` names the record
    it comes from, for error messages."""

    path: str
    content: str | bytes | PageSource | Callable[[], bytes]
    ref: str | None = None
    key: str | None = None
    """What ``content`` depends on (:mod:`imageledger.site.inputs`), when that is cheaper to
    know than the content: a rebuild that finds this path written under this key by the last
    build keeps the file and never calls ``content``."""

    def materialize(self) -> str | bytes | PageSource:
        """The content, rendered now if it was deferred."""
        return self.content() if callable(self.content) else self.content


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
        size = options.page_size
        total = page_count(publisher, size)
        for number in range(1, total + 1):
            records = page_records(publisher, number, size)
            yield Generated(
                urls.api_publisher_page(pid, number),
                partial(api.publisher_page_json, ledger, publisher, number, site, size),
                pid,
                inputs.records_key(ledger, records, "api", site, size, number, total),
            )
            if publisher.records:
                yield Generated(
                    urls.canonical_page(pid, number),
                    partial(api.canonical_page, publisher, number, size),
                    pid,
                    inputs.hashes_key(records, "canonical", size, number),
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
    for path, data in api.hash_index(ledger).items():
        yield Generated(f"{urls.API}/hashes/{path}", data)
    for path, data in api.receipt_index(ledger).items():
        yield Generated(f"{urls.API}/receipts/{path}", data)
    if options.export:
        yield Generated(urls.EXPORT, api.export_manifest(ledger, site, options.page_size))
