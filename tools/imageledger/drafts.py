"""Record drafts: every field of a kind, with what it means, for a person to fill in."""

from __future__ import annotations

from typing import Any

from imageledger.core import schemas

EXAMPLES: dict[str, str] = {
    "sha256": '"<64 hex digits: SHA-256 of the file>"',
    "media_type": "image/jpeg",
    "digital_source_type": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
    "resembles_real_person": "false",
    "visible": "eu-ai-icon",
    "copyright_owner": "<legal name of the copyright owner>",
    "licence": "all-rights-reserved",
    "consent": "<publisher>/<seq of the consent record>",
    "ref": "<publisher>/<seq of the record this refers to>",
    "commitment": "sha256:<salted hash of your internal subject id, never the name>",
    "receipt": "sha256:<filled by `imageledger consent new`>",
    "new_key": "<verifier key printed by `imageledger keygen`>",
    "key": "<name>+<key id> of the key",
    "basis": "consent",
    "legal_basis": "gdpr-6-1-a",
    "method": "electronic-signature",
    "withdrawal": "<how the person withdraws: a URL or a plain sentence>",
    "url": "https://example.com/…",
    "name": "<name>",
    "scope": "consent-compliance",
}
SKIP = {"schema", "publisher", "seq", "prev", "recorded_at", "signatures"}


def draft(
    kind: str, *, publisher: str = "<your publisher id>", prefill: dict[str, Any] | None = None
) -> str:
    """A commented YAML draft of ``kind``; ``prefill`` values (e.g. image hashes) go in."""
    schema = schemas.schema(kind)
    lines = [
        f"# Draft {schemas.TITLES[kind].lower()}. Fill in the fields, delete the optional",
        "# ones you do not use, then: imageledger record sign THIS_FILE --key KEYFILE",
        "# (sign fills seq, prev, recorded_at and the signature).",
        f"schema: {schemas.schema_id(kind)}",
        f"publisher: {publisher}",
    ]
    _fields(schema, "", lines, prefill or {}, required=True)
    return "\n".join(lines) + "\n"


def _fields(
    schema: dict[str, Any],
    indent: str,
    lines: list[str],
    prefill: dict[str, Any],
    *,
    required: bool,
) -> None:
    needed = set(schema.get("required", ()))
    for name, sub in schema.get("properties", {}).items():
        if name in SKIP and not indent:
            continue
        optional = name not in needed
        mark = "# " if (optional and name not in prefill) or not required else ""
        note = sub.get("description") or (
            "one of: " + ", ".join(sub["enum"][:6]) + (" …" if len(sub["enum"]) > 6 else "")
            if "enum" in sub
            else ""
        )
        comment = (
            f"  # {'optional. ' if optional else ''}{note}".rstrip(" #.")
            if (optional or note)
            else ""
        )
        if name in prefill and not isinstance(prefill[name], dict):
            value = prefill[name]
            lines.append(f"{indent}{name}: {_yaml_scalar(value)}")
            continue
        kind = sub.get("type")
        if kind == "object" and "properties" in sub:
            lines.append(f"{indent}{mark}{name}:{comment}")
            _fields(
                sub, indent + "  ", lines, prefill.get(name, {}), required=required and not optional
            )
        elif kind == "array":
            item = sub.get("items", {})
            example = _example(name, item)
            lines.append(f"{indent}{mark}{name}:{comment}")
            lines.append(f"{indent}{mark}  - {example}")
        else:
            lines.append(f"{indent}{mark}{name}: {_example(name, sub)}{comment}")


def _example(name: str, schema: dict[str, Any]) -> str:
    enum = schema.get("enum")
    if name in EXAMPLES and (enum is None or EXAMPLES[name] in enum):
        return EXAMPLES[name]
    if enum:
        return "EU" if "EU" in enum else _yaml_scalar(enum[0])
    kind = schema.get("type")
    if kind == "integer":
        return "0"
    if kind == "boolean":
        return "false"
    if kind == "object":
        return "{}"
    if schema.get("format") == "date-time":
        return '"2026-01-31T12:00:00Z"'
    return f"<{name.replace('_', ' ')}>"


def _yaml_scalar(value: Any) -> str:
    from imageledger.core.strict_yaml import scalar

    return scalar(value)
