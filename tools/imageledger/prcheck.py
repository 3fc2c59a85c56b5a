"""The pull-request admission check (DESIGN §6, ADR 0007): what a PR may change.

The PR is the tree diff from the merge-base of base and head to head, read from git
objects, so nothing hides in a merge commit or the working tree. A publisher's PR may only
add files under its own folder (:mod:`imageledger.prrules`), each a record that continues
its chain, signed by a key valid at the merge-base plus the key events earlier in the PR
(:mod:`imageledger.prchain`). Operator changes to ``ledger.yaml`` carry a signed note.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from imageledger.core import limits, strict_yaml
from imageledger.core.keys import PrivateKey, VerifierKey, parse_verifier_key
from imageledger.errors import LedgerError, Location, Report, Severity
from imageledger.log.note import parse_note, sign_note, verify_note
from imageledger.prchain import ChainCheck
from imageledger.prrules import CONFIG, CONFIG_SIG, classify, finding, located
from imageledger.storage.gitrepo import Change, GitRepo

__all__ = ["CONFIG", "CONFIG_SIG", "PrCheck", "check_pr", "config_note_text", "sign_config"]

CONFIG_NOTE_HEADER = "imageledger/ledger-config/v1"
MAX_CONFIG_SIG_BYTES = 64 * 1024


@dataclass
class PrCheck:
    """What ``check_pr`` found, and about what."""

    report: Report = field(default_factory=Report)
    merge_base: str = ""
    publisher: str | None = None
    records: int = 0


def config_note_text(config: bytes) -> str:
    """The text the operator signs to authorise ``ledger.yaml`` with exactly these bytes."""
    return f"{CONFIG_NOTE_HEADER}\nsha256:{hashlib.sha256(config).hexdigest()}\n"


def sign_config(config: bytes, key: PrivateKey) -> bytes:
    """``ledger/ledger.yaml.sig``: a C2SP signed note over :func:`config_note_text`."""
    return sign_note(config_note_text(config), key)


def _operator_keys(config: bytes) -> dict[str, VerifierKey]:
    try:
        texts = strict_yaml.parse_canonical(config)["operator_keys"]
        keys = [parse_verifier_key(text) for text in texts]
    except LedgerError as e:
        raise e.at(CONFIG) from None
    except (KeyError, TypeError) as e:
        raise LedgerError(
            "ledger.yaml names no operator keys",
            code="ledger-config",
            location=Location(CONFIG, None, "operator_keys"),
        ) from e
    return {k.ref: k for k in keys}


def base_operator_keys(repo: GitRepo, base: str) -> dict[str, VerifierKey]:
    """The operator keys of ``ledger.yaml`` at the merge-base."""
    entries = repo.entries(base, [CONFIG])
    if CONFIG not in entries:
        raise LedgerError(
            "the merge-base has no ledger/ledger.yaml",
            code="ledger-config",
            location=Location(CONFIG),
        )
    return _operator_keys(repo.read_blob(entries[CONFIG][1], limits.MAX_YAML_BYTES, path=CONFIG))


def check_config(
    repo: GitRepo, changes: list[Change], keys: dict[str, VerifierKey], report: Report
) -> None:
    """A change to ledger.yaml needs ledger.yaml.sig signed by an operator key of the
    merge-base, over exactly the new bytes."""
    by_path = {c.path: c for c in changes}
    config, sig = by_path.get(CONFIG), by_path.get(CONFIG_SIG)
    if config is None or config.new_blob is None:
        if sig is not None:
            report.add(
                finding(
                    "pr-operator-file",
                    "ledger.yaml.sig changes only together with ledger.yaml",
                    CONFIG_SIG,
                )
            )
        return
    data = repo.read_blob(config.new_blob, limits.MAX_YAML_BYTES, path=CONFIG)
    try:
        _operator_keys(data)
    except LedgerError as e:
        report.add(located(e, CONFIG, data))
        return
    if sig is None or sig.new_blob is None:
        report.add(
            finding(
                "config-unsigned",
                "ledger.yaml changed without the operator's signature",
                CONFIG,
                hint="the operator signs it with `imageledger operator sign-config` and "
                "commits ledger/ledger.yaml.sig in the same pull request",
            )
        )
        return
    try:
        note = repo.read_blob(sig.new_blob, MAX_CONFIG_SIG_BYTES, path=CONFIG_SIG)
        verified = verify_note(parse_note(note), keys.values())
    except LedgerError as e:
        report.add(
            finding(
                "config-signature-invalid",
                f"ledger.yaml.sig is not a valid operator signature: {e.message}",
                CONFIG_SIG,
                hint="only an operator key listed in ledger.yaml at the base may sign",
            )
        )
        return
    if verified.text != config_note_text(data):
        report.add(
            finding(
                "config-signature-stale",
                "ledger.yaml.sig signs other bytes than this ledger.yaml",
                CONFIG_SIG,
                hint="sign the final ledger.yaml again",
            )
        )


def check_pr(
    repo: GitRepo, base: str, head: str = "HEAD", *, publisher: str | None = None
) -> PrCheck:
    """Check the pull request ``merge-base(base, head)..head``.

    Bad content becomes findings; only unusable arguments (unknown refs, no repository)
    raise ``UsageError``.
    """
    base_id, head_id = repo.resolve(base), repo.resolve(head)
    out = PrCheck(merge_base=repo.merge_base(base_id, head_id))
    found = classify(repo.changes(out.merge_base, head_id), publisher, out.report)
    try:
        keys = base_operator_keys(repo, out.merge_base)
    except LedgerError as e:
        out.report.error(e)
        return out
    check_config(repo, found.config, keys, out.report)
    chains = ChainCheck(repo, out.merge_base, keys, out.report)
    for publisher_id, changes in found.added.items():
        out.publisher = publisher_id
        chains.check(publisher_id, changes)
    out.records = chains.records
    if found.code and (found.added or found.config):
        for change in found.code:
            out.report.add(
                finding(
                    "pr-mixed",
                    "a pull request that adds ledger records may change nothing outside ledger/",
                    change.path,
                    hint="send code and site changes in their own pull request",
                )
            )
    elif found.code:
        out.report.add(
            finding(
                "pr-needs-operator-review",
                f"{len(found.code)} file(s) outside ledger/ changed: this is not a ledger "
                "submission and needs the operator's review (CODEOWNERS)",
                found.code[0].path,
                severity=Severity.WARNING,
            )
        )
    return out
