"""Tolerant readers for vendor API records, shared by every source.

Vendor specs and real responses disagree (numeric vs string ids, objects wrapped in `data` or not,
fields of the wrong type), so every source reads records the same forgiving way: keep what can be
kept, normalise ids to strings, and count what had to be tolerated in the ProblemLog.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kada_dagster.core.problems import ProblemLog


def norm_id(value: Any) -> str | None:
    """1, 1.0, "1" → "1"; anything else unusable → None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, (Mapping, list)):
        return None
    text = str(value).strip()
    return text or None


def as_dict(value: Any) -> dict[str, Any]:
    """The value when it is an object, else an empty dict (a wrong type reads as 'absent')."""
    return dict(value) if isinstance(value, Mapping) else {}


def as_str(value: Any) -> str | None:
    """Strings as they are, scalars as text, None as None."""
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def unwrap(body: Any) -> Any:
    """A single object answered as `{"data": {...}}` or bare: the object either way."""
    if isinstance(body, Mapping) and isinstance(body.get("data"), Mapping):
        return body["data"]
    return body


def require_id(source_type: str, kind: str, data: Any, problems: ProblemLog, key: str = "id") -> str | None:
    """The record's id, or None after counting why the record had to be skipped."""
    if not isinstance(data, Mapping):
        problems.record(f"{source_type}.{kind}.not_an_object", f"skipped a {kind} that is a {type(data).__name__}")
        return None
    object_id = norm_id(data.get(key))
    if object_id is None:
        problems.record(f"{source_type}.{kind}.missing_id", f"skipped a {kind} without an id: keys {sorted(data)[:8]}")
    return object_id
