"""Benchmark `validate` against the floor of its primitives, on every core.

    python bench/validate_bench.py [--sizes 10000 100000] [--publishers 10]

For each size: build a synthetic ledger (cached under bench/out/), then time
  floor  — libyaml parse (CSafeLoader) + Ed25519 verify + SHA-256 of every record file,
           split over all cores (what any validator must at least do);
  full   — `imageledger validate` of the whole ledger;
  one    — `imageledger validate PATH` of one new record (its publisher's chain);
and report records/s, the full/floor ratio and peak memory (max RSS of the process tree).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import multiprocessing
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
from imageledger.core.keys import demo_key  # noqa: E402


def _floor_chunk(args: tuple[list[str], dict[str, bytes]]) -> int:
    paths, keys = args
    loaded = {ref: Ed25519PublicKey.from_public_bytes(pub) for ref, pub in keys.items()}
    for path in paths:
        data = Path(path).read_bytes()
        value = yaml.load(data, Loader=yaml.CSafeLoader)
        sig = value["signatures"][0]
        message = json.dumps(
            {k: v for k, v in value.items() if k != "signatures"},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        loaded[sig["key"]].verify(
            base64.b64decode(sig["sig"]), b"imageledger/record/v1\n" + message
        )
        hashlib.sha256(data).digest()
    return len(paths)


def floor(repo: Path, publishers: int) -> float:
    paths = sorted(str(p) for p in (repo / "ledger/publishers").glob("*/records/*.yaml"))
    keys = {}
    for p in range(publishers):
        key = demo_key(f"pub{p:03d}.example/bench-DEMO").verifier
        keys[key.ref] = key.public
    cores = os.cpu_count() or 1
    chunks = [(paths[i::cores], keys) for i in range(cores)]
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        assert sum(pool.map(_floor_chunk, chunks)) == len(paths)
    return time.perf_counter() - start


def timed(cmd: list[str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed: {proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return elapsed, peak_kib, proc.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--publishers", type=int, default=10)
    args = parser.parse_args()
    exe = str(Path(sys.executable).parent / "imageledger")
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    for size in args.sizes:
        repo = HERE / "out" / f"ledger-{size}"
        per = size // args.publishers
        if not (
            repo / "ledger/publishers" / f"pub{args.publishers - 1:03d}/records" / f"{per:06d}.yaml"
        ).exists():
            t0 = time.perf_counter()
            synth.build(repo, args.publishers, per)
            print(f"built {size} records in {time.perf_counter() - t0:.1f} s")
        floor_s = floor(repo, args.publishers)
        full_s, peak, last = timed([exe, "--repo", str(repo), "validate", "--no-cache"])
        # A publisher's PR adds one record; `validate PATH` checks it. The first run on a
        # clone fills the cache for that publisher; later runs parse only new files.
        shutil.rmtree(repo / ".imageledger-cache", ignore_errors=True)
        one = repo / "ledger/publishers/pub000/records" / f"{per:06d}.yaml"
        first_s, _, _ = timed([exe, "--repo", str(repo), "validate", str(one)])
        new = synth.append(repo)
        try:
            new_s, _, _ = timed([exe, "--repo", str(repo), "validate", str(new)])
        finally:
            new.unlink()
        print(
            f"{size:>7} records: floor {floor_s:6.2f} s ({size / floor_s:7.0f}/s)  "
            f"validate {full_s:6.2f} s ({size / full_s:7.0f}/s, {full_s / floor_s:.2f}x floor)"
            f"  peak RSS {peak / 1024:.0f} MiB  [{last}]\n"
            f"{'':>17}validate PATH: first on a clone {first_s:.2f} s, "
            f"one new record {new_s:.2f} s"
        )


if __name__ == "__main__":
    main()
