"""The vocabulary a record page's field table shows, as data for the browser
(``api/v1/vocab.json``, pure: built once per build from :mod:`imageledger.vocab`).

Record pages render their field table in the browser (ADR 0013); a field whose value is a
term of a standard vocabulary shows the term's label and links to the standard. Each cell
is a list of parts, rendered by ``record.js`` with ``createElement``/``textContent`` only:
a string is text, ``["strong", text]`` and ``["code", text]`` are elements, and
``["term", name, iri]`` is a link to a term of a standard (our own vocabulary files, never
ledger data). ``{raw}`` in a part stands for the field's value as the record states it.
"""

from __future__ import annotations

from typing import Any

from imageledger import vocab

DPV_PREFIXES = {
    "dpv": "https://w3id.org/dpv#",
    "ai": "https://w3id.org/dpv/ai#",
    "dpv-ai": "https://w3id.org/dpv/ai#",
    "pd": "https://w3id.org/dpv/pd#",
}
RAW = "{raw}"
VERSION = 1

Part = str | list[str]


def dpv_iri(curie: str) -> str | None:
    prefix, _, name = curie.partition(":")
    base = DPV_PREFIXES.get(prefix)
    return base + name if base and name else None


def _term(curie: str) -> Part:
    iri = dpv_iri(curie)
    return ["term", curie, iri] if iri else ["code", curie]


def source_type_cell(uri: str) -> list[Part]:
    term = vocab.source_type(uri)
    retired = " (retired term)" if term.retired else ""
    return [["strong", term.label + retired], " ", ["term", term.id, term.uri]]


def purpose_cell(pid: str) -> list[Part]:
    purpose = vocab.purpose(pid)
    terms: list[Part] = []
    for curie in (*purpose.dpv, *purpose.dpv_ai):
        terms.extend((_term(curie), " "))
    return [["strong", purpose.label], " (", ["code", RAW], ") ", *terms[:-1]]


def named_cell(name: str) -> list[Part]:
    return [["strong", name], " (", ["code", RAW], ")"]


def vocab_json() -> dict[str, Any]:
    """Every term a field table can name, keyed as ``record.js`` looks them up: source
    types by canonical IPTC URI (the browser normalises variants as
    :func:`imageledger.vocab.normalize_digital_source_type` does), the rest by id."""
    labels = {i: named_cell(vocab.label(i).label) for i in sorted(_label_ids())}
    return {
        "v": VERSION,
        "iptc": {
            "scheme": vocab.IPTC_DST_SCHEME,
            "variants": list(vocab.IPTC_DST_VARIANTS),
        },
        "digital_source_type": {
            uri: source_type_cell(uri) for uri in sorted(vocab.digital_source_type_uris())
        },
        "purposes": {pid: purpose_cell(pid) for pid in sorted(vocab.purpose_ids())},
        "jurisdictions": {
            code: named_cell(vocab.jurisdiction(code).name)
            for code in sorted(vocab.jurisdiction_codes())
        },
        "visible": labels,
        "machine_readable": labels,
    }


def _label_ids() -> frozenset[str]:
    return vocab.visible_label_ids() | vocab.machine_readable_ids()
