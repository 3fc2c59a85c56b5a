"""HTML building blocks. Everything that takes ledger data escapes it; ``Markup`` marks
what is already safe, so a forgotten escape shows up as double escaping, not as HTML."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SAFE_URL_SCHEMES = ("https://",)
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Shown as ``‹U+202E›`` rather than obeyed: an override could make ledger text read as
something else (CVE-2021-42574 style)."""
"""Ledger URLs become links only with these schemes (the schemas already demand https)."""


def _trusted(html: str) -> Markup:
    """The one place a ``str`` becomes ``Markup``: callers pass only escaped pieces."""
    return Markup(html)  # noqa: S704 - every interpolated value is escaped or Markup


_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&#34;",
        "'": "&#39;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#9;",
    }
)


def esc(value: object) -> str:
    """``value`` as escaped HTML text (a plain ``str``, for the hot loops that build pages
    from f-strings): markup characters and quotes become references, newlines too, so a
    ledger string can never end a raw HTML block (a blank line would hand the rest to
    Markdown), and bidi controls are shown, not obeyed."""
    rendered = str(value).lower() if isinstance(value, bool) else str(value)
    if not BIDI_CONTROLS.isdisjoint(rendered):
        rendered = "".join(f"‹U+{ord(c):04X}›" if c in BIDI_CONTROLS else c for c in rendered)
    return rendered.translate(_ESCAPES)


def text(value: object) -> Markup:
    """``value`` as escaped text (:func:`esc`), marked safe."""
    return _trusted(esc(value))


def tag(name: str, body: Markup | str = "", **attrs: str | None) -> Markup:
    """``<name attrs>body</name>``; ``body`` as ``str`` is escaped, attribute values always."""
    parts = [name]
    for key, value in attrs.items():
        if value is not None:
            parts.append(f'{key.rstrip("_").replace("_", "-")}="{escape(value)}"')
    inner = body if isinstance(body, Markup) else text(body)
    return _trusted(f"<{' '.join(parts)}>{inner}</{name}>")


def join(items: Iterable[Markup | str], sep: str = "") -> Markup:
    # str.join over pieces that are all Markup already: no per-piece escape() call.
    return _trusted(sep.join(i if isinstance(i, Markup) else text(i) for i in items))


def link(href: str, body: Markup | str, *, cls: str | None = None) -> Markup:
    return tag("a", body, href=href, class_=cls)


def external(url: str, body: Markup | str | None = None) -> Markup:
    """A link to a URL from the ledger: only ``https``, never followed by crawlers with
    credit, never given the opener; anything else is shown as text."""
    shown = body if body is not None else url
    if not url.startswith(SAFE_URL_SCHEMES) or any(c in url for c in "\n\r\t \"'<>`"):
        return shown if isinstance(shown, Markup) else text(shown)
    return tag("a", shown, href=url, rel="nofollow noopener noreferrer ugc")


def code(value: object) -> Markup:
    return tag("code", text(value))


def rel_url(base: str, target: str) -> str:
    """``target`` (site-relative, directory URLs end in ``/``) as seen from page ``base``."""
    directory = base if base.endswith("/") or not base else posixpath.dirname(base) + "/"
    out = posixpath.relpath(target or ".", directory.rstrip("/") or ".")
    if target.endswith("/") or not target:
        out = "./" if out == "." else out + "/"
    return out


def table(head: Sequence[str], rows: Iterable[Sequence[Markup | str]], cls: str = "") -> Markup:
    header = join(tag("th", h) for h in head)
    body = join(tag("tr", join(tag("td", c) for c in row)) for row in rows)
    # Material styles only class-less tables: the class goes on a wrapper.
    return _trusted(
        f'<div class="il-table {escape(cls)}"><table><thead><tr>{header}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def section(title: str, body: Markup, anchor: str) -> Markup:
    return _trusted(f'<h2 id="{escape(anchor)}">{text(title)}</h2>\n{body}')


def admonition(kind: str, title: Markup | str, body: Markup | str = "") -> Markup:
    inner = tag("p", title, class_="admonition-title")
    if body:
        inner += tag("p", body)
    return tag("div", inner, class_=f"admonition {kind}")


BODY_MARKER = "<!-- imageledger:body -->"
"""Stands in for a generated page's body while Markdown runs (see :class:`PageSource`)."""


@dataclass(frozen=True, slots=True)
class PageSource:
    """A generated page: front matter (our own safe values only) and an HTML body.

    ``markdown()`` is the whole page as Markdown (the body as one raw HTML block) for any
    Markdown-based generator; the MkDocs plugin instead feeds Markdown only
    ``front_matter() + BODY_MARKER`` and puts ``body`` in after conversion, so Markdown
    never parses (or spends time on) ledger content.
    """

    title: str
    body: Markup
    template: str = "ledger.html"
    search: bool = False

    def __post_init__(self) -> None:
        if any(c in self.title for c in '\n\r"\\'):
            raise ValueError(f"unsafe page title {self.title!r}")

    def front_matter(self) -> str:
        front = ["---", f'title: "{self.title}"', f"template: {self.template}"]
        if not self.search:
            front += ["search:", "  exclude: true"]
        return "\n".join([*front, "---", "", ""])

    def html(self) -> str:
        return f'<div class="il">\n{self.body}\n</div>'

    def markdown(self) -> str:
        return f"{self.front_matter()}{self.html()}\n"


def page(
    title: str, body: Markup, *, template: str = "ledger.html", search: bool = False
) -> PageSource:
    """A generated page; ``title`` must be built from ids, never from free ledger text."""
    return PageSource(title, body, template, search)
