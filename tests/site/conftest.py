"""Session-wide real builds of the site: the demo ledger as shipped, and a copy with hostile
records. Each is built once per test session with ``mkdocs build --strict``."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_builds import (
    ROOT,
    add_consent_with_receipt,
    add_hostile_records,
    build_site,
    site_project,
)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-site")
    build_site(ROOT, out)
    return out


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """(built site, hostile disclosure ref, retraction ref)."""
    project = site_project(tmp_path_factory.mktemp("hostile-project"))
    disclosure, retraction = add_hostile_records(project)
    add_consent_with_receipt(project)  # northwind/26, found by its receipt code
    out = tmp_path_factory.mktemp("hostile-site")
    build_site(project, out)
    return out, disclosure, retraction
