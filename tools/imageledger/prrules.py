"""Which changes a pull request may make, decided from the diff alone (ADR 0007).

Pure: takes the changes ``git diff-tree`` reports and returns what is left to check
(the publisher's added files, the operator's config files, code files) plus a finding for
every change that no PR may make. No git, no files.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from imageledger.core import strict_yaml
from imageledger.core.schemas import PUBLISHER_ID
from imageledger.errors import Finding, LedgerError, Location, Report, Severity
from imageledger.storage.gitrepo import MODE_FILE, MODE_SUBMODULE, MODE_SYMLINK, Change
from imageledger.storage.layout import RECORD_NAME, record_filename

CONFIG = "ledger/ledger.yaml"
CONFIG_SIG = "ledger/ledger.yaml.sig"
LOG_DIR = "ledger/log/"
PUBLISHERS_DIR = "ledger/publishers/"
_PUBLISHER_ID = re.compile(PUBLISHER_ID)


def finding(
    code: str,
    message: str,
    path: str,
    *,
    hint: str | None = None,
    severity: Severity = Severity.ERROR,
) -> Finding:
    return Finding(code, message, Location(path), severity, hint)


def located(error: LedgerError, path: str, data: bytes = b"") -> Finding:
    """``error`` as a finding on ``path``, pointed at the line of its field when known."""
    line = error.location.line
    if line is None and error.location.field and data:
        steps: list[str | int] = []
        for part in error.location.field.replace("]", "").replace("[", ".").split("."):
            if part:
                steps.append(int(part) if part.isdigit() else part)
        line = strict_yaml.line_of(data, tuple(steps))
    location = Location(path, line, error.location.field)
    return Finding(error.code, error.message, location, Severity.ERROR, error.hint)


def unsafe_path(path: str) -> bool:
    """Whether ``path`` could escape or confuse a checkout: ``..``, ``.git``, backslashes,
    control characters, absolute or empty components, or a case variant of ``ledger/``
    (the same folder on a case-insensitive file system)."""
    if path.startswith("/") or "\\" in path or any(ord(c) < 0x20 or c == "\x7f" for c in path):
        return True
    if path.casefold().startswith("ledger/") and not path.startswith("ledger/"):
        return True
    return any(part in ("", ".", "..") or part.lower() == ".git" for part in path.split("/"))


def publisher_path(path: str) -> tuple[str, int | None] | None:
    """``(publisher, seq)`` for a record path, ``(publisher, None)`` for a registration,
    None for anything else under (or outside) ``ledger/publishers/``."""
    parts = path.split("/")
    if len(parts) < 4 or parts[:2] != ["ledger", "publishers"]:
        return None
    if not _PUBLISHER_ID.match(parts[2]):
        return None
    if len(parts) == 4 and parts[3] == "publisher.yaml":
        return parts[2], None
    if len(parts) == 5 and parts[3] == "records":
        match = RECORD_NAME.match(parts[4])
        if match and parts[4] == record_filename(int(match.group(1))):
            return parts[2], int(match.group(1))
    return None


@dataclass
class Classified:
    """The changes left to check after the path rules, by kind."""

    added: dict[str, list[Change]] = field(default_factory=dict)
    config: list[Change] = field(default_factory=list)
    code: list[Change] = field(default_factory=list)


def classify(changes: list[Change], publisher: str | None, report: Report) -> Classified:
    """Sort ``changes``; report each one no pull request may make."""
    added: dict[str, list[Change]] = defaultdict(list)
    out = Classified()
    for change in changes:
        paths = [change.path] + ([change.old_path] if change.old_path else [])
        if any(unsafe_path(p) for p in paths):
            report.add(
                finding(
                    "pr-path-traversal",
                    "path with '..', '.git', a backslash or a control character",
                    change.path,
                    hint="name files ledger/publishers/<id>/records/NNNNNN.yaml",
                )
            )
        elif not any(p.startswith("ledger/") for p in paths):
            out.code.append(change)
        elif any(p.startswith(LOG_DIR) for p in paths):
            report.add(
                finding(
                    "pr-log-change",
                    "ledger/log/ is written only by the publish workflow",
                    change.path,
                    hint="remove this change from the pull request",
                )
            )
        elif change.path in (CONFIG, CONFIG_SIG) and _plain_edit(change):
            out.config.append(change)
        elif change.status != "A":
            report.add(_not_an_addition(change))
        elif change.new_mode != MODE_FILE:
            report.add(_bad_mode(change))
        elif (where := publisher_path(change.path)) is None:
            report.add(
                finding(
                    "pr-path",
                    "not a place a pull request may add a file",
                    change.path,
                    hint="records live at ledger/publishers/<id>/records/NNNNNN.yaml",
                )
            )
        else:
            added[where[0]].append(change)
    out.added = _one_publisher(added, publisher, report)
    return out


def _plain_edit(change: Change) -> bool:
    return change.status in ("A", "M") and change.new_mode == MODE_FILE


def _not_an_addition(change: Change) -> Finding:
    if change.status == "D":
        code, message = "pr-delete", "deletes a file: the ledger is append-only"
        hint = "to withdraw a record add a retraction or correction record"
    elif change.status == "R":
        code, message = "pr-rename", f"renames {change.old_path}: the ledger is append-only"
        hint = "records never move; add a new record instead"
    elif change.status == "T" or (change.old_blob == change.new_blob):
        code, message = "pr-mode-change", "changes the file's type or mode"
        hint = "records are plain files (mode 100644)"
    else:
        code, message = "pr-modify", "modifies a file already in the ledger"
        hint = "records are immutable: add a correction record instead"
        where = publisher_path(change.path)
        if where is not None and where[1] is not None:
            hint = (
                f"seq {where[1]} is already taken on the base branch: rebase and sign "
                "your draft again with `imageledger record sign` to get the next seq, "
                "or add a correction record"
            )
    path = change.path if change.status != "D" else (change.old_path or change.path)
    return finding(code, message, path, hint=hint)


def _bad_mode(change: Change) -> Finding:
    if change.new_mode == MODE_SYMLINK:
        code, message = "pr-symlink", "adds a symbolic link"
    elif change.new_mode == MODE_SUBMODULE:
        code, message = "pr-submodule", "adds a submodule"
    else:
        code, message = "pr-mode", f"adds a file with mode {change.new_mode:o}"
    return finding(code, message, change.path, hint="add only plain files (mode 100644)")


def _one_publisher(
    added: dict[str, list[Change]], publisher: str | None, report: Report
) -> dict[str, list[Change]]:
    """One publisher's folder per PR: ``publisher`` if given, else the one with most files."""
    if not added or (len(added) == 1 and publisher in (None, *added)):
        return dict(added)
    own = publisher or max(sorted(added), key=lambda p: len(added[p]))
    for other, changes in sorted(added.items()):
        if other == own:
            continue
        for change in changes:
            report.add(
                finding(
                    "pr-other-publisher",
                    f"a pull request of {own} may not add files to {other}'s folder",
                    change.path,
                    hint="one publisher's folder per pull request",
                )
            )
    return {own: added[own]} if own in added else {}
