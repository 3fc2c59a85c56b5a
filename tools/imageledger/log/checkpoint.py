"""C2SP tlog-checkpoint (the signed tree head) and C2SP tlog-cosignature (Ed25519, type 0x04).

A checkpoint is the text of a signed note: the log's origin line, the tree size in decimal
(no leading zeros; ``0`` for the empty tree), the base64 root hash, then optional non-empty
extension lines. A witness cosigns a checkpoint by signing
``cosignature/v1\\ntime <unix seconds>\\n`` followed by the checkpoint text; its signature line
carries ``key id (4) || timestamp (8, big-endian) || Ed25519 signature (64)``, and its key id
is ``SHA-256(name || 0x0A || 0x04 || public key)[:4]``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from cryptography.exceptions import InvalidSignature

from imageledger.core.keys import Ed25519Key, PrivateKey, key_id
from imageledger.errors import Location, RecordError, VerificationError
from imageledger.log.merkle import MAX_TREE_SIZE, check_hash, check_size, decode_hash, encode_hash
from imageledger.log.note import (
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    VerifiedNote,
    check_note_text,
    decode_base64,
    sign_note,
    verify_note,
)

ALG_COSIGNATURE_V1 = 0x04
COSIGNATURE_HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = (1 << 63) - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*", re.ASCII)


def _malformed(message: str, line: int | None = None) -> RecordError:
    return RecordError(message, code="checkpoint-malformed", location=Location(line=line))


def parse_decimal(text: str, what: str, maximum: int = MAX_TREE_SIZE) -> int:
    """ASCII decimal, no leading zeros (``0`` allowed), at most ``maximum``; else ``ValueError``."""
    if not _DECIMAL.fullmatch(text) or int(text) > maximum:
        raise ValueError(f"{what} must be a decimal number with no leading zeros")
    return int(text)


def _check_line(text: str, what: str) -> None:
    if not text or any(ord(ch) < 0x20 for ch in text):
        raise _malformed(f"{what} must be a non-empty line without control characters")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: the log's ``origin``, its ``size`` and ``root_hash``, and extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        check_size(self.size)
        check_hash(self.root_hash, "root hash")
        for ext in self.extensions:
            _check_line(ext, "extension line")


def format_checkpoint(checkpoint: Checkpoint) -> str:
    lines = [checkpoint.origin, str(checkpoint.size), encode_hash(checkpoint.root_hash)]
    return "\n".join([*lines, *checkpoint.extensions]) + "\n"


def parse_checkpoint(text: str | bytes) -> Checkpoint:
    """Parse checkpoint text (a note's text, without signatures), accepting only canonical form."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _malformed("checkpoint is not UTF-8") from e
    try:
        check_note_text(text)
    except RecordError as e:
        raise _malformed(e.message, e.location.line) from e
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise _malformed("a checkpoint has an origin, a size and a root hash line")
    for n, line in enumerate(lines, 1):
        if not line:
            raise _malformed("checkpoint lines must not be empty", n)
    try:
        size = parse_decimal(lines[1], "tree size")
    except ValueError as e:
        raise _malformed(str(e), 2) from e
    try:
        root_hash = decode_hash(lines[2], "root hash")
    except RecordError as e:
        raise _malformed(e.message, 3) from e
    return Checkpoint(lines[0], size, root_hash, tuple(lines[3:]))


def sign_checkpoint(checkpoint: Checkpoint, *signers: PrivateKey | NoteSigner) -> bytes:
    """The signed note of ``checkpoint``."""
    return sign_note(format_checkpoint(checkpoint), *signers)


def cosignature_key_id(name: str, public: bytes) -> bytes:
    """``SHA-256(name || 0x0A || 0x04 || public key)[:4]``."""
    return key_id(name, public, ALG_COSIGNATURE_V1)


def cosignature_message(checkpoint_body: bytes, timestamp: int) -> bytes:
    """What an Ed25519 cosigner signs: header line, time line, then the checkpoint text."""
    return f"{COSIGNATURE_HEADER}time {timestamp}\n".encode() + checkpoint_body


def _check_timestamp(timestamp: int) -> int:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise RecordError("a cosignature time is Unix seconds", code="cosignature-time-invalid")
    if timestamp > MAX_TIMESTAMP:
        raise RecordError("cosignature time must be below 2**63", code="cosignature-time-invalid")
    return timestamp


@dataclass(frozen=True, slots=True)
class CosignerKey(Ed25519Key):
    """A witness's Ed25519 cosignature verifier key (signature type 0x04)."""

    ALG: ClassVar[int] = ALG_COSIGNATURE_V1

    def verify(self, message: bytes, signature: bytes) -> None:
        """Check ``timestamp(8) || signature(64)`` over ``message``, a checkpoint's text."""
        timestamp = int.from_bytes(signature[:8], "big")
        if len(signature) != 72 or timestamp > MAX_TIMESTAMP:
            raise VerificationError(
                f"malformed cosignature by {self.ref}", code="signature-invalid"
            )
        try:
            self._key.verify(signature[8:], cosignature_message(message, timestamp))
        except InvalidSignature as e:
            raise VerificationError(
                f"cosignature by {self.ref} does not verify", code="signature-invalid"
            ) from e


def parse_cosigner_key(text: str) -> CosignerKey:
    """Parse ``name+hexid+base64(0x04 || public key)``; the key id must match."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise RecordError("cosigner key must be name+keyid+key", code="key-malformed")
    name, hex_id, b64 = parts
    try:
        raw = decode_base64(b64)
    except ValueError as e:
        raise RecordError("cosigner key: not valid base64", code="key-malformed") from e
    if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
        raise RecordError("not an Ed25519 cosignature (0x04) key", code="key-malformed")
    key = CosignerKey(name, raw[1:])
    if hex_id != key.key_id.hex():
        raise RecordError(f"key id {hex_id!r} does not match the key", code="key-id-mismatch")
    return key


def format_cosigner_key(key: CosignerKey) -> str:
    b64 = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + key.public).decode()
    return f"{key.ref}+{b64}"


@dataclass(frozen=True, slots=True)
class Cosigner:
    """A ``NoteSigner`` that cosigns at the given ``time`` (Unix seconds) with ``key``."""

    key: PrivateKey = field(repr=False)
    time: int

    def __post_init__(self) -> None:
        _check_timestamp(self.time)

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def verifier(self) -> CosignerKey:
        return CosignerKey(self.key.name, self.key.verifier.public)

    @property
    def key_id(self) -> bytes:
        return self.verifier.key_id

    def sign(self, message: bytes) -> bytes:
        parse_checkpoint(message)  # only checkpoints are ever cosigned
        signed = cosignature_message(message, self.time)
        return self.time.to_bytes(8, "big") + self.key.sign(signed)


def cosign(checkpoint_body: bytes | str, key: PrivateKey, *, time: int) -> NoteSignature:
    """A witness cosignature of ``checkpoint_body`` (the checkpoint's text) made at ``time``."""
    body = checkpoint_body.encode() if isinstance(checkpoint_body, str) else checkpoint_body
    signer = Cosigner(key, time)
    return NoteSignature(signer.name, signer.key_id, signer.sign(body))


def cosignature_timestamp(signature: NoteSignature) -> int:
    """The time a cosignature claims, without checking it."""
    if len(signature.signature) != 72:
        raise RecordError("an Ed25519 cosignature is 72 bytes", code="cosignature-malformed")
    return int.from_bytes(signature.signature[:8], "big")


def verify_cosignature(
    checkpoint_body: bytes | str, signature: NoteSignature, key: CosignerKey
) -> int:
    """Raise unless ``signature`` is ``key``'s cosignature of the checkpoint; return its time."""
    body = checkpoint_body.encode() if isinstance(checkpoint_body, str) else checkpoint_body
    if (signature.name, signature.key_id) != (key.name, key.key_id):
        raise VerificationError(f"signature is not by {key.ref}", code="signature-invalid")
    key.verify(body, signature.signature)
    return cosignature_timestamp(signature)


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A witness's verified cosignature and the time it claims."""

    key: CosignerKey
    timestamp: int


@dataclass(frozen=True, slots=True)
class VerifiedCheckpoint:
    """A checkpoint signed by the log, with the witness cosignatures that verified."""

    checkpoint: Checkpoint
    note: VerifiedNote
    log_signers: tuple[NoteVerifier, ...]
    cosignatures: tuple[Cosignature, ...]


def verify_checkpoint(
    signed: bytes | str,
    *,
    origin: str,
    log_keys: Iterable[NoteVerifier],
    witness_keys: Iterable[CosignerKey] = (),
    now: int | None = None,
) -> VerifiedCheckpoint:
    """Verify a signed checkpoint from log ``origin``: at least one of ``log_keys`` must sign it.

    Lines from unknown keys are ignored; a bad signature or cosignature from a known key is
    rejected, and so is a cosignature dated after ``now`` when ``now`` is given.
    """
    logs = list(log_keys)
    witnesses = list(witness_keys)
    note = verify_note(signed, [*logs, *witnesses])
    checkpoint = parse_checkpoint(note.text)
    if checkpoint.origin != origin:
        raise VerificationError(
            f"checkpoint is from {checkpoint.origin!r}, not {origin!r}",
            code="checkpoint-origin-mismatch",
        )
    log_ids = {id(k) for k in logs}
    log_signers = tuple(k for k in note.verified_by if id(k) in log_ids)
    if not log_signers:
        raise VerificationError("checkpoint is not signed by the log", code="checkpoint-unsigned")
    cosignatures = []
    for sig, key in zip(note.verified, note.verified_by, strict=True):
        if isinstance(key, CosignerKey) and id(key) not in log_ids:
            timestamp = cosignature_timestamp(sig)
            if now is not None and timestamp > now:
                raise VerificationError(
                    f"cosignature by {key.ref} is dated in the future", code="cosignature-future"
                )
            cosignatures.append(Cosignature(key, timestamp))
    return VerifiedCheckpoint(checkpoint, note, log_signers, tuple(cosignatures))
