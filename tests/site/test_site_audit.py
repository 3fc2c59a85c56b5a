"""The compliance audit on the built site (issue 7, item 4): the audit page and
``api/v1/audit.json`` report exactly the demo's planted violations, hostile ledger strings
stay text, the trend chart is a well-formed inline SVG, and the receipt round trip
(consent → receipt → look-up in Chromium → withdraw → rebuild → look-up) shows the
consent's status and its dependent disclosure's."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from site_builds import HOSTILE, HOSTILE_TEXT, append_signed, build_site, site_project

from imageledger.audit.rules import BY_CODE
from imageledger.core import strict_yaml
from imageledger.core.keys import format_private_key
from imageledger.demo import keys as demo_keys
from imageledger.demo import violations
from support import likeness_use_draft

SVG = re.compile(r"<svg\b[^>]*\bclass=\"il-chart\".*?</svg>", re.S)
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SEVERE = ("error", "warning")
SCREENSHOTS = Path("/tmp/imageledger-site-screenshots")


def _subject(finding: dict[str, Any]) -> str:
    return str(finding["refs"][0] if finding["refs"] else finding["publisher"])


def _audit_json(site: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site / "api/v1/audit.json").read_text())
    return data


def _page_rows(site: Path) -> dict[str, set[tuple[str, str, str]]]:
    """(severity, code, subject) of every finding row on the audit page, by publisher."""
    html = (site / "audit/index.html").read_text()
    out: dict[str, set[tuple[str, str, str]]] = {}
    for chunk in html.split('<h3 id="p-')[1:]:
        pid = chunk.split('"', 1)[0]
        rows = out.setdefault(pid, set())
        table = chunk.split('class="il-table il-audit-findings"', 1)
        if len(table) < 2:
            continue
        for row in table[1].split("</table>", 1)[0].split("<tr>")[2:]:
            severity = re.search(r"il-sev-(\w+)", row)
            code = re.search(r'href="#rule-([a-z-]+)"', row)
            record = re.search(r'href="\.\./r/([a-z0-9-]+/\d+)/"', row)
            assert severity
            assert code
            rows.add((severity.group(1), code.group(1), record.group(1) if record else pid))
    return out


def test_demo_audit_lists_exactly_the_planted_violations(demo_site: Path) -> None:
    data = _audit_json(demo_site)
    mine = {(f["code"], _subject(f)) for f in data["findings"] if f["publisher"] == "lumenpeak"}
    assert mine == set(violations.EXPECTED)
    others = [
        f for f in data["findings"] if f["publisher"] != "lumenpeak" and f["severity"] in SEVERE
    ]
    assert others == []
    # The page lists the same findings, publisher by publisher.
    rows = _page_rows(demo_site)
    assert set(rows) == {"emberforge", "harbourlight", "lumenpeak", "northwind"}
    assert {(code, subject) for _, code, subject in rows["lumenpeak"]} == set(violations.EXPECTED)
    for pid, found in rows.items():
        if pid != "lumenpeak":
            assert not [r for r in found if r[0] in SEVERE], (pid, found)


def test_demo_audit_page_shows_rules_summary_and_links(demo_site: Path) -> None:
    html = (demo_site / "audit/index.html").read_text()
    data = _audit_json(demo_site)
    # Deterministic as-of: the demo log's checkpoint time (later than every record).
    assert data["as_of"] == "2026-11-12T00:00:00Z"
    assert '<strong class="il-audit-as-of">2026-11-12T00:00:00Z</strong>' in html
    for code, rule in BY_CODE.items():
        assert f'id="rule-{code}"' in html
        if rule.citation:
            assert rule.citation.replace("&", "&amp;").replace("'", "&#39;") in html
    assert "Emberforge" in html
    assert "emberforge/9" in html
    assert "No audit attestation recorded." in html  # lumenpeak has none
    for target in set(re.findall(r'href="\.\./(r/[^"]+/)"', html)):
        assert (demo_site / target / "index.html").is_file(), target
    assert (demo_site / "p/lumenpeak/index.html").is_file()
    # Linked from the home page and the navigation.
    assert 'href="audit/"' in (demo_site / "index.html").read_text()
    for finding in data["findings"]:
        assert finding["links"] == [
            f"https://demo.imageledger.example/r/{ref}/" for ref in finding["refs"]
        ]
    assert data["publishers"]["lumenpeak"]["counts"] == {"error": 11, "warning": 3, "info": 1}


def test_trend_chart_is_well_formed_inline_svg(demo_site: Path) -> None:
    html = (demo_site / "audit/index.html").read_text()
    (svg,) = SVG.findall(html)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    bars = [r for r in root.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    total = sum(int(r.findtext(f"{ns}title", "").split(": ")[1].split()[0]) for r in bars)
    assert total == len(_audit_json(demo_site)["findings"])
    assert "href" not in svg
    assert "style=" not in svg
    assert "<script" not in svg
    months = [t["month"] for t in _audit_json(demo_site)["trend"]]
    assert months == sorted(months)
    assert months[0] == "2025-10"


@pytest.fixture(scope="module")
def hostile_audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A site whose audit shows hostile text: a disclosure with no lawful basis and a
    hostile description, and an audit attestation by a hostile auditor name."""
    project = site_project(tmp_path_factory.mktemp("audit-hostile-project"))
    layout_dir = project / "ledger/publishers/northwind/records"
    template = None
    attestation = None
    for path in sorted(layout_dir.glob("*.yaml")):
        data = strict_yaml.parse(path.read_bytes())
        if data["schema"] == "imageledger/disclosure/v1":
            template = data
        if data["schema"] == "imageledger/audit-attestation/v1":
            attestation = data
    assert template is not None
    assert attestation is not None
    template["description"] = HOSTILE_TEXT
    template["ai"]["resembles_real_person"] = True
    template["subjects"] = [{"basis": "none"}]
    disclosure = append_signed(project, "northwind", 1, template)
    attestation["auditor"] = {"name": HOSTILE[5] + HOSTILE[1]}
    audit_ref = append_signed(project, "northwind", 1, attestation)
    out = tmp_path_factory.mktemp("audit-hostile-site")
    build_site(project, out)
    return out, disclosure, audit_ref


def test_hostile_strings_on_the_audit_page_are_text(hostile_audit: tuple[Path, str, str]) -> None:
    site, disclosure, audit_ref = hostile_audit
    html = (site / "audit/index.html").read_text()
    rows = _page_rows(site)["northwind"]
    assert ("error", "subject-basis-none", disclosure) in rows
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the auditor's name
    assert "‹U+202E›RTL override‹U+202C›&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "\u202e" not in html  # bidi controls are shown, not obeyed
    assert "[x](javascript:alert(1))" in html  # Markdown never ran over it
    assert f'href="../r/{audit_ref}/"' in html
    (svg,) = SVG.findall(html)
    ET.fromstring(svg)
    data = _audit_json(site)
    assert any(
        f["code"] == "subject-basis-none" and f["refs"][0] == disclosure for f in data["findings"]
    )


# --- the receipt round trip in real headless Chromium -------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
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
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium (`make test` installs it)")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def _find(browser: Any, url: str, code: str) -> tuple[Any, list[str], list[str]]:
    """Open the home page, enter ``code`` in the look-up box; (page, problems, requests)."""
    page = browser.new_context().new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: problems.append(str(e)))

    def on_console(message: Any) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("#il-find[data-ready=true]", timeout=10_000)
    page.locator("#il-find input").fill(code)
    page.locator("#il-find button").click()
    page.wait_for_selector(".il-find-verdict", timeout=10_000)
    return page, problems, requests


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(strict_yaml.dump(data))
    return path


CONSENT = {
    "schema": "imageledger/consent/v1",
    "publisher": "northwind",
    "subject": {"commitment": "sha256:" + "1" * 64},
    "purposes": ["advertising", "likeness-synthesis"],
    "scope": {"likeness": True, "ai_training": False, "synthetic_likeness": True},
    "valid": {"from": "2026-11-20T00:00:00Z", "until": "2027-11-20T00:00:00Z"},
    "jurisdictions": ["EU"],
    "legal_basis": "gdpr-9-2-a",
    "collection": {"method": "web-form", "withdrawal": "https://northwind.example/withdraw"},
    "notice": {"url": "https://northwind.example/n", "sha256": "2" * 64},
}


def _status(page: Any, consent: str) -> tuple[str, Any]:
    hit = page.locator(".il-lookup-hit").filter(has_text=consent)
    box = hit.locator(".il-consent-status")
    box.wait_for(timeout=10_000)
    return box.get_attribute("data-state"), box


def test_receipt_round_trip_in_the_browser(
    browser: Any, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    project = site_project(tmp_path)
    repo = str(project)
    key = tmp_path / "northwind.key"
    key.write_text(format_private_key(demo_keys.publisher("northwind", 1)) + "\n")
    receipts = tmp_path / "receipts"
    run = cli("--repo", repo, "consent", "new", str(_write(tmp_path / "c.yaml", CONSENT)),
              "--key", str(key), "--receipt-out", str(receipts),
              "--at", "2026-11-20T10:00:00Z")  # fmt: skip
    assert run.code == 0, run.err
    (receipt_file,) = receipts.glob("*-receipt.json")
    receipt = json.loads(receipt_file.read_text())
    code, consent = receipt["code"], receipt["iso27560"]["record_id"]
    draft = _write(tmp_path / "use.yaml", likeness_use_draft(consent))
    run = cli("--repo", repo, "record", "sign", str(draft), "--key", str(key),
              "--at", "2026-11-21T08:00:00Z")  # fmt: skip
    assert run.code == 0, run.err
    use = re.findall(r"northwind/\d+", run.out)[0]

    before = tmp_path / "site-before"
    build_site(project, before)
    with _serve(before) as url:
        page, problems, requests = _find(browser, url, code)
        state, box = _status(page, consent)
        assert state == "active"
        dependent = box.locator(f'.il-dependent[data-ref="{use}"]')
        assert dependent.get_attribute("data-compliant") == "true"
        assert "in use" in dependent.inner_text()
        assert "compliant" in dependent.inner_text()
        assert problems == []
        assert not [u for u in requests if code.replace("-", "").lower() in u.lower()]
        assert all(u.startswith(url) for u in requests)

    run = cli("--repo", repo, "consent", "withdraw", consent,
              "--requested-at", "2026-11-23T09:00:00Z", "--effective-at", "2026-11-23T10:00:00Z",
              "--key", str(key), "--at", "2026-11-23T10:00:00Z")  # fmt: skip
    assert run.code == 0, run.err
    withdrawal = re.findall(r"northwind/\d+", run.out)[-1]

    after = tmp_path / "site-after"
    build_site(project, after)
    with _serve(after) as url:
        page, problems, _ = _find(browser, url, code.lower())
        state, box = _status(page, consent)
        assert state == "withdrawn"
        assert f"withdrawn by {withdrawal}, effective 2026-11-23T10:00:00Z" in box.inner_text()
        dependent = box.locator(f'.il-dependent[data-ref="{use}"]')
        assert dependent.get_attribute("data-compliant") == "false"
        text = dependent.inner_text()
        assert "NOT compliant" in text
        assert "[consent-withdrawn]" in text
        assert "from 2026-11-21T00:00:00Z, was lawful" in text  # not retroactive
        assert problems == []
        SCREENSHOTS.mkdir(exist_ok=True)
        page.locator("#il-find").screenshot(path=str(SCREENSHOTS / "receipt-withdrawn.png"))
    findings = _audit_json(after)["findings"]
    assert any(f["code"] == "consent-withdrawn" and f["refs"][0] == use for f in findings)


def test_record_pages_show_what_the_audit_says_about_them(demo_site: Path) -> None:
    from imageledger.demo import violations

    for code, ref in violations.EXPECTED:
        if "/" not in ref:
            continue  # publisher-wide findings live on the audit page
        publisher, seq = ref.split("/")
        page = (demo_site / f"r/{publisher}/{seq}/index.html").read_text()
        assert 'id="compliance"' in page, ref
        assert f"<code>{code}</code>" in page, ref
    lawful = (demo_site / "r/northwind/6/index.html").read_text()
    assert "<code>consent-withdrawn-earlier-use</code>" in lawful
    clean = (demo_site / "r/harbourlight/3/index.html").read_text()
    assert 'id="compliance"' not in clean


def test_publisher_pages_summarise_compliance(demo_site: Path) -> None:
    rule_breaker = (demo_site / "p/lumenpeak/index.html").read_text()
    assert 'id="compliance"' in rule_breaker
    assert "11 error, 3 warning, 1 info" in rule_breaker
    assert "audit/#p-lumenpeak" in rule_breaker
    clean = (demo_site / "p/harbourlight/index.html").read_text()
    assert "0 error, 0 warning, 0 info" in clean
