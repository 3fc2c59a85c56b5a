"""Per-publisher snapshots: a rebuild reads only the record files whose signature (path,
size, modification time, inode) changed, and reads all of them without a cache."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from site_builds import ROOT, add_consent_with_receipt

from imageledger.errors import RecordError
from imageledger.site.load import read_ledger
from imageledger.site.snapshot import snapshot_dir


def _refs_and_hashes(repo: Path, *, use_cache: bool) -> dict[str, str]:
    ledger = read_ledger(repo, use_cache=use_cache, log=False)
    return {r.ref: r.hash for r in ledger.records()}


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "ledger", tmp_path / "ledger")
    return tmp_path


def test_unchanged_files_come_from_the_snapshot_and_new_ones_are_read(tmp_path: Path) -> None:
    repo = _copy(tmp_path)
    first = _refs_and_hashes(repo, use_cache=True)
    assert (snapshot_dir(repo) / "northwind.snap").is_file()
    ref = add_consent_with_receipt(repo)  # a new file in the same publisher
    # Overwrite a record in place with same-size garbage and put its mtime back: its
    # signature is unchanged, so a cached read must not open it (a plain read fails).
    victim = repo / "ledger/publishers/northwind/records/000002.yaml"
    st = victim.stat()
    victim.write_bytes(b"#" * st.st_size)
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    second = _refs_and_hashes(repo, use_cache=True)
    assert second.keys() == first.keys() | {ref}
    assert {k: second[k] for k in first} == first
    with pytest.raises(RecordError, match=r"000002\.yaml"):
        _refs_and_hashes(repo, use_cache=False)


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    repo = _copy(tmp_path)
    ref = add_consent_with_receipt(repo)
    before = _refs_and_hashes(repo, use_cache=True)[ref]
    path = repo / "ledger/publishers/northwind/records" / f"{int(ref.split('/')[1]):06d}.yaml"
    text = path.read_text()
    at = text.index("receipt: sha256:") + len("receipt: sha256:")
    digit = "0" if text[at] != "0" else "1"
    path.write_text(text[:at] + digit + text[at + 1 :])  # same size, other content
    after = _refs_and_hashes(repo, use_cache=True)
    assert after[ref] != before
    assert after == _refs_and_hashes(repo, use_cache=False)
