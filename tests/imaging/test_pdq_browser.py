"""pdq.js and image-index.js in headless Chromium agree with the Python side.

Lossless (PNG) inputs must give identical hashes; JPEG within distance 10 (the browser's
JPEG decoder is not Pillow's). The page decodes through createImageBitmap and a canvas,
as the site's look-up page does.
"""

from __future__ import annotations

import io

from browser_harness import run_in_chromium
from imaging_fixtures import noise_png
from PIL import Image

from imageledger.demo.images import sample_dir
from imageledger.imaging import site_index
from imageledger.imaging.identity import identify_bytes
from imageledger.imaging.pdq import hamming, parse_pdq_hex

PNGS = (
    "astronaut.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "brick.png",
    "ihc.png", "moon.png", "motorcycle_left.png", "cell.png", "page.png",
)  # fmt: skip
JPEGS = ("rocket.jpg", "hubble_deep_field.jpg", "retina.jpg")


def _jpeg(name: str, quality: int) -> bytes:
    with Image.open(sample_dir() / name) as img:
        out = io.BytesIO()
        img.convert("RGB").save(out, "JPEG", quality=quality)
        return out.getvalue()


def test_browser_hashes_match_python() -> None:
    images = {name: (sample_dir() / name).read_bytes() for name in PNGS + JPEGS}
    images["noise-97x61.png"] = noise_png(3, 97)
    images["astronaut-q70.jpg"] = _jpeg("astronaut.png", 70)
    images["coffee-q50.jpg"] = _jpeg("coffee.png", 50)
    coffee = identify_bytes(images["coffee.png"], fast=False)
    index = site_index.build([site_index.IndexEntry("demo/1", coffee.sha256, coffee.pdq)])
    results = run_in_chromium(images, index=index)
    assert [r["name"] for r in results] == list(images)
    for r in results:
        ours = identify_bytes(images[r["name"]], fast=False)
        theirs = parse_pdq_hex(r["hex"], quality=r["quality"])
        assert r["sha256"] == ours.sha256
        if r["name"].endswith(".png"):
            assert (r["hex"], r["quality"]) == (ours.pdq.hex, ours.pdq.quality), r["name"]
        else:
            assert hamming(theirs, ours.pdq) <= 10, r["name"]
    by_name = {r["name"]: r["found"] for r in results}
    assert by_name["coffee.png"]["exact"] == ["demo/1"]
    assert by_name["coffee-q50.jpg"]["exact"] == []
    assert [m["ref"] for m in by_name["coffee-q50.jpg"]["near"]] == ["demo/1"]
    assert by_name["astronaut.png"] == {"exact": [], "near": []}
