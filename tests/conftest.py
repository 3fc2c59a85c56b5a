"""Shared fixtures: a copy of the demo ledger, and the CLI run in-process."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from imageledger.cli import main

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    code: int
    out: str
    err: str


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
    import json

    data: dict[str, str] = json.loads(
        (ROOT / "tests/vectors/go-note-example.json").read_text(encoding="utf-8")
    )
    return data
