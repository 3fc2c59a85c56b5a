"""Read every record of a ledger checkout as plain values, for the audit and the receipt
lookup (which trust ``validate`` for signatures and chains and only read content)."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from imageledger.core import strict_yaml
from imageledger.errors import LedgerError
from imageledger.storage.files import read_bounded
from imageledger.storage.layout import Layout

_CHUNK = 2000


def _read(paths: list[str]) -> list[dict[str, Any]]:
    out = []
    for name in paths:
        try:
            out.append(strict_yaml.parse(read_bounded(Path(name))))
        except LedgerError as e:
            raise e.at(name) from None
    return out


def record_paths(layout: Layout, publishers: Iterable[str] | None = None) -> list[str]:
    """Registration and record files of ``publishers`` (default: all), in chain order."""
    out = []
    for publisher in layout.publisher_ids() if publishers is None else publishers:
        registration = layout.registration_path(publisher)
        if registration.is_file():
            out.append(str(registration))
        folder = layout.records_dir(publisher)
        out.extend(str(folder / name) for _, name in layout.record_names(publisher))
    return out


def read_records(
    layout: Layout, publishers: Iterable[str] | None = None, *, workers: int | None = None
) -> list[dict[str, Any]]:
    """The parsed content of every registration and record (``workers`` > 1: in parallel)."""
    paths = record_paths(layout, publishers)
    if workers is None or workers <= 1 or len(paths) < 2 * _CHUNK:
        return _read(paths)
    chunks = [paths[i : i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
    out: list[dict[str, Any]] = []
    with ProcessPoolExecutor(workers) as pool:
        for part in pool.map(_read, chunks):
            out.extend(part)
    return out
