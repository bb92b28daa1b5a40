"""Row builders shared by every source, so the same concept is spelled the same way in every file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kada_dagster.core.extract.references import Reference


def compact_json(value: Any) -> str | None:
    """Compact, key-sorted JSON text for JSON columns; None and empty containers become null."""
    if value is None or value == {} or value == []:
        return None
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str)


def object_id(source_type: str, object_type: str, native_id: Any) -> str:
    return f"{source_type}:{object_type}:{native_id}"


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text != "" else None


def metadata_row(
    *,
    object_id: str,
    object_type: str,
    name: Any,
    qualified_name: Any = None,
    parent_id: str | None = None,
    reference: Reference | None = None,
    schema: str | None = None,
    description: Any = None,
    status: Any = None,
    tags: Any = None,
    definition: str | None = None,
    properties: Mapping[str, Any] | None = None,
    created_at: str | None = None,
    updated_at: str | None = None,
) -> dict[str, Any]:
    return {
        "object_id": object_id,
        "object_type": object_type,
        "name": text_or_none(name),
        "qualified_name": text_or_none(qualified_name),
        "parent_id": parent_id,
        "host": text_or_none(reference.host) if reference else None,
        "database": text_or_none(reference.database) if reference else None,
        "schema": text_or_none(schema if schema is not None else (reference.schema if reference else None)),
        "description": text_or_none(description),
        "status": text_or_none(status),
        "tags": compact_json(tags),
        "definition": text_or_none(definition),
        "properties": compact_json(properties),
        "created_at": created_at,
        "updated_at": updated_at,
    }


@dataclass(frozen=True)
class Endpoint:
    """One end of a lineage edge: one of the instance's own objects, or an external table/object."""

    object_type: str
    host: str | None
    database: str | None
    schema: str | None
    object: str
    own: bool
    mapped: bool = True

    @classmethod
    def own_object(cls, host: str, object_type: str, object_id: str) -> Endpoint:
        return cls(object_type, host, None, None, object_id, own=True)

    @classmethod
    def external(cls, object_type: str, reference: Reference, name: str, schema: str | None = None,
                 database: str | None = None) -> Endpoint:
        return cls(
            object_type,
            reference.host or None,
            (database if database is not None else reference.database) or None,
            (schema if schema is not None else reference.schema) or None,
            name,
            own=False,
            mapped=reference.mapped,
        )


def linkage_row(
    upstream: Endpoint,
    downstream: Endpoint,
    *,
    via_object_id: str | None = None,
    upstream_column: str | None = None,
    downstream_column: str | None = None,
    transformation: str | None = None,
) -> dict[str, Any]:
    """A table edge, or a column edge when both columns are given (with its contract v3 `transformation`
    word; a column edge whose word is not given is a copy, IDENTITY)."""
    column = upstream_column is not None and downstream_column is not None
    return {
        "linkage_type": "column" if column else "table",
        "via_object_id": via_object_id,
        "upstream_object_type": upstream.object_type,
        "upstream_host": upstream.host,
        "upstream_database": upstream.database,
        "upstream_schema": upstream.schema,
        "upstream_object": upstream.object,
        "upstream_column": upstream_column if column else None,
        "downstream_object_type": downstream.object_type,
        "downstream_host": downstream.host,
        "downstream_database": downstream.database,
        "downstream_schema": downstream.schema,
        "downstream_object": downstream.object,
        "downstream_column": downstream_column if column else None,
        "mapped": upstream.mapped and downstream.mapped,
        "transformation": (transformation or "IDENTITY") if column else None,
    }


def duration_seconds(started: Any, finished: Any) -> float | None:
    if started is None or finished is None:
        return None
    seconds = (finished - started).total_seconds()
    return round(seconds, 3) if seconds >= 0 else None


def as_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def event_row(
    *,
    event_id: str,
    object_id: str,
    event_type: str,
    status: str,
    native_status: Any = None,
    started_at: str | None = None,
    finished_at: str | None = None,
    duration_seconds: float | None = None,
    rows_added: int | None = None,
    rows_changed: int | None = None,
    rows_removed: int | None = None,
    rows_failed: int | None = None,
    rows_total: int | None = None,
    error_message: str | None = None,
    properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One events row (contract section 3). A count the API does not report stays None (empty in the
    CSV), never 0; `status` is `UNKNOWN` where the API does not report the outcome."""
    return {
        "event_id": event_id,
        "object_id": object_id,
        "event_type": event_type,
        "status": status,
        "native_status": text_or_none(native_status),
        "started_at": started_at,
        "finished_at": finished_at,
        "duration_seconds": duration_seconds,
        "rows_added": rows_added,
        "rows_changed": rows_changed,
        "rows_removed": rows_removed,
        "rows_failed": rows_failed,
        "rows_total": rows_total,
        "error_message": text_or_none(error_message),
        "properties": compact_json(properties),
    }


def databaselog_row(
    *,
    log_id: str,
    object_id: str,
    reference: Reference | None,
    query_type: str,
    query_text: str | None,
    captured_at: str | None,
    schema: str | None = None,
) -> dict[str, Any]:
    """One databaselog row: a SQL text the tool runs against the warehouse `reference` points at."""
    return {
        "log_id": log_id,
        "object_id": object_id,
        "host": text_or_none(reference.host) if reference else None,
        "database": text_or_none(reference.database) if reference else None,
        "schema": text_or_none(schema if schema is not None else (reference.schema if reference else None)),
        "query_type": query_type,
        "query_text": query_text,
        "captured_at": captured_at,
    }
