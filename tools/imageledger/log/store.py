"""Where the sequencing state lives: ``ledger/log/`` on disk, or a dict in memory (its twin).

Names are relative to the log folder (``state``, ``order/x001/234``, ``checkpoints/63``).
Writes put the state file last: it is the commit point, so a crash part way leaves the
previous state in force and the next run rewrites what it needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

from imageledger.errors import Location, StorageError
from imageledger.log.state import (
    CHECKPOINT_DIR,
    ORDER_WIDTH,
    STATE_NAME,
    LogState,
    OrderLine,
    checkpoint_name,
    consistency_name,
    order_name,
    parse_consistency,
    parse_order,
    parse_state,
)
from imageledger.storage.files import read_bounded, write_atomic

MAX_LOG_FILE = 1 << 20


class LogFiles(Protocol):
    """The files of the log folder."""

    def read(self, name: str) -> bytes | None:
        """The file's bytes, or ``None`` if there is no such file."""
        ...

    def names(self, folder: str) -> list[str]:
        """Names of the files directly in ``folder`` (not their paths)."""
        ...

    def write(self, files: Mapping[str, bytes]) -> None:
        """Write every file, the state file last."""
        ...


class DirLogFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, name: str) -> bytes | None:
        path = self.root / name
        if not path.is_file():
            return None
        return read_bounded(path, MAX_LOG_FILE)

    def names(self, folder: str) -> list[str]:
        path = self.root / folder
        return sorted(p.name for p in path.iterdir() if p.is_file()) if path.is_dir() else []

    def write(self, files: Mapping[str, bytes]) -> None:
        for name in sorted(files, key=lambda n: n == STATE_NAME):
            path = self.root / name
            if path.is_file() and path.read_bytes() == files[name]:
                continue
            write_atomic(path, files[name])


class MemoryLogFiles:
    def __init__(self, files: Mapping[str, bytes] | None = None) -> None:
        self.files = dict(files or {})

    def read(self, name: str) -> bytes | None:
        return self.files.get(name)

    def names(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"
        return sorted(
            n[len(prefix) :]
            for n in self.files
            if n.startswith(prefix) and "/" not in n[len(prefix) :]
        )

    def write(self, files: Mapping[str, bytes]) -> None:
        self.files.update(files)


def load_state(files: LogFiles) -> LogState:
    data = files.read(STATE_NAME)
    return LogState() if data is None else parse_state(data)


def read_order(files: LogFiles, n: int) -> list[OrderLine]:
    name = order_name(n)
    data = files.read(name)
    if data is None:
        raise StorageError(
            "order file is missing", code="log-order-missing", location=Location(name)
        )
    return parse_order(data, name)


def last_order(files: LogFiles, state: LogState) -> list[OrderLine]:
    """The entries of the partly filled last order file (none at a multiple of 256)."""
    return read_order(files, state.size // ORDER_WIDTH) if state.size % ORDER_WIDTH else []


def iter_order(files: LogFiles, size: int) -> Iterator[OrderLine]:
    """Every logged entry, in log order: exactly ``size`` of them."""
    count = 0
    for n in range((size + ORDER_WIDTH - 1) // ORDER_WIDTH):
        lines = read_order(files, n)
        want = min(ORDER_WIDTH, size - n * ORDER_WIDTH)
        if len(lines) != want:
            raise StorageError(
                f"order file has {len(lines)} entries, not {want}",
                code="log-order-size",
                location=Location(order_name(n)),
            )
        count += want
        yield from lines


def checkpoint_sizes(files: LogFiles) -> list[int]:
    out = []
    for name in files.names(CHECKPOINT_DIR):
        if name.isdigit() and str(int(name)) == name:
            out.append(int(name))
        elif not (name.endswith(".consistency") and name[: -len(".consistency")].isdigit()):
            raise StorageError(
                "unexpected file among checkpoints",
                code="log-unexpected-file",
                location=Location(f"{CHECKPOINT_DIR}/{name}"),
            )
    return sorted(out)


def read_checkpoint(files: LogFiles, size: int) -> bytes | None:
    return files.read(checkpoint_name(size))


def read_history(
    files: LogFiles,
) -> tuple[dict[int, bytes], dict[int, tuple[int, list[bytes]]]]:
    """Every signed checkpoint by size, and every stored consistency proof by new size."""
    checkpoints, proofs = {}, {}
    for size in checkpoint_sizes(files):
        data = read_checkpoint(files, size)
        assert data is not None
        checkpoints[size] = data
        proof = files.read(consistency_name(size))
        if proof is not None:
            proofs[size] = parse_consistency(proof, consistency_name(size))
    return checkpoints, proofs
