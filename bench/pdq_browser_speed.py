"""Fingerprints per second for 12-megapixel JPEGs in headless Chromium (site_src's pdq.js).

Same 4000×3000 mosaics as ``bench/pdq_speed.py``; the time per image covers what the
look-up page does: createImageBitmap (decode), canvas getImageData, and pdq.js. With
``createImageBitmap``'s resize options the browser scales while decoding, the counterpart
of Pillow's reduced-size decoding; both figures are printed.

    .venv/bin/python bench/pdq_browser_speed.py [--n 6]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from imageledger.imaging.identity import identify_bytes
from imageledger.imaging.pdq import hamming, parse_pdq_hex
from pdq_speed import mosaic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "imaging"))
from browser_harness import run_in_chromium


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=6)
    args = parser.parse_args()
    images = {f"mosaic-{seed}.jpg": mosaic(seed) for seed in range(args.n)}
    full = {name: identify_bytes(data, fast=False).pdq for name, data in images.items()}
    for max_side in (None, 1000):
        results = run_in_chromium(images, max_side=max_side, timeout=600)
        times = [r["ms"] for r in results[1:]] or [results[0]["ms"]]  # first warms the JIT
        dist = [
            hamming(parse_pdq_hex(r["hex"], quality=r["quality"]), full[r["name"]]) for r in results
        ]
        label = "full decode" if max_side is None else f"scaled to {max_side} px while decoding"
        print(
            f"12 MP JPEG in headless Chromium, {label}: median {statistics.median(times):.0f} ms "
            f"({1000 / statistics.median(times):.2f} fingerprints/s); distance to Python full "
            f"decode max {max(dist)}, mean {sum(dist) / len(dist):.1f}"
        )


if __name__ == "__main__":
    main()
