"""``log tiles`` and ``log prove|check-proof``: the log as others read it.

Tiles are made from the order index (leaf hashes) and the record files (entry bundles);
an existing tiles folder of an older size is extended, reading its tiles back as the base
of the hash store after checking they lead to its checkpoint's root.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from imageledger.core import strict_yaml
from imageledger.core.keys import VerifierKey, parse_verifier_key
from imageledger.core.records import UnverifiedRecord
from imageledger.errors import LedgerError, Location, RecordError, StorageError, VerificationError
from imageledger.log.checkpoint import parse_checkpoint, verify_checkpoint
from imageledger.log.fetch import MAX_CHECKPOINT, LogSource
from imageledger.log.hashstore import (
    MemoryHashStore,
    prove_inclusion,
    stored_hash_index,
    tree_hash,
)
from imageledger.log.integrate import log_files, read_entry
from imageledger.log.merkle import leaf_hash
from imageledger.log.note import parse_note
from imageledger.log.proof import (
    VerifiedTlogProof,
    make_tlog_proof,
    parse_tlog_proof,
    verify_tlog_proof,
)
from imageledger.log.state import ORDER_WIDTH, OrderLine
from imageledger.log.store import iter_order, load_state, read_checkpoint, read_order
from imageledger.log.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    TileHashReader,
)
from imageledger.log.tilewrite import write_tile_files
from imageledger.log.witness import collect_cosignatures, with_signatures, witness_policy
from imageledger.storage.files import read_bounded, write_atomic
from imageledger.storage.layout import Layout, load_config


@dataclass(frozen=True)
class TilesResult:
    old_size: int
    size: int
    written: int
    bytes: int


def _signed_checkpoint(layout: Layout) -> tuple[bytes, int, list[VerifierKey], str]:
    config = load_config(layout)
    files = log_files(layout)
    state = load_state(files)
    signed = read_checkpoint(files, state.size)
    if signed is None:
        raise StorageError(
            "the log has no checkpoint yet",
            code="log-empty",
            hint="run `imageledger log integrate`",
        )
    keys = list(config.operator_keys.values())
    cp = verify_checkpoint(signed, origin=config.origin, log_keys=keys).checkpoint
    if cp.size != state.size or cp.root_hash != state.tree.root():
        raise VerificationError(
            "the latest checkpoint does not match the log state", code="log-state-mismatch"
        )
    policy = witness_policy(config)
    signed = with_signatures(signed, collect_cosignatures(files, policy, cp.size))
    return signed, cp.size, keys, config.origin


def write_tiles(
    repo: Path,
    out: Path,
    *,
    durable: bool = True,
    canonical: Callable[[str, int], bytes | None] | None = None,
) -> TilesResult:
    """Write (or extend) the tiles of the ledger's latest checkpoint into ``out``.

    ``durable``: flush the tiles to disk before the checkpoint that makes them reachable
    replaces the old one (a site build, which MkDocs never flushes, passes ``False``).
    ``canonical(publisher, seq)``: a record's canonical bytes when the caller already holds
    them (the site build), instead of reading its file; checked against the logged leaf
    hash either way.
    """
    layout = Layout(repo)
    signed, size, keys, origin = _signed_checkpoint(layout)
    files = log_files(layout)
    source = LogSource(out)
    old_size, old_roots = 0, []
    existing = source.read("checkpoint", MAX_CHECKPOINT)
    if existing is not None:
        old = verify_checkpoint(existing, origin=origin, log_keys=keys).checkpoint
        if old.size > size:
            raise VerificationError(
                f"{out} holds a larger tree ({old.size}) than the log ({size})",
                code="tiles-newer",
            )
        base = TileHashReader(old.size, source.tile)
        if tree_hash(old.size, base) != old.root_hash:
            raise VerificationError(
                f"the tiles in {out} do not lead to their checkpoint's root",
                code="tiles-inconsistent",
            )
        old_size = old.size
        old_roots = base.read_hashes(
            [stored_hash_index(TILE_HEIGHT, n) for n in range(old_size // TILE_WIDTH)]
        )
    first_file = old_size // ORDER_WIDTH
    lines: list[OrderLine] = []
    for n in range(first_file, (size + ORDER_WIDTH - 1) // ORDER_WIDTH):
        lines.extend(read_order(files, n))
    # The level-0 tile the published tree ends in is rebuilt from the log below, so its
    # published leaves must be the log's: else the new checkpoint would not extend the old.
    if old_size % TILE_WIDTH and base.tile_hashes(
        Tile(0, old_size // TILE_WIDTH, old_size % TILE_WIDTH)
    ) != [line.leaf for line in lines[: old_size % TILE_WIDTH]]:
        raise VerificationError(
            f"the tiles in {out} hold leaves the log does not have",
            code="tiles-inconsistent",
        )

    def entries(n: int) -> list[bytes]:  # runs in the workers: each reads its own records
        at = (n - first_file) * ORDER_WIDTH
        out_entries = []
        for line in lines[at : at + TILE_WIDTH][: size - n * TILE_WIDTH]:
            held = None if canonical is None else canonical(line.publisher, line.seq)
            data = (
                held if held is not None else read_entry(layout, line.publisher, line.seq).canonical
            )
            if leaf_hash(data) != line.leaf:
                raise VerificationError(
                    f"{line.ref} differs from the logged entry",
                    code="log-entry-changed",
                    location=Location(layout.rel(layout.record_path(line.publisher, line.seq))),
                )
            out_entries.append(data)
        return out_entries

    # Everything written before the checkpoint is at a path the published checkpoint does not
    # reach (a new tile, or a partial one at its new width), so a failure below leaves the
    # published log as it was, and the next run rewrites all of it.
    build = write_tile_files(out, size, entries, old_size=old_size, old_roots=old_roots)
    if build.root != parse_checkpoint(parse_note(signed).text).root_hash:
        if old_size:
            raise VerificationError(
                "the log does not extend the published tiles (or its order index does not "
                "lead to its checkpoint)",
                code="tiles-inconsistent",
            )
        raise VerificationError(
            "the order index does not lead to the checkpoint", code="log-state-mismatch"
        )
    written, total = build.files, build.bytes
    config_bytes = read_bounded(layout.config_path)
    if source.read("ledger.yaml", len(config_bytes) + 1) != config_bytes:
        write_atomic(out / "ledger.yaml", config_bytes)  # keys and witness policy, for auditors
        written += 1
        total += len(config_bytes)
    if existing != signed:
        if build.files and durable:
            os.sync()  # the tiles are on disk before the checkpoint that makes them reachable
        write_atomic(out / "checkpoint", signed)  # last: readers see old or new, never half
        written += 1
        total += len(signed)
    return TilesResult(old_size, size, written, total)


def parse_ref(ref: str) -> tuple[str, int]:
    publisher, _, seq = ref.partition("/")
    if not publisher or not seq.isdigit() or str(int(seq)) != seq:
        raise RecordError(f"{ref!r} is not <publisher>/<seq>", code="usage-ref")
    return publisher, int(seq)


def prove(repo: Path, ref: str) -> bytes:
    """A ``c2sp.org/tlog-proof@v1`` file for ``ref`` against the latest checkpoint."""
    publisher, seq = parse_ref(ref)
    layout = Layout(repo)
    signed, size, _keys, _origin = _signed_checkpoint(layout)
    files = log_files(layout)
    leaves, index = [], None
    for i, line in enumerate(iter_order(files, size)):
        leaves.append(line.leaf)
        if (line.publisher, line.seq) == (publisher, seq):
            index = i
    if index is None:
        raise RecordError(
            f"{ref} is not in the log", code="log-ref-missing", hint="integrate it first"
        )
    entry = read_entry(layout, publisher, seq)
    if leaf_hash(entry.canonical) != leaves[index]:
        raise VerificationError(f"{ref} differs from the logged entry", code="log-entry-changed")
    store = MemoryHashStore.from_leaf_hashes(leaves)
    return make_tlog_proof(
        index=index, proof=prove_inclusion(size, index, store), signed_checkpoint=signed
    )


def record_entry(path: Path) -> bytes:
    """The log entry of a record file (YAML as committed, or its canonical JSON)."""
    data = read_bounded(path)
    try:
        return UnverifiedRecord.from_dict(
            strict_yaml.parse_canonical(data), values_checked=True
        ).canonical
    except LedgerError as e:
        raise e.at(str(path)) from None


def check_proof(
    proof: bytes, entry: bytes, *, keys: Sequence[str], origin: str | None, repo: Path | None
) -> VerifiedTlogProof:
    """Verify ``proof`` for ``entry`` against ``keys`` (default: the ledger's operator keys)."""
    verifiers = [parse_verifier_key(k) for k in keys]
    if verifiers and origin is None:  # the origin line is covered by the given key's signature
        origin = parse_checkpoint(parse_note(parse_tlog_proof(proof).checkpoint).text).origin
    if not verifiers or origin is None:
        if repo is None:
            raise RecordError("give --key and --origin, or run inside a ledger", code="usage-key")
        config = load_config(Layout(repo))
        verifiers = verifiers or list(config.operator_keys.values())
        origin = origin or config.origin
    return verify_tlog_proof(proof, entry, origin=origin, log_keys=verifiers)
