"""Human-readable lines for a record, with vocabulary labels (used by the CLI and site)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from imageledger import vocab
from imageledger.errors import RecordError


def _label(field: str, value: Any) -> str:
    try:
        if field.endswith("digital_source_type"):
            term = vocab.source_type(value)
            return f"{term.label} ({term.id}{', retired' if term.retired else ''})"
        if field.startswith("purposes["):
            return f"{vocab.purpose(value).label} ({value})"
        if field.startswith("jurisdictions["):
            return f"{vocab.jurisdiction(value).name} ({value})"
    except RecordError:
        pass
    return str(value).lower() if isinstance(value, bool) else str(value)


def describe(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(field path, text)`` for every scalar in ``data``, signatures last."""
    for key in sorted(data, key=lambda k: (k == "signatures", k)):
        value = data[key]
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            yield from describe(value, path)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from describe(item, f"{path}[{index}]")
                else:
                    yield f"{path}[{index}]", _label(f"{path}[{index}]", item)
        else:
            yield path, _label(path, value)
