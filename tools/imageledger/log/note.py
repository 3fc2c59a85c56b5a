"""C2SP signed-note, as Go's ``golang.org/x/mod/sumdb/note`` reads and writes it.

A signed note is UTF-8 text ending in a newline, a blank line, then one or more signature
lines ``— <key name> <base64(4-byte key id || signature)>``, each ending in a newline. No ASCII
control character other than newline may appear anywhere. The text is separated from the
signatures by the *last* blank line.

Verification follows Go's ``note.Open``: signature lines from unknown keys (name and key id
not both matching a known key) are kept aside, unverified; a known key's bad signature rejects
the whole note; at least one known key must have signed; more than 100 signature lines reject
the note; repeated lines from one key count once. Notes over 1 MiB are refused unread.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from imageledger.core.keys import PrivateKey, valid_key_name
from imageledger.errors import Location, RecordError, VerificationError

MAX_SIGNATURES = 100
MAX_NOTE_SIZE = 1 << 20
EM_DASH_PREFIX = "— "
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?", re.ASCII)


def decode_base64(text: str) -> bytes:
    """Standard padded base64, as Go's ``base64.StdEncoding`` decodes it; ``ValueError`` if not."""
    if not _BASE64.fullmatch(text):
        raise ValueError("not standard padded base64")
    return base64.b64decode(text)


class NoteVerifier(Protocol):
    """A key that can check signatures on a note's text (``keys.VerifierKey`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise ``VerificationError`` unless ``signature`` is valid for ``message``."""
        ...


class NoteSigner(Protocol):
    """A key that can sign a note's text; ``sign`` returns the bytes after the key id."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Ed25519Signer:
    """A ``NoteSigner`` for a plain signed-note Ed25519 key (signature type 0x01)."""

    key: PrivateKey

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def key_id(self) -> bytes:
        return self.key.verifier.key_id

    def sign(self, message: bytes) -> bytes:
        return self.key.sign(message)


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: who claims to have signed (name, key id) and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        if not valid_key_name(self.name):
            raise RecordError(f"invalid key name {self.name!r}", code="note-malformed")
        if len(self.key_id) != 4 or not self.signature:
            raise RecordError(
                "a signature is a 4-byte key id and at least one byte", code="note-malformed"
            )

    @property
    def ref(self) -> str:
        return f"{self.name}+{self.key_id.hex()}"

    @property
    def line(self) -> str:
        b64 = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{EM_DASH_PREFIX}{self.name} {b64}\n"


@dataclass(frozen=True, slots=True)
class UnverifiedNote:
    """A note as parsed, before any signature was checked: do not act on its text."""

    text: str
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True, slots=True)
class VerifiedNote:
    """A note with at least one good signature from a known key.

    ``verified`` lists the signatures that checked out and ``verified_by`` the keys that made
    them (same order); ``unverified`` holds lines from keys the caller did not name.
    """

    text: str
    verified: tuple[NoteSignature, ...]
    verified_by: tuple[NoteVerifier, ...]
    unverified: tuple[NoteSignature, ...]

    @property
    def signatures(self) -> tuple[NoteSignature, ...]:
        return self.verified + self.unverified


def _malformed(message: str, line: int | None = None) -> RecordError:
    return RecordError(message, code="note-malformed", location=Location(line=line))


def check_note_text(text: str) -> None:
    """Raise unless ``text`` can be a note's text: ends in newline, no other control chars."""
    if not text.endswith("\n"):
        raise _malformed("note text must end with a newline")
    for n, line in enumerate(text.split("\n"), 1):
        if any(ord(ch) < 0x20 for ch in line):
            raise _malformed("control character in note", n)


def parse_note(data: bytes | str) -> UnverifiedNote:
    """Split a signed note into its text and signature lines, checking only the syntax."""
    if len(data) > MAX_NOTE_SIZE:
        raise _malformed(f"note is larger than {MAX_NOTE_SIZE} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _malformed("note is not valid UTF-8") from e
    split = data.rfind("\n\n")
    if split < 0:
        raise _malformed("note has no blank line before its signatures")
    text, block = data[: split + 1], data[split + 2 :]
    check_note_text(text)
    if not block.endswith("\n"):
        raise _malformed("note must end with a signature line and a newline")
    first_line = text.count("\n") + 2
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _malformed(f"note has more than {MAX_SIGNATURES} signatures", first_line)
    sigs = [_parse_signature_line(line, first_line + i) for i, line in enumerate(lines)]
    return UnverifiedNote(text, tuple(sigs))


def _parse_signature_line(line: str, number: int) -> NoteSignature:
    if any(ord(ch) < 0x20 for ch in line):
        raise _malformed("control character in note", number)
    if not line.startswith(EM_DASH_PREFIX):
        raise _malformed("signature line must start with an em dash and a space", number)
    name, _, b64 = line[len(EM_DASH_PREFIX) :].partition(" ")
    try:
        raw = decode_base64(b64)
    except ValueError as e:
        raise _malformed("signature is not base64", number) from e
    if not valid_key_name(name) or len(raw) < 5:
        raise _malformed("malformed signature line", number)
    return NoteSignature(name, raw[:4], raw[4:])


def format_note(text: str, signatures: Iterable[NoteSignature]) -> bytes:
    """Text, blank line, signature lines: the bytes of a signed note."""
    check_note_text(text)
    lines = [s.line for s in signatures]
    if not lines:
        raise _malformed("a signed note needs at least one signature")
    return (text + "\n" + "".join(lines)).encode("utf-8")


def _as_signer(signer: PrivateKey | NoteSigner) -> NoteSigner:
    return Ed25519Signer(signer) if isinstance(signer, PrivateKey) else signer


def sign_note(
    text: str, *signers: PrivateKey | NoteSigner, existing: Sequence[NoteSignature] = ()
) -> bytes:
    """Sign ``text`` with each signer, after keeping ``existing`` lines (as Go's ``note.Sign``).

    An existing signature by the same name and key id as a new signer is replaced.
    """
    check_note_text(text)
    message = text.encode("utf-8")
    new = []
    for s in map(_as_signer, signers):
        new.append(NoteSignature(s.name, s.key_id, s.sign(message)))
    replaced = {(s.name, s.key_id) for s in new}
    kept = [s for s in existing if (s.name, s.key_id) not in replaced]
    return format_note(text, kept + new)


def add_signatures(note: bytes | str, *signers: PrivateKey | NoteSigner) -> bytes:
    """Add signatures to an already signed note, keeping its other lines (e.g. to cosign)."""
    parsed = parse_note(note)
    return sign_note(parsed.text, *signers, existing=parsed.signatures)


def verify_note(note: bytes | str | UnverifiedNote, known: Iterable[NoteVerifier]) -> VerifiedNote:
    """Check a note's signatures against ``known`` keys; raise unless it is properly signed."""
    parsed = note if isinstance(note, UnverifiedNote) else parse_note(note)
    if len(parsed.signatures) > MAX_SIGNATURES:
        raise _malformed(f"note has more than {MAX_SIGNATURES} signatures")
    by_id: dict[tuple[str, bytes], list[NoteVerifier]] = {}
    for key in known:
        by_id.setdefault((key.name, key.key_id), []).append(key)
    message = parsed.text.encode("utf-8")
    verified: list[NoteSignature] = []
    verified_by: list[NoteVerifier] = []
    unverified: list[NoteSignature] = []
    seen: set[tuple[str, bytes]] = set()
    for sig in parsed.signatures:
        keys = by_id.get((sig.name, sig.key_id))
        if keys is None:
            if sig not in unverified:
                unverified.append(sig)
            continue
        if len(keys) > 1:
            raise VerificationError(
                f"more than one known key is {sig.ref}", code="note-key-ambiguous"
            )
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        try:
            keys[0].verify(message, sig.signature)
        except VerificationError as e:
            raise VerificationError(
                f"the note's signature by known key {sig.ref} is invalid",
                code="note-signature-invalid",
            ) from e
        verified.append(sig)
        verified_by.append(keys[0])
    if not verified:
        raise VerificationError(
            "the note is not signed by any known key",
            code="note-unverified",
            hint="check that the verifier key and the note's key name and id match",
        )
    return VerifiedNote(parsed.text, tuple(verified), tuple(verified_by), tuple(unverified))
