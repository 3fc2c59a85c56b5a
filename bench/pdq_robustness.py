"""PDQ robustness over real photographs: distances after common transformations, recall at
the match threshold, and false matches across all pairs of distinct photographs.

Photographs: scikit-image's sample data. Its folder ships 15 whole photographs usable
here (astronaut, brick, camera, cell, chelsea, clock_motion, coffee, coins, grass, gravel,
ihc, moon, motorcycle_left, motorcycle_right, rocket) plus two large ones, the Hubble deep
field (1000×872) and a retina (1411×1411), which are used as four non-overlapping
quadrants each: 23 distinct photographs. (Left out: synthetic or non-photographic
images — chessboard, color, horse, logo, phantom, text, page — and the 102 px
microaneurysms.) motorcycle_left/right are a stereo pair: two photographs of one scene
from two cameras, a hard case for "distinct".

    .venv/bin/python bench/pdq_robustness.py [--json bench/out/pdq_robustness.json]
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import statistics
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from imageledger.demo.images import sample_dir
from imageledger.imaging.match import is_match
from imageledger.imaging.pdq import MATCH_DISTANCE, MIN_QUALITY, PdqHash, hamming, pdq_hash

WHOLE = (
    "astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "clock_motion.png",
    "coffee.png", "coins.png", "grass.png", "gravel.png", "ihc.png", "moon.png",
    "motorcycle_left.png", "motorcycle_right.png", "rocket.jpg",
)  # fmt: skip
QUARTERED = ("hubble_deep_field.jpg", "retina.jpg")


def photographs() -> dict[str, Image.Image]:
    out: dict[str, Image.Image] = {}
    for name in WHOLE:
        with Image.open(sample_dir() / name) as img:
            out[name.rsplit(".", 1)[0]] = img.convert("RGB")
    for name in QUARTERED:
        with Image.open(sample_dir() / name) as img:
            rgb = img.convert("RGB")
        w, h = rgb.size
        for i, (x, y) in enumerate(itertools.product((0, w // 2), (0, h // 2))):
            out[f"{name.rsplit('.', 1)[0]}[q{i + 1}]"] = rgb.crop((x, y, x + w // 2, y + h // 2))
    return out


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _resize(img: Image.Image, f: float) -> Image.Image:
    w, h = img.size
    return img.resize((max(8, round(w * f)), max(8, round(h * f))), Image.Resampling.LANCZOS)


def _crop(img: Image.Image, per_side: float) -> Image.Image:
    w, h = img.size
    dx, dy = round(w * per_side), round(h * per_side)
    return img.crop((dx, dy, w - dx, h - dy))


def _screenshot(img: Image.Image) -> Image.Image:
    """Shown on a 125 % display (nearest-neighbour scaling), captured, saved as JPEG q85."""
    w, h = img.size
    return _jpeg(img.resize((round(w * 1.25), round(h * 1.25)), Image.Resampling.NEAREST), 85)


TRANSFORMS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "JPEG q70": lambda i: _jpeg(i, 70),
    "JPEG q50": lambda i: _jpeg(i, 50),
    "resize 50%": lambda i: _resize(i, 0.5),
    "resize 25%": lambda i: _resize(i, 0.25),
    "crop 5% (2.5%/side)": lambda i: _crop(i, 0.025),
    "crop 5%/side": lambda i: _crop(i, 0.05),
    "rotate 2°": lambda i: i.rotate(2, Image.Resampling.BICUBIC),
    "rotate 1°": lambda i: i.rotate(1, Image.Resampling.BICUBIC),
    "screenshot-like": _screenshot,
}


def h(img: Image.Image) -> PdqHash:
    return pdq_hash(np.asarray(img, dtype=np.uint8))


def _cpp_gap(photos: dict[str, Image.Image], moved: dict[str, Image.Image]) -> str:
    """Largest difference between our distance and Meta's C++ (``pdqhash``) distance."""
    try:
        import pdqhash  # a dev dependency: Meta's C++ PDQ
    except ImportError:
        return "n/a"
    gap = 0
    for name, img in photos.items():
        a, _ = pdqhash.compute(np.asarray(img))
        b, _ = pdqhash.compute(np.asarray(moved[name]))
        ours = hamming(h(img), h(moved[name]))
        gap = max(gap, abs(int((a != b).sum()) - ours))
    return str(gap)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, help="Also write the figures as JSON here.")
    args = parser.parse_args()
    photos = photographs()
    base = {name: h(img) for name, img in photos.items()}
    low = [n for n, x in base.items() if x.quality < MIN_QUALITY]
    print(f"{len(photos)} photographs; quality min {min(x.quality for x in base.values())}")
    if low:
        print(f"below quality {MIN_QUALITY} (never matched): {', '.join(low)}")
    rows = []
    per_transform: dict[str, dict[str, int]] = {}
    trusted = [n for n in photos if n not in low]
    for label, fn in TRANSFORMS.items():
        moved = {name: fn(img) for name, img in photos.items()}
        dists = {name: hamming(base[name], h(moved[name])) for name in photos}
        per_transform[label] = dists
        values = sorted(dists.values())
        recall = sum(d <= MATCH_DISTANCE for d in values) / len(values)
        matched = sum(
            is_match(base[n], h(moved[n])) for n in trusted
        )  # what a look-up does: both fingerprints of quality >= 50
        rows.append(
            (
                label,
                statistics.median(values),
                float(np.percentile(values, 90)),
                max(values),
                recall,
                matched / len(trusted),
                _cpp_gap(photos, moved),
            )
        )
    print()
    print(
        f"| transformation | median | p90 | max | recall at ≤ {MATCH_DISTANCE} (all) "
        f"| recall, quality ≥ {MIN_QUALITY} | max gap to Meta's C++ |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, med, p90, worst, recall, recall_q, gap in rows:
        print(
            f"| {label} | {med:g} | {p90:.0f} | {worst} | {recall:.2f} | {recall_q:.2f} | {gap} |"
        )
    names = list(photos)
    pairs = {(a, b): hamming(base[a], base[b]) for a, b in itertools.combinations(names, 2)}
    false = [(p, d) for p, d in pairs.items() if d <= MATCH_DISTANCE]
    closest = sorted(pairs.items(), key=lambda kv: kv[1])[:3]
    print()
    print(
        f"distinct pairs: {len(pairs)}; false matches at ≤ {MATCH_DISTANCE}: {len(false)}; "
        f"closest: " + ", ".join(f"{a}~{b} {d}" for (a, b), d in closest)
    )
    cross = 0
    cross_false = 0
    for fn in TRANSFORMS.values():
        moved = {name: h(fn(img)) for name, img in photos.items()}
        for a, b in itertools.permutations(names, 2):
            cross += 1
            cross_false += hamming(moved[a], base[b]) <= MATCH_DISTANCE
    print(f"transformed copy vs every other original: {cross} comparisons, {cross_false} matches")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "photographs": {
                        n: {"pdq": x.hex, "quality": x.quality} for n, x in base.items()
                    },
                    "distances": per_transform,
                    "pairs": {f"{a}~{b}": d for (a, b), d in pairs.items()},
                    "false_matches": len(false),
                    "cross_false_matches": cross_false,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
