"""The ``imageledger`` MkDocs plugin: read the ledger, hand the generated files to MkDocs.

Thin on purpose (CONVENTIONS 13): everything it adds comes from :mod:`imageledger.site.build`
and the pure renderers; every failure becomes a ``PluginError`` naming the file and record.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from imageledger.errors import LedgerError, VerificationError
from imageledger.site import audit_data, build, images, write
from imageledger.site.config import LedgerPluginConfig
from imageledger.site.load import read_ledger
from imageledger.site.model import SiteLedger
from imageledger.site.render.home import MARKER, render_home
from imageledger.site.render.html import BODY_MARKER, PageSource
from imageledger.site.render.standalone import Shell

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
IN_NAV = frozenset({build.FORMAT_REFERENCE, build.CLI_REFERENCE, "p/index.md"})


def _guarded(items: Iterator[build.Generated]) -> Iterator[build.Generated]:
    """``items``, with any failure turned into a ``PluginError`` naming what was being made."""
    last: build.Generated | None = None
    while True:
        try:
            item = next(items)
        except StopIteration:
            return
        except LedgerError as e:
            raise PluginError(f"imageledger: {e.diagnostics()}") from e
        except Exception as e:
            after = f" (after {last.path})" if last is not None else ""
            raise PluginError(f"imageledger: generating the site failed{after}: {e!r}") from e
        last = item
        yield item


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the ledger is read and rendered: the build makes
    hundreds of thousands of long-lived objects and no cycles worth collecting, and each
    full collection would walk all of them (reading 100,000 records took 3x as long)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # What is alive now lives until the build ends: later collections, and the one at
        # exit, skip it (the ledger is acyclic, so reference counting still frees it).
        gc.freeze()
        if enabled:
            gc.enable()


class _Clock:
    """Logs how long each step of the plugin took (``mkdocs build -v`` shows it)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def mark(self, step: str) -> None:
        now = time.perf_counter()
        log.debug("imageledger: %s took %.2f s", step, now - self.last)
        self.last = now


def _plain(content: str | bytes | PageSource) -> str | bytes:
    return content.markdown() if isinstance(content, PageSource) else content


def _favicon(config: MkDocsConfig) -> bytes | None:
    """The theme's favicon, for ``/favicon.ico`` (browsers ask for it on pages without an
    icon link; it may be a PNG: they sniff the format)."""
    if (Path(config.docs_dir) / "favicon.ico").is_file():
        return None  # the site has its own
    name = config.theme["favicon"] or "assets/images/favicon.png"
    for folder in (config.docs_dir, *config.theme.dirs):
        path = Path(folder) / name
        if path.is_file():
            return path.read_bytes()
    return None


class LedgerPlugin(BasePlugin[LedgerPluginConfig]):  # type: ignore[no-untyped-call]
    """Renders the ledger in ``ledger/`` into the site (``plugins: [search, imageledger]``)."""

    def __init__(self) -> None:
        self.repo = Path()
        self.ledger: SiteLedger | None = None
        self.audit: audit_data.SiteAudit | None = None
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.bodies: dict[str, str] = {}
        self.static: list[build.Generated] = []
        self.serving = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        gc.unfreeze()  # what the last build froze (`mkdocs serve`) may be collected again
        if self.serving:
            # `mkdocs serve` injects an inline live-reload script; allow it on the local
            # preview only (the template reads this; a built site never has it).
            config.extra["csp_dev_inline"] = True
        if not config.use_directory_urls:
            raise PluginError("imageledger: needs use_directory_urls (record URLs are /r/<p>/<n>/)")
        base = Path(config.config_file_path or ".").resolve().parent
        self.repo = (base / self.config.ledger).resolve()
        self.now = datetime.now(UTC).replace(microsecond=0)
        return config

    def _cache(self) -> Path | None:
        return self.repo / ".imageledger-cache" / "site" if self.config.cache else None

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        cache = self._cache()
        if cache is not None:  # before MkDocs empties site_dir
            write.stash(Path(config.site_dir), cache)
            images.stash(Path(config.site_dir), cache)

    def _workers(self) -> int:
        return self.config.workers or os.cpu_count() or 1

    def _options(self, config: MkDocsConfig) -> build.Options:
        site_url = config.site_url or ""
        return build.Options(
            site_url=site_url if site_url.endswith("/") else site_url + "/",
            page_size=self.config.page_size,
            feed_entries=self.config.feed_entries,
            latest=self.config.latest,
            export=self.config.export,
        )

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        with _gc_paused():
            return self._add_files(files, config)

    def _add_files(self, files: Files, config: MkDocsConfig) -> Files:
        from imageledger.cli import cli, register  # heavy imports: only when building

        register()  # attach every subcommand, for the CLI reference
        clock = _Clock()

        try:
            self.ledger = read_ledger(
                self.repo, workers=self._workers(), log=self.config.log, use_cache=self.config.cache
            )
        except LedgerError as e:
            raise PluginError(f"imageledger: {e.diagnostics()}") from e
        options = self._options(config)
        stamp = self.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        add: Callable[[File], None] = files.append
        self.bodies.clear()
        try:
            clock.mark("reading the ledger")
            self.audit = audit_data.site_audit(self.repo, self.ledger)
            clock.mark("the compliance audit")
        except LedgerError as e:
            raise PluginError(f"imageledger: {e.diagnostics()}") from e
        compliance = audit_data.publisher_summaries(self.audit)
        for item in _guarded(build.pages(self.ledger, options, cli, compliance=compliance)):
            level = InclusionLevel.UNDEFINED if item.path in IN_NAV else InclusionLevel.NOT_IN_NAV
            content = item.materialize()
            if isinstance(content, PageSource):
                self.bodies[item.path] = content.html()
                content = content.front_matter() + BODY_MARKER
            add(File.generated(config, item.path, content=content, inclusion=level))
        clock.mark("pages")
        self.static.clear()
        for item in _guarded(build.files(self.ledger, options, now=stamp)):
            if item.path.startswith(write.STATIC_PREFIXES):  # written in on_post_build
                self.static.append(item)
            else:
                add(File.generated(config, item.path, content=_plain(item.materialize())))
        icon = _favicon(config)
        if icon is not None:  # standalone pages carry no icon link (ADR 0013)
            add(File.generated(config, "favicon.ico", content=icon))
        clock.mark("API, feeds, indexes")
        # --- compliance audit (issue 7): /audit/, api/v1/audit.json, consent-status shards
        site = options.site_url
        files_of_audit = audit_data.site_files(
            self.repo, self.ledger, site_url=site, result=self.audit
        )
        for item in _guarded(files_of_audit):
            content = item.materialize()
            if isinstance(content, PageSource):
                self.bodies[item.path] = content.html()
                content = content.front_matter() + BODY_MARKER
            add(File.generated(config, item.path, content=content))
        # --- end compliance audit
        clock.mark("audit files")
        return files

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if page.file.src_uri != "index.md" or self.ledger is None:
            return markdown
        block = f"\n\n{render_home(self.ledger, latest=self.config.latest, now=self.now)}\n\n"
        if MARKER in markdown:
            return markdown.replace(MARKER, block, 1)
        return markdown + block

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        body = self.bodies.get(page.file.src_uri)
        return html if body is None else html.replace(BODY_MARKER, body, 1)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        with _gc_paused():
            self._write(config)

    def _write(self, config: MkDocsConfig) -> None:
        if self.ledger is None:
            return
        job = write.Job(
            ledger=self.ledger,
            shell=Shell(config.site_name, build.CSP_META),
            out=Path(config.site_dir),
            page_size=self.config.page_size,
            latest=self.config.latest,
            cache=self._cache(),
            findings=audit_data.record_findings(self.audit) if self.audit else {},
        )
        try:
            clock = _Clock()
            write.write_static(Path(config.site_dir), self.static, self._cache())
            clock.mark("writing API files")
            images.write_index(Path(config.site_dir), self.ledger, self._cache())
            clock.mark("the image index")
            done = write.write_records(job, workers=self._workers())
            clock.mark("record and list pages")
            total = sum(len(p.records) for p in self.ledger.publishers.values())
            log.info("imageledger: %d record pages rendered, %d reused", done, total - done)
        except LedgerError as e:
            raise PluginError(f"imageledger: {e.diagnostics()}") from e
        except Exception as e:
            raise PluginError(f"imageledger: writing the record pages failed: {e}") from e
        if not self.config.log or self.ledger.log is None:
            return
        from imageledger.log.publish import write_tiles

        out = Path(config.site_dir) / write.LOG_TREE
        held = self.ledger.canonical
        try:
            if write.restore_log(Path(config.site_dir), self._cache()):
                try:  # extend the last build's tiles (they are checked against their root)
                    write_tiles(self.repo, out, durable=False, canonical=held)
                    return
                except VerificationError:  # not an extension of this log: start over
                    shutil.rmtree(out)
            write_tiles(self.repo, out, durable=False, canonical=held)
        except LedgerError as e:
            raise PluginError(f"imageledger: writing the log tiles: {e.diagnostics()}") from e

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        server.watch(str(self.repo / "ledger"))
        return server
