"""PDQ matching: the in-memory multi-index agrees with brute force (the static site index:
``test_site_index.py``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imageledger.imaging.match import PdqIndex, brute_force, chunks, is_match, neighbours
from imageledger.imaging.pdq import MATCH_DISTANCE, PdqHash, hamming


def flip(h: PdqHash, positions: list[int], quality: int | None = None) -> PdqHash:
    value = int.from_bytes(h.bits, "big")
    for p in positions:
        value ^= 1 << p
    return PdqHash(value.to_bytes(32, "big"), h.quality if quality is None else quality)


hashes = st.builds(PdqHash, st.binary(min_size=32, max_size=32), st.integers(0, 100))


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[tuple[str, PdqHash]], PdqHash]:
    """A query and entries, many of them within a few dozen bits of the query."""
    query = draw(st.builds(PdqHash, st.binary(min_size=32, max_size=32), st.integers(40, 100)))
    entries = []
    for i in range(draw(st.integers(0, 40))):
        if draw(st.booleans()):
            k = draw(st.integers(0, 45))
            bits = draw(st.lists(st.integers(0, 255), min_size=k, max_size=k, unique=True))
            h = flip(query, bits, draw(st.integers(30, 100)))
        else:
            h = draw(hashes)
        entries.append((f"p/{i + 1}", h))
    return entries, query


@pytest.mark.parametrize("chunk_bits", [8, 16], ids=["32x8-exact", "16x16-radius1"])
@settings(max_examples=150, deadline=None)
@given(case=ledgers(), threshold=st.sampled_from([0, 10, 31, 40]))
def test_index_equals_brute_force(chunk_bits: int, case, threshold: int) -> None:
    entries, query = case
    index = PdqIndex(entries, chunk_bits=chunk_bits)
    expected = brute_force(entries, query, threshold=threshold)
    assert index.query(query, threshold=threshold) == expected


def test_pigeonhole_worst_case_one_error_per_chunk_but_one() -> None:
    """31 errors, one in each of 31 of the 32 bytes: the last byte still matches exactly."""
    base = PdqHash(bytes(range(32)), 90)
    far = flip(base, [8 * i for i in range(31)])
    assert hamming(base, far) == 31
    for bits in (8, 16):
        assert PdqIndex([("a/1", far)], chunk_bits=bits).query(base)[0].distance == 31
    assert PdqIndex([("a/1", flip(far, [255]))]).query(base) == []  # 32 bits: no match


def test_low_quality_is_never_matched() -> None:
    h = PdqHash(bytes(32), 49)
    good = PdqHash(bytes(32), 50)
    assert not is_match(h, good)
    assert is_match(good, good)
    assert PdqIndex([("a/1", h)]).query(good) == []
    assert PdqIndex([("a/1", good)]).query(h) == []
    assert MATCH_DISTANCE == 31


def test_chunks_follow_hex_order() -> None:
    h = PdqHash(bytes.fromhex("ab" + "00" * 30 + "cd"), 80)
    assert chunks(h, 8)[0] == 0xAB
    assert chunks(h, 8)[-1] == 0xCD
    assert chunks(h, 16)[0] == 0xAB00
    assert sorted(neighbours(0, 4, 1)) == [0, 1, 2, 4, 8]
