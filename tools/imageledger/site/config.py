"""The ``imageledger`` plugin's options in ``mkdocs.yml`` (typed, validated by MkDocs)."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class LedgerPluginConfig(base.Config):  # type: ignore[no-untyped-call]  # mkdocs' hook
    """``plugins: [imageledger: {...}]``; every option has a default that fits the demo."""

    ledger = c.Type(str, default=".")
    """The ledger repository (holding ``ledger/ledger.yaml``), relative to ``mkdocs.yml``."""
    page_size = c.Type(int, default=50)
    """Records per publisher page and per API page."""
    feed_entries = c.Type(int, default=20)
    """Entries in each Atom/JSON feed (feeds never grow with the ledger)."""
    latest = c.Type(int, default=10)
    """Latest disclosures listed on the home page."""
    export = c.Type(bool, default=True)
    """Write the bulk export's manifest ``export/manifest.json`` (the canonical gzip pages
    of every publisher, in order)."""
    log = c.Type(bool, default=True)
    """Publish the log: checkpoint, tiles and entry bundles under ``/log/`` (record pages
    build their inclusion proofs from them in the browser)."""
    workers = c.Type(int, default=0)
    """Processes used to read records (0: one per core)."""
    cache = c.Type(bool, default=True)
    """Keep parsed records and rendered record pages in ``.imageledger-cache/`` (never
    committed) so that a rebuild only redoes what changed."""
