"""Real photographs for the demo: scikit-image's sample images, read from its wheel."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif"}

# Disclosed in the demo ledger. The others in skimage.data stay out, so that looking
# them up is a true negative: brick, gravel, grass, moon, motorcycle_right.
DISCLOSED = (
    "astronaut.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "rocket.jpg",
    "hubble_deep_field.jpg",
    "coins.png",
    "page.png",
    "text.png",
    "horse.png",
    "color.png",
    "clock_motion.png",
    "retina.jpg",
    "ihc.png",
    "motorcycle_left.png",
    "logo.png",
    "cell.png",
    "microaneurysms.png",
)
UNDISCLOSED = ("brick.png", "gravel.png", "grass.png", "moon.png", "motorcycle_right.png")


def sample_dir() -> Path:
    import skimage.data  # a demo and test dependency only

    return Path(skimage.data.__file__).parent


@dataclass(frozen=True)
class SampleImage:
    name: str
    path: Path
    sha256: str
    media_type: str
    width: int
    height: int
    size: int


def sample(name: str) -> SampleImage:
    path = sample_dir() / name
    data = path.read_bytes()
    with Image.open(path) as image:
        width, height = image.size
    return SampleImage(
        name,
        path,
        hashlib.sha256(data).hexdigest(),
        MEDIA_TYPES[path.suffix],
        width,
        height,
        len(data),
    )
