"""The permanent page of one record: ``/r/<publisher>/<seq>/``."""

from __future__ import annotations

from markupsafe import Markup

from imageledger.core.records import UnverifiedRecord
from imageledger.site import urls
from imageledger.site.model import Effect, SiteLedger
from imageledger.site.render.html import (
    PageSource,
    _trusted,
    admonition,
    code,
    esc,
    join,
    link,
    page,
    section,
    tag,
    text,
)
from imageledger.site.render.summary import summary, title

EFFECT_TITLES = {
    "retraction": ("danger", "Retracted"),
    "correction": ("warning", "Corrected"),
    "consent-withdrawal": ("danger", "Consent withdrawn"),
}


def _rel(base: str, target: str) -> str:
    """``rel_url`` for a record page's ``base`` (``r/<p>/<n>/``), without ``posixpath``."""
    if target.startswith(base):
        return target[len(base) :] or "./"
    own = base[: base.rindex("/", 0, -1) + 1]  # r/<p>/
    if target.startswith(own):
        return "../" + target[len(own) :]
    return "../../../" + target


def effect_box(base: str, effect: Effect) -> Markup:
    style, label = EFFECT_TITLES[effect.kind]
    when = effect.effective_at or effect.recorded_at
    head = join([f"{label} by ", link(_rel(base, urls.record(effect.ref)), effect.ref)])
    head += text(f", effective {when}" if effect.effective_at else f", recorded {when}")
    return admonition(f"{style} il-effect", head, text(effect.reason) if effect.reason else "")


def _chain(ledger: SiteLedger, record: UnverifiedRecord) -> str:
    pid, seq = record.publisher, record.seq
    prev = (
        f'<a href="../{seq - 1}/">← {seq - 1}</a>'
        if seq > 1
        else f'<a href="../../../{urls.publisher(pid)}">← registration</a>'
    )
    after = (
        f'<a href="../{seq + 1}/">{seq + 1} →</a>'
        if seq < len(ledger.publishers[pid].records)
        else "latest"
    )
    return (
        f'<p class="il-chain">{prev} · {after}<br>Hash '
        f'<code id="il-hash">{esc(record.hash)}</code></p>'
    )


def _used_by(base: str, ledger: SiteLedger, record: UnverifiedRecord) -> Markup:
    refs = ledger.used_by.get(record.ref, [])
    total = ledger.used_by_count.get(record.ref, 0)
    if not refs:
        return text("No disclosure in this ledger relies on this consent.")
    listed = join(tag("li", link(_rel(base, urls.record(r)), code(r))) for r in refs)
    more = tag("p", f"… and {total - len(refs)} more.") if total > len(refs) else Markup()
    return tag("ul", listed) + more


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


def _record_box(record: UnverifiedRecord, *, page_size: int, index: int | None) -> str:
    """Where ``record.js`` puts the full record, with what it needs to find it: the
    canonical gzip page and the line on it, and the entry index in the log (if logged).
    Without JavaScript, the ``<noscript>`` says where the machine-readable record is."""
    page = urls.page_of(record.seq, page_size)
    line = (record.seq - 1) % page_size
    logged = f' data-log="{index}"' if index is not None else ""
    src = f"../../../{urls.canonical_page(record.publisher, page)}"
    return (
        f'<div id="il-record" data-page="{page}" data-line="{line}"{logged}>'
        f'<noscript>All fields: <a href="{src}">canonical JSON</a>, line {line + 1} (gzip).'
        "</noscript></div>"
    )


def render_record(
    ledger: SiteLedger,
    record: UnverifiedRecord,
    *,
    page_size: int = 50,
    findings: tuple[tuple[str, str, str], ...] = (),
) -> PageSource:
    """``record``'s page: a small static document (ADR 0013) with what makes it meaningful
    without JavaScript (kind, time, what it says, what affects it, its chain and hash);
    ``record.js`` renders every field, the signatures, downloads and verification from the
    record's canonical bytes. ``page_size``: of the publisher's API and canonical pages;
    ``findings``: what the compliance audit says about it, shown prominently."""
    base = urls.record(record.ref)
    parts = [  # the heading names the kind: "<ref> · <Kind>"
        f'<p class="il-lede">Recorded {esc(record.recorded_at)}: {esc(summary(record))}</p>'
    ]
    parts.extend(str(effect_box(base, e)) for e in ledger.effects.get(record.ref, ()))
    if findings:
        parts.append(str(section("Compliance", _findings(base, findings), "compliance")))
    if record.kind == "consent":
        used = _used_by(base, ledger, record)
        parts.append(str(section("Disclosures relying on it", used, "used")))
    parts.append(_chain(ledger, record))
    index = ledger.log_index(record.ref)
    parts.append(_record_box(record, page_size=page_size, index=index))
    return page(title(record), _trusted("\n".join(parts)))
