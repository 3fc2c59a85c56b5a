"""Benchmark `check-pr`: a 10-record PR on a small and on a large ledger.

    python bench/checkpr_bench.py [--sizes 1000 100000] [--publishers 10] [--records 10]

For each size: build a synthetic ledger (bench/synth.py) and commit it into a git
repository once (cached under bench/out/checkpr-<size>/), then make a PR branch that adds
RECORDS records to pub000 with git plumbing (the working tree is never touched), and time
  cli    — `imageledger check-pr --base main --head bench-pr` as CI runs it (a new process);
  call   — `prcheck.check_pr` in this process (no interpreter start-up).
Each is the median of --repeat runs. The target: under 2 s at 100,000 records and within
1.5x of the same PR at 1,000 records (the cost must not grow with the ledger).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
from imageledger import authoring  # noqa: E402
from imageledger.core import canonical, strict_yaml  # noqa: E402
from imageledger.core.keys import demo_key  # noqa: E402
from imageledger.prcheck import check_pr  # noqa: E402
from imageledger.storage.gitrepo import GitRepo  # noqa: E402

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def git(repo: Path, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        env=env or ENV,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout


def base_repo(size: int, publishers: int) -> Path:
    """The synthetic ledger of ``size`` records committed on ``main`` (built once)."""
    repo = HERE / "out" / f"checkpr-{size}"
    if (repo / ".git").is_dir() and subprocess.run(
        ["git", "rev-parse", "--verify", "-q", "main"], cwd=repo, capture_output=True, check=False
    ).returncode == 0:
        return repo
    t0 = time.perf_counter()
    synth.build(repo, publishers, size // publishers)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"synthetic ledger of {size} records")
    git(repo, "gc", "-q")
    print(f"built and committed {size} records in {time.perf_counter() - t0:.1f} s")
    return repo


def make_pr(repo: Path, count: int) -> None:
    """Branch ``bench-pr``: ``count`` new records of pub000 on top of main."""
    folder = repo / "ledger/publishers/pub000/records"
    last = max(folder.iterdir())
    head = strict_yaml.parse(last.read_bytes())
    seq, prev = head["seq"], canonical.record_hash(head)
    key = demo_key("pub000.example/bench-DEMO")
    index = repo / ".git" / "bench-pr.index"
    env = {**ENV, "GIT_INDEX_FILE": str(index)}
    git(repo, "read-tree", "main", env=env)
    for n in range(seq + 1, seq + count + 1):
        at = (synth.START + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = authoring.seal(
            synth.body("pub000", n), publisher="pub000", seq=n, prev=prev, recorded_at=at, key=key
        )
        prev = canonical.record_hash(record)
        blob = git(repo, "hash-object", "-w", "--stdin", stdin=authoring.render(record).decode())
        path = f"ledger/publishers/pub000/records/{n:06d}.yaml"
        git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob.strip()},{path}", env=env)
    tree = git(repo, "write-tree", env=env).strip()
    commit = git(repo, "commit-tree", tree, "-p", "main", "-m", "bench PR").strip()
    git(repo, "update-ref", "refs/heads/bench-pr", commit)
    index.unlink()


def measure(repo: Path, repeat: int) -> tuple[float, float]:
    exe = str(Path(sys.executable).parent / "imageledger")
    cmd = [exe, "--repo", str(repo), "check-pr", "--base", "main", "--head", "bench-pr"]
    cli_times, call_times = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        cli_times.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise SystemExit(f"check-pr failed: {done.stdout}{done.stderr}")
        source = GitRepo(repo)
        t0 = time.perf_counter()
        result = check_pr(source, "main", "bench-pr")
        call_times.append(time.perf_counter() - t0)
        source.close()
        if not result.report:
            raise SystemExit(f"check-pr failed: {result.report.to_json()}")
    return statistics.median(cli_times), statistics.median(call_times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--publishers", type=int, default=10)
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    results = {}
    for size in args.sizes:
        repo = base_repo(size, args.publishers)
        make_pr(repo, args.records)
        cli_s, call_s = measure(repo, args.repeat)
        results[size] = cli_s
        print(
            f"{size:>7} records: check-pr of a {args.records}-record PR  "
            f"cli {cli_s:.3f} s  (in-process {call_s:.3f} s)"
        )
    small, large = min(results), max(results)
    if small != large:
        ratio = results[large] / results[small]
        ok = results[large] < 2 and ratio <= 1.5
        verdict = "met" if ok else "MISSED"
        print(f"ratio {large}/{small}: {ratio:.2f}x  target <2 s and <=1.5x: {verdict}")


if __name__ == "__main__":
    main()
