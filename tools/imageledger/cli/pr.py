"""``check-pr`` (CI's admission check) and ``operator sign-config``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from imageledger.cli import EXIT_FAILED, EXIT_OK, cli, echo_report
from imageledger.core.keys import parse_private_key
from imageledger.errors import Finding
from imageledger.storage.files import read_bounded, write_atomic


def _repo_option() -> Path:
    repo = click.get_current_context().find_root().params.get("repo")
    return Path(repo) if repo is not None else Path.cwd()


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(finding: Finding) -> str:
    """One GitHub workflow command, shown on the PR's diff at the file and line."""
    level = "error" if finding.severity.value == "error" else "warning"
    props = []
    if finding.location.path:
        props.append(f"file={_escape_property(finding.location.path)}")
    if finding.location.line is not None:
        props.append(f"line={finding.location.line}")
    props.append(f"title={_escape_property(finding.code)}")
    message = finding.message + (f" ({finding.hint})" if finding.hint else "")
    if finding.location.field:
        message = f"{finding.location.field}: {message}"
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


@cli.command("check-pr")
@click.option("--base", required=True, help="The branch the PR goes into, e.g. origin/main.")
@click.option("--head", default="HEAD", show_default=True, help="The PR's commit.")
@click.option(
    "--publisher",
    help="The submitting publisher (default: the one whose folder the PR adds most to).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
)
def check_pr(base: str, head: str, publisher: str | None, fmt: str) -> int:
    """Check a pull request: only additions under one publisher's own folder, each record
    valid, signed by a key valid at the merge-base and continuing the chain.

    Reads git objects (merge-base(BASE, HEAD)..HEAD), never the working tree.
    """
    from imageledger.prcheck import check_pr as run
    from imageledger.storage.gitrepo import GitRepo

    repo = GitRepo(_repo_option())
    try:
        result = run(repo, base, head, publisher=publisher)
    finally:
        repo.close()
    summary = (
        f"{result.records} record(s) of {result.publisher or 'no publisher'}, "
        f"merge-base {result.merge_base[:12]}"
    )
    report = result.report
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    elif fmt == "github":
        for finding in report:
            click.echo(github_annotation(finding))
        verdict = "ok" if report else f"failed: {len(report.errors)} error(s)"
        click.echo(f"{verdict}: {summary}")
    else:
        return echo_report(report, as_json=False, summary=summary)
    return EXIT_OK if report else EXIT_FAILED


@cli.group()
def operator() -> None:
    """Operator tasks that need the operator key."""


@operator.command("sign-config")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The operator's private key file (a key listed in ledger.yaml on the base branch).",
)
def sign_config(key_file: Path) -> int:
    """Sign ledger/ledger.yaml as it is now into ledger/ledger.yaml.sig (a signed note)."""
    from imageledger.prcheck import CONFIG, CONFIG_SIG
    from imageledger.prcheck import sign_config as sign
    from imageledger.storage.layout import find_repo

    repo = find_repo(_repo_option())
    key = parse_private_key(read_bounded(key_file, 4096).decode("utf-8", "replace"))
    config = read_bounded(repo / CONFIG)
    write_atomic(repo / CONFIG_SIG, sign(config, key))
    click.echo(f"wrote {CONFIG_SIG}, signed by {key.verifier.ref}")
    return EXIT_OK
