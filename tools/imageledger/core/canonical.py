"""Canonical bytes (RFC 8785, JCS), record hashes and the record signing message.

Ledger values are restricted to the I-JSON subset that makes JCS simple: objects with
ASCII keys, arrays, NFC strings, integers below 2^53 and booleans. For such values
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` produces
exactly the JCS bytes (same key order for ASCII keys, same string escapes, integers
printed as integers), and it runs in C. Values outside that subset go through the
``rfc8785`` reference implementation; a property test holds the two equal.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

import orjson
import rfc8785

from imageledger.core import limits
from imageledger.errors import Location, RecordError

SIGNING_PREFIX = b"imageledger/record/v1\n"
HASH_PREFIX = "sha256:"

_dumps = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode


def check_value(value: Any, path: str = "") -> None:
    """Raise ``RecordError`` unless ``value`` is in the ledger's JSON subset."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > limits.MAX_INT:
            raise RecordError(
                "integer out of range", code="json-int-range", location=Location(field=path or None)
            )
        return
    if isinstance(value, str):
        if not unicodedata.is_normalized("NFC", value):
            raise RecordError(
                "string is not NFC", code="json-not-nfc", location=Location(field=path or None)
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise RecordError(
                "string holds a lone surrogate",
                code="json-surrogate",
                location=Location(field=path or None),
            ) from e
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise RecordError(
                    f"key {key!r} must be an ASCII string",
                    code="json-key",
                    location=Location(field=path or None),
                )
            check_value(item, f"{path}.{key}" if path else key)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, f"{path}[{index}]")
        return
    raise RecordError(
        f"{type(value).__name__} values are not allowed",
        code="json-type",
        location=Location(field=path or None),
    )


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of a value already accepted by :func:`check_value`."""
    return _dumps(value).encode("utf-8")


def canonical_json_reference(value: Any) -> bytes:
    """RFC 8785 bytes by the reference implementation, for any JSON value."""
    out: bytes = rfc8785.dumps(value)
    return out


def parse_canonical_json(data: bytes) -> dict[str, Any]:
    """Parse JSON that must already be canonical (log entries, API files).

    Most entries take ``_parse_common``; whatever it does not accept is parsed again here,
    and every error is raised here, so both give the same value or the same error.

    The value checks ride on the parser's hooks (keys, integers, floats) and one NFC check
    of the whole text: the canonical encoder escapes only ASCII characters, and a quote
    neither composes nor reorders with its neighbours, so the text is NFC exactly when
    every string in it is. Only a ``null`` sends it through the full value walk.
    """
    value = _parse_common(data)
    if value is not None:
        return value
    try:
        text = data.decode("utf-8")
        # Duplicate keys need no hook: the last one wins, so re-encoding would not give back
        # ``data``. Non-ASCII text goes through the full walk below (keys must be ASCII).
        value = _decode(text)
    except (UnicodeDecodeError, ValueError) as e:
        raise RecordError(f"not valid JSON: {e}", code="json-syntax") from e
    if not isinstance(value, dict):
        raise RecordError("a record is a JSON object", code="json-not-object")
    if b"null" in data or (
        not data.isascii()
        and (not unicodedata.is_normalized("NFC", text) or not _ascii_keys(value))
    ):
        check_value(value)  # names the offending field
    try:
        encoded = canonical_json(value)
    except UnicodeEncodeError as e:
        raise RecordError("string holds a lone surrogate", code="json-surrogate") from e
    if encoded != data:
        raise RecordError("JSON is not in RFC 8785 canonical form", code="json-not-canonical")
    return value


def _parse_common(data: bytes) -> dict[str, Any] | None:
    """The common case: ASCII text without ``null`` that re-encodes to itself.

    Its strings hold no escapes beyond the canonical ones (the encoder writes the characters
    of any other ``\\u`` escape as themselves, which ASCII text cannot match), so they are
    ASCII, hence NFC and without surrogates. The encoder is orjson's, which writes the
    ledger's value subset byte for byte as :func:`canonical_json` does (a property test holds
    them equal) several times faster. ``None`` for any other text, valid or not:
    ``parse_canonical_json`` decides, and raises.
    """
    if not data.isascii() or b"null" in data:
        return None
    try:
        value = _decode(data.decode("ascii"))
        encoded = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (ValueError, TypeError):  # orjson.JSONEncodeError is a TypeError
        return None
    return value if isinstance(value, dict) and encoded == data else None


def _ascii_keys(value: Any) -> bool:
    if isinstance(value, dict):
        return all(k.isascii() and _ascii_keys(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_ascii_keys(v) for v in value)
    return True


def _bounded_int(text: str) -> int:
    number = int(text)
    if abs(number) > limits.MAX_INT:
        raise ValueError(f"integer {text} out of range")
    return number


def _no_float(text: str) -> Any:
    raise ValueError(f"float {text} is not allowed")


_decode = json.JSONDecoder(parse_float=_no_float, parse_int=_bounded_int).decode


def unsigned(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "signatures"}


def signing_message(record: dict[str, Any], encoded: bytes | None = None) -> bytes:
    """What an Ed25519 record signature covers: the prefix and JCS of the unsigned record.

    Given ``encoded``, the record's canonical bytes, the unsigned form is cut out of them
    instead of encoding again: outside strings (where quotes are escaped) the top-level
    ``"signatures"`` member is the last one, since no key after it holds free-form objects.
    The cut is checked against the member's own encoding; anything unexpected encodes.
    """
    if encoded is not None and "signatures" in record:
        member = b',"signatures":' + _encode_member(record["signatures"])
        start = encoded.rfind(b',"signatures":[')
        if start > 0 and encoded[start : start + len(member)] == member:
            return SIGNING_PREFIX + encoded[:start] + encoded[start + len(member) :]
    return SIGNING_PREFIX + canonical_json(unsigned(record))


def _encode_member(value: Any) -> bytes:
    try:  # bytes the ledger subset cannot take (or orjson refuses) are encoded by the stdlib
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return canonical_json(value)


def sha256_ref(data: bytes) -> str:
    return HASH_PREFIX + hashlib.sha256(data).hexdigest()


def record_hash(record: dict[str, Any]) -> str:
    """``sha256:`` + hex SHA-256 of JCS(full record, signatures included)."""
    return sha256_ref(canonical_json(record))
