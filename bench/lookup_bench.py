"""Look-up by image at a simulated ledger size, in headless Chromium on loopback; and the
size of a whole image index.

    python bench/lookup_bench.py [--records 1000000 100000] [--build 100000] [--json OUT]

``--records N``: writes what the site's image index (``imageledger.imaging.site_index``,
layout 2) would hold *for one query* in a ledger of N random disclosures — ``meta.json``
(every shard present), the query's ``sha256`` shard with N / 4,096 rows and its 16 PDQ
shards with N / 2,048 rows each (random fingerprints with the query's key in that chunk,
plus one genuine near-duplicate at distance 10 wherever it shares the key, and one exact
match) — serves them on 127.0.0.1, and runs ``site_src/assets/js/image-index.js``'s
``lookup`` in Debian's Chromium: requests, bytes transferred and the time to the answer.
Only the files a look-up reads are generated, so 1,000,000 records cost seconds.

``--build N``: ``site_index.build()`` of N random disclosures (100 publishers): files,
bytes per record, the build's time, and the time and files of an incremental ``update()``
adding one record.
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

from imageledger.imaging import index_format, site_index
from imageledger.imaging.pdq import PdqHash

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
  return r.status === 404 ? null : r.arrayBuffer();
};
const start = performance.now();
const found = await lookup(read, q);
window.benchResult = { ms: performance.now() - start, found };
"""


def _flip(raw: bytes, bits: list[int]) -> bytes:
    value = int.from_bytes(raw, "big")
    for b in bits:
        value ^= 1 << (255 - b)
    return value.to_bytes(32, "big")


def _ref(k: int) -> tuple[str, int]:
    return f"pub{k % 100:03d}", k + 1


def _with_key(rng: random.Random, chunk: int, key: int) -> bytes:
    raw = bytearray(rng.randbytes(32))
    shift = site_index.CHUNK_BITS - site_index.KEY_BITS
    value = (key << shift) | (
        int.from_bytes(raw[2 * chunk : 2 * chunk + 2], "big") & ((1 << shift) - 1)
    )
    raw[2 * chunk : 2 * chunk + 2] = value.to_bytes(2, "big")
    return bytes(raw)


def _meta(records: int) -> bytes:
    meta = json.loads(site_index.build([])["meta.json"])
    meta["images"] = meta["pdq"]["indexed"] = records
    for part in (meta["sha256"], meta["pdq"]):  # at these sizes every shard exists
        part["present"] = base64.b64encode(
            b"\xff" * len(base64.b64decode(part["present"]))
        ).decode()
    return json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()


def simulate(folder: Path, records: int, seed: int = 1) -> dict[str, Any]:
    """The files one look-up reads, at ``records`` disclosures; returns the query."""
    rng = random.Random(seed)
    query = PdqHash(rng.randbytes(32), 94)
    query_sha = rng.randbytes(32).hex()
    near = PdqHash(_flip(query.bits, rng.sample(range(256), 10)), 94)
    idx = folder / "idx"
    prefix = query_sha[: site_index.SHA_PREFIX_BITS // 4]
    sha_rows = [index_format.Row(bytes.fromhex(query_sha), None, *_ref(0))]
    for k in range(max(1, records >> site_index.SHA_PREFIX_BITS)):
        sha = bytes.fromhex(prefix + rng.randbytes(32).hex()[len(prefix) :])
        sha_rows.append(index_format.Row(sha, None, *_ref(k + 2)))
    files = {site_index.sha256_shard_path(query_sha): index_format.encode_shard(b"S", sha_rows)}
    per_pdq = records >> site_index.KEY_BITS
    for chunk, (key, near_key) in enumerate(
        zip(site_index.pdq_keys(query), site_index.pdq_keys(near), strict=True)
    ):
        rows = [
            index_format.Row(_with_key(rng, chunk, key), 94, *_ref(k + 2)) for k in range(per_pdq)
        ]
        if near_key == key:
            rows.append(index_format.Row(near.bits, 94, *_ref(1)))
        files[site_index.pdq_shard_path(chunk, key)] = index_format.encode_shard(b"P", rows)
    files["meta.json"] = _meta(records)
    for path, data in files.items():
        (idx / path).parent.mkdir(parents=True, exist_ok=True)
        (idx / path).write_bytes(data)
    return {"sha256": query_sha, "pdq": {"hex": query.hex, "quality": query.quality}}


def index_size(records: int, seed: int = 2) -> dict[str, Any]:
    """A whole index of ``records`` random disclosures: files and bytes per record."""
    rng = random.Random(seed)
    entries = [
        site_index.IndexEntry(
            f"pub{k % 100:03d}/{k // 100 + 1}",
            rng.randbytes(32).hex(),
            PdqHash(rng.randbytes(32), 90),
        )
        for k in range(records)
    ]
    start = time.perf_counter()
    files = site_index.build(entries)
    built = time.perf_counter() - start
    extra = site_index.IndexEntry(
        "pub000/999999999", rng.randbytes(32).hex(), PdqHash(rng.randbytes(32), 90)
    )
    start = time.perf_counter()
    changes = site_index.update(files.get, removed=[], added=[extra])
    updated = time.perf_counter() - start
    total = sum(map(len, files.values()))
    return {
        "records": records,
        "files": len(files),
        "bytes": total,
        "bytes_per_record": round(total / records),
        "meta_bytes": len(files["meta.json"]),
        "build_s": round(built, 1),
        "update_one_s": round(updated, 3),
        "update_one_files": len(changes),
    }


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
    parser.add_argument("--build", type=int, nargs="*", default=[])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rows = [run(n) for n in args.records] + [index_size(n) for n in args.build]
    for row in rows:
        print(json.dumps(row))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
