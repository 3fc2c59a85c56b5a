"""Atom (RFC 4287) and JSON Feed 1.1 of the latest records: fixed length, never growing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from imageledger.core.records import UnverifiedRecord
from imageledger.site import urls
from imageledger.site.render.summary import summary, title

ATOM = "http://www.w3.org/2005/Atom"
JSON_FEED = "https://jsonfeed.org/version/1.1"
EPOCH = "1970-01-01T00:00:00Z"


def _updated(records: Sequence[UnverifiedRecord]) -> str:
    return max((r.recorded_at for r in records), default=EPOCH)


def atom(
    records: Sequence[UnverifiedRecord],
    *,
    title_text: str,
    site_url: str,
    feed_path: str,
    home: str,
) -> bytes:
    """An Atom feed of ``records`` (newest first); ElementTree escapes every string."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = site_url + feed_path
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title_text
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _updated(records)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=site_url + feed_path)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=site_url + home)
    for record in records:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        url = site_url + urls.record(record.ref)
        ET.SubElement(entry, f"{{{ATOM}}}id").text = url
        ET.SubElement(entry, f"{{{ATOM}}}title").text = title(record)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = record.recorded_at
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=url)
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = record.publisher
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = summary(record)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def json_feed(
    records: Sequence[UnverifiedRecord],
    *,
    title_text: str,
    site_url: str,
    feed_path: str,
    home: str,
) -> bytes:
    """A JSON Feed 1.1 of ``records``: plain text only (``content_text``), no HTML."""
    items = [
        {
            "id": site_url + urls.record(r.ref),
            "url": site_url + urls.record(r.ref),
            "title": title(r),
            "content_text": summary(r),
            "date_published": r.recorded_at,
            "authors": [{"name": r.publisher}],
            "tags": [r.kind],
            "_imageledger": {"ref": r.ref, "hash": r.hash, "kind": r.kind},
        }
        for r in records
    ]
    document = {
        "version": JSON_FEED,
        "title": title_text,
        "home_page_url": site_url + home,
        "feed_url": site_url + feed_path,
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode() + b"\n"
