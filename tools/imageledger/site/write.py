"""Write the per-record part of the site straight to disk (adapter): every record's page
and the publishers' list pages 2…, outside MkDocs. A record's canonical bytes are on its
publisher's canonical gzip page, and its inclusion proof is built in the browser from the
log tiles (ADR 0013): nothing else per record.

One tight loop per worker; with more than one core the records are split into slices and
rendered by forked processes (they inherit the ledger: nothing is pickled but a count).

Rebuilds (ADR 0010): MkDocs empties ``site_dir`` before every build, so just before that the
plugin moves the built ``r/`` tree aside (:func:`stash`, one rename) into
``.imageledger-cache/site/``; afterwards :func:`write_records` moves it back and renders only
the records whose page inputs changed, by comparing a key per record (its hash, whether it
has a successor, what affects it, its log index, the template) with the manifest of the last
build. Anything unexpected (no manifest, another ``site_dir``, a failed rename) means a full
render: the cache can only save work.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from imageledger.core.records import UnverifiedRecord
from imageledger.errors import LedgerError
from imageledger.site import inputs, urls
from imageledger.site.build import Generated, _rendered
from imageledger.site.model import SiteLedger
from imageledger.site.render.html import PageSource
from imageledger.site.render.publisher import page_count, page_records
from imageledger.site.render.standalone import (
    TEMPLATE_VERSION,
    Shell,
    publisher_page,
    record_page,
)

_MIN_PER_WORKER = 2000
MANIFEST = "manifest.json"
STASH = "r"


@dataclass(frozen=True, slots=True)
class Job:
    ledger: SiteLedger
    shell: Shell
    out: Path
    page_size: int
    latest: int
    cache: Path | None = None
    """``.imageledger-cache/site/`` of this repository, or None to render everything."""
    records: tuple[UnverifiedRecord, ...] = ()
    findings: Mapping[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)
    """What the compliance audit says about each record, shown on its page."""


_JOB: Job | None = None  # set before forking; read by the workers


def _put(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def _records(job: Job, start: int, stop: int) -> int:
    ledger = job.ledger
    out = str(job.out)
    done = 0
    for record in job.records[start:stop]:
        ref = record.ref
        folder = f"{out}/{urls.record(ref)}"
        os.makedirs(folder, exist_ok=True)
        page = _rendered(
            urls.record(ref),
            ref,
            lambda record=record: record_page(  # type: ignore[misc]
                job.shell,
                ledger,
                record,
                page_size=job.page_size,
                findings=job.findings.get(record.ref, ()),
            ),
        ).content
        assert isinstance(page, bytes)
        _put(folder + "index.html", page)
        done += 1
    return done


def _slice(bounds: tuple[int, int]) -> int | str:
    """A worker's slice; a failure comes back as its diagnostics (exceptions with
    locations do not cross process boundaries well)."""
    assert _JOB is not None
    try:
        return _records(_JOB, *bounds)
    except LedgerError as e:
        return e.diagnostics()


def page_keys(job: Job) -> dict[str, str]:
    """Per record, a digest of everything its page depends on: its view key
    (:func:`inputs.view_key`: hash, effects, reliance, log index), whether it heads its
    chain, its audit findings, and what every record page shares."""
    ledger = job.ledger
    shared = (TEMPLATE_VERSION, job.shell.site_name, job.shell.csp, job.page_size)
    keys = {}
    for publisher in ledger.publishers.values():
        last = len(publisher.records)
        for record in publisher.records:
            view = inputs.view_key(ledger, record)
            found = job.findings.get(record.ref, ())
            keys[record.ref] = inputs.digest(shared, view, record.seq == last, found)
    return keys


STATIC_TREES = (
    "api/v1/hashes",
    "api/v1/receipts",
    "api/v1/publishers",
    "export",
)
"""Trees of generated files the plugin writes itself (not through MkDocs), reusing the last
build's copy: only files whose key or bytes changed are rewritten."""
STATIC_PREFIXES = tuple(f"{tree}/" for tree in STATIC_TREES)
STATIC_MANIFEST = "static.json"


def _stash_name(tree: str) -> str:
    return "tree-" + tree.replace("/", "-")


def stash(site_dir: Path, cache: Path) -> None:
    """Move ``site_dir/r``, the list pages and the :data:`STATIC_TREES` aside before MkDocs
    empties ``site_dir`` (when a manifest says the last build wrote them there); never fails
    the build."""
    for manifest_name, trees in ((MANIFEST, None), (STATIC_MANIFEST, STATIC_TREES)):
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            manifest = json.loads((cache / manifest_name).read_text())
            if manifest["site_dir"] != str(site_dir.resolve()):
                continue
            moves = (
                {t: _stash_name(t) for t in (*trees, LOG_TREE)}
                if trees is not None
                else {"r": STASH} | {page: _list_stash(page) for page in manifest["lists"]}
            )
            for tree, name in moves.items():
                if (cache / name).exists():
                    shutil.rmtree(cache / name)
                if (site_dir / tree).is_dir():
                    os.makedirs((cache / name).parent, exist_ok=True)
                    os.replace(site_dir / tree, cache / name)


LOG_TREE = "log"
"""The log's tiles: stashed like the static trees, extended in place by ``write_tiles``."""


def restore_log(out: Path, cache: Path | None) -> bool:
    """Put the last build's ``log/`` back (``write_tiles`` then writes only new tiles);
    whether there was one."""
    stashed = None if cache is None else cache / _stash_name(LOG_TREE)
    if stashed is None or not stashed.is_dir() or (out / LOG_TREE).exists():
        return False
    try:
        os.replace(stashed, out / LOG_TREE)
    except OSError:
        shutil.rmtree(stashed, ignore_errors=True)
        return False
    return True


def _keyed(item: Generated) -> tuple[str, Callable[[], bytes] | bytes]:
    """``item``'s manifest entry (its key, or the digest of its bytes) and its content."""
    content = item.content
    if item.key is not None and callable(content):
        return "k:" + item.key, content
    data = item.materialize()
    data = data.markdown() if isinstance(data, PageSource) else data
    data = data.encode() if isinstance(data, str) else data
    return "d:" + hashlib.blake2b(data, digest_size=12).hexdigest(), data


def write_static(out: Path, items: Sequence[Generated], cache: Path | None) -> int:
    """Write ``items`` (paths under :data:`STATIC_TREES`) into ``out``, reusing the stashed
    trees of the last build: a file is rewritten only when its key (or, for an item without
    one, the digest of its bytes) changed, and a keyed item unchanged is never rendered.
    Returns the number of files written."""
    entries = {item.path: _keyed(item) for item in items}
    old: dict[str, str] = {}
    if cache is not None:
        try:
            manifest = json.loads((cache / STATIC_MANIFEST).read_text())
            (cache / STATIC_MANIFEST).unlink()  # until the trees are consistent again
            if manifest["site_dir"] != str(out.resolve()):
                raise ValueError("manifest of another build")
            restored = []
            for tree in STATIC_TREES:
                if (cache / _stash_name(tree)).is_dir():
                    (out / tree).parent.mkdir(parents=True, exist_ok=True)
                    if (out / tree).exists():
                        raise ValueError(f"{tree} was written by someone else")
                    os.replace(cache / _stash_name(tree), out / tree)
                    restored.append(f"{tree}/")
            # A tree that was not stashed (site_dir removed since) holds nothing: rewrite it.
            old = {k: v for k, v in manifest["files"].items() if k.startswith(tuple(restored))}
        except (OSError, ValueError, KeyError, TypeError):
            old = {}  # start over: these trees hold only what this function writes
            for tree in STATIC_TREES:
                shutil.rmtree(cache / _stash_name(tree), ignore_errors=True)
                shutil.rmtree(out / tree, ignore_errors=True)
    for gone in old.keys() - entries.keys():
        with contextlib.suppress(OSError):
            (out / gone).unlink()
    written = 0
    made: set[str] = set()
    for path, (key, content) in entries.items():
        if old.get(path) == key and os.path.isfile(f"{out}/{path}"):
            continue
        folder = os.path.dirname(f"{out}/{path}")
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        _put(f"{out}/{path}", content() if callable(content) else content)
        written += 1
    if cache is not None:
        with contextlib.suppress(OSError):
            cache.mkdir(parents=True, exist_ok=True)
            files = {path: key for path, (key, _) in entries.items()}
            manifest = {"site_dir": str(out.resolve()), "files": files}
            (cache / STATIC_MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")))
    return written


def _list_stash(url: str) -> str:
    return "lists/" + url.strip("/")


def _list_pages(job: Job) -> dict[str, tuple[str, Callable[[], bytes]]]:
    """Pages 2… of every publisher's record list: URL -> (key, render)."""
    ledger, size, shell = job.ledger, job.page_size, job.shell
    shared = (TEMPLATE_VERSION, shell.site_name, shell.csp, size, job.latest)
    pages: dict[str, tuple[str, Callable[[], bytes]]] = {}
    for publisher in ledger.publishers.values():
        total = page_count(publisher, size)
        for number in range(2, total + 1):
            records = page_records(publisher, number, size)
            pages[urls.publisher(publisher.id, number)] = (
                inputs.records_key(ledger, records, "list", shared, number, total),
                partial(publisher_page, shell, ledger, publisher, number, size, job.latest),
            )
    return pages


def _write_lists(job: Job, old: Mapping[str, str]) -> dict[str, str]:
    """Write the list pages whose key changed; move the others back from the stash."""
    cache = job.cache
    keys = {}
    for url, (key, render) in _list_pages(job).items():
        keys[url] = key
        folder = job.out / url
        stashed = None if cache is None else cache / _list_stash(url)
        if stashed is not None and old.get(url) == key and stashed.is_dir():
            folder.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                os.replace(stashed, folder)
                continue
        folder.mkdir(parents=True, exist_ok=True)
        _put(str(folder / "index.html"), render())
    if cache is not None:
        shutil.rmtree(cache / "lists", ignore_errors=True)
    return keys


def _restore(job: Job) -> tuple[dict[str, str], dict[str, str]]:
    """The stashed tree back in ``out/r`` and its manifest's page and list keys, or ``{}``."""
    cache = job.cache
    if cache is None or not (cache / STASH).is_dir():
        return {}, {}
    try:
        manifest = json.loads((cache / MANIFEST).read_text())
        keys, lists = manifest["keys"], manifest["lists"]
        if manifest["site_dir"] != str(job.out.resolve()) or not isinstance(keys, dict):
            raise ValueError("manifest of another build")
        (cache / MANIFEST).unlink()  # until the tree is consistent again
        if (job.out / "r").exists():
            shutil.rmtree(job.out / "r")
        os.replace(cache / STASH, job.out / "r")
    except (OSError, ValueError, KeyError, TypeError):
        shutil.rmtree(cache / STASH, ignore_errors=True)
        return {}, {}
    return keys, lists


def write_records(job: Job, *, workers: int) -> int:
    """Write every record's files (or, with a cache, those that changed) and the
    publishers' list pages 2…; returns the number of record folders written.

    Raises:
        LedgerError: a record that cannot be rendered, located at its file.
        RuntimeError: a worker's failure, with its diagnostics.
    """
    global _JOB
    keys = page_keys(job)
    old, old_lists = _restore(job)
    lists = _write_lists(job, old_lists)
    for gone in old.keys() - keys.keys():
        shutil.rmtree(job.out / urls.record(gone), ignore_errors=True)
    todo = tuple(r for r in job.ledger.records() if old.get(r.ref) != keys[r.ref])
    job = replace(job, records=todo)
    total = len(todo)
    workers = max(1, min(workers, total // _MIN_PER_WORKER))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        done = _records(job, 0, total)
    else:
        step = -(-total // (workers * 4))
        bounds = [(i, min(total, i + step)) for i in range(0, total, step)]
        _JOB = job
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results = pool.map(_slice, bounds, chunksize=1)
        finally:
            _JOB = None
        failures = [r for r in results if isinstance(r, str)]
        if failures:
            raise RuntimeError(failures[0])
        done = sum(r for r in results if isinstance(r, int))
    if job.cache is not None:
        with contextlib.suppress(OSError):
            job.cache.mkdir(parents=True, exist_ok=True)
            manifest = {"site_dir": str(job.out.resolve()), "keys": keys, "lists": lists}
            (job.cache / MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")))
    return done
