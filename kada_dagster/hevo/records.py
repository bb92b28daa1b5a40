"""Typed records for Hevo Standard and Edge API objects, parsed tolerantly.

Many Standard shapes are known only from third-party code (reference notes, marked UNCONFIRMED):
pipelines without a top-level name, `source.type` as a string or an object, objects addressed by name,
schema mappings possibly wrapped in `data`. Edge shapes are precise but differ in naming
(`source_type`, `destination_prefix`, namespaces `k0/k1/k2`). One parser per object kind accepts both
and records what it had to tolerate instead of failing; `raw` keeps the redacted API object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.records import as_dict, norm_id, require_id
from kada_dagster.core.timeutil import parse_ts

SOURCE_TYPE = "hevo"

# Keys our fetch adds to stored records (never API fields): which pipeline / event type they belong to.
PIPELINE_KEY = "_pipeline_id"
EVENT_TYPE_KEY = "_event_type"

# Object statuses that never have ingested data, hence no schema mapping (Standard) or fields (Edge).
NO_DATA_OBJECT_STATUSES = frozenset({"SKIPPED", "PERMISSION_DENIED", "INACCESSIBLE", "DELETED"})
# Field statuses (Edge) and mapping statuses (Standard) that mean "not loaded into the destination".
IGNORED_FIELD_STATUSES = frozenset({"IGNORED", "SKIPPED", "EXCLUDED", "DISABLED", "BLOCKED", "DELETED"})
UNLOADED_MAPPING_STATUSES = frozenset({"UNMAPPED", "IGNORED"})


def _text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first key holding a non-empty scalar, as text."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def type_name(value: Any, where: str, problems: ProblemLog) -> str | None:
    """A connector type given as `"POSTGRES"` or as `{"name": "POSTGRES", "display_name": "PostgreSQL"}`."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        name = _text(value, "name", "id", "type", "connector_id", "display_name")
        if name is None:
            problems.record("hevo.type.unreadable", f"{where}: type object without a name {sorted(value)[:6]}")
        return name
    problems.record("hevo.type.wrong_type", f"{where}: type is a {type(value).__name__}; ignored")
    return None


def _ts(data: Mapping[str, Any], where: str, problems: ProblemLog, *keys: str) -> datetime | None:
    for key in keys:
        raw = data.get(key)
        if raw in (None, ""):
            continue
        parsed = parse_ts(raw)
        if parsed is None:
            problems.record("hevo.timestamp.unreadable", f"{where}: {key} {raw!r} is not a timestamp; ignored")
        return parsed
    return None


def _created(data: Mapping[str, Any], where: str, problems: ProblemLog) -> datetime | None:
    return _ts(data, where, problems, "created_ts", "created_at", "createdAt")


def _updated(data: Mapping[str, Any], where: str, problems: ProblemLog) -> datetime | None:
    return _ts(data, where, problems, "updated_ts", "updated_at", "updatedAt")


def _status(data: Mapping[str, Any], where: str, problems: ProblemLog, key: str = "status") -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value.strip().upper() if isinstance(value, str) and value.strip() else None
    if isinstance(value, Mapping):  # e.g. {"status": "ACTIVE", "message": ...}
        return _status(value, where, problems)
    problems.record("hevo.status.wrong_type", f"{where}: {key} is a {type(value).__name__}; ignored")
    return None


@dataclass
class Connector:
    """A pipeline's source or destination as the pipeline describes it."""

    id: str | None
    name: str | None
    type: str | None
    config: dict[str, Any] = field(default_factory=dict, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def parse_connector(value: Any, where: str, problems: ProblemLog) -> Connector:
    if value is None:
        return Connector(None, None, None)
    if isinstance(value, str):  # a bare name
        return Connector(None, value, None)
    if not isinstance(value, Mapping):
        problems.record("hevo.connector.wrong_type", f"{where} is a {type(value).__name__}; ignored")
        return Connector(None, None, None)
    kind = value.get("type")
    if kind is None:
        kind = value.get("source_type") or value.get("destination_type") or value.get("connector_id")
    config = value.get("config")
    if config is not None and not isinstance(config, Mapping):
        problems.record("hevo.connector.bad_config", f"{where}: config is a {type(config).__name__}; ignored")
    return Connector(
        id=norm_id(value.get("id")),
        name=_text(value, "name", "display_name"),
        type=type_name(kind, where, problems),
        config=as_dict(config),
        raw=dict(value),
    )


@dataclass
class HevoPipeline:
    id: str
    name: str
    status: str | None
    source: Connector
    destination: Connector
    table_prefix: str
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict[str, Any] = field(repr=False)


def parse_pipeline(data: Any, problems: ProblemLog) -> HevoPipeline | None:
    pipeline_id = require_id(SOURCE_TYPE, "pipeline", data, problems)
    if pipeline_id is None:
        return None
    where = f"pipeline {pipeline_id}"
    source = parse_connector(data.get("source"), f"{where} source", problems)
    destination = parse_connector(data.get("destination"), f"{where} destination", problems)
    raw_source = as_dict(data.get("source"))
    # Standard pipelines have no top-level name: the UI shows the source's name.
    name = _text(data, "name", "display_name") or _text(raw_source, "display_name", "name")
    if name is None:
        name = f"pipeline {pipeline_id}"
        problems.record("hevo.pipeline.no_name", f"{where} has no name and no source name; named '{name}'")
    prefix = _text(data, "destination_prefix", "destination_table_prefix", "table_prefix")
    if prefix is None:
        prefix = _text(destination.config, "table_prefix", "destination_table_prefix")
    return HevoPipeline(
        id=pipeline_id,
        name=name,
        status=_status(data, where, problems),
        source=source,
        destination=destination,
        table_prefix=prefix or "",
        created_at=_created(data, where, problems),
        updated_at=_updated(data, where, problems),
        raw=dict(data),
    )


@dataclass
class HevoDestination:
    id: str
    name: str | None
    type: str | None
    status: str | None
    config: dict[str, Any]
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict[str, Any] = field(repr=False)


def parse_destination(data: Any, problems: ProblemLog) -> HevoDestination | None:
    destination_id = require_id(SOURCE_TYPE, "destination", data, problems)
    if destination_id is None:
        return None
    where = f"destination {destination_id}"
    connector = parse_connector(data, where, problems)
    return HevoDestination(
        id=destination_id,
        name=connector.name,
        type=connector.type,
        status=_status(data, where, problems),
        config=connector.config,
        created_at=_created(data, where, problems),
        updated_at=_updated(data, where, problems),
        raw=dict(data),
    )


@dataclass
class FieldMapping:
    """One source field → destination column; `ignored` fields are not loaded."""

    source: str
    destination: str | None
    ignored: bool


@dataclass
class HevoObject:
    """A pipeline object: a source table (or SaaS object) replicated into one destination table."""

    pipeline_id: str
    native_id: str
    name: str
    status: str | None
    event_type: str | None
    source_database: str | None
    source_schema: str | None
    source_table: str
    destination_database: str | None = None
    destination_schema: str | None = None
    destination_table: str | None = None
    destination_table_prefixed: bool = False
    fields: list[FieldMapping] = field(default_factory=list)
    mapping_status: str | None = None
    last_run_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def _namespace(value: Any) -> tuple[str | None, str | None, str | None]:
    """Edge namespaces `{k0: table, k1: schema, k2: database}` → (database, schema, table)."""
    ns = as_dict(value)
    return _text(ns, "k2"), _text(ns, "k1"), _text(ns, "k0")


def object_event_type(data: Mapping[str, Any]) -> str | None:
    """The event type a Standard object is ingested as (its schema-mapping key): the object name unless
    the API names the event type itself."""
    return _text(data, "event_type", "event_name", "name")


def parse_object(data: Any, problems: ProblemLog) -> HevoObject | None:
    """A Standard object (addressed by name) or an Edge object (by `object_id`, with namespaces)."""
    if not isinstance(data, Mapping):
        problems.record("hevo.pipeline_object.not_an_object", f"skipped a pipeline object that is a {type(data).__name__}")
        return None
    pipeline_id = norm_id(data.get(PIPELINE_KEY))
    edge_id = norm_id(data.get("object_id"))
    name = _text(data, "object_name", "name")
    src_db, src_schema, src_table = _namespace(data.get("source_namespace"))
    if pipeline_id is None or (edge_id is None and name is None):
        problems.record("hevo.pipeline_object.missing_id", f"skipped a pipeline object without a name or id: "
                                                           f"keys {sorted(data)[:8]}")
        return None
    if name is None:
        name = ".".join(p for p in (src_db, src_schema, src_table) if p) or str(edge_id)
    where = f"pipeline {pipeline_id} object {name}"
    obj = HevoObject(
        pipeline_id=pipeline_id,
        native_id=edge_id or f"{pipeline_id}:{name}",
        name=name,
        status=_status(data, where, problems),
        event_type=None if edge_id else object_event_type(data),
        source_database=src_db,
        source_schema=src_schema,
        source_table=src_table or name,
        last_run_at=_ts(data, where, problems, "last_run_ts", "last_run_at"),
        raw=dict(data),
    )
    if edge_id:
        obj.destination_database, obj.destination_schema, table = _namespace(data.get("destination_namespace"))
        explicit = _text(data, "destination_table_name")
        obj.destination_table = explicit or table
        obj.destination_table_prefixed = explicit is not None  # the detail's table name is the real one
        obj.fields = _fields(data.get("fields"), where, problems, "source_name", "destination_name")
    return obj


def apply_mapping(obj: HevoObject, mapping: Mapping[str, Any], problems: ProblemLog) -> None:
    """Adds a Standard schema mapping (destination table, field mappings) to its object."""
    where = f"pipeline {obj.pipeline_id} mapping {obj.event_type}"
    obj.mapping_status = _status(mapping, where, problems, "mapping_status")
    table = _text(mapping, "destination_table", "destination_table_name", "table_name")
    if table and "." in table:
        parts = table.split(".")
        table = parts[-1]
        obj.destination_schema = parts[-2]
        obj.destination_database = parts[-3] if len(parts) >= 3 else None
    obj.destination_table = table
    obj.destination_table_prefixed = False
    obj.fields = _fields(mapping.get("field_mappings", mapping.get("fields")), where, problems,
                         "source_field", "destination_field")


def _fields(value: Any, where: str, problems: ProblemLog, source_key: str, destination_key: str) -> list[FieldMapping]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.record("hevo.fields.wrong_type", f"{where}: fields is a {type(value).__name__}; no column lineage")
        return []
    out: list[FieldMapping] = []
    for entry in value:
        if not isinstance(entry, Mapping):
            problems.record("hevo.fields.bad_entry", f"{where}: a field entry is a {type(entry).__name__}; skipped")
            continue
        source = _text(entry, source_key, "source_name", "source_field", "name")
        if source is None:
            problems.record("hevo.fields.no_source", f"{where}: a field without a source name; skipped")
            continue
        ignored_flag = entry.get("ignored")
        status = _status(entry, where, problems)
        ignored = ignored_flag is True or (isinstance(ignored_flag, str) and ignored_flag.lower() == "true") \
            or status in IGNORED_FIELD_STATUSES
        out.append(FieldMapping(source, _text(entry, destination_key, "destination_name", "destination_field"),
                                ignored))
    return out


@dataclass
class HevoModel:
    id: str
    name: str
    status: str | None
    source_query: str | None
    output_table: str | None
    destination: Connector
    last_run_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict[str, Any] = field(repr=False)


def parse_model(data: Any, problems: ProblemLog) -> HevoModel | None:
    model_id = require_id(SOURCE_TYPE, "model", data, problems)
    if model_id is None:
        return None
    where = f"model {model_id}"
    destination = parse_connector(data.get("destination"), f"{where} destination", problems)
    if destination.id is None:
        destination.id = norm_id(data.get("source_destination_id")) or norm_id(data.get("destination_id"))
    query = data.get("source_query")
    if query is not None and not isinstance(query, str):
        problems.record("hevo.model.bad_source_query", f"{where}: source_query is a {type(query).__name__}; ignored")
        query = None
    table_details = as_dict(data.get("destination_table_details"))
    output = _text(data, "output_table") or _text(table_details, "table_name")
    return HevoModel(
        id=model_id,
        name=_text(data, "name", "display_name") or f"model {model_id}",
        status=_status(data, where, problems),
        source_query=query or None,
        output_table=output,
        destination=destination,
        last_run_at=_ts(data, where, problems, "last_run_ts", "last_run_at"),
        created_at=_created(data, where, problems),
        updated_at=_updated(data, where, problems),
        raw=dict(data),
    )


@dataclass
class HevoWorkflow:
    id: str
    name: str
    status: str | None
    last_run_status: str | None
    last_run_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict[str, Any] = field(repr=False)


def parse_workflow(data: Any, problems: ProblemLog) -> HevoWorkflow | None:
    workflow_id = require_id(SOURCE_TYPE, "workflow", data, problems)
    if workflow_id is None:
        return None
    where = f"workflow {workflow_id}"
    return HevoWorkflow(
        id=workflow_id,
        name=_text(data, "name", "display_name") or f"workflow {workflow_id}",
        status=_status(data, where, problems),
        last_run_status=_status(data, where, problems, "last_run_status"),
        last_run_at=_ts(data, where, problems, "last_run_ts", "last_run_at"),
        created_at=_created(data, where, problems),
        updated_at=_updated(data, where, problems),
        raw=dict(data),
    )

