"""The sequencing state's text formats: the state file and the order index (ADR 0006).

``state`` holds what appending needs and nothing that grows with the log::

    imageledger/log-state/v1
    size 63
    edge <base64 hash>            (one per set bit of size, largest subtree first)
    head <publisher> <seq> <record hash>   (one per publisher: its last logged entry)
    time <RFC 3339 UTC>           (when the latest checkpoint was signed; informational)

The order index is split like tiles: file ``order/<N>`` (``N`` in the tiles' ``x001/234``
spelling) lists entries ``[256 N, 256 N + 256)``, one line each::

    <publisher>/<seq> <record hash> <base64 leaf hash>

The record hash is the SHA-256 of the entry bytes; the leaf hash is the Merkle leaf, so
proofs and tiles can be made from the index alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from imageledger.core.schemas import PUBLISHER_ID
from imageledger.errors import Location, RecordError
from imageledger.log.merkle import decode_hash, encode_hash
from imageledger.log.tiles import TILE_WIDTH, format_tile_index
from imageledger.log.treestate import TreeState

STATE_HEADER = "imageledger/log-state/v1"
STATE_NAME = "state"
ORDER_DIR = "order"
CHECKPOINT_DIR = "checkpoints"
WITNESS_DIR = "witnesses"
ORDER_WIDTH = TILE_WIDTH
_HASH = re.compile(r"sha256:[0-9a-f]{64}", re.ASCII)
_PUBLISHER = re.compile(PUBLISHER_ID)
_SEQ = re.compile(r"0|[1-9][0-9]{0,15}", re.ASCII)
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", re.ASCII)


def _bad(message: str, name: str, line: int | None = None) -> RecordError:
    return RecordError(message, code="log-state-malformed", location=Location(name, line))


@dataclass(frozen=True, slots=True)
class Head:
    """A publisher's last logged entry."""

    seq: int
    hash: str


@dataclass(frozen=True)
class LogState:
    """The right edge of the log's tree and each publisher's logged head."""

    tree: TreeState = field(default_factory=TreeState)
    heads: Mapping[str, Head] = field(default_factory=dict)
    time: str | None = None

    @property
    def size(self) -> int:
        return self.tree.size


def format_state(state: LogState) -> bytes:
    lines = [STATE_HEADER, f"size {state.size}"]
    lines += [f"edge {encode_hash(h)}" for h in state.tree.hashes]
    lines += [f"head {p} {h.seq} {h.hash}" for p, h in sorted(state.heads.items())]
    if state.time is not None:
        lines.append(f"time {state.time}")
    return ("\n".join(lines) + "\n").encode("ascii")


def parse_state(data: bytes, name: str = STATE_NAME) -> LogState:
    """Parse the state file, accepting only what ``format_state`` writes."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as e:
        raise _bad("not ASCII", name) from e
    if not text.endswith("\n"):
        raise _bad("does not end with a newline", name)
    lines = text[:-1].split("\n")
    if lines[0] != STATE_HEADER:
        raise _bad(f"first line must be {STATE_HEADER}", name, 1)
    size: int | None = None
    edge: list[bytes] = []
    heads: dict[str, Head] = {}
    time: str | None = None
    for n, line in enumerate(lines[1:], 2):
        word, _, rest = line.partition(" ")
        try:
            if word == "size" and size is None and _SEQ.fullmatch(rest):
                size = int(rest)
            elif word == "edge" and size is not None and not heads and time is None:
                edge.append(decode_hash(rest, "edge hash"))
            elif word == "head" and time is None:
                publisher, seq, digest = rest.split(" ")
                if (
                    not _PUBLISHER.fullmatch(publisher)
                    or not _SEQ.fullmatch(seq)
                    or not _HASH.fullmatch(digest)
                    or (heads and publisher <= max(heads))
                ):
                    raise ValueError(line)
                heads[publisher] = Head(int(seq), digest)
            elif word == "time" and time is None and _TIME.fullmatch(rest):
                time = rest
            else:
                raise ValueError(line)
        except (ValueError, RecordError) as e:
            raise _bad(f"unexpected line {line!r}", name, n) from e
    if size is None:
        raise _bad("no size line", name)
    try:
        tree = TreeState(size, edge)
    except RecordError as e:
        raise _bad(e.message, name) from e
    state = LogState(tree, heads, time)
    if format_state(state) != data:
        raise _bad("not in canonical form", name)
    if sum(h.seq + 1 for h in heads.values()) != size:
        raise _bad("the heads do not add up to the size", name)
    return state


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One logged entry: which record, its SHA-256 (the record hash) and its Merkle leaf hash."""

    publisher: str
    seq: int
    hash: str
    leaf: bytes

    @property
    def ref(self) -> str:
        return f"{self.publisher}/{self.seq}"


def order_name(n: int) -> str:
    """The order file holding entries ``[256 n, 256 n + 256)``."""
    return f"{ORDER_DIR}/{format_tile_index(n)}"


def format_order(lines: Iterable[OrderLine]) -> bytes:
    out = [f"{o.ref} {o.hash} {encode_hash(o.leaf)}" for o in lines]
    return ("\n".join(out) + "\n").encode("ascii") if out else b""


def parse_order(data: bytes, name: str) -> list[OrderLine]:
    """Parse one order file; at most 256 lines, each in canonical form."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as e:
        raise _bad("not ASCII", name) from e
    if not text.endswith("\n"):
        raise _bad("does not end with a newline", name)
    out = []
    for n, line in enumerate(text[:-1].split("\n"), 1):
        try:
            ref, digest, leaf = line.split(" ")
            publisher, seq = ref.split("/")
            if not (_PUBLISHER.fullmatch(publisher) and _SEQ.fullmatch(seq)):
                raise ValueError(ref)
            if not _HASH.fullmatch(digest):
                raise ValueError(digest)
            out.append(OrderLine(publisher, int(seq), digest, decode_hash(leaf, "leaf hash")))
        except (ValueError, RecordError) as e:
            raise _bad(f"malformed order line {line!r}", name, n) from e
    if len(out) > ORDER_WIDTH:
        raise _bad(f"more than {ORDER_WIDTH} lines", name)
    return out


def checkpoint_name(size: int) -> str:
    return f"{CHECKPOINT_DIR}/{size}"


def consistency_name(size: int) -> str:
    return f"{CHECKPOINT_DIR}/{size}.consistency"


def format_consistency(old_size: int, proof: Iterable[bytes]) -> bytes:
    return "".join([f"from {old_size}\n", *(encode_hash(h) + "\n" for h in proof)]).encode()


def parse_consistency(data: bytes, name: str) -> tuple[int, list[bytes]]:
    try:
        lines = data.decode("ascii").split("\n")
        if lines[-1] != "" or not lines[0].startswith("from "):
            raise ValueError("shape")
        if not _SEQ.fullmatch(lines[0][5:]):
            raise ValueError("size")
        return int(lines[0][5:]), [decode_hash(h, "proof hash") for h in lines[1:-1]]
    except (UnicodeDecodeError, ValueError, RecordError) as e:
        raise _bad("malformed consistency proof file", name) from e


def witness_dir_name(name: str) -> str:
    """A witness's folder: its key name, with ``/`` (allowed in key names) spelt ``%2F``."""
    return f"{WITNESS_DIR}/{name.replace('%', '%25').replace('/', '%2F')}"
