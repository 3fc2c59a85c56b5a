"""Per-publisher snapshots of parsed records, so a rebuild reads only the publishers that
changed (adapter: files in ``.imageledger-cache/``, never committed).

A snapshot is one file per publisher: a first line with the *fingerprint* of the
publisher's files — path, size, modification time and inode of its registration and of
every record file, in order, the test ``make`` and ``mkdocs serve`` rely on — then one line
per record: its kind, its ``sha256:`` hash and its canonical JSON (RFC 8785 output has no
raw tab or newline, so the fields need no quoting). When the fingerprint of a publisher
still matches, its records are rebuilt from the snapshot without opening one record file;
any mismatch, or a snapshot that cannot be read, means the publisher is read again through
the content-addressed parse cache (:mod:`imageledger.site.load`). Snapshots hold only what
earlier builds of this checkout parsed and schema-checked themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import orjson

from imageledger import __version__
from imageledger.core.records import UnverifiedRecord
from imageledger.storage.files import write_atomic

VERSION = 1
"""Bump when what a snapshot line means changes."""


def snapshot_dir(repo: Path) -> Path:
    return repo / ".imageledger-cache" / f"site-snapshots-r{VERSION}-{__version__}"


def fingerprint(paths: Iterable[str]) -> str:
    """A digest of each file's path, size, modification time and inode, in order."""
    digest = hashlib.blake2b(digest_size=16)
    for path in paths:
        st = os.stat(path)
        digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode())
    return digest.hexdigest()


def load(folder: Path, publisher: str, expected: str) -> list[UnverifiedRecord] | None:
    """The records of ``publisher`` if its snapshot has the fingerprint ``expected``."""
    try:
        with open(folder / f"{publisher}.snap", "rb") as f:
            if f.readline().rstrip(b"\n").decode() != expected:
                return None
            records = []
            for line in f:
                kind, ref, text = line.rstrip(b"\n").split(b"\t", 2)
                data = orjson.loads(text)
                records.append(UnverifiedRecord(data, kind.decode(), text, ref.decode()))
            return records
    except (OSError, ValueError):  # orjson.JSONDecodeError is a ValueError
        return None


def save(folder: Path, publisher: str, fp: str, records: Sequence[UnverifiedRecord]) -> None:
    """Write the snapshot of ``publisher``; a failure only costs the next build time."""
    lines = [fp.encode()]
    lines += [b"%s\t%s\t%s" % (r.kind.encode(), r.hash.encode(), r.canonical) for r in records]
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{publisher}.snap", b"\n".join(lines) + b"\n")
