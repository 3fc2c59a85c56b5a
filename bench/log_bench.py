"""Benchmark the transparency log against the floor of its primitives.

    python bench/log_bench.py [--integrate 1000000] [--tiles 1000000] [--site 100000]
                              [--tile-runs 1] [--tiles-dir DIR] [--rounds 5] [--records]

  integrate — a 1,000,000-entry log state on disk (state, last order file, last checkpoint),
              then `integrate_entries` of 1 new entry: read state, verify the last
              checkpoint, extend the edge, prove consistency, sign, write atomically.
  tiles     — hash tiles and entry bundles for N synthetic ~800-byte entries written to
              disk, against the floor: SHA-256 of every entry once (computing alone, then
              --tile-runs builds that write; nothing is deleted until the end).
  site      — `verify --site` over N signed synthetic records (canonical JSON entries in
              tiles, 10 publishers; --records: every value checked too), against the
              floor: Ed25519 verification of every entry's signature split over all
              cores (keys, messages and signatures packed in buffers the workers
              inherit: nothing is pickled or copied for them).
              After a warm-up, --rounds floor and check runs alternate; the ratio of all
              rounds' times is the figure, with a 95% bootstrap interval over the rounds,
              best against best and the median round.
Synthetic inputs are cached under bench/out/.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import multiprocessing
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
from imageledger.core import canonical  # noqa: E402
from imageledger.core.keys import demo_key, format_verifier_key  # noqa: E402
from imageledger.core.records import sign  # noqa: E402
from imageledger.demo import keys as demo_keys  # noqa: E402
from imageledger.log import merkle, tilewrite  # noqa: E402
from imageledger.log.audit import verify_site  # noqa: E402
from imageledger.log.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from imageledger.log.fetch import LogSource  # noqa: E402
from imageledger.log.integrate import integrate_entries  # noqa: E402
from imageledger.log.sequence import Entry  # noqa: E402
from imageledger.log.state import (  # noqa: E402
    ORDER_WIDTH,
    Head,
    LogState,
    OrderLine,
    checkpoint_name,
    format_order,
    format_state,
    order_name,
)
from imageledger.log.store import DirLogFiles  # noqa: E402
from imageledger.log.tiles import TILE_WIDTH, entry_bundles_for_size, parse_entry_bundle  # noqa: E402
from imageledger.log.tilewrite import TileBuild, write_tile_files  # noqa: E402
from imageledger.log.treestate import TreeState  # noqa: E402

OUT = HERE / "out"
ORIGIN = "bench.imageledger.example/log"
START = datetime(2026, 1, 2, tzinfo=UTC)


def synthetic(n: int) -> bytes:
    pad = hashlib.sha256(n.to_bytes(8, "big")).hexdigest() * 11
    return b'{"n":%d,"pad":"%s"}' % (n, pad.encode())


def bench_integrate(size: int) -> None:
    operator = demo_keys.operator()
    folder = Path(tempfile.mkdtemp(prefix="log-bench-"))
    try:
        t0 = time.perf_counter()
        tree = TreeState()
        tail: list[OrderLine] = []
        for i in range(size):
            h = hashlib.sha256(b"\x00" + i.to_bytes(8, "big")).digest()
            tree.append(h)
            if i >= size - size % ORDER_WIDTH:
                tail.append(OrderLine("acme", i, "sha256:" + h.hex(), h))
        files = DirLogFiles(folder)
        state = LogState(tree, {"acme": Head(size - 1, "sha256:" + "00" * 32)}, None)
        signed = sign_checkpoint(Checkpoint(ORIGIN, size, tree.root()), operator)
        files.write(
            {
                order_name(size // ORDER_WIDTH): format_order(tail),
                checkpoint_name(size): signed,
                "state": format_state(state),
            }
        )
        setup = time.perf_counter() - t0
        data = b'{"publisher":"acme","seq":%d}' % size
        entry = Entry("acme", size, "2026-02-01T00:00:00Z", data, canonical.sha256_ref(data))
        t0 = time.perf_counter()
        batch = integrate_entries(
            files,
            [entry],
            origin=ORIGIN,
            key=operator,
            operator_keys=[operator.verifier],
            time="2026-02-01T00:00:00Z",
        )
        elapsed = time.perf_counter() - t0
        assert batch is not None
        assert batch.new_size == size + 1
        state_bytes = (folder / "state").stat().st_size
        print(
            f"integrate: 1 entry into {size:,} entries: {elapsed * 1000:.1f} ms "
            f"(state file {state_bytes} bytes; building the {size:,}-entry state took "
            f"{setup:.1f} s)"
        )
    finally:
        shutil.rmtree(folder)


def _sha256_once(entries: list[bytes]) -> float:
    t0 = time.perf_counter()
    for e in entries:
        hashlib.sha256(e).digest()
    return time.perf_counter() - t0


class Packed:
    """The entries in one buffer, sliced on demand, as a worker reading them from files would
    get them: slicing copies the bytes but touches no per-entry object of the parent, so the
    pages ``fork`` shares stay shared (a list of a million ``bytes`` objects has each page
    copied into the worker that first changes a reference count on it)."""

    def __init__(self, entries: list[bytes]) -> None:
        self.blob = b"".join(entries)
        self.ends = array("Q", itertools.accumulate(map(len, entries), initial=0))

    def tile(self, n: int) -> list[bytes]:
        blob, ends = self.blob, self.ends
        lo, hi = n * TILE_WIDTH, min((n + 1) * TILE_WIDTH, len(ends) - 1)
        return [blob[ends[i] : ends[i + 1]] for i in range(lo, hi)]


def _timed_build(
    out: Path, size: int, entries: Callable[[int], Sequence[bytes]]
) -> tuple[float, float, TileBuild]:
    """Wall time and CPU time (this process and its workers) of ``write_tile_files``."""
    before = os.times()
    t0 = time.perf_counter()
    build = write_tile_files(out, size, entries)
    elapsed = time.perf_counter() - t0
    after = os.times()
    cpu = sum(after[:4]) - sum(before[:4])
    return elapsed, cpu, build


PROBE_FILES = 500


def _create_files(folder: Path, count: int) -> float:
    """Microseconds per empty file created in ``folder``: what this file system charges for
    the 7,831 files of a 1,000,000-entry log, apart from the bytes."""
    folder.mkdir()
    t0 = time.perf_counter()
    for i in range(count):
        os.close(os.open(folder / str(i), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    return (time.perf_counter() - t0) / count * 1e6


def bench_tiles(size: int, runs: int, folder: str | None = None) -> None:
    """Computing alone (writes replaced by nothing), then ``runs`` builds that write, each into
    a new folder and flushed after (not counted); every folder is deleted at the end only.

    ext4 without a journal (as here) skips, when it creates a file, every inode freed in the
    last one to six minutes, so deleting a tree of files makes creating the next one slower
    for a while; the bench deletes nothing until it is done, and measures file creation
    first (a probe folder of empty files) so that a run after a mass deletion shows it.
    """
    entries = [synthetic(i) for i in range(size)]
    packed = Packed(entries)
    total_bytes = sum(map(len, entries))
    floor = _sha256_once(entries)
    root = Path(tempfile.mkdtemp(prefix="tiles-bench-", dir=folder))
    write = tilewrite._write
    timed: list[tuple[float, float, float, float]] = []
    try:
        probe = _create_files(root / "probe", PROBE_FILES)
        tilewrite._write = lambda path, data: None  # type: ignore[assignment]
        t_compute, cpu_compute, _ = _timed_build(root / "none", size, packed.tile)
        t_list, _, _ = _timed_build(
            root / "none", size, lambda n: entries[n * TILE_WIDTH : (n + 1) * TILE_WIDTH]
        )
        tilewrite._write = write
        for run in range(runs):
            out = root / f"run-{run}"
            created = _create_files(root / f"probe-{run}", PROBE_FILES) if run else probe
            elapsed, cpu, build = _timed_build(out, size, packed.tile)
            t0 = time.perf_counter()
            os.sync()
            timed.append((elapsed, cpu, time.perf_counter() - t0, created))
        files = sum(1 for p in out.rglob("*") if p.is_file())
        on_disk = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        tilewrite._write = write
        shutil.rmtree(root)
    floor = min(floor, _sha256_once(entries))  # the smaller of two: the ratio errs high
    assert build.root == merkle.root(tilewrite.leaf_hashes(entries))
    assert files == build.files
    assert on_disk == build.bytes
    cores = os.cpu_count() or 1
    print(
        f"tiles: {size:,} entries ({total_bytes / 1e6:.0f} MB) on {cores} cores, "
        f"{build.files:,} files, {build.bytes / 1e6:.1f} MB; floor SHA-256 once, one thread, "
        f"{floor:.2f} s; in {root.parent}"
    )
    print(
        f"  computing alone {t_compute:.2f} s = {t_compute / floor:.2f}x (CPU {cpu_compute:.2f} "
        f"s; {t_list:.2f} s from a list of bytes objects)"
    )
    for elapsed, cpu, flush, created in timed:
        print(
            f"  with writes {elapsed:.2f} s = {elapsed / floor:.2f}x (CPU {cpu:.2f} s, all "
            f"processes; then os.sync {flush:.2f} s, not counted; creating an empty file "
            f"just before: {created:.0f} us)"
        )


def _publishers(count: int) -> list[tuple[str, object, dict[str, object]]]:
    return list(synth.registrations(count))  # type: ignore[arg-type]


def build_site(size: int, publishers: int = 10) -> Path:
    site = OUT / f"site-{size}"
    if (site / "log/checkpoint").is_file():
        return site
    if site.exists():
        shutil.rmtree(site)
    entries: list[bytes] = []
    chains = []
    for pid, key, reg in _publishers(publishers):
        entries.append(canonical.canonical_json(reg))
        chains.append([pid, key, canonical.record_hash(reg)])
    seq = 0
    while len(entries) < size:
        seq += 1
        at = (START + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for chain in chains:
            if len(entries) >= size:
                break
            pid, key, prev = chain
            record = {
                **synth.body(str(pid), seq),
                "publisher": pid,
                "seq": seq,
                "prev": prev,
                "recorded_at": at,
            }
            signed = sign(record, key)  # type: ignore[arg-type]
            chain[2] = canonical.record_hash(signed)
            entries.append(canonical.canonical_json(signed))
    build = write_tile_files(
        site / "log", size, lambda n: entries[n * TILE_WIDTH : (n + 1) * TILE_WIDTH]
    )
    cp = sign_checkpoint(Checkpoint(ORIGIN, size, build.root), demo_keys.operator())
    (site / "log/checkpoint").write_bytes(cp)
    return site


class Signed:
    """Every entry's public key, signing message and signature, packed in three buffers and
    an index, so that the floor's workers inherit them through ``fork`` without copying a
    page (no per-entry object of the parent is touched) and nothing is pickled."""

    def __init__(self, items: list[tuple[bytes, bytes, bytes]]) -> None:
        self.keys = sorted({public for public, _, _ in items})
        at = {public: i for i, public in enumerate(self.keys)}
        self.key_of = array("H", (at[public] for public, _, _ in items))
        self.messages = b"".join(message for _, message, _ in items)
        self.ends = array("Q", itertools.accumulate((len(m) for _, m, _ in items), initial=0))
        self.signatures = b"".join(sig for _, _, sig in items)

    def verify(self, share: tuple[int, int]) -> int:
        """Verify entries ``start``, ``start + step``, … (``share = (start, step)``)."""
        start, step = share
        loaded = [Ed25519PublicKey.from_public_bytes(public) for public in self.keys]
        messages, ends, signatures, key_of = self.messages, self.ends, self.signatures, self.key_of
        count = 0
        for i in range(start, len(key_of), step):
            loaded[key_of[i]].verify(
                signatures[64 * i : 64 * i + 64], messages[ends[i] : ends[i + 1]]
            )
            count += 1
        return count


_signed: Signed | None = None  # the floor's entries, inherited by its workers


def _verify_share(share: tuple[int, int]) -> int:
    assert _signed is not None
    return _signed.verify(share)


def bench_site(size: int, rounds: int, records: bool = False) -> None:
    t0 = time.perf_counter()
    site = build_site(size)
    built = time.perf_counter() - t0
    source = LogSource(site / "log")
    items = []
    keys = {}
    for bundle in entry_bundles_for_size(size):
        for data in parse_entry_bundle(source.bundle(bundle), bundle):
            value = json.loads(data)
            sig = value["signatures"][-1]
            if not keys:
                keys[sig["key"]] = demo_keys.operator().verifier.public
            if sig["key"] not in keys:
                pid = value["publisher"]
                keys[sig["key"]] = demo_key(f"{pid}.example/bench-DEMO").verifier.public
            items.append(
                (keys[sig["key"]], canonical.signing_message(value), base64.b64decode(sig["sig"]))
            )
    cores = os.cpu_count() or 1
    operator = format_verifier_key(demo_keys.operator().verifier)

    global _signed
    _signed = Signed(items)
    del items

    def floor_run() -> None:
        with multiprocessing.get_context("fork").Pool(cores) as pool:
            shares = [(i, cores) for i in range(cores)]
            assert sum(pool.map(_verify_share, shares, chunksize=1)) == size

    def verify_run() -> None:
        audit = verify_site(str(site), operator_keys=[operator], records=records)
        assert audit.report, [f.diagnostics() for f in audit.report][:3]
        assert audit.entries == size

    # One round of each first, not counted: the first run in a process pays for faulting in
    # fresh memory and compiling the schema validators. Then alternate the two, so that a
    # burst of load from other jobs (or a slower phase of a virtual CPU) hits both alike.
    floor_run()
    verify_run()
    floors, verifies = [], []
    for _ in range(rounds):
        floors.append(_timed(floor_run))
        verifies.append(_timed(verify_run))
    for (f_wall, f_cpu), (v_wall, v_cpu) in zip(floors, verifies, strict=True):
        print(
            f"verify --site: {size:,} entries on {cores} cores: {v_wall:.2f} s "
            f"({size / v_wall:,.0f} entries/s; CPU {v_cpu:.2f} s); floor Ed25519 verify on "
            f"{cores} cores {f_wall:.2f} s (CPU {f_cpu:.2f} s); ratio {v_wall / f_wall:.2f}x "
            f"(CPU {v_cpu / f_cpu:.2f}x)"
        )
    pairs = [(v[0], f[0]) for f, v in zip(floors, verifies, strict=True)]
    ratios = sorted(v / f for v, f in pairs)
    best_v, best_f = min(v[0] for v in verifies), min(f[0] for f in floors)
    total_v, total_f = sum(v[0] for v in verifies), sum(f[0] for f in floors)
    low, high = _interval(pairs)
    print(
        f"verify --site, {rounds} alternating rounds: all rounds {total_v:.1f} s against "
        f"{total_f:.1f} s of floor, ratio {total_v / total_f:.2f}x (95% interval "
        f"{low:.2f}-{high:.2f}x); best {best_v:.2f} s against best floor {best_f:.2f} s, ratio "
        f"{best_v / best_f:.2f}x; median round ratio {ratios[len(ratios) // 2]:.2f}x "
        f"(range {ratios[0]:.2f}-{ratios[-1]:.2f}x)"
    )
    print(f"  (building the site took {built:.1f} s)")


def _interval(pairs: Sequence[tuple[float, float]], draws: int = 10_000) -> tuple[float, float]:
    """A 95% percentile-bootstrap interval for the ratio of all rounds' times: rounds (a check
    and the floor run beside it) drawn again with replacement, with a fixed seed."""
    pick = random.Random(6962).choices
    ratios = sorted(
        sum(v for v, _ in sample) / sum(f for _, f in sample)
        for sample in (pick(pairs, k=len(pairs)) for _ in range(draws))
    )
    return ratios[int(0.025 * draws)], ratios[int(0.975 * draws) - 1]


def _timed(run: Callable[[], None]) -> tuple[float, float]:
    """Wall and CPU seconds (this process and its reaped workers) of ``run()``."""
    before = os.times()
    t0 = time.perf_counter()
    run()
    elapsed = time.perf_counter() - t0
    after = os.times()
    return elapsed, sum(after[:4]) - sum(before[:4])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--integrate", type=int, default=1_000_000)
    parser.add_argument("--tiles", type=int, default=1_000_000)
    parser.add_argument("--site", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="floor/verify pairs for --site")
    parser.add_argument(
        "--records", action="store_true", help="--site checks every record's values too"
    )
    parser.add_argument("--tile-runs", type=int, default=1, help="builds that write, for --tiles")
    parser.add_argument("--tiles-dir", help="where --tiles writes (default: the temp folder)")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    if args.integrate:
        bench_integrate(args.integrate)
    if args.tiles:
        bench_tiles(args.tiles, args.tile_runs, args.tiles_dir)
    if args.site:
        bench_site(args.site, args.rounds, args.records)


if __name__ == "__main__":
    main()
