"""The pull-request path rules on their own: no git, named case tables."""

from __future__ import annotations

import pytest

from imageledger.cli.pr import github_annotation
from imageledger.errors import Finding, Location, Report, Severity
from imageledger.prrules import classify, publisher_path, unsafe_path
from imageledger.storage.gitrepo import Change, parse_raw_diff

A, B = "a" * 40, "b" * 40
NW = "ledger/publishers/northwind/records"


@pytest.mark.parametrize(
    ("path", "unsafe"),
    [
        (f"{NW}/000001.yaml", False),
        ("README.md", False),
        (f"{NW}/../000001.yaml", True),
        (f"{NW}/./000001.yaml", True),
        ("../outside", True),
        ("/etc/passwd", True),
        (f"{NW}/..\\..\\x.yaml", True),
        (f"{NW}/.GIT/config", True),
        (f"{NW}/000001.yaml\n", True),
        ("ledger//x", True),
        ("Ledger/publishers/northwind/records/000005.yaml", True),
    ],
    ids=[
        "record",
        "readme",
        "dotdot",
        "dot",
        "leading-dotdot",
        "absolute",
        "backslash",
        "dotgit-any-case",
        "newline",
        "empty-part",
        "case-variant",
    ],
)
def test_unsafe_path(path: str, unsafe: bool) -> None:
    assert unsafe_path(path) is unsafe


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"{NW}/000001.yaml", ("northwind", 1)),
        ("ledger/publishers/northwind/publisher.yaml", ("northwind", None)),
        (f"{NW}/1.yaml", None),
        (f"{NW}/0000001.yaml", None),
        (f"{NW}/000000.yaml", None),
        (f"{NW}/000001.yml", None),
        ("ledger/publishers/North/publisher.yaml", None),
        ("ledger/publishers/northwind/notes.txt", None),
        ("ledger/publishers/northwind/records/sub/000001.yaml", None),
    ],
    ids=[
        "record",
        "registration",
        "unpadded",
        "overpadded",
        "zero",
        "yml",
        "uppercase-id",
        "other-file",
        "nested",
    ],
)
def test_publisher_path(path: str, expected: tuple[str, int | None] | None) -> None:
    assert publisher_path(path) == expected


def change(status: str, path: str, mode: int = 0o100644, old_mode: int = 0o100644) -> Change:
    return Change(
        status,
        path,
        None if status == "A" else path,
        0 if status == "A" else old_mode,
        0 if status == "D" else mode,
        None if status == "A" else A,
        None if status == "D" else B,
    )


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ([change("A", f"{NW}/000024.yaml")], []),
        ([change("M", f"{NW}/000001.yaml")], ["pr-modify"]),
        ([change("D", f"{NW}/000001.yaml")], ["pr-delete"]),
        ([change("T", f"{NW}/000001.yaml", 0o120000)], ["pr-mode-change"]),
        ([change("A", f"{NW}/000024.yaml", 0o120000)], ["pr-symlink"]),
        ([change("A", f"{NW}/000024.yaml", 0o160000)], ["pr-submodule"]),
        ([change("A", f"{NW}/000024.yaml", 0o100755)], ["pr-mode"]),
        ([change("A", "ledger/publishers/northwind/key.pem")], ["pr-path"]),
        ([change("A", "ledger/other.yaml")], ["pr-path"]),
        ([change("M", "ledger/log/state")], ["pr-log-change"]),
        ([change("D", "ledger/ledger.yaml")], ["pr-delete"]),
        ([change("M", "ledger/ledger.yaml")], []),
        ([change("M", "tools/x.py")], []),
        (
            [
                change("A", f"{NW}/000024.yaml"),
                change("A", f"{NW}/000025.yaml"),
                change("A", "ledger/publishers/emberforge/records/000018.yaml"),
            ],
            ["pr-other-publisher"],
        ),
    ],
    ids=[
        "add",
        "modify",
        "delete",
        "type-change",
        "symlink",
        "submodule",
        "executable",
        "stray-file",
        "outside-publishers",
        "log",
        "config-delete",
        "config-edit",
        "code",
        "two-publishers",
    ],
)
def test_classify(changes: list[Change], codes: list[str]) -> None:
    report = Report()
    classify(changes, None, report)
    assert [f.code for f in report] == codes


def test_explicit_publisher_decides_whose_folder_it_is() -> None:
    report = Report()
    found = classify(
        [
            change("A", f"{NW}/000024.yaml"),
            change("A", f"{NW}/000025.yaml"),
            change("A", "ledger/publishers/emberforge/records/000018.yaml"),
        ],
        "emberforge",
        report,
    )
    assert list(found.added) == ["emberforge"]
    assert [f.location.path for f in report] == [f"{NW}/000024.yaml", f"{NW}/000025.yaml"]


def test_parse_raw_diff_keeps_odd_names_verbatim() -> None:
    raw = (
        f":000000 100644 {'0' * 40} {B} A\0{NW}/..\\evil\n.yaml\0"
        f":100644 100644 {A} {A} R100\0{NW}/000023.yaml\0{NW}/000024.yaml\0"
        f":100644 000000 {A} {'0' * 40} D\0{NW}/000005.yaml\0"
    )
    added, renamed, deleted = parse_raw_diff(raw)
    assert (added.status, added.path, added.old_blob, added.new_blob) == (
        "A",
        f"{NW}/..\\evil\n.yaml",
        None,
        B,
    )
    assert (renamed.status, renamed.old_path, renamed.path) == (
        "R",
        f"{NW}/000023.yaml",
        f"{NW}/000024.yaml",
    )
    assert (deleted.status, deleted.old_path, deleted.new_blob) == ("D", deleted.path, None)


def test_github_annotation_escapes_data_and_properties() -> None:
    finding = Finding(
        "chain-gap",
        "seq 25 does not follow 23\n100% sure",
        Location("ledger/a,b:c.yaml", 7, "seq"),
        Severity.ERROR,
        "renumber",
    )
    assert github_annotation(finding) == (
        "::error file=ledger/a%2Cb%3Ac.yaml,line=7,title=chain-gap::"
        "seq: seq 25 does not follow 23%0A100%25 sure (renumber)"
    )
