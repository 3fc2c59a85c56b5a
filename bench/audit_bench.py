"""Benchmark `imageledger audit` against the time to read the records it audits.

    python bench/audit_bench.py [--size 100000] [--publishers 10]

Uses the synthetic ledger of bench/synth.py (built once, cached under bench/out/, shared
with validate_bench.py). The synthetic records are all disclosures without people, which
leaves the consent rules idle, so after reading, every block of ten records is rewritten
in memory into a consent, seven AI-generated likenesses relying on it (some outside its
purposes, places or period, some unlabelled), a withdrawal (some late) and one correction
or retraction -- every rule has work to do. Reports:

  read   -- parse every record file (the audit's own reader; libyaml-based strict YAML),
            in one process and in --workers processes,
  floor  -- libyaml CSafeLoader alone on the same files,
  audit  -- the rules engine over the records already in memory (index + one pass),
  cli    -- `imageledger audit` end to end on the unmodified ledger,
and audit time per record at n/4, n/2 and n (flat per-record time: O(n log n) or better).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
from imageledger.audit import audit  # noqa: E402
from imageledger.storage.layout import Layout  # noqa: E402
from imageledger.storage.ledger_records import read_records, record_paths  # noqa: E402

AS_OF = "2026-11-27T00:00:00Z"
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def enrich(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rewrite the synthetic disclosures into consent-bearing blocks of ten (see above)."""
    out: list[dict[str, Any]] = []
    consent_ref = ""
    for data in records:
        seq = data.get("seq")
        if seq is None:
            out.append(data)
            continue
        p, slot = data["publisher"], seq % 10
        head = {k: data[k] for k in ("publisher", "seq", "prev", "recorded_at", "signatures")}
        if slot == 1:
            consent_ref = f"{p}/{seq}"
            out.append(
                head
                | {
                    "schema": "imageledger/consent/v1",
                    "subject": {"commitment": "sha256:" + "1" * 64},
                    "purposes": ["advertising", "social-media"],
                    "scope": {
                        "likeness": True,
                        "ai_training": False,
                        "synthetic_likeness": seq % 7 != 0,
                    },
                    "valid": {"from": "2026-01-01T00:00:00Z"}
                    | ({"until": "2026-06-30T00:00:00Z"} if seq % 3 == 0 else {}),
                    "jurisdictions": ["EU", "US-CA"] if seq % 11 else ["EU"],
                    "legal_basis": "gdpr-9-2-a",
                    "collection": {"method": "web-form", "withdrawal": "https://x.example/w"},
                    "receipt": "sha256:" + f"{seq:064x}",
                }
            )
        elif 2 <= slot <= 8:
            person = dict(data)
            person["ai"] = dict(data["ai"], resembles_real_person=True)
            person["ai"]["digital_source_type"] = DST + "trainedAlgorithmicMedia"
            person["subjects"] = [{"basis": "consent", "consent": consent_ref}]
            if seq % 13 == 0:
                person["labels"] = {"visible": "none", "machine_readable": []}
            if seq % 17 == 0:
                person["purposes"] = ["personalised-advertising"]
            if seq % 19 == 0:
                person["rights"] = dict(
                    data["rights"],
                    licence_period={
                        "from": "2026-01-01T00:00:00Z",
                        "until": "2026-05-01T00:00:00Z",
                    },
                )
            out.append(person)
        elif slot == 9:
            late = seq % 4 == 0
            out.append(
                head
                | {
                    "schema": "imageledger/consent-withdrawal/v1",
                    "consent": consent_ref,
                    "requested_at": "2026-04-01T00:00:00Z",
                    "effective_at": "2026-06-01T00:00:00Z" if late else "2026-04-08T00:00:00Z",
                }
            )
        elif seq % 20 == 0:
            out.append(
                head
                | {
                    "schema": "imageledger/retraction/v1",
                    "ref": f"{p}/{seq - 3}",
                    "reason": "Taken down.",
                    "effective_at": "2026-07-01T00:00:00Z",
                }
            )
        else:
            out.append(
                head
                | {
                    "schema": "imageledger/correction/v1",
                    "ref": f"{p}/{seq - 4}",
                    "reason": "Not used in California.",
                    "corrected": {"jurisdictions": ["EU"]},
                }
            )
    return out


def timed(fn: Any, *args: Any, **kw: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn(*args, **kw)
    return time.perf_counter() - start, value


def floor(paths: list[str]) -> float:
    start = time.perf_counter()
    for name in paths:
        yaml.load(Path(name).read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--publishers", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    repo = HERE / "out" / f"ledger-{args.size}"
    if not (repo / "ledger/ledger.yaml").is_file():
        synth.build(repo, args.publishers, args.size // args.publishers)
    layout = Layout(repo)
    paths = record_paths(layout)
    for name in paths:  # warm the page cache: every figure below is parsing, not disk
        Path(name).read_bytes()
    floor_s = floor(paths)
    read_s, records = timed(read_records, layout)
    read_n_s, _ = timed(read_records, layout, workers=args.workers)
    enriched = enrich(records)
    kinds = Counter(r["schema"].split("/")[1] for r in enriched)
    print(f"records: {len(records)} files; enriched kinds: {dict(kinds)}")
    print(f"read   {read_s:7.2f} s  ({len(records) / read_s:,.0f} records/s)")
    print(f"read   {read_n_s:7.2f} s  ({args.workers} processes)")
    print(f"floor  {floor_s:7.2f} s  (CSafeLoader only, one process)")
    chain = [r for r in enriched if "seq" in r]
    for fraction in (4, 2, 1):
        part = chain[: len(chain) // fraction]
        audit_s, report = timed(audit, part, as_of=AS_OF)
        per = audit_s / len(part) * 1e6
        print(
            f"audit  {audit_s:7.2f} s  n={len(part):>7,}  {per:5.1f} µs/record  "
            f"findings={len(report):,} {report.counts()}"
        )
    print(f"(read + audit) / read = {(read_s + audit_s) / read_s:.2f} (one process)")
    print(
        f"(read + audit) / read = {(read_n_s + audit_s) / read_n_s:.2f} ({args.workers} processes)"
    )
    exe = Path(sys.executable).parent / "imageledger"
    start = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "--repo", str(repo), "audit", "--as-of", AS_OF, "--workers", str(args.workers)],
        capture_output=True,
        text=True,
    )
    cli_s = time.perf_counter() - start
    print(f"cli    {cli_s:7.2f} s  exit {proc.returncode}: {proc.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
