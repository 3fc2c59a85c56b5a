"""The publisher's whole path, as site_src/submit.md tells it, in one real git repository:
key → registration → operator admission on main → record from an image → sign → validate →
commit on a PR branch → check-pr passes (and CI's annotations for a broken one)."""

from __future__ import annotations

import json
from pathlib import Path

from imageledger.core.keys import format_private_key
from imageledger.demo import keys as demo_keys
from imageledger.demo.images import sample_dir
from pr_helpers import Cli, git, init_repo


def commit(repo: Path, message: str) -> None:
    """As submit.md says: add only your folder (validate may leave a cache in the repo)."""
    git(repo, "add", "ledger/publishers/newco")
    git(repo, "commit", "-q", "-m", message)


def test_from_keygen_to_a_passing_check_pr(tmp_path: Path, cli: Cli) -> None:
    repo = init_repo(tmp_path / "ledger-repo")
    at = ("--repo", str(repo))
    secrets = tmp_path / "secrets"
    operator_key = secrets / "operator.key"
    operator_key.parent.mkdir()
    operator_key.write_text(format_private_key(demo_keys.operator()) + "\n")

    # 1. make a key (outside the repository)
    key = secrets / "newco.key"
    run = cli("keygen", "--name", "newco.example/ledger-2026", "--out", str(key))
    assert run.code == 0
    verifier = run.out.strip()

    # 2. get admitted: the publisher's registration PR, signed by the operator, merged
    git(repo, "checkout", "-q", "-b", "newco/admission")
    run = cli(
        *at,
        "publisher",
        "new",
        "newco",
        "--name",
        "NewCo Ltd.",
        "--domain",
        "newco.example",
        "--key",
        verifier,
        "--proof",
        str(key),
    )
    assert run.code == 0, run.err
    commit(repo, "newco: registration")
    run = cli(*at, "check-pr", "--base", "main", "--format", "github")
    assert run.code == 1
    assert "title=registration-unadmitted" in run.out  # not yet signed by the operator
    assert cli(*at, "publisher", "admit", "newco", "--key", str(operator_key)).code == 0
    commit(repo, "operator: admit newco")
    assert cli(*at, "check-pr", "--base", "main").code == 0
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "newco/admission")

    # 3. draft a record from an image, fill in what only the publisher knows, sign
    draft = tmp_path / "draft.yaml"
    image = sample_dir() / "brick.png"
    run = cli(
        "record",
        "new",
        "disclosure",
        "--image",
        str(image),
        "--publisher",
        "newco",
        "-o",
        str(draft),
    )
    assert run.code == 0
    draft.write_text(
        draft.read_text().replace(
            "copyright_owner: <legal name of the copyright owner>", "copyright_owner: NewCo Ltd."
        )
    )
    git(repo, "checkout", "-q", "-b", "newco/records")
    run = cli(*at, "record", "sign", str(draft), "--key", str(key))
    assert run.code == 0, run.out + run.err
    record = "ledger/publishers/newco/records/000001.yaml"
    assert record in run.out

    # 4. validate locally, as CI will
    run = cli(*at, "validate", "--json", str(repo / record))
    assert json.loads(run.out) == {"ok": True, "findings": []}

    # 5. commit on the PR branch; the admission check passes
    commit(repo, "newco: first disclosure")
    run = cli(*at, "check-pr", "--base", "main", "--format", "github")
    assert run.code == 0, run.out
    assert run.out.startswith("ok: 1 record(s) of newco")

    # 6. reading a failing CI result: an annotation on the file and line
    path = repo / record
    path.write_text(path.read_text().replace("seq: 1", "seq: 2"))
    commit(repo, "oops")
    run = cli(*at, "check-pr", "--base", "main", "--format", "github")
    assert run.code == 1
    first = run.out.splitlines()[0]
    assert first.startswith(f"::error file={record},line=")
    assert "title=record-seq-mismatch::" in first
