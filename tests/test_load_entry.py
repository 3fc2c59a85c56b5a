"""``load_entry``'s fast path gives what the reference path gives: the same record, or the
same error, for every demo record and for each value of each replaced by a number, whether
every record's values are checked (``records``) or only the chain's and the shape."""

from __future__ import annotations

import base64
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


Outcome = tuple[dict[str, Any], str] | tuple[str, str | None]


@pytest.fixture(params=[True, False], ids=["records", "shape"])
def whole(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def _reference(raw: bytes, whole: bool = True) -> Outcome:
    """``parse_canonical_json``, the size limit, ``check_shape``: the value or the error."""
    try:
        data = canonical.parse_canonical_json(raw)
        if len(raw) > limits.MAX_ENTRY_BYTES:
            raise RecordError("entry is larger than a record may be", code="record-size")
        return data, records.check_shape(data, values_checked=True, records=whole)
    except LedgerError as e:
        return e.code, e.location.field


def _loaded(raw: bytes, whole: bool = True) -> Outcome:
    try:
        return records.load_entry(raw, records=whole)
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


def test_every_demo_record_loads_as_the_reference_does(whole: bool) -> None:
    for data in RECORDS:
        raw = canonical.canonical_json(data)
        assert _loaded(raw, whole) == _reference(raw, whole) == (data, records.kind_of(data))


# Numbers the ledger refuses, as orjson writes them back (so the text round-trips), and
# integers at and past its bounds.
NUMBERS = [1.0, 2.5, -0.0, 1e16, 1e-7, 2**53 - 1, 2**53, -(2**53), 2**64 + 1, True]


@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_a_number_in_any_place_gives_the_reference_result(number: Any, whole: bool) -> None:
    seen = set()
    for data in RECORDS:
        kind = records.kind_of(data)
        for path in _places(data):
            if not path or (kind, path) in seen:
                continue
            seen.add((kind, path))
            raw = _text(_replaced(data, path, number))
            assert _loaded(raw, whole) == _reference(raw, whole), (kind, path, raw[:200])
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
def test_malformed_text_gives_the_reference_error(mangle: Any, whole: bool) -> None:
    for data in RECORDS[:20]:
        raw = mangle(canonical.canonical_json(data))
        assert _loaded(raw, whole) == _reference(raw, whole)
        assert isinstance(_loaded(raw, whole)[0], str)  # an error code


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


# Without ``records``: the chain's members whole, the other members' shape, and registrations
# and key events whole.


def _first(kind: str) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in RECORDS if records.kind_of(r) == kind))


@pytest.mark.parametrize(
    ("kind", "path", "value", "whole_error", "shape_error"),
    [
        # values of members the chain does not read: checked with records only
        ("disclosure", ("image", "media_type"), "image/x-unknown", "record-schema", None),
        ("disclosure", ("purposes",), ["no-such-purpose"], "record-schema", None),
        ("disclosure", ("image", "sha256"), "not a hash", "record-schema", None),
        (
            "disclosure",
            ("period",),
            {"from": "2026-05-02T00:00:00Z", "until": "2026-05-01T00:00:00Z"},
            "record-period",
            None,
        ),
        ("consent", ("valid", "from"), "2026-02-30T00:00:00Z", "record-time", None),
        # their shape: always
        ("disclosure", ("image", "width"), "wide", "record-schema", "record-schema"),
        ("disclosure", ("image", "unknown_member"), "x", "record-schema", "record-schema"),
        ("disclosure", ("labels",), ["eu-ai-icon"], "record-schema", "record-schema"),
        # the chain's members, and registrations and key events: always whole
        ("disclosure", ("recorded_at",), "yesterday", "record-schema", "record-schema"),
        ("disclosure", ("prev",), "sha256:00", "record-schema", "record-schema"),
        ("disclosure", ("signatures", 0, "sig"), "not base64!", "record-schema", "record-schema"),
        ("publisher", ("contact",), "not a contact", "record-schema", "record-schema"),
        ("key-rotation", ("reason",), "", "record-schema", "record-schema"),
    ],
)
def test_without_records_only_values_the_chain_does_not_read_go_unchecked(
    kind: str,
    path: tuple[str | int, ...],
    value: Any,
    whole_error: str,
    shape_error: str | None,
) -> None:
    data = _replaced(_first(kind), path, value)
    raw = _text(data)
    assert _loaded(raw, True)[0] == _reference(raw, True)[0] == whole_error
    shape = _loaded(raw, False)
    assert shape == _reference(raw, False)
    assert shape[0] == (shape_error or data)


def test_the_same_key_signing_twice_is_refused_either_way(whole: bool) -> None:
    data = _first("disclosure")
    first = data["signatures"][0]
    data["signatures"] = [first, {**first, "sig": base64.b64encode(b"\x01" * 64).decode()}]
    assert _loaded(_text(data), whole) == ("record-duplicate-signer", "signatures")


def test_a_shape_keeps_the_chain_members_and_the_structure_only() -> None:
    for kind in schemas.KINDS:
        full = schemas.schema(kind)
        shape = records.shape_schema(full)
        assert set(shape["properties"]) == set(full["properties"])
        assert shape["required"] == full["required"]
        for name, sub in shape["properties"].items():
            if name in records.CHAIN_MEMBERS:
                assert sub == full["properties"][name]
            else:
                text = json.dumps(sub)
                assert not any(f'"{k}"' in text for k in ("pattern", "enum", "maxLength"))
        # the same places for integers: the fast path's float check still holds
        assert records._integer_paths(kind) is None or all(
            _at(shape, path)["type"] == "integer" for path in records._integer_paths(kind)
        )


def _at(schema: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node = schema
    for step in path:
        node = node["items"] if step == "[]" else node["properties"][step]
    return node
