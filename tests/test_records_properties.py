"""Property tests: sign-then-verify holds; any mutation of a signed record fails."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imageledger.core.keys import demo_key
from imageledger.core.records import UnverifiedRecord, sign, verify_signature
from imageledger.errors import LedgerError

KEY = demo_key("example.com/prop-DEMO")
TEXT = (
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60)
    .map(lambda s: __import__("unicodedata").normalize("NFC", s))
    .filter(bool)
)


def retraction(seq: int, reason: str, day: int) -> dict[str, Any]:
    return {
        "schema": "imageledger/retraction/v1",
        "publisher": "example",
        "seq": seq,
        "prev": "sha256:" + "ab" * 32,
        "recorded_at": f"2026-03-{day:02d}T10:00:00Z",
        "ref": "example/1",
        "reason": reason,
        "effective_at": f"2026-03-{day:02d}T00:00:00Z",
    }


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 10**9), TEXT, st.integers(1, 28))
def test_sign_then_verify(seq: int, reason: str, day: int) -> None:
    record = UnverifiedRecord.from_dict(sign(retraction(seq, reason, day), KEY))
    verify_signature(record, KEY.verifier)


def _mutate(value: Any, path: list[Any], choice: int) -> Any:
    """A different value at ``path`` (a leaf of the signed part)."""
    if not path:
        if isinstance(value, bool):
            return not value
        if isinstance(value, int):
            return value + 1 + choice % 3
        return value + "x" if choice % 2 else "y" + value
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _mutate(value[head], rest, choice)
    return copy


LEAVES = [
    ["seq"],
    ["prev"],
    ["recorded_at"],
    ["ref"],
    ["reason"],
    ["effective_at"],
    ["publisher"],
    ["schema"],
]


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 10**6), TEXT, st.integers(1, 28), st.sampled_from(LEAVES), st.integers(0, 10))
def test_any_mutation_of_a_signed_record_fails(
    seq: int, reason: str, day: int, leaf: list[str], choice: int
) -> None:
    signed = sign(retraction(seq, reason, day), KEY)
    mutated = _mutate(signed, leaf, choice)
    with pytest.raises(LedgerError):
        verify_signature(UnverifiedRecord.from_dict(mutated), KEY.verifier)
