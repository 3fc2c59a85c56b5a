"""Real ``mkdocs build`` runs for the site tests: the demo, a hostile ledger, synthetic ledgers."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from imageledger import authoring
from imageledger.consent.secret import commitment
from imageledger.core import strict_yaml
from imageledger.core.records import sign
from imageledger.demo import keys as demo_keys
from imageledger.demo.images import sample
from imageledger.imaging.identity import identify_file
from imageledger.storage.layout import Layout

ROOT = Path(__file__).resolve().parents[2]

HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[x](javascript:alert(1))",
    "{{ 7*7 }} {% raw %}",
    "*emphasis* _under_ **strong** `code`",
    "\u202eRTL override\u202c",
    "line one\n\nline three <b>bold</b>",
)
HOSTILE_TEXT = " | ".join(HOSTILE)
NEAR_IMAGE = "chelsea.png"


def build_site(project: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``project/mkdocs.yml`` into ``out`` (raises on failure)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-q",
            "-f",
            str(project / "mkdocs.yml"),
            "-d",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"mkdocs build failed:\n{done.stdout}\n{done.stderr}")
    return done


def site_project(dest: Path, ledger: Path | None = None) -> Path:
    """A site project at ``dest``: this repository's mkdocs.yml and site_src, and a copy of
    ``ledger`` (default: the demo ledger)."""
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(ROOT / "site_src", dest / "site_src")
    if not (dest / "ledger").exists():
        shutil.copytree(ledger or ROOT / "ledger", dest / "ledger")
    return dest


def append_signed(repo: Path, publisher: str, key_index: int, data: dict[str, Any]) -> str:
    """Sign ``data`` as ``publisher``'s next record; return its ref."""
    layout = Layout(repo)
    seq, prev = authoring.chain_head(layout, publisher)
    record = {
        **data,
        "publisher": publisher,
        "seq": seq + 1,
        "prev": prev,
        "recorded_at": "2026-11-20T10:00:00Z",
    }
    record.pop("signatures", None)
    authoring.write_record(layout, sign(record, demo_keys.publisher(publisher, key_index)))
    return f"{publisher}/{seq + 1}"


def add_hostile_records(repo: Path) -> tuple[str, str]:
    """A disclosure with hostile text in every free-text field, and a retraction of it
    whose reason is hostile too. Returns both refs."""
    layout = Layout(repo)
    template = None
    for _, path in layout.record_files("northwind"):
        data = strict_yaml.parse(path.read_bytes())
        if data["schema"] == "imageledger/disclosure/v1":
            template = data
    assert template is not None
    hostile = copy.deepcopy(template)
    hostile["description"] = HOSTILE_TEXT
    # A real image with its PDQ fingerprint, so the browser look-up can find it (also by a
    # re-encoded copy) and show this record's hostile strings.
    identity = identify_file(sample(NEAR_IMAGE).path).to_record()
    hostile["image"] = {**identity, "published_urls": ["https://northwind.example/x.png"]}
    hostile.setdefault("rights", {})["copyright_owner"] = HOSTILE[1][:200]
    if isinstance(hostile.get("ai"), dict) and isinstance(hostile["ai"].get("system"), dict):
        hostile["ai"]["system"]["name"] = HOSTILE[0]
    disclosure = append_signed(repo, "northwind", 1, hostile)
    retraction = append_signed(
        repo,
        "northwind",
        1,
        {
            "schema": "imageledger/retraction/v1",
            "ref": disclosure,
            "reason": HOSTILE_TEXT,
            "effective_at": "2026-11-20T10:00:00Z",
        },
    )
    return disclosure, retraction


RECEIPT_SECRET = bytes(range(1, 21))
"""A test-only receipt secret (20 bytes): its code is ``format_secret(RECEIPT_SECRET)``."""


def add_consent_with_receipt(repo: Path) -> str:
    """A consent whose receipt commits to :data:`RECEIPT_SECRET`; returns its ref."""
    layout = Layout(repo)
    template = None
    for _, path in layout.record_files("northwind"):
        data = strict_yaml.parse(path.read_bytes())
        if data["schema"] == "imageledger/consent/v1":
            template = data
    assert template is not None
    consent = {**copy.deepcopy(template), "receipt": commitment(RECEIPT_SECRET)}
    return append_signed(repo, "northwind", 1, consent)
