"""``check-pr`` acceptance scenarios on real git repositories: a base branch with the demo
ledger, a PR branch per case; each asserts the exit code and the exact findings (code, file)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from imageledger.core.keys import demo_key, format_verifier_key, generate_key
from imageledger.core.schemas import schema_id
from imageledger.demo import keys as demo_keys
from imageledger.prcheck import CONFIG, CONFIG_SIG, sign_config
from pr_helpers import (
    Cli,
    add_record,
    commit_all,
    current_key,
    git,
    init_repo,
    mktree,
    rel,
    replace_tree_entry,
)

NW = "ledger/publishers/northwind/records"


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_repo(tmp_path_factory.mktemp("template") / "repo")


@pytest.fixture
def repo(template_repo: Path, tmp_path: Path) -> Path:
    """A fresh copy of the base repository, on a new branch ``pr``."""
    dest = tmp_path / "repo"
    shutil.copytree(template_repo, dest, symlinks=True)
    git(dest, "checkout", "-q", "-b", "pr")
    return dest


Check = Callable[..., tuple[int, list[tuple[str, str]]]]


@pytest.fixture
def check(cli: Cli) -> Check:
    def run(repo: Path, head: str = "pr", base: str = "main") -> tuple[int, list[tuple[str, str]]]:
        result = cli(
            "--repo", str(repo), "check-pr", "--base", base, "--head", head, "--format", "json"
        )
        report = json.loads(result.out)
        assert report["ok"] == (result.code == 0)
        errors = [(f["code"], f["path"]) for f in report["findings"] if f["severity"] == "error"]
        return result.code, errors

    return run


@pytest.mark.parametrize(
    "publisher",
    ["northwind", "harbourlight", "emberforge"],
    ids=["after-rotation", "after-revocation", "after-operator-recovery"],
)
def test_valid_single_record(repo: Path, check: Check, publisher: str) -> None:
    add_record(repo, publisher)
    commit_all(repo, f"{publisher}: one more")
    assert check(repo) == (0, [])


def test_valid_fifty_records(repo: Path, check: Check) -> None:
    for _ in range(50):
        add_record(repo, "harbourlight")
    commit_all(repo, "harbourlight/20..69")
    assert check(repo) == (0, [])


def test_key_rotation_then_records_signed_with_the_new_key(repo: Path, check: Check) -> None:
    new = demo_key("northwind.example/ledger-2027-DEMO")
    old = current_key("northwind")
    rotation = {
        "schema": schema_id("key-rotation"),
        "publisher": "northwind",
        "new_key": format_verifier_key(new.verifier),
        "retire": [old.verifier.ref],
        "reason": "Yearly rotation.",
    }
    add_record(repo, "northwind", body=rotation, key=old)
    add_record(repo, "northwind", key=new)
    add_record(repo, "northwind", key=new)
    commit_all(repo, "rotate, then sign with the new key")
    assert check(repo) == (0, [])
    # the retired key may no longer sign after the rotation
    path = add_record(repo, "northwind", key=old)
    commit_all(repo, "retired key")
    assert check(repo) == (1, [("signature-key-retired", rel(repo, path))])


def test_modify_an_old_record(repo: Path, check: Check) -> None:
    path = repo / NW / "000005.yaml"
    path.write_text(path.read_text().replace("prev:", "description: Edited.\nprev:", 1))
    commit_all(repo, "edit")
    assert check(repo) == (1, [("pr-modify", f"{NW}/000005.yaml")])


def test_delete_a_record(repo: Path, check: Check) -> None:
    git(repo, "rm", "-q", f"{NW}/000005.yaml")
    commit_all(repo, "delete")
    assert check(repo) == (1, [("pr-delete", f"{NW}/000005.yaml")])


def test_rename_a_record(repo: Path, check: Check) -> None:
    git(repo, "mv", f"{NW}/000023.yaml", f"{NW}/000024.yaml")
    commit_all(repo, "rename")
    assert check(repo) == (1, [("pr-rename", f"{NW}/000024.yaml")])


def test_file_in_another_publishers_folder(repo: Path, check: Check) -> None:
    add_record(repo, "northwind")
    add_record(repo, "northwind")
    other = add_record(repo, "emberforge", key=current_key("northwind"))
    commit_all(repo, "also into emberforge")
    assert check(repo) == (1, [("pr-other-publisher", rel(repo, other))])


def test_record_signed_by_another_publishers_key(repo: Path, check: Check) -> None:
    path = add_record(repo, "northwind", key=current_key("emberforge"))
    commit_all(repo, "wrong key")
    assert check(repo) == (1, [("signature-unknown-key", rel(repo, path))])


def test_record_signed_by_a_revoked_key(repo: Path, check: Check) -> None:
    # harbourlight's primary key was revoked at harbourlight/8 (compromised 2026-04-01)
    path = add_record(repo, "harbourlight", key=demo_keys.publisher("harbourlight", 0))
    commit_all(repo, "revoked key")
    assert check(repo) == (1, [("signature-key-revoked", rel(repo, path))])


def test_seq_gap(repo: Path, check: Check) -> None:
    path = add_record(repo, "northwind", seq=25)
    commit_all(repo, "gap")
    assert check(repo) == (1, [("chain-gap", rel(repo, path))])


def test_two_prs_taking_the_same_seq(repo: Path, check: Check) -> None:
    first = add_record(repo, "northwind")
    commit_all(repo, "first PR: northwind/24")
    git(repo, "checkout", "-q", "-b", "second", "main")
    body = {**json.loads(json.dumps(_draft(repo))), "description": "Another image."}
    second = add_record(repo, "northwind", body=body)
    commit_all(repo, "second PR: northwind/24 too")
    assert check(repo, head="pr") == (0, [])
    assert check(repo, head="second") == (0, [])  # each is fine on its own
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "pr")  # the first is merged
    # the second is rebased: git reports an add/add conflict, resolved by keeping its file
    git(repo, "checkout", "-q", "second")
    assert "CONFLICT" in git(repo, "rebase", "main", check=False)
    git(repo, "checkout", "--theirs", "--", rel(repo, second))
    git(repo, "add", rel(repo, second))
    git(repo, "-c", "core.editor=true", "rebase", "--continue")
    assert first == second
    assert check(repo, head="second") == (1, [("pr-modify", rel(repo, second))])


def _draft(repo: Path) -> dict[str, object]:
    from pr_helpers import draft

    return draft(repo, "northwind")


def test_ledger_yaml_edited_without_the_operator_signature(repo: Path, check: Check) -> None:
    config = repo / CONFIG
    text = config.read_text()
    name = next(line for line in text.splitlines() if line.startswith("name: "))
    config.write_text(text.replace(name, "name: Image Disclosure Ledger (renamed)"))
    commit_all(repo, "rename the ledger")
    assert check(repo) == (1, [("config-unsigned", CONFIG)])
    # signed by a key that only claims the operator's name
    impostor = generate_key(demo_keys.OPERATOR, os.urandom(32))
    (repo / CONFIG_SIG).write_bytes(sign_config(config.read_bytes(), impostor))
    commit_all(repo, "signed by an impostor")
    assert check(repo) == (1, [("config-signature-invalid", CONFIG_SIG)])
    # the operator's signature over exactly these bytes admits it
    (repo / CONFIG_SIG).write_bytes(sign_config(config.read_bytes(), demo_keys.operator()))
    commit_all(repo, "signed by the operator")
    assert check(repo) == (0, [])


def test_forged_publisher_registration(repo: Path, check: Check) -> None:
    from imageledger import authoring

    key = demo_key("newco.example/ledger-DEMO")
    data = authoring.registration(
        "newco",
        name="NewCo Ltd.",
        domain="newco.example",
        contact="mailto:ledger@newco.example",
        keys=[format_verifier_key(key.verifier)],
        admitted_at="2026-11-27T00:00:00Z",
    )
    impostor = generate_key(demo_keys.OPERATOR, os.urandom(32))
    path = repo / "ledger/publishers/newco/publisher.yaml"
    path.parent.mkdir(parents=True)
    path.write_bytes(authoring.render(authoring.sign_registration(data, impostor, key)))
    commit_all(repo, "forged admission")
    assert check(repo) == (1, [("registration-unadmitted", rel(repo, path))])
    # the same registration admitted by the real operator key, with a first record
    path.write_bytes(authoring.render(authoring.sign_registration(data, demo_keys.operator(), key)))
    body = {**_draft(repo), "publisher": "newco"}
    body.pop("subjects", None)
    first = add_record(repo, "newco", key=key, body=body)
    commit_all(repo, "admitted by the operator")
    assert rel(repo, first).endswith("newco/records/000001.yaml")
    assert check(repo) == (0, [])


def test_symlink_pointing_outside_the_repository(repo: Path, check: Check) -> None:
    link = repo / NW / "000024.yaml"
    os.symlink("/etc/passwd", link)
    commit_all(repo, "symlink")
    assert check(repo) == (1, [("pr-symlink", rel(repo, link))])


def test_fifty_megabyte_file_is_refused_unread(repo: Path, check: Check) -> None:
    big = repo / NW / "000024.yaml"
    with big.open("wb") as handle:
        handle.write(b"a: b\n" * (10 * 1024 * 1024))
    commit_all(repo, "50 MB")
    started = time.perf_counter()
    assert check(repo) == (1, [("file-too-large", rel(repo, big))])
    assert time.perf_counter() - started < 2


def test_path_traversal_name(repo: Path, check: Check) -> None:
    blob = git(repo, "hash-object", "-w", f"{NW}/000023.yaml").strip()
    evil = mktree(repo, [f"100644 blob {blob}\t000001.yaml"])
    tree = replace_tree_entry(
        repo, git(repo, "rev-parse", "HEAD^{tree}").strip(), NW, f"040000 tree {evil}\t.."
    )
    commit = git(repo, "commit-tree", tree, "-p", "HEAD", "-m", "dot-dot").strip()
    git(repo, "update-ref", "refs/heads/pr", commit)
    assert check(repo) == (1, [("pr-path-traversal", f"{NW}/../000001.yaml")])


def test_backslash_path_name(repo: Path, check: Check) -> None:
    name = repo / NW / "..\\..\\..\\emberforge\\records\\000018.yaml"
    name.write_bytes((repo / NW / "000023.yaml").read_bytes())
    commit_all(repo, "windows traversal")
    assert check(repo) == (1, [("pr-path-traversal", rel(repo, name))])


def test_merge_commit_that_hides_a_deletion(repo: Path, check: Check) -> None:
    git(repo, "rm", "-q", f"{NW}/000005.yaml")
    commit_all(repo, "tidy up")
    add_record(repo, "northwind")
    commit_all(repo, "northwind/24")
    git(repo, "checkout", "-q", "main")
    add_record(repo, "harbourlight")
    commit_all(repo, "meanwhile on main: harbourlight/20")
    git(repo, "checkout", "-q", "pr")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'main' into pr", "main")
    last_commit = git(repo, "diff", "--name-status", "HEAD^1", "HEAD")
    assert "000005" not in last_commit  # the last commit shows only main's record
    assert check(repo) == (1, [("pr-delete", f"{NW}/000005.yaml")])


def test_code_only_pr_passes_with_a_review_warning(repo: Path, cli: Cli) -> None:
    (repo / "README.md").write_text("A better ledger.\n")
    commit_all(repo, "docs")
    run = cli(
        "--repo", str(repo), "check-pr", "--base", "main", "--head", "pr", "--format", "github"
    )
    assert run.code == 0
    assert run.out.startswith("::warning file=README.md,title=pr-needs-operator-review::")


def test_records_with_code_changes_are_refused(repo: Path, check: Check) -> None:
    add_record(repo, "northwind")
    (repo / "README.md").write_text("Sneaky.\n")
    commit_all(repo, "record and code")
    assert check(repo) == (1, [("pr-mixed", "README.md")])


def test_log_state_changes_are_refused(repo: Path, check: Check) -> None:
    (repo / "ledger/log").mkdir(exist_ok=True)
    (repo / "ledger/log/forged").write_text("size 999\n")
    commit_all(repo, "log")
    assert check(repo) == (1, [("pr-log-change", "ledger/log/forged")])


def test_executable_and_mode_changes_are_refused(repo: Path, check: Check) -> None:
    path = add_record(repo, "northwind")
    path.chmod(0o755)
    (repo / NW / "000001.yaml").chmod(0o755)
    commit_all(repo, "modes")
    assert sorted(check(repo)[1]) == [
        ("pr-mode", rel(repo, path)),
        ("pr-mode-change", f"{NW}/000001.yaml"),
    ]


def test_submodule_is_refused(repo: Path, check: Check) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},{NW}/000024.yaml")
    git(repo, "commit", "-q", "-m", "submodule")
    assert check(repo) == (1, [("pr-submodule", f"{NW}/000024.yaml")])


def test_unregistered_publisher(repo: Path, check: Check) -> None:
    body = {**_draft(repo), "publisher": "ghost"}
    path = add_record_raw(repo, "ghost", body)
    commit_all(repo, "ghost")
    assert check(repo) == (1, [("publisher-unknown", rel(repo, path))])


def add_record_raw(repo: Path, publisher: str, body: dict[str, object]) -> Path:
    from imageledger import authoring

    signed = authoring.seal(
        body,
        publisher=publisher,
        seq=1,
        prev="sha256:" + "0" * 64,
        recorded_at="2026-11-27T00:00:00Z",
        key=current_key("northwind"),
    )
    path = repo / f"ledger/publishers/{publisher}/records/000001.yaml"
    path.parent.mkdir(parents=True)
    path.write_bytes(authoring.render(signed))
    return path


def test_reference_to_a_later_record_is_refused(repo: Path, check: Check) -> None:
    body = {
        "schema": schema_id("retraction"),
        "publisher": "northwind",
        "ref": "northwind/99",
        "reason": "Taken down.",
        "effective_at": "2026-11-27T00:00:00Z",
    }
    path = add_record(repo, "northwind", body=body)
    commit_all(repo, "bad ref")
    assert check(repo) == (1, [("ref-missing", rel(repo, path))])


def test_later_records_are_reported_unchecked_after_a_break(repo: Path, check: Check) -> None:
    bad = add_record(repo, "northwind", key=current_key("emberforge"))
    later = add_record(repo, "northwind")
    commit_all(repo, "broken, then more")
    assert check(repo) == (
        1,
        [("signature-unknown-key", rel(repo, bad)), ("chain-unchecked", rel(repo, later))],
    )


def test_unknown_base_is_a_usage_error(repo: Path, cli: Cli) -> None:
    run = cli("--repo", str(repo), "check-pr", "--base", "origin/nope")
    assert run.code == 2
    assert "[git-ref-unknown]" in run.err


def test_text_report_names_file_line_and_code(repo: Path, cli: Cli) -> None:
    path = add_record(repo, "northwind", key=current_key("emberforge"))
    commit_all(repo, "wrong key")
    run = cli("--repo", str(repo), "check-pr", "--base", "main", "--head", "pr")
    assert run.code == 1
    first = run.out.splitlines()[0]
    assert first.startswith(f"{rel(repo, path)}:")
    assert "error [signature-unknown-key]" in first
    assert run.out.splitlines()[-1].startswith("failed: 1 error(s)")
