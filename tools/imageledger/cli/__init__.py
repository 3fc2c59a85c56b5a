"""The ``imageledger`` command: the only place that prints, reads the environment or exits.

Exit codes: 0 ok, 1 a check failed, 2 usage error. Every ``LedgerError`` becomes one line.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

from imageledger.errors import LedgerError, Report, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class Context:
    def __init__(self, repo: Path | None) -> None:
        self._repo = repo

    @property
    def repo(self) -> Path:
        from imageledger.storage.layout import find_repo

        return self._repo.resolve() if self._repo else find_repo(Path.cwd())


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    help="The ledger repository (default: the nearest folder with ledger/ledger.yaml).",
)
@click.version_option(package_name="imageledger")
@click.pass_context
def cli(ctx: click.Context, repo: Path | None) -> None:
    """Image Disclosure Ledger: signed, hash-chained, transparency-logged image disclosures."""
    ctx.obj = Context(repo)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def echo_report(report: Report, *, as_json: bool, summary: str) -> int:
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for finding in report:
            color = "red" if finding.severity.value == "error" else "yellow"
            click.secho(finding.diagnostics(), fg=color, err=False)
        if report:
            click.secho(f"ok: {summary}", fg="green")
        else:
            click.secho(f"failed: {len(report.errors)} error(s); {summary}", fg="red")
    return EXIT_OK if report else EXIT_FAILED


def register() -> None:
    from imageledger.cli import (  # noqa: F401  (commands attach to ``cli``)
        audit,
        consent,
        images,
        keys,
        log,
        pr,
        records,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of exiting (the console script exits)."""
    register()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="imageledger", standalone_mode=False)
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_USAGE
    except click.ClickException as e:
        e.show()
        return EXIT_USAGE
    except UsageError as e:
        click.secho(e.diagnostics(), fg="red", err=True)
        return EXIT_USAGE
    except LedgerError as e:
        click.secho(e.diagnostics(), fg="red", err=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    return int(result) if isinstance(result, int) else EXIT_OK


@contextmanager
def progress(label: str, *, enabled: bool = True) -> Iterator[Callable[[int], None] | None]:
    """A transient progress bar on a terminal (``advance(n)``); ``None`` elsewhere."""
    if not enabled or not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda n: bar.advance(task, n)
