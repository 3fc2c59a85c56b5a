"""Everything an image file says about itself: identity, XMP and C2PA, read once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imageledger.core import limits
from imageledger.errors import LedgerError
from imageledger.imaging.c2pa_read import C2paFacts, read_c2pa
from imageledger.imaging.containers import read_xmp
from imageledger.imaging.identity import ImageIdentity, identify_bytes
from imageledger.imaging.xmp import XmpFacts, parse_xmp

__all__ = ["ImageFacts", "inspect_bytes", "inspect_file"]


@dataclass(frozen=True, slots=True)
class ImageFacts:
    identity: ImageIdentity
    xmp: XmpFacts | None
    c2pa: C2paFacts

    def to_json(self) -> dict[str, Any]:
        ident = self.identity
        return {
            "sha256": ident.sha256,
            "media_type": ident.media_type,
            "size": ident.size,
            "width": ident.width,
            "height": ident.height,
            "pdq": None
            if ident.pdq is None
            else {
                "alg": ident.pdq.alg,
                "hash": ident.pdq.hex,
                "quality": ident.pdq.quality,
                "trusted": ident.pdq_trusted,
                "decode": ident.decode,
            },
            "xmp": None if self.xmp is None else self.xmp.to_json(),
            "c2pa": self.c2pa.to_json(),
        }


def inspect_bytes(
    data: bytes, *, fast: bool = True, c2pa: bool = True, trust_anchors: str | None = None
) -> ImageFacts:
    """Identity, XMP and (unless ``c2pa=False``) C2PA of an image given as its bytes.

    Raises:
        RecordError: an ``image-*`` code for an image that cannot be decoded safely, an
            ``xmp-*`` code for a hostile or malformed XMP packet.
    """
    identity = identify_bytes(data, fast=fast)
    packet = read_xmp(data, identity.media_type)
    xmp = None if packet is None else parse_xmp(packet)
    manifest = (
        read_c2pa(data, identity.media_type, trust_anchors=trust_anchors)
        if c2pa
        else C2paFacts("absent")
    )
    return ImageFacts(identity, xmp, manifest)


def inspect_file(
    path: Path, *, fast: bool = True, c2pa: bool = True, trust_anchors: str | None = None
) -> ImageFacts:
    from imageledger.storage.files import read_bounded

    data = read_bounded(path, limits.MAX_IMAGE_BYTES)
    try:
        return inspect_bytes(data, fast=fast, c2pa=c2pa, trust_anchors=trust_anchors)
    except LedgerError as e:
        raise e.at(str(path)) from None
