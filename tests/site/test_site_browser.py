"""The built site in real headless Chromium (Debian's /usr/bin/chromium via Playwright;
no browser download): pages render, nothing leaves 127.0.0.1, the CSP holds, no console
errors, and hostile ledger strings show as text with no script running."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from site_builds import HOSTILE

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = Path("/tmp/imageledger-site-screenshots")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (`make browser-deps` installs it)"
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(root: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def demo_url(demo_site: Path) -> Iterator[str]:
    yield from _serve(demo_site)


@pytest.fixture(scope="module")
def hostile_url(hostile: tuple[Path, str, str]) -> Iterator[str]:
    yield from _serve(hostile[0])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Visit:
    page: Any
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _visit(browser: Any, url: str) -> Visit:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    visit = Visit(page)
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on(
        "console",
        lambda m: (
            visit.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda e: visit.errors.append(str(e)))

    def on_dialog(dialog: Any) -> None:
        visit.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    response = page.goto(url, wait_until="networkidle")
    assert response is not None
    assert response.status == 200, url
    page.wait_for_timeout(300)  # let late scripts (search worker) report problems
    return visit


def _clean(visit: Visit) -> None:
    outside = [u for u in visit.requests if not u.startswith("http://127.0.0.1:")]
    assert outside == [], f"requests left 127.0.0.1: {outside}"
    assert visit.dialogs == [], f"a script ran: {visit.dialogs}"
    assert visit.errors == [], visit.errors
    assert visit.console == [], visit.console
    csp = visit.page.locator('meta[http-equiv="Content-Security-Policy"]')
    assert "script-src 'self'" in (csp.get_attribute("content") or "")


def test_home_renders_with_figures(browser: Any, demo_url: str) -> None:
    visit = _visit(browser, demo_url)
    _clean(visit)
    page = visit.page
    assert "Image Disclosure Ledger" in page.title()
    figures = page.locator(".il-figures table")
    assert figures.is_visible()
    assert "Publishers" in figures.inner_text()
    assert page.locator("#latest + .il-table a").count() > 0
    assert page.locator(".il-log table").inner_text().count("demo.imageledger.example/log") == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)


def test_publisher_page(browser: Any, demo_url: str) -> None:
    visit = _visit(browser, demo_url + "p/northwind/")
    _clean(visit)
    text = visit.page.locator("article").inner_text()
    assert "Northwind Outfitters Ltd." in text
    assert "northwind.example/ledger-2026b-DEMO" in text  # the rotated key, from key history
    assert visit.page.locator(".il-keys tbody tr").count() >= 2
    assert visit.page.locator('a[href="feed.atom"]').count() == 1


def test_record_page_and_its_downloads(browser: Any, demo_url: str) -> None:
    visit = _visit(browser, demo_url + "r/northwind/7/")
    _clean(visit)
    page = visit.page
    assert page.locator("h1").inner_text().startswith("northwind/7")
    assert page.locator(".il-effect").count() == 1  # retracted by northwind/12
    assert "Retracted by" in page.locator(".il-effect").inner_text()
    assert page.locator('a[href="record.json"]').count() == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "record.png"), full_page=True)
    body = page.request.get(demo_url + "r/northwind/7/record.json").body()
    assert body.startswith(b'{"')
    assert not body.endswith(b"\n")
    proof = page.request.get(demo_url + "r/northwind/7/proof.txt")
    assert proof.ok
    assert proof.body().startswith(b"c2sp.org/tlog-proof@v1\n")


def test_search_works_offline(browser: Any, demo_url: str) -> None:
    visit = _visit(browser, demo_url + "faq/")
    page = visit.page
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially("consent", delay=30)
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    _clean(visit)


def test_hostile_strings_render_as_text(browser: Any, hostile_url: str, hostile: Any) -> None:
    _site, disclosure, retraction = hostile
    for path in (f"r/{disclosure}/", f"r/{retraction}/", "p/northwind/", ""):
        visit = _visit(browser, hostile_url + path)
        _clean(visit)
        page = visit.page
        if path == f"r/{disclosure}/":
            cell = page.locator(".il-fields tr", has_text="description").locator("td").nth(1)
            shown = cell.inner_text()
            for value in HOSTILE[:5]:
                assert value in shown, value
            assert "‹U+202E›RTL override‹U+202C›" in shown  # shown, not obeyed
            assert page.locator("article img[src='x']").count() == 0
            assert page.locator("article a[href^='javascript']").count() == 0
            assert page.locator("article em, article b").count() == 0
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "hostile.png"), full_page=True)
