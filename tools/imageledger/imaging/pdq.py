"""PDQ, Meta's 256-bit perceptual image hash, with its 0–100 quality score.

Follows the reference ``pdqHash256FromFloatLuma`` of facebook/ThreatExchange
(``pdq/cpp/hashing/pdqhashing.cpp``, ``pdq/cpp/downscaling/downscaling.cpp``) step by step:

1. luminance ``Y = 0.299 R + 0.587 G + 0.114 B`` of the whole decoded image. There is no
   pre-shrink: the 512 px resize that ``pdqHash256FromFile`` does is the C++ command-line
   tool's speed shortcut (CImg nearest-neighbour), outside the algorithm, and a browser
   could not repeat it. Images under 5 px on a side are refused (the reference returns a
   zero hash of quality 0 for them, which would match every other such image);
2. two passes of (box filter along rows, then along columns), the "Jarosz filter", with
   window ``(dim + 127) // 128`` and the reference's window placement and edge handling,
   then decimation to 64×64 at the centres ``int((i + 0.5) * dim / 64)``; a 64×64 image is
   taken as it is, as in the reference;
3. quality: the sum over neighbouring pixels of ``int((u - v) * 100 / 255)`` in absolute
   value, integer-divided by 90, at most 100;
4. the 16×64 DCT-II matrix ``D[i][j] = sqrt(2/64) cos(pi/128 (i+1)(2j+1))`` (rows 1–16:
   the DC row is skipped), ``B = D A Dᵀ``;
5. bit ``16 i + j`` is set where ``B[i][j]`` exceeds the lower median of the 256 values
   (Torben's median for an even count), stored in 16-bit word ``i`` at bit ``j``; the hex
   form prints words 15 down to 0, four digits each, as the reference's ``format()``.

Agreement guarantee. ``site_src/assets/js/pdq.js`` performs the same IEEE-754 double
operations in the same order (sequential prefix sums, then one subtraction and one
division per output; sums over ``k = 0..63`` in order; no fused multiply-add; the cosine
table from the same ``+ - * /`` series instead of libm), so for identical RGB pixels both
give the identical hash and quality; ``tests/imaging`` checks this. Against the float32
C++ reference the result can differ only where a DCT value lies within float32 rounding of
the median, or a gradient within rounding of an integer step: a bit or two, rarely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import numpy.typing as npt

from imageledger.errors import Location, RecordError

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "MATCH_DISTANCE",
    "MIN_QUALITY",
    "PdqHash",
    "hamming",
    "parse_pdq_hex",
    "pdq_hash",
    "pdq_hash_image",
    "pdq_hash_luma",
]

ALG = "pdq/1"
# Meta's recommended operating point: distance <= 31 is a match; hashes of quality < 50
# come from images too flat to fingerprint and should not be matched on.
MATCH_DISTANCE = 31
MIN_QUALITY = 50
MIN_DIM = 5

_HEX_DIGITS = frozenset("0123456789abcdef")
_Float = npt.NDArray[np.float64]
_STRIP = 1 << 20  # elements per strip of the box filter


@dataclass(frozen=True, slots=True)
class PdqHash:
    """A PDQ fingerprint: 32 bytes (the hex form's bytes, most significant word first)."""

    bits: bytes
    quality: int
    alg: ClassVar[str] = ALG

    def __post_init__(self) -> None:
        if not isinstance(self.bits, bytes) or len(self.bits) != 32:
            raise RecordError(
                "a PDQ hash is 32 bytes", code="pdq-hash", location=Location(field="bits")
            )
        if (
            isinstance(self.quality, bool)
            or not isinstance(self.quality, int)
            or not (0 <= self.quality <= 100)
        ):
            raise RecordError(
                "PDQ quality must be an integer from 0 to 100",
                code="pdq-quality",
                location=Location(field="quality"),
            )

    @property
    def hex(self) -> str:
        """The reference's 64 lowercase hex digits."""
        return self.bits.hex()


def parse_pdq_hex(text: str, *, quality: int) -> PdqHash:
    """Parse the 64 lowercase hex digits of a PDQ hash (the only accepted spelling)."""
    if not isinstance(text, str) or len(text) != 64 or not set(text) <= _HEX_DIGITS:
        raise RecordError(
            "a PDQ hash is 64 lowercase hex digits",
            code="pdq-hex",
            hint="as printed by the reference hasher, lowercased",
        )
    return PdqHash(bytes.fromhex(text), quality)


def hamming(a: PdqHash, b: PdqHash) -> int:
    """Number of differing bits; ``<= MATCH_DISTANCE`` means the same picture."""
    return (int.from_bytes(a.bits, "big") ^ int.from_bytes(b.bits, "big")).bit_count()


def pdq_hash(rgb: npt.NDArray[np.uint8]) -> PdqHash:
    """Hash a decoded image given as an ``H×W×3`` uint8 RGB array."""
    if (
        not isinstance(rgb, np.ndarray)
        or rgb.dtype != np.uint8
        or rgb.ndim != 3
        or (rgb.shape[2] != 3)
    ):
        raise RecordError("PDQ input must be an H×W×3 uint8 RGB array", code="pdq-input")
    # Same grouping as the JS: (0.299 R + 0.587 G) + 0.114 B, one channel at a time.
    luma = rgb[:, :, 0].astype(np.float64)
    luma *= 0.299
    luma += 0.587 * rgb[:, :, 1].astype(np.float64)
    luma += 0.114 * rgb[:, :, 2].astype(np.float64)
    return pdq_hash_luma(luma)


def pdq_hash_image(image: Image.Image) -> PdqHash:
    """Hash a Pillow image as a browser would draw it: EXIF orientation applied, RGB.

    Alpha is dropped, not composited; greyscale is expanded to RGB so that the luminance
    is computed as for a colour image, as it is from a canvas.
    """
    from PIL import ImageOps

    upright = ImageOps.exif_transpose(image)
    return pdq_hash(np.asarray(upright.convert("RGB"), dtype=np.uint8))


def pdq_hash_luma(luma: npt.NDArray[np.floating]) -> PdqHash:
    """Hash an ``H×W`` luminance array (values on the 0–255 scale)."""
    if not isinstance(luma, np.ndarray) or luma.ndim != 2:
        raise RecordError("PDQ luminance must be an H×W array", code="pdq-input")
    rows, cols = luma.shape
    if rows < MIN_DIM or cols < MIN_DIM:
        raise RecordError(
            f"image is {cols}×{rows} px; PDQ needs at least {MIN_DIM}×{MIN_DIM}",
            code="pdq-too-small",
        )
    y = np.ascontiguousarray(luma, dtype=np.float64)
    if not np.isfinite(y).all():
        raise RecordError("PDQ luminance holds a non-finite value", code="pdq-input")
    block = _downsample64(y)
    quality = _quality(block)
    return PdqHash(_bits(_dct16(block)), quality)


def _window(dim: int) -> int:
    return (dim + 2 * 64 - 1) // (2 * 64)


def _centres(dim: int) -> npt.NDArray[np.intp]:
    # int((i + 0.5) * dim / 64) in exact integer arithmetic.
    return (np.arange(1, 128, 2) * dim) // 128


def _box(x: _Float, window: int, axis: int, keep: npt.NDArray[np.intp] | None = None) -> _Float:
    """Mean over the reference's window along ``axis``; outputs only at ``keep`` if given.

    Output ``o`` averages inputs ``[o + h - w, o + h - 1]`` clipped to the array, where
    ``h = (w + 2) // 2``: the reference's four-phase running sum, as prefix-sum differences.
    Works in strips across the other axis so that memory stays a small multiple of the input.
    """
    if axis == 0:
        return _box(x.T, window, 1, keep).T
    rows, n = x.shape
    out = np.arange(n) if keep is None else keep
    if window == 1:  # the identity, kept exact
        return np.ascontiguousarray(x[:, out])
    half = (window + 2) // 2
    hi = np.minimum(n, out + half)
    lo = np.maximum(0, out + half - window)
    count = (hi - lo).astype(np.float64)
    result = np.empty((rows, len(out)), dtype=np.float64)
    step = max(1, _STRIP // (n + 1))
    for top in range(0, rows, step):
        strip = x[top : top + step]
        prefix = np.zeros((strip.shape[0], n + 1), dtype=np.float64)
        # add.accumulate runs sequentially along the axis: prefix[k+1] = prefix[k] + x[k].
        np.cumsum(strip, axis=1, out=prefix[:, 1:])
        part = prefix[:, hi]
        part -= prefix[:, lo]
        part /= count
        result[top : top + step] = part
    return result


def _downsample64(y: _Float) -> _Float:
    rows, cols = y.shape
    if rows == 64 and cols == 64:
        return y
    along_rows, along_cols = _window(cols), _window(rows)
    once = _box(_box(y, along_rows, axis=1), along_cols, axis=0)
    # Second pass only where decimation will sample: same values, a fraction of the work.
    twice = _box(once, along_rows, axis=1, keep=_centres(cols))
    return _box(twice, along_cols, axis=0, keep=_centres(rows))


def _quality(block: _Float) -> int:
    down = np.trunc(((block[:-1, :] - block[1:, :]) * 100.0) / 255.0)
    across = np.trunc(((block[:, :-1] - block[:, 1:]) * 100.0) / 255.0)
    gradient_sum = int(np.abs(down).sum() + np.abs(across).sum())
    return min(gradient_sum // 90, 100)


def _series_cos(x: float) -> float:
    x2 = x * x
    t = 1.0
    for k in range(12, 0, -1):
        t = 1.0 - x2 / ((2 * k - 1) * (2 * k)) * t
    return t


def _series_sin(x: float) -> float:
    x2 = x * x
    t = 1.0
    for k in range(12, 0, -1):
        t = 1.0 - x2 / ((2 * k) * (2 * k + 1)) * t
    return x * t


def _cos_pi_128(m: int) -> float:
    """cos(pi m / 128) from + - * / only, so that every JS engine computes the same bits."""
    r = m % 256
    if r > 128:
        r = 256 - r
    sign = 1.0
    if r > 64:
        r, sign = 128 - r, -1.0
    if r <= 32:
        return sign * _series_cos(math.pi * r / 128)
    return sign * _series_sin(math.pi * (64 - r) / 128)


def _dct_matrix() -> _Float:
    scale = math.sqrt(2.0 / 64.0)
    return np.array(
        [[scale * _cos_pi_128((i + 1) * (2 * j + 1)) for j in range(64)] for i in range(16)],
        dtype=np.float64,
    )


_DCT = _dct_matrix()


def _dct16(block: _Float) -> _Float:
    # Explicit sequential sums over k (no BLAS: its order and FMA use are unspecified).
    t = np.zeros((16, 64), dtype=np.float64)
    for k in range(64):
        t += np.multiply.outer(_DCT[:, k], block[k, :])
    b = np.zeros((16, 16), dtype=np.float64)
    for k in range(64):
        b += np.multiply.outer(t[:, k], _DCT[:, k])
    return b


def _bits(b: _Float) -> bytes:
    flat = b.reshape(256)
    median = np.sort(flat)[127]  # Torben's median of 256 values: the 128th smallest
    bits = (flat > median).reshape(16, 16)
    words = (bits.astype(np.uint32) << np.arange(16, dtype=np.uint32)).sum(axis=1)
    return b"".join(int(w).to_bytes(2, "big") for w in words[::-1])
