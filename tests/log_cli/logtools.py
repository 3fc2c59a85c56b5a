"""Helpers and fixtures shared by the log command tests (imported by each test module: a
second ``conftest.py`` would shadow the root one's module name)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import pytest

from imageledger.core.keys import format_private_key
from imageledger.demo import keys as demo_keys
from imageledger.log.hashstore import HashReader
from imageledger.log.tiles import entry_bundles_for_size, format_entry_bundle, new_tiles, tile_data

ROOT = Path(__file__).resolve().parents[2]
LOG_TIME = "2026-11-12T00:00:00Z"


class CLI(Protocol):
    def __call__(self, *args: str) -> Any: ...


def tile_files(
    old_size: int, size: int, store: HashReader, entries: Callable[[int], Sequence[bytes]]
) -> Iterator[tuple[str, bytes]]:
    """The tiles and entry bundles tree ``size`` has that tree ``old_size`` did not, one
    after the other from a hash store: what the parallel writer must write.

    ``entries(n)`` returns the entries of bundle ``n`` (as many as the tree has).
    """
    for tile in new_tiles(old_size, size):
        yield tile.path, tile_data(tile, store)
    old = set(entry_bundles_for_size(old_size))
    for bundle in entry_bundles_for_size(size):
        if bundle not in old:
            yield bundle.path, format_entry_bundle(entries(bundle.index))


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def hide_last(repo: Path, publisher: str, count: int, into: Path) -> None:
    """Move ``publisher``'s last ``count`` records out of the ledger (to put back later)."""
    records = sorted((repo / "ledger/publishers" / publisher / "records").iterdir())
    into.mkdir(parents=True, exist_ok=True)
    for path in records[-count:]:
        shutil.move(path, into / path.name)


def put_back(repo: Path, publisher: str, hidden: Path) -> None:
    for path in sorted(hidden.iterdir()):
        shutil.move(path, repo / "ledger/publishers" / publisher / "records" / path.name)


@pytest.fixture
def operator_key(tmp_path: Path) -> Path:
    path = tmp_path / "operator.key"
    path.write_text(format_private_key(demo_keys.operator()) + "\n")
    return path


@pytest.fixture
def witness_key(tmp_path: Path) -> Path:
    path = tmp_path / "witness.key"
    path.write_text(format_private_key(demo_keys.witness()) + "\n")
    return path


@pytest.fixture
def serve() -> Iterator[Callable[[Path], str]]:
    """``serve(folder)`` -> base URL of a loopback HTTP server over ``folder``."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
