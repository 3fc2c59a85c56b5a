"""The log commands end to end on a copy of the demo ledger: integrate, tiles, prove,
check-proof, verify (clone, folder, loopback HTTP), witness cosign, checkpoint verify."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from imageledger.core.keys import format_verifier_key
from imageledger.demo import keys as demo_keys
from imageledger.log import merkle
from imageledger.log.checkpoint import format_cosigner_key
from imageledger.log.fetch import LogSource
from imageledger.log.hashstore import MemoryHashStore, prove_consistency, prove_inclusion
from imageledger.log.store import DirLogFiles, iter_order, load_state
from imageledger.log.tiles import TileHashReader
from log_cli import logtools
from log_cli.logtools import (
    CLI,
    LOG_TIME,
    ROOT,
    hide_last,
    put_back,
    snapshot,
)

# Fixtures shared by the log tests (a second conftest.py would shadow the root one).
operator_key = logtools.operator_key
witness_key = logtools.witness_key
serve = logtools.serve

OPERATOR = format_verifier_key(demo_keys.operator().verifier)


def test_integrating_the_demo_again_changes_nothing(
    ledger_copy: Path, operator_key: Path, cli: CLI
) -> None:
    before = snapshot(ledger_copy)
    run = cli("--repo", str(ledger_copy), "log", "integrate", "--key", str(operator_key))
    assert run.code == 0
    assert "nothing new" in run.out
    assert snapshot(ledger_copy) == before


def test_integrating_from_scratch_reproduces_the_committed_log(
    ledger_copy: Path, operator_key: Path, cli: CLI
) -> None:
    witnesses = ledger_copy / "ledger/log/witnesses"
    for name in ("state", "order", "checkpoints"):
        target = ledger_copy / "ledger/log" / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    args = ("--repo", str(ledger_copy), "log", "integrate", "--key", str(operator_key))
    run = cli(*args, "--time", LOG_TIME)
    assert run.code == 0
    assert "integrated 87 entries" in run.out
    assert snapshot(ledger_copy / "ledger/log") == snapshot(ROOT / "ledger/log")
    assert witnesses.is_dir()


def test_incremental_integration_proves_consistency_and_verifies(
    ledger_copy: Path, operator_key: Path, tmp_path: Path, cli: CLI
) -> None:
    repo = str(ledger_copy)
    shutil.rmtree(ledger_copy / "ledger/log")
    hide_last(ledger_copy, "northwind", 3, tmp_path / "hidden")
    args = ("--repo", repo, "log", "integrate", "--key", str(operator_key))
    assert cli(*args, "--time", "2026-11-11T00:00:00Z").code == 0
    pending = cli("--repo", repo, "verify", "--json")
    report = json.loads(pending.out)
    assert pending.code == 0
    assert report["size"] == 84
    put_back(ledger_copy, "northwind", tmp_path / "hidden")
    report = json.loads(cli("--repo", repo, "verify", "--json").out)
    assert [f["code"] for f in report["findings"]] == ["log-pending", "log-quorum-unmet"]
    assert cli(*args, "--time", LOG_TIME).code == 0
    log = ledger_copy / "ledger/log/checkpoints"
    assert sorted(p.name for p in log.iterdir()) == ["84", "87", "87.consistency"]
    run = cli("--repo", repo, "verify")
    assert run.code == 0, run.out
    assert "size 87" in run.out


def test_integrate_refuses_a_non_operator_key_and_a_bad_state(
    ledger_copy: Path, witness_key: Path, operator_key: Path, cli: CLI
) -> None:
    before = snapshot(ledger_copy)
    run = cli("--repo", str(ledger_copy), "log", "integrate", "--key", str(witness_key))
    assert run.code == 1
    assert "[log-key-not-operator]" in run.err
    assert len(run.err.strip().splitlines()) == 1
    state = ledger_copy / "ledger/log/state"
    lines = state.read_text().splitlines()
    edge = next(i for i, line in enumerate(lines) if line.startswith("edge "))
    lines[edge] = "edge " + merkle.encode_hash(b"\x01" * 32)
    state.write_text("\n".join(lines) + "\n")
    before = snapshot(ledger_copy)
    run = cli("--repo", str(ledger_copy), "log", "integrate", "--key", str(operator_key))
    assert run.code == 1
    assert "[log-state-mismatch]" in run.err
    assert snapshot(ledger_copy) == before


def test_tiles_round_trip_equals_in_memory_proofs(
    ledger_copy: Path, operator_key: Path, tmp_path: Path, cli: CLI
) -> None:
    out = tmp_path / "site/log"
    assert cli("--repo", str(ledger_copy), "log", "tiles", "--out", str(out)).code == 0
    files = DirLogFiles(ledger_copy / "ledger/log")
    size = load_state(files).size
    leaves = [o.leaf for o in iter_order(files, size)]
    memory = MemoryHashStore.from_leaf_hashes(leaves)
    tiles = TileHashReader(size, LogSource(out).tile)
    for index in range(size):
        assert prove_inclusion(size, index, tiles) == prove_inclusion(size, index, memory)
    for old in range(size + 1):
        assert prove_consistency(old, size, tiles) == prove_consistency(old, size, memory)
    assert (out / "checkpoint").read_bytes().count(b"\n\xe2\x80\x94 ") == 2  # operator + witness


def _published_without_five(
    ledger_copy: Path, operator_key: Path, tmp_path: Path, cli: CLI
) -> tuple[tuple[str, ...], Path]:
    """A log of the demo without emberforge's last 5 records (82 entries), its tiles
    published under ``tmp_path/site/log``; returns the integrate command and that folder."""
    repo = str(ledger_copy)
    shutil.rmtree(ledger_copy / "ledger/log")
    hide_last(ledger_copy, "emberforge", 5, tmp_path / "hidden")
    integrate = ("--repo", repo, "log", "integrate", "--key", str(operator_key))
    assert cli(*integrate, "--time", "2026-11-11T00:00:00Z").code == 0
    out = tmp_path / "site/log"
    assert cli("--repo", repo, "log", "tiles", "--out", str(out)).code == 0
    return integrate, out


def test_tiles_extend_incrementally_to_what_a_fresh_build_writes(
    ledger_copy: Path, operator_key: Path, tmp_path: Path, cli: CLI
) -> None:
    repo = str(ledger_copy)
    integrate, out = _published_without_five(ledger_copy, operator_key, tmp_path, cli)
    put_back(ledger_copy, "emberforge", tmp_path / "hidden")
    assert cli(*integrate, "--time", LOG_TIME).code == 0
    run = cli("--repo", repo, "log", "tiles", "--out", str(out))
    assert run.code == 0
    assert "from size 82" in run.out
    fresh = tmp_path / "fresh/log"
    assert cli("--repo", repo, "log", "tiles", "--out", str(fresh)).code == 0
    grown = {k: v for k, v in snapshot(out).items() if ".p/82" not in k}
    assert grown == snapshot(fresh)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    again = cli("--repo", repo, "log", "tiles", "--out", str(out))
    assert again.code == 0
    assert "0 files written" in again.out
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_tiles_refuse_a_log_rewritten_under_the_published_tiles(
    ledger_copy: Path, operator_key: Path, tmp_path: Path, cli: CLI
) -> None:
    repo = str(ledger_copy)
    integrate, out = _published_without_five(ledger_copy, operator_key, tmp_path, cli)
    published = snapshot(out)
    # The operator rewrites its log (the same records, another order) and signs it anew:
    # the published tiles' last, partial tile no longer holds the log's first leaves.
    put_back(ledger_copy, "emberforge", tmp_path / "hidden")
    shutil.rmtree(ledger_copy / "ledger/log")
    hide_last(ledger_copy, "northwind", 5, tmp_path / "hidden2")
    assert cli(*integrate, "--time", "2026-11-11T00:00:00Z").code == 0
    put_back(ledger_copy, "northwind", tmp_path / "hidden2")
    assert cli(*integrate, "--time", LOG_TIME).code == 0
    run = cli("--repo", repo, "log", "tiles", "--out", str(out))
    assert run.code != 0
    assert "[tiles-inconsistent]" in run.err
    assert snapshot(out) == published


def test_prove_and_check_proof(ledger_copy: Path, tmp_path: Path, cli: CLI) -> None:
    repo = str(ledger_copy)
    record = ledger_copy / "ledger/publishers/harbourlight/records/000004.yaml"
    proof = tmp_path / "proof"
    assert cli("--repo", repo, "log", "prove", "harbourlight/4", "-o", str(proof)).code == 0
    assert proof.read_text().startswith("c2sp.org/tlog-proof@v1\nindex ")
    run = cli("--repo", repo, "log", "check-proof", str(proof), "--record", str(record))
    assert run.code == 0
    assert "ok:" in run.out
    registration = ledger_copy / "ledger/publishers/harbourlight/publisher.yaml"
    run = cli("--repo", repo, "log", "check-proof", str(proof), "--record", str(registration))
    assert run.code == 1
    assert "[proof-invalid]" in run.err
    elsewhere = shutil.copy(record, tmp_path / "record.yaml")
    run = cli("log", "check-proof", str(proof), "--record", str(elsewhere), "--key", OPERATOR)
    assert run.code == 0
    stranger = format_verifier_key(demo_keys.publisher("northwind").verifier)
    run = cli("log", "check-proof", str(proof), "--record", str(elsewhere), "--key", stranger)
    assert run.code == 1
    assert len(run.err.strip().splitlines()) == 1
    run = cli("--repo", repo, "log", "prove", "harbourlight/99")
    assert run.code == 1
    assert "[log-ref-missing]" in run.err


def test_verify_repo_and_site_pass_on_the_demo(
    ledger_copy: Path, tmp_path: Path, cli: CLI, serve: Callable[[Path], str]
) -> None:
    repo = str(ledger_copy)
    run = cli("--repo", repo, "verify")
    assert run.code == 0
    assert "witnesses 1/1 (quorum met)" in run.out
    assert cli("verify", "--repo", repo).out == run.out  # as the issue spells it
    site = tmp_path / "site"
    assert cli("--repo", repo, "log", "tiles", "--out", str(site / "log")).code == 0
    run = cli("verify", "--site", str(site), "--operator-key", OPERATOR, "--workers", "2")
    assert run.code == 0
    assert "87 entries checked (signatures, chains, shapes; --records checks every" in run.out
    run = cli("verify", "--site", str(site), "--operator-key", OPERATOR, "--records", "--json")
    assert run.code == 0
    assert json.loads(run.out)["records_checked"] is True
    url = serve(site)
    state = tmp_path / "audit"
    run = cli("verify", "--site", url, "--state", str(state), "--json")
    report = json.loads(run.out)
    assert run.code == 0
    assert report["witnessed"]
    assert report["size"] == 87
    assert report["records_checked"] is False
    assert [f["code"] for f in report["findings"]] == ["log-trust-on-first-use"]
    run = cli("verify", "--site", url, "--state", str(state), "--json")  # remembered now
    assert json.loads(run.out)["findings"] == []


def test_witness_cosigns_consistent_checkpoints_and_refuses_a_rollback(
    ledger_copy: Path, operator_key: Path, witness_key: Path, tmp_path: Path, cli: CLI
) -> None:
    repo = str(ledger_copy)
    memory = tmp_path / "witness-state"
    cosign = ("--repo", repo, "witness", "cosign", "--key", str(witness_key), "--state")
    run = cli(*cosign, str(memory), "--time", "2026-11-12T00:00:00Z")
    assert run.code == 0
    committed = ROOT / "ledger/log/witnesses/witness.demo.imageledger.example-DEMO/87"
    assert (ledger_copy / committed.relative_to(ROOT)).read_bytes() == committed.read_bytes()
    # A clone rolled back to an older, smaller log is refused.
    older = tmp_path / "older"
    shutil.copytree(ledger_copy / "ledger", older / "ledger")
    shutil.rmtree(older / "ledger/log")
    hide_last(older, "northwind", 2, tmp_path / "hidden")
    assert cli("--repo", str(older), "log", "integrate", "--key", str(operator_key)).code == 0
    run = cli(
        "--repo", str(older), "witness", "cosign", "--key", str(witness_key), "--state", str(memory)
    )
    assert run.code == 1
    assert "[log-rollback]" in run.err


def test_checkpoint_verify(tmp_path: Path, cli: CLI) -> None:
    checkpoint = ROOT / "ledger/log/checkpoints/87"
    run = cli("checkpoint", "verify", str(checkpoint), "--key", OPERATOR)
    assert run.code == 0
    assert "size 87" in run.out
    witness = format_cosigner_key(demo_keys.witness_cosigner())
    cosigned = tmp_path / "cosigned"
    cosignature = next((ROOT / "ledger/log/witnesses").rglob("87")).read_bytes()
    cosigned.write_bytes(checkpoint.read_bytes() + cosignature)
    run = cli("checkpoint", "verify", str(cosigned), "--key", OPERATOR, "--key", witness)
    assert run.code == 0
    assert "witness.demo" in run.out
    stranger = format_verifier_key(demo_keys.publisher("northwind").verifier)
    run = cli("checkpoint", "verify", str(checkpoint), "--key", stranger)
    assert run.code == 1
    assert "[note-unverified]" in run.err
    go = json.loads((ROOT / "tests/vectors/go-note-example.json").read_text())
    note = tmp_path / "go-note"
    note.write_text(go["text"] + "\n" + go["signature_line"] + "\n")
    run = cli("checkpoint", "verify", str(note), "--key", go["verifier_key"])
    assert run.code == 0
    assert "PeterNeumann" in run.out


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("log", "prove", "nonsense"), "[usage-ref]"),
        (("verify", "--site", "/nonexistent/site", "--operator-key", OPERATOR), "log-file-missing"),
        (("checkpoint", "verify", "README.md", "--key", OPERATOR), "[note-malformed]"),
        (("verify", "--repo", ".", "--site", "."), "[usage-source]"),
    ],
    ids=["bad-ref", "no-site", "not-a-note", "clone-and-site"],
)
def test_errors_are_one_line_with_a_stable_code(
    ledger_copy: Path, cli: CLI, args: tuple[str, ...], code: str
) -> None:
    run = cli("--repo", str(ledger_copy), *args)
    assert run.code in (1, 2)
    assert code in run.out + run.err


@pytest.mark.parametrize(
    "args",
    [
        ["log", "--help"],
        ["log", "integrate", "--help"],
        ["log", "tiles", "--help"],
        ["log", "prove", "--help"],
        ["log", "check-proof", "--help"],
        ["verify", "--help"],
        ["witness", "cosign", "--help"],
        ["checkpoint", "verify", "--help"],
    ],
    ids=lambda a: "-".join(a[:-1]),
)
def test_help(cli: CLI, args: list[str]) -> None:
    run = cli(*args)
    assert run.code == 0
    assert "Usage:" in run.out
