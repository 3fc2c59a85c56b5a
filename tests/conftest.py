"""Shared fixtures: a copy of the demo ledger, and the CLI run in-process."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from imageledger.cli import main
from support import ROOT, Run


@pytest.fixture
def ledger_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo ledger repository (``ledger/`` only)."""
    shutil.copytree(ROOT / "ledger", tmp_path / "ledger")
    return tmp_path


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    def run(*args: str) -> Run:
        code = main(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        return Run(code, captured.out, captured.err)

    return run
