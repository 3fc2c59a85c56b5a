"""An image's identity: SHA-256 of the file bytes, media type, size, dimensions and PDQ.

Decoding is hardened: the pixel count is checked against ``limits.MAX_IMAGE_PIXELS`` from
the header, before a pixel is decoded (Pillow's decompression-bomb check stays on behind
it, as a hard error), truncated and corrupt files are refused rather than half-decoded,
and the media type comes from the bytes, never from the file name.

Reduced-size JPEG decoding. A JPEG can be decoded at 1/2, 1/4 or 1/8 scale from its DCT
coefficients (Pillow's ``draft``), which is an area average, much like the box filter PDQ
applies anyway before it samples 64×64 points. ``fast=True`` decodes at the smallest such
scale that keeps both sides at least ``DRAFT_MIN_SIDE`` pixels: 1/4 for a 4000×3000 photo.
Measured by ``bench/pdq_speed.py`` on 12-megapixel JPEGs (one thread, per CPU-second):
0.97 fingerprints/s from the full decode, 13.8/s at 1/4 (4.8/s at 1/2, 23.7/s at 1/8);
the hash moves by a mean of 4.8 and at most 8 bits at 1/4 (2.2/4 at 1/2, 6.2/10 at 1/8),
and by 10 bits on an upscaled star field (``tests/imaging``). That spends part of the
31-bit match budget, so look-ups use it, while a hash written into a record is computed
from the full decode (``fast=False``, what a browser computes); ``decode`` says which.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imageledger.core import limits
from imageledger.errors import LedgerError, RecordError
from imageledger.imaging.pdq import ALG, MIN_QUALITY, PdqHash, pdq_hash_image

__all__ = ["DRAFT_MIN_SIDE", "ImageIdentity", "identify_bytes", "identify_file", "sniff_media_type"]

DRAFT_MIN_SIDE = 512
"""Reduced JPEG decoding keeps both sides at least this long (8× PDQ's 64×64 grid)."""

_MEDIA_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "TIFF": "image/tiff",
    "AVIF": "image/avif",
    "HEIF": "image/heic",
}
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


@dataclass(frozen=True, slots=True)
class ImageIdentity:
    """What identifies one image file. ``pdq`` is None when the image is too small to hash."""

    sha256: str
    media_type: str
    size: int
    width: int
    height: int
    pdq: PdqHash | None
    decode: str = "full"
    """``full`` or ``draft-1/N``: the JPEG scale the fingerprint was computed from."""

    @property
    def pdq_trusted(self) -> bool:
        """A fingerprint of quality below ``MIN_QUALITY`` is shown but never matched on."""
        return self.pdq is not None and self.pdq.quality >= MIN_QUALITY

    def to_record(self) -> dict[str, Any]:
        """The disclosure's ``image`` member (without ``published_urls``)."""
        out: dict[str, Any] = {"sha256": self.sha256}
        if self.pdq is not None:
            out["pdq"] = {"alg": ALG, "hash": self.pdq.hex, "quality": self.pdq.quality}
        out |= {
            "media_type": self.media_type,
            "width": self.width,
            "height": self.height,
            "size": self.size,
        }
        return out


def sniff_media_type(data: bytes) -> str | None:
    """The media type the bytes announce (not the file name), or None."""
    for magic, media in _MAGIC:
        if data.startswith(magic):
            return media
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        return "image/avif" if brand in (b"avif", b"avis") else "image/heic"
    return None


def identify_file(path: Path, *, fast: bool = True) -> ImageIdentity:
    """Read (bounded) and identify an image file; errors name the file."""
    from imageledger.storage.files import read_bounded

    data = read_bounded(path, limits.MAX_IMAGE_BYTES)
    try:
        return identify_bytes(data, fast=fast)
    except LedgerError as e:
        raise e.at(str(path)) from None


def identify_bytes(data: bytes, *, fast: bool = True) -> ImageIdentity:
    """Identify an image given as its file bytes.

    Raises:
        RecordError: ``image-unreadable`` (not an image, or a format Pillow cannot decode),
            ``image-too-large`` (a decompression bomb), ``image-truncated`` (the file ends or
            breaks before the last pixel) or ``image-too-small`` for a degenerate image.
    """
    from PIL import Image, UnidentifiedImageError

    if len(data) > limits.MAX_IMAGE_BYTES:
        raise RecordError(
            f"image is {len(data)} bytes; the limit is {limits.MAX_IMAGE_BYTES}",
            code="image-too-large",
        )
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            # Pillow warns between its limit and twice it: a hard error here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format or ""
                width, height = img.size
                _check_pixels(width, height)
                decode = "full"
                if fast and fmt == "JPEG":
                    decode = _draft(img, width, height)
                img.load()
                pdq = _fingerprint(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise RecordError(
            f"refused as a decompression bomb ({e})".rstrip("."),
            code="image-too-large",
            hint=f"images may have at most {limits.MAX_IMAGE_PIXELS:,} pixels",
        ) from e
    except UnidentifiedImageError as e:
        raise RecordError(
            "not an image this tool can read",
            code="image-unreadable",
            hint="use JPEG, PNG, WebP, GIF or TIFF",
        ) from e
    except (OSError, ValueError, SyntaxError, EOFError) as e:
        text = str(e) or type(e).__name__
        truncated = "truncated" in text or "broken data stream" in text or isinstance(e, EOFError)
        raise RecordError(
            ("image file is truncated or corrupt: " if truncated else "image cannot be decoded: ")
            + text.splitlines()[0][:200],
            code="image-truncated" if truncated else "image-corrupt",
            hint="use the complete, original file",
        ) from e
    media = _MEDIA_TYPES.get(fmt) or sniff_media_type(data) or f"image/{fmt.lower()}"
    return ImageIdentity(sha256, media, len(data), width, height, pdq, decode)


def _check_pixels(width: int, height: int) -> None:
    if width * height > limits.MAX_IMAGE_PIXELS:
        raise RecordError(
            f"image is {width}×{height} = {width * height:,} pixels, refused as a "
            "possible decompression bomb",
            code="image-too-large",
            hint=f"images may have at most {limits.MAX_IMAGE_PIXELS:,} pixels",
        )


def _draft(img: Any, width: int, height: int) -> str:
    """Ask libjpeg for the smallest DCT scale keeping both sides ≥ ``DRAFT_MIN_SIDE``."""
    scale = 1
    while scale < 8 and min(width, height) // (scale * 2) >= DRAFT_MIN_SIDE:
        scale *= 2
    if scale == 1:
        return "full"
    mode = "RGB" if img.mode not in ("L", "CMYK") else img.mode
    img.draft(mode, (-(-width // scale), -(-height // scale)))
    return f"draft-1/{scale}"


def _fingerprint(img: Any) -> PdqHash | None:
    try:
        return pdq_hash_image(img)
    except RecordError as e:
        if e.code == "pdq-too-small":
            return None
        raise
