"""Benchmark the site build: `mkdocs build` of the demo ledger and of synthetic ledgers.

    python bench/site_bench.py [--sizes 10000] [--publishers 10] [--json OUT]

For the demo and each size (a synthetic ledger from bench/synth.py, cached under
bench/out/sitebuild-N/): wall time of a real `mkdocs build` (a subprocess, as a user runs
it), files and bytes written, bytes per record, the HTML size of a record page, of a
publisher page and of the home page, and the largest single file (with and without the
bulk export, which holds the whole ledger by design).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402


def _project(folder: Path) -> Path:
    """``folder`` as a site project: the repository's mkdocs.yml and site_src beside a ledger."""
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    if (folder / "site_src").exists():
        shutil.rmtree(folder / "site_src")
    shutil.copytree(ROOT / "site_src", folder / "site_src")
    return folder


def _build(project: Path, out: Path) -> float:
    if out.exists():
        shutil.rmtree(out)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(project / "mkdocs.yml")]
    start = time.perf_counter()
    subprocess.run([*command, "-d", str(out)], check=True, env=env)
    return time.perf_counter() - start


def _measure(
    name: str, records: int, project: Path, record_page: str, publisher: str
) -> dict[str, Any]:
    out = project / "site-out"
    seconds = _build(project, out)
    files = [p for p in out.rglob("*") if p.is_file()]
    sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in files}
    total = sum(sizes.values())
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
        "record_page_html": sizes[f"r/{record_page}/index.html"],
        "publisher_page_html": sizes[f"p/{publisher}/index.html"],
        "home_html": sizes["index.html"],
        "largest_file": {"path": largest[0], "bytes": largest[1]},
        "largest_file_not_export": {"path": largest_other[0], "bytes": largest_other[1]},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--publishers", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    demo = HERE / "out" / "sitebuild-demo"
    demo.mkdir(parents=True, exist_ok=True)
    if (demo / "ledger").exists():
        shutil.rmtree(demo / "ledger")
    shutil.copytree(ROOT / "ledger", demo / "ledger")
    demo_records = sum(1 for _ in (demo / "ledger" / "publishers").glob("*/records/*.yaml"))
    results.append(_measure("demo", demo_records, _project(demo), "northwind/7", "northwind"))
    for size in args.sizes:
        folder = HERE / "out" / f"sitebuild-{size}"
        per = size // args.publishers
        if not (
            folder / "ledger" / "publishers" / "pub000" / "records" / f"{per:06d}.yaml"
        ).exists():
            synth.build(folder, args.publishers, per)
        results.append(
            _measure(
                f"synthetic-{size}", per * args.publishers, _project(folder), "pub000/5", "pub000"
            )
        )
    for row in results:
        print(json.dumps(row))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
