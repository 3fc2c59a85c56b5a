"""Record pages and publisher list pages as complete, lean HTML documents (pure: data in,
``(path, bytes)`` out).

MkDocs never sees these pages (ADR 0010): the theme's template would add ~8 KB of chrome
to every record, and MkDocs' per-page pipeline costs ~5 ms each. A record page is one
string template around the renderers' escaped body: the CSP ``<meta>``, one stylesheet,
one deferred module script (``record.js``: on record pages it renders the field table,
signatures, downloads and verification, ADR 0013), a header linking home and the publisher.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape

from imageledger.core.records import UnverifiedRecord
from imageledger.site import urls
from imageledger.site.model import Publisher, SiteLedger
from imageledger.site.render.html import PageSource, rel_url
from imageledger.site.render.publisher import render_publisher_page
from imageledger.site.render.record import render_record

TEMPLATE_VERSION = 2
"""Bump when a standalone page's markup changes (rebuilds re-render every cached page)."""
STYLESHEET = "assets/css/page.css"
SCRIPT = "assets/js/record.js"

_TEMPLATE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
    '<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
    "<title>{title} - {site}</title>"
    '<link rel="stylesheet" href="{root}{css}">'
    '<script type="module" src="{root}{js}"></script></head>\n'
    '<body><header class="il-top"><a href="{root}">{site}</a>{crumb}</header>\n'
    '<main><article class="il">\n<h1>{title}</h1>\n{body}\n</article></main>\n'
)
"""Every byte here is paid once per record (ADR 0013): no ``<link rel="icon">`` (browsers
ask for ``/favicon.ico``, which the plugin writes), no referrer ``<meta>`` (these pages make
no cross-origin request, and every outbound link carries ``rel="noreferrer"``), no optional
end tags."""


@dataclass(frozen=True, slots=True)
class Shell:
    """What every standalone page shares: the site's name and the CSP."""

    site_name: str
    csp: str

    def __post_init__(self) -> None:
        if any(c in self.csp for c in '"<>&'):
            raise ValueError("the CSP goes into an attribute verbatim: no quotes or markup")

    def document(self, url: str, source: PageSource, *, publisher: str | None) -> bytes:
        """``source`` as the complete page at directory URL ``url``."""
        root = rel_url(url, "")
        crumb = (
            f' / <a href="{rel_url(url, urls.publisher(publisher))}">{escape(publisher)}</a>'
            if publisher is not None
            else ""
        )
        return _TEMPLATE.format(
            csp=self.csp,
            title=escape(source.title),
            site=escape(self.site_name),
            root=root,
            css=STYLESHEET,
            js=SCRIPT,
            crumb=crumb,
            body=source.body,
        ).encode()


def record_page(
    shell: Shell,
    ledger: SiteLedger,
    record: UnverifiedRecord,
    *,
    page_size: int,
    findings: tuple[tuple[str, str, str], ...] = (),
) -> bytes:
    return shell.document(
        urls.record(record.ref),
        render_record(ledger, record, page_size=page_size, findings=findings),
        publisher=record.publisher,
    )


def publisher_page(
    shell: Shell, ledger: SiteLedger, publisher: Publisher, number: int, size: int, latest: int
) -> bytes:
    """Page ``number`` (2…) of ``publisher``'s record list (page 1 is a MkDocs page: it
    carries the profile and key history, and there is one per publisher)."""
    url = urls.publisher(publisher.id, number)
    source = render_publisher_page(ledger, publisher, number, size=size, latest=latest)
    return shell.document(url, source, publisher=publisher.id)
