"""Records: validated on construction, signed over the domain-separated canonical bytes.

A record is a JSON object (read from its YAML file) of one of the kinds in
:data:`imageledger.core.schemas.KINDS`. :class:`UnverifiedRecord` is what construction
proves (schema, canonical form, well-formed values); nothing about who signed it is
trusted until a :class:`~imageledger.core.chain.PublisherChain` accepts it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import jsonschema_rs
import orjson

from imageledger.core import canonical, limits, schemas
from imageledger.core.keys import PrivateKey, VerifierKey, parse_verifier_key
from imageledger.errors import Location, RecordError, VerificationError

_SCHEMA_TO_KIND = {schemas.schema_id(kind): kind for kind in schemas.KINDS}


KEY_EVENT_KINDS = frozenset({"key-rotation", "key-revocation"})

CHAIN_MEMBERS = frozenset(
    {"schema", "publisher", "seq", "prev", "recorded_at", "admitted_at", "signatures"}
)
"""What the chain walk reads of a record: checked whole even when its other values are not."""

_ALWAYS_WHOLE = frozenset({"publisher", *KEY_EVENT_KINDS})
"""Registrations and key events bring or change keys: always checked whole."""


def _whole(kind: str, records: bool) -> bool:
    return records or kind in _ALWAYS_WHOLE


@cache
def _validator(kind: str, records: bool = True) -> Any:
    """The kind's schema, or with ``records`` false only its shape (``shape_schema``)."""
    if not records and kind in _ALWAYS_WHOLE:
        return _validator(kind, True)  # one compiled schema for both
    schema = schemas.schema(kind)
    return jsonschema_rs.validator_for(schema if records else shape_schema(schema))


_STRUCTURE = ("type", "required", "properties", "additionalProperties", "items")


def shape_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``CHAIN_MEMBERS`` kept whole and only the structure of the other
    members: which members an object has and must have, and of which JSON types.

    Value rules (patterns, enumerations, lengths, ranges, conditions) go; the types stay, so
    a number can still be only where the schema puts an integer (``_integer_paths``).
    """
    top = {k: v for k, v in schema.items() if k in ("$schema", "$id", *_STRUCTURE)}
    top["properties"] = {
        name: sub if name in CHAIN_MEMBERS else _structure(sub)
        for name, sub in schema["properties"].items()
    }
    return top


def _structure(node: Any) -> Any:
    if not isinstance(node, dict):
        return node  # additionalProperties: false
    out = {key: node[key] for key in _STRUCTURE if key in node}
    if "properties" in out:
        out["properties"] = {name: _structure(sub) for name, sub in out["properties"].items()}
    for key in ("items", "additionalProperties"):
        if key in out:
            out[key] = _structure(out[key])
    if "type" not in out and _only_strings(node):
        out["type"] = "string"
    return out


def _only_strings(node: dict[str, Any]) -> bool:
    """Whether an untyped schema node can hold strings only (an ``enum`` or ``const`` of
    them); a node with neither can hold anything."""
    values = node.get("enum", [node["const"]] if "const" in node else [0])
    return all(isinstance(v, str) for v in values)


def kind_of(data: dict[str, Any]) -> str:
    name = data.get("schema")
    kind = _SCHEMA_TO_KIND.get(name) if isinstance(name, str) else None
    if kind is None:
        raise RecordError(
            f"unknown schema {name!r}",
            code="record-schema-unknown",
            location=Location(field="schema"),
            hint=f"one of: {', '.join(sorted(_SCHEMA_TO_KIND))}",
        )
    return kind


def _field(path: list[str | int]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out or "(record)"


def parse_time(value: str, field: str) -> datetime:
    """A ledger timestamp: RFC 3339 UTC with ``Z``, second precision, a real date."""
    time = _real_time(value)
    if time is None:
        raise RecordError(
            f"{value!r} is not a real UTC time", code="record-time", location=Location(field=field)
        )
    return time


_KNOWN_TIMES: dict[str, datetime] = {}
"""Times already parsed: records repeat them (periods, days), and a log checks millions."""


def _real_time(value: str) -> datetime | None:
    known = _KNOWN_TIMES.get(value)
    if known is not None:
        return known
    if len(value) != 20 or value[10] != "T" or value[19] != "Z":
        return None
    try:
        time = datetime.fromisoformat(value)
    except ValueError:
        return None
    if len(_KNOWN_TIMES) >= 4096:
        _KNOWN_TIMES.clear()
    _KNOWN_TIMES[value] = time
    return time


@cache
def _timestamp_paths(kind: str) -> tuple[tuple[str, ...], ...] | None:
    """Where ``kind``'s schema puts timestamps (None: somewhere free-form, walk the data)."""
    out: list[tuple[str, ...]] = []

    def visit(node: dict[str, Any], path: tuple[str, ...]) -> bool:
        for name, sub in node.get("properties", {}).items():
            if sub.get("pattern") == schemas.TIME:
                out.append((*path, name))
            elif sub.get("type") == "object" and "properties" in sub:
                if not visit(sub, (*path, name)):
                    return False
            elif sub.get("type") == "object" or (
                sub.get("type") == "array"
                and "properties" in sub.get("items", {})
                and any(
                    v.get("pattern") == schemas.TIME for v in sub["items"]["properties"].values()
                )
            ):
                return False
        return True

    return tuple(out) if visit(schemas.schema(kind), ()) else None


_PERIODS = ("period", "valid", "licence_period")
"""The names of ``{from, until}`` periods, at the top of a record or under ``rights``."""


_ANY_PERIOD = tuple(path for name in _PERIODS for path in ((name,), ("rights", name)))


@cache
def _period_paths(kind: str) -> tuple[tuple[str, ...], ...] | None:
    """Where ``kind``'s schema puts periods (None: look in every place one may be)."""
    paths = _timestamp_paths(kind)
    if paths is None:
        return None
    return tuple(p[:-1] for p in paths if len(p) > 1 and p[-1] == "until" and p[-2] in _PERIODS)


Members = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
"""Paths grouped by the object that holds them: ``((holder path, (member, …)), …)``."""


def _members(paths: tuple[tuple[str, ...], ...]) -> Members:
    """``paths`` grouped by holder, neighbours only, so they are visited in the same order:
    each holder is looked up once per record instead of once per member."""
    out: list[tuple[tuple[str, ...], list[str]]] = []
    for path in paths:
        if out and out[-1][0] == path[:-1]:
            out[-1][1].append(path[-1])
        else:
            out.append((path[:-1], [path[-1]]))
    return tuple((holder, tuple(names)) for holder, names in out)


def _holder(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    found: Any = data
    for step in path:
        found = found.get(step)
        if type(found) is not dict:
            return None
    return found  # type: ignore[no-any-return]


@cache
def _time_members(kind: str) -> Members | None:
    paths = _timestamp_paths(kind)
    return None if paths is None else _members(paths)


def _check_times(kind: str, data: dict[str, Any]) -> None:
    groups = _time_members(kind)
    if groups is None:
        for field, text in _timestamps(data, ""):
            parse_time(text, field)
        return
    for path, names in groups:
        holder = _holder(data, path) if path else data
        if holder is None:
            continue
        for name in names:
            found = holder.get(name)
            if isinstance(found, str) and _real_time(found) is None:
                parse_time(found, ".".join((*path, name)))


def _check_periods(kind: str, data: dict[str, Any]) -> None:
    paths = _period_paths(kind)
    for path in _ANY_PERIOD if paths is None else paths:
        period = _holder(data, path)
        if period is not None and "until" in period and period["until"] < period["from"]:
            raise RecordError(
                "period ends before it starts",
                code="record-period",
                location=Location(field=f"{path[-1]}.until"),
            )


def _check_semantics(kind: str, data: dict[str, Any], records: bool = True) -> None:
    """What the schema cannot say: real dates, ordered periods, parsable keys, one signature
    per key (without ``records``, for a kind not ``_ALWAYS_WHOLE``: the last only)."""
    if _whole(kind, records):
        _check_values(kind, data)
    signatures = data["signatures"]
    if len(signatures) > 1 and len({s["key"] for s in signatures}) != len(signatures):
        raise RecordError(
            "the same key signed twice",
            code="record-duplicate-signer",
            location=Location(field="signatures"),
        )


def _check_values(kind: str, data: dict[str, Any]) -> None:
    _check_times(kind, data)
    _check_periods(kind, data)
    if kind == "consent-withdrawal" and data["effective_at"] < data["requested_at"]:
        raise RecordError(
            "effective_at is before requested_at",
            code="record-period",
            location=Location(field="effective_at"),
        )
    if "keys" in data or "new_key" in data:
        keys = data.get("keys", []) + ([data["new_key"]] if "new_key" in data else [])
        for index, text in enumerate(keys):
            try:
                parse_verifier_key(text)
            except RecordError as e:
                e.location = Location(field="new_key" if "new_key" in data else f"keys[{index}]")
                raise


def _timestamps(value: Any, path: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            if isinstance(item, str) and (key.endswith("_at") or key in ("from", "until")):
                out.append((sub, item))
            elif isinstance(item, (dict, list)):
                out.extend(_timestamps(item, sub))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_timestamps(item, f"{path}[{index}]"))
    return out


def check_shape(data: dict[str, Any], *, values_checked: bool = False, records: bool = True) -> str:
    """Validate ``data`` against its kind's schema and rules; return the kind.

    ``values_checked``: the caller (the strict YAML reader) already guaranteed the JSON
    subset (ASCII keys, NFC strings, integers in range), so it is not walked again.
    ``records`` false: only the chain's members are checked whole, the rest for its
    shape (``shape_schema``), unless the kind brings or changes keys.
    """
    kind = kind_of(data)
    validator = _validator(kind, records)
    error = None if validator.is_valid(data) else next(validator.iter_errors(data), None)
    if error is not None:
        raise RecordError(
            error.message,
            code="record-schema",
            location=Location(field=_field(list(error.instance_path))),
        )
    if not values_checked:
        canonical.check_value(data)
    _check_semantics(kind, data, records)
    return kind


def load_entry(raw: bytes, *, records: bool = True) -> tuple[dict[str, Any], str]:
    """A log entry's record and kind: ``parse_canonical_json``, the size limit, ``check_shape``
    (with ``records``).

    The common case takes ``_load_common``; anything it does not accept goes through those
    three in that order, so both give the same record or raise the same error.
    """
    loaded = _load_common(raw, records)
    if loaded is not None:
        return loaded
    data = canonical.parse_canonical_json(raw)  # the bytes are the canonical form
    if len(raw) > limits.MAX_ENTRY_BYTES:
        raise RecordError("entry is larger than a record may be", code="record-size")
    return data, check_shape(data, values_checked=True, records=records)


_STRICT = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def _load_common(raw: bytes, records: bool) -> tuple[dict[str, Any], str] | None:
    """ASCII text without ``null`` that orjson reads and writes back unchanged, of a kind
    whose schema pins where integers go (``_integer_paths``), holding no float there, and
    valid: then the value is in the ledger's subset (``canonical._parse_common`` says why for
    strings; integers beyond 53 bits fail the write, beyond 64 bits read as floats) and the
    record well formed. ``None`` otherwise, valid or not: ``load_entry`` decides, and raises.

    orjson reads floats where the ledger has none: the schema rejects one anywhere but at
    an integer's place (JSON Schema counts 1.0 as an integer), and those places are looked at.
    """
    if len(raw) > limits.MAX_ENTRY_BYTES or not raw.isascii() or b"null" in raw:
        return None
    try:
        data = orjson.loads(raw)
        if type(data) is not dict or orjson.dumps(data, option=_STRICT) != raw:
            return None
    except (ValueError, TypeError):  # orjson's decode and encode errors
        return None
    name = data.get("schema")
    kind = _SCHEMA_TO_KIND.get(name) if isinstance(name, str) else None
    if kind is None or not _validator(kind, records).is_valid(data):
        return None
    groups = _integer_members(kind)
    if groups is None:
        return None
    for path, names in groups:
        holder = _holder(data, path) if path else data
        if holder is not None:
            for name in names:
                if type(holder.get(name)) is float:
                    return None
    _check_semantics(kind, data, records)
    return data, kind


@cache
def _integer_members(kind: str) -> Members | None:
    paths = _integer_paths(kind)
    return None if paths is None else _members(paths)


@cache
def _integer_paths(kind: str) -> tuple[tuple[str, ...], ...] | None:
    """The only places ``kind``'s schema lets a number be, all integer-typed object members;
    ``None`` if it lets one be anywhere else (an array, a free-form object, an untyped value)."""
    out: list[tuple[str, ...]] = []

    def visit(node: dict[str, Any], path: tuple[str, ...]) -> bool:
        kind = node.get("type")
        if kind == "integer":
            out.append(path)
            return True
        if kind in ("string", "boolean"):
            return True
        if kind is None:
            return _only_strings(node)
        if kind == "object":
            # Members not listed are refused; if/then/else only add constraints.
            return node.get("additionalProperties") is False and all(
                visit(sub, (*path, name)) for name, sub in node.get("properties", {}).items()
            )
        if kind == "array":
            before = len(out)
            return visit(node.get("items", {}), (*path, "[]")) and len(out) == before
        return False

    return tuple(out) if visit(schemas.schema(kind), ()) else None


@dataclass(frozen=True, slots=True, eq=False)
class UnverifiedRecord:
    """A well-formed record whose signatures and chain position are not yet checked."""

    data: dict[str, Any]
    kind: str
    canonical: bytes
    hash: str
    ref: str = field(init=False)
    """``<publisher>/<seq>`` (seq 0: the registration); computed once, read everywhere."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", f"{self.data['publisher']}/{self.data.get('seq', 0)}")

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, values_checked: bool = False) -> UnverifiedRecord:
        """Validate ``data``; ``values_checked`` only for values from ``strict_yaml.parse``."""
        kind = check_shape(data, values_checked=values_checked)
        encoded = canonical.canonical_json(data)
        if len(encoded) > limits.MAX_ENTRY_BYTES:
            raise RecordError(
                f"canonical JSON is {len(encoded)} bytes; the limit is {limits.MAX_ENTRY_BYTES}",
                code="record-size",
            )
        return cls(data, kind, encoded, canonical.sha256_ref(encoded))

    @property
    def publisher(self) -> str:
        value: str = self.data["publisher"]
        return value

    @property
    def seq(self) -> int:
        """Position in the publisher's chain; 0 for the publisher registration."""
        value: int = self.data.get("seq", 0)
        return value

    @property
    def prev(self) -> str | None:
        return self.data.get("prev")

    @property
    def recorded_at(self) -> str:
        value: str = self.data.get("recorded_at") or self.data["admitted_at"]
        return value

    @property
    def signatures(self) -> list[tuple[str, bytes]]:
        return [(s["key"], base64.b64decode(s["sig"])) for s in self.data["signatures"]]

    def signing_message(self) -> bytes:
        return canonical.signing_message(self.data, self.canonical)


def verify_candidates(
    record: UnverifiedRecord, candidates: Mapping[str, Sequence[VerifierKey]]
) -> tuple[frozenset[tuple[str, bytes]], bool]:
    """Try each signature against every candidate key of its name (key ids are only 32 bits,
    so a name can match several keys). Returns the ``(ref, public key)`` pairs that verified
    and whether every signature verified under some candidate. Who *may* sign is the chain's
    business, not this function's."""
    return verify_message(record.signing_message(), record.data["signatures"], candidates)


def verify_message(
    message: bytes,
    signatures: Sequence[Mapping[str, str]],
    candidates: Mapping[str, Sequence[VerifierKey]],
) -> tuple[frozenset[tuple[str, bytes]], bool]:
    """:func:`verify_candidates` for a record's signing message and ``signatures`` member,
    for callers that never build the record (the log's entry check, once per entry)."""
    verified: set[tuple[str, bytes]] = set()
    complete = True
    for signature in signatures:
        ref, sig = signature["key"], binascii.a2b_base64(signature["sig"])
        found = False
        for key in candidates.get(ref, ()):
            try:
                key.verify(message, sig)
            except VerificationError:
                continue
            verified.add((ref, key.public))
            found = True
        complete &= found
    return frozenset(verified), complete


def verify_signature(record: UnverifiedRecord, key: VerifierKey) -> None:
    """Raise ``VerificationError`` unless ``key`` signed ``record``."""
    for ref, sig in record.signatures:
        if ref == key.ref:
            key.verify(record.signing_message(), sig)
            return
    raise VerificationError(
        f"{record.ref} carries no signature by {key.ref}", code="signature-missing"
    )


def sign(data: dict[str, Any], key: PrivateKey) -> dict[str, Any]:
    """Return ``data`` with ``key``'s signature added (co-signatures keep earlier ones)."""
    ref = key.verifier.ref
    existing = [dict(s) for s in data.get("signatures", [])]
    if any(s.get("key") == ref for s in existing):
        raise RecordError(f"already signed by {ref}", code="record-duplicate-signer")
    unsigned = canonical.unsigned(data)
    canonical.check_value(unsigned)
    sig = key.sign(canonical.signing_message(unsigned))
    return {**unsigned, "signatures": [*existing, {"key": ref, "sig": _b64(sig)}]}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def decode_sig(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise RecordError("signature is not base64", code="record-signature-encoding") from e
