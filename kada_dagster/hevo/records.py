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
OBJECT_NAME_KEY = "_object_name"

# Object statuses that never have ingested data, hence no schema mapping (Standard) or fields (Edge).
NO_DATA_OBJECT_STATUSES = frozenset({"SKIPPED", "PERMISSION_DENIED", "INACCESSIBLE", "DELETED"})
# Field statuses (Edge) and mapping statuses (Standard) that mean "not loaded into the destination".
IGNORED_FIELD_STATUSES = frozenset({"IGNORED", "SKIPPED", "EXCLUDED", "DISABLED", "BLOCKED", "DELETED"})
UNLOADED_MAPPING_STATUSES = frozenset({"UNMAPPED", "IGNORED"})
# Documented enums (Standard from third-party evidence, Edge from the official provider): anything else is
# kept and counted, so a new Hevo status shows up in the UI instead of breaking the run.
PIPELINE_STATUSES = frozenset({
    "ACTIVE", "PAUSED", "DRAFT", "STREAMING", "SINKING",  # Standard
    "INITIALIZING", "INITIALIZED", "INITIALIZE_FAILED", "DISABLING", "DISABLED", "DISABLE_FAILED", "ENABLING",
    "ENABLED", "ENABLE_FAILED", "DELETING", "DELETED", "DELETE_FAILED", "RESTARTING", "RESTART_FAILED",  # Edge
})
OBJECT_STATUSES = frozenset({
    "ACTIVE", "SKIPPED", "PAUSED", "FINISHED", "PERMISSION_DENIED", "FAILED",  # Standard
    "BLOCKED", "DISABLED", "DELETED", "INACCESSIBLE", "INACTIVE", "INCONSISTENT", "RESETTING",  # Edge
})


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


def _status(data: Mapping[str, Any], where: str, problems: ProblemLog, key: str = "status",
            known: frozenset[str] | None = None) -> str | None:
    value = data.get(key)
    if isinstance(value, Mapping):  # e.g. {"status": "ACTIVE", "message": ...}
        return _status(value, where, problems, "status", known)
    if value is not None and not isinstance(value, str):
        problems.record("hevo.status.wrong_type", f"{where}: {key} is a {type(value).__name__}; ignored")
        return None
    status = value.strip().upper() if isinstance(value, str) and value.strip() else None
    if status is not None and known is not None and status not in known:
        problems.record("hevo.status.unknown", f"{where}: {key} {status!r} is not a known Hevo status; kept")
    return status


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
class HevoRecord:
    """What every listed Hevo object has; `raw` keeps the (redacted) API object for `properties`."""

    id: str
    name: str
    status: str | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict[str, Any] = field(repr=False)


def _base(kind: str, data: Any, problems: ProblemLog,
          known: frozenset[str] | None = None) -> tuple[str, dict[str, Any]] | None:
    """(where, the HevoRecord fields) of a record with an id; None (counted) without one."""
    record_id = require_id(SOURCE_TYPE, kind, data, problems)
    if record_id is None:
        return None
    where = f"{kind} {record_id}"
    return where, dict(id=record_id, name=_text(data, "name", "display_name") or where,
                       status=_status(data, where, problems, known=known), created_at=_created(data, where, problems),
                       updated_at=_updated(data, where, problems), raw=dict(data))


def _no_connector() -> Connector:
    return Connector(None, None, None)


@dataclass
class HevoPipeline(HevoRecord):
    source: Connector = field(default_factory=_no_connector)
    destination: Connector = field(default_factory=_no_connector)
    table_prefix: str = ""


def parse_pipeline(data: Any, problems: ProblemLog) -> HevoPipeline | None:
    base = _base("pipeline", data, problems, PIPELINE_STATUSES)
    if base is None:
        return None
    where, fields = base
    destination = parse_connector(data.get("destination"), f"{where} destination", problems)
    # Standard pipelines have no top-level name: the UI shows the source's name.
    name = _text(data, "name", "display_name") or _text(as_dict(data.get("source")), "display_name", "name")
    if name is None:
        problems.record("hevo.pipeline.no_name", f"{where} has no name and no source name; named '{fields['name']}'")
    prefix = _text(data, "destination_prefix", "destination_table_prefix", "table_prefix")
    if prefix is None:
        prefix = _text(destination.config, "table_prefix", "destination_table_prefix")
    fields["name"] = name or fields["name"]
    return HevoPipeline(**fields, source=parse_connector(data.get("source"), f"{where} source", problems),
                        destination=destination, table_prefix=prefix or "")


@dataclass
class HevoDestination(HevoRecord):
    type: str | None = None
    config: dict[str, Any] = field(default_factory=dict, repr=False)


def parse_destination(data: Any, problems: ProblemLog) -> HevoDestination | None:
    base = _base("destination", data, problems)
    if base is None:
        return None
    where, fields = base
    connector = parse_connector(data, where, problems)
    return HevoDestination(**fields, type=connector.type, config=connector.config)


@dataclass
class FieldMapping:
    """One source field → destination column; `ignored` fields are not loaded."""

    source: str
    destination: str | None
    ignored: bool


@dataclass
class LoadTarget:
    """Where an object's events are loaded: a destination table (maybe qualified) and its columns.

    `prefixed` says the name already carries the pipeline's table prefix (or must be taken as is).
    """

    event_type: str | None
    database: str | None
    schema: str | None
    table: str | None
    prefixed: bool = False
    fields: list[FieldMapping] = field(default_factory=list)
    status: str | None = None

    @property
    def loads_data(self) -> bool:
        return bool(self.table) and self.status not in UNLOADED_MAPPING_STATUSES


@dataclass
class HevoObject:
    """A pipeline object: a source table (or SaaS object) replicated into destination table(s)."""

    pipeline_id: str
    native_id: str
    name: str
    status: str | None
    source_database: str | None
    source_schema: str | None
    source_table: str
    last_run_at: datetime | None = None
    targets: list[LoadTarget] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def has_data(self) -> bool:
        """Skipped, permission-denied, inaccessible and deleted objects never load (no lineage)."""
        return self.status not in NO_DATA_OBJECT_STATUSES

    @property
    def qualified_name(self) -> str:
        return ".".join(p for p in (self.source_database, self.source_schema, self.source_table) if p)


def _namespace(value: Any) -> tuple[str | None, str | None, str | None]:
    """Edge namespaces `{k0: table, k1: schema, k2: database}` → (database, schema, table)."""
    ns = as_dict(value)
    return _text(ns, "k2"), _text(ns, "k1"), _text(ns, "k0")


def _split_name(name: str, database: str | None, schema: str | None) -> tuple[str | None, str | None, str]:
    """`db.schema.table` / `schema.table` / `table`, the namespace's parts winning where given."""
    parts = [p for p in name.split(".") if p]
    table = parts[-1] if parts else name
    if len(parts) >= 2:
        schema = schema or parts[-2]
    if len(parts) >= 3:
        database = database or parts[-3]
    return database, schema, table


def parse_object(data: Any, problems: ProblemLog) -> HevoObject | None:
    """A Standard object (addressed by name, `namespace {database, schema}`) or an Edge object
    (`object_id`, `source_namespace`/`destination_namespace`, `fields` once the detail is merged in)."""
    if not isinstance(data, Mapping):
        problems.record("hevo.pipeline_object.not_an_object", f"skipped a pipeline object that is a {type(data).__name__}")
        return None
    pipeline_id = norm_id(data.get(PIPELINE_KEY))
    edge_id = norm_id(data.get("object_id"))
    name = _text(data, "object_name", "name")
    src_db, src_schema, src_table = _namespace(data.get("source_namespace"))
    if pipeline_id is None or (edge_id is None and name is None and src_table is None):
        problems.record("hevo.pipeline_object.missing_id", f"skipped a pipeline object without a name or id: "
                                                           f"keys {sorted(data)[:8]}")
        return None
    if edge_id is None:  # Standard
        namespace = as_dict(data.get("namespace"))
        src_db, src_schema, src_table = _split_name(str(name), _text(namespace, "database", "db"),
                                                    _text(namespace, "schema"))
    name = name or ".".join(p for p in (src_schema, src_table) if p)
    where = f"pipeline {pipeline_id} object {name}"
    obj = HevoObject(
        pipeline_id=pipeline_id,
        native_id=edge_id or f"{pipeline_id}:{name}",
        name=name,
        status=_status(data, where, problems, known=OBJECT_STATUSES),
        source_database=src_db,
        source_schema=src_schema,
        source_table=src_table or name,
        last_run_at=_ts(data, where, problems, "last_run_ts", "last_run_at"),
        raw=dict(data),
    )
    if edge_id is not None:
        database, schema, table = _namespace(data.get("destination_namespace"))
        explicit = _text(data, "destination_table_name")
        obj.targets.append(LoadTarget(
            event_type=None, database=database, schema=schema, table=explicit or table,
            prefixed=explicit is not None,  # the detail's table name is the real one
            fields=_fields(data.get("fields"), where, problems, "source_name", "destination_name"),
        ))
    return obj


def parse_mapping(data: Mapping[str, Any], problems: ProblemLog) -> LoadTarget:
    """A Standard schema mapping (`GET /pipelines/{id}/mappings/{event_type}`) as a load target."""
    event_type = _text(data, EVENT_TYPE_KEY)
    where = f"pipeline {data.get(PIPELINE_KEY)} mapping {event_type}"
    table = _text(data, "destination_table", "destination_table_name", "table_name")
    database, schema = None, None
    if table:
        database, schema, table = _split_name(table, None, None)
    return LoadTarget(
        event_type=event_type, database=database, schema=schema, table=table,
        fields=_fields(data.get("field_mappings", data.get("fields")), where, problems,
                       "source_field", "destination_field"),
        status=_status(data, where, problems, "mapping_status"),
    )


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
        flag = entry.get("ignored")
        ignored = flag is True or (isinstance(flag, str) and flag.strip().lower() == "true") \
            or _status(entry, where, problems) in IGNORED_FIELD_STATUSES
        out.append(FieldMapping(source, _text(entry, destination_key, "destination_name", "destination_field"), ignored))
    return out


@dataclass
class HevoModel(HevoRecord):
    source_query: str | None = None
    output_table: str | None = None
    destination: Connector = field(default_factory=_no_connector)
    last_run_at: datetime | None = None


def parse_model(data: Any, problems: ProblemLog) -> HevoModel | None:
    base = _base("model", data, problems)
    if base is None:
        return None
    where, fields = base
    destination = parse_connector(data.get("destination"), f"{where} destination", problems)
    if destination.id is None:
        destination.id = norm_id(data.get("source_destination_id")) or norm_id(data.get("destination_id"))
    query = data.get("source_query")
    if query is not None and not isinstance(query, str):
        problems.record("hevo.model.bad_source_query", f"{where}: source_query is a {type(query).__name__}; ignored")
        query = None
    output = _text(data, "output_table") or _text(as_dict(data.get("destination_table_details")), "table_name")
    return HevoModel(**fields, source_query=query or None, output_table=output, destination=destination,
                     last_run_at=_ts(data, where, problems, "last_run_ts", "last_run_at"))


@dataclass
class HevoWorkflow(HevoRecord):
    last_run_status: str | None = None
    last_run_at: datetime | None = None


def parse_workflow(data: Any, problems: ProblemLog) -> HevoWorkflow | None:
    base = _base("workflow", data, problems)
    if base is None:
        return None
    where, fields = base
    return HevoWorkflow(**fields, last_run_status=_status(data, where, problems, "last_run_status"),
                        last_run_at=_ts(data, where, problems, "last_run_ts", "last_run_at"))
