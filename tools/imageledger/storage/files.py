"""Bounded reads and atomic writes: a failed command leaves every file as it was."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from imageledger.core import limits
from imageledger.core.keys import PrivateKey, parse_private_key
from imageledger.errors import LedgerError, Location, StorageError


def read_bounded(path: Path, limit: int = limits.MAX_YAML_BYTES) -> bytes:
    """Read a file, refusing (before reading it) one larger than ``limit`` bytes."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise StorageError(
                    f"file is {size} bytes; the limit is {limit}",
                    code="file-too-large",
                    location=Location(str(path)),
                )
            # One read of the size fstat gave (a buffer of ``limit`` bytes costs 4x as much
            # for a small file), then the rest of a file that grew since, up to the limit.
            data = handle.read(size + 1)
            if len(data) > size:
                data += handle.read(limit + 1 - len(data))
    except OSError as e:
        raise StorageError(
            f"cannot read: {e.strerror}", code="file-unreadable", location=Location(str(path))
        ) from e
    if len(data) > limit:
        raise StorageError(
            f"file is larger than {limit} bytes",
            code="file-too-large",
            location=Location(str(path)),
        )
    return data


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename, or not at all.

    With ``exclusive`` an existing file is never replaced.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if exclusive and path.exists():
        raise StorageError(
            "file exists; refusing to overwrite it",
            code="file-exists",
            location=Location(str(path)),
        )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(tmp, path)  # fails if path appeared meanwhile
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except FileExistsError as e:
        raise StorageError(
            "file exists; refusing to overwrite it",
            code="file-exists",
            location=Location(str(path)),
        ) from e
    except OSError as e:
        raise StorageError(
            f"cannot write: {e.strerror}", code="file-unwritable", location=Location(str(path))
        ) from e
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def load_private_key(path: Path) -> PrivateKey:
    """Read a signed-note private key file (small, bounded); errors name the file."""
    try:
        return parse_private_key(read_bounded(path, 4096).decode("utf-8", "replace"))
    except LedgerError as e:
        raise e.at(str(path)) from None
