"""The site does not grow per page with the ledger: a record page, a publisher page and
every index file are the same size for a 120-record and a 2,000-record ledger."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from site_builds import ROOT, build_site, site_project

sys.path.insert(0, str(ROOT / "bench"))
import synth  # bench/synth.py: the synthetic ledger generator

GROWS_BY_DESIGN = ("export/",)  # the export's manifest lists every canonical page, by design


def _build(tmp: Path, records_per_publisher: int) -> Path:
    project = tmp / f"ledger-{records_per_publisher}"
    synth.build(project, 2, records_per_publisher)
    site_project(project)
    build_site(project, project / "out")
    return project / "out"


def _sizes(site: Path) -> dict[str, int]:
    return {
        p.relative_to(site).as_posix(): p.stat().st_size for p in site.rglob("*") if p.is_file()
    }


@pytest.mark.slow
def test_page_sizes_do_not_grow_with_the_ledger(tmp_path: Path) -> None:
    small = _sizes(_build(tmp_path, 60))  # more than one page of 50
    large = _sizes(_build(tmp_path, 1000))
    assert "r/pub001/1000/index.html" in large
    for path in ("r/pub000/5/index.html", "r/pub001/7/index.html"):
        assert large[path] == small[path], path
    assert large["p/index.html"] - small["p/index.html"] < 64  # record counts have more digits
    # The same page of a publisher: it lists the same records, plus a pager.
    assert large["p/pub000/index.html"] - small["p/pub000/index.html"] < 1024
    # A record deep in the large ledger is no bigger than an early one.
    assert abs(large["r/pub000/999/index.html"] - large["r/pub000/5/index.html"]) < 64
    for name in ("search/search_index.json", "sitemap.xml", "feed.atom", "feed.json"):
        assert abs(large[name] - small[name]) < 512, name
    # ADR 0013: a record page is a small static document; the record's bytes are one line
    # of a gzipped canonical page, and its row on an API page is compact.
    assert large["r/pub000/5/index.html"] < 1600
    canonical = [v for k, v in large.items() if k.endswith(".jsonl.gz") and "/records/" in k]
    assert sum(canonical) / 2000 < 400
    rows = [
        v for k, v in large.items() if k.startswith("api/v1/publishers/pub") and k.endswith(".json")
    ]
    assert sum(rows) / 2000 < 250
    assert not [k for k in large if k.endswith(("record.json", "proof.txt"))]
    biggest_small = max(v for k, v in small.items() if not k.startswith(GROWS_BY_DESIGN))
    biggest_large = max(v for k, v in large.items() if not k.startswith(GROWS_BY_DESIGN))
    assert biggest_large <= biggest_small * 1.1, "some file grows with the ledger"
