"""Digests of what a generated file depends on (pure), so rebuilds skip what did not change.

A *view key* sums up everything about one record that any page or API file shows: its
hash (hence every field), the later records that correct, retract or withdraw it, who
relies on it (for a consent), its index in the log. A file made from several records is
keyed by their view keys and its own parameters (:func:`digest`). Keys are compared with
the manifest of the last build (``imageledger.site.write``); equal keys mean equal bytes,
so the file is kept and never rendered. A key must change whenever the bytes could: when
in doubt, put more in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from imageledger.core.records import UnverifiedRecord
from imageledger.site.model import SiteLedger

VERSION = "1"
"""Part of every key: bump when a renderer's output changes for the same inputs."""


def digest(*parts: object) -> str:
    """A 96-bit digest of ``parts``' ``repr`` (strings, numbers, tuples of those)."""
    return hashlib.blake2b(repr((VERSION, *parts)).encode(), digest_size=12).hexdigest()


def view_key(ledger: SiteLedger, record: UnverifiedRecord) -> tuple[object, ...]:
    """Everything about ``record`` that the site shows beside its own fields."""
    ref = record.ref
    effects = tuple(
        (e.ref, e.kind, e.recorded_at, e.effective_at, e.reason)
        for e in ledger.effects.get(ref, ())
    )
    used = (
        (tuple(ledger.used_by.get(ref, ())), ledger.used_by_count.get(ref, 0))
        if record.kind == "consent"
        else ()
    )
    index = ledger.log_index(ref)
    return (record.hash, effects, used, index)


def records_key(ledger: SiteLedger, records: Sequence[UnverifiedRecord], *params: object) -> str:
    """The key of a file made from ``records`` (in order) and ``params``."""
    return digest(params, tuple(view_key(ledger, r) for r in records))


def hashes_key(records: Iterable[UnverifiedRecord], *params: object) -> str:
    """The key of a file made from records' own fields only (their hashes)."""
    return digest(params, tuple(r.hash for r in records))
