"""JPEG segments and PNG chunks: find and replace the XMP packet without touching pixels.

Only the metadata container is rewritten: JPEG's entropy-coded data and PNG's ``IDAT``
chunks are copied byte for byte, so the decoded pixels cannot change.

- JPEG: XMP is an APP1 segment starting ``http://ns.adobe.com/xap/1.0/\\0`` (XMP spec
  part 3, §1.1.3), at most 65,502 bytes of packet. It is written after the leading APP0
  (JFIF) and APP1 (Exif) segments, replacing any earlier XMP segment. Extended XMP
  segments are left as they are.
- PNG: XMP is an ``iTXt`` chunk with keyword ``XML:com.adobe.xmp``, written
  uncompressed right after ``IHDR``.
- C2PA stores its manifest in JPEG APP11 (JUMBF) segments and a PNG ``caBX`` chunk.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from imageledger.core import limits
from imageledger.errors import RecordError

__all__ = ["has_c2pa", "read_xmp", "replace_xmp"]

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
MAX_JPEG_XMP = 65535 - 2 - len(XMP_HEADER)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
_SOS, _EOI = 0xDA, 0xD9
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _corrupt(what: str) -> RecordError:
    return RecordError(f"{what}: the file is corrupt", code="image-corrupt")


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """``(marker, start, end)`` of each segment before the scan data (SOS included)."""
    if not data.startswith(b"\xff\xd8"):
        raise _corrupt("not a JPEG (no SOI marker)")
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise _corrupt(f"JPEG marker expected at byte {pos}")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= len(data):
            break
        marker, start = data[pos], pos - 1
        pos += 1
        if marker in _STANDALONE:
            yield marker, start, pos
            continue
        if marker == _EOI:
            return
        if pos + 2 > len(data):
            raise _corrupt("JPEG segment header cut off")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        end = pos + length
        if length < 2 or end > len(data):
            raise _corrupt(f"JPEG segment at byte {start} runs past the end")
        yield marker, start, end
        if marker == _SOS:
            return
        pos = end


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """``(type, start, end)`` of each chunk, up to and including ``IEND``."""
    if not data.startswith(PNG_SIGNATURE):
        raise _corrupt("not a PNG (no signature)")
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise _corrupt(f"PNG chunk {kind!r} at byte {pos} runs past the end")
        yield kind, pos, end
        if kind == b"IEND":
            return
        pos = end
    raise _corrupt("PNG ends without IEND")


def _itxt_xmp(body: bytes) -> bytes | None:
    keyword, sep, rest = body.partition(b"\x00")
    if keyword != PNG_XMP_KEYWORD or not sep or len(rest) < 2:
        return None
    compressed, text = rest[0], rest[2:]
    # language tag and translated keyword, both NUL-terminated
    _, _, text = text.partition(b"\x00")
    _, _, text = text.partition(b"\x00")
    if not compressed:
        return text
    inflater = zlib.decompressobj()
    try:
        packet = inflater.decompress(text, limits.MAX_XMP_BYTES + 1)
    except zlib.error as e:
        raise _corrupt(f"compressed XMP does not inflate ({e})") from e
    if len(packet) > limits.MAX_XMP_BYTES or inflater.unconsumed_tail:
        raise _too_large()
    return packet


def _too_large() -> RecordError:
    return RecordError(
        f"XMP packet is larger than {limits.MAX_XMP_BYTES} bytes",
        code="xmp-too-large",
    )


def read_xmp(data: bytes, media_type: str) -> bytes | None:
    """The XMP packet of a JPEG or PNG file, or None (other formats: None)."""
    if media_type == "image/jpeg":
        for marker, start, end in _jpeg_segments(data):
            payload = data[start + 4 : end]
            if marker == 0xE1 and payload.startswith(XMP_HEADER):
                return payload[len(XMP_HEADER) :]
    elif media_type == "image/png":
        for kind, start, end in _png_chunks(data):
            if kind == b"iTXt":
                packet = _itxt_xmp(data[start + 8 : end - 4])
                if packet is not None:
                    if len(packet) > limits.MAX_XMP_BYTES:
                        raise _too_large()
                    return packet
    return None


def has_c2pa(data: bytes, media_type: str) -> bool:
    """Whether the file embeds a C2PA manifest store (JUMBF in APP11, or ``caBX``)."""
    if media_type == "image/jpeg":
        return any(
            marker == 0xEB and b"c2pa" in data[start:end]
            for marker, start, end in _jpeg_segments(data)
        )
    if media_type == "image/png":
        return any(kind == b"caBX" for kind, _, _ in _png_chunks(data))
    return False


def replace_xmp(data: bytes, media_type: str, packet: bytes) -> bytes:
    """The file with its XMP packet replaced by ``packet`` (added when it had none).

    Raises:
        RecordError: ``xmp-too-large`` when a JPEG packet does not fit one APP1 segment,
            ``embed-unsupported`` for formats other than JPEG and PNG.
    """
    if len(packet) > limits.MAX_XMP_BYTES:
        raise _too_large()
    if media_type == "image/jpeg":
        return _jpeg_replace(data, packet)
    if media_type == "image/png":
        return _png_replace(data, packet)
    raise RecordError(
        f"cannot write XMP into {media_type} losslessly",
        code="embed-unsupported",
        hint="use a JPEG or PNG file",
    )


def _jpeg_replace(data: bytes, packet: bytes) -> bytes:
    if len(packet) > MAX_JPEG_XMP:
        raise RecordError(
            f"XMP packet of {len(packet)} bytes does not fit one JPEG APP1 segment",
            code="xmp-too-large",
        )
    payload = XMP_HEADER + packet
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    kept: list[bytes] = [b"\xff\xd8"]
    insert_at = 1
    leading = True
    last_end = 2
    for marker, start, end in _jpeg_segments(data):
        last_end = end
        chunk = data[start:end]
        if marker == 0xE1 and data[start + 4 : end].startswith(XMP_HEADER):
            continue  # the old packet
        kept.append(chunk)
        is_exif = marker == 0xE1 and data[start + 4 : start + 10] == b"Exif\x00\x00"
        if leading and (marker == 0xE0 or is_exif):
            insert_at = len(kept)
        else:
            leading = False
    kept.insert(insert_at, segment)
    return b"".join(kept) + data[last_end:]


def _png_replace(data: bytes, packet: bytes) -> bytes:
    body = PNG_XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + packet
    chunk = struct.pack(">I", len(body)) + b"iTXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + body) & 0xFFFFFFFF)
    out = [PNG_SIGNATURE]
    last_end = len(PNG_SIGNATURE)
    for kind, start, end in _png_chunks(data):
        last_end = end
        if kind == b"iTXt" and _itxt_xmp(data[start + 8 : end - 4]) is not None:
            continue
        out.append(data[start:end])
        if kind == b"IHDR":
            out.append(chunk)
    return b"".join(out) + data[last_end:]
