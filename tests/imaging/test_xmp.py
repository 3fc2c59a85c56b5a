"""XMP/IPTC: namespace-aware reading, hostile packets, and lossless write-back."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from imaging_fixtures import DST, noise_png, photo_jpeg
from PIL import Image

from imageledger.errors import RecordError
from imageledger.imaging.containers import has_c2pa, read_xmp, replace_xmp
from imageledger.imaging.xmp import RegistryEntry, build_xmp, parse_xmp

# Unusual prefixes on purpose: only the namespace URIs count.
FULL = b"""<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:ext="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmlns:lic="http://ns.useplus.org/ldf/xmp/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    ext:AISystemUsed="ExampleDiffusion"
    ext:AISystemVersionUsed="3.1"
    lic:ModelReleaseStatus="http://ns.useplus.org/ldf/vocab/MR-NON">
   <ext:DigitalSourceType rdf:resource="https://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia/"/>
   <lic:DataMining>http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING</lic:DataMining>
   <lic:ModelReleaseID><rdf:Bag><rdf:li>MR-1</rdf:li><rdf:li>MR-2</rdf:li></rdf:Bag></lic:ModelReleaseID>
   <ext:RegistryId><rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <ext:RegOrgId>https://other.example/</ext:RegOrgId><ext:RegItemId>X-1</ext:RegItemId>
     </rdf:li>
   </rdf:Bag></ext:RegistryId>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Keep me</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def test_reads_every_field_namespace_aware() -> None:
    facts = parse_xmp(FULL)
    assert facts.digital_source_type == DST + "trainedAlgorithmicMedia"
    assert facts.ai_system == "ExampleDiffusion"
    assert facts.ai_system_version == "3.1"
    assert facts.data_mining == "DMI-PROHIBITED-AIMLTRAINING"
    assert facts.training_prohibited
    assert facts.model_release_status == "MR-NON"
    assert facts.model_release_ids == ("MR-1", "MR-2")
    assert [(r.org, r.item) for r in facts.registry] == [("https://other.example/", "X-1")]


def test_wrong_namespace_is_not_read() -> None:
    fake = FULL.replace(b"http://iptc.org/std/Iptc4xmpExt/2008-02-29/", b"urn:not-iptc")
    assert parse_xmp(fake).digital_source_type is None


def test_unknown_source_type_is_kept_raw() -> None:
    facts = parse_xmp(FULL.replace(b"trainedAlgorithmicMedia/", b"madeUpTerm"))
    assert facts.digital_source_type is None
    assert facts.digital_source_type_raw.endswith("madeUpTerm")


HOSTILE = {
    "billion-laughs": (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&b;</x:xmpmeta>',
        "xmp-forbidden",
    ),
    "xxe": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>',
        "xmp-forbidden",
    ),
    "malformed": (b"<x:xmpmeta><unclosed>", "xmp-malformed"),
    "huge": (b"<a>" + b" " * (2 * 1024 * 1024) + b"</a>", "xmp-too-large"),
}


@pytest.mark.parametrize(("packet", "code"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_packets(packet: bytes, code: str) -> None:
    with pytest.raises(RecordError) as err:
        parse_xmp(packet)
    assert err.value.code == code
    assert "\n" not in err.value.diagnostics()


def _itxt(text: bytes, *, compressed: bool) -> bytes:
    body = b"XML:com.adobe.xmp\x00" + (b"\x01\x00" if compressed else b"\x00\x00") + b"\x00\x00"
    body += zlib.compress(text) if compressed else text
    return (
        struct.pack(">I", len(body))
        + b"iTXt"
        + body
        + struct.pack(">I", zlib.crc32(b"iTXt" + body))
    )


def test_png_compressed_xmp_bomb_is_bounded() -> None:
    png = noise_png()
    bomb = png[:33] + _itxt(b"<a>" + b" " * (50 * 1024 * 1024), compressed=True) + png[33:]
    with pytest.raises(RecordError) as err:
        read_xmp(bomb, "image/png")
    assert err.value.code == "xmp-too-large"


def test_png_compressed_xmp_is_read() -> None:
    png = noise_png()
    with_xmp = png[:33] + _itxt(FULL, compressed=True) + png[33:]
    assert read_xmp(with_xmp, "image/png") == FULL


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        return img.tobytes()


REGISTRY = (
    RegistryEntry("https://ledger.example/", "https://ledger.example/r/acme/3/"),
    RegistryEntry("https://ledger.example/", "sha256:" + "ab" * 32),
)


@pytest.mark.parametrize(
    ("data", "media_type"),
    [(photo_jpeg(), "image/jpeg"), (noise_png(), "image/png")],
    ids=["jpeg", "png"],
)
def test_write_back_is_lossless_and_idempotent(data: bytes, media_type: str) -> None:
    packet = build_xmp(None, registry=REGISTRY, digital_source_type="digitalCapture")
    once = replace_xmp(data, media_type, packet)
    facts = parse_xmp(read_xmp(once, media_type))
    assert [r.item for r in facts.registry] == [r.item for r in REGISTRY]
    assert facts.digital_source_type == DST + "digitalCapture"
    assert _pixels(once) == _pixels(data)
    again = build_xmp(read_xmp(once, media_type), registry=REGISTRY, digital_source_type=None)
    twice = replace_xmp(once, media_type, again)
    assert len(parse_xmp(read_xmp(twice, media_type)).registry) == 2  # replaced, not added
    assert _pixels(twice) == _pixels(data)
    assert not has_c2pa(twice, media_type)


def test_write_back_keeps_other_properties() -> None:
    packet = build_xmp(FULL, registry=REGISTRY, digital_source_type="digitalCapture")
    facts = parse_xmp(packet)
    assert facts.digital_source_type == DST + "digitalCapture"  # replaced
    assert facts.ai_system == "ExampleDiffusion"
    assert facts.data_mining == "DMI-PROHIBITED-AIMLTRAINING"
    assert [r.org for r in facts.registry] == ["https://other.example/", *(r.org for r in REGISTRY)]
    assert b"Keep me" in packet


def test_jpeg_segment_after_jfif_and_exif() -> None:
    img = Image.open(io.BytesIO(photo_jpeg()))
    exif = Image.Exif()
    exif[0x0112] = 1
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    data = out.getvalue()
    written = replace_xmp(
        data, "image/jpeg", build_xmp(None, registry=REGISTRY, digital_source_type=None)
    )
    exif_at = written.find(b"Exif\x00\x00")
    xmp_at = written.find(b"http://ns.adobe.com/xap/1.0/\x00")
    assert 0 < exif_at < xmp_at < written.find(b"\xff\xdb")  # before the quantisation tables
    assert _pixels(written) == _pixels(data)


def test_jpeg_packet_too_large_for_one_segment() -> None:
    with pytest.raises(RecordError) as err:
        replace_xmp(photo_jpeg(), "image/jpeg", b" " * 70_000)
    assert err.value.code == "xmp-too-large"


def test_other_formats_are_not_rewritten() -> None:
    with pytest.raises(RecordError) as err:
        replace_xmp(b"GIF89a", "image/gif", b"<x/>")
    assert err.value.code == "embed-unsupported"
