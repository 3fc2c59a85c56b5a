"""Write the tiles and entry bundles of a tree: level 0 on every core, the rest from tile roots.

Nearly all the work is at level 0 (each entry is hashed, bundled and written once), so forked
workers take spans of level-0 tiles: they read their entries (inherited through ``fork``,
never pickled), hash the leaves, fold each full tile to its root, write the bundle and the
tile, and return only the 32-byte roots. The main process then writes the upper levels from
those roots (1/256 of the hashes) and computes the tree root. The bytes are those the
tests' serial reference (``tile_files``) derives from a hash store; only tiles that are new
or grew since ``old_size`` are written.

Files are written in place, without a temporary name or ``fsync``: every path written is
one the published checkpoint does not reach yet (a new tile, or a partial one at its new
width), so no reader can see one half written. A caller that then publishes a checkpoint
over them flushes first (``publish.write_tiles`` does).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256

from imageledger.errors import Location, StorageError
from imageledger.log.hashstore import perfect_subtrees
from imageledger.log.merkle import EMPTY_ROOT, check_size, fold, perfect_root
from imageledger.log.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    EntryBundle,
    Tile,
    format_entry_bundle,
    new_tiles,
)

Entries = Callable[[int], Sequence[bytes]]
"""``entries(n)``: the entries of level-0 tile ``n``, as many as the tree has."""

SPAN = 16
"""Level-0 tiles per task: small enough to balance the cores, large enough to amortise."""

_LEAF = sha256(b"\x00")


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """``SHA-256(0x00 || entry)`` of each entry (a copied prefix state: no concatenation)."""
    copy = _LEAF.copy
    out = []
    for entry in entries:
        h = copy()
        h.update(entry)
        out.append(h.digest())
    return out


@dataclass(frozen=True)
class TileBuild:
    """What ``write_tile_files`` did: the tree's root, and the files and bytes it wrote."""

    root: bytes
    files: int
    bytes: int


@dataclass(frozen=True)
class _Level0:
    roots: list[bytes]  # of the span's full tiles, in order
    tail: list[bytes]  # leaf hashes of the span's partial tile, if it has the tree's last one
    files: int
    bytes: int


_job: tuple[str, int, int, Entries] | None = None  # (out, old_size, size, entries): inherited


def _write(path: str, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    except OSError as e:
        raise StorageError(
            f"cannot write: {e}", code="write-failed", location=Location(path)
        ) from e


def _level0(span: tuple[int, int]) -> _Level0:
    assert _job is not None
    out, old_size, size, entries = _job
    roots: list[bytes] = []
    tail: list[bytes] = []
    files = written = 0
    for n in range(*span):
        width = min(TILE_WIDTH, size - n * TILE_WIDTH)
        listed = entries(n)
        if len(listed) != width:
            raise StorageError(
                f"{len(listed)} entries for tile {n}, not {width}", code="tile-entries"
            )
        leaves = leaf_hashes(listed)
        if n * TILE_WIDTH + width > old_size:  # new or grew (not a partial tile rehashed)
            for path, data in (
                (EntryBundle(n, width).path, format_entry_bundle(listed)),
                (Tile(0, n, width).path, b"".join(leaves)),
            ):
                _write(f"{out}/{path}", data)
                files += 1
                written += len(data)
        if width == TILE_WIDTH:
            roots.append(perfect_root(leaves))
        else:
            tail = leaves
    return _Level0(roots, tail, files, written)


def _run_level0(spans: list[tuple[int, int]], workers: int) -> list[_Level0]:
    if workers <= 1 or len(spans) <= 1:
        return [_level0(span) for span in spans]
    with multiprocessing.get_context("fork").Pool(
        min(workers, len(spans)),
        initializer=gc.disable,  # everything is freed by refcount
    ) as pool:
        return pool.map(_level0, spans, chunksize=1)


def write_tile_files(
    out: str | os.PathLike[str],
    size: int,
    entries: Entries,
    *,
    old_size: int = 0,
    old_roots: Sequence[bytes] = (),
    workers: int | None = None,
) -> TileBuild:
    """Write the tiles and bundles tree ``size`` has that tree ``old_size`` did not, into ``out``.

    ``old_roots`` are the roots of tree ``old_size``'s full level-0 tiles (its level-1 tile
    hashes); a tile that grew is rewritten whole, from ``entries``. The returned root is of
    the whole tree: compare it with the checkpoint before publishing one.
    """
    global _job
    check_size(size)
    if not 0 <= check_size(old_size) <= size or len(old_roots) != old_size // TILE_WIDTH:
        raise ValueError("old_size and old_roots do not describe an older tree")
    root = str(out)
    first, end = old_size // TILE_WIDTH, -(-size // TILE_WIDTH)
    uppers = [t for t in new_tiles(old_size, size) if t.level > 0]
    paths = [t.path for t in uppers]
    for n in range(first, end):
        width = min(TILE_WIDTH, size - n * TILE_WIDTH)
        paths += [EntryBundle(n, width).path, Tile(0, n, width).path]
    for folder in sorted({os.path.dirname(f"{root}/{p}") for p in paths}):
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as e:
            raise StorageError(
                f"cannot make the folder: {e.strerror}",
                code="write-failed",
                location=Location(folder),
            ) from e
    spans = [(n, min(n + SPAN, end)) for n in range(first, end, SPAN)]
    _job = (root, old_size, size, entries)
    try:
        done = _run_level0(spans, workers or os.cpu_count() or 1)
    finally:
        _job = None
    levels = upper_levels(list(old_roots) + [r for part in done for r in part.roots])
    tail = [h for part in done for h in part.tail]
    files = sum(part.files for part in done)
    written = sum(part.bytes for part in done)
    for tile in uppers:
        at = tile.index * TILE_WIDTH
        data = b"".join(levels[tile.level - 1][at : at + tile.width])
        _write(f"{root}/{tile.path}", data)
        files += 1
        written += len(data)
    return TileBuild(tree_root(size, levels, tail), files, written)


def upper_levels(roots: list[bytes]) -> list[list[bytes]]:
    """The hashes tiles of level 1, 2, … hold, from the roots of the full level-0 tiles."""
    levels = [roots]
    while len(levels[-1]) >= TILE_WIDTH:
        below = levels[-1]
        full = len(below) - TILE_WIDTH + 1
        levels.append([perfect_root(below[i : i + TILE_WIDTH]) for i in range(0, full, TILE_WIDTH)])
    return levels


def tree_root(size: int, levels: list[list[bytes]], tail: list[bytes]) -> bytes:
    """The root of tree ``size``, from ``upper_levels`` and the leaf hashes of its partial
    level-0 tile (``tail``): its perfect subtrees, folded."""
    if size == 0:
        return EMPTY_ROOT
    base = size - len(tail)
    roots = []
    for level, n in perfect_subtrees(0, size):
        if level < TILE_HEIGHT:
            lo = (n << level) - base
            roots.append(perfect_root(tail[lo : lo + (1 << level)]))
        else:
            tile_level, shift = divmod(level, TILE_HEIGHT)
            row = levels[tile_level - 1]
            roots.append(perfect_root(row[n << shift : (n + 1) << shift]))
    return fold(roots)
