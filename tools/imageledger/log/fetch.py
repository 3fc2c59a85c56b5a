"""Read a published log (C2SP tlog-tiles) from a local folder or an ``http(s)://`` URL.

Every read is bounded; nothing read here is trusted until it verifies against a signed
checkpoint (``tiles.TileHashReader`` and the audit do that).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from imageledger.errors import Location, StorageError
from imageledger.log.tiles import MAX_ENTRY_SIZE, TILE_WIDTH, EntryBundle, Tile
from imageledger.storage.files import read_bounded

MAX_CHECKPOINT = 1 << 16
MAX_TILE = 32 * TILE_WIDTH
MAX_BUNDLE = TILE_WIDTH * (MAX_ENTRY_SIZE + 2)
MAX_META = 1 << 20
TIMEOUT = 30


class LogSource:
    """The ``log/`` folder of a site: ``LogSource(root).read(path, limit)``."""

    def __init__(self, root: str | Path) -> None:
        self.root = str(root).rstrip("/")
        self.is_url = self.root.startswith(("http://", "https://"))

    def describe(self, path: str) -> str:
        return f"{self.root}/{path}"

    def read(self, path: str, limit: int) -> bytes | None:
        """The file's bytes, ``None`` if it does not exist; larger than ``limit`` raises."""
        if not self.is_url:
            local = Path(self.root) / path
            return read_bounded(local, limit) if local.is_file() else None
        where = Location(self.describe(path))
        try:
            with urllib.request.urlopen(self.describe(path), timeout=TIMEOUT) as response:  # noqa: S310
                data: bytes = response.read(limit + 1)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise StorageError(f"HTTP {e.code}", code="fetch-failed", location=where) from e
        except (urllib.error.URLError, OSError) as e:
            raise StorageError(f"cannot fetch: {e}", code="fetch-failed", location=where) from e
        if len(data) > limit:
            raise StorageError(f"larger than {limit} bytes", code="fetch-too-large", location=where)
        return data

    def need(self, path: str, limit: int) -> bytes:
        data = self.read(path, limit)
        if data is None:
            raise StorageError(
                "missing", code="log-file-missing", location=Location(self.describe(path))
            )
        return data

    def tile(self, tile: Tile) -> bytes:
        return self.need(tile.path, MAX_TILE)

    def bundle(self, bundle: EntryBundle) -> bytes:
        return self.need(bundle.path, MAX_BUNDLE)
