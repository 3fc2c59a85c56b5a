"""The validation cache saves work and never changes a verdict."""

from __future__ import annotations

from pathlib import Path

from imageledger.storage.cache import cache_path
from imageledger.storage.layout import Layout
from imageledger.validate import validate


def test_second_run_reuses_every_record_with_the_same_verdict(ledger_copy: Path) -> None:
    cold = validate(ledger_copy, workers=1, use_cache=True)
    warm = validate(ledger_copy, workers=1, use_cache=True)
    assert cold.cached == 0
    # every record is cached, including those signed with keys added by rotation, whose
    # signatures the chain walk (not the workers) verified
    assert warm.cached == warm.records == 83
    assert bool(cold.report)
    assert bool(warm.report)
    assert {p: c.head_hash for p, c in cold.chains.items()} == {
        p: c.head_hash for p, c in warm.chains.items()
    }


def test_a_file_changed_after_caching_is_checked_again(ledger_copy: Path) -> None:
    validate(ledger_copy, workers=1, use_cache=True)
    path = Layout(ledger_copy).record_path("emberforge", 3)
    path.write_text(path.read_text().replace("texture", "textures"))
    result = validate(ledger_copy, workers=1, use_cache=True)
    assert result.cached == 82
    assert next(f.location.path for f in result.report.errors) == (
        "ledger/publishers/emberforge/records/000003.yaml"
    )


def test_the_cache_cannot_hide_a_broken_chain(ledger_copy: Path) -> None:
    # Cached per-file facts are sound, but the chain is re-derived: removing a record
    # breaks the chain even though every remaining file is a cache hit.
    validate(ledger_copy, workers=1, use_cache=True)
    Layout(ledger_copy).record_path("northwind", 5).unlink()
    result = validate(ledger_copy, workers=1, use_cache=True)
    assert result.cached == 82
    assert ("chain-gap", "ledger/publishers/northwind/records/000006.yaml") in [
        (f.code, f.location.path) for f in result.report.errors
    ]


def test_an_unreadable_cache_is_ignored(ledger_copy: Path) -> None:
    path = cache_path(ledger_copy)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database" * 100)
    result = validate(ledger_copy, workers=1, use_cache=True)
    assert bool(result.report)
    assert result.cached == 0
