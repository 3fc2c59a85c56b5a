"""Write the image index under ``api/v1/images/`` (adapter), updating the last build's copy
in O(change) when it can.

The index (:mod:`imageledger.imaging.site_index`) mixes every publisher's images in its
shards, so a rebuild cannot keep or drop it per publisher; it can *update* it. Each build
remembers, per publisher, the digest of its record hashes and the index entries they gave
(``.imageledger-cache/site/images/<publisher>.<digest>.json``). On the next build, for each
publisher whose digest changed, the entries that left and joined go to
``site_index.update``, which rewrites only the shards they touch and ``meta.json``
(``build(old)`` updated equals ``build(new)`` byte for byte; a property test holds it to
that). No manifest, a manifest for another ``site_dir``, or any failure: a full build.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from imageledger.core.records import UnverifiedRecord
from imageledger.errors import LedgerError
from imageledger.imaging import site_index
from imageledger.imaging.ledger_images import image_pdq
from imageledger.imaging.pdq import parse_pdq_hex
from imageledger.site import inputs, urls
from imageledger.site.model import Publisher, SiteLedger
from imageledger.storage.files import write_atomic

TREE = f"{urls.API}/images"
"""Where the look-up box reads the index."""
MANIFEST = "images.json"
STASH = "tree-images"
ENTRIES = "images"


def entries(records: Iterable[UnverifiedRecord]) -> list[site_index.IndexEntry]:
    """The index entries of ``records``: every disclosure with an image hash (retracted
    ones too: the page says so)."""
    out = []
    for record in records:
        image = record.data.get("image") if record.kind == "disclosure" else None
        if not isinstance(image, dict) or not isinstance(image.get("sha256"), str):
            continue
        out.append(site_index.IndexEntry(record.ref, image["sha256"], image_pdq(image)))
    return out


def _key(publisher: Publisher) -> str:
    return inputs.hashes_key(publisher.records, "images")


def _encode(items: list[site_index.IndexEntry]) -> bytes:
    rows = [
        [
            e.ref,
            e.sha256,
            None if e.pdq is None else e.pdq.hex,
            0 if e.pdq is None else e.pdq.quality,
        ]
        for e in items
    ]
    return json.dumps(rows, separators=(",", ":")).encode()


def _decode(data: bytes) -> list[site_index.IndexEntry]:
    return [
        site_index.IndexEntry(
            ref, sha, None if pdq is None else parse_pdq_hex(pdq, quality=quality)
        )
        for ref, sha, pdq, quality in json.loads(data)
    ]


def stash(site_dir: Path, cache: Path) -> None:
    """Move the last build's index aside before MkDocs empties ``site_dir``."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        manifest = json.loads((cache / MANIFEST).read_text())
        if manifest["site_dir"] == str(site_dir.resolve()) and (site_dir / TREE).is_dir():
            shutil.rmtree(cache / STASH, ignore_errors=True)
            os.replace(site_dir / TREE, cache / STASH)


def _put(out: Path, files: Mapping[str, bytes | None]) -> None:
    made: set[Path] = set()
    for path, data in files.items():
        target = out / TREE / path
        if data is None:
            target.unlink()
            continue
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        with open(target, "wb") as f:
            f.write(data)


Entries = Callable[[str], list[site_index.IndexEntry]]
"""A publisher's index entries, computed at most once per build."""


def _update(out: Path, cache: Path, keys: dict[str, str], entries_of: Entries) -> int:
    """Update the restored index for the publishers whose key changed; the number of files
    written, or raise anything to ask for a full build."""
    manifest = json.loads((cache / MANIFEST).read_text())
    (cache / MANIFEST).unlink()  # until the tree is consistent again
    if manifest["site_dir"] != str(out.resolve()) or not (cache / STASH).is_dir():
        raise ValueError("no index of this site_dir to update")
    old: dict[str, str] = manifest["publishers"]
    if (out / TREE).exists():
        raise ValueError(f"{TREE} was written by someone else")
    (out / TREE).parent.mkdir(parents=True, exist_ok=True)
    os.replace(cache / STASH, out / TREE)
    removed: list[site_index.IndexEntry] = []
    added: list[site_index.IndexEntry] = []
    for pid in sorted(old.keys() | keys.keys()):
        if old.get(pid) == keys.get(pid):
            continue
        before = (
            set(_decode((cache / ENTRIES / f"{pid}.{old[pid]}.json").read_bytes()))
            if pid in old
            else set()
        )
        now = set(entries_of(pid)) if pid in keys else set()
        removed.extend(before - now)
        added.extend(now - before)
    if not removed and not added:
        return 0

    def read(path: str) -> bytes | None:
        try:
            return (out / TREE / path).read_bytes()
        except FileNotFoundError:
            return None

    files = site_index.update(read, removed=removed, added=added)
    _put(out, files)
    return len(files)


def write_index(out: Path, ledger: SiteLedger, cache: Path | None) -> int:
    """Write (or update) the image index; returns the number of files written."""
    keys = {pid: _key(p) for pid, p in ledger.publishers.items()}
    entries_of: Entries = functools.cache(lambda pid: entries(ledger.publishers[pid].records))
    written = -1
    if cache is not None:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, LedgerError):
            written = _update(out, cache, keys, entries_of)
    if written < 0:  # a full build
        shutil.rmtree(out / TREE, ignore_errors=True)
        if cache is not None:
            shutil.rmtree(cache / STASH, ignore_errors=True)
        files = site_index.build(e for pid in keys for e in entries_of(pid))
        _put(out, dict(files))
        written = len(files)
    if cache is not None:
        with contextlib.suppress(OSError):
            folder = cache / ENTRIES
            folder.mkdir(parents=True, exist_ok=True)
            wanted = {f"{pid}.{key}.json" for pid, key in keys.items()}
            for stale in folder.iterdir():
                if stale.name not in wanted:
                    stale.unlink()
            for pid, key in keys.items():
                if not (folder / f"{pid}.{key}.json").is_file():
                    data = _encode(entries_of(pid))
                    write_atomic(folder / f"{pid}.{key}.json", data)
            manifest = {"site_dir": str(out.resolve()), "publishers": keys}
            (cache / MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")))
    return written
