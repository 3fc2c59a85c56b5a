"""The demo site as `mkdocs build --strict` writes it: pages, downloads, API, feeds, export,
safety (CSP, no inline script, no third-party request), and the generated references."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from site_builds import HOSTILE, ROOT, add_hostile_records, build_site, site_project

from imageledger.cli import cli, register
from imageledger.core.schemas import all_schemas
from imageledger.log.hashstore import prove_inclusion
from imageledger.log.proof import make_tlog_proof
from imageledger.log.publish import check_proof
from imageledger.log.tiles import TileHashReader
from imageledger.site import build
from imageledger.site.load import read_ledger
from imageledger.site.render.html import text
from imageledger.site.render.reference import commands, fields

DEMO = read_ledger(ROOT)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)
META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _canonical_lines(site: Path, publisher: str) -> list[bytes]:
    pages = sorted(
        (site / f"api/v1/publishers/{publisher}/records").glob("*.jsonl.gz"),
        key=lambda p: int(p.name.split(".")[0]),
    )
    return [line for page in pages for line in gzip.decompress(page.read_bytes()).splitlines()]


def test_every_record_has_a_page_canonical_bytes_and_a_log_index(demo_site: Path) -> None:
    records = list(DEMO.records())
    assert len(records) == sum(len(p.records) for p in DEMO.publishers.values()) > 50
    assert DEMO.log is not None
    tiles = demo_site / "log"
    checkpoint = (tiles / "checkpoint").read_bytes()
    size = int(checkpoint.split(b"\n")[1])
    reader = TileHashReader(size, lambda tile: (tiles / tile.path).read_bytes())
    for publisher in DEMO.publishers.values():
        lines = _canonical_lines(demo_site, publisher.id)
        assert lines == [r.canonical for r in publisher.records]  # exact bytes, in seq order
    logged = 0
    for record in records:
        folder = demo_site / "r" / record.publisher / str(record.seq)
        assert not (folder / "record.json").exists()  # one copy: the canonical pages
        assert not (folder / "proof.txt").exists()  # built in the browser from the tiles
        html = (folder / "index.html").read_text()
        assert f'<code id="il-hash">{record.hash}</code>' in html
        page, line = (record.seq - 1) // 50 + 1, (record.seq - 1) % 50
        assert f'data-page="{page}" data-line="{line}"' in html
        found = re.search(r'data-log="([0-9]+)"', html)
        if record.ref not in DEMO.log.indexes:
            assert found is None
            continue
        logged += 1
        assert found is not None
        # What the page states lets anyone prove inclusion from the served tiles alone.
        index = int(found[1])
        proof = make_tlog_proof(
            index=index, proof=prove_inclusion(size, index, reader), signed_checkpoint=checkpoint
        )
        assert index == DEMO.log.indexes[record.ref]
        verified = check_proof(proof, record.canonical, keys=[], origin=None, repo=ROOT)
        assert verified.checkpoint.checkpoint.size == DEMO.log.size
    assert logged > 50


def test_record_page_is_small_and_meaningful_without_javascript(demo_site: Path) -> None:
    page = (demo_site / "r/northwind/7/index.html").read_text()
    assert "Retracted by" in page  # what affects it is on the page itself
    assert 'href="../12/"' in page
    assert 'href="../6/"' in page
    assert 'href="../8/"' in page
    assert "Generated pet-range teaser." in page  # what it says
    assert "2026-03-03T11:00:00Z" in page
    assert "<noscript>" in page
    assert 'href="../../../api/v1/publishers/northwind/records/1.jsonl.gz"' in page
    assert page.count("<script") == 1
    assert 'src="../../../assets/js/record.js"' in page
    consent = (demo_site / "r/emberforge/10/index.html").read_text()
    assert "Consent withdrawn by" in consent
    plain = (demo_site / "r/harbourlight/3/index.html").read_bytes()
    assert len(plain) < 1600


def test_vocabulary_for_record_pages(demo_site: Path) -> None:
    vocab = json.loads((demo_site / "api/v1/vocab.json").read_text())
    iptc = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    assert vocab["digital_source_type"][iptc][2] == ["term", "trainedAlgorithmicMedia", iptc]
    assert vocab["purposes"]["advertising"][-1] == [
        "term",
        "dpv:Advertising",
        "https://w3id.org/dpv#Advertising",
    ]
    assert vocab["jurisdictions"]["EU"][0] == ["strong", "European Union"]


def test_publisher_page_has_key_history_and_feeds(demo_site: Path) -> None:
    page = (demo_site / "p/harbourlight/index.html").read_text()
    assert "revoked" in page
    assert "harbourlight.example/primary-DEMO+b8b825d8" in page
    assert 'href="feed.atom"' in page
    assert 'href="feed.json"' in page
    for n in range(1, 21):
        assert f'href="../../r/harbourlight/{n}/"' in page


def test_api(demo_site: Path) -> None:
    api = demo_site / "api/v1"
    ledger = json.loads((api / "ledger.json").read_text())
    assert DEMO.log is not None
    assert ledger["api"] == 1
    assert ledger["figures"]["records"] == len(list(DEMO.records()))
    assert ledger["figures"]["publishers"] == len(DEMO.publishers)
    assert ledger["log"]["size"] == DEMO.log.size
    assert ledger["trust"]["operator_keys"]
    publishers = json.loads((api / "publishers.json").read_text())["publishers"]
    assert [p["id"] for p in publishers] == sorted(DEMO.publishers)
    page = json.loads((api / "publishers/northwind/records/1.json").read_text())
    assert [r["ref"] for r in page["records"]][:2] == ["northwind/1", "northwind/2"]
    record = page["records"][6]  # a record's API entry is on its publisher's page
    assert record["ref"] == "northwind/7"
    assert record["affected_by"][0]["ref"] == "northwind/12"
    assert isinstance(record["log_index"], int)
    assert page["links"]["canonical"].endswith("/api/v1/publishers/northwind/records/1.jsonl.gz")
    assert page["templates"]["html"].endswith("/r/{ref}/")
    lines = gzip.decompress((api / "publishers/northwind/records/1.jsonl.gz").read_bytes())
    canonical = lines.splitlines()[6]  # line (seq-1) mod page_size
    assert "sha256:" + hashlib.sha256(canonical).hexdigest() == record["hash"]
    profile = json.loads((api / "publishers/northwind.json").read_text())
    assert profile["canonical"]["pages"] == [page["links"]["canonical"]]
    assert not (api / "records").exists()  # no per-record API file (ADR 0010)


def test_feeds_are_bounded(demo_site: Path) -> None:
    atom = ET.parse(demo_site / "feed.atom").getroot()
    entries = atom.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 20
    feed = json.loads((demo_site / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert len(feed["items"]) == 20
    dates = [i["date_published"] for i in feed["items"]]
    assert dates == sorted(dates, reverse=True)
    own = json.loads((demo_site / "p/emberforge/feed.json").read_text())
    assert {i["_imageledger"]["ref"].split("/")[0] for i in own["items"]} == {"emberforge"}


def test_export_is_deterministic_canonical_jsonl(demo_site: Path) -> None:
    manifest = json.loads((demo_site / "export/manifest.json").read_text())
    site_url = "https://demo.imageledger.example/"
    parts = [(demo_site / url.removeprefix(site_url)).read_bytes() for url in manifest["parts"]]
    data = b"".join(parts)  # gzip members concatenate: the whole ledger, one .jsonl.gz
    assert all(part[4:8] == b"\0\0\0\0" for part in parts)  # gzip mtime 0
    lines = gzip.decompress(data).splitlines()
    expected = []
    for publisher in DEMO.publishers.values():
        expected.append(publisher.registration.canonical)
        expected.extend(r.canonical for r in publisher.records)
    assert lines == expected  # registrations and records, in chain order
    assert manifest["documents"] == len(expected)


def test_every_page_has_the_csp_and_no_inline_script(demo_site: Path) -> None:
    for path in html_files(demo_site):
        html = path.read_text()
        if 'http-equiv="refresh"' in html:
            continue  # MkDocs redirect stubs
        found = META_CSP.findall(html)
        assert found == [build.CSP_META], path
        assert html.index("Content-Security-Policy") < html.index("<script"), path
        for attrs, body in SCRIPT.findall(html):
            assert "src=" in attrs or 'type="application/json"' in attrs, (path, attrs)
            assert "src=" not in attrs or not body.strip(), path
        assert " style=" not in html, path  # the CSP forbids inline styles too
    headers = (demo_site / "_headers").read_text()
    assert f"Content-Security-Policy: {build.CSP}" in headers
    assert "frame-ancestors 'none'" in headers
    template = (ROOT / "site_src/overrides/main.html").read_text()
    assert f'content="{build.CSP_META}"' in template


def test_no_third_party_resources(demo_site: Path) -> None:
    fetched = re.compile(
        r'<(?:script|img|iframe|source|audio|video)\b[^>]*\bsrc="(https?:)?//', re.I
    )
    link = re.compile(r"<link\b[^>]*>", re.I)
    loads = re.compile(r'rel="(?:stylesheet|icon|preconnect|preload|modulepreload|manifest)"')
    for path in html_files(demo_site):
        html = path.read_text()
        assert not fetched.search(html), path
        for tag in link.findall(html):
            if loads.search(tag):
                assert not re.search(r'href="(https?:)?//', tag), (path, tag)
    for path in demo_site.rglob("*.css"):
        assert "fonts.googleapis" not in path.read_text(errors="replace"), path


def test_generated_pages_stay_out_of_navigation_search_and_sitemap(demo_site: Path) -> None:
    record = (demo_site / "r/northwind/7/index.html").read_text()
    assert "md-sidebar--primary" not in record
    index = json.loads((demo_site / "search/search_index.json").read_text())
    assert not [d for d in index["docs"] if d["location"].startswith(("r/", "p/northwind"))]
    sitemap = (demo_site / "sitemap.xml").read_text()
    assert "/r/" not in sitemap
    assert "/reference/format/" in sitemap


def test_format_reference_is_generated_from_the_schemas(demo_site: Path) -> None:
    page = (demo_site / "reference/format/index.html").read_text()
    for name, schema in all_schemas().items():
        assert f'id="{name}"' in page, name
        assert schema["$id"] in page
        for path, _node, _required in fields(schema):
            assert f"<code>{path}</code>" in page, (name, path)
        served = json.loads((demo_site / f"reference/schemas/{name}.v1.json").read_text())
        assert served == schema


def test_cli_reference_is_generated_from_help(demo_site: Path) -> None:
    page = (demo_site / "reference/cli/index.html").read_text()
    register()
    listed = list(commands(cli))
    assert len(listed) > 20
    for path, help_text in listed:
        assert f">{path}<" in page, path
        assert str(text(help_text)) in page, path  # exactly what --help prints today
        for line in help_text.splitlines():
            option = line.strip().split(" ")[0]
            if option.startswith("--"):
                assert option in page, (path, option)


@pytest.fixture(scope="module")
def hostile_html(hostile: tuple[Path, str, str]) -> dict[str, str]:
    site, disclosure, retraction = hostile
    return {
        "disclosure": (site / f"r/{disclosure}/index.html").read_text(),
        "retraction": (site / f"r/{retraction}/index.html").read_text(),
        "publisher": (site / "p/northwind/index.html").read_text(),
        "home": (site / "index.html").read_text(),
        "feed": (site / "feed.atom").read_text(),
    }


@pytest.mark.parametrize("page", ["disclosure", "retraction", "publisher", "home"])
def test_hostile_strings_are_escaped_in_html(hostile_html: dict[str, str], page: str) -> None:
    html = hostile_html[page]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html
    assert 'href="javascript' not in html
    assert "<em>emphasis</em>" not in html
    assert "<strong>strong</strong>" not in html
    assert "{{ 7*7 }}" in html
    assert "\u202e" not in html
    assert "<b>bold</b>" not in html


def test_hostile_strings_are_text_in_feeds(hostile_html: dict[str, str]) -> None:
    feed = ET.fromstring(hostile_html["feed"].encode())
    summaries = [e.text or "" for e in feed.iter("{http://www.w3.org/2005/Atom}summary")]
    assert any(HOSTILE[0] in s for s in summaries)


def test_a_broken_record_fails_the_build_naming_the_file(tmp_path: Path) -> None:
    project = site_project(tmp_path)
    target = project / "ledger/publishers/northwind/records/000003.yaml"
    target.write_text(target.read_text().replace("publisher: northwind", "publisher: [x]"))
    with pytest.raises(AssertionError) as failed:
        build_site(project, tmp_path / "out")
    message = str(failed.value)
    assert "ledger/publishers/northwind/records/000003.yaml" in message
    assert "Traceback" not in message


def test_hostile_ledger_is_a_valid_ledger(tmp_path: Path) -> None:
    """The hostile records are genuinely signed and chained: the site is tested on input
    that `imageledger validate` accepts, not on something CI would have refused."""
    from imageledger.validate import validate

    project = site_project(tmp_path)
    add_hostile_records(project)
    result = validate(project, workers=1)
    assert not result.report.errors, [f.diagnostics() for f in result.report.errors]
