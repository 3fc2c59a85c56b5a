"""Per-publisher snapshots of parsed records, so a rebuild reads only the record files that
changed (adapter: files in ``.imageledger-cache/``, never committed).

A snapshot is one file per publisher. Its first line is the publisher's *fingerprint*: a
digest of the path, size, modification time and inode of its registration and of every
record file, in order — the test ``make`` and ``mkdocs serve`` rely on. Then one line per
record: that file's own signature (the same four facts), its kind, its ``sha256:`` hash
and its canonical JSON (RFC 8785 output has no raw tab or newline, so the fields need no
quoting). When the fingerprint still matches, every record comes from the snapshot without
opening one record file; otherwise each record whose file signature still matches does,
and only the others are read again (through the content-addressed parse cache of
:mod:`imageledger.site.load`). A snapshot that cannot be read is ignored. Snapshots hold
only what earlier builds of this checkout parsed and schema-checked themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import orjson

from imageledger import __version__
from imageledger.core.records import UnverifiedRecord
from imageledger.storage.files import write_atomic

VERSION = 2
"""Bump when what a snapshot line means changes."""


def snapshot_dir(repo: Path) -> Path:
    return repo / ".imageledger-cache" / f"site-snapshots-r{VERSION}-{__version__}"


def signature(path: str) -> str:
    """What says a file is unchanged: its path, size, modification time and inode."""
    st = os.stat(path)
    return f"{path}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"


def fingerprint(signatures: Sequence[str]) -> str:
    return hashlib.blake2b("\n".join(signatures).encode(), digest_size=16).hexdigest()


class Snapshot:
    """The records a publisher's snapshot holds, by file signature."""

    def __init__(self, fp: str, lines: dict[str, bytes]) -> None:
        self.fingerprint = fp
        self.lines = lines

    @classmethod
    def read(cls, folder: Path, publisher: str) -> Snapshot | None:
        try:
            with open(folder / f"{publisher}.snap", "rb") as f:
                fp = f.readline().rstrip(b"\n").decode()
                lines = {}
                for line in f:
                    sig, rest = line.rstrip(b"\n").split(b"\t", 1)
                    lines[sig.decode()] = rest
            return cls(fp, lines)
        except (OSError, ValueError):
            return None

    def record(self, sig: str) -> UnverifiedRecord | None:
        """The record of the file with signature ``sig``, if this snapshot has it."""
        rest = self.lines.get(sig)
        if rest is None:
            return None
        try:
            kind, ref, text = rest.split(b"\t", 2)
            return UnverifiedRecord(orjson.loads(text), kind.decode(), text, ref.decode())
        except ValueError:  # orjson.JSONDecodeError is a ValueError
            return None


def save(
    folder: Path, publisher: str, signatures: Sequence[str], records: Sequence[UnverifiedRecord]
) -> None:
    """Write the snapshot of ``publisher`` (``signatures[i]`` is ``records[i]``'s file); a
    failure only costs the next build time."""
    lines = [fingerprint(signatures).encode()]
    lines += [
        b"%s\t%s\t%s\t%s" % (sig.encode(), r.kind.encode(), r.hash.encode(), r.canonical)
        for sig, r in zip(signatures, records, strict=True)
    ]
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{publisher}.snap", b"\n".join(lines) + b"\n")
