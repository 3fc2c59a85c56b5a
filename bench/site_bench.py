"""Benchmark the site build: `mkdocs build` of the demo ledger and of synthetic ledgers.

    python bench/site_bench.py [--sizes 1000 10000] [--peer 1000] [--rebuild]
                               [--publishers 10] [--json OUT]

For the demo and each size (a synthetic ledger from bench/synth.py, cached under
bench/out/sitebuild-N/): wall time of a real `mkdocs build` (a subprocess, as a user runs
it), files and bytes written, bytes per record, the HTML size of a record page, of a
publisher page and of the home page, and the largest single file (with and without the
bulk export, which holds the whole ledger by design), and the bytes per record by area
(record pages, canonical pages, API record pages, list pages, indexes, export; the
``/log/`` tiles and entry bundles separately, as ``log_bytes``: the synthetic ledgers have
no log).

The peer (``--peer N``): what a naive generator does, measured in the same run: a throwaway
MkDocs project in a temporary folder with one Markdown page per record of the same synthetic
ledger (the record's fields as a table), every page in the nav, rendered by Material.

``--rebuild``: at the largest size, sign one more record (``synth.append``) and time
`mkdocs build` again (MkDocs cleans ``site_dir``; the plugin reuses what it can), then
remove the record again.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
from imageledger.core import strict_yaml  # noqa: E402
from imageledger.describe import describe  # noqa: E402


def _project(folder: Path) -> Path:
    """``folder`` as a site project: the repository's mkdocs.yml and site_src beside a ledger."""
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    if (folder / "site_src").exists():
        shutil.rmtree(folder / "site_src")
    shutil.copytree(ROOT / "site_src", folder / "site_src")
    return folder


def _build(project: Path, out: Path) -> float:
    """A cold `mkdocs build`: no site_dir, no ``.imageledger-cache``."""
    if out.exists():
        shutil.rmtree(out)
    shutil.rmtree(project / ".imageledger-cache", ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(project / "mkdocs.yml")]
    start = time.perf_counter()
    subprocess.run([*command, "-d", str(out)], check=True, env=env)
    return time.perf_counter() - start


AREAS = (
    ("record pages", re.compile(r"r/[^/]+/[0-9]+/index\.html$")),
    ("record.json", re.compile(r"r/[^/]+/[0-9]+/record\.json$")),
    ("proof.txt", re.compile(r"r/[^/]+/[0-9]+/proof\.txt$")),
    (
        "canonical pages",
        re.compile(r"api/v1/publishers/[^/]+/(records/[0-9]+\.jsonl\.gz|registration\.jsonl\.gz)$"),
    ),
    ("API record pages", re.compile(r"api/v1/publishers/[^/]+/records/[0-9]+\.json$")),
    ("publisher list pages", re.compile(r"p/[^/]+/([0-9]+/)?index\.html$")),
    ("image index", re.compile(r"api/v1/images/")),
    ("hash index", re.compile(r"api/v1/hashes/")),
    ("receipts and consent status", re.compile(r"api/v1/(receipts|consent-status)/")),
    ("export", re.compile(r"export/")),
    ("log", re.compile(r"log/")),
)
"""Where the bytes go: the first pattern that matches a site path names its area; the rest
is "other" (prose pages, assets, search index, feeds, API summaries of the ledger)."""


def _area(path: str) -> str:
    for name, pattern in AREAS:
        if pattern.match(path):
            return name
    return "other"


def _breakdown(sizes: dict[str, int], records: int) -> dict[str, float]:
    """Bytes per record by area (the log separately: a ledger may have none)."""
    areas: dict[str, int] = {}
    for path, size in sizes.items():
        area = _area(path)
        areas[area] = areas.get(area, 0) + size
    return {name: round(total / records) for name, total in sorted(areas.items())}


def _measure(
    name: str, records: int, project: Path, record_page: str, publisher: str
) -> dict[str, Any]:
    out = project / "site-out"
    seconds = _build(project, out)
    files = [p for p in out.rglob("*") if p.is_file()]
    sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in files}
    total = sum(sizes.values())
    log = sum(v for k, v in sizes.items() if _area(k) == "log")
    without_export = {k: v for k, v in sizes.items() if not k.startswith("export/")}
    largest = max(sizes.items(), key=lambda kv: kv[1])
    largest_other = max(without_export.items(), key=lambda kv: kv[1])
    return {
        "ledger": name,
        "records": records,
        "build_s": round(seconds, 2),
        "ms_per_record": round(1000 * seconds / records, 2),
        "files": len(files),
        "bytes": total,
        "bytes_per_record": round(total / records),
        "bytes_per_record_without_log": round((total - log) / records),
        "log_bytes": log,
        "by_area": _breakdown(sizes, records),
        "record_page_html": sizes[f"r/{record_page}/index.html"],
        "publisher_page_html": sizes[f"p/{publisher}/index.html"],
        "home_html": sizes["index.html"],
        "largest_file": {"path": largest[0], "bytes": largest[1]},
        "largest_file_not_export": {"path": largest_other[0], "bytes": largest_other[1]},
    }


def _synthetic(size: int, publishers: int) -> tuple[Path, int]:
    folder = HERE / "out" / f"sitebuild-{size}"
    per = size // publishers
    if not (folder / "ledger" / "publishers" / "pub000" / "records" / f"{per:06d}.yaml").exists():
        synth.build(folder, publishers, per)
    return folder, per * publishers


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _peer(size: int, publishers: int) -> dict[str, Any]:
    """Material rendering one in-nav Markdown page per record (the naive generator)."""
    folder, records = _synthetic(size, publishers)
    with tempfile.TemporaryDirectory(prefix="peer-site-") as tmp:
        project = Path(tmp)
        docs = project / "docs"
        (docs / "r").mkdir(parents=True)
        (docs / "index.md").write_text("# Peer ledger\n")
        nav = ["  - Home: index.md"]
        for path in sorted((folder / "ledger" / "publishers").glob("*/records/*.yaml")):
            data = strict_yaml.parse(path.read_bytes())
            ref = f"{data['publisher']}/{data['seq']}"
            name = f"r/{data['publisher']}-{data['seq']}.md"
            rows = "\n".join(f"| `{p}` | {_cell(v)} |" for p, v in describe(data))
            (docs / name).write_text(f"# {ref}\n\n| Field | Value |\n|---|---|\n{rows}\n")
            nav.append(f"  - {ref}: {name}")
        (project / "mkdocs.yml").write_text(
            "site_name: Peer ledger\ntheme:\n  name: material\nplugins:\n  - search\n"
            "nav:\n" + "\n".join(nav) + "\n"
        )
        out = project / "site"
        seconds = _build(project, out)
        sizes = [p.stat().st_size for p in out.rglob("*") if p.is_file()]
        page = (out / "r" / "pub000-5" / "index.html").stat().st_size
    return {
        "ledger": f"peer-{records}",
        "records": records,
        "build_s": round(seconds, 2),
        "ms_per_record": round(1000 * seconds / records, 2),
        "files": len(sizes),
        "bytes": sum(sizes),
        "bytes_per_record": round(sum(sizes) / records),
        "record_page_html": page,
    }


def _rebuild(folder: Path) -> dict[str, Any]:
    """`mkdocs build` after signing one more record of pub000 (then the record is removed)."""
    added = synth.append(folder)
    try:
        start = time.perf_counter()
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(folder / "mkdocs.yml")]
        subprocess.run([*command, "-d", str(folder / "site-out")], check=True, env=env)
        seconds = time.perf_counter() - start
    finally:
        added.unlink()
    return {"rebuild_after_one_record_s": round(seconds, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--publishers", type=int, default=10)
    parser.add_argument("--peer", type=int, default=0, help="records for the peer (0: none)")
    parser.add_argument("--rebuild", action="store_true", help="time a one-record rebuild")
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    if args.peer:
        results.append(_peer(args.peer, args.publishers))
    if not args.no_demo:
        demo = HERE / "out" / "sitebuild-demo"
        demo.mkdir(parents=True, exist_ok=True)
        if (demo / "ledger").exists():
            shutil.rmtree(demo / "ledger")
        shutil.copytree(ROOT / "ledger", demo / "ledger")
        count = sum(1 for _ in (demo / "ledger" / "publishers").glob("*/records/*.yaml"))
        results.append(_measure("demo", count, _project(demo), "northwind/7", "northwind"))
    folder = None
    for size in args.sizes:
        folder, records = _synthetic(size, args.publishers)
        row = _measure(f"synthetic-{records}", records, _project(folder), "pub000/5", "pub000")
        results.append(row)
    if args.rebuild and folder is not None:
        results[-1].update(_rebuild(folder))
        full = results[-1]["build_s"]
        results[-1]["rebuild_share"] = round(results[-1]["rebuild_after_one_record_s"] / full, 3)
    for row in results:
        print(json.dumps(row))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
