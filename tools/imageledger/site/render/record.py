"""The permanent page of one record: ``/r/<publisher>/<seq>/``."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from imageledger import vocab
from imageledger.core.records import UnverifiedRecord
from imageledger.core.schemas import TITLES
from imageledger.describe import describe
from imageledger.errors import RecordError
from imageledger.site import urls
from imageledger.site.model import Effect, SiteLedger
from imageledger.site.render.html import (
    PageSource,
    admonition,
    code,
    external,
    join,
    link,
    page,
    rel_url,
    section,
    table,
    tag,
    text,
)
from imageledger.site.render.summary import KIND_NAMES, title

DPV_PREFIXES = {
    "dpv": "https://w3id.org/dpv#",
    "ai": "https://w3id.org/dpv/ai#",
    "dpv-ai": "https://w3id.org/dpv/ai#",
    "pd": "https://w3id.org/dpv/pd#",
}
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_REF = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?/[1-9][0-9]{0,9}$")
REF_FIELDS = ("ref", "consent")
EFFECT_TITLES = {
    "retraction": ("danger", "Retracted"),
    "correction": ("warning", "Corrected"),
    "consent-withdrawal": ("danger", "Consent withdrawn"),
}


def _value(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for name, index in _STEP.findall(path):
        value = value[int(index)] if index else value[name]
    return value


def _leaf(path: str) -> str:
    """The field name a path ends in, ignoring list indexes: ``a.b[2]`` → ``b``."""
    return re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1]


def dpv_iri(curie: str) -> str | None:
    prefix, _, name = curie.partition(":")
    base = DPV_PREFIXES.get(prefix)
    return base + name if base and name else None


def _term_link(iri: str, name: str) -> Markup:
    """A link to a term of a standard vocabulary (our own vocab files, not ledger data)."""
    return tag("a", code(name), href=iri, rel="noopener noreferrer", class_="il-term")


def field_value(base: str, path: str, raw: Any, described: str) -> Markup:
    """One field's value with its vocabulary label and a link to the standard's term."""
    leaf = _leaf(path)
    try:
        if leaf == "digital_source_type" and isinstance(raw, str):
            term = vocab.source_type(raw)
            retired = " (retired term)" if term.retired else ""
            return join(
                [tag("strong", term.label + retired), " ", _term_link(term.uri, term.id)],
                "",
            )
        if leaf == "purposes" and isinstance(raw, str):
            purpose = vocab.purpose(raw)
            terms = [
                _term_link(iri, c) if (iri := dpv_iri(c)) else code(c)
                for c in (*purpose.dpv, *purpose.dpv_ai)
            ]
            return join([tag("strong", purpose.label), " (", code(raw), ") ", join(terms, " ")])
        if leaf == "jurisdictions" and isinstance(raw, str):
            return join([tag("strong", vocab.jurisdiction(raw).name), " (", code(raw), ")"])
        if leaf in ("visible", "machine_readable") and isinstance(raw, str):
            return join([tag("strong", vocab.label(raw).label), " (", code(raw), ")"])
    except RecordError:
        pass  # not a known term: shown as the ledger says it, below
    if isinstance(raw, str):
        if leaf in REF_FIELDS and _REF.match(raw):
            return link(rel_url(base, urls.record(raw)), code(raw))
        if raw.startswith("https://"):
            return external(raw)
        if raw.startswith("sha256:") or leaf in ("sha256", "hash", "new_key", "key", "prev"):
            return code(raw)
    return text(described)


def fields_table(base: str, data: dict[str, Any]) -> Markup:
    rows = [
        (code(path), field_value(base, path, _value(data, path), described))
        for path, described in describe({k: v for k, v in data.items() if k != "signatures"})
    ]
    return table(("Field", "Value"), rows, "il-fields")


def effect_box(base: str, effect: Effect) -> Markup:
    style, label = EFFECT_TITLES[effect.kind]
    when = effect.effective_at or effect.recorded_at
    head = join([f"{label} by ", link(rel_url(base, urls.record(effect.ref)), effect.ref)])
    head += text(f", effective {when}" if effect.effective_at else f", recorded {when}")
    return admonition(f"{style} il-effect", head, text(effect.reason) if effect.reason else "")


def _chain(base: str, ledger: SiteLedger, record: UnverifiedRecord) -> Markup:
    chain = ledger.publishers[record.publisher]
    items = []
    if record.seq > 1:
        prev_ref = f"{record.publisher}/{record.seq - 1}"
        items.append(join(["Previous: ", link(rel_url(base, urls.record(prev_ref)), prev_ref)]))
    else:
        items.append(
            join(
                [
                    "Previous: the registration of ",
                    link(rel_url(base, urls.publisher(record.publisher)), record.publisher),
                ]
            )
        )
    if record.seq < len(chain.records):
        next_ref = f"{record.publisher}/{record.seq + 1}"
        items.append(join(["Next: ", link(rel_url(base, urls.record(next_ref)), next_ref)]))
    else:
        items.append(text("Next: none yet (the latest record of this publisher)"))
    items.append(join(["Record hash: ", code(record.hash)]))
    items.append(join(["Previous hash: ", code(record.prev or "")]))
    return tag("ul", join(tag("li", i) for i in items), class_="il-chain")


def _downloads(base: str, ledger: SiteLedger, record: UnverifiedRecord) -> Markup:
    ref = record.ref
    items = [
        join(
            [
                link(rel_url(base, urls.record_json(ref)), "record.json"),
                " — the canonical JSON (RFC 8785) that was signed, hashed and logged; its "
                "SHA-256 is the record hash above",
            ]
        ),
        join([link(rel_url(base, urls.api_record(ref)), "API"), " — this record as JSON"]),
    ]
    if ledger.log is not None and ref in ledger.log.proofs:
        items.append(
            join(
                [
                    link(rel_url(base, urls.record_proof(ref)), "proof.txt"),
                    " — a c2sp.org/tlog-proof@v1 inclusion proof in the log's checkpoint of "
                    f"size {ledger.log.size}; check it offline, in a clone, with ",
                    code(
                        f"imageledger log check-proof proof.txt --record "
                        f"ledger/publishers/{record.publisher}/records/{record.seq:06d}.yaml"
                    ),
                ]
            )
        )
    else:
        items.append(text("Not in the log's latest checkpoint yet: no inclusion proof."))
    return tag("ul", join(tag("li", i) for i in items), class_="il-downloads")


def _signatures(record: UnverifiedRecord) -> Markup:
    rows = [(code(s["key"]), code(s["sig"])) for s in record.data.get("signatures", ())]
    return table(("Key", "Signature (Ed25519, base64)"), rows, "il-signatures")


def _used_by(base: str, ledger: SiteLedger, record: UnverifiedRecord) -> Markup:
    refs = ledger.used_by.get(record.ref, [])
    total = ledger.used_by_count.get(record.ref, 0)
    if not refs:
        return text("No disclosure in this ledger relies on this consent.")
    listed = join(tag("li", link(rel_url(base, urls.record(r)), code(r))) for r in refs)
    more = tag("p", f"… and {total - len(refs)} more.") if total > len(refs) else Markup()
    return tag("ul", listed) + more


def _verify_box(base: str, record: UnverifiedRecord) -> Markup:
    """The in-browser check (``assets/js/verify.js``): signature, inclusion, checkpoint."""
    return tag(
        "div",
        join(
            [
                tag(
                    "p",
                    "Check this record yourself, in your browser: its Ed25519 signature against "
                    "the publisher's key, its inclusion proof against the log's checkpoint, and "
                    "the checkpoint's operator signature and witness cosignatures.",
                ),
                tag("button", "Verify in my browser", type="button", class_="md-button"),
                tag("ul", "", class_="il-verify-result", aria_live="polite"),
            ],
            "\n",
        ),
        class_="il-verify",
        id="il-verify",
        data_root=rel_url(base, ""),
        data_ref=record.ref,
    )


def render_record(ledger: SiteLedger, record: UnverifiedRecord) -> PageSource:
    """``record``'s page."""
    base = urls.record(record.ref)
    parts = [
        tag(
            "p",
            join(
                [
                    tag("span", KIND_NAMES.get(record.kind, record.kind), class_="il-kind"),
                    " ",
                    TITLES.get(record.kind, ""),
                    " — by ",
                    link(rel_url(base, urls.publisher(record.publisher)), record.publisher),
                    f", recorded {record.recorded_at}",
                ]
            ),
            class_="il-lede",
        )
    ]
    parts.extend(effect_box(base, e) for e in ledger.effects.get(record.ref, ()))
    parts.append(section("Fields", fields_table(base, record.data), "fields"))
    if record.kind == "consent":
        parts.append(section("Disclosures relying on it", _used_by(base, ledger, record), "used"))
    parts.append(section("Chain", _chain(base, ledger, record), "chain"))
    parts.append(section("Signatures", _signatures(record), "signatures"))
    parts.append(section("Download and verify", _downloads(base, ledger, record), "downloads"))
    parts.append(_verify_box(base, record))
    return page(title(record), join(parts, "\n"))
