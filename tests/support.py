"""Helpers the tests share (importable as ``support``; fixtures live in conftest.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    """What one in-process CLI run returned and printed."""

    code: int
    out: str
    err: str


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, to prove a failed command wrote nothing.

    The local validation cache (``.imageledger-cache/``, never committed) may remember
    files a failed command checked; it is not part of the ledger.
    """
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".imageledger-cache" not in p.parts
    }


def go_note_example() -> dict[str, str]:
    """Go's published signed-note example (tests/vectors/go-note-example.json)."""
    data: dict[str, str] = json.loads(
        (ROOT / "tests/vectors/go-note-example.json").read_text(encoding="utf-8")
    )
    return data


def likeness_use_draft(consent_ref: str) -> dict[str, Any]:
    """An unsigned northwind disclosure: a generated likeness, in EU advertising from
    2026-11-21, relying on ``consent_ref``."""
    return {
        "schema": "imageledger/disclosure/v1",
        "publisher": "northwind",
        "image": {"sha256": "5" * 64, "media_type": "image/png"},
        "ai": {
            "digital_source_type": "http://cv.iptc.org/newscodes/digitalsourcetype/"
            "trainedAlgorithmicMedia",
            "resembles_real_person": True,
        },
        "labels": {"visible": "eu-ai-icon", "machine_readable": ["c2pa"]},
        "subjects": [{"basis": "consent", "consent": consent_ref}],
        "purposes": ["advertising"],
        "jurisdictions": ["EU"],
        "period": {"from": "2026-11-21T00:00:00Z"},
        "rights": {
            "copyright_owner": "Northwind Outfitters Ltd.",
            "licence": "all-rights-reserved",
        },
    }
