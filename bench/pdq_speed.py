"""Fingerprints per second for 12-megapixel JPEGs, full decode vs reduced-size (draft) decode.

The 12 MP test images are mosaics of scikit-image's sample photographs (4000×3000,
JPEG quality 90), so the entropy decoder sees photographic detail everywhere; the
distance column compares each draft fingerprint with the full-decode one.

    OMP_NUM_THREADS=1 .venv/bin/python bench/pdq_speed.py [--n 6]

Rates are per CPU-second of the (single-threaded) process, so other load on the machine
does not distort them; SHA-256 of the file bytes and media-type detection are included.
"""

from __future__ import annotations

import argparse
import io
import time

import numpy as np
from PIL import Image

from imageledger.demo.images import sample_dir
from imageledger.imaging import identity
from imageledger.imaging.pdq import hamming

TILES = (
    "astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "hubble_deep_field.jpg",
    "retina.jpg", "motorcycle_left.png", "ihc.png", "camera.png", "brick.png", "grass.png",
    "gravel.png", "moon.png", "coins.png", "cell.png", "clock_motion.png",
)  # fmt: skip


def mosaic(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    canvas = Image.new("RGB", (4000, 3000))
    for y in range(0, 3000, 600):
        for x in range(0, 4000, 800):
            name = TILES[int(rng.integers(len(TILES)))]
            with Image.open(sample_dir() / name) as tile:
                canvas.paste(tile.convert("RGB").resize((800, 600)), (x, y))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=90)
    return out.getvalue()


def rate(images: list[bytes], *, fast: bool, min_side: int | None = None) -> tuple[float, list]:
    """Fingerprints per CPU-second of this process (one thread): robust on a shared machine."""
    if min_side is not None:
        identity.DRAFT_MIN_SIDE = min_side
    start = time.process_time()
    ids = [identity.identify_bytes(data, fast=fast) for data in images]
    return len(images) / (time.process_time() - start), ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=6)
    args = parser.parse_args()
    images = [mosaic(seed) for seed in range(args.n)]
    full_rate, full = rate(images, fast=False)
    print(f"12 MP JPEG, full decode: {full_rate:.2f} fingerprints per CPU-second")
    for side in (1024, 512, 256):
        fast_rate, fast = rate(images, fast=True, min_side=side)
        dist = [hamming(a.pdq, b.pdq) for a, b in zip(full, fast, strict=True)]
        print(
            f"draft, min side {side} ({fast[0].decode}): {fast_rate:.2f} per CPU-second; "
            f"distance to full decode max {max(dist)}, mean {sum(dist) / len(dist):.1f}"
        )


if __name__ == "__main__":
    main()
