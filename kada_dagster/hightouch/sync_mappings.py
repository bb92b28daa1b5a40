"""What a Hightouch sync's configuration says about lineage: the object it writes and its column mappings.

The configuration is a free-form object whose shape depends on the destination (OFFICIAL: `configuration`
is `{[key: string]: unknown}`), so every shape read here is named with its evidence; anything else is
counted as not a column, never guessed into one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kada_dagster.hightouch.records import HightouchSync

# 3P (DH hightouch_sync): the keys naming the destination object, in the order DataHub checks them;
# a value is a string or a dict's `from`/`name`. `eventName` for event syncs (configuration.type "event").
OBJECT_KEYS = ("object", "tableName", "table", "destinationTable", "objectName")


def _pick_name(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, Mapping):
        for key in ("from", "name"):
            if isinstance(value.get(key), str) and value[key].strip():
                return value[key].strip()
    return None


def destination_object_name(configuration: Mapping[str, Any]) -> str | None:
    """The object a sync writes to, or None when its configuration names none (never a slug)."""
    if configuration.get("type") == "event" and _pick_name(configuration.get("eventName")):  # 3P (DH)
        return _pick_name(configuration.get("eventName"))
    for key in OBJECT_KEYS:
        name = _pick_name(configuration.get(key))
        if name:
            return name
    return _pick_name(configuration.get("eventName"))


@dataclass(frozen=True)
class ColumnMappings:
    """Column pairs a sync's configuration maps, and what it maps that is not a model column."""

    pairs: list[tuple[str, str]]  # (model column, destination field)
    non_column: int  # entries read but not a column: static/template values, wrong shapes
    present: bool  # the configuration has any mapping structure at all


def _mapping_pair(source: Any, target: Any) -> tuple[str, str] | None:
    if isinstance(source, str) and isinstance(target, str) and source.strip() and target.strip():
        return source.strip(), target.strip()
    return None


def column_mappings(sync: HightouchSync) -> ColumnMappings:
    """Every documented and third-party shape of a sync's column mappings.

    - OFFICIAL (SPEC26 GetSync example): `mappings[{from, to, type: "standard"}]` and `externalIdMapping`
      `{from, to, type}`. An entry of another `type` (static, template: a value, not a column) is no column
      edge. An entry WITHOUT `type` (the older shapes carry none) is a column when `from` is a string and,
      where the sync lists `referencedColumns` (OFFICIAL: the model columns it uses), one of them.
    - 3P (DH, older versions): `fieldMappings[{sourceField, destinationField}]`, `columnMappings{<destination
      field>: <model column>}` (a dict) and `columns[{from, to}]`.
    """
    config = sync.configuration
    referenced = sync.referenced_columns or None
    pairs: set[tuple[str, str]] = set()
    non_column = 0
    present = False

    def add(source: Any, target: Any, typed: Any) -> None:
        nonlocal non_column
        pair = _mapping_pair(source, target)
        unlisted = pair is not None and typed is None and referenced is not None and pair[0] not in referenced
        if typed not in (None, "standard") or pair is None or unlisted:
            non_column += 1
        else:
            pairs.add(pair)

    for key in ("mappings", "columns"):
        entries = config.get(key)
        if isinstance(entries, list):
            present = present or bool(entries)
            for entry in entries:
                if isinstance(entry, Mapping):
                    add(entry.get("from"), entry.get("to"), entry.get("type"))
                else:
                    non_column += 1
    external = config.get("externalIdMapping")
    if isinstance(external, Mapping) and external:
        present = True
        add(external.get("from"), external.get("to"), external.get("type"))
    fields = config.get("fieldMappings")
    if isinstance(fields, list):
        present = present or bool(fields)
        for entry in fields:
            if isinstance(entry, Mapping):
                add(entry.get("sourceField"), entry.get("destinationField"), None)
            else:
                non_column += 1
    columns = config.get("columnMappings")
    if isinstance(columns, Mapping):
        present = present or bool(columns)
        for target, source in columns.items():
            add(source, target, None)
    return ColumnMappings(sorted(pairs), non_column, present)
