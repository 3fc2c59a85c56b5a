"""The ledger's disclosed images: read from a repository, matched against a file (adapter)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imageledger.core import limits, strict_yaml
from imageledger.errors import Finding, LedgerError, Location, RecordError, Report, Severity
from imageledger.imaging.identity import ImageIdentity
from imageledger.imaging.match import Match, PdqIndex
from imageledger.imaging.pdq import PdqHash, parse_pdq_hex
from imageledger.imaging.site_index import IndexEntry
from imageledger.storage.files import read_bounded
from imageledger.storage.layout import Layout

__all__ = ["DisclosedImage", "check_images", "disclosed_images", "match_local", "permanent_url"]

DISCLOSURE = "imageledger/disclosure/v1"


@dataclass(frozen=True, slots=True)
class DisclosedImage:
    ref: str
    path: Path
    record: dict[str, Any]
    sha256: str
    pdq: PdqHash | None

    def index_entry(self) -> IndexEntry:
        return IndexEntry(self.ref, self.sha256, self.pdq)


def image_pdq(image: dict[str, Any]) -> PdqHash | None:
    """The PDQ fingerprint a disclosure's ``image`` states, if it states one."""
    value = image.get("pdq")
    if not isinstance(value, dict):
        return None
    return parse_pdq_hex(str(value.get("hash")), quality=int(value.get("quality", 0)))


def disclosed_images(
    layout: Layout, publishers: Iterable[str] | None = None
) -> list[DisclosedImage]:
    """Every disclosure's image identity, in (publisher, seq) order.

    Raises:
        LedgerError: for a record file that cannot be read or parsed (naming the file).
    """
    out = []
    for publisher in sorted(publishers) if publishers is not None else layout.publisher_ids():
        for seq, path in layout.record_files(publisher):
            try:
                data = strict_yaml.parse(read_bounded(path))
                if data.get("schema") != DISCLOSURE:
                    continue
                image = data.get("image") or {}
                out.append(
                    DisclosedImage(
                        f"{publisher}/{seq}", path, data, str(image.get("sha256")), image_pdq(image)
                    )
                )
            except LedgerError as e:
                raise e.at(layout.rel(path)) from None
    return out


def match_local(
    images: list[DisclosedImage], identity: ImageIdentity
) -> tuple[list[str], list[Match]]:
    """Disclosures of exactly this file, and of near-duplicates by PDQ (trusted only)."""
    exact = [d.ref for d in images if d.sha256 == identity.sha256]
    near: list[Match] = []
    if identity.pdq is not None:
        index = PdqIndex((d.ref, d.pdq) for d in images if d.pdq is not None)
        near = index.query(identity.pdq)
    return exact, near


def permanent_url(ledger_url: Any, publisher: str, seq: int) -> str:
    """``<ledger url>r/<publisher>/<seq>/``: the record's page on the published site."""
    if not isinstance(ledger_url, str) or not ledger_url.startswith("https://"):
        raise RecordError(
            "ledger.yaml has no https url; the record's permanent URL is unknown",
            code="ledger-config",
            hint="set url: https://… in ledger/ledger.yaml",
        )
    return f"{ledger_url.rstrip('/')}/r/{publisher}/{seq}/"


def check_images(
    layout: Layout,
    images_dir: Path,
    *,
    publishers: Iterable[str] | None = None,
    trust_anchors: str | None = None,
) -> tuple[Report, int]:
    """Cross-check every disclosure whose image (by SHA-256) is in ``images_dir`` against the
    file's own metadata; return the findings and how many disclosures were checked."""
    from imageledger.imaging.crosscheck import check_claims
    from imageledger.imaging.facts import inspect_bytes

    files: dict[str, Path] = {}
    for path in sorted(p for p in images_dir.rglob("*") if p.is_file()):
        size = path.stat().st_size
        if 0 < size <= limits.MAX_IMAGE_BYTES:
            files.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path)
    report = Report()
    checked = 0
    for disclosed in disclosed_images(layout, sorted(publishers) if publishers else None):
        image_path = files.get(disclosed.sha256)
        if image_path is None:
            continue
        checked += 1
        rel = layout.rel(disclosed.path)
        try:
            facts = inspect_bytes(
                read_bounded(image_path, limits.MAX_IMAGE_BYTES),
                fast=False,
                trust_anchors=trust_anchors,
            )
        except LedgerError as e:
            report.add(
                Finding(
                    e.code, f"{image_path.name}: {e.message}", Location(rel), Severity.ERROR, e.hint
                )
            )
            continue
        for f in check_claims(disclosed.record, facts):
            report.add(
                Finding(
                    f.code, f.message, Location(rel, None, f.location.field), f.severity, f.hint
                )
            )
    return report, checked
