"""A local, content-addressed cache of per-file validation results.

Keyed by SHA-256 of (repository path, file bytes): a hit means "these exact bytes, at this
path, were already found well-formed, and these signatures verified under these public
keys". What the chain makes of them (order, key validity, references) is re-derived on
every run from the cached summaries, so the cache can only save work, never change a
verdict about the chain. It lives in ``.imageledger-cache/`` (never committed); a cache
that cannot be read is ignored. See ADR 0006.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from imageledger import __version__
from imageledger.core.chain import ChainEntry, KeyEvent
from imageledger.core.keys import format_verifier_key, parse_verifier_key

RULES_VERSION = 1
"""Bump when what a cached file result means changes."""


def cache_path(repo: Path) -> Path:
    return repo / ".imageledger-cache" / f"validate-r{RULES_VERSION}-{__version__}.sqlite"


def encode(
    entry: ChainEntry, refs: tuple[tuple[str, str], ...], verified: Iterable[tuple[str, bytes]]
) -> str:
    event = entry.key_event
    return json.dumps(
        [
            entry.publisher,
            entry.seq,
            entry.prev,
            entry.hash,
            entry.kind,
            entry.recorded_at,
            list(entry.signers),
            None
            if event is None
            else [
                None if event.new_key is None else format_verifier_key(event.new_key),
                list(event.retire),
                event.revoke,
                event.compromised_at,
            ],
            [list(r) for r in refs],
            sorted([ref, pub.hex()] for ref, pub in verified),
        ],
        separators=(",", ":"),
    )


def decode(
    text: str,
) -> tuple[ChainEntry, tuple[tuple[str, str], ...], frozenset[tuple[str, bytes]]]:
    v: list[Any] = json.loads(text)
    event = None
    if v[7] is not None:
        new_key, retire, revoke, compromised_at = v[7]
        event = KeyEvent(
            None if new_key is None else parse_verifier_key(new_key),
            tuple(retire),
            revoke,
            compromised_at,
        )
    entry = ChainEntry(v[0], v[1], v[2], v[3], v[4], v[5], tuple(v[6]), event)
    refs = tuple((a, b) for a, b in v[8])
    return entry, refs, frozenset((ref, bytes.fromhex(pub)) for ref, pub in v[9])


class ResultCache:
    """Get and put encoded results by key; every failure degrades to a miss."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.execute(
                "create table if not exists result (key blob primary key, "
                "value text not null) without rowid"
            )
        except sqlite3.Error:
            self._db = None

    def get_many(self, keys: Iterable[bytes]) -> dict[bytes, str]:
        """The cached values of those ``keys`` that have one."""
        if self._db is None:
            return {}
        wanted = list(keys)
        out: dict[bytes, str] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"select key, value from result where key in ({marks})"  # noqa: S608
                out.update((bytes(k), str(v)) for k, v in self._db.execute(query, chunk))
        except sqlite3.Error:
            return {}
        return out

    def put_many(self, items: Iterable[tuple[bytes, str]]) -> None:
        if self._db is None:
            return
        with contextlib.suppress(sqlite3.Error), self._db:
            self._db.executemany("insert or replace into result values (?, ?)", items)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
