"""Per-publisher hash chains and the key state that decides who may sign what, when.

A publisher's chain starts at its registration (signed by the operator, listing its
first keys). Record ``seq`` n carries ``prev`` = the hash of record n-1 (for n = 1, of
the registration). Key rotations add keys (and may retire old ones); a revocation marks
a key compromised from a time on. The chain decides which key may sign each record;
the cryptographic check is the caller's, so it can run on many cores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from imageledger.core.keys import VerifierKey, parse_verifier_key
from imageledger.core.records import KEY_EVENT_KINDS, UnverifiedRecord
from imageledger.errors import Location, VerificationError


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """The part of a key-rotation or key-revocation record that changes key state."""

    new_key: VerifierKey | None = None
    retire: tuple[str, ...] = ()
    revoke: str | None = None
    compromised_at: str | None = None

    @classmethod
    def of(cls, kind: str, data: dict[str, Any]) -> KeyEvent | None:
        """The key change a well-formed record of ``kind`` makes, if any."""
        if kind == "key-rotation":
            return cls(
                new_key=parse_verifier_key(data["new_key"]), retire=tuple(data.get("retire", ()))
            )
        if kind == "key-revocation":
            return cls(revoke=data["key"], compromised_at=data["compromised_at"])
        return None


class ChainEntry(NamedTuple):
    """What the chain needs of a record: position, links, signers, key changes (a named
    tuple: the log's audit makes one per entry)."""

    publisher: str
    seq: int
    prev: str | None
    hash: str
    kind: str
    recorded_at: str
    signers: tuple[str, ...]
    key_event: KeyEvent | None = None

    @classmethod
    def of(cls, record: UnverifiedRecord) -> ChainEntry:
        return cls(*cls.fields_of(record))

    @staticmethod
    def fields_of(record: UnverifiedRecord) -> ChainFields:
        """The constructor's arguments: a plain tuple, cheap to send between processes."""
        return ChainEntry.fields(record.data, record.kind, record.hash)

    @staticmethod
    def fields(data: dict[str, Any], kind: str, hash: str) -> ChainFields:
        """``fields_of`` for a well-formed record's data, kind and hash (no record built)."""
        return (
            data["publisher"],
            data.get("seq", 0),
            data.get("prev"),
            hash,
            kind,
            data.get("recorded_at") or data["admitted_at"],
            tuple(s["key"] for s in data["signatures"]),
            KeyEvent.of(kind, data) if kind in KEY_EVENT_KINDS else None,
        )

    @property
    def ref(self) -> str:
        return f"{self.publisher}/{self.seq}"


ChainFields = tuple[str, int, str | None, str, str, str, tuple[str, ...], KeyEvent | None]


@dataclass(slots=True)
class KeyState:
    key: VerifierKey
    added_seq: int
    added_at: str
    added_by: frozenset[str] = frozenset()
    retired_seq: int | None = None
    revoked_seq: int | None = None
    compromised_at: str | None = None

    def usable_at(self, seq: int) -> bool:
        if seq <= self.added_seq and self.added_seq > 0:
            return False
        if self.retired_seq is not None and seq > self.retired_seq:
            return False
        return self.revoked_seq is None or seq <= self.revoked_seq


@dataclass
class PublisherChain:
    """The verified head of one publisher's chain and its key table."""

    publisher: str
    operator_keys: Mapping[str, VerifierKey]
    head_seq: int = 0
    head_hash: str = ""
    head_time: str = ""
    keys: dict[str, KeyState] = field(default_factory=dict)
    compromised: list[str] = field(default_factory=list)
    """Refs of accepted records whose signing key was later reported compromised
    at or before their ``recorded_at``."""

    @classmethod
    def start(
        cls,
        registration: UnverifiedRecord,
        operator_keys: Mapping[str, VerifierKey],
        verify: Callable[[str, VerifierKey], None],
    ) -> PublisherChain:
        """Accept a registration: the operator must have signed it; other signatures must
        be by the keys it registers (proof of possession)."""
        if registration.kind != "publisher":
            raise VerificationError(
                "a chain starts with a publisher registration", code="chain-no-registration"
            )
        own = {k.ref: k for k in map(parse_verifier_key, registration.data["keys"])}
        signers = [ref for ref, _ in registration.signatures]
        if not any(ref in operator_keys for ref in signers):
            raise VerificationError(
                "registration is not signed by the operator",
                code="registration-unadmitted",
                location=Location(field="signatures"),
                hint="the operator admits publishers with `imageledger publisher admit`",
            )
        for ref in signers:
            key = operator_keys.get(ref) or own.get(ref)
            if key is None:
                raise VerificationError(
                    f"registration signed by unknown key {ref}",
                    code="signature-unknown-key",
                    location=Location(field="signatures"),
                )
            verify(ref, key)
        chain = cls(
            registration.publisher, operator_keys, 0, registration.hash, registration.recorded_at
        )
        for key in own.values():
            chain.keys[key.ref] = KeyState(key, 0, registration.recorded_at)
        return chain

    def authorize(self, entry: ChainEntry) -> dict[str, VerifierKey]:
        """Check ``entry`` continues this chain and that each signer may sign it now.

        Returns the key to verify each signature with. Changes nothing.
        """
        if entry.publisher != self.publisher:
            raise VerificationError(
                f"record of {entry.publisher} in the chain of {self.publisher}",
                code="chain-publisher",
            )
        if entry.seq != self.head_seq + 1:
            code = "chain-fork" if entry.seq <= self.head_seq else "chain-gap"
            raise VerificationError(
                f"seq {entry.seq} does not follow {self.head_seq}",
                code=code,
                location=Location(field="seq"),
                hint="records are numbered 1, 2, 3… with no gap or repeat",
            )
        if entry.prev != self.head_hash:
            raise VerificationError(
                f"prev does not match the hash of {self.publisher}/{self.head_seq}",
                code="chain-fork",
                location=Location(field="prev"),
                hint="sign drafts with `imageledger record sign`, which fills prev",
            )
        if entry.recorded_at < self.head_time:
            raise VerificationError(
                f"recorded_at {entry.recorded_at} is earlier than the previous record's "
                f"{self.head_time}",
                code="chain-time",
                location=Location(field="recorded_at"),
            )
        keys: dict[str, VerifierKey] = {}
        for ref in entry.signers:
            keys[ref] = self._signer(ref, entry)
        if not any(ref in self.keys for ref in keys) and not (
            entry.kind in KEY_EVENT_KINDS and keys
        ):
            raise VerificationError(
                "no signature by a key of the publisher",
                code="signature-missing",
                location=Location(field="signatures"),
            )
        return keys

    def authorize_run(self, first: ChainEntry, last_seq: int) -> dict[str, VerifierKey]:
        """``authorize`` for ``first`` and every record after it up to ``last_seq``, given
        (the caller checked) that each links to the one before it, has the same signers and
        changes no key. Key states change only at key events, and each rule on them bounds
        seq from one side, so what holds at the first and the last record holds between."""
        keys = self.authorize(first)
        last = first._replace(seq=last_seq)
        for ref in keys:
            self._signer(ref, last)
        return keys

    def _signer(self, ref: str, entry: ChainEntry) -> VerifierKey:
        state = self.keys.get(ref)
        if state is None:
            if entry.kind in KEY_EVENT_KINDS and ref in self.operator_keys:
                return self.operator_keys[ref]  # operator recovery of a publisher's keys
            raise VerificationError(
                f"{ref} is not a key of publisher {self.publisher}",
                code="signature-unknown-key",
                location=Location(field="signatures"),
                hint="sign with a key registered for this publisher",
            )
        if state.revoked_seq is not None and entry.seq > state.revoked_seq:
            raise VerificationError(
                f"{ref} was revoked at {self.publisher}/{state.revoked_seq} (compromised "
                f"{state.compromised_at})",
                code="signature-key-revoked",
                location=Location(field="signatures"),
                hint="sign with a current key",
            )
        if not state.usable_at(entry.seq):
            raise VerificationError(
                f"{ref} was retired before seq {entry.seq}",
                code="signature-key-retired",
                location=Location(field="signatures"),
            )
        return state.key

    def advance(self, entry: ChainEntry) -> None:
        """Make ``entry`` (authorized, signatures verified) the new head."""
        self.head_seq, self.head_hash, self.head_time = entry.seq, entry.hash, entry.recorded_at
        event = entry.key_event
        if event is None:
            return
        if event.new_key is not None:
            self.keys.setdefault(
                event.new_key.ref,
                KeyState(event.new_key, entry.seq, entry.recorded_at, frozenset(entry.signers)),
            )
        for ref in event.retire:
            if ref in self.keys and self.keys[ref].retired_seq is None:
                self.keys[ref].retired_seq = entry.seq
        if event.revoke is not None and event.compromised_at is not None:
            self._revoke(event.revoke, entry.seq, event.compromised_at)

    def _revoke(self, ref: str, seq: int, compromised_at: str) -> None:
        state = self.keys.get(ref)
        if state is None or state.revoked_seq is not None:
            return
        state.revoked_seq, state.compromised_at = seq, compromised_at
        # Keys that only the compromised key vouched for, after it was compromised,
        # are the attacker's as far as anyone can tell.
        for other_ref, other in list(self.keys.items()):
            if other.added_by == frozenset({ref}) and other.added_at >= compromised_at:
                self._revoke(other_ref, seq, other.added_at)

    def is_compromised(self, signers: Iterable[str], recorded_at: str) -> bool:
        """Whether a record already in the chain was signed only by keys compromised
        at or before its ``recorded_at`` (reported, not fatal: the history stays)."""
        states = [self.keys.get(ref) for ref in signers]
        return all(
            s is not None and s.compromised_at is not None and recorded_at >= s.compromised_at
            for s in states
        ) and bool(states)
