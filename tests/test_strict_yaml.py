"""The strict reader refuses every ambiguous or hostile spelling; the writer is canonical."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imageledger.core import strict_yaml
from imageledger.errors import RecordError

ALIAS_BOMB = b"""a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

HOSTILE = [
    pytest.param(ALIAS_BOMB, "yaml-anchor", 1, id="alias-bomb"),
    pytest.param(b"a: 1\nb: *x\n", "yaml-alias", 2, id="alias-undefined"),
    pytest.param(b"a: &x 1\n", "yaml-anchor", 1, id="anchor"),
    pytest.param(b"a: 1\nb: !!python/object:os.system x\n", "yaml-tag", 2, id="python-tag"),
    pytest.param(b"a: !custom 1\n", "yaml-tag", 1, id="custom-tag"),
    pytest.param(b"a: !!str 1\n", "yaml-tag", 1, id="standard-tag"),
    pytest.param(b"a: 1\nb: 2\na: 3\n", "yaml-duplicate-key", 3, id="duplicate-key"),
    pytest.param(b"t: 2026-01-01T00:00:00Z\n", "yaml-implicit-timestamp", 1, id="timestamp"),
    pytest.param(b"t: 2026-01-01\n", "yaml-implicit-timestamp", 1, id="date"),
    pytest.param(b"f: 1.5\n", "yaml-float", 1, id="float"),
    pytest.param(b"f: 1e3\n", "yaml-float", 1, id="float-exponent"),
    pytest.param(b"f: .inf\n", "yaml-float", 1, id="infinity"),
    pytest.param(b"b: yes\n", "yaml-implicit-bool", 1, id="yes"),
    pytest.param(b"b: Off\n", "yaml-implicit-bool", 1, id="off"),
    pytest.param(b"v: null\n", "yaml-implicit-null", 1, id="null"),
    pytest.param(b"v:\n", "yaml-implicit-null", 1, id="empty"),
    pytest.param(b"o: 0755\n", "yaml-implicit-octal", 1, id="octal"),
    pytest.param(b"o: 0x1F\n", "yaml-implicit-octal", 1, id="hex"),
    pytest.param(b"s: 1:30\n", "yaml-implicit-sexagesimal", 1, id="sexagesimal"),
    pytest.param(b"i: 1_000\n", "yaml-implicit-integer", 1, id="underscore-int"),
    pytest.param(b"i: 9007199254740993\n", "yaml-int-range", 1, id="int-range"),
    pytest.param("s: cafe\u0301\n".encode(), "yaml-not-nfc", 1, id="non-nfc"),
    pytest.param(b"s: \xff\n", "yaml-encoding", None, id="not-utf8"),
    pytest.param(b"- 1\n", "yaml-not-mapping", 1, id="sequence-top"),
    pytest.param(b"a: 1\n---\nb: 2\n", "yaml-syntax", 2, id="two-documents"),
    pytest.param(b"? [a]\n: 1\n", "yaml-key", 1, id="complex-key"),
    pytest.param(b"1: a\n", "yaml-key", 1, id="int-key"),
    pytest.param(b"a: [1\n", "yaml-syntax", 2, id="syntax"),
    pytest.param(
        "".join(f"{'  ' * i}k:\n" for i in range(40)).encode() + b"  " * 40 + b"x\n",
        "yaml-depth",
        None,
        id="too-deep",
    ),
    pytest.param(b"n: 1\n", "yaml-key", 1, id="ambiguous-key"),
]


@pytest.mark.parametrize(("data", "code", "line"), HOSTILE)
def test_hostile_yaml_is_refused_with_code_and_line(
    data: bytes, code: str, line: int | None
) -> None:
    with pytest.raises(RecordError) as info:
        strict_yaml.parse(data)
    assert info.value.code == code
    if line is not None:
        assert info.value.location.line == line
    assert "\n" not in info.value.diagnostics()


def test_oversized_input_is_refused_before_parsing() -> None:
    with pytest.raises(RecordError) as info:
        strict_yaml.parse(b"a: " + b"x" * (50 * 1024 * 1024) + b"\n")
    assert info.value.code == "yaml-size"


def test_non_canonical_spelling_is_refused_at_the_differing_line() -> None:
    with pytest.raises(RecordError) as info:
        strict_yaml.parse_canonical(b"a: 1\nc: 'x'\nb: 2\n")
    assert info.value.code == "yaml-not-canonical"
    assert info.value.location.line == 2


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "No",
        "null",
        "~",
        "2026-01-01",
        "1.5",
        "0x10",
        "017",
        "12",
        "-3",
        "",
        " x",
        "x ",
        "a: b",
        "a #b",
        "- x",
        "[x]",
        "{x}",
        "*x",
        "&x",
        "!x",
        "%x",
        "@x",
        "`x",
        "'x",
        '"x',
        "x\ny",
        "\u2028",
        "\x85",
        "\x7f",
        "\ufeff",
        "true",
        "false",
        ".inf",
        "<<",
        "=",
        "é",
    ],
)
def test_tricky_strings_round_trip(text: str) -> None:
    value = {"k": text}
    assert strict_yaml.parse_canonical(strict_yaml.dump(value).encode()) == value


KEYS = st.text(alphabet=string.ascii_lowercase + "_-", min_size=1, max_size=12)
SCALARS = (
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30).map(
        lambda s: __import__("unicodedata").normalize("NFC", s)
    )
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.booleans()
)
VALUES: Any = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_dump_then_parse_is_identity_and_canonical(value: dict[str, Any]) -> None:
    text = strict_yaml.dump(value).encode()
    assert strict_yaml.parse_canonical(text) == value
