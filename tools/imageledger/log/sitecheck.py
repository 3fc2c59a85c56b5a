"""Check a published log's tiles and entries against its checkpoint, on every core.

The main process reads the entry bundles first (from a URL, threads fetch them), so that the
keys which registrations and key rotations introduce are known before any signature is
checked (a bundle holding neither is not even split here). Forked workers, which inherit the
bundles, then take spans of them: each splits its bundles, hashes the leaves, compares them
with the served level-0 tile, folds each full tile to its root and checks every entry on its
own (canonical JSON, size, schema, signatures against the candidate keys). Results come back
in log order, each publisher's linked entries folded into runs (``entries.runs``), and the
main process walks the chains while the workers go on; last, it compares the upper tiles,
derived from the roots, and the tree's root with the checkpoint's.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from imageledger.core.keys import VerifierKey
from imageledger.errors import LedgerError, Location, Report, VerificationError
from imageledger.log import entries as checks
from imageledger.log.fetch import MAX_TILE, LogSource
from imageledger.log.merkle import HASH_SIZE, perfect_root
from imageledger.log.tiles import (
    TILE_WIDTH,
    EntryBundle,
    Tile,
    entry_bundles_for_size,
    parse_entry_bundle,
    tiles_for_size,
)
from imageledger.log.tilewrite import leaf_hashes, tree_root, upper_levels

SPAN = 2
"""Bundles per task: 512 entries, so that the last task leaves a core idle for little time."""

READERS = 8
"""Threads fetching bundles from a URL: enough to hide an HTTP server's latency."""


@dataclass(frozen=True)
class LogCheck:
    """What the entries showed (tiles and root are verified, or ``check_log`` raised)."""

    report: Report
    leaves: list[bytes]


_Span = tuple[list[bytes], list[bytes], list["checks.Checked | checks.Run"], int]
_job: tuple[LogSource, int, list[bytes]] | None = None  # (source, size, bundles): inherited


def _span(span: tuple[int, int]) -> _Span:
    """Level-0 tiles (as served, once they match), full-tile roots, entry results (runs of
    them folded) and how many entries."""
    assert _job is not None
    source, size, bundles = _job
    tiles: list[bytes] = []
    roots: list[bytes] = []
    results: list[checks.Checked] = []
    for n in range(*span):
        width = min(TILE_WIDTH, size - n * TILE_WIDTH)
        entries = parse_entry_bundle(bundles[n], EntryBundle(n, width))
        leaves = leaf_hashes(entries)
        tile = Tile(0, n, width)
        data = b"".join(leaves)
        if source.need(tile.path, MAX_TILE) != data:
            raise VerificationError(
                "tile does not match the entries",
                code="tile-mismatch",
                location=Location(source.describe(tile.path)),
            )
        tiles.append(data)
        if width == TILE_WIDTH:
            roots.append(perfect_root(leaves))
        first = n * TILE_WIDTH
        results.extend(checks.check_entry(raw, first + i) for i, raw in enumerate(entries))
    return tiles, roots, checks.runs(results), len(results)


def _spans(spans: list[tuple[int, int]], workers: int) -> Iterator[_Span]:
    if workers <= 1 or len(spans) <= 1:
        yield from map(_span, spans)
        return
    # Workers free everything they make by reference counting; without the cyclic
    # collector's passes they spend ~15% less time per entry.
    with multiprocessing.get_context("fork").Pool(
        min(workers, len(spans)), initializer=gc.disable
    ) as pool:
        yield from pool.imap(_span, spans)  # in order: the first failing span raises first


def _read(source: LogSource, size: int) -> tuple[list[bytes], list[int]]:
    """Every entry bundle of tree ``size``, and which hold an entry that introduces keys.

    From a URL, threads fetch while this one scans what arrived (files are read faster
    than threads could share them).
    """
    wanted = entry_bundles_for_size(size)
    if not source.is_url:
        return _scan(map(source.bundle, wanted))
    with ThreadPoolExecutor(READERS) as readers:
        return _scan(readers.map(source.bundle, wanted))


def _scan(fetched: Iterable[bytes]) -> tuple[list[bytes], list[int]]:
    bundles: list[bytes] = []
    marked: list[int] = []
    for n, data in enumerate(fetched):
        bundles.append(data)
        if any(marker in data for marker in checks.KEY_MARKERS):
            marked.append(n)
    return bundles, marked


def _key_entries(bundles: list[bytes], marked: list[int], size: int) -> Iterator[bytes]:
    for n in marked:
        try:
            yield from parse_entry_bundle(
                bundles[n], EntryBundle(n, min(TILE_WIDTH, size - n * TILE_WIDTH))
            )
        except LedgerError:
            continue  # the bundle's worker reports it


def check_log(
    source: LogSource,
    size: int,
    root_hash: bytes,
    operator_keys: Mapping[str, VerifierKey],
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> LogCheck:
    """Verify the tiles and the root of tree ``size`` from its entries and check every entry.

    Raises for a malformed bundle, a tile that does not match or a root that is not
    ``root_hash``; what the entries themselves show is the returned report.
    """
    global _job
    bundles, marked = _read(source, size)
    end = len(bundles)
    spans = [(n, min(n + SPAN, end)) for n in range(0, end, SPAN)]
    walk = checks.ChainWalk(operator_keys)

    @functools.lru_cache(maxsize=SPAN)
    def bundle_entries(n: int) -> list[bytes]:
        return parse_entry_bundle(
            bundles[n], EntryBundle(n, min(TILE_WIDTH, size - n * TILE_WIDTH))
        )

    def entry_at(index: int) -> checks.Checked:  # a run the walk takes apart: rare
        return checks.check_entry(bundle_entries(index // TILE_WIDTH)[index % TILE_WIDTH], index)

    tiles: list[bytes] = []
    roots: list[bytes] = []
    _job = (source, size, bundles)
    checks.set_keys(checks.key_table(_key_entries(bundles, marked, size), operator_keys))
    try:
        for span_tiles, span_roots, items, count in _spans(spans, workers or os.cpu_count() or 1):
            tiles += span_tiles
            roots += span_roots
            for item in items:
                if len(item) == 6:  # a run
                    walk.add_run(item, entry_at)
                else:
                    walk.add(item)
            if progress:
                progress(count)
    finally:
        _job = None
        checks.set_keys({})
    levels = upper_levels(roots)
    for tile in tiles_for_size(size):
        if tile.level == 0:
            continue
        at = tile.index * TILE_WIDTH
        if source.need(tile.path, MAX_TILE) != b"".join(
            levels[tile.level - 1][at : at + tile.width]
        ):
            raise VerificationError(
                "tile does not match the entries",
                code="tile-mismatch",
                location=Location(source.describe(tile.path)),
            )
    leaves = [t[i : i + HASH_SIZE] for t in tiles for i in range(0, len(t), HASH_SIZE)]
    tail = leaves[size - size % TILE_WIDTH :]
    if tree_root(size, levels, tail) != root_hash:
        raise VerificationError(
            "the entries do not lead to the checkpoint's root", code="log-root-mismatch"
        )
    return LogCheck(walk.report, leaves)
