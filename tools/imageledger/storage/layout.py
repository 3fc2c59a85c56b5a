"""Where things live in a ledger repository (DESIGN §2–3)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema_rs

from imageledger.core import strict_yaml
from imageledger.core.keys import VerifierKey, parse_verifier_key
from imageledger.core.schemas import PUBLISHER_ID, ledger_schema, schema_id
from imageledger.errors import LedgerError, Location, RecordError, StorageError
from imageledger.storage.files import read_bounded

RECORD_NAME = re.compile(r"^(0*[1-9][0-9]*)\.yaml$")
SEQ_WIDTH = 6
_PUBLISHER_ID = re.compile(PUBLISHER_ID)


def record_filename(seq: int) -> str:
    return f"{seq:0{SEQ_WIDTH}d}.yaml"


@dataclass(frozen=True)
class LedgerConfig:
    """``ledger.yaml``: identity, operator keys, witnesses and policy."""

    name: str
    origin: str
    operator_keys: dict[str, VerifierKey]
    data: dict[str, object]


@dataclass(frozen=True)
class Layout:
    """The folders of one ledger instance, rooted at the repository."""

    repo: Path

    @property
    def ledger(self) -> Path:
        return self.repo / "ledger"

    @property
    def config_path(self) -> Path:
        return self.ledger / "ledger.yaml"

    @property
    def publishers(self) -> Path:
        return self.ledger / "publishers"

    def publisher_dir(self, publisher: str) -> Path:
        return self.publishers / publisher

    def registration_path(self, publisher: str) -> Path:
        return self.publisher_dir(publisher) / "publisher.yaml"

    def records_dir(self, publisher: str) -> Path:
        return self.publisher_dir(publisher) / "records"

    def record_path(self, publisher: str, seq: int) -> Path:
        return self.records_dir(publisher) / record_filename(seq)

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.repo.resolve()).as_posix()
        except ValueError:
            return str(path)

    def publisher_ids(self) -> list[str]:
        if not self.publishers.is_dir():
            return []
        return sorted(p.name for p in self.publishers.iterdir() if p.is_dir())

    def record_names(self, publisher: str) -> list[tuple[int, str]]:
        """``(seq, file name)`` of every record file of ``publisher``, in seq order."""
        folder = self.records_dir(publisher)
        try:
            entries = os.scandir(folder)
        except FileNotFoundError:
            return []
        found = []
        with entries:
            for entry in entries:
                match = RECORD_NAME.match(entry.name)
                if match is None:
                    raise StorageError(
                        "not a record file name (expected NNNNNN.yaml)",
                        code="layout-unexpected-file",
                        location=Location(f"{self.rel(folder)}/{entry.name}"),
                    )
                found.append((int(match.group(1)), entry.name))
        found.sort()
        return found

    def record_files(self, publisher: str) -> Iterator[tuple[int, Path]]:
        """``(seq, path)`` of every record file of ``publisher``, in seq order."""
        folder = self.records_dir(publisher)
        return iter([(seq, folder / name) for seq, name in self.record_names(publisher)])

    def classify(self, path: Path) -> tuple[str, int | None]:
        """``(publisher, seq)`` for a record path, ``(publisher, None)`` for a registration.

        Raises ``RecordError`` for anything outside ``ledger/publishers/<id>/``.
        """
        rel = self.rel(path)
        parts = rel.split("/")
        if len(parts) >= 2 and parts[0] == "ledger" and parts[1] == "publishers":
            if len(parts) == 4 and parts[3] == "publisher.yaml" and _PUBLISHER_ID.match(parts[2]):
                return parts[2], None
            if len(parts) == 5 and parts[3] == "records" and _PUBLISHER_ID.match(parts[2]):
                match = RECORD_NAME.match(parts[4])
                if match and parts[4] == record_filename(int(match.group(1))):
                    return parts[2], int(match.group(1))
        raise RecordError(
            "not a record path",
            code="layout-path",
            location=Location(rel),
            hint="records live at ledger/publishers/<id>/records/NNNNNN.yaml",
        )


def find_repo(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``ledger/ledger.yaml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "ledger" / "ledger.yaml").is_file():
            return folder
    raise StorageError(
        "no ledger here (no ledger/ledger.yaml at or above this folder)",
        code="layout-no-ledger",
        location=Location(str(start)),
        hint="run inside a ledger repository or pass --repo",
    )


def load_config(layout: Layout) -> LedgerConfig:
    rel = layout.rel(layout.config_path)
    try:
        data = strict_yaml.parse_canonical(read_bounded(layout.config_path))
        error = next(jsonschema_rs.validator_for(ledger_schema()).iter_errors(data), None)
        if error is not None:
            raise RecordError(
                error.message,
                code="ledger-config",
                location=Location(field=".".join(map(str, error.instance_path))),
            )
        if data.get("schema") != schema_id("ledger"):
            raise RecordError("not a ledger.yaml", code="ledger-config")
        keys = {k.ref: k for k in map(parse_verifier_key, data["operator_keys"])}
    except LedgerError as e:
        raise e.at(rel) from None
    return LedgerConfig(data["name"], data["origin"], keys, data)
