"""The permanent page of one record: ``/r/<publisher>/<seq>/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from markupsafe import Markup

from imageledger import vocab
from imageledger.core.records import UnverifiedRecord
from imageledger.core.schemas import TITLES
from imageledger.errors import RecordError
from imageledger.site import urls
from imageledger.site.model import Effect, SiteLedger
from imageledger.site.render.html import (
    PageSource,
    _trusted,
    admonition,
    code,
    esc,
    external,
    join,
    link,
    page,
    section,
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
            return link(_rel(base, urls.record(raw)), code(raw))
        if raw.startswith("https://"):
            return external(raw)
        if raw.startswith("sha256:") or leaf in ("sha256", "hash", "new_key", "key", "prev"):
            return code(raw)
    return text(described)


_VOCAB_LEAVES = frozenset(
    {"digital_source_type", "purposes", "jurisdictions", "visible", "machine_readable"}
)
_PLAIN_CODE = frozenset({"sha256", "hash", "new_key", "key", "prev"})
_TERMS: dict[tuple[str, str], str] = {}
"""A vocabulary term's cell does not depend on the page or the field's position: rendered
once per build (a ledger uses a few dozen terms over and over)."""


def _rel(base: str, target: str) -> str:
    """``rel_url`` for a record page's ``base`` (``r/<p>/<n>/``), without ``posixpath``."""
    if target.startswith(base):
        return target[len(base) :] or "./"
    own = base[: base.rindex("/", 0, -1) + 1]  # r/<p>/
    if target.startswith(own):
        return "../" + target[len(own) :]
    return "../../../" + target


def _walk(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """``(path, field name, value)`` for every scalar, in ``describe``'s order."""
    for key in sorted(data):
        value = data[key]
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            yield from _walk(value, path)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from _walk(item, f"{path}[{index}]")
                else:
                    yield f"{path}[{index}]", key, item
        else:
            yield path, key, value


def _cell(base: str, path: str, leaf: str, raw: Any) -> str:
    """:func:`field_value` as a ``str``, fast for the common cases."""
    if isinstance(raw, str):
        if leaf in _VOCAB_LEAVES:
            cell = _TERMS.get((leaf, raw))
            if cell is None:
                cell = _TERMS[(leaf, raw)] = str(field_value(base, path, raw, raw))
            return cell
        if leaf in REF_FIELDS and _REF.match(raw):
            return f'<a href="{_rel(base, urls.record(raw))}"><code>{esc(raw)}</code></a>'
        if raw.startswith("https://"):
            return str(external(raw))
        if raw.startswith("sha256:") or leaf in _PLAIN_CODE:
            return f"<code>{esc(raw)}</code>"
    return esc(raw)


def fields_table(base: str, data: dict[str, Any]) -> Markup:
    rows = "".join(
        f"<tr><td><code>{esc(path)}</code></td><td>{_cell(base, path, leaf, raw)}</td></tr>"
        for path, leaf, raw in _walk({k: v for k, v in data.items() if k != "signatures"})
    )
    return _trusted(
        '<div class="il-table il-fields"><table><thead><tr><th>Field</th><th>Value</th></tr>'
        f"</thead><tbody>{rows}</tbody></table></div>"
    )


def effect_box(base: str, effect: Effect) -> Markup:
    style, label = EFFECT_TITLES[effect.kind]
    when = effect.effective_at or effect.recorded_at
    head = join([f"{label} by ", link(_rel(base, urls.record(effect.ref)), effect.ref)])
    head += text(f", effective {when}" if effect.effective_at else f", recorded {when}")
    return admonition(f"{style} il-effect", head, text(effect.reason) if effect.reason else "")


def _chain(base: str, ledger: SiteLedger, record: UnverifiedRecord) -> Markup:
    pid, seq = record.publisher, record.seq
    if seq > 1:
        prev = f'Previous: <a href="../{seq - 1}/">{esc(pid)}/{seq - 1}</a>'
    else:
        prev = (
            "Previous: the registration of "
            f'<a href="{_rel(base, urls.publisher(pid))}">{esc(pid)}</a>'
        )
    if seq < len(ledger.publishers[pid].records):
        after = f'Next: <a href="../{seq + 1}/">{esc(pid)}/{seq + 1}</a>'
    else:
        after = "Next: none yet (the latest record of this publisher)"
    return _trusted(
        f'<ul class="il-chain"><li>{prev}</li><li>{after}</li>'
        f"<li>Record hash: <code>{esc(record.hash)}</code></li>"
        f"<li>Previous hash: <code>{esc(record.prev or '')}</code></li></ul>"
    )


def _downloads(ledger: SiteLedger, record: UnverifiedRecord, page: int) -> Markup:
    """Links to the record's canonical bytes, its API entry and its proof (the check-proof
    command and what each file is are explained once, on the "How to verify" page)."""
    api = f"../../../{urls.api_publisher_page(record.publisher, page)}"
    if ledger.log is not None and record.ref in ledger.log.proofs:
        proof = (
            '<li><a href="proof.txt">proof.txt</a> — its c2sp.org/tlog-proof@v1 inclusion '
            f"proof in the checkpoint of size {ledger.log.size}</li>"
        )
    else:
        proof = "<li>Not in the log&#39;s latest checkpoint yet: no inclusion proof.</li>"
    return _trusted(
        '<ul class="il-downloads"><li><a href="record.json">record.json</a> — the canonical '
        "JSON (RFC 8785) that was signed, hashed and logged</li>"
        f'<li><a href="{api}">API</a> — this record on its publisher&#39;s API page</li>'
        f"{proof}</ul>"
    )


def _signatures(record: UnverifiedRecord) -> Markup:
    rows = "".join(
        f"<tr><td><code>{esc(s['key'])}</code></td><td><code>{esc(s['sig'])}</code></td></tr>"
        for s in record.data.get("signatures", ())
    )
    return _trusted(
        '<div class="il-table il-signatures"><table><thead><tr><th>Key</th>'
        f"<th>Ed25519 signature</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _used_by(base: str, ledger: SiteLedger, record: UnverifiedRecord) -> Markup:
    refs = ledger.used_by.get(record.ref, [])
    total = ledger.used_by_count.get(record.ref, 0)
    if not refs:
        return text("No disclosure in this ledger relies on this consent.")
    listed = join(tag("li", link(_rel(base, urls.record(r)), code(r))) for r in refs)
    more = tag("p", f"… and {total - len(refs)} more.") if total > len(refs) else Markup()
    return tag("ul", listed) + more


def _verify_box(record: UnverifiedRecord) -> Markup:
    """The in-browser check (``assets/js/verify.js``): signature, inclusion, checkpoint."""
    return _trusted(
        f'<div class="il-verify" id="il-verify" data-root="../../../" data-ref="{esc(record.ref)}"'
        f' data-hash="{esc(record.hash)}"><p>Check its signature, its inclusion in the log and '
        "the checkpoint&#39;s signatures in your browser.</p>"
        '<button type="button" class="md-button">Verify in my browser</button>'
        '<ul class="il-verify-result" aria-live="polite"></ul></div>'
    )


def _findings(base: str, findings: tuple[tuple[str, str, str], ...]) -> Markup:
    items = "".join(
        f'<li class="il-finding il-{esc(severity)}"><strong>{esc(severity)}</strong> '
        f"<code>{esc(code)}</code> {esc(message)}</li>"
        for severity, code, message in findings
    )
    return _trusted(
        f'<ul class="il-findings">{items}</ul>'
        f'<p>How each rule is applied: <a href="{base_root(base)}audit/">compliance audit</a>.</p>'
    )


def base_root(base: str) -> str:
    """The relative path from a page at ``base`` back to the site root."""
    return "../" * base.rstrip("/").count("/") + ("../" if base.rstrip("/") else "")


def render_record(
    ledger: SiteLedger,
    record: UnverifiedRecord,
    *,
    page_size: int = 50,
    findings: tuple[tuple[str, str, str], ...] = (),
) -> PageSource:
    """``record``'s page (``page_size``: of the publisher's API pages, for the link;
    ``findings``: what the compliance audit says about it, shown prominently)."""
    base = urls.record(record.ref)
    kind = KIND_NAMES.get(record.kind, record.kind)
    parts = [
        _trusted(
            f'<p class="il-lede"><span class="il-kind">{esc(kind)}</span> '
            f"{esc(TITLES.get(record.kind, ''))} — by "
            f'<a href="../../../{urls.publisher(record.publisher)}">{esc(record.publisher)}</a>'
            f", recorded {esc(record.recorded_at)}</p>"
        )
    ]
    parts.extend(effect_box(base, e) for e in ledger.effects.get(record.ref, ()))
    if findings:
        parts.append(section("Compliance", _findings(base, findings), "compliance"))
    parts.append(section("Fields", fields_table(base, record.data), "fields"))
    if record.kind == "consent":
        parts.append(section("Disclosures relying on it", _used_by(base, ledger, record), "used"))
    parts.append(section("Chain", _chain(base, ledger, record), "chain"))
    parts.append(section("Signatures", _signatures(record), "signatures"))
    downloads = _downloads(ledger, record, urls.page_of(record.seq, page_size))
    parts.append(section("Download and verify", downloads, "downloads"))
    parts.append(_verify_box(record))
    return page(title(record), _trusted("\n".join(parts)))
