"""The fast JCS path equals the RFC 8785 reference on the ledger's value subset."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imageledger.core import canonical
from imageledger.errors import RecordError
from test_strict_yaml import KEYS, VALUES

TEXT_SIGS = st.fixed_dictionaries(
    {"key": st.text(min_size=1, max_size=8), "sig": st.text(max_size=8)}
).map(lambda d: {k: __import__("unicodedata").normalize("NFC", v) for k, v in d.items()})


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_fast_jcs_equals_reference(value: dict[str, Any]) -> None:
    assert canonical.canonical_json(value) == canonical.canonical_json_reference(value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_parse_canonical_json_round_trips(value: dict[str, Any]) -> None:
    assert canonical.parse_canonical_json(canonical.canonical_json(value)) == value


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_orjson_encodes_the_value_subset_as_jcs(value: dict[str, Any]) -> None:
    assert orjson.dumps(value, option=orjson.OPT_SORT_KEYS) == canonical.canonical_json(value)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_the_common_path_accepts_only_what_the_full_path_accepts(value: dict[str, Any]) -> None:
    data = canonical.canonical_json(value)
    common = canonical._parse_common(data)
    assert common is None or common == value
    assert common is not None or not data.isascii() or b"null" in data
    assert canonical._parse_common(b"{ " + data[1:]) is None  # whitespace: never canonical


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6), st.lists(TEXT_SIGS, min_size=1, max_size=3))
def test_signing_message_cut_from_canonical_bytes_equals_encoding(
    value: dict[str, Any], signatures: list[dict[str, str]]
) -> None:
    record = {**value, "signatures": signatures}
    encoded = canonical.canonical_json(record)
    assert canonical.signing_message(record, encoded) == canonical.signing_message(record)


def test_rfc8785_escapes_and_order() -> None:
    value = {"b": '\u0007\n"\\/\u00e9\U0001f600', "a": [1, True, -0]}
    assert canonical.canonical_json(value) == (
        '{"a":[1,true,0],"b":"\\u0007\\n\\"\\\\/\u00e9\U0001f600"}'.encode()
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(b'{"a":1.0}', "json-syntax", id="float"),
        pytest.param(b'{"a":1,"a":2}', "json-not-canonical", id="duplicate"),
        pytest.param(b'{"b":1,"a":2}', "json-not-canonical", id="unsorted"),
        pytest.param(b'{"a": 1}', "json-not-canonical", id="whitespace"),
        pytest.param(b"[1]", "json-not-object", id="array"),
        pytest.param(b'{"a":"e\xcc\x81"}', "json-not-nfc", id="non-nfc"),
        pytest.param(b'{"a":null}', "json-type", id="null"),
        pytest.param(b'{"a":[1,null]}', "json-type", id="null-in-array"),
        pytest.param(b'{"a":9007199254740992}', "json-syntax", id="int-range"),
        pytest.param('{"\u00e9":1}'.encode(), "json-key", id="non-ascii-key"),
        pytest.param(b'{"a":"\\ud800"}', "json-surrogate", id="lone-surrogate"),
        pytest.param(b'{"a":"\\u00e9"}', "json-not-canonical", id="needless-escape"),
        pytest.param(b'{"a":"\\u001F"}', "json-not-canonical", id="upper-case-escape"),
        pytest.param(b'{"a":"\\/"}', "json-not-canonical", id="escaped-solidus"),
        pytest.param(b'{"a":-0}', "json-not-canonical", id="negative-zero"),
        pytest.param(b'{"a":1E2}', "json-syntax", id="exponent"),
    ],
)
def test_parse_canonical_json_refuses(data: bytes, code: str) -> None:
    assert canonical._parse_common(data) is None  # every refusal is the full path's
    with pytest.raises(RecordError) as info:
        canonical.parse_canonical_json(data)
    assert info.value.code == code


def test_check_value_refuses_floats_and_null() -> None:
    for bad in ({"a": 1.5}, {"a": None}, {"a": 2**53}, {"é": 1}):
        with pytest.raises(RecordError):
            canonical.check_value(bad)
