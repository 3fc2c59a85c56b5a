"""The strict YAML reader and the one canonical YAML writer for ledger files.

YAML is for people reading pull requests; what is hashed and signed is canonical JSON.
So the reader accepts only the JSON data model written plainly: mappings with string
keys, sequences, strings, integers and ``true``/``false``. It refuses anchors and aliases,
tags, duplicate keys, YAML 1.1 implicit typing (timestamps, ``yes``/``no``, octal, floats,
``null``), non-NFC strings and oversized input, naming the line of each problem. A file
must moreover be byte-for-byte the rendering :func:`dump` gives its value, so every
value has exactly one spelling.

Parsing is libyaml's (``yaml.CParser``); the node walk and the writer are ours.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from typing import Any

import yaml
from yaml._yaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from imageledger.core import limits
from imageledger.errors import Location, RecordError

_T_STR = "tag:imageledger:str"
_T_INT = "tag:imageledger:int"
_T_BOOL = "tag:imageledger:bool"
_T_SEQ = "tag:imageledger:seq"
_T_MAP = "tag:imageledger:map"
_T_BAD = "tag:imageledger:implicit/"

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
# What YAML 1.1 (PyYAML) or 1.2 would read as something other than a string.
_IMPLICIT = (
    (
        re.compile(
            r"(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|True|TRUE|False|FALSE)\Z"
        ),
        "bool",
        "write true or false, or quote the text",
    ),
    (re.compile(r"(?:~|null|Null|NULL)?\Z"), "null", "leave the field out instead of null"),
    (re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\Z"), "sexagesimal", "quote it"),
    (
        re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?\Z"),
        "timestamp",
        'quote timestamps: "2026-01-31T12:00:00Z"',
    ),
    (
        re.compile(r"[-+]?(?:0[0-7_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)\Z"),
        "octal",
        "write a decimal integer, or quote it",
    ),
    (
        re.compile(
            r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?\Z|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)\Z"
            r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+\Z"
        ),
        "float",
        "floats are not allowed: use an integer or a quoted string",
    ),
    (re.compile(r"[-+]?[0-9][0-9_]*\Z"), "integer", "write integers in plain decimal"),
    (re.compile(r"<<\Z|=\Z"), "merge", "quote it"),
)
_ANY_IMPLICIT = re.compile("|".join(f"(?:{p.pattern})" for p, _w, _h in _IMPLICIT))
# Plain scalars that start with any other letter can only be strings (or true/false).
_AMBIGUOUS_START = frozenset("yYnNoOtTfF")
_ESCAPE_MORE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./+@()',-]*(?:[: ][A-Za-z0-9_./+@()',-]+)*\Z")


def _err(
    message: str, at: Node | yaml.Event | None, code: str, hint: str | None = None
) -> RecordError:
    """A ``RecordError`` at the line where ``at`` (a node or a parser event) starts."""
    mark = at.start_mark if at is not None else None
    line = mark.line + 1 if mark is not None else None
    return RecordError(message, code=code, location=Location(line=line), hint=hint)


class _Parser(CParser):
    """libyaml's parser and composer with a resolver that knows only the JSON data model."""

    def descend_resolver(self, parent: Any, index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0]:  # quoted
                return _T_STR
            assert value is not None
            first = value[:1]
            if first.isalpha() and first not in _AMBIGUOUS_START:
                return _T_STR
            if _INT.match(value):
                return _T_INT
            if value in ("true", "false"):
                return _T_BOOL
            if _ANY_IMPLICIT.match(value):
                what = next(w for p, w, _h in _IMPLICIT if p.match(value))
                return _T_BAD + what
            return _T_STR
        return _T_SEQ if kind is SequenceNode else _T_MAP


def _scan_events(text: str) -> None:
    """Refuse anchors, aliases and tags, reported at their line, before composing anything."""
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise _err(
                "YAML aliases are not allowed",
                event,
                "yaml-alias",
                "write the value out in full",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _err(
                f"YAML anchor &{anchor} is not allowed",
                event,
                "yaml-anchor",
                "write the value out in full",
            )
        tag = getattr(event, "tag", None)
        if (
            tag is not None
            and tag != "!"
            and not isinstance(event, (yaml.DocumentStartEvent, yaml.StreamStartEvent))
        ):
            raise _err(
                f"YAML tag {tag} is not allowed",
                event,
                "yaml-tag",
                "remove the tag; values are plain strings, integers, true or false",
            )


def _value(node: Node, depth: int) -> Any:
    if depth > limits.MAX_DEPTH:
        raise _err("nested too deeply", node, "yaml-depth")
    tag = node.tag
    if tag == _T_STR:
        text: str = node.value
        if len(text) > limits.MAX_STRING:
            raise _err(f"string longer than {limits.MAX_STRING} characters", node, "yaml-size")
        if not unicodedata.is_normalized("NFC", text):
            raise _err(
                "string is not in Unicode NFC form",
                node,
                "yaml-not-nfc",
                "normalise the text to NFC (composed characters)",
            )
        return text
    if tag == _T_INT:
        number = int(node.value)
        if abs(number) > limits.MAX_INT:
            raise _err("integer out of range (|n| must be below 2^53)", node, "yaml-int-range")
        return number
    if tag == _T_MAP:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag != _T_STR:
                raise _err(
                    f"mapping key {key_node.value!r} is not read as text",
                    key_node,
                    "yaml-key",
                    "keys are field names; quote ambiguous ones",
                )
            key = key_node.value
            if not key.isascii():
                raise _err(
                    f"key {key!r} is not ASCII", key_node, "yaml-key", "field names are ASCII"
                )
            if key in out:
                raise _err(
                    f"duplicate key {key!r}",
                    key_node,
                    "yaml-duplicate-key",
                    "each key may appear once",
                )
            out[key] = _value(value_node, depth + 1)
        return out
    if tag == _T_SEQ:
        return [_value(item, depth + 1) for item in node.value]
    if tag == _T_BOOL:
        return node.value == "true"
    if tag.startswith(_T_BAD):
        what = tag[len(_T_BAD) :]
        hint = next(h for _p, w, h in _IMPLICIT if w == what)
        code = "yaml-float" if what == "float" else f"yaml-implicit-{what}"
        return_msg = f"unquoted value {node.value!r} is read as YAML {what}, not text"
        raise _err(return_msg, node, code, hint)
    raise _err(
        f"YAML tag {tag} is not allowed",
        node,
        "yaml-tag",
        "remove the tag; values are plain strings, integers, true or false",
    )


def parse(data: bytes) -> dict[str, Any]:
    """Parse one ledger file strictly and return its mapping. Raises ``RecordError``."""
    if len(data) > limits.MAX_YAML_BYTES:
        raise RecordError(
            f"file is {len(data)} bytes; the limit is {limits.MAX_YAML_BYTES}", code="yaml-size"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RecordError(f"not UTF-8 at byte {e.start}", code="yaml-encoding") from e
    if "&" in text or "*" in text or "!" in text:
        _scan_events_safely(text)
    parser = _Parser(text)
    try:
        node = parser.get_single_node()
    except yaml.MarkedYAMLError as e:
        raise _yaml_error(e) from e
    except yaml.YAMLError as e:
        raise RecordError(f"not valid YAML: {e}", code="yaml-syntax") from e
    finally:
        parser.dispose()
    if node is None or node.tag != _T_MAP:
        raise _err("a ledger file is one YAML mapping", node, "yaml-not-mapping")
    value: dict[str, Any] = _value(node, 0)
    return value


def _scan_events_safely(text: str) -> None:
    try:
        _scan_events(text)
    except yaml.MarkedYAMLError as e:
        raise _yaml_error(e) from e
    except yaml.YAMLError as e:
        raise RecordError(f"not valid YAML: {e}", code="yaml-syntax") from e


def _yaml_error(e: yaml.MarkedYAMLError) -> RecordError:
    mark = e.problem_mark or e.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = e.problem or e.context or "syntax error"
    return RecordError(
        f"not valid YAML: {problem}", code="yaml-syntax", location=Location(line=line)
    )


def parse_canonical(data: bytes) -> dict[str, Any]:
    """Parse strictly and require the file to be exactly the canonical rendering of its value."""
    value = parse(data)
    expected = dump(value).encode("utf-8")
    if data != expected:
        line = _first_difference(data, expected)
        raise RecordError(
            "file is not in canonical form",
            code="yaml-not-canonical",
            location=Location(line=line),
            hint="rewrite it with `imageledger record fmt FILE` (keys sorted, 2-space indent)",
        )
    return value


def _first_difference(a: bytes, b: bytes) -> int:
    for number, (x, y) in enumerate(zip(a.split(b"\n"), b.split(b"\n"), strict=False), 1):
        if x != y:
            return number
    return min(a.count(b"\n"), b.count(b"\n")) + 1


def scalar(value: Any) -> str:
    """The canonical spelling of one scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot write {type(value).__name__} to a ledger file")


@lru_cache(maxsize=8192)
def _string(value: str) -> str:
    """Plain when it can only be read back as this text, else double-quoted (cached: ledger
    strings repeat — vocabulary terms, URLs, names)."""
    if _PLAIN.match(value) and _resolves_to_str(value):
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    return _ESCAPE_MORE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _resolves_to_str(value: str) -> bool:
    """For a value ``_PLAIN`` accepts (it starts with a letter): is it read back as text?"""
    if value[0] not in _AMBIGUOUS_START:
        return True
    return value not in ("true", "false") and not _ANY_IMPLICIT.match(value)


def _lines(value: Any, indent: str, out: list[str]) -> None:
    """Append the block lines of a non-empty mapping or sequence at ``indent``."""
    if isinstance(value, dict):
        for key in sorted(value):
            item = value[key]
            head = f"{indent}{scalar(key)}:"
            if isinstance(item, (dict, list)) and item:
                out.append(head)
                _lines(item, indent + "  ", out)
            else:
                out.append(f"{head} {_inline(item)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                sub: list[str] = []
                _lines(item, indent + "  ", sub)
                first = sub[0][len(indent) + 2 :]
                out.append(f"{indent}- {first}")
                out.extend(sub[1:])
            else:
                out.append(f"{indent}- {_inline(item)}")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return scalar(value)


def dump(value: dict[str, Any]) -> str:
    """The one canonical YAML rendering of a ledger value: keys sorted, 2-space indent."""
    if not value:
        return "{}\n"
    out: list[str] = []
    _lines(value, "", out)
    return "\n".join(out) + "\n"


def line_of(data: bytes, path: tuple[str | int, ...]) -> int | None:
    """The line where the value at ``path`` starts, for pointing findings at a line."""
    try:
        node = yaml.compose(data.decode("utf-8"), Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    line = None
    for step in path:
        if isinstance(node, MappingNode) and isinstance(step, str):
            for key_node, value_node in node.value:
                if key_node.value == step:
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                return line
        elif isinstance(node, SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line if line is not None else (node.start_mark.line + 1 if node is not None else None)
