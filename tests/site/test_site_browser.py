"""The built site in real headless Chromium (Debian's /usr/bin/chromium via Playwright;
no browser download): pages render, nothing leaves 127.0.0.1, the CSP holds, no console
errors, and hostile ledger strings show as text with no script running."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from site_builds import HOSTILE, NEAR_IMAGE, RECEIPT_SECRET, ROOT

from imageledger.describe import describe

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
    not CHROMIUM.exists(), reason="needs Debian's chromium (`make test` installs it)"
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


def _console(visit: Visit, message: Any) -> None:
    if message.type not in ("error", "warning"):
        return
    where = (message.location or {}).get("url", "")
    visit.console.append(f"{message.type}: {message.text} ({where})")


def _visit(browser: Any, url: str) -> Visit:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    visit = Visit(page)
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("console", lambda m: _console(visit, m))
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
    from imageledger.log.publish import prove
    from imageledger.site.load import read_ledger

    record = read_ledger(ROOT).record("northwind/7")
    assert record is not None
    visit = _visit(browser, demo_url + "r/northwind/7/")
    page = visit.page
    page.wait_for_selector("#il-verify[data-ready=true]", timeout=10_000)
    _clean(visit)
    assert page.locator("h1").inner_text().startswith("northwind/7")
    assert page.locator(".il-effect").count() == 1  # retracted by northwind/12
    assert "Retracted by" in page.locator(".il-effect").inner_text()
    # Every field, rendered in the browser from the canonical bytes, with vocabulary
    # labels and links to the standards.
    fields = page.locator(".il-fields tbody tr")
    paths = [p.strip() for p in fields.locator("td:first-child").all_inner_texts()]
    assert paths == [p for p, _ in describe(record.data) if not p.startswith("signatures")]
    terms = [a.get_attribute("href") for a in page.locator(".il-fields a.il-term").all()]
    assert "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia" in terms
    assert any((t or "").startswith("https://w3id.org/dpv#") for t in terms)
    assert "European Union" in page.locator(".il-fields").inner_text()
    assert page.locator(".il-signatures tbody tr").count() == len(record.data["signatures"])
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "record.png"), full_page=True)
    with page.expect_download() as download:
        page.locator(".il-downloads a[download]").first.click()
    assert Path(download.value.path()).read_bytes() == record.canonical
    page.locator("#il-verify button").click()
    page.wait_for_selector("#il-verify[data-status=ok]", timeout=20_000)
    with page.expect_download() as download:
        page.locator(".il-proof a[download]").click()
    proof = Path(download.value.path()).read_bytes()
    assert proof.startswith(b"c2sp.org/tlog-proof@v1\n")
    assert proof == prove(ROOT, "northwind/7")  # what `imageledger log prove` writes
    _clean(visit)


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
        page = visit.page
        if path.startswith("r/"):  # rendered in the browser from the canonical bytes
            page.wait_for_selector("#il-verify[data-ready=true]", timeout=10_000)
            assert page.locator(".il-fields tbody tr").count() > 3
        _clean(visit)
        if path == f"r/{retraction}/":
            cell = page.locator(".il-fields tr", has_text="reason").locator("td").nth(1)
            shown = cell.inner_text()
            for value in HOSTILE[:5]:
                assert value in shown, value
            assert "‹U+202E›RTL override‹U+202C›" in shown
            assert page.locator("article script, article img").count() == 0
            assert page.locator("article a[href^='javascript']").count() == 0
        if path == f"r/{disclosure}/":
            cell = page.locator(".il-fields tr", has_text="description").locator("td").nth(1)
            shown = cell.inner_text()
            for value in HOSTILE[:5]:
                assert value in shown, value
            assert "‹U+202E›RTL override‹U+202C›" in shown  # shown, not obeyed
            assert page.locator("article img[src='x']").count() == 0
            assert page.locator("article a[href^='javascript']").count() == 0
            assert page.locator("article em, article b").count() == 0
            for name in ("ai.system.name", "rights.copyright_owner"):
                row = page.locator(".il-fields tr", has_text=name).locator("td").nth(1)
                assert row.inner_text() in HOSTILE, name
            # Links from ledger values are plain https only, never given the opener.
            for link in page.locator(".il-fields a:not(.il-term)").all():
                href = link.get_attribute("href") or ""
                assert href.startswith(("https://", "../", "http://127.0.0.1:")), href
            for link in page.locator(".il-fields a[href^='https://northwind']").all():
                assert link.get_attribute("rel") == "nofollow noopener noreferrer ugc"
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "hostile.png"), full_page=True)


def _lookup(browser: Any, url: str, image: Path) -> Visit:
    visit = _visit(browser, url)
    page = visit.page
    page.wait_for_selector("#il-lookup[data-ready=true]", timeout=10_000)
    page.locator("#il-lookup input[type=file]").set_input_files(str(image))
    page.wait_for_selector(".il-lookup-verdict", timeout=20_000)
    return visit


def test_lookup_finds_a_disclosed_image_without_uploading_it(browser: Any, demo_url: str) -> None:
    from imageledger.demo.images import sample

    image = sample("astronaut.png")
    visit = _lookup(browser, demo_url, image.path)
    _clean(visit)
    result = visit.page.locator(".il-lookup-result")
    assert "Disclosed in" in result.inner_text()
    assert result.locator(".il-lookup-hit a").count() >= 1
    assert image.sha256 in result.inner_text()
    uploads = [u for u in visit.requests if "astronaut" in u]
    assert uploads == []
    fetched = [u for u in visit.requests if "/api/v1/images/" in u]
    assert 1 <= len(fetched) <= 18  # meta, one sha256 shard, at most 16 PDQ shards
    assert all(u.endswith(("/meta.json", ".bin")) for u in fetched)
    SCREENSHOTS.mkdir(exist_ok=True)
    visit.page.locator("#il-lookup").screenshot(path=str(SCREENSHOTS / "lookup.png"))


def test_lookup_of_an_undisclosed_image_is_an_honest_negative(browser: Any, demo_url: str) -> None:
    from imageledger.demo.images import sample

    visit = _lookup(browser, demo_url, sample("brick.png").path)
    _clean(visit)
    verdict = visit.page.locator(".il-lookup-verdict").inner_text()
    assert "No disclosure in this ledger matches" in verdict
    assert "does not mean the image is not AI-generated" in verdict


def test_lookup_finds_a_reencoded_copy_by_fingerprint_and_shows_text_only(
    browser: Any, hostile_url: str, hostile: Any, tmp_path: Path
) -> None:
    from PIL import Image

    from imageledger.demo.images import sample

    _site, disclosure, _retraction = hostile
    copy = tmp_path / "copy.jpg"
    with Image.open(sample(NEAR_IMAGE).path) as original:
        small = original.convert("RGB").resize((original.width // 2, original.height // 2))
        small.save(copy, "JPEG", quality=70)
    visit = _lookup(browser, hostile_url, copy)
    _clean(visit)
    hits = visit.page.locator(".il-lookup-hit")
    mine = hits.filter(has_text=disclosure)
    assert mine.count() == 1
    text = mine.inner_text()
    assert "near-duplicate" in text
    assert HOSTILE[0] in text  # the hostile description, as text
    assert "retraction by" in text
    assert visit.page.locator("#il-lookup img, #il-lookup script").count() == 0


def _find(browser: Any, url: str, value: str) -> Visit:
    visit = _visit(browser, url)
    page = visit.page
    page.wait_for_selector("#il-find[data-ready=true]", timeout=10_000)
    page.locator("#il-find input").fill(value)
    page.locator("#il-find button").click()
    page.wait_for_selector(".il-find-verdict", timeout=10_000)
    return visit


def test_find_consent_by_receipt_code(browser: Any, hostile_url: str) -> None:
    from imageledger.consent.secret import format_secret

    code = format_secret(RECEIPT_SECRET).lower()  # typed in lower case, still found
    visit = _find(browser, hostile_url, code)
    _clean(visit)
    result = visit.page.locator(".il-find-result").inner_text()
    assert "northwind/26" in result
    assert "your consent" in result
    assert not [u for u in visit.requests if code.replace("-", "") in u.lower()]


def test_find_record_by_hash_and_honest_miss(browser: Any, demo_url: str) -> None:
    from imageledger.site.load import read_ledger

    record = read_ledger(ROOT).record("harbourlight/3")
    assert record is not None
    visit = _find(browser, demo_url, record.hash)
    _clean(visit)
    assert "harbourlight/3" in visit.page.locator(".il-find-result").inner_text()
    miss = _find(browser, demo_url, "0000-0000-0000-0000-0000-0000-0000-0001")
    _clean(miss)
    assert "No record in this ledger matches" in miss.page.locator(".il-find-result").inner_text()


def _verify(browser: Any, url: str, tamper: str | None = None) -> Visit:
    visit = _visit(browser, url)
    page = visit.page
    page.wait_for_selector("#il-verify[data-ready=true]", timeout=10_000)
    record = page.locator("#il-record")
    line = int(record.get_attribute("data-line") or "0")
    index = int(record.get_attribute("data-log") or "0")
    if tamper == "record":

        def altered(route: Any) -> None:
            lines = gzip.decompress(route.fetch().body()).split(b"\n")
            lines[line] = lines[line].replace(b"a", b"b", 1)  # this record's bytes only
            route.fulfill(body=gzip.compress(b"\n".join(lines)))

        page.route("**/records/*.jsonl.gz", altered)
    elif tamper == "proof":

        def altered_tile(route: Any) -> None:
            route.fulfill(body=_bad(route.fetch().body(), index ^ 1))

        page.route("**/log/tile/0/**", altered_tile)
    page.locator("#il-verify button").click()
    page.wait_for_selector("#il-verify[data-status]", timeout=20_000)
    return visit


def _bad(tile: bytes, at: int) -> bytes:
    """The level-0 tile with one hash changed: the leaf's sibling, first in its proof."""
    hashes = bytearray(tile)
    hashes[32 * at] ^= 1
    return bytes(hashes)


def test_verification_in_the_browser_passes_on_a_genuine_record(
    browser: Any, demo_url: str
) -> None:
    visit = _verify(browser, demo_url + "r/northwind/7/")
    _clean(visit)
    box = visit.page.locator("#il-verify")
    text = box.inner_text()
    assert box.get_attribute("data-status") == "ok", text
    for check in ("Record hash", "Signature", "Inclusion in the log", "Checkpoint signature"):
        assert f"✓ {check}" in text, check
    assert "✓ Witness cosignatures: 1 of 1" in text
    SCREENSHOTS.mkdir(exist_ok=True)
    box.screenshot(path=str(SCREENSHOTS / "verify.png"))


@pytest.mark.parametrize("tamper", ["record", "proof"])
def test_verification_fails_visibly_when_tampered(browser: Any, demo_url: str, tamper: str) -> None:
    visit = _verify(browser, demo_url + "r/northwind/7/", tamper)
    box = visit.page.locator("#il-verify")
    text = box.inner_text()
    assert box.get_attribute("data-status") == "failed", text
    assert "FAILED" in text
    failing = "✗ Inclusion in the log" if tamper == "proof" else "✗ Record hash"
    assert failing in text
    if tamper == "record":
        assert "✗ Signature" in text or "✗ Canonical form" in text


def test_inclusion_proofs_from_tiles_match_the_python_reference(
    browser: Any, tmp_path: Path
) -> None:
    """verify.js builds inclusion proofs from C2SP tiles as log/hashstore.py does, across
    three tile levels, full and partial tiles (the demo log fits in one tile)."""
    import base64
    import hashlib

    from imageledger.log.hashstore import MemoryHashStore, prove_inclusion
    from imageledger.log.tiles import tile_data, tiles_for_size

    size = 256 * 256 + 256 * 3 + 5  # level-2 tile, partial tiles at every level
    leaves = [hashlib.sha256(n.to_bytes(4, "big")).digest() for n in range(size)]
    store = MemoryHashStore.from_leaf_hashes(leaves)
    for tile in tiles_for_size(size):
        path = tmp_path / "log" / tile.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tile_data(tile, store))
    (tmp_path / "assets").symlink_to(ROOT / "site_src" / "assets")
    (tmp_path / "index.html").write_text(
        '<!doctype html><title>tiles</title><link rel="icon" href="data:,">'
    )
    indexes = [0, 1, 255, 256, 4097, 65535, 65536, size - 6, size - 2, size - 1]
    for url in _serve(tmp_path):
        visit = _visit(browser, url)
        proofs = visit.page.evaluate(
            """async ([size, indexes]) => {
                const m = await import("./assets/js/verify.js");
                const log = new URL("log/", location.href);
                const out = [];
                for (const i of indexes) {
                    const proof = await m.inclusionProof(log, size, i);
                    out.push(proof.map((h) => btoa(String.fromCharCode(...h))));
                }
                return out;
            }""",
            [size, indexes],
        )
        _clean_requests(visit)
    for index, proof in zip(indexes, proofs, strict=True):
        expected = [base64.b64encode(h).decode() for h in prove_inclusion(size, index, store)]
        assert proof == expected, index


def _clean_requests(visit: Visit) -> None:
    outside = [u for u in visit.requests if not u.startswith("http://127.0.0.1:")]
    assert outside == []
    assert visit.errors == [], visit.errors
    assert visit.console == [], visit.console
