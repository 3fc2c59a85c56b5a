"""The pure renderers and the site model, without MkDocs."""

from __future__ import annotations

import pytest
from site_builds import HOSTILE, ROOT

from imageledger.core.records import UnverifiedRecord
from imageledger.site.load import read_ledger
from imageledger.site.model import SiteLedger
from imageledger.site.render.html import PageSource, external, rel_url, text
from imageledger.site.render.record import render_record
from imageledger.site.render.vocab_cells import dpv_iri

DEMO = read_ledger(ROOT)


@pytest.mark.parametrize(
    ("base", "target", "expected"),
    [
        pytest.param("", "r/a/1/", "r/a/1/", id="home-to-record"),
        pytest.param("r/a/12/", "r/a/7/", "../7/", id="record-to-record"),
        pytest.param("r/a/12/", "r/a/12/record.json", "record.json", id="record-to-own-file"),
        pytest.param("p/a/2/", "p/a/", "../", id="page-2-to-page-1"),
        pytest.param("r/a/1/", "", "../../../", id="record-to-home"),
        pytest.param("p/", "p/b/", "b/", id="publishers-to-publisher"),
    ],
)
def test_rel_url(base: str, target: str, expected: str) -> None:
    assert rel_url(base, target) == expected


@pytest.mark.parametrize("value", HOSTILE, ids=[f"hostile-{i}" for i in range(len(HOSTILE))])
def test_text_escapes_and_keeps_one_line(value: str) -> None:
    out = str(text(value))
    assert "<" not in out
    assert ">" not in out
    assert '"' not in out
    assert "\n" not in out
    assert "\u202e" not in out


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "http://example.com/", "data:text/html,x", "https://x/ onmouseover=1"],
)
def test_external_links_only_plain_https(url: str) -> None:
    assert "<a " not in str(external(url))


def test_external_link_is_safe() -> None:
    out = str(external("https://example.com/a?b=1&c=2"))
    assert 'href="https://example.com/a?b=1&amp;c=2"' in out
    assert 'rel="nofollow noopener noreferrer ugc"' in out


def test_page_titles_refuse_injection() -> None:
    with pytest.raises(ValueError, match="unsafe page title"):
        PageSource('x"\ntemplate: evil.html', text(""))


def test_dpv_iri() -> None:
    assert dpv_iri("dpv:Advertising") == "https://w3id.org/dpv#Advertising"
    assert dpv_iri("unknown:X") is None


def test_model_effects_and_figures() -> None:
    assert [e.ref for e in DEMO.effects["northwind/7"]] == ["northwind/12"]
    figures = DEMO.figures(now="2026-11-27T00:00:00Z")
    records = list(DEMO.records())
    kinds = [r.kind for r in records]
    assert figures.records == len(records)
    assert figures.by_kind["disclosure"] == kinds.count("disclosure")
    withdrawn = {e.ref for v in DEMO.effects.values() for e in v if e.kind == "consent-withdrawal"}
    assert figures.consents_withdrawn == len(withdrawn)
    consents = figures.consents_active + figures.consents_withdrawn + figures.consents_expired
    assert consents == kinds.count("consent")
    assert sum(s.count for s in figures.source_types) == kinds.count("disclosure")
    latest = DEMO.latest(5)
    assert [r.recorded_at for r in latest] == sorted((r.recorded_at for r in latest), reverse=True)


def test_record_page_markdown_is_one_raw_html_block() -> None:
    record = DEMO.record("northwind/7")
    assert record is not None
    source = render_record(DEMO, record)
    markdown = source.markdown()
    body = markdown.split("---\n", 2)[2]
    assert "\n\n" not in body.strip()  # a blank line would end the raw block
    assert source.title == "northwind/7 · Disclosure"


def _brute_latest(
    ledger: SiteLedger, n: int, kinds: tuple[str, ...] | None, publisher: str | None
) -> list[str]:
    pool = [
        r
        for r in ledger.records()
        if (kinds is None or r.kind in kinds) and publisher in (None, r.publisher)
    ]
    pool.sort(key=lambda r: (r.recorded_at, r.publisher, r.seq), reverse=True)
    return [r.ref for r in pool[:n]]


@pytest.mark.parametrize("shuffled", [False, True], ids=["in-time-order", "out-of-order"])
@pytest.mark.parametrize(
    ("n", "kinds", "publisher"),
    [(1, None, None), (5, None, None), (7, ("disclosure",), None), (3, ("consent",), "northwind")],
)
def test_latest_equals_a_full_sort(
    shuffled: bool, n: int, kinds: tuple[str, ...] | None, publisher: str | None
) -> None:
    ledger = read_ledger(ROOT)
    if shuffled:  # a ledger validation would reject: the site still lists the truly latest
        chain = ledger.publishers["northwind"].records
        first = chain[0]
        chain[0] = UnverifiedRecord(
            {**first.data, "recorded_at": "2099-01-01T00:00:00Z"},
            first.kind,
            first.canonical,
            first.hash,
        )
        ledger = SiteLedger.of(ledger.name, ledger.origin, ledger.publishers.values())
        assert "northwind" not in ledger.in_time_order
    else:
        assert set(ledger.in_time_order) == set(ledger.publishers)
    got = [r.ref for r in ledger.latest(n, kinds=kinds, publisher=publisher)]
    assert got == _brute_latest(ledger, n, kinds, publisher)
