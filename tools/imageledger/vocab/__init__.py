"""Controlled vocabularies: IPTC digital source types, purposes, jurisdictions and labels.

The terms are JSON files shipped in this package (provenance in ``tests/vectors/README.md``),
read once, on first use, through ``importlib.resources``. Every lookup of an unknown value
raises ``RecordError`` with a ``vocab-unknown-*`` code.

The uppercase frozensets (``DIGITAL_SOURCE_TYPE_URIS`` …) are lazy module attributes, for
schemas that enumerate the valid values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from imageledger.errors import RecordError

IPTC_DST_SCHEME = "http://cv.iptc.org/newscodes/digitalsourcetype/"
_IPTC_DST_HTTPS = "https://cv.iptc.org/newscodes/digitalsourcetype/"
_IPTC_DST_QCODE = "digsrctype:"
IPTC_DST_VARIANTS = (_IPTC_DST_HTTPS, _IPTC_DST_QCODE)
"""The prefixes a digital source type may be written with besides the canonical URI."""

AiInvolvement = Literal["generated", "edited", "none", "unknown"]
JurisdictionKind = Literal["world", "union", "country", "subdivision"]
LabelKind = Literal["visible", "machine-readable"]


@dataclass(frozen=True, slots=True)
class SourceType:
    """One IPTC Digital Source Type term, with our derived ``ai`` and ``c2pa`` flags."""

    id: str
    uri: str
    label: str
    definition: str
    retired: bool
    ai: AiInvolvement
    c2pa: bool
    replaced_by: str | None = None


@dataclass(frozen=True, slots=True)
class Purpose:
    """A use of an image, mapped to W3C DPV purpose concepts (``dpv:`` CURIEs)."""

    id: str
    label: str
    description: str
    dpv: tuple[str, ...]
    dpv_ai: tuple[str, ...] = ()
    dpv_note: str | None = None


@dataclass(frozen=True, slots=True)
class Law:
    """An informational note on a law in force in a jurisdiction (not used by any check)."""

    name: str
    effective: str | None
    topic: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    name: str
    kind: JurisdictionKind
    parent: str | None = None
    members: tuple[str, ...] = ()
    laws: tuple[Law, ...] = ()


@dataclass(frozen=True, slots=True)
class Label:
    id: str
    kind: LabelKind
    label: str
    description: str


def _terms(filename: str) -> list[dict[str, Any]]:
    text = resources.files(__name__).joinpath(filename).read_text(encoding="utf-8")
    terms: list[dict[str, Any]] = json.loads(text)["terms"]
    return terms


def _kw(term: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The term's values for the dataclass fields ``names``; JSON arrays become tuples."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in term.items() if k in names}


@cache
def _source_types() -> dict[str, SourceType]:
    terms = _terms("digital_source_type.json")
    return {t["uri"]: SourceType(**_kw(t, SourceType.__match_args__)) for t in terms}


@cache
def _purposes() -> dict[str, Purpose]:
    return {t["id"]: Purpose(**_kw(t, Purpose.__match_args__)) for t in _terms("purposes.json")}


@cache
def _jurisdictions() -> dict[str, Jurisdiction]:
    out: dict[str, Jurisdiction] = {}
    for t in _terms("jurisdictions.json"):
        laws = tuple(Law(**_kw(w, Law.__match_args__)) for w in t.get("laws", ()))
        out[t["code"]] = Jurisdiction(**_kw(t, Jurisdiction.__match_args__) | {"laws": laws})
    return out


@cache
def _labels() -> dict[str, Label]:
    return {t["id"]: Label(**_kw(t, Label.__match_args__)) for t in _terms("labels.json")}


def normalize_digital_source_type(value: str) -> str:
    """Return the canonical ``http://cv.iptc.org/newscodes/digitalsourcetype/<term>`` URI.

    Accepts the variants found in real files: surrounding whitespace, the ``https``
    scheme, one trailing slash, the bare term and the ``digsrctype:`` QCode. Terms are
    case-sensitive, as IPTC defines them.

    Raises:
        RecordError: ``vocab-unknown-source-type`` when the value names no IPTC term.
    """
    text = value.strip().removesuffix("/") if isinstance(value, str) else ""
    for prefix in IPTC_DST_VARIANTS:
        if text.startswith(prefix):
            text = IPTC_DST_SCHEME + text.removeprefix(prefix)
    if text and "/" not in text and ":" not in text:
        text = IPTC_DST_SCHEME + text
    if text not in _source_types():
        raise RecordError(
            f"unknown IPTC digital source type {value!r}",
            code="vocab-unknown-source-type",
            hint=f"use a term of {IPTC_DST_SCHEME}",
        )
    return text


def source_type(uri: str) -> SourceType:
    """The term for ``uri`` (any variant ``normalize_digital_source_type`` accepts)."""
    return _source_types()[normalize_digital_source_type(uri)]


def is_ai_generated(uri: str) -> bool:
    """True when the term says the content was produced by generative AI."""
    return source_type(uri).ai == "generated"


def is_ai_edited(uri: str) -> bool:
    """True when the term says existing content was altered or composited with generative AI."""
    return source_type(uri).ai == "edited"


def purpose(purpose_id: str) -> Purpose:
    try:
        return _purposes()[purpose_id]
    except KeyError:
        raise RecordError(f"unknown purpose {purpose_id!r}", code="vocab-unknown-purpose") from None


def purposes() -> tuple[Purpose, ...]:
    """Every purpose, in the vocabulary's order."""
    return tuple(_purposes().values())


def jurisdiction(code: str) -> Jurisdiction:
    try:
        return _jurisdictions()[code]
    except KeyError:
        raise RecordError(
            f"unknown jurisdiction {code!r}",
            code="vocab-unknown-jurisdiction",
            hint="use an ISO 3166-1 alpha-2 code, a US-XX state code, EU, EEA or *",
        ) from None


@cache
def expand_jurisdiction(code: str) -> frozenset[str]:
    """The codes ``code`` comprises, itself included: ``*`` is every code, a union its members
    and their subdivisions, a country its subdivisions, a subdivision only itself."""
    j = jurisdiction(code)
    if j.kind == "world":
        return frozenset(_jurisdictions())
    inside = {code, *j.members}
    return frozenset(inside | {s.code for s in _jurisdictions().values() if s.parent in inside})


def covers(granted: str, used: str) -> bool:
    """Whether consent granted for ``granted`` covers a use in ``used``.

    ``*`` covers everything, a union its members, a country its subdivisions; a union used
    as a whole is covered only where all its members are (so EEA covers EU). Nothing else.
    """
    scope, target = expand_jurisdiction(granted), jurisdiction(used)
    return used in scope or (target.kind == "union" and set(target.members) <= scope)


def label(label_id: str) -> Label:
    try:
        return _labels()[label_id]
    except KeyError:
        raise RecordError(f"unknown label {label_id!r}", code="vocab-unknown-label") from None


def digital_source_type_uris() -> frozenset[str]:
    return frozenset(_source_types())


def purpose_ids() -> frozenset[str]:
    return frozenset(_purposes())


def jurisdiction_codes() -> frozenset[str]:
    return frozenset(_jurisdictions())


def visible_label_ids() -> frozenset[str]:
    return frozenset(i for i, x in _labels().items() if x.kind == "visible")


def machine_readable_ids() -> frozenset[str]:
    return frozenset(i for i, x in _labels().items() if x.kind == "machine-readable")


if TYPE_CHECKING:  # the lazy module attributes, as a type checker should see them
    DIGITAL_SOURCE_TYPE_URIS: frozenset[str]
    PURPOSE_IDS: frozenset[str]
    JURISDICTION_CODES: frozenset[str]
    VISIBLE_LABEL_IDS: frozenset[str]
    MACHINE_READABLE_IDS: frozenset[str]
else:

    def __getattr__(name: str) -> frozenset[str]:
        lazy = {
            "DIGITAL_SOURCE_TYPE_URIS": digital_source_type_uris,
            "PURPOSE_IDS": purpose_ids,
            "JURISDICTION_CODES": jurisdiction_codes,
            "VISIBLE_LABEL_IDS": visible_label_ids,
            "MACHINE_READABLE_IDS": machine_readable_ids,
        }
        if name in lazy:
            return lazy[name]()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
