"""The site's static image index (layout 2): look-ups agree with a reference model of
its rule, incremental updates give the bytes of a full build, and the format is strict."""

from __future__ import annotations

import base64
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_match import flip, ledgers

from imageledger.errors import RecordError
from imageledger.imaging import index_format, site_index
from imageledger.imaging.match import brute_force
from imageledger.imaging.pdq import PdqHash, hamming
from imageledger.imaging.site_index import IndexEntry


def shares_a_key(a: PdqHash, b: PdqHash) -> bool:
    return any(x == y for x, y in zip(site_index.pdq_keys(a), site_index.pdq_keys(b), strict=True))


def entry(i: int, h: PdqHash | None, *, ref: str | None = None) -> IndexEntry:
    return IndexEntry(ref or f"p/{i}", f"{i:064x}", h)


@settings(max_examples=150, deadline=None)
@given(case=ledgers())
def test_lookup_equals_the_rule(case) -> None:
    """Found: every brute-force match that shares a key field with the query, which is
    every match within distance 15."""
    entries, query = case
    files = site_index.build(entry(i, h, ref=ref) for i, (ref, h) in enumerate(entries))
    found = site_index.lookup(files.get, sha256="f" * 64, pdq=query)
    truth = brute_force(entries, query)
    expected = [m for m in truth if shares_a_key(query, dict(entries)[m.ref])]
    assert list(found.near) == expected
    assert [m for m in truth if m.distance <= 15] == [m for m in expected if m.distance <= 15]
    assert found.exact == ()


def distances(query: PdqHash, stored: PdqHash) -> list[int]:
    files = site_index.build([entry(1, stored)])
    return [m.distance for m in site_index.lookup(files.get, sha256="0" * 64, pdq=query).near]


def test_pigeonhole_edge() -> None:
    """15 errors, one in each of 15 key fields: the 16th still matches. 16 errors, one in
    each key field, are within the threshold but beyond what the index promises."""
    base = PdqHash(bytes(range(32)), 90)
    in_key = [255 - 16 * c for c in range(16)]  # the top bit of each 16-bit chunk
    assert distances(base, flip(base, in_key[:15])) == [15]
    assert distances(base, flip(base, in_key)) == []
    outside_keys = [16 * c + b for c in range(16) for b in range(2)]  # low bits: not in keys
    far = flip(base, outside_keys[:31])
    assert hamming(base, far) == 31
    assert distances(base, far) == [31]


def test_recall_model() -> None:
    assert all(site_index.recall(d) == 1 for d in range(16))
    assert site_index.recall(31) == pytest.approx(0.99521, abs=1e-5)
    rng = random.Random(3)
    base = PdqHash(bytes(32), 90)
    trials = 20_000
    hits = sum(shares_a_key(base, flip(base, rng.sample(range(256), 31))) for _ in range(trials))
    assert abs(hits / trials - site_index.recall(31)) < 0.002


def apply(files: dict[str, bytes], changes: dict[str, bytes | None]) -> dict[str, bytes]:
    out = dict(files)
    for path, data in changes.items():
        if data is None:
            del out[path]
        else:
            out[path] = data
    return out


refs = st.builds(
    lambda p, s: f"{p}/{s}", st.sampled_from(["a", "b-2", "pub9"]), st.integers(0, 2**40)
)
index_entries = st.builds(
    IndexEntry,
    refs,
    st.sampled_from([f"{i:02x}" * 32 for i in (0, 1, 0xAB)] + ["ab" + "00" * 31]),
    st.one_of(
        st.none(),
        st.builds(
            PdqHash,
            st.sampled_from([bytes(32), bytes(range(32)), b"\xff" * 32])
            | st.binary(min_size=32, max_size=32),
            st.integers(0, 100),
        ),
    ),
)


@settings(max_examples=150, deadline=None)
@given(old=st.lists(index_entries, max_size=12), data=st.data())
def test_update_equals_build(old: list[IndexEntry], data: st.DataObject) -> None:
    keep = data.draw(st.lists(st.booleans(), min_size=len(old), max_size=len(old)))
    removed = [e for e, k in zip(old, keep, strict=True) if not k]
    added = data.draw(st.lists(index_entries, max_size=6))
    new = [e for e, k in zip(old, keep, strict=True) if k] + added
    before = site_index.build(old)
    changes = site_index.update(before.get, removed=removed, added=added)
    assert apply(before, changes) == site_index.build(new)


def test_update_touches_only_the_changed_shards() -> None:
    rng = random.Random(5)
    old = [entry(i, PdqHash(rng.randbytes(32), 90)) for i in range(300)]
    files = site_index.build(old)
    reads: list[str] = []

    def read(path: str) -> bytes | None:
        reads.append(path)
        return files.get(path)

    extra = entry(1000, PdqHash(rng.randbytes(32), 90))
    changes = site_index.update(read, removed=[old[7]], added=[extra])
    assert len(changes) <= 1 + 2 * (1 + 16)  # meta + each entry's sha256 and 16 PDQ shards
    assert set(reads) <= set(changes)
    with pytest.raises(RecordError) as err:
        site_index.update(files.get, removed=[extra], added=[])
    assert err.value.code == "site-index-stale"


def test_layout_stays_small_and_paths_are_stable() -> None:
    rng = random.Random(6)
    n = 4000
    entries = [
        IndexEntry(f"p{i % 7}/{i}", f"{rng.getrandbits(256):064x}", PdqHash(rng.randbytes(32), 90))
        for i in range(n)
    ]
    files = site_index.build(entries)
    meta = json.loads(files["meta.json"])
    sha_present = base64.b64decode(meta["sha256"].pop("present"))
    pdq_present = base64.b64decode(meta["pdq"].pop("present"))
    assert (len(sha_present), len(pdq_present)) == (512, 4096)
    assert meta == {
        "v": 2,
        "images": n,
        "sha256": {"prefix_bits": 12, "path": "sha256/{prefix:03x}.bin"},
        "pdq": {
            "alg": "pdq/1",
            "chunks": 16,
            "chunk_bits": 16,
            "key_bits": 11,
            "threshold": 31,
            "min_quality": 50,
            "indexed": n,
            "path": "pdq/{chunk:x}/{key:03x}.bin",
        },
    }
    pdq_files = {k: v for k, v in files.items() if k.startswith("pdq/")}
    sha_files = {k: v for k, v in files.items() if k.startswith("sha256/")}
    assert sum(bin(b).count("1") for b in pdq_present) == len(pdq_files)
    assert sum(bin(b).count("1") for b in sha_present) == len(sha_files)
    pdq_rows = [len(index_format.decode_shard(b"P", v)) for v in pdq_files.values()]
    assert sum(pdq_rows) == 16 * n
    assert max(pdq_rows) < 12  # n / 2,048 ≈ 2 on average: O(n / 2,048), never n
    assert len(files["meta.json"]) < 7000  # fixed: only the two counts change with n
    assert site_index.build(reversed(entries)) == files  # deterministic
    assert site_index.pdq_shard_path(15, 0x7FF) == "pdq/f/7ff.bin"
    assert site_index.sha256_shard_path("abcd" + "0" * 60) == "sha256/abc.bin"
    per_record = sum(map(len, files.values())) / n
    assert per_record < 800


def test_lookup_exact_and_damaged_indexes() -> None:
    h = PdqHash(bytes(range(32)), 90)
    files = site_index.build([IndexEntry("a/1", "ab" * 32, h), IndexEntry("b/2", "ab" * 32, None)])
    found = site_index.lookup(files.get, sha256="ab" * 32, pdq=flip(h, [1, 2, 3]))
    assert found.exact == ("a/1", "b/2")
    assert [(m.ref, m.distance) for m in found.near] == [("a/1", 3)]
    cases = {
        "missing": ({}, "site-index-missing"),
        "v1 meta": ({**files, "meta.json": b'{"v": 1}'}, "site-index-invalid"),
        "not json": ({**files, "meta.json": b"\xff"}, "site-index-invalid"),
        "shard missing": ({"meta.json": files["meta.json"]}, "site-index-invalid"),
        "shard damaged": ({**files, "sha256/aba.bin": b"ILIX\x02S\x00"}, "site-index-invalid"),
    }
    for name, (broken, code) in cases.items():
        with pytest.raises(RecordError) as err:
            site_index.lookup(broken.get, sha256="ab" * 32, pdq=h)
        assert err.value.code == code, name


ROW = index_format.Row(bytes(32), 90, "a", 1)


@pytest.mark.parametrize(
    "data",
    [
        b"ILIX\x02P\x01\x01a\x01" + bytes(32) + b"\x5a\x00\x01" + b"\x00",  # trailing byte
        b"ILIX\x02P\x01\x01a\x01" + bytes(32) + b"\x5a\x00\x81\x00",  # non-minimal seq
        b"ILIX\x02P\x01\x01a\x01" + bytes(32) + b"\x5a\x01\x01",  # no publisher 1
        b"ILIX\x02P\x02\x01a\x01b\x01" + bytes(32) + b"\x5a\x00\x01",  # unused publisher
        b"ILIX\x02P\x01\x01A\x01" + bytes(32) + b"\x5a\x00\x01",  # not a publisher id
        b"ILIX\x02P\x01\x01a\x01" + bytes(32) + b"\x65\x00\x01",  # quality 101
        b"ILIX\x02S\x01\x01a\x01" + bytes(32) + b"\x00\x01",  # a sha256 shard
        b"ILIX\x01P\x00\x00",  # another layout
    ],
    ids=["trailing", "non-minimal", "publisher-range", "unused", "bad-id", "quality", "kind", "v1"],
)
def test_format_rejects(data: bytes) -> None:
    assert index_format.encode_shard(b"P", [ROW]) == (
        b"ILIX\x02P\x01\x01a\x01" + bytes(32) + b"\x5a\x00\x01"
    )
    with pytest.raises(RecordError) as err:
        index_format.decode_shard(b"P", data)
    assert err.value.code == "site-index-invalid"


def test_rows_are_canonical_order() -> None:
    rows = [ROW, index_format.Row(bytes(31) + b"\x01", 60, "b", 2**53 - 1)]
    data = index_format.encode_shard(b"P", reversed(rows))
    assert index_format.decode_shard(b"P", data) == rows
    head, first = 6 + 5 + 1, 32 + 1 + 1 + 1  # magic, kind, publishers "a" "b", count
    swapped = data[:head] + data[head + first :] + data[head : head + first]
    assert sorted(swapped) == sorted(data)
    with pytest.raises(RecordError, match="canonical"):
        index_format.decode_shard(b"P", swapped)


@pytest.mark.parametrize("ref", ["a", "a/01", "A/1", "a/b/1", "a/-1", f"a/{2**53}", "/1"])
def test_refs_that_cannot_be_indexed(ref: str) -> None:
    with pytest.raises(RecordError) as err:
        IndexEntry(ref, "0" * 64, None)
    assert err.value.code == "site-index-ref"
