"""C2SP tlog-tiles: paths, the tiles of a tree, tile bytes, entry bundles, proofs from tiles."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imageledger.errors import RecordError, StorageError, VerificationError
from imageledger.log.hashstore import MemoryHashStore, prove_consistency, prove_inclusion
from imageledger.log.merkle import leaf_hash, root, verify_consistency, verify_inclusion
from imageledger.log.tiles import (
    EntryBundle,
    Tile,
    TileHashReader,
    entry_bundles_for_size,
    format_entry_bundle,
    format_tile_index,
    new_tiles,
    parse_entry_bundle,
    parse_tile,
    parse_tile_path,
    tile_data,
    tiles_for_size,
    verify_entry_bundle,
)

BIG = 70_000
ENTRIES = [f"entry {i}".encode() for i in range(BIG)]
LEAVES = [leaf_hash(e) for e in ENTRIES]
STORE = MemoryHashStore.from_leaf_hashes(LEAVES)


def publish(size: int, store: MemoryHashStore = STORE) -> dict[str, bytes]:
    return {t.path: tile_data(t, store) for t in tiles_for_size(size)}


def fetcher(published: dict[str, bytes]) -> Callable[[Tile], bytes]:
    def fetch(tile: Tile) -> bytes:
        try:
            return published[tile.path]
        except KeyError:
            raise StorageError(f"no {tile.path}", code="tile-missing") from None

    return fetch


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "000"),
        (7, "007"),
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),  # the C2SP example
        (1_000_000, "x001/x000/000"),
    ],
    ids=lambda v: str(v),
)
def test_tile_index(n: int, text: str) -> None:
    assert format_tile_index(n) == text


PATHS = [
    (Tile(0, 1234067), "tile/0/x001/x234/067"),
    (Tile(2, 0, 1), "tile/2/000.p/1"),
    (Tile(63, 5, 255), "tile/63/005.p/255"),
    (EntryBundle(1234067, 112), "tile/entries/x001/x234/067.p/112"),
    (EntryBundle(0), "tile/entries/000"),
]


@pytest.mark.parametrize(("tile", "path"), PATHS, ids=[p for _, p in PATHS])
def test_paths_round_trip(tile: Tile | EntryBundle, path: str) -> None:
    assert tile.path == path
    assert parse_tile_path(path) == tile


BAD_PATHS = [
    "tile/0/1234067",
    "tile/0/x001/x234/067.p/256",
    "tile/0/000.p/0",
    "tile/0/000.p/007",
    "tile/00/000",
    "tile/64/000",
    "tile/-1/000",
    "tile/0/x000/001",
    "tile/0/001/x002",
    "tile/0/0001",
    "tile/0/00",
    "/tile/0/000",
    "tile/0/000/",
    "tile/entries/000.p/",
    "tile/entry/000",
    "tile/0/٠٠٠",
    "tile/0/000\n",
]


@pytest.mark.parametrize("path", BAD_PATHS, ids=[repr(p) for p in BAD_PATHS])
def test_bad_paths_are_refused(path: str) -> None:
    with pytest.raises(RecordError):
        parse_tile_path(path)


@pytest.mark.parametrize(
    "args", [(64, 0), (0, -1), (0, 0, 0), (0, 0, 257)], ids=["level", "index", "w0", "w257"]
)
def test_bad_tiles_are_refused(args: tuple[int, ...]) -> None:
    with pytest.raises(RecordError):
        Tile(*args)


def test_tiles_of_70000() -> None:
    """The C2SP example: 273 full level-0 tiles and .p/112, one full level-1 and .p/17, .p/1."""
    tiles = tiles_for_size(BIG)
    by_level = {level: [t for t in tiles if t.level == level] for level in range(3)}
    assert len(tiles) == 273 + 1 + 1 + 1 + 1
    assert [t for t in by_level[0] if not t.is_partial] == [Tile(0, n) for n in range(273)]
    assert by_level[0][-1] == Tile(0, 273, 112)
    assert by_level[1] == [Tile(1, 0), Tile(1, 1, 17)]
    assert by_level[2] == [Tile(2, 0, 1)]
    assert by_level[2][0].path == "tile/2/000.p/1"
    bundles = entry_bundles_for_size(BIG)
    assert bundles[-1] == EntryBundle(273, 112)
    assert len(bundles) == 274


def test_tiles_of_small_trees() -> None:
    assert tiles_for_size(0) == entry_bundles_for_size(0) == []
    assert tiles_for_size(1) == [Tile(0, 0, 1)]
    assert tiles_for_size(256) == [Tile(0, 0), Tile(1, 0, 1)]  # the C2SP example
    assert tiles_for_size(257) == [Tile(0, 0), Tile(0, 1, 1), Tile(1, 0, 1)]


def test_new_tiles() -> None:
    assert new_tiles(0, 256) == [Tile(0, 0), Tile(1, 0, 1)]
    assert new_tiles(256, 300) == [Tile(0, 1, 44)]
    assert new_tiles(300, 300) == []
    with pytest.raises(RecordError):
        new_tiles(5, 4)


def test_tile_contents() -> None:
    published = publish(BIG)
    assert published["tile/0/000"] == b"".join(LEAVES[:256])
    assert published["tile/0/273.p/112"] == b"".join(LEAVES[69888:])
    level1 = parse_tile(published["tile/1/001.p/17"], Tile(1, 1, 17))
    assert level1[16] == root(LEAVES[(256 + 16) * 256 : (256 + 17) * 256])
    level2 = parse_tile(published["tile/2/000.p/1"], Tile(2, 0, 1))
    assert level2 == [root(LEAVES[:65536])]


def test_parse_tile_is_strict() -> None:
    with pytest.raises(RecordError):
        parse_tile(b"\0" * 64, Tile(0, 0, 3))
    with pytest.raises(RecordError):
        parse_tile(b"\0" * 65, Tile(0, 0, 2))


def test_proofs_from_tiles_match_the_store() -> None:
    published = publish(BIG)
    fetched: list[str] = []
    fetch = fetcher(published)

    def counting_fetch(tile: Tile) -> bytes:
        fetched.append(tile.path)
        return fetch(tile)

    rng = random.Random(70000)
    for size in [1, 255, 256, 257, 65535, 65536, 65537, BIG]:
        tiles = fetcher({t.path: published_tile(published, t) for t in tiles_for_size(size)})
        reader = TileHashReader(size, tiles)
        top = STORE.root() if size == BIG else root(LEAVES[:size])
        for index in [0, size - 1, rng.randrange(size)]:
            proof = prove_inclusion(size, index, reader)
            assert proof == prove_inclusion(size, index, STORE)
            verify_inclusion(LEAVES[index], index, size, proof, top)
        old = rng.randrange(1, size + 1)
        proof = prove_consistency(old, size, reader)
        assert proof == prove_consistency(old, size, STORE)
        verify_consistency(old, size, root(LEAVES[:old]), top, proof)
    reader = TileHashReader(BIG, counting_fetch)
    prove_inclusion(BIG, 12345, reader)
    prove_inclusion(BIG, 12346, reader)
    assert len(fetched) == len(set(fetched)) <= 4  # cached, and only a few tiles


def published_tile(published: dict[str, bytes], tile: Tile) -> bytes:
    """A tile of a smaller tree: full tiles are shared, partial ones are prefixes of later ones."""
    if tile.path in published:
        return published[tile.path]
    full = Tile(tile.level, tile.index)
    data = published.get(full.path)
    if data is None:
        data = next(v for k, v in published.items() if k.startswith(full.path + ".p/"))
    return data[: tile.width * 32]


def test_tile_reader_refuses_hashes_outside_the_tree() -> None:
    reader = TileHashReader(10, fetcher(publish(10)))
    with pytest.raises(StorageError):
        prove_inclusion(11, 3, reader)


@pytest.mark.parametrize(
    ("old", "new"), [(0, 1), (5, 300), (255, 257), (256, 512), (65000, BIG)], ids=str
)
def test_extending_published_tiles(old: int, new: int) -> None:
    """A sequencer reads old hashes from published tiles and writes only the new tiles."""
    published = publish(old)
    overlay = MemoryHashStore(TileHashReader(old, fetcher(published)), base_size=old)
    overlay.extend(LEAVES[old:new])
    assert overlay.root() == root(LEAVES[:new])
    published.update({t.path: tile_data(t, overlay) for t in new_tiles(old, new)})
    expected = publish(new)
    assert {k: published[k] for k in expected} == expected


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_entry_bundles_round_trip(entries: list[bytes]) -> None:
    data = format_entry_bundle(entries)
    if entries:
        bundle = EntryBundle(0, len(entries))
        assert parse_entry_bundle(data, bundle) == entries
        verify_entry_bundle(entries, [leaf_hash(e) for e in entries])


BAD_BUNDLES = [
    ("truncated-prefix", b"\x00\x01a\x00", 2),
    ("truncated-entry", b"\x00\x05abc", 1),
    ("too-few", b"\x00\x01a", 2),
    ("too-many", b"\x00\x01a\x00\x00", 1),
]


@pytest.mark.parametrize(("name", "data", "width"), BAD_BUNDLES, ids=[n for n, _, _ in BAD_BUNDLES])
def test_bad_entry_bundles(name: str, data: bytes, width: int) -> None:
    with pytest.raises(RecordError):
        parse_entry_bundle(data, EntryBundle(0, width))


def test_entry_limits_and_mismatch() -> None:
    assert format_entry_bundle([b"x" * 65535])[:2] == b"\xff\xff"
    with pytest.raises(RecordError):
        format_entry_bundle([b"x" * 65536])
    with pytest.raises(VerificationError):
        verify_entry_bundle([b"a", b"b"], [leaf_hash(b"a"), leaf_hash(b"c")])
    with pytest.raises(VerificationError):
        verify_entry_bundle([b"a"], [])
    bundle = format_entry_bundle(ENTRIES[:256])
    assert parse_entry_bundle(bundle, EntryBundle(0)) == ENTRIES[:256]
    verify_entry_bundle(ENTRIES[:256], parse_tile(publish(256)["tile/0/000"], Tile(0, 0)))
