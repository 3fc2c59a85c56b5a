"""Publisher pages: profile, key history, feeds, and its records in pages of ``page_size``.

Page ``n`` always holds seqs ``(n-1)·size+1 … n·size``, so every page but the last never
changes once written, and no page grows with the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup

from imageledger.core.records import UnverifiedRecord
from imageledger.site import urls
from imageledger.site.model import Publisher, SiteLedger
from imageledger.site.render.html import (
    PageSource,
    _trusted,
    code,
    esc,
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
from imageledger.site.render.summary import KIND_NAMES, summary


def page_count(publisher: Publisher, size: int) -> int:
    return max(1, -(-len(publisher.records) // size))


def page_records(publisher: Publisher, number: int, size: int) -> list[UnverifiedRecord]:
    return publisher.records[(number - 1) * size : number * size]


def _rows(
    base: str, ledger: SiteLedger, records: Sequence[UnverifiedRecord], *, seq_only: bool
) -> str:
    """The rows of a records table, as one string (a tight loop: list pages hold every
    record of the ledger between them); ``seq_only`` names records by seq alone (on their
    publisher's pages)."""
    root = rel_url(base, "")
    out = []
    for record in records:
        marks = ledger.effects.get(record.ref)
        flag = (
            f' <span class="il-flag">{esc(" · ".join(sorted({e.kind for e in marks})))}</span>'
            if marks
            else " "
        )
        # Compact rows (end tags of td and tr are optional in HTML): list pages hold every
        # record of the ledger between them.
        out.append(
            f'<tr><td><a href="{root}{urls.record(record.ref)}">'
            f"{record.seq if seq_only else esc(record.ref)}</a>"
            f"<td>{esc(KIND_NAMES.get(record.kind, record.kind))}"
            f"<td>{esc(record.recorded_at)}<td>{esc(summary(record))}{flag}"
        )
    return "".join(out)


def records_table(
    base: str, ledger: SiteLedger, records: Sequence[UnverifiedRecord], *, seq_only: bool = False
) -> Markup:
    rows = _rows(base, ledger, records, seq_only=seq_only)
    return _trusted(
        '<div class="il-table "><table><thead><tr><th>Record</th><th>Kind</th>'
        f"<th>Recorded</th><th>Says</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _pager(base: str, pid: str, number: int, total: int) -> Markup:
    if total == 1:
        return Markup()
    items = []
    if number > 1:
        items.append(link(rel_url(base, urls.publisher(pid, number - 1)), "← previous"))
    items.append(text(f"page {number} of {total}"))
    if number < total:
        items.append(link(rel_url(base, urls.publisher(pid, number + 1)), "next →"))
    window = sorted({1, total, *range(max(1, number - 3), min(total, number + 3) + 1)})
    numbers = join(
        (
            tag("strong", str(n))
            if n == number
            else link(rel_url(base, urls.publisher(pid, n)), str(n))
        )
        for n in window
    )
    return tag("nav", join([*items, numbers], " · "), class_="il-pager")


def _profile(publisher: Publisher) -> Markup:
    profile = publisher.profile
    rows = [(text("Publisher id"), code(publisher.id))]
    for key, label in (("name", "Name"), ("domain", "Domain"), ("description", "About")):
        if key in profile:
            rows.append((text(label), text(profile[key])))
    contact = profile.get("contact")
    if isinstance(contact, str):
        rows.append(
            (
                text("Contact"),
                external(contact) if contact.startswith("https://") else text(contact),
            )
        )
    rows.append((text("Admitted"), text(publisher.registration.data["admitted_at"])))
    rows.append((text("Registration hash"), code(publisher.registration.hash)))
    return table(("", ""), rows, "il-profile")


def _keys(base: str, publisher: Publisher) -> Markup:
    rows = []
    for event in publisher.key_history():
        where = (
            text("registration")
            if event.seq == 0
            else link(
                rel_url(base, urls.record(f"{publisher.id}/{event.seq}")),
                f"{publisher.id}/{event.seq}",
            )
        )
        rows.append(
            (text(event.at), text(event.action), code(event.key), where, text(event.reason or ""))
        )
    return table(("When", "Event", "Key", "Record", "Reason"), rows, "il-keys")


def _feeds(base: str, pid: str) -> Markup:
    return tag(
        "p",
        join(
            [
                "Follow this publisher: ",
                link(rel_url(base, urls.publisher_feed(pid, "atom")), "Atom"),
                " · ",
                link(rel_url(base, urls.publisher_feed(pid, "json")), "JSON Feed"),
                " · ",
                link(rel_url(base, urls.api_publisher(pid)), "API"),
            ]
        ),
        class_="il-feeds",
    )


def _compliance(base: str, publisher: str, counts: Mapping[str, int]) -> Markup:
    summary = ", ".join(f"{counts.get(level, 0)} {level}" for level in ("error", "warning", "info"))
    audit = rel_url(base, "audit/")
    return _trusted(
        f"<p>Compliance audit: {text(summary)} — "
        f'<a href="{esc(audit)}#p-{esc(publisher)}">findings and audit attestations</a>.</p>'
    )


def render_publisher_page(
    ledger: SiteLedger,
    publisher: Publisher,
    number: int,
    *,
    size: int,
    latest: int,
    compliance: Mapping[str, int] | None = None,
) -> PageSource:
    """Page ``number`` (from 1) of ``publisher``: page 1 carries the profile and keys (and,
    given ``compliance`` counts by severity, the audit summary)."""
    base = urls.publisher(publisher.id, number)
    total = page_count(publisher, size)
    records = page_records(publisher, number, size)
    parts = [_feeds(base, publisher.id)]
    if number == 1:
        parts.append(section("Profile", _profile(publisher), "profile"))
        parts.append(section("Keys", _keys(base, publisher), "keys"))
        if compliance is not None:
            parts.append(
                section("Compliance", _compliance(base, publisher.id, compliance), "compliance")
            )
        newest = ledger.latest(latest, publisher=publisher.id)
        if newest:
            parts.append(section("Latest records", records_table(base, ledger, newest), "latest"))
    first = (number - 1) * size + 1
    heading = f"Records {first}–{first + len(records) - 1}" if records else "Records"
    parts.append(_pager(base, publisher.id, number, total))
    parts.append(section(heading, records_table(base, ledger, records, seq_only=True), "records"))
    parts.append(_pager(base, publisher.id, number, total))
    suffix = "" if number == 1 else f" (page {number})"
    return page(f"Publisher {publisher.id}{suffix}", join(parts, "\n"))


def render_publishers(ledger: SiteLedger) -> PageSource:
    """The list of publishers (``/p/``)."""
    base = urls.PUBLISHERS
    rows = [
        (
            link(rel_url(base, urls.publisher(p.id)), code(p.id)),
            text(p.profile.get("name", "")),
            text(str(len(p.records))),
            text(p.registration.data["admitted_at"]),
        )
        for p in ledger.publishers.values()
    ]
    body = table(("Publisher", "Name", "Records", "Admitted"), rows)
    return page("Publishers", body, template="main.html", search=True)
