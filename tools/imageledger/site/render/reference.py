"""Reference pages generated from the code at every build, so they cannot drift: the
record format (from the JSON Schemas the package ships) and the CLI (from ``--help``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import click
from markupsafe import Markup

from imageledger.core.schemas import VERSION, all_schemas
from imageledger.site.render.html import code, join, link, table, tag, text

HELP_WIDTH = 100
CONSTRAINTS = (
    "const",
    "enum",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
)
MAX_ENUM = 12


def schema_path(name: str) -> str:
    return f"reference/schemas/{name}.v{VERSION}.json"


def _type(node: dict[str, Any]) -> str:
    if "const" in node:
        return "constant"
    kind = node.get("type")
    if isinstance(kind, list):
        return " or ".join(map(str, kind))
    if kind == "array":
        items = node.get("items", {})
        return f"array of {_type(items) if isinstance(items, dict) else 'values'}"
    return str(kind or "any")


def _constraints(node: dict[str, Any]) -> Markup:
    parts = []
    for name in CONSTRAINTS:
        target = node
        if name not in node and node.get("type") == "array" and isinstance(node.get("items"), dict):
            target = node["items"]  # an array's item rules, e.g. the enum of purposes
            if name in ("minItems", "maxItems"):
                continue
        if name not in target:
            continue
        value = target[name]
        if name == "enum" and len(value) > MAX_ENUM:
            shown = ", ".join(map(str, value[:MAX_ENUM])) + f", … ({len(value)} values)"
            parts.append(join([f"{name}: ", text(shown)]))
        else:
            parts.append(join([f"{name}: ", code(json.dumps(value, ensure_ascii=False))]))
    return join(parts, "<br>")


def fields(node: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any], bool]]:
    """``(path, schema node, required)`` for every property, depth first."""
    required = set(node.get("required", ()))
    for name, child in node.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        yield path, child, name in required
        if child.get("type") == "object":
            yield from fields(child, path)
        elif (
            child.get("type") == "array"
            and isinstance(child.get("items"), dict)
            and child["items"].get("type") == "object"
        ):
            yield from fields(child["items"], f"{path}[]")


def render_format_reference() -> str:
    """Markdown of the record-format reference (our own schema text, still escaped)."""
    lines = [
        "# Record format reference",
        "",
        "Generated from the JSON Schemas (draft 2020-12) that the `imageledger` package "
        "ships and validates with; each schema is also served as a file. Times are RFC 3339 "
        "UTC with `Z`; what is signed and hashed is the record's RFC 8785 canonical JSON.",
        "",
    ]
    for name, schema in all_schemas().items():
        rows = [
            (
                code(path),
                text(_type(node)),
                text("yes" if req else ""),
                _constraints(node),
                text(node.get("description", node.get("title", ""))),
            )
            for path, node, req in fields(schema)
        ]
        lines += [
            f"## {name}",
            "",
            str(
                join(
                    [
                        tag(
                            "p",
                            join(
                                [
                                    tag("strong", schema.get("title", name)),
                                    " — ",
                                    code(schema.get("$id", "")),
                                    " — ",
                                    link(f"../schemas/{name}.v{VERSION}.json", "JSON Schema"),
                                ]
                            ),
                        ),
                        table(("Field", "Type", "Required", "Constraints", "Meaning"), rows),
                    ],
                    "\n",
                )
            ),
            "",
        ]
    return "\n".join(lines)


def schema_files() -> dict[str, bytes]:
    return {
        schema_path(name): (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()
        for name, value in all_schemas().items()
    }


def commands(
    command: click.Command, parent: click.Context | None = None, name: str = "imageledger"
) -> Iterator[tuple[str, str]]:
    """``(full command name, --help text)`` for ``command`` and every subcommand, sorted."""
    settings = {
        **command.context_settings,
        "terminal_width": HELP_WIDTH,  # not the terminal's: the page must not depend on it
        "max_content_width": HELP_WIDTH,
    }
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    yield ctx.command_path, command.get_help(ctx)
    if isinstance(command, click.Group):
        for sub in sorted(command.list_commands(ctx)):
            child = command.get_command(ctx, sub)
            if child is not None and not child.hidden:
                yield from commands(child, ctx, sub)


def render_cli_reference(group: click.Command) -> str:
    lines = [
        "# Command-line reference",
        "",
        "Generated from `--help` of every command at build time. Exit codes: 0 ok, "
        "1 a check failed, 2 usage error.",
        "",
    ]
    for path, help_text in commands(group):
        lines += [f"## {path}", "", str(tag("pre", tag("code", help_text))), ""]
    return "\n".join(lines)
