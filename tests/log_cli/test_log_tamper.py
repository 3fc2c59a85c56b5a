"""Tamper scenarios, each on a real git repository: the audit must fail loudly for each."""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import git
import pytest

from imageledger.core.keys import demo_key, format_verifier_key
from imageledger.demo import keys as demo_keys
from imageledger.log.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from imageledger.log.integrate import log_files
from imageledger.log.merkle import root
from imageledger.log.note import parse_note
from imageledger.log.store import iter_order
from imageledger.log.witness import memory_path
from imageledger.storage.layout import Layout
from log_cli import logtools
from log_cli.logtools import (
    CLI,
    LOG_TIME,
    ROOT,
    hide_last,
    put_back,
)

# Fixtures shared by the log tests (a second conftest.py would shadow the root one).
operator_key = logtools.operator_key
witness_key = logtools.witness_key
serve = logtools.serve

OPERATOR = format_verifier_key(demo_keys.operator().verifier)
ACTOR = git.Actor("Auditor Test", "auditor@example.invalid")


def commit(repo: git.Repo, message: str) -> git.Commit:
    repo.git.add(all=True)
    return repo.index.commit(message, author=ACTOR, committer=ACTOR)


@pytest.fixture
def clone(tmp_path: Path) -> git.Repo:
    """A git repository holding the demo ledger, committed."""
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "ledger", work / "ledger")
    repo = git.Repo.init(work)
    commit(repo, "demo ledger, integrated and witnessed")
    return repo


def codes(run: object) -> list[str]:
    return [f["code"] for f in json.loads(run.out)["findings"]]  # type: ignore[attr-defined]


def verify(cli: CLI, repo: git.Repo, *extra: str) -> object:
    return cli("--repo", str(repo.working_dir), "verify", "--json", *extra)


def test_an_edited_integrated_record_is_caught(clone: git.Repo, cli: CLI) -> None:
    path = Path(clone.working_dir) / "ledger/publishers/northwind/records/000005.yaml"
    text = path.read_text()
    path.write_text(text.replace('"2026-', '"2025-', 1))
    commit(clone, "quietly edit a record")
    run = verify(cli, clone)
    assert run.code == 1  # type: ignore[attr-defined]
    found = codes(run)
    assert "log-entry-changed" in found or "signature-invalid" in found, found


def test_a_deleted_record_is_caught(clone: git.Repo, cli: CLI) -> None:
    clone.index.remove(["ledger/publishers/harbourlight/records/000020.yaml"], working_tree=True)
    clone.index.commit("delete a record", author=ACTOR, committer=ACTOR)
    run = verify(cli, clone)
    assert run.code == 1  # type: ignore[attr-defined]
    assert "log-entry-missing" in codes(run)


def test_two_reordered_log_entries_are_caught(clone: git.Repo, cli: CLI) -> None:
    order = Path(clone.working_dir) / "ledger/log/order/000"
    lines = order.read_text().splitlines()
    a = next(i for i, line in enumerate(lines) if line.startswith("northwind/1 "))
    b = next(i for i, line in enumerate(lines) if line.startswith("harbourlight/1 "))
    lines[a], lines[b] = lines[b], lines[a]
    order.write_text("\n".join(lines) + "\n")
    commit(clone, "reorder two entries")
    run = verify(cli, clone)
    assert run.code == 1  # type: ignore[attr-defined]
    assert "log-state-mismatch" in codes(run) or "log-root-mismatch" in codes(run)


@pytest.mark.parametrize("honest", [True, False], ids=["extended", "forked"])
def test_a_remembered_size_no_checkpoint_has_is_checked_on_the_entries(
    clone: git.Repo, cli: CLI, tmp_path: Path, honest: bool
) -> None:
    files = log_files(Layout(Path(clone.working_dir)))
    origin = parse_checkpoint(parse_note(files.read("checkpoints/87") or b"").text).origin
    first = root(line.leaf for line in itertools.islice(iter_order(files, 87), 50))
    seen = Checkpoint(origin, 50, first if honest else bytes([first[0] ^ 1]) + first[1:])
    state = tmp_path / "audit-state"
    state.mkdir()
    memory = memory_path(state, origin)
    memory.write_bytes(sign_checkpoint(seen, demo_keys.operator()))
    run = verify(cli, clone, "--state", str(state))
    if honest:
        assert run.code == 0  # type: ignore[attr-defined]
        assert parse_checkpoint(parse_note(memory.read_bytes()).text).size == 87
    else:
        assert run.code == 1  # type: ignore[attr-defined]
        assert codes(run) == ["log-fork"]
        assert parse_checkpoint(parse_note(memory.read_bytes()).text).size == 50


def test_an_unreadable_audit_memory_is_one_error_and_is_kept(
    clone: git.Repo, cli: CLI, tmp_path: Path
) -> None:
    state = tmp_path / "audit-state"
    assert verify(cli, clone, "--state", str(state)).code == 0  # type: ignore[attr-defined]
    (memory,) = state.iterdir()
    memory.write_bytes(b"not a checkpoint\n")
    run = verify(cli, clone, "--state", str(state))
    assert run.code == 1  # type: ignore[attr-defined]
    findings = json.loads(run.out)["findings"]  # type: ignore[attr-defined]
    assert [f["code"] for f in findings] == ["note-malformed"]
    assert str(memory) in json.dumps(findings)
    assert memory.read_bytes() == b"not a checkpoint\n"


def test_rewritten_history_with_a_different_checkpoint_is_a_fork(
    clone: git.Repo, cli: CLI, operator_key: Path, tmp_path: Path
) -> None:
    work = Path(clone.working_dir)
    memory = tmp_path / "audit-state"
    assert verify(cli, clone, "--state", str(memory)).code == 0  # type: ignore[attr-defined]
    # The operator rewrites history: drops the checkpoint of 87 and signs a different tree
    # of the same size (the same entries, sequenced in another order).
    shutil.rmtree(work / "ledger/log")
    hide_last(work, "harbourlight", 4, tmp_path / "hidden")
    integrate = ("--repo", str(work), "log", "integrate", "--key", str(operator_key))
    assert cli(*integrate, "--time", "2026-11-11T00:00:00Z").code == 0
    put_back(work, "harbourlight", tmp_path / "hidden")
    assert cli(*integrate, "--time", LOG_TIME).code == 0
    # A new root commit replaces the published one: the old checkpoint is gone from history.
    clone.git.add(all=True)
    clone.index.commit("rewritten log", author=ACTOR, committer=ACTOR, parent_commits=[])
    assert len(list(clone.iter_commits())) == 1
    forged = (work / "ledger/log/checkpoints/87").read_bytes()
    assert forged != (ROOT / "ledger/log/checkpoints/87").read_bytes()
    assert verify(cli, clone).code == 0  # type: ignore[attr-defined]  # self-consistent alone
    run = verify(cli, clone, "--state", str(memory))
    assert run.code == 1  # type: ignore[attr-defined]
    assert "log-fork" in codes(run)
    evidence = "".join(json.loads(run.out)["evidence"])  # type: ignore[attr-defined]
    assert parse_note((ROOT / "ledger/log/checkpoints/87").read_bytes()).text in evidence
    assert parse_note(forged).text in evidence
    text = cli("--repo", str(work), "verify", "--state", str(memory))
    assert text.code == 1
    assert "evidence:" in text.err


@pytest.fixture
def site(clone: git.Repo, cli: CLI, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    assert (
        cli("--repo", str(clone.working_dir), "log", "tiles", "--out", str(out / "log")).code == 0
    )
    return out


def test_a_truncated_tile_is_caught(site: Path, cli: CLI) -> None:
    tile = site / "log/tile/0/000.p/87"
    tile.write_bytes(tile.read_bytes()[:-5])
    run = cli("verify", "--site", str(site), "--operator-key", OPERATOR)
    assert run.code == 1
    assert "[tile-mismatch]" in run.out


def test_a_truncated_entry_bundle_is_caught(site: Path, cli: CLI) -> None:
    bundle = site / "log/tile/entries/000.p/87"
    bundle.write_bytes(bundle.read_bytes()[:-5])
    run = cli("verify", "--site", str(site), "--operator-key", OPERATOR)
    assert run.code == 1
    assert "[bundle-malformed]" in run.out


@pytest.mark.parametrize("over_http", [False, True], ids=["folder", "http"])
def test_a_checkpoint_signed_by_an_unknown_key_only_is_refused(
    site: Path, cli: CLI, tmp_path: Path, serve: Callable[[Path], str], over_http: bool
) -> None:
    memory = tmp_path / "audit-state"
    assert cli("verify", "--site", str(site), "--state", str(memory)).code == 0
    stranger = demo_key("demo.imageledger.example/operator-DEMO-impostor")
    real = parse_checkpoint(parse_note((site / "log/checkpoint").read_bytes()).text)
    forged = Checkpoint(real.origin, real.size, real.root_hash)
    (site / "log/checkpoint").write_bytes(sign_checkpoint(forged, stranger))
    where = serve(site) if over_http else str(site)
    run = cli("verify", "--site", where, "--state", str(memory))
    assert run.code == 1
    assert "[note-unverified]" in run.out
    run = cli("verify", "--site", where, "--operator-key", OPERATOR)
    assert run.code == 1
    assert "[note-unverified]" in run.out
