"""Check a published log's tiles and entries against its checkpoint, on every core.

The main process first reads every entry bundle once, keeping none, to find those holding
an entry that introduces keys (registrations and key rotations), so that every candidate
key is known before any signature is checked; from a URL, threads fetch the bundles and
write them to a temporary folder. Forked workers then take spans of bundles: each reads
and splits its bundles, hashes the leaves, compares them with the served level-0 tile,
folds each full tile to its root and checks every entry on its own (canonical JSON, size,
shape or whole record, signatures against the candidate keys). Results come back in log
order, each publisher's linked entries folded into runs (``entries.runs``), and the main
process walks the chains while the workers go on; last, it compares the upper tiles,
derived from the roots, and the tree's root with the checkpoint's. Memory holds one hash
per full tile.
"""

from __future__ import annotations

import functools
import gc
import itertools
import multiprocessing
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from imageledger.core.keys import VerifierKey
from imageledger.errors import LedgerError, Location, Report, StorageError, VerificationError
from imageledger.log import entries as checks
from imageledger.log.fetch import MAX_TILE, LogSource
from imageledger.log.merkle import perfect_root
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


_Span = tuple[list[bytes], list[bytes], list["checks.Checked | checks.Run"], int]
_job: tuple[LogSource, LogSource, list[EntryBundle]] | None = None  # inherited by workers:
# where the tiles are, where the bundles are (the site, or the folder they were fetched to)
# and every bundle of the tree


def _entries(source: LogSource, bundle: EntryBundle) -> list[bytes]:
    return parse_entry_bundle(source.bundle(bundle), bundle)


def _span(span: tuple[int, int]) -> _Span:
    """Full tiles' roots, the leaf hashes of a partial tile (once the served tiles match),
    entry results (runs of them folded) and how many entries."""
    assert _job is not None
    source, bundles, wanted = _job
    tail: list[bytes] = []
    roots: list[bytes] = []
    results: list[checks.Checked] = []
    for bundle in wanted[slice(*span)]:
        entries = _entries(bundles, bundle)
        leaves = leaf_hashes(entries)
        tile = Tile(0, bundle.index, bundle.width)
        data = b"".join(leaves)
        if source.need(tile.path, MAX_TILE) != data:
            raise VerificationError(
                "tile does not match the entries",
                code="tile-mismatch",
                location=Location(source.describe(tile.path)),
            )
        if bundle.width == TILE_WIDTH:
            roots.append(perfect_root(leaves))
        else:
            tail = leaves
        first = bundle.index * TILE_WIDTH
        results.extend(checks.check_entry(raw, first + i) for i, raw in enumerate(entries))
    return roots, tail, checks.runs(results), len(results)


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


def _scan(
    source: LogSource, wanted: list[EntryBundle], mirror: LogSource | None
) -> list[EntryBundle]:
    """Which bundles hold an entry that introduces keys (``KEY_MARKERS``).

    From a URL, threads fetch and every bundle is written to ``mirror``, which the workers
    then read: nothing kept in memory grows with the log.
    """
    if mirror is None:
        return [b for b in wanted if checks.introduces_keys(source.bundle(b))]
    marked = []
    for bundle, data in zip(wanted, _fetched(source, wanted), strict=True):
        path = Path(mirror.root) / bundle.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as e:
            raise _cannot_write(e) from None
        if checks.introduces_keys(data):
            marked.append(bundle)
    return marked


def _fetched(source: LogSource, bundles: list[EntryBundle]) -> Iterator[bytes]:
    """The bundles' bytes in order, ``READERS`` threads fetching at most ``2 * READERS``
    ahead of the caller (a fast server cannot fill memory); a failure stops the fetching."""
    pending: deque[Future[bytes]] = deque()
    wanted = iter(bundles)
    with ThreadPoolExecutor(READERS) as readers:
        try:
            for bundle in itertools.islice(wanted, 2 * READERS):
                pending.append(readers.submit(source.bundle, bundle))
            while pending:
                data = pending.popleft().result()
                following = next(wanted, None)
                if following is not None:
                    pending.append(readers.submit(source.bundle, following))
                yield data
        finally:
            for future in pending:
                future.cancel()


def _key_entries(bundles: LogSource, marked: list[EntryBundle]) -> Iterator[bytes]:
    for bundle in marked:
        try:
            yield from _entries(bundles, bundle)
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
    records: bool = False,
) -> Report:
    """Verify the tiles and the root of tree ``size`` from its entries and check every entry
    (every record's values too with ``records``: ``entries.set_checks``).

    Raises for a malformed bundle, a tile that does not match or a root that is not
    ``root_hash``; what the entries themselves show is the returned report. Nothing kept
    grows faster than one hash per full tile: once this returns, the served tiles are the
    tree's (a ``TileHashReader`` over them reads proofs).
    """
    if not source.is_url:
        return _check(source, None, size, root_hash, operator_keys, workers, progress, records)
    try:
        folder = tempfile.TemporaryDirectory(prefix="imageledger-bundles-")
    except OSError as e:
        raise _cannot_write(e) from None
    with folder as mirror:
        return _check(
            source, LogSource(mirror), size, root_hash, operator_keys, workers, progress, records
        )


def _cannot_write(e: OSError) -> StorageError:
    return StorageError(
        f"cannot keep the fetched bundles: {e.strerror or e}",
        code="write-failed",
        location=Location(str(e.filename) if e.filename else "the temporary folder"),
        hint="set TMPDIR to a folder with room for the log's entries",
    )


def _check(
    source: LogSource,
    mirror: LogSource | None,
    size: int,
    root_hash: bytes,
    operator_keys: Mapping[str, VerifierKey],
    workers: int | None,
    progress: Callable[[int], None] | None,
    records: bool,
) -> Report:
    global _job
    bundles = mirror or source
    wanted = entry_bundles_for_size(size)
    keys = checks.key_table(_key_entries(bundles, _scan(source, wanted, mirror)), operator_keys)
    spans = [(n, min(n + SPAN, len(wanted))) for n in range(0, len(wanted), SPAN)]
    walk = checks.ChainWalk(operator_keys)
    bundle_entries = functools.lru_cache(maxsize=SPAN)(lambda n: _entries(bundles, wanted[n]))

    def entry_at(index: int) -> checks.Checked:  # a run the walk takes apart: rare
        return checks.check_entry(bundle_entries(index // TILE_WIDTH)[index % TILE_WIDTH], index)

    tail: list[bytes] = []
    roots: list[bytes] = []
    _job = (source, bundles, wanted)
    checks.set_checks(keys, records=records)
    try:
        for span_roots, span_tail, items, count in _spans(spans, workers or os.cpu_count() or 1):
            roots += span_roots
            tail = span_tail or tail
            for item in items:
                if len(item) == 6:  # a run
                    walk.add_run(item, entry_at)
                else:
                    walk.add(item)
            if progress:
                progress(count)
    finally:
        _job = None
        checks.set_checks({})
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
    if tree_root(size, levels, tail) != root_hash:
        raise VerificationError(
            "the entries do not lead to the checkpoint's root", code="log-root-mismatch"
        )
    return walk.report
