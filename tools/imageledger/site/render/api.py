"""The static JSON API under ``/api/v1/`` and the bulk export (bytes out).

Every file is bounded: lists are paginated by publisher and page, and each API page has a
twin holding its records' exact canonical bytes (``.jsonl.gz``, ADR 0013). The only file
that grows with the ledger is the export's manifest, the list of those twins.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from typing import Any

from imageledger.core.records import UnverifiedRecord
from imageledger.site import urls
from imageledger.site.model import Figures, Publisher, SiteLedger
from imageledger.site.render.publisher import page_count, page_records

VERSION = 1


def dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode() + b"\n"


def _links(site_url: str, **paths: str) -> dict[str, str]:
    return {name: site_url + path for name, path in paths.items()}


def record_entry(ledger: SiteLedger, record: UnverifiedRecord) -> dict[str, Any]:
    """A record's compact row on its publisher's API page: what it is, where it is in the
    log, and what affects it. Its content (every field, the signatures) is the same line
    of the page's ``.jsonl.gz`` twin: the exact canonical bytes."""
    entry: dict[str, Any] = {
        "ref": record.ref,
        "kind": record.kind,
        "hash": record.hash,
        "recorded_at": record.recorded_at,
    }
    index = ledger.log_index(record.ref)
    if index is not None:
        entry["log_index"] = index
    effects = ledger.effects.get(record.ref, ())
    if effects:
        entry["affected_by"] = [
            {"ref": e.ref, "kind": e.kind, "effective_at": e.effective_at, "reason": e.reason}
            for e in effects
        ]
    if record.kind == "consent":
        entry["relied_on_by"] = ledger.used_by.get(record.ref, [])
    return entry


def ledger_json(ledger: SiteLedger, figures: Figures, site_url: str) -> bytes:
    return dump(
        {
            "api": VERSION,
            "name": ledger.name,
            "origin": ledger.origin,
            "figures": figures.to_json(),
            "log": ledger.log.to_json() if ledger.log is not None else None,
            "trust": ledger.trust,
            "links": _links(
                site_url,
                publishers=f"{urls.API}/publishers.json",
                atom=urls.feed("atom"),
                json_feed=urls.feed("json"),
                export=urls.EXPORT,
            ),
        }
    )


def _publisher_summary(publisher: Publisher, site_url: str) -> dict[str, Any]:
    return {
        "id": publisher.id,
        **publisher.profile,
        "records": len(publisher.records),
        "links": _links(
            site_url, api=urls.api_publisher(publisher.id), html=urls.publisher(publisher.id)
        ),
    }


def publishers_json(ledger: SiteLedger, site_url: str) -> bytes:
    return dump(
        {
            "api": VERSION,
            "publishers": [_publisher_summary(p, site_url) for p in ledger.publishers.values()],
        }
    )


def publisher_json(publisher: Publisher, site_url: str, size: int) -> bytes:
    pages = page_count(publisher, size)
    return dump(
        {
            "api": VERSION,
            **_publisher_summary(publisher, site_url),
            "registration": publisher.registration.data,
            "registration_hash": publisher.registration.hash,
            "key_history": [
                {"seq": e.seq, "action": e.action, "key": e.key, "at": e.at, "reason": e.reason}
                for e in publisher.key_history()
            ],
            "page_size": size,
            "pages": [
                site_url + urls.api_publisher_page(publisher.id, n) for n in range(1, pages + 1)
            ],
            "canonical": {
                "registration": site_url + urls.registration_gz(publisher.id),
                "pages": [
                    site_url + urls.canonical_page(publisher.id, n)
                    for n in range(1, pages + 1)
                    if publisher.records  # no records: no page of them
                ],
            },
        }
    )


def publisher_page_json(
    ledger: SiteLedger, publisher: Publisher, number: int, site_url: str, size: int
) -> bytes:
    """Page ``number`` (from 1) of a publisher's records: seqs ``(number-1)·size+1 …
    number·size``, so appending a record changes only the last page. A record's page on
    the site is ``templates.html`` with its ref; its exact canonical bytes are line
    ``(seq-1) mod size`` of ``links.canonical``."""
    pages = page_count(publisher, size)
    links = {"canonical": urls.canonical_page(publisher.id, number)}
    if number > 1:
        links["prev"] = urls.api_publisher_page(publisher.id, number - 1)
    if number < pages:
        links["next"] = urls.api_publisher_page(publisher.id, number + 1)
    return (
        compact(  # compact JSON (C encoder): these pages list every record between them
            {
                "api": VERSION,
                "publisher": publisher.id,
                "page": number,
                "pages": pages,
                "page_size": size,
                "records": [record_entry(ledger, r) for r in page_records(publisher, number, size)],
                "links": _links(site_url, **links),
                "templates": {"html": site_url + urls.record("{ref}")},
            }
        )
        + b"\n"
    )


def _gzip(data: bytes) -> bytes:
    """``data`` as one deterministic gzip member (no time, no file name): the same ledger
    gives the same bytes, and members concatenate into one valid gzip file."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def canonical_page(publisher: Publisher, number: int, size: int) -> bytes:
    """The exact canonical bytes of the records on API page ``number``, one per line
    (``\\n`` after each), gzipped: what record pages, verification and downloads read."""
    return _gzip(b"".join(r.canonical + b"\n" for r in page_records(publisher, number, size)))


def registration_gz(publisher: Publisher) -> bytes:
    """The publisher's registration (its chain's start), canonical bytes and a newline."""
    return _gzip(publisher.registration.canonical + b"\n")


SHARD_TARGET = 64


def shard_prefix(count: int) -> int:
    """Hex digits of the key that name its shard: the fewest keeping shards near
    :data:`SHARD_TARGET` entries (1 digit, 16 shards, up to 1,024 keys)."""
    prefix = 1
    while count / 16**prefix > SHARD_TARGET and prefix < 6:
        prefix += 1
    return prefix


def sharded_map(pairs: Iterable[tuple[str, str]]) -> dict[str, bytes]:
    """A static map from ``sha256:<hex>`` keys to refs, split into shards by the first hex
    digits of the key (:func:`shard_prefix`), plus ``meta.json``.

    A browser that knows a key (a record hash, or a receipt commitment it computed from the
    person's secret) fetches one shard and reveals only those first digits to the server.
    """
    items = sorted(pairs)
    prefix = shard_prefix(len(items))
    # Every shard exists, empty or not: a miss is an empty answer, never a 404.
    shards: dict[str, dict[str, list[str]]] = {
        f"{n:0{prefix}x}.json": {} for n in range(16**prefix)
    }
    for key, ref in items:
        digest = key.removeprefix("sha256:")
        shards.setdefault(f"{digest[:prefix]}.json", {}).setdefault(key, []).append(ref)
    files = {path: compact({"v": VERSION, "entries": entries}) for path, entries in shards.items()}
    files["meta.json"] = compact({"v": VERSION, "prefix": prefix, "count": len(items)})
    return files


def hash_index(ledger: SiteLedger) -> dict[str, bytes]:
    """Record hash → ref, for "look up a record hash"."""
    return sharded_map((r.hash, r.ref) for r in ledger.records())


def receipt_index(ledger: SiteLedger) -> dict[str, bytes]:
    """Receipt commitment → consent ref, for "find my consent" (the secret stays in the
    browser; only the commitment's first hex digits choose the shard)."""
    return sharded_map(
        (r.data["receipt"], r.ref)
        for r in ledger.records()
        if r.kind == "consent" and isinstance(r.data.get("receipt"), str)
    )


def compact(value: Any) -> bytes:
    """``value`` as compact, sorted JSON (files read by the browser)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def export_manifest(ledger: SiteLedger, site_url: str, size: int) -> bytes:
    """The bulk export as a list of the canonical gzip pages, in order: every registration
    and record, publisher by publisher in chain order. gzip members concatenate, so
    fetching ``parts`` in order and joining the bytes gives one ``.jsonl.gz`` of the whole
    ledger; it costs no bytes beyond the pages record pages already read."""
    parts = []
    for publisher in ledger.publishers.values():
        parts.append(site_url + urls.registration_gz(publisher.id))
        parts.extend(
            site_url + urls.canonical_page(publisher.id, n)
            for n in range(1, page_count(publisher, size) + 1)
            if publisher.records
        )
    records = sum(1 + len(p.records) for p in ledger.publishers.values())
    return dump({"api": VERSION, "format": "jsonl.gz", "documents": records, "parts": parts})
