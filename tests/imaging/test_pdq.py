"""PDQ: the numpy and browser implementations agree, match Meta's reference, and behave."""

from __future__ import annotations

import io
import itertools
import json
import shutil
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from imageledger.errors import RecordError
from imageledger.imaging.pdq import (
    MATCH_DISTANCE,
    MIN_QUALITY,
    PdqHash,
    hamming,
    parse_pdq_hex,
    pdq_hash,
    pdq_hash_image,
    pdq_hash_luma,
)

HERE = Path(__file__).parent
RUNNER = HERE / "pdq_node_runner.mjs"
PDQ_JS = HERE.parents[1] / "site_src" / "assets" / "js" / "pdq.js"
NODE = shutil.which("node")

Rgb = np.ndarray


def _rgb(a: np.ndarray) -> Rgb:
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    return np.ascontiguousarray(a[:, :, :3], dtype=np.uint8)


def _sample(name: str) -> Rgb:
    if name == "motorcycle":
        return _rgb(skimage.data.stereo_motorcycle()[0])
    return _rgb(getattr(skimage.data, name)())


PHOTOS = [
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "camera",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "motorcycle",
]

# Expected values from Meta's reference C++ (pdqHash256FromFloatLuma, as compiled in the
# PyPI binding pdqhash 0.2.8) on scikit-image's bundled samples, 2026-11-27. Our output
# equalled it on every one; see tests/vectors/README.md.
REFERENCE = [
    ("astronaut", "2d6b1af3a956c529e79ca3d2526fa834d4196c81cedd04de0a26b855fc99b724", 100),
    ("coffee", "8c629e779a663698b9a33866c026726c21a679f61eb6e1f8c79ba7e23c8299e0", 100),
    ("chelsea", "5feb5321f01da156898e2bf629a5d3438412cdbd23f48942464526315db33ffd", 100),
    ("rocket", "8792786c87937064bf1bc0e43f1fc0e03f1cc2e33da4c2537cec821b2ce4f376", 100),
    ("camera", "dc9c9d3b746978f888f40ce6e5c3f70f7266623e8d989cb99f21f2010841e1c7", 100),
    (
        "hubble_deep_field",
        "1c6715e46266634f72d42df2324ad397e70e86be9c665c59a42ec19c3369b919",
        100,
    ),
    (
        "immunohistochemistry",
        "d359e15bfc0e7e848183e670de26db0b8309e9b06cb6ac4becc9b073ba52f026",
        100,
    ),
    ("retina", "83d22b5802d238191b87b1f8bf1ad487fc0f55f8405adc011fafa8f4ebfc2a59", 100),
    ("moon", "131645cde366d981e1e371b264d8b25b9e4d13771d8c4f366d946ca57133d0c9", 83),
    ("clock", "26cc3ccc933373334c34d778acc94cccb326f3394c932666934cd99d25337674", 34),
    ("microaneurysms", "537ebc9160a955ff3f50f6b38480437ee77485036f95ac0b7d4a7397880241f8", 82),
    ("motorcycle", "e0c9cfdb78d358d68a58ec54e94ba55937525b67508a0b87ad64fc6b4631c470", 100),
]


def _faint_ramp() -> Rgb:
    ramp = np.linspace(100, 110, 300)[None, :, None].repeat(200, 0).repeat(3, 2)
    return ramp.astype(np.uint8)


def _noise(height: int, width: int) -> Rgb:
    return np.random.default_rng(20261127).integers(0, 256, (height, width, 3), dtype=np.uint8)


# Edge cases of the pipeline: the minimum size, window 1, the reference's 64x64
# shortcut, window 2, large windows, and the two flat images whose DCT is pure rounding.
SYNTHETIC: dict[str, Callable[[], Rgb]] = {
    "noise-5x5": lambda: _noise(5, 5),
    "noise-300x7": lambda: _noise(7, 300),
    "crop-64x64": lambda: np.ascontiguousarray(_sample("astronaut")[100:164, 200:264]),
    "crop-130x129": lambda: np.ascontiguousarray(_sample("coffee")[10:139, 20:150]),
    "resize-2000x1500": lambda: np.asarray(
        Image.fromarray(_sample("astronaut")).resize((2000, 1500))
    ),
    "flat": lambda: np.full((100, 120, 3), 128, dtype=np.uint8),
    "faint-ramp": _faint_ramp,
}


AGREEMENT = [
    *PHOTOS,
    "moon",
    "clock",
    "coins",
    "page",
    "text",
    "logo",
    "horse",
    "microaneurysms",
    "colorwheel",
]


@pytest.fixture(scope="module")
def agreement_images() -> dict[str, Rgb]:
    images = {name: _sample(name) for name in AGREEMENT}
    images.update({name: make() for name, make in SYNTHETIC.items()})
    return images


@pytest.fixture(scope="module")
def js_hashes(
    agreement_images: dict[str, Rgb], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, object]]:
    if NODE is None:
        pytest.skip("node is not installed")
    folder = tmp_path_factory.mktemp("rgba")
    files = {}
    for name, rgb in agreement_images.items():
        height, width, _ = rgb.shape
        alpha = np.full((height, width, 1), 255, dtype=np.uint8)
        path = folder / f"{name}.rgba"
        rgba = np.concatenate([rgb, alpha], axis=2)
        path.write_bytes(struct.pack("<II", width, height) + rgba.tobytes())
        files[str(path)] = name
    done = subprocess.run(
        [NODE, str(RUNNER), *files], capture_output=True, text=True, check=True, timeout=300
    )
    results = [json.loads(line) for line in done.stdout.splitlines()]
    return {files[r["file"]]: r for r in results}


@pytest.mark.parametrize("name", [*AGREEMENT, *SYNTHETIC])
def test_js_and_python_agree(
    name: str, agreement_images: dict[str, Rgb], js_hashes: dict[str, dict[str, object]]
) -> None:
    ours = pdq_hash(agreement_images[name])
    js = js_hashes[name]
    assert (js["hex"], js["quality"]) == (ours.hex, ours.quality)


@pytest.mark.parametrize(("name", "hex_", "quality"), REFERENCE, ids=[r[0] for r in REFERENCE])
def test_matches_meta_reference_on_bundled_samples(name: str, hex_: str, quality: int) -> None:
    assert pdq_hash(_sample(name)) == parse_pdq_hex(hex_, quality=quality)


def _reference_hash(rgb: Rgb) -> PdqHash:
    pdqhash = pytest.importorskip("pdqhash")
    vector, quality = pdqhash.compute(rgb)
    bits = vector[::-1]  # the binding lists bit 255 first
    words = [sum(int(bits[16 * i + j]) << j for j in range(16)) for i in range(16)]
    return parse_pdq_hex("".join(f"{w:04x}" for w in reversed(words)), quality=int(quality))


@pytest.mark.parametrize("name", [n for n in [*AGREEMENT, *SYNTHETIC] if n != "flat"])
def test_matches_compiled_reference(name: str, agreement_images: dict[str, Rgb]) -> None:
    """Cross-check against Meta's C++ through the pdqhash binding, where it is installed.

    A flat image's DCT is rounding noise, so float32 and float64 disagree on it by design.
    """
    rgb = agreement_images[name]
    reference = _reference_hash(rgb)
    ours = pdq_hash(rgb)
    if ours.quality == 0:
        assert reference.quality == 0
    else:
        assert ours == reference


def _jpeg70(rgb: Rgb) -> Rgb:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=70)
    buffer.seek(0)
    with Image.open(buffer) as image:
        return np.asarray(image.convert("RGB"))


def _half(rgb: Rgb) -> Rgb:
    height, width, _ = rgb.shape
    image = Image.fromarray(rgb).resize((width // 2, height // 2), Image.Resampling.BICUBIC)
    return np.asarray(image)


def _crop(fraction: float) -> Callable[[Rgb], Rgb]:
    def crop(rgb: Rgb) -> Rgb:
        height, width, _ = rgb.shape
        dy, dx = round(height * fraction), round(width * fraction)
        return np.ascontiguousarray(rgb[dy : height - dy, dx : width - dx])

    return crop


def _brighter(rgb: Rgb) -> Rgb:
    return np.clip(rgb.astype(np.int16) + 12, 0, 255).astype(np.uint8)


EDITS = {"jpeg-q70": _jpeg70, "half-size": _half, "crop-1pct": _crop(0.01), "brighter": _brighter}


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("name", PHOTOS)
def test_near_duplicates_match(name: str, edit: str) -> None:
    rgb = _sample(name)
    assert hamming(pdq_hash(rgb), pdq_hash(EDITS[edit](rgb))) <= MATCH_DISTANCE


@pytest.mark.parametrize("name", ["astronaut", "coffee", "rocket", "camera"])
def test_crop_of_3pct_a_side_is_beyond_pdq(name: str) -> None:
    """PDQ has no shift invariance: Meta's reference gives 44-84 bits here too."""
    rgb = _sample(name)
    assert hamming(pdq_hash(rgb), pdq_hash(_crop(0.03)(rgb))) > MATCH_DISTANCE


def test_different_photos_are_far_apart() -> None:
    hashes = {name: pdq_hash(_sample(name)) for name in PHOTOS}
    for a, b in itertools.combinations(PHOTOS, 2):
        assert hamming(hashes[a], hashes[b]) > 3 * MATCH_DISTANCE, (a, b)


@pytest.mark.parametrize("name", PHOTOS)
def test_photos_have_high_quality(name: str) -> None:
    assert pdq_hash(_sample(name)).quality >= 90


@pytest.mark.parametrize("name", ["flat", "faint-ramp"])
def test_blank_images_have_low_quality(name: str) -> None:
    assert pdq_hash(SYNTHETIC[name]()).quality < MIN_QUALITY


def test_hash_sets_half_the_bits() -> None:
    h = pdq_hash(_sample("coffee"))
    assert int.from_bytes(h.bits, "big").bit_count() == 128


def test_luma_entry_point_is_the_same_pipeline() -> None:
    rgb = _sample("chelsea").astype(np.float64)
    luma = 0.299 * rgb[:, :, 0] + 0.587 * rgb[:, :, 1] + 0.114 * rgb[:, :, 2]
    assert pdq_hash_luma(luma) == pdq_hash(_sample("chelsea"))


def test_pillow_entry_point_applies_exif_orientation() -> None:
    rgb = _sample("coffee")
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG", exif=exif)
    buffer.seek(0)
    with Image.open(buffer) as image:
        upright = np.ascontiguousarray(np.rot90(rgb, k=-1))
        assert pdq_hash_image(image) == pdq_hash(upright)


def test_pillow_entry_point_expands_grey_to_rgb() -> None:
    grey = skimage.data.camera()
    assert pdq_hash_image(Image.fromarray(grey)) == pdq_hash(_rgb(grey))


def test_hashes_1024x768_quickly() -> None:
    rgb = np.asarray(Image.fromarray(_sample("astronaut")).resize((1024, 768)))
    best = min(_timed(rgb) for _ in range(3))
    assert best < 1.0


def _timed(rgb: Rgb) -> float:
    started = time.perf_counter()
    pdq_hash(rgb)
    return time.perf_counter() - started


BAD_INPUT = {
    "float-rgb": (lambda: pdq_hash(np.zeros((10, 10, 3))), "pdq-input"),
    "grey-2d": (lambda: pdq_hash(np.zeros((10, 10), dtype=np.uint8)), "pdq-input"),
    "rgba": (lambda: pdq_hash(np.zeros((10, 10, 4), dtype=np.uint8)), "pdq-input"),
    "too-small": (lambda: pdq_hash(np.zeros((4, 100, 3), dtype=np.uint8)), "pdq-too-small"),
    "nan-luma": (lambda: pdq_hash_luma(np.full((10, 10), np.nan)), "pdq-input"),
    "3d-luma": (lambda: pdq_hash_luma(np.zeros((10, 10, 1))), "pdq-input"),
    "hex-upper": (lambda: parse_pdq_hex("A" * 64, quality=100), "pdq-hex"),
    "hex-short": (lambda: parse_pdq_hex("a" * 63, quality=100), "pdq-hex"),
    "hex-not-hex": (lambda: parse_pdq_hex("g" * 64, quality=100), "pdq-hex"),
    "hex-prefix": (lambda: parse_pdq_hex("0x" + "a" * 62, quality=100), "pdq-hex"),
    "quality-high": (lambda: parse_pdq_hex("a" * 64, quality=101), "pdq-quality"),
    "quality-bool": (lambda: PdqHash(bytes(32), True), "pdq-quality"),
    "bits-short": (lambda: PdqHash(bytes(31), 50), "pdq-hash"),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_refused(case: str) -> None:
    call, code = BAD_INPUT[case]
    with pytest.raises(RecordError) as caught:
        call()
    assert caught.value.code == code


hashes = st.builds(PdqHash, st.binary(min_size=32, max_size=32), st.integers(0, 100))


@given(hashes)
def test_hex_round_trip(h: PdqHash) -> None:
    assert len(h.hex) == 64
    assert parse_pdq_hex(h.hex, quality=h.quality) == h
    assert h.alg == "pdq/1"


@given(hashes, hashes, hashes)
def test_hamming_is_a_metric(a: PdqHash, b: PdqHash, c: PdqHash) -> None:
    assert hamming(a, a) == 0
    assert hamming(a, b) == hamming(b, a)
    assert (hamming(a, b) == 0) == (a.bits == b.bits)
    assert hamming(a, c) <= hamming(a, b) + hamming(b, c)
    flipped = PdqHash(bytes(x ^ 0xFF for x in a.bits), a.quality)
    assert hamming(a, flipped) == 256


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_js_hamming_agrees() -> None:
    rng = np.random.default_rng(7)
    pairs = [(rng.bytes(32).hex(), rng.bytes(32).hex()) for _ in range(50)]
    pairs += [("0" * 64, "f" * 64), ("0" * 64, "0" * 64)]
    script = (
        f"import {{ hamming }} from {json.dumps(PDQ_JS.as_uri())};"
        f"const pairs = {json.dumps(pairs)};"
        "console.log(JSON.stringify(pairs.map(([a, b]) => hamming(a, b))));"
    )
    done = subprocess.run(
        [str(NODE), "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    expected = [hamming(parse_pdq_hex(a, quality=0), parse_pdq_hex(b, quality=0)) for a, b in pairs]
    assert json.loads(done.stdout) == expected
