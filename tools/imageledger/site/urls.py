"""Where every generated page and file lives (site-relative; directory URLs end in ``/``).

These paths are public and permanent: ``/r/<publisher>/<seq>/`` is the record's page.
"""

from __future__ import annotations

API = "api/v1"


def record(ref: str) -> str:
    return f"r/{ref}/"


def publisher(pid: str, page: int = 1) -> str:
    return f"p/{pid}/" if page == 1 else f"p/{pid}/{page}/"


def publisher_feed(pid: str, fmt: str) -> str:
    return f"p/{pid}/feed.{fmt}"


def feed(fmt: str) -> str:
    return f"feed.{fmt}"


def api_publisher(pid: str) -> str:
    return f"{API}/publishers/{pid}.json"


def api_publisher_page(pid: str, page: int) -> str:
    return f"{API}/publishers/{pid}/records/{page}.json"


def canonical_page(pid: str, page: int) -> str:
    """The exact canonical bytes of the records of API page ``page``, one per line, gzipped."""
    return f"{API}/publishers/{pid}/records/{page}.jsonl.gz"


def registration_gz(pid: str) -> str:
    return f"{API}/publishers/{pid}/registration.jsonl.gz"


def page_of(seq: int, size: int) -> int:
    """The list page (from 1) that holds record ``seq`` when pages hold ``size`` records."""
    return (seq - 1) // size + 1


EXPORT = "export/manifest.json"
"""The bulk export: the list of canonical gzip pages that make up the whole ledger."""
PUBLISHERS = "p/"


def markdown_path(url: str) -> str:
    """The virtual source file of a generated page at directory URL ``url``."""
    return url.rstrip("/") + ".md" if url != PUBLISHERS else "p/index.md"
