"""The parallel tile writer and site check give what the serial paths give, faults included.

``SPAN`` is set to one tile per task so that a small log is spread over several workers.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from imageledger import authoring
from imageledger.core import canonical
from imageledger.core.keys import demo_key, format_verifier_key
from imageledger.core.records import sign
from imageledger.demo import keys as demo_keys
from imageledger.errors import LedgerError, RecordError
from imageledger.log import audit as audit_module
from imageledger.log import entries as checks
from imageledger.log import sitecheck, tilewrite
from imageledger.log.audit import Audit, verify_site
from imageledger.log.checkpoint import Checkpoint, sign_checkpoint
from imageledger.log.entries import check_entries
from imageledger.log.fetch import LogSource
from imageledger.log.hashstore import MemoryHashStore, stored_hash_index
from imageledger.log.merkle import leaf_hash, root
from imageledger.log.sitecheck import check_log
from imageledger.log.tiles import TILE_WIDTH
from imageledger.log.tilewrite import write_tile_files
from imageledger.log.witness import memory_path
from log_cli import logtools
from log_cli.logtools import snapshot, tile_files

ORIGIN = "test.imageledger.example/log"
OPERATOR = demo_keys.operator()
START = datetime(2026, 1, 2, tzinfo=UTC)
serve = logtools.serve


@pytest.fixture(autouse=True)
def one_tile_per_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tilewrite, "SPAN", 1)
    monkeypatch.setattr(sitecheck, "SPAN", 1)


def _entries_of(entries: list[bytes]) -> Callable[[int], list[bytes]]:
    return lambda n: entries[n * TILE_WIDTH : (n + 1) * TILE_WIDTH]


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 511, 512, 1000, 70_000, 65_536 + 300])
def test_tiles_on_two_cores_equal_one_core_and_the_stored_hash_path(
    size: int, tmp_path: Path
) -> None:
    entries = [b"entry %d" % i for i in range(size)]
    builds = {
        w: write_tile_files(tmp_path / str(w), size, _entries_of(entries), workers=w)
        for w in (1, 2)
    }
    store = MemoryHashStore.from_entries(entries)
    expected = dict(tile_files(0, size, store, _entries_of(entries)))
    for w, build in builds.items():
        assert snapshot(tmp_path / str(w)) == expected
        assert build.root == root(leaf_hash(e) for e in entries)
        assert (build.files, build.bytes) == (len(expected), sum(map(len, expected.values())))


@pytest.mark.parametrize(("old", "new"), [(0, 1), (255, 256), (256, 700), (700, 700), (1, 1000)])
def test_extending_writes_only_new_and_grown_tiles(old: int, new: int, tmp_path: Path) -> None:
    entries = [b"entry %d" % i for i in range(new)]
    store = MemoryHashStore.from_entries(entries)
    roots = store.read_hashes([stored_hash_index(8, n) for n in range(old // TILE_WIDTH)])
    write_tile_files(tmp_path, old, _entries_of(entries[:old]), workers=2)
    before = snapshot(tmp_path)
    build = write_tile_files(
        tmp_path, new, _entries_of(entries), old_size=old, old_roots=roots, workers=2
    )
    grown = dict(tile_files(old, new, store, _entries_of(entries)))
    assert build.files == len(grown)  # nothing new: nothing written
    assert snapshot(tmp_path) == {**before, **grown}
    assert build.root == store.root()


def test_an_oversized_entry_is_refused_from_a_worker(tmp_path: Path) -> None:
    entries = [b"x"] * 600 + [b"y" * 70_000]
    with pytest.raises(RecordError) as e:
        write_tile_files(tmp_path, len(entries), _entries_of(entries), workers=2)
    assert e.value.code == "entry-too-large"


# A published log of signed records: 3 publishers, 1,100 entries, 5 bundles.


def _registration(p: int, keys: list[Any]) -> dict[str, Any]:
    """Publisher ``pub<p>``'s registration of ``keys``, admitted by the operator."""
    pid = f"pub{p:03d}"
    return authoring.sign_registration(
        authoring.registration(
            pid,
            name=f"Publisher {p}",
            domain=f"{pid}.example",
            contact=f"mailto:ledger@{pid}.example",
            keys=[format_verifier_key(k.verifier) for k in keys],
            admitted_at="2026-01-01T00:00:00Z",
        ),
        OPERATOR,
    )


def _signed_log(
    count: int = 1100, edit: Callable[[dict[str, Any]], None] = lambda record: None
) -> list[bytes]:
    """``count`` entries: 3 registrations, then retractions in turn, each ``edit``-ed first."""
    entries, chains = [], []
    for p in range(3):
        pid = f"pub{p:03d}"
        key = demo_key(f"{pid}.example/test-DEMO")
        reg = _registration(p, [key])
        entries.append(canonical.canonical_json(reg))
        chains.append([pid, key, canonical.record_hash(reg)])
    seq = 0
    while len(entries) < count:
        seq += 1
        for chain in chains[: count - len(entries)]:
            pid, key, prev = chain
            at = (START + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")
            record: dict[str, Any] = {
                "schema": "imageledger/retraction/v1",
                "publisher": pid,
                "seq": seq,
                "prev": prev,
                "recorded_at": at,
                "ref": f"{pid}/{max(seq - 1, 1)}",
                "reason": f"test {seq}",
                "effective_at": at,
            }
            edit(record)
            signed = sign(record, key)  # type: ignore[arg-type]
            chain[2] = canonical.record_hash(signed)
            entries.append(canonical.canonical_json(signed))
    return entries


def _publish(site: Path, entries: list[bytes]) -> None:
    if site.exists():
        shutil.rmtree(site)
    build = write_tile_files(site / "log", len(entries), _entries_of(entries), workers=1)
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, len(entries), build.root), OPERATOR)
    (site / "log/checkpoint").write_bytes(checkpoint)


def _verify(site: Path, workers: int) -> list[str]:
    audit: Audit = verify_site(
        str(site), operator_keys=[format_verifier_key(OPERATOR.verifier)], workers=workers
    )
    return [f.diagnostics() for f in audit.report]


@pytest.fixture(scope="module")
def signed_log() -> list[bytes]:
    return _signed_log()


def _tamper_entry(entries: list[bytes], at: int, change: Callable[[bytes], bytes]) -> list[bytes]:
    return [*entries[:at], change(entries[at]), *entries[at + 1 :]]


def _truncate(path: str) -> Callable[[Path, list[bytes]], None]:
    def run(site: Path, entries: list[bytes]) -> None:
        target = site / "log" / path
        target.write_bytes(target.read_bytes()[:-5])

    return run


def _relog(index: int, change: Callable[[bytes], bytes]) -> Callable[[Path, list[bytes]], None]:
    """The operator logged (tiles and checkpoint) a changed entry ``index``."""
    return lambda site, entries: _publish(site, _tamper_entry(entries, index, change))


def _edit_bundle_only(site: Path, entries: list[bytes]) -> None:
    bundle = site / "log/tile/entries/002"
    bundle.write_bytes(bundle.read_bytes().replace(b"test 171", b"test 999", 1))


def _wrong_root(site: Path, entries: list[bytes]) -> None:
    cp = sign_checkpoint(Checkpoint(ORIGIN, len(entries), b"\x01" * 32), OPERATOR)
    (site / "log/checkpoint").write_bytes(cp)


def _flip_signature(entry: bytes) -> bytes:
    at = entry.rindex(b'"sig":"') + 10
    return entry[:at] + (b"A" if entry[at : at + 1] != b"A" else b"B") + entry[at + 1 :]


TAMPERINGS: list[Any] = [
    pytest.param(lambda site, entries: None, "", id="untouched"),
    pytest.param(_truncate("tile/0/003"), "tile-mismatch", id="truncated-level-0-tile"),
    pytest.param(_truncate("tile/1/000.p/4"), "tile-mismatch", id="truncated-level-1-tile"),
    pytest.param(_truncate("tile/entries/001"), "bundle-malformed", id="truncated-bundle"),
    pytest.param(_edit_bundle_only, "tile-mismatch", id="edited-entry"),
    pytest.param(_wrong_root, "log-root-mismatch", id="wrong-root"),
    pytest.param(_relog(700, _flip_signature), "signature-invalid", id="bad-signature"),
    pytest.param(
        _relog(900, lambda e: e.replace(b'"reason":', b'"reason": ', 1)),
        "json-not-canonical",
        id="non-canonical-entry",
    ),
    pytest.param(
        _relog(1000, lambda e: e.replace(b'"reason":"test', b'"reason":"Test', 1)),
        "signature-invalid",
        id="edited-entry-relogged",
    ),
]


@pytest.mark.parametrize(("tamper", "code"), TAMPERINGS)
def test_site_check_on_two_cores_equals_one_core(
    signed_log: list[bytes], tamper: Callable[[Path, list[bytes]], None], code: str, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    _publish(site, signed_log)
    tamper(site, signed_log)
    serial, parallel = _verify(site, 1), _verify(site, 2)
    assert serial == parallel
    if code:
        assert any(f"[{code}]" in line for line in serial), serial
    else:
        assert serial == []


def test_site_check_reports_what_the_in_memory_check_reports(
    signed_log: list[bytes], tmp_path: Path
) -> None:
    entries = _tamper_entry(signed_log, 500, _flip_signature)
    entries = _tamper_entry(entries, 800, lambda e: e.replace(b'"reason":', b'"reason": ', 1))
    site = tmp_path / "site"
    _publish(site, entries)
    keys = {OPERATOR.verifier.ref: OPERATOR.verifier}
    expected, _chains = check_entries(entries, keys)
    size = len(entries)
    cp_root = MemoryHashStore.from_entries(entries).root()
    report = sitecheck.check_log(LogSource(site / "log"), size, cp_root, keys, workers=2)
    assert report.findings == expected.findings
    assert len(expected.findings) == 2


def _odd_values(record: dict[str, Any]) -> None:
    """pub001's record 100 refers to no record; pub002's record 150, a consent withdrawal,
    takes effect before it was requested. Both are signed and chained."""
    if (record["publisher"], record["seq"]) == ("pub001", 100):
        record["ref"] = "not a ref"
    if (record["publisher"], record["seq"]) == ("pub002", 150):
        record["schema"] = "imageledger/consent-withdrawal/v1"
        record.update(consent="pub002/1", requested_at="2026-02-01T00:00:00Z")
        del record["ref"], record["reason"]


@pytest.mark.parametrize("workers", [1, 2])
def test_record_values_are_checked_only_when_asked(workers: int, tmp_path: Path) -> None:
    entries = _signed_log(600, _odd_values)
    site = tmp_path / "site"
    _publish(site, entries)
    keys = {OPERATOR.verifier.ref: OPERATOR.verifier}
    operator = [format_verifier_key(OPERATOR.verifier)]
    found = {}
    for records in (False, True):
        audit = verify_site(str(site), operator_keys=operator, workers=workers, records=records)
        expected, _chains = check_entries(entries, keys, records=records)
        assert audit.report.findings == expected.findings
        assert audit.records is records
        found[records] = [(f.code, f.location.path, f.location.field) for f in audit.report]
    assert found[False] == []
    assert found[True] == [  # each refused record leaves a gap in its chain
        ("record-schema", f"log entry {3 + 3 * 99 + 1}", "ref"),
        ("chain-gap", f"log entry {3 + 3 * 100 + 1}", "seq"),
        ("record-period", f"log entry {3 + 3 * 149 + 2}", "effective_at"),
        ("chain-gap", f"log entry {3 + 3 * 150 + 2}", "seq"),
    ]


@pytest.mark.parametrize("over_http", [False, True], ids=["folder", "http"])
def test_state_proves_a_grown_site_from_its_tiles_and_catches_a_fork(
    signed_log: list[bytes], tmp_path: Path, serve: Callable[[Path], str], over_http: bool
) -> None:
    site, state = tmp_path / "site", tmp_path / "state"
    operator = [format_verifier_key(OPERATOR.verifier)]
    where = serve(site) if over_http else str(site)  # bundles fetched into a temporary folder

    def verify() -> Audit:
        return verify_site(where, state=state, operator_keys=operator, workers=2)

    _publish(site, signed_log[:300])
    assert not verify().report.findings
    # The same entries at 300, another from 100 on: not an extension of what was seen.
    _publish(site, _tamper_entry(signed_log, 100, _flip_signature))
    audit = verify()
    assert "log-fork" in {f.code for f in audit.report}
    assert audit.evidence
    # The real log grew from 300: the proof comes from the tiles, several hashes long.
    _publish(site, signed_log)
    assert not verify().report.findings
    assert b"\n1100\n" in memory_path(state, ORIGIN).read_bytes()


def test_tiles_changed_after_the_check_cannot_hide_a_fork(
    signed_log: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that serves the checked tiles, then the old tree's, must not pass a fork."""
    site, state = tmp_path / "site", tmp_path / "state"
    operator = [format_verifier_key(OPERATOR.verifier)]
    _publish(site, signed_log[:300])
    assert not verify_site(str(site), state=state, operator_keys=operator).report.findings
    old = snapshot(site / "log")
    _publish(site, _tamper_entry(signed_log, 100, _flip_signature))  # a fork from 100 on
    checked = False

    def check_then_swap(*args: Any, **kwargs: Any) -> Any:
        nonlocal checked
        report = check_log(*args, **kwargs)
        checked = True
        return report

    def need(self: LogSource, path: str, limit: int) -> bytes:
        data = LogSource.read(self, path, limit)
        assert data is not None
        full = path.split(".p/")[0]
        was = old.get(full) or next((v for k, v in old.items() if k.startswith(f"{full}.p/")), b"")
        if checked and path.startswith("tile/") and not path.startswith("tile/entries/"):
            data = was + data[len(was) :]  # the old tree's hashes where it had any
        return data

    monkeypatch.setattr(audit_module, "check_log", check_then_swap)
    monkeypatch.setattr(LogSource, "need", need)
    audit = verify_site(str(site), state=state, operator_keys=operator)
    assert checked
    assert "log-fork" in {f.code for f in audit.report}


def test_no_room_for_fetched_bundles_is_one_error(
    signed_log: list[bytes],
    tmp_path: Path,
    serve: Callable[[Path], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site = tmp_path / "site"
    _publish(site, signed_log[:300])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    audit = verify_site(serve(site), operator_keys=[format_verifier_key(OPERATOR.verifier)])
    assert [f.code for f in audit.report] == ["write-failed"]
    assert "TMPDIR" in audit.report.findings[0].diagnostics()


def test_a_bundle_missing_from_a_url_stops_the_fetching_with_one_error(
    signed_log: list[bytes], tmp_path: Path, serve: Callable[[Path], str]
) -> None:
    site = tmp_path / "site"
    _publish(site, signed_log)
    (site / "log/tile/entries/001").unlink()
    audit = verify_site(serve(site), operator_keys=[format_verifier_key(OPERATOR.verifier)])
    assert [f.code for f in audit.report] == ["log-file-missing"]
    assert "tile/entries/001" in audit.report.findings[0].diagnostics()


def test_a_missing_tile_is_reported_as_missing(signed_log: list[bytes], tmp_path: Path) -> None:
    site = tmp_path / "site"
    _publish(site, signed_log)
    (site / "log/tile/0/002").unlink()
    for workers in (1, 2):
        with pytest.raises(LedgerError) as e:
            sitecheck.check_log(
                LogSource(site / "log"),
                len(signed_log),
                b"",
                {OPERATOR.verifier.ref: OPERATOR.verifier},
                workers=workers,
            )
        assert e.value.code == "log-file-missing"


# Runs: the walk takes a publisher's linked entries whole, and must find what it finds
# entry by entry. A log whose chains rotate, retire and revoke keys, and break in the
# middle of runs in every way the walk checks.


def _eventful_log() -> tuple[list[bytes], set[str]]:
    keys = {p: [demo_key(f"pub{p:03d}.example/k{k}-DEMO") for k in range(2)] for p in range(6)}
    entries: list[bytes] = []
    heads: dict[int, list[Any]] = {}
    for p in range(6):
        reg = _registration(p, keys[p])
        entries.append(canonical.canonical_json(reg))
        heads[p] = [0, canonical.record_hash(reg)]

    def log(p: int, body: dict[str, Any], key: Any, *, seq: int | None = None, at: int = 0) -> None:
        head = heads[p]
        seq = head[0] + 1 if seq is None else seq
        when = (START + timedelta(minutes=seq + at)).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = {
            "publisher": f"pub{p:03d}",
            "seq": seq,
            "prev": head[1],
            "recorded_at": when,
            **body,
        }
        signed = sign(record, key)
        head[0], head[1] = seq, canonical.record_hash(signed)
        entries.append(canonical.canonical_json(signed))

    def retraction(p: int) -> dict[str, Any]:
        return {
            "schema": "imageledger/retraction/v1",
            "ref": f"pub{p:03d}/1",
            "reason": "test",
            "effective_at": "2026-01-02T00:00:00Z",
        }

    for step in range(1, 181):
        for p in range(6):
            old, new = keys[p]
            if p == 0 and step == 60:  # rotate to the second key, retiring the first
                log(
                    p,
                    {
                        "schema": "imageledger/key-rotation/v1",
                        "new_key": str(new.verifier),
                        "retire": [old.verifier.ref],
                        "reason": "yearly",
                    },
                    old,
                )
            elif p == 0 and step == 150:  # the retired key signs again
                log(p, retraction(p), old)
            elif p == 1 and step == 70:  # revoke the first key, signed by the second
                log(
                    p,
                    {
                        "schema": "imageledger/key-revocation/v1",
                        "key": old.verifier.ref,
                        "compromised_at": "2026-01-02T00:00:00Z",
                        "reason": "lost",
                    },
                    new,
                )
            elif p == 1 and step == 120:  # the revoked key signs again
                log(p, retraction(p), old)
            elif p == 2 and step == 90:  # a gap
                log(p, retraction(p), old, seq=heads[p][0] + 2)
            elif p == 3 and step == 100:  # earlier than the record before it
                log(p, retraction(p), old, at=-10)
            elif p == 4 and step == 110:  # another publisher's key
                log(p, retraction(p), keys[5][0])
            else:
                log(p, retraction(p), new if p in (0, 1) and step > 70 else old)
    entries[5 + 6 * 130] = _flip_signature(entries[5 + 6 * 130])  # pub005, mid-run
    codes = {
        "signature-key-retired",
        "signature-key-revoked",
        "chain-gap",
        "chain-time",
        "signature-unknown-key",
        "signature-invalid",
    }
    return entries, codes


@pytest.mark.parametrize("workers", [1, 2])
def test_runs_find_what_the_entry_by_entry_walk_finds(workers: int, tmp_path: Path) -> None:
    entries, codes = _eventful_log()
    site = tmp_path / "site"
    _publish(site, entries)
    keys = {OPERATOR.verifier.ref: OPERATOR.verifier}
    expected, _chains = check_entries(entries, keys)
    assert {f.code for f in expected.findings} == codes
    assert len(expected.findings) == len(codes)  # a broken chain is not walked further
    cp_root = MemoryHashStore.from_entries(entries).root()
    report = sitecheck.check_log(
        LogSource(site / "log"), len(entries), cp_root, keys, workers=workers
    )
    assert report.findings == expected.findings
    # Runs that continue their chain are folded: the walk saw far fewer items than entries.
    items = _entries_runs(entries, keys)
    assert len(items) < len(entries) // 10


def _entries_runs(entries: list[bytes], keys: dict[str, Any]) -> list[Any]:
    checks.set_checks(checks.key_table(entries, keys))
    try:
        return checks.runs(checks.check_entry(raw, i) for i, raw in enumerate(entries))
    finally:
        checks.set_checks({})
