"""What an image's XMP says about it: IPTC digital source type, AI system, PLUS data-mining
and model-release fields, and IPTC registry entries; and writing the ledger's link back.

Parsing is namespace-aware (a property is its namespace URI plus local name, whatever
prefix the file chose) and done by ``defusedxml``: a DTD, entity declaration or external
reference is refused, so entity-expansion ("billion laughs") and XXE attacks fail fast.
Properties are read from attributes and child elements of every ``rdf:Description``, with
values that are text, ``rdf:resource`` URIs, ``rdf:Bag/Seq/Alt`` arrays or structs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from imageledger.core import limits
from imageledger.errors import RecordError
from imageledger.vocab import normalize_digital_source_type

__all__ = ["RegistryEntry", "XmpFacts", "build_xmp", "parse_xmp"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
X = "adobe:ns:meta/"
IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
PLUS = "http://ns.useplus.org/ldf/xmp/1.0/"
PLUS_VOCAB = "http://ns.useplus.org/ldf/vocab/"
_PREFIXES = {"rdf": RDF, "x": X, "Iptc4xmpExt": IPTC_EXT, "plus": PLUS}
for _prefix, _uri in _PREFIXES.items():
    ET.register_namespace(_prefix, _uri)

_PACKET_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
_PACKET_END = '\n<?xpacket end="w"?>'

# PLUS data-mining values that rule out AI/ML training (the SEE… forms defer to a
# constraint or rights expression elsewhere: not allowed without reading it).
TRAINING_PROHIBITED = frozenset(
    {
        "DMI-PROHIBITED",
        "DMI-PROHIBITED-AIMLTRAINING",
        "DMI-PROHIBITED-GENAIMLTRAINING",
        "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
        "DMI-PROHIBITED-SEECONSTRAINT",
        "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR",
        "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
    }
)


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One ``Iptc4xmpExt:RegistryId`` struct: which registry, and the item's id there."""

    org: str | None
    item: str | None


@dataclass(frozen=True, slots=True)
class XmpFacts:
    digital_source_type: str | None = None
    """Normalised IPTC URI; ``digital_source_type_raw`` keeps an unknown value as found."""
    digital_source_type_raw: str | None = None
    ai_system: str | None = None
    ai_system_version: str | None = None
    data_mining: str | None = None
    """The PLUS term, e.g. ``DMI-PROHIBITED-AIMLTRAINING`` (the vocabulary prefix dropped)."""
    model_release_status: str | None = None
    model_release_ids: tuple[str, ...] = ()
    registry: tuple[RegistryEntry, ...] = field(default_factory=tuple)

    @property
    def training_prohibited(self) -> bool:
        return self.data_mining in TRAINING_PROHIBITED

    def to_json(self) -> dict[str, Any]:
        return {
            "digital_source_type": self.digital_source_type or self.digital_source_type_raw,
            "ai_system": self.ai_system,
            "ai_system_version": self.ai_system_version,
            "data_mining": self.data_mining,
            "model_release_status": self.model_release_status,
            "model_release_ids": list(self.model_release_ids),
            "registry": [{"org": r.org, "item": r.item} for r in self.registry],
        }


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _parse_root(packet: bytes) -> Any:
    if len(packet) > limits.MAX_XMP_BYTES:
        raise RecordError(
            f"XMP packet is larger than {limits.MAX_XMP_BYTES} bytes", code="xmp-too-large"
        )
    text = packet.lstrip(b"\x00\t\r\n \xef\xbb\xbf")
    try:
        return SafeET.fromstring(text, forbid_dtd=True)
    except DefusedXmlException as e:
        raise RecordError(
            f"XMP refused: {type(e).__name__} (DTDs and entities are not allowed)",
            code="xmp-forbidden",
        ) from e
    except ET.ParseError as e:
        raise RecordError(f"XMP is not well-formed XML: {e}", code="xmp-malformed") from e


def _value(elem: Any) -> Any:
    """Text, URI, list (rdf arrays) or dict (structs) of one property element."""
    resource = elem.get(_q(RDF, "resource"))
    if resource is not None:
        return resource
    children = list(elem)
    if elem.get(_q(RDF, "parseType")) == "Resource":
        return {child.tag: _value(child) for child in children}
    if not children:
        return (elem.text or "").strip()
    first = children[0]
    if first.tag in (_q(RDF, "Bag"), _q(RDF, "Seq"), _q(RDF, "Alt")):
        return [_value(li) for li in first if li.tag == _q(RDF, "li")]
    if first.tag == _q(RDF, "Description"):
        return _description(first)
    return (elem.text or "").strip()


def _description(desc: Any) -> dict[str, Any]:
    props: dict[str, Any] = {k: v for k, v in desc.attrib.items() if not k.startswith(f"{{{RDF}")}
    for child in desc:
        props[child.tag] = _value(child)
    return props


def _properties(root: Any) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for desc in root.iter(_q(RDF, "Description")):
        props |= _description(desc)
    return props


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _plus_term(value: Any) -> str | None:
    text = _text(value)
    return text.removeprefix(PLUS_VOCAB) if text else None


def parse_xmp(packet: bytes) -> XmpFacts:
    """The fields the ledger cares about, from one XMP packet.

    Raises:
        RecordError: ``xmp-forbidden`` (DTD/entities), ``xmp-malformed``, ``xmp-too-large``.
    """
    props = _properties(_parse_root(packet))
    raw = _text(props.get(_q(IPTC_EXT, "DigitalSourceType")))
    normalised = None
    if raw is not None:
        try:
            normalised = normalize_digital_source_type(raw)
        except RecordError:
            normalised = None
    registry = []
    entries = props.get(_q(IPTC_EXT, "RegistryId"))
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict):
            registry.append(
                RegistryEntry(
                    _text(entry.get(_q(IPTC_EXT, "RegOrgId"))),
                    _text(entry.get(_q(IPTC_EXT, "RegItemId"))),
                )
            )
    release_ids = props.get(_q(PLUS, "ModelReleaseID"))
    if isinstance(release_ids, str):
        release_ids = [release_ids]
    return XmpFacts(
        digital_source_type=normalised,
        digital_source_type_raw=raw,
        ai_system=_text(props.get(_q(IPTC_EXT, "AISystemUsed"))),
        ai_system_version=_text(props.get(_q(IPTC_EXT, "AISystemVersionUsed"))),
        data_mining=_plus_term(props.get(_q(PLUS, "DataMining"))),
        model_release_status=_plus_term(props.get(_q(PLUS, "ModelReleaseStatus"))),
        model_release_ids=tuple(x for x in release_ids or () if isinstance(x, str) and x),
        registry=tuple(registry),
    )


def build_xmp(
    existing: bytes | None,
    *,
    registry: tuple[RegistryEntry, ...],
    digital_source_type: str | None,
) -> bytes:
    """An XMP packet saying ``registry`` (and the source type), keeping every other property.

    Registry entries of the same registries (``org``) and any earlier DigitalSourceType
    are replaced; everything else in ``existing`` is kept as it was.
    """
    orgs = {entry.org for entry in registry}
    root = _parse_root(existing) if existing else None
    if root is not None and root.tag == _q(RDF, "RDF"):  # a packet without x:xmpmeta
        meta = ET.Element(_q(X, "xmpmeta"))
        meta.append(root)
        root = meta
    if root is None or root.tag != _q(X, "xmpmeta"):
        root = ET.Element(_q(X, "xmpmeta"))
    rdf = root.find(_q(RDF, "RDF"))
    if rdf is None:
        rdf = ET.SubElement(root, _q(RDF, "RDF"))
    kept: list[Any] = []
    dst_tag, reg_tag = _q(IPTC_EXT, "DigitalSourceType"), _q(IPTC_EXT, "RegistryId")
    for desc in rdf.iter(_q(RDF, "Description")):
        if digital_source_type is not None:
            desc.attrib.pop(dst_tag, None)
        for child in list(desc):
            if child.tag == dst_tag and digital_source_type is not None:
                desc.remove(child)
            elif child.tag == reg_tag:
                old = _value(child)
                kept.extend(
                    e
                    for e in (old if isinstance(old, list) else ())
                    if isinstance(e, dict) and _text(e.get(_q(IPTC_EXT, "RegOrgId"))) not in orgs
                )
                desc.remove(child)
    desc = ET.SubElement(rdf, _q(RDF, "Description"), {_q(RDF, "about"): ""})
    if digital_source_type is not None:
        ET.SubElement(desc, dst_tag).text = normalize_digital_source_type(digital_source_type)
    bag = ET.SubElement(ET.SubElement(desc, reg_tag), _q(RDF, "Bag"))
    ours = [{_q(IPTC_EXT, "RegOrgId"): e.org, _q(IPTC_EXT, "RegItemId"): e.item} for e in registry]
    for entry in [*kept, *ours]:
        li = ET.SubElement(bag, _q(RDF, "li"), {_q(RDF, "parseType"): "Resource"})
        for tag in (_q(IPTC_EXT, "RegItemId"), _q(IPTC_EXT, "RegOrgId")):
            if isinstance(entry.get(tag), str):
                ET.SubElement(li, tag).text = entry[tag]
    body = ET.tostring(root, encoding="unicode")
    return (_PACKET_BEGIN + body + _PACKET_END).encode()
