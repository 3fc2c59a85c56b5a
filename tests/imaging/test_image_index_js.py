"""The browser's index look-up (image-index.js, run in node) answers as the Python one."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from imageledger.imaging import site_index
from imageledger.imaging.pdq import PdqHash

HERE = Path(__file__).parent
NODE = shutil.which("node")


def _flip(h: PdqHash, n: int, rng: random.Random) -> PdqHash:
    value = int.from_bytes(h.bits, "big")
    for p in rng.sample(range(256), n):
        value ^= 1 << p
    return PdqHash(value.to_bytes(32, "big"), h.quality)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_js_lookup_equals_python(tmp_path: Path) -> None:
    rng = random.Random(8)
    bases = [PdqHash(rng.randbytes(32), rng.choice([30, 60, 90])) for _ in range(40)]
    entries = [
        site_index.IndexEntry(
            f"{('p', 'pub-2', 'z9')[i % 3]}/{i * 977}", hashlib.sha256(bytes([i])).hexdigest(), h
        )
        for i, h in enumerate(bases)
    ]
    entries += [site_index.IndexEntry(f"q/{i}", e.sha256, e.pdq) for i, e in enumerate(entries[:5])]
    # The served index is an incremental update of an older one: the same bytes as a build.
    files = site_index.build(entries[:-8])
    for path, data in site_index.update(files.get, removed=[], added=entries[-8:]).items():
        assert data is not None
        files[path] = data
    assert files == site_index.build(entries)
    for rel, data in files.items():
        (tmp_path / "idx" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "idx" / rel).write_bytes(data)
    queries = []
    for i in range(30):
        base = bases[i % len(bases)]
        q = _flip(PdqHash(base.bits, 80), rng.choice([0, 5, 15, 16, 20, 25, 31, 32, 40]), rng)
        sha = entries[i].sha256 if i % 3 == 0 else "0" * 64
        queries.append((sha, q))
    queries.append(("1" * 64, None))
    (tmp_path / "q.json").write_text(
        json.dumps(
            [
                {"sha256": s, "pdq": None if q is None else {"hex": q.hex, "quality": q.quality}}
                for s, q in queries
            ]
        )
    )
    run = subprocess.run(
        [
            NODE,
            str(HERE / "image_index_node_runner.mjs"),
            str(tmp_path / "idx"),
            str(tmp_path / "q.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    *answers, abc = json.loads(run.stdout)
    assert abc == hashlib.sha256(b"abc").hexdigest()
    assert any(a["near"] for a in answers)
    assert any(len(a["exact"]) == 2 for a in answers)  # one image, two disclosures
    for (sha, q), js in zip(queries, answers, strict=True):
        py = site_index.lookup(files.get, sha256=sha, pdq=q)
        assert js["exact"] == list(py.exact)
        assert [(m["ref"], m["distance"], m["quality"]) for m in js["near"]] == [
            (m.ref, m.distance, m.quality) for m in py.near
        ]
