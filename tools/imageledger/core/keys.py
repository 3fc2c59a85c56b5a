"""C2SP signed-note Ed25519 keys, as Go's ``golang.org/x/mod/sumdb/note`` reads them.

Verifier key text: ``<name>+<8 hex key id>+<base64(0x01 || 32-byte public key)>``.
Private key text: ``PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || 32-byte seed)>``.
Key id: the first four bytes of ``SHA-256(name || 0x0A || 0x01 || public key)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from imageledger.errors import RecordError, VerificationError

ALG_ED25519 = 0x01
PRIVATE_PREFIX = "PRIVATE+KEY+"
DEMO_SEED_PREFIX = b"imageledger/demo-key/v1\n"


def valid_key_name(name: str) -> bool:
    """Non-empty, no Unicode space and no ``+`` (the rule Go's note package and C2SP share)."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_id(name: str, public: bytes, alg: int = ALG_ED25519) -> bytes:
    """The 4-byte key id: ``SHA-256(name || "\\n" || alg || public)[:4]`` (alg 0x01 for
    signed-note Ed25519 keys, 0x04 for tlog-cosignature keys)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise RecordError(f"{what}: not valid base64", code="key-malformed") from e


@dataclass(frozen=True, slots=True)
class Ed25519Key:
    """A named Ed25519 public key; ``ALG`` is its signed-note signature type byte."""

    ALG: ClassVar[int] = ALG_ED25519
    name: str
    public: bytes
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not valid_key_name(self.name):
            raise RecordError(f"invalid key name {self.name!r}", code="key-malformed")
        if len(self.public) != 32:
            raise RecordError("an Ed25519 public key is 32 bytes", code="key-malformed")
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public))

    def __reduce__(self) -> tuple[type[Ed25519Key], tuple[str, bytes]]:
        # Rebuilt from name and bytes (the OpenSSL key object cannot be pickled): a key
        # event crosses from a worker to the chain walk inside a checked entry.
        return type(self), (self.name, self.public)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public, self.ALG)

    @property
    def ref(self) -> str:
        """``name+hex id``: how a signature line or ``signatures[].key`` names this key."""
        return f"{self.name}+{self.key_id.hex()}"


@dataclass(frozen=True, slots=True)
class VerifierKey(Ed25519Key):
    """A signed-note Ed25519 verifier key (type 0x01)."""

    def __str__(self) -> str:
        return format_verifier_key(self)

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise ``VerificationError`` unless ``signature`` is this key's over ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature as e:
            raise VerificationError(
                f"signature by {self.ref} does not verify", code="signature-invalid"
            ) from e


@dataclass(frozen=True, slots=True)
class PrivateKey:
    """An Ed25519 signing key. Its repr never shows the seed."""

    name: str
    seed: bytes = field(repr=False)
    _key: Ed25519PrivateKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not valid_key_name(self.name):
            raise RecordError(f"invalid key name {self.name!r}", code="key-malformed")
        if len(self.seed) != 32:
            raise RecordError("an Ed25519 seed is 32 bytes", code="key-malformed")
        object.__setattr__(self, "_key", Ed25519PrivateKey.from_private_bytes(self.seed))

    @property
    def verifier(self) -> VerifierKey:
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return VerifierKey(self.name, public)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse ``name+hexid+base64`` verifier key text; the key id must match the key."""
    text = text.strip()
    if text.startswith(PRIVATE_PREFIX):
        raise RecordError(
            "this is a private key, not a verifier key",
            code="key-private-given",
            hint="give the verifier key `imageledger keygen` printed; never share the private one",
        )
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise RecordError("verifier key must be name+keyid+key", code="key-malformed")
    name, hex_id, b64 = parts
    raw = _b64decode(b64, "verifier key")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise RecordError("verifier key is not an Ed25519 (0x01) key", code="key-malformed")
    key = VerifierKey(name, raw[1:])
    if len(hex_id) != 8 or hex_id != key.key_id.hex():
        raise RecordError(f"key id {hex_id!r} does not match the key", code="key-id-mismatch")
    return key


def format_verifier_key(key: VerifierKey) -> str:
    b64 = base64.b64encode(bytes([ALG_ED25519]) + key.public).decode()
    return f"{key.ref}+{b64}"


def parse_private_key(text: str) -> PrivateKey:
    """Parse ``PRIVATE+KEY+name+hexid+base64(0x01 || seed)``; the key id must match."""
    text = text.strip()
    if not text.startswith(PRIVATE_PREFIX):
        raise RecordError(
            "not a private key (it must start with PRIVATE+KEY+)", code="key-not-private"
        )
    parts = text[len(PRIVATE_PREFIX) :].split("+", 2)
    if len(parts) != 3:
        raise RecordError("private key must be PRIVATE+KEY+name+keyid+key", code="key-malformed")
    name, hex_id, b64 = parts
    raw = _b64decode(b64, "private key")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise RecordError("private key is not an Ed25519 (0x01) key", code="key-malformed")
    key = PrivateKey(name, raw[1:])
    if hex_id != key.verifier.key_id.hex():
        raise RecordError(f"key id {hex_id!r} does not match the key", code="key-id-mismatch")
    return key


def format_private_key(key: PrivateKey) -> str:
    b64 = base64.b64encode(bytes([ALG_ED25519]) + key.seed).decode()
    return f"{PRIVATE_PREFIX}{key.verifier.ref}+{b64}"


def generate_key(name: str, seed: bytes) -> PrivateKey:
    """A key from 32 bytes of caller-supplied randomness (the core never draws its own)."""
    return PrivateKey(name, seed)


def demo_key(name: str) -> PrivateKey:
    """A DEMO key from the published seed ``SHA-256("imageledger/demo-key/v1\\n" || name)``.

    Anyone can recompute these; they exist only so the demo ledger regenerates byte for byte.
    """
    if "DEMO" not in name:
        raise RecordError("demo key names must say DEMO", code="key-demo-name")
    return PrivateKey(name, hashlib.sha256(DEMO_SEED_PREFIX + name.encode()).digest())
