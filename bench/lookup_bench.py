"""Look-up by image at a simulated ledger size, in headless Chromium on loopback.

    python bench/lookup_bench.py [--records 1000000] [--json OUT]

Writes what the site's image index (``imageledger.imaging.site_index``, current layout)
would hold *for one query* in a ledger of N random disclosures — ``meta.json``, the query's
``sha256`` shard and its 32 PDQ shards, each with the number of entries that layout gives
at N (N/16^prefix and N/256 on average, random fingerprints, one genuine near-duplicate at
distance 10 and one exact match) — serves them on 127.0.0.1, and runs
``site_src/assets/js/image-index.js``'s ``lookup`` in Debian's Chromium: requests, bytes
transferred and the time to the answer. Only the files a look-up reads are generated, so
1,000,000 records cost seconds, not gigabytes.
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import json
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from imageledger.imaging import site_index

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PAGE = """<!doctype html><meta charset="utf-8"><title>lookup bench</title>
<script type="module" src="bench.js"></script>"""
SCRIPT = """import { lookup } from "./image-index.js";
const q = await (await fetch("query.json")).json();
const index = new URL("idx/", document.baseURI);
const read = async (path) => {
  const r = await fetch(new URL(path, index));
  return r.status === 404 ? null : r.text();
};
const start = performance.now();
const found = await lookup(read, q);
window.benchResult = { ms: performance.now() - start, found };
"""


def _flip(hex_hash: str, bits: list[int]) -> str:
    value = int(hex_hash, 16)
    for b in bits:
        value ^= 1 << (255 - b)
    return f"{value:064x}"


def _with_chunk(rng: random.Random, chunk: int, value: int) -> str:
    raw = bytearray(rng.randbytes(32))
    raw[chunk] = value
    return raw.hex()


def simulate(folder: Path, records: int, seed: int = 1) -> dict[str, Any]:
    """The files one look-up reads, at ``records`` disclosures; returns the query."""
    rng = random.Random(seed)
    query_pdq = rng.randbytes(32).hex()
    query_sha = rng.randbytes(32).hex()
    near = _flip(query_pdq, rng.sample(range(256), 10))
    idx = folder / "idx"
    prefix = site_index.sha256_prefix(records)
    per_sha = max(1, records // 16**prefix)
    entries: dict[str, list[str]] = {query_sha: ["pub000/1"]}
    for i in range(per_sha):
        sha = query_sha[:prefix] + rng.randbytes(32).hex()[prefix:]
        entries[sha] = [f"pub{i % 100:03d}/{i + 2}"]
    files: dict[str, Any] = {
        site_index.sha256_shard_path(query_sha, prefix): {"v": 1, "entries": entries}
    }
    per_pdq = records // 256
    for chunk in range(32):
        value = int(query_pdq[2 * chunk : 2 * chunk + 2], 16)
        rows = [
            [_with_chunk(rng, chunk, value), 94, f"pub{k % 100:03d}/{k + 1}"]
            for k in range(per_pdq)
        ]
        if near[2 * chunk : 2 * chunk + 2] == query_pdq[2 * chunk : 2 * chunk + 2]:
            rows.append([near, 94, "pub000/2"])
        files[site_index.pdq_shard_path(chunk, value)] = {"v": 1, "entries": sorted(rows)}
    meta: dict[str, Any] = {
        "v": 1,
        "images": records,
        "sha256": {"prefix": prefix, "path": "sha256/{prefix}.json"},
        "pdq": {
            "alg": "pdq/1",
            "chunks": 32,
            "chunk_bits": 8,
            "threshold": 31,
            "min_quality": 50,
            "indexed": records,
            "path": "pdq/{chunk:02x}/{value:02x}.json",
            "present": base64.b64encode(b"\xff" * 1024).decode(),  # all exist at this size
        },
    }
    files["meta.json"] = meta
    for path, value in files.items():
        (idx / path).parent.mkdir(parents=True, exist_ok=True)
        (idx / path).write_bytes(json.dumps(value, sort_keys=True, separators=(",", ":")).encode())
    return {"sha256": query_sha, "pdq": {"hex": query_pdq, "quality": 94}}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def run(records: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lookup-bench-") as tmp:
        folder = Path(tmp)
        query = simulate(folder, records)
        (folder / "query.json").write_text(json.dumps(query))
        (folder / "index.html").write_text(PAGE)
        (folder / "bench.js").write_text(SCRIPT)
        for name in ("image-index.js", "pdq.js"):
            shutil.copy(ROOT / "site_src/assets/js" / name, folder / name)
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium", args=ARGS, headless=True
                )
                page = browser.new_page()
                responses: list[Any] = []
                page.on("response", lambda r: responses.append(r) if "/idx/" in r.url else None)
                start = time.perf_counter()
                page.goto(url)
                page.wait_for_function("window.benchResult !== undefined", timeout=60_000)
                wall = time.perf_counter() - start
                result = page.evaluate("window.benchResult")
                sizes = [len(r.body()) for r in responses]
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return {
        "records": records,
        "index_requests": len(sizes),
        "index_bytes": sum(sizes),
        "lookup_ms": round(result["ms"]),
        "page_load_and_lookup_s": round(wall, 2),
        "exact": result["found"]["exact"],
        "near": [m["ref"] for m in result["found"]["near"]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rows = [run(n) for n in args.records]
    for row in rows:
        print(json.dumps(row))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
