"""The ``c2sp.org/tlog-proof@v1`` text format: an offline-verifiable proof that an entry is logged.

::

    c2sp.org/tlog-proof@v1
    extra <base64 opaque data>          (optional, unauthenticated)
    index <decimal, no leading zeros>
    <base64 inclusion proof hash>       (zero or more, leaf's sibling first)

    <the signed checkpoint, verbatim>
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from imageledger.errors import Location, RecordError, VerificationError
from imageledger.log.checkpoint import (
    CosignerKey,
    VerifiedCheckpoint,
    parse_decimal,
    verify_checkpoint,
)
from imageledger.log.merkle import (
    MAX_PROOF_HASHES,
    check_hash,
    check_size,
    decode_hash,
    encode_hash,
    leaf_hash,
    verify_inclusion,
)
from imageledger.log.note import NoteVerifier, decode_base64

HEADER = "c2sp.org/tlog-proof@v1"
MAX_TLOG_PROOF_SIZE = 1 << 20


def _malformed(message: str, line: int | None = None) -> RecordError:
    return RecordError(message, code="tlog-proof-malformed", location=Location(line=line))


@dataclass(frozen=True, slots=True)
class TlogProof:
    """A parsed, unverified proof: entry ``index``, inclusion ``proof``, the signed checkpoint."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None

    def __post_init__(self) -> None:
        check_size(self.index, "index")
        if len(self.proof) > MAX_PROOF_HASHES:
            raise _malformed("too many proof hashes")
        for h in self.proof:
            check_hash(h, "proof hash")
        if not self.checkpoint:
            raise _malformed("the signed checkpoint is missing")
        if self.extra is not None and not self.extra:
            raise _malformed("extra data, when present, is not empty")


def format_tlog_proof(proof: TlogProof) -> bytes:
    lines = [HEADER]
    if proof.extra is not None:
        lines.append("extra " + base64.b64encode(proof.extra).decode("ascii"))
    lines.append(f"index {proof.index}")
    lines.extend(encode_hash(h) for h in proof.proof)
    return ("\n".join(lines) + "\n\n").encode("ascii") + proof.checkpoint


def parse_tlog_proof(data: bytes) -> TlogProof:
    """Parse the proof's syntax; nothing in it is trusted until ``verify_tlog_proof``."""
    if len(data) > MAX_TLOG_PROOF_SIZE:
        raise _malformed(f"proof is larger than {MAX_TLOG_PROOF_SIZE} bytes")
    head, sep, checkpoint = data.partition(b"\n\n")
    if not sep:
        raise _malformed("no blank line before the checkpoint")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError as e:
        raise _malformed("proof header is not ASCII") from e
    if lines[0] != HEADER:
        raise _malformed(f"first line must be {HEADER}", 1)
    at, extra = 1, None
    if at < len(lines) and lines[at].startswith("extra "):
        try:
            extra = decode_base64(lines[at][len("extra ") :])
        except ValueError as e:
            raise _malformed("extra data is not base64", at + 1) from e
        if not extra:
            raise _malformed("extra line with no data", at + 1)
        at += 1
    if at >= len(lines) or not lines[at].startswith("index "):
        raise _malformed("expected the index line", at + 1)
    try:
        index = parse_decimal(lines[at][len("index ") :], "index")
    except ValueError as e:
        raise _malformed(str(e), at + 1) from e
    hashes = []
    for n, line in enumerate(lines[at + 1 :], at + 2):
        try:
            hashes.append(decode_hash(line, "proof hash"))
        except RecordError as e:
            raise _malformed(e.message, n) from e
    if len(hashes) > MAX_PROOF_HASHES:
        raise _malformed("too many proof hashes")
    return TlogProof(index, tuple(hashes), checkpoint, extra)


@dataclass(frozen=True, slots=True)
class VerifiedTlogProof:
    """An entry proven to be at ``index`` of the log whose checkpoint verified."""

    index: int
    checkpoint: VerifiedCheckpoint
    extra: bytes | None


def verify_tlog_proof(
    proof: bytes | TlogProof,
    entry: bytes,
    *,
    origin: str,
    log_keys: Iterable[NoteVerifier],
    witness_keys: Iterable[CosignerKey] = (),
    now: int | None = None,
) -> VerifiedTlogProof:
    """Raise unless the checkpoint verifies and the proof puts ``entry`` at ``index`` in its tree.

    The extra data is returned as found: it is not authenticated.
    """
    parsed = proof if isinstance(proof, TlogProof) else parse_tlog_proof(proof)
    verified = verify_checkpoint(
        parsed.checkpoint, origin=origin, log_keys=log_keys, witness_keys=witness_keys, now=now
    )
    cp = verified.checkpoint
    try:
        verify_inclusion(leaf_hash(entry), parsed.index, cp.size, parsed.proof, cp.root_hash)
    except VerificationError as e:
        raise VerificationError(
            f"entry is not at index {parsed.index} of the checkpointed tree of size {cp.size}",
            code="proof-invalid",
        ) from e
    return VerifiedTlogProof(parsed.index, verified, parsed.extra)


def make_tlog_proof(
    *, index: int, proof: Sequence[bytes], signed_checkpoint: bytes, extra: bytes | None = None
) -> bytes:
    """Format a proof file from its parts."""
    return format_tlog_proof(TlogProof(index, tuple(proof), signed_checkpoint, extra))
