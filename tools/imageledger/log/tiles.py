"""C2SP tlog-tiles: tile paths, the tiles of a tree, tile and entry-bundle bytes, tile-backed reads.

A tile at level ``L``, index ``N`` holds up to 256 consecutive hashes of tree level ``8L``
(``tile/<L>/<N>[.p/<W>]``); a level-0 tile holds leaf hashes, and an entry bundle
(``tile/entries/<N>[.p/<W>]``) holds the matching entries, each prefixed by its big-endian
uint16 length. ``N`` is written in 3-digit groups, all but the last prefixed with ``x``
(1234067 → ``x001/x234/067``). A partial tile has width 1–255; tiles at level > 0 hash only
full tiles of the level below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from imageledger.errors import Location, RecordError, StorageError, VerificationError
from imageledger.log.hashstore import HashReader, split_stored_hash_index, stored_hash_index
from imageledger.log.merkle import HASH_SIZE, check_size, leaf_hash, perfect_root

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_TILE_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF


def _check_coordinates(level: int | None, index: int, width: int) -> None:
    if level is not None and not 0 <= level <= MAX_TILE_LEVEL:
        raise RecordError(f"tile level {level} is not in 0..63", code="tile-invalid")
    if index < 0 or not 1 <= width <= TILE_WIDTH:
        raise RecordError(f"tile index {index} width {width} is invalid", code="tile-invalid")


def format_tile_index(n: int) -> str:
    """``n`` as 3-digit path elements, all but the last prefixed with ``x``."""
    if n < 0:
        raise RecordError("a tile index is non-negative", code="tile-invalid")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def _suffix(width: int) -> str:
    return "" if width == TILE_WIDTH else f".p/{width}"


@dataclass(frozen=True, slots=True, order=True)
class Tile:
    """Hash tile ``index`` at tile ``level``, ``width`` hashes wide (256 when full)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check_coordinates(self.level, self.index, self.width)

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        return f"tile/{self.level}/{format_tile_index(self.index)}{_suffix(self.width)}"


@dataclass(frozen=True, slots=True, order=True)
class EntryBundle:
    """Entry bundle ``index``: the entries of level-0 tile ``index``, ``width`` of them."""

    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check_coordinates(None, self.index, self.width)

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        return f"tile/entries/{format_tile_index(self.index)}{_suffix(self.width)}"


_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?",
    re.ASCII,
)


def parse_tile_path(path: str) -> Tile | EntryBundle:
    """Parse a tile or entry-bundle path, accepting only its one canonical spelling."""
    m = _PATH.fullmatch(path)
    if m is None:
        raise RecordError(f"not a tile path: {path!r}", code="tile-path-invalid")
    index = int(m["index"].replace("x", "").replace("/", ""))
    width = int(m["width"]) if m["width"] else TILE_WIDTH
    try:
        tile: Tile | EntryBundle = (
            EntryBundle(index, width)
            if m["level"] == "entries"
            else Tile(int(m["level"]), index, width)
        )
    except RecordError as e:
        raise RecordError(f"not a tile path: {path!r}", code="tile-path-invalid") from e
    if tile.path != path:
        raise RecordError(f"not the canonical tile path: {path!r}", code="tile-path-invalid")
    return tile


def tiles_for_size(size: int) -> list[Tile]:
    """Every hash tile a tree of ``size`` leaves is served as, level by level."""
    check_size(size)
    out: list[Tile] = []
    level, count = 0, size  # count: hashes at tree level 8*level
    while count:
        full, partial = divmod(count, TILE_WIDTH)
        out.extend(Tile(level, n) for n in range(full))
        if partial:
            out.append(Tile(level, full, partial))
        level, count = level + 1, full
    return out


def entry_bundles_for_size(size: int) -> list[EntryBundle]:
    """Every entry bundle a tree of ``size`` leaves is served as."""
    full, partial = divmod(check_size(size), TILE_WIDTH)
    return [EntryBundle(n) for n in range(full)] + ([EntryBundle(full, partial)] if partial else [])


def new_tiles(old_size: int, new_size: int) -> list[Tile]:
    """The tiles of tree ``new_size`` that tree ``old_size`` did not have (what to publish)."""
    if not 0 <= check_size(old_size) <= check_size(new_size):
        raise RecordError("the new size is smaller than the old", code="tree-size-invalid")
    old = set(tiles_for_size(old_size))
    return [t for t in tiles_for_size(new_size) if t not in old]


def tile_for_hash(level: int, n: int, size: int) -> tuple[Tile, int, int]:
    """The tile of tree ``size`` that holds subtree ``(level, n)``, and the slice of its hashes.

    Returns ``(tile, start, end)``: the subtree's root is the root of hashes ``[start, end)``.
    """
    if ((n + 1) << level) > size:
        raise StorageError(
            f"hash ({level}, {n}) is not in a tree of size {size}", code="hash-missing"
        )
    tile_level = level // TILE_HEIGHT
    shift = level - tile_level * TILE_HEIGHT
    first = n << shift  # index of the first covered hash at tree level 8 * tile_level
    index, start = divmod(first, TILE_WIDTH)
    full = (size >> (TILE_HEIGHT * tile_level)) // TILE_WIDTH
    width = TILE_WIDTH if index < full else (size >> (TILE_HEIGHT * tile_level)) % TILE_WIDTH
    return Tile(tile_level, index, width), start, start + (1 << shift)


def tile_data(tile: Tile, reader: HashReader) -> bytes:
    """The bytes of ``tile``: its hashes, read from stored hashes and concatenated."""
    base = tile.index * TILE_WIDTH
    level = tile.level * TILE_HEIGHT
    hashes = reader.read_hashes([stored_hash_index(level, base + i) for i in range(tile.width)])
    if len(hashes) != tile.width or any(len(h) != HASH_SIZE for h in hashes):
        raise StorageError(f"could not read the hashes of {tile.path}", code="hash-read-invalid")
    return b"".join(hashes)


def parse_tile(data: bytes, tile: Tile) -> list[bytes]:
    """Split tile bytes into hashes; exactly ``tile.width`` of them."""
    if len(data) != tile.width * HASH_SIZE:
        raise RecordError(
            f"{tile.path} is {len(data)} bytes, not {tile.width * HASH_SIZE}",
            code="tile-malformed",
            location=Location(path=tile.path),
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def format_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """Concatenate entries, each prefixed by its big-endian uint16 length."""
    listed = list(entries)
    try:
        prefixes = [len(entry).to_bytes(2, "big") for entry in listed]
    except OverflowError:
        i, size = next((i, len(e)) for i, e in enumerate(listed) if len(e) > MAX_ENTRY_SIZE)
        raise RecordError(
            f"entry {i} is {size} bytes; at most {MAX_ENTRY_SIZE} fit a bundle",
            code="entry-too-large",
        ) from None
    parts: list[bytes] = [b""] * (2 * len(listed))
    parts[0::2] = prefixes
    parts[1::2] = listed
    return b"".join(parts)


def parse_entry_bundle(data: bytes, bundle: EntryBundle) -> list[bytes]:
    """Split an entry bundle into exactly ``bundle.width`` entries, with nothing left over."""
    entries, at = [], 0
    where = Location(path=bundle.path)
    while at < len(data):
        if len(data) - at < 2:
            raise RecordError("truncated length prefix", code="bundle-malformed", location=where)
        length = int.from_bytes(data[at : at + 2], "big")
        at += 2
        if len(data) - at < length:
            raise RecordError("truncated entry", code="bundle-malformed", location=where)
        entries.append(data[at : at + length])
        at += length
    if len(entries) != bundle.width:
        raise RecordError(
            f"{len(entries)} entries, not {bundle.width}", code="bundle-malformed", location=where
        )
    return entries


def verify_entry_bundle(entries: Sequence[bytes], tile_hashes: Sequence[bytes]) -> None:
    """Raise ``VerificationError`` unless each entry hashes to the level-0 tile hash beside it."""
    if len(entries) != len(tile_hashes):
        raise VerificationError("bundle and tile differ in width", code="bundle-mismatch")
    for i, (entry, h) in enumerate(zip(entries, tile_hashes, strict=True)):
        if leaf_hash(entry) != h:
            raise VerificationError(
                f"entry {i} does not match its tile hash", code="bundle-mismatch"
            )


class TileHashReader:
    """A ``HashReader`` over the tiles of the tree of ``size`` leaves.

    ``fetch(tile)`` returns the tile's bytes (an adapter reads files or HTTP). Tiles are not
    authenticated here: a proof built from them proves something only once it verifies
    against a signed checkpoint root. Fetched tiles are cached for the reader's lifetime.
    """

    def __init__(self, size: int, fetch: Callable[[Tile], bytes]) -> None:
        self._size = check_size(size)
        self._fetch = fetch
        self._cache: dict[Tile, list[bytes]] = {}

    @property
    def size(self) -> int:
        return self._size

    def tile_hashes(self, tile: Tile) -> list[bytes]:
        if tile not in self._cache:
            self._cache[tile] = parse_tile(self._fetch(tile), tile)
        return self._cache[tile]

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        out = []
        for i in indexes:
            tile, start, end = tile_for_hash(*split_stored_hash_index(i), self._size)
            out.append(perfect_root(self.tile_hashes(tile)[start:end]))
        return out
