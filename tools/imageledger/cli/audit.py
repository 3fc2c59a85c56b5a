"""``audit``: the compliance rules over the local ledger."""

from __future__ import annotations

import json

import click

from imageledger.cli import EXIT_FAILED, EXIT_OK, Context, cli, now
from imageledger.core.records import parse_time
from imageledger.errors import RecordError, UsageError
from imageledger.storage.layout import Layout


@cli.command("audit")
@click.option("--as-of", "as_of", help="Audit the ledger as it stood then (default: now, UTC).")
@click.option("--publisher", "publishers", multiple=True, help="Only this publisher (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@click.option("--workers", type=int, default=1, help="Processes reading the records.")
@click.option("--rules", "list_rules", is_flag=True, help="List the rules and exit.")
@click.pass_obj
def audit_command(
    obj: Context,
    as_of: str | None,
    publishers: tuple[str, ...],
    as_json: bool,
    workers: int,
    list_rules: bool,
) -> int:
    """Check disclosures against consents, labelling laws, licences and the ledger's policy.

    Exit 1 when a finding has error severity (ledger.yaml policy.severity can change a
    rule's severity, or mute it with ``off``).
    """
    from imageledger.audit import RULES, Policy, audit
    from imageledger.storage.layout import load_config
    from imageledger.storage.ledger_records import read_records

    if list_rules:
        for rule in RULES:
            click.echo(f"{rule.code:32} {rule.severity:8} {rule.title}")
            if rule.citation:
                click.echo(f"{'':42}{rule.citation}")
        return EXIT_OK
    at = as_of or now()
    try:
        parse_time(at, "--as-of")
    except RecordError as e:
        raise UsageError(
            f"--as-of {at!r} is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)", code="usage-time"
        ) from e
    layout = Layout(obj.repo)
    policy = Policy.from_config(load_config(layout).data)
    known = set(layout.publisher_ids())
    for publisher in publishers:
        if publisher not in known:
            raise UsageError(f"no publisher {publisher!r} in this ledger", code="usage-publisher")
    records = read_records(layout, publishers or None, workers=workers)
    report = audit(records, as_of=at, policy=policy, publishers=publishers or None)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        colours = {"error": "red", "warning": "yellow", "info": None}
        for finding in report:
            click.secho(finding.diagnostics(), fg=colours[finding.severity])
        counts = report.counts()
        summary = (
            f"{len(records)} files as of {at}: {counts['error']} error(s), "
            f"{counts['warning']} warning(s), {counts['info']} info"
        )
        click.secho(("ok: " if report else "failed: ") + summary, fg="green" if report else "red")
    return EXIT_OK if report else EXIT_FAILED
