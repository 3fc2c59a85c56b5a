"""Image identity: hashes and fingerprint, draft decoding, and hostile files."""

from __future__ import annotations

import hashlib
import io
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from imaging_fixtures import noise_png, photo_jpeg
from PIL import Image

from imageledger.core import limits
from imageledger.demo.images import sample, sample_dir
from imageledger.errors import RecordError, StorageError
from imageledger.imaging.identity import identify_bytes, identify_file, sniff_media_type
from imageledger.imaging.pdq import hamming, pdq_hash_image


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header claiming ``width × height`` pixels, with a tiny compressed body."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 100_000)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def test_demo_sample_identity() -> None:
    expected = sample("coffee.png")
    ident = identify_file(expected.path)
    assert ident.sha256 == expected.sha256
    assert (ident.media_type, ident.width, ident.height, ident.size) == (
        "image/png",
        expected.width,
        expected.height,
        expected.size,
    )
    with Image.open(expected.path) as img:
        assert ident.pdq == pdq_hash_image(img)
    assert ident.pdq_trusted
    record = ident.to_record()
    assert record["pdq"] == {"alg": "pdq/1", "hash": ident.pdq.hex, "quality": ident.pdq.quality}


def test_draft_decoding_stays_close_and_is_labelled() -> None:
    with Image.open(sample_dir() / "hubble_deep_field.jpg") as img:
        big = img.convert("RGB").resize((3000, 2616), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    big.save(out, "JPEG", quality=90)
    fast = identify_bytes(out.getvalue())
    full = identify_bytes(out.getvalue(), fast=False)
    assert fast.decode == "draft-1/4"
    assert full.decode == "full"
    assert fast.sha256 == full.sha256
    assert (fast.width, fast.height) == (3000, 2616)  # the file's size, not the draft's
    assert hamming(fast.pdq, full.pdq) <= 16  # measured 10 on this star field; budget 31


def test_small_jpeg_is_decoded_in_full() -> None:
    assert identify_bytes(photo_jpeg()).decode == "full"


def test_media_type_from_bytes_not_name(tmp_path: Path) -> None:
    wrong = tmp_path / "photo.jpg"
    wrong.write_bytes(noise_png())
    assert identify_file(wrong).media_type == "image/png"
    assert sniff_media_type(noise_png()) == "image/png"
    assert sniff_media_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"


def test_tiny_image_has_no_fingerprint() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    ident = identify_bytes(out.getvalue())
    assert ident.pdq is None
    assert not ident.pdq_trusted
    assert "pdq" not in ident.to_record()


def test_flat_image_is_flagged_low_quality() -> None:
    out = io.BytesIO()
    Image.new("RGB", (200, 200), (90, 90, 90)).save(out, "PNG")
    ident = identify_bytes(out.getvalue())
    assert ident.pdq is not None
    assert ident.pdq.quality < 50
    assert not ident.pdq_trusted


HOSTILE = {
    "bomb-beyond-our-limit": (png_bomb(100_000, 100_000), "image-too-large"),
    "bomb-just-over": (png_bomb(8001, 8000), "image-too-large"),
    "truncated-jpeg": (photo_jpeg()[:6000], "image-truncated"),
    "truncated-png": (noise_png(size=300)[:20_000], "image-truncated"),
    "not-an-image": (b"GIF89a" + b"\x00" * 10, "image-unreadable"),
    "random-bytes": (bytes(range(256)) * 4, "image-unreadable"),
    "empty": (b"", "image-unreadable"),
}


@pytest.mark.parametrize(("data", "code"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_images_fail_with_one_line_and_a_code(data: bytes, code: str) -> None:
    start = time.monotonic()
    with pytest.raises(RecordError) as err:
        identify_bytes(data)
    assert time.monotonic() - start < 5
    assert err.value.code == code
    assert "\n" not in err.value.diagnostics()


def test_pillow_bomb_check_is_a_hard_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our limit first; Pillow's own warning (between its limit and twice it) is an error too."""
    monkeypatch.setattr(limits, "MAX_IMAGE_PIXELS", 10**12)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(RecordError) as err:
        identify_bytes(png_bomb(1200, 1000))  # 1.2 MP: Pillow warns; must not pass
    assert err.value.code == "image-too-large"


def test_file_too_large_is_refused_before_reading(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_IMAGE_BYTES", 1000)
    path = tmp_path / "big.png"
    path.write_bytes(noise_png(size=64))
    with pytest.raises(StorageError) as err:
        identify_file(path)
    assert err.value.code == "file-too-large"


def test_cli_inspect_hostile_is_one_line(tmp_path: Path, cli) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb(100_000, 100_000))
    run = cli("inspect", str(path))
    assert run.code == 1
    lines = run.err.strip().splitlines()
    assert len(lines) == 1
    assert "[image-too-large]" in lines[0]
    assert str(path) in lines[0]


def test_sha256_is_of_the_file_bytes() -> None:
    data = photo_jpeg()
    assert identify_bytes(data).sha256 == hashlib.sha256(data).hexdigest()
    assert np.asarray(Image.open(io.BytesIO(data))).shape[2] == 3
