"""``load_entry``'s fast path gives what the reference path gives: the same record, or the
same error, for every demo record and for each value of each replaced by a number."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from imageledger.core import canonical, limits, records, schemas
from imageledger.errors import LedgerError, RecordError
from imageledger.storage.layout import Layout
from imageledger.storage.ledger_records import read_records

ROOT = Path(__file__).resolve().parent.parent
RECORDS = read_records(Layout(ROOT))


def _reference(raw: bytes) -> tuple[dict[str, Any], str] | tuple[str, str | None]:
    """``parse_canonical_json``, the size limit, ``check_shape``: the value or the error."""
    try:
        data = canonical.parse_canonical_json(raw)
        if len(raw) > limits.MAX_ENTRY_BYTES:
            raise RecordError("entry is larger than a record may be", code="record-size")
        return data, records.check_shape(data, values_checked=True)
    except LedgerError as e:
        return e.code, e.location.field


def _loaded(raw: bytes) -> tuple[dict[str, Any], str] | tuple[str, str | None]:
    try:
        return records.load_entry(raw)
    except LedgerError as e:
        return e.code, e.location.field


def _places(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))


def _text(value: Any) -> bytes:
    """Compact JSON with sorted keys, as orjson writes it (json.dumps past 64-bit integers)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _replaced(data: dict[str, Any], path: tuple[str | int, ...], new: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    holder: Any = out
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return out


def test_the_demo_has_every_kind_with_pinned_integers() -> None:
    kinds = {records.kind_of(r) for r in RECORDS}
    assert {k for k in schemas.KINDS if records._integer_paths(k) is not None} <= kinds
    assert records._integer_paths("disclosure") == (
        ("seq",),
        ("image", "pdq", "quality"),
        ("image", "width"),
        ("image", "height"),
        ("image", "size"),
    )
    # Free-form members (a correction's new values, an attestation's counts) take the walk.
    assert records._integer_paths("correction") is None
    assert records._integer_paths("audit-attestation") is None


def test_every_demo_record_loads_as_the_reference_does() -> None:
    for data in RECORDS:
        raw = canonical.canonical_json(data)
        assert _loaded(raw) == _reference(raw) == (data, records.kind_of(data))


# Numbers the ledger refuses, as orjson writes them back (so the text round-trips), and
# integers at and past its bounds.
NUMBERS = [1.0, 2.5, -0.0, 1e16, 1e-7, 2**53 - 1, 2**53, -(2**53), 2**64 + 1, True]


@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_a_number_in_any_place_gives_the_reference_result(number: Any) -> None:
    seen = set()
    for data in RECORDS:
        kind = records.kind_of(data)
        for path in _places(data):
            if not path or (kind, path) in seen:
                continue
            seen.add((kind, path))
            raw = _text(_replaced(data, path, number))
            assert _loaded(raw) == _reference(raw), (kind, path, raw[:200])
    assert len(seen) > 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: raw.replace(b'"schema":', b'"schema": ', 1),  # not canonical
        lambda raw: raw[:-1],  # not JSON
        lambda raw: raw.replace(b'"publisher":', b'"publisher":null,"x":', 1),
        lambda raw: raw.replace(b'"publisher":"', b'"publisher":"\\u00e9', 1),
        lambda raw: raw.replace(b"}", b',"zz":' + b'"' + b"a" * limits.MAX_ENTRY_BYTES + b'"}'),
        lambda raw: b"[" + raw + b"]",
    ],
)
def test_malformed_text_gives_the_reference_error(mangle: Any) -> None:
    for data in RECORDS[:20]:
        raw = mangle(canonical.canonical_json(data))
        assert _loaded(raw) == _reference(raw)
        assert isinstance(_loaded(raw)[0], str)  # an error code


@pytest.mark.parametrize(
    ("kind", "path", "field"),
    [
        ("disclosure", ("period",), "period.until"),
        ("disclosure", ("rights", "licence_period"), "licence_period.until"),
        ("consent", ("valid",), "valid.until"),
    ],
)
def test_a_period_that_ends_before_it_starts_is_refused(
    kind: str, path: tuple[str, ...], field: str
) -> None:
    data = copy.deepcopy(next(r for r in RECORDS if records.kind_of(r) == kind))
    holder = data
    for step in path:
        holder = holder.setdefault(step, {})
    holder.update({"from": "2026-05-02T00:00:00Z", "until": "2026-05-01T00:00:00Z"})
    raw = canonical.canonical_json(data)
    assert _loaded(raw) == _reference(raw) == ("record-period", field)
    holder["until"] = "2026-02-30T00:00:00Z"  # not a real day
    raw = canonical.canonical_json(data)
    assert _loaded(raw) == ("record-time", ".".join((*path, "until")))
