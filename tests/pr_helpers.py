"""Real git repositories for pull-request scenarios: a base branch with the demo ledger,
one PR branch per case, records signed with the demo keys."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from imageledger import authoring
from imageledger.core import strict_yaml
from imageledger.core.keys import PrivateKey
from imageledger.demo import keys as demo_keys
from imageledger.storage.layout import Layout

ROOT = Path(__file__).resolve().parent.parent


class CliRun(Protocol):
    """What the ``cli`` fixture returns (tests/conftest.py ``Run``)."""

    code: int
    out: str
    err: str


Cli = Callable[..., CliRun]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}
# The disclosure each demo publisher's drafts are copied from, and its current key.
TEMPLATE_RECORD = {"northwind": 23, "harbourlight": 19, "emberforge": 17}
START = datetime(2026, 11, 27, tzinfo=UTC)


def git(repo: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout


def init_repo(root: Path) -> Path:
    """A repository whose ``main`` holds a copy of the demo ledger."""
    shutil.copytree(ROOT / "ledger", root / "ledger")
    (root / "README.md").write_text("A ledger.\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base: the demo ledger")
    return root


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def current_key(publisher: str) -> PrivateKey:
    return demo_keys.publisher(publisher, 1)


def draft(repo: Path, publisher: str) -> dict[str, Any]:
    path = Layout(repo).record_path(publisher, TEMPLATE_RECORD[publisher])
    data = strict_yaml.parse(path.read_bytes())
    for name in ("seq", "prev", "recorded_at", "signatures"):
        data.pop(name)
    return data


def add_record(
    repo: Path,
    publisher: str,
    *,
    key: PrivateKey | None = None,
    body: dict[str, Any] | None = None,
    seq: int | None = None,
    prev: str | None = None,
) -> Path:
    """Sign the next record of ``publisher`` (or the given seq/prev) and write it."""
    layout = Layout(repo)
    head_seq, head_hash = authoring.chain_head(layout, publisher)
    seq = seq if seq is not None else head_seq + 1
    at = (START + timedelta(minutes=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")
    signed = authoring.seal(
        body if body is not None else draft(repo, publisher),
        publisher=publisher,
        seq=seq,
        prev=prev if prev is not None else head_hash,
        recorded_at=at,
        key=key or current_key(publisher),
    )
    path = layout.record_path(publisher, seq)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(authoring.render(signed))
    return path


def rel(repo: Path, path: Path) -> str:
    return path.relative_to(repo).as_posix()


def replace_tree_entry(repo: Path, tree: str, path: str, entry: str) -> str:
    """A new tree id: ``tree`` with ``entry`` (an ``ls-tree`` line) added in folder
    ``path`` — git plumbing, which (unlike the index) accepts any name."""
    if not path:
        return input_lines(repo, tree, entry)
    head, _, rest = path.partition("/")
    lines = git(repo, "ls-tree", tree).splitlines()
    out = []
    for line in lines:
        meta, name = line.split("\t", 1)
        if name == head:
            sub = replace_tree_entry(repo, meta.split()[2], rest, entry)
            line = f"040000 tree {sub}\t{name}"
        out.append(line)
    return mktree(repo, out)


def input_lines(repo: Path, tree: str, entry: str) -> str:
    lines = [*git(repo, "ls-tree", tree).splitlines(), entry]
    return mktree(repo, lines)


def mktree(repo: Path, lines: list[str]) -> str:
    done = subprocess.run(
        ["git", "mktree"],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
