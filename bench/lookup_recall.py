"""Recall of the site's image index (layout 2) on real transformations, in Python and in
headless Chromium.

The photographs and transformations of ``bench/pdq_robustness.py``. The index holds each
original's fingerprint (Python, full decode), as records do. Each transformed copy is then
looked up three ways: its Python fingerprint against ``site_index.lookup``; and in
Chromium (``tests/imaging/browser_harness.py``: decode, canvas, ``pdq.js``, then
``image-index.js``'s ``lookup`` over the served index), once from the full decode and once
scaled to at most ``--max-side`` pixels while decoding (the browser's reduced-size decode).

For every way: the copies that *should* match (distance ≤ 31 to their original, both
qualities ≥ 50) and how many of them the index found. A miss is a true match none of
whose 16 key fields survived the transformation.

    .venv/bin/python bench/lookup_recall.py [--max-side 400] [--json OUT]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

from imageledger.imaging import site_index
from imageledger.imaging.match import is_match
from imageledger.imaging.pdq import PdqHash, hamming, parse_pdq_hex
from pdq_robustness import TRANSFORMS, h, photographs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "imaging"))
from browser_harness import run_in_chromium


def _png(img: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-side", type=int, default=400)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    photos = photographs()
    names = list(photos)
    base = {n: h(img) for n, img in photos.items()}
    refs = {n: f"photo/{i + 1}" for i, n in enumerate(names)}
    entries = [site_index.IndexEntry(refs[n], f"{i:064x}", base[n]) for i, n in enumerate(names)]
    files = site_index.build(entries)
    copies: dict[str, tuple[str, str]] = {}  # file name -> (photo, transformation)
    images: dict[str, bytes] = {}
    python: dict[str, PdqHash] = {}
    for t, (label, fn) in enumerate(TRANSFORMS.items()):
        for i, n in enumerate(names):
            moved = fn(photos[n])
            key = f"t{t}-p{i}.png"
            copies[key] = (n, label)
            images[key] = _png(moved)
            python[key] = h(moved)
    ways: dict[str, dict[str, PdqHash]] = {"python": python}
    found: dict[str, dict[str, bool]] = {"python": {}}
    for key, q in python.items():
        hit = site_index.lookup(files.get, sha256="f" * 64, pdq=q)
        found["python"][key] = refs[copies[key][0]] in [m.ref for m in hit.near]
    for way, max_side in (("browser", None), ("browser reduced", args.max_side)):
        results = run_in_chromium(images, index=files, max_side=max_side, timeout=1200)
        ways[way] = {r["name"]: parse_pdq_hex(r["hex"], quality=r["quality"]) for r in results}
        found[way] = {
            r["name"]: refs[copies[r["name"]][0]] in [m["ref"] for m in r["found"]["near"]]
            for r in results
        }
    report: dict[str, Any] = {}
    print(f"| transformation | {' | '.join(f'{w}: found / should' for w in ways)} |")
    print("|---|" + "---:|" * len(ways))
    totals = {w: [0, 0, 0] for w in ways}  # found, should, worst distance of a miss
    beyond = {w: [0, 0] for w in ways}  # found, should at distance 16-31 (no guarantee)
    for label in TRANSFORMS:
        cells = []
        for way, hashes in ways.items():
            keys = [k for k, (_, t) in copies.items() if t == label]
            should = [k for k in keys if is_match(base[copies[k][0]], hashes[k])]
            got = [k for k in should if found[way][k]]
            missed = [hamming(base[copies[k][0]], hashes[k]) for k in should if not found[way][k]]
            totals[way][0] += len(got)
            totals[way][1] += len(should)
            totals[way][2] = max([totals[way][2], *missed])
            far = [k for k in should if hamming(base[copies[k][0]], hashes[k]) > 15]
            beyond[way][0] += sum(found[way][k] for k in far)
            beyond[way][1] += len(far)
            cells.append(f"{len(got)} / {len(should)}")
            report.setdefault(label, {})[way] = {
                "found": len(got),
                "should": len(should),
                "missed_distances": missed,
            }
        print(f"| {label} | {' | '.join(cells)} |")
    print(
        "| **all** | "
        + " | ".join(f"**{f} / {s}** ({f / max(s, 1):.3f})" for f, s, _ in totals.values())
        + " |"
    )
    for way, (f, s, worst) in totals.items():
        print(
            f"{way}: recall {f}/{s}; at distance 16-31: {beyond[way][0]}/{beyond[way][1]}; "
            f"farthest miss at distance {worst or '-'}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
