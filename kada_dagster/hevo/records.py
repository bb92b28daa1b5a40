"""Typed records for Hevo Standard and Edge API objects, parsed tolerantly from the payload.

Every payload field read here carries its evidence from /work/shared/reference/hevo-api.md:
OFFICIAL (api-docs / docs.hevodata.com / the hevoio GitHub org), 3P (third-party code) or UNCONFIRMED
(then the parser tolerates its absence and the caller has a tested fallback). A record says what the
payload says; what it means for K (table names, folding, statuses) is decided in `source.py`.
`raw` keeps the API object for `properties` (redacted before it is stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kada_dagster.core.extract.references import WarehouseLocation, config_text
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.records import as_dict, norm_id, require_id
from kada_dagster.core.timeutil import parse_ts

SOURCE_TYPE = "hevo"

# Keys our fetch adds to stored records (never API fields): which pipeline / event type they belong to.
PIPELINE_KEY = "_pipeline_id"
EVENT_TYPE_KEY = "_event_type"

# Object statuses that never have ingested data, hence no schema mapping (Standard) or fields (Edge):
# 3P (hevo-api §3b: SKIPPED, PERMISSION_DENIED) and OFFICIAL (§4 Edge: INACCESSIBLE, DELETED).
NO_DATA_OBJECT_STATUSES = frozenset({"SKIPPED", "PERMISSION_DENIED", "INACCESSIBLE", "DELETED"})
# Mapping statuses (3P, hevo-api §3c) without a destination table to request.
UNLOADED_MAPPING_STATUSES = frozenset({"UNMAPPED", "IGNORED"})
# Edge `fields[].status`: the reference lists the key (OFFICIAL, §4) but no values. An allow-list of the
# status we take as "loaded" (our decision, docs/API_FIELDS.md); any other value is not loaded and
# counted (`hevo.unresolved.field_status`), so a new Hevo value can never invent a column edge.
LOADED_FIELD_STATUSES = frozenset({"ACTIVE"})
# Documented enums (Standard 3P, Edge OFFICIAL): anything else is kept and counted.
PIPELINE_STATUSES = frozenset({
    "ACTIVE", "PAUSED", "DRAFT", "STREAMING", "SINKING",  # Standard, 3P (§3a)
    "INITIALIZING", "INITIALIZED", "INITIALIZE_FAILED", "DISABLING", "DISABLED", "DISABLE_FAILED", "ENABLING",
    "ENABLED", "ENABLE_FAILED", "DELETING", "DELETED", "DELETE_FAILED", "RESTARTING", "RESTART_FAILED",  # Edge
})
OBJECT_STATUSES = frozenset({
    "ACTIVE", "SKIPPED", "PAUSED", "FINISHED", "PERMISSION_DENIED", "FAILED",  # Standard, 3P (§3b)
    "BLOCKED", "DISABLED", "DELETED", "INACCESSIBLE", "INACTIVE", "INCONSISTENT", "RESETTING",  # Edge, OFFICIAL
})


def text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first key holding a non-empty scalar, as text."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def upper(value: Any) -> str | None:
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def type_name(value: Any, where: str, problems: ProblemLog) -> str | None:
    """A connector type given as `"POSTGRES"` or as `{"name": "POSTGRES", "display_name": "PostgreSQL"}`
    (UNCONFIRMED, hevo-api §3a: hevo-assistant handles both)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        name = text(value, "name", "id", "type", "display_name")
        if name is None:
            problems.record("hevo.type.unreadable", f"{where}: type object without a name {sorted(value)[:6]}")
        return name
    problems.record("hevo.type.wrong_type", f"{where}: type is a {type(value).__name__}; ignored")
    return None


def timestamp(data: Mapping[str, Any], where: str, problems: ProblemLog, *keys: str) -> datetime | None:
    """Epoch ms (OFFICIAL Edge, 3P Standard) or ISO 8601 (Edge destination fixture): both are read."""
    for key in keys:
        raw = data.get(key)
        if raw in (None, ""):
            continue
        parsed = parse_ts(raw)
        if parsed is None:
            problems.record("hevo.timestamp.unreadable", f"{where}: {key} {raw!r} is not a timestamp; ignored")
        return parsed
    return None


def status_of(data: Mapping[str, Any], where: str, problems: ProblemLog, key: str = "status",
              known: frozenset[str] | None = None) -> str | None:
    value = data.get(key)
    if isinstance(value, Mapping):  # e.g. {"status": "ACTIVE", "message": ...}
        return status_of(value, where, problems, "status", known)
    if value is not None and not isinstance(value, str):
        problems.record("hevo.status.wrong_type", f"{where}: {key} is a {type(value).__name__}; ignored")
        return None
    status = upper(value)
    if status is not None and known is not None and status not in known:
        problems.record("hevo.status.unknown", f"{where}: {key} {status!r} is not a known Hevo status; kept")
    return status


@dataclass
class HevoConnector:
    """A pipeline's or model's source or destination as the payload describes it."""

    id: str | None
    name: str | None
    type: str | None
    config: dict[str, Any] = field(default_factory=dict, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def display_name(self) -> str | None:
        value = self.raw.get("display_name")  # 3P (hevo-api §3a: source.display_name)
        return value if isinstance(value, str) and value else None

    @property
    def location(self) -> WarehouseLocation:
        """Where the connector's warehouse is, as far as its `config` says (a best guess, unmapped)."""
        config = self.config
        return WarehouseLocation(
            # 3P (§3a: a live us2 export script reads destination.config.db_host/db_name/schema_name);
            # `host`/`database`/`schema`: Edge destination fixture and source configs (UNCONFIRMED).
            # BigQuery: config.project_id / dataset_name (3P, §3d): the project is its address (host and
            # database, as a best guess K may not resolve); `dataset` on Edge is UNCONFIRMED.
            host=config_text(config, "db_host", "host", "project_id"),
            database=config_text(config, "db_name", "database_name", "database", "project_id"),
            schema=config_text(config, "schema_name", "schema", "dataset_name", "dataset"),
            # Snowflake: account_name + region (OFFICIAL excerpt for region; account_name 3P, §3d); Edge
            # config.account (UNCONFIRMED fixture) or account_url (3P sf_rotation client, §4).
            account=config_text(config, "account_name", "account", "account_url"),
            region=config_text(config, "region"),
        )


def parse_connector(value: Any, where: str, problems: ProblemLog) -> HevoConnector:
    if value is None:
        return HevoConnector(None, None, None)
    if isinstance(value, str):  # a bare name
        return HevoConnector(None, value, None)
    if not isinstance(value, Mapping):
        problems.record("hevo.connector.wrong_type", f"{where} is a {type(value).__name__}; ignored")
        return HevoConnector(None, None, None)
    # Standard `type` (3P, §3a/§3d); Edge `source_type` / `destination_type` (OFFICIAL, §4).
    kind = value.get("type")
    if kind is None:
        kind = value.get("source_type") or value.get("destination_type")
    config = value.get("config")  # Standard 3P (§3a db_host, db_name, ...); Edge source config OFFICIAL
    if config is not None and not isinstance(config, Mapping):
        problems.record("hevo.connector.bad_config", f"{where}: config is a {type(config).__name__}; ignored")
    return HevoConnector(
        id=norm_id(value.get("id")),  # Edge destination.id OFFICIAL; Standard destination.id? 3P
        name=text(value, "name"),  # OFFICIAL (Edge), 3P (Standard source.name / destination.name)
        type=type_name(kind, where, problems),
        config=as_dict(config),
        raw=dict(value),
    )


@dataclass
class HevoRecord:
    """What every listed Hevo object has; `raw` keeps the API object for `properties`."""

    id: str
    name: str | None
    status: str | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict[str, Any] = field(repr=False)


def _base(kind: str, data: Any, problems: ProblemLog,
          known: frozenset[str] | None = None) -> tuple[str, dict[str, Any]] | None:
    """(where, the HevoRecord fields) of a record with an id; None (counted) without one."""
    record_id = require_id(SOURCE_TYPE, kind, data, problems)  # `id`: OFFICIAL (Edge), 3P (Standard)
    if record_id is None:
        return None
    where = f"{kind} {record_id}"
    return where, dict(
        id=record_id,
        name=text(data, "name"),
        status=status_of(data, where, problems, known=known),
        # created_ts/updated_ts: OFFICIAL (Edge pipelines); Standard UNCONFIRMED; Edge destinations
        # created_at/updated_at (fixture, UNCONFIRMED). Absent: the object is kept (never filtered out).
        created_at=timestamp(data, where, problems, "created_ts", "created_at"),
        updated_at=timestamp(data, where, problems, "updated_ts", "updated_at"),
        raw=dict(data),
    )


def _no_connector() -> HevoConnector:
    return HevoConnector(None, None, None)


@dataclass
class HevoPipeline(HevoRecord):
    source: HevoConnector = field(default_factory=_no_connector)
    destination: HevoConnector = field(default_factory=_no_connector)
    destination_prefix: str = ""


def parse_pipeline(data: Any, problems: ProblemLog) -> HevoPipeline | None:
    base = _base("pipeline", data, problems, PIPELINE_STATUSES)
    if base is None:
        return None
    where, fields = base
    source = parse_connector(data.get("source"), f"{where} source", problems)
    # Edge `name` OFFICIAL; Standard pipelines have no top-level name (3P, §3a): the UI shows the source's.
    name = fields["name"] or source.display_name or source.name
    if name is None:
        problems.record("hevo.unresolved.pipeline_name", f"{where} has no name and no source name")
    fields["name"] = name
    return HevoPipeline(
        **fields, source=source, destination=parse_connector(data.get("destination"), f"{where} destination", problems),
        destination_prefix=text(data, "destination_prefix") or "",  # OFFICIAL (Edge §4; OpenLineage utils)
    )


@dataclass
class HevoDestination(HevoRecord):
    type: str | None = None
    config: dict[str, Any] = field(default_factory=dict, repr=False)

    def connector(self) -> HevoConnector:
        return HevoConnector(self.id, self.name, self.type, self.config, self.raw)


def parse_destination(data: Any, problems: ProblemLog) -> HevoDestination | None:
    """Standard `{id, name, type, config}` (3P, §3d); Edge the fixture shape (UNCONFIRMED, §4)."""
    base = _base("destination", data, problems)
    if base is None:
        return None
    where, fields = base
    connector = parse_connector(data, where, problems)
    return HevoDestination(**fields, type=connector.type, config=connector.config)


@dataclass
class HevoFieldMapping:
    """One source field → destination column; `loaded` False for fields that are not in the destination."""

    source: str
    destination: str | None
    loaded: bool


@dataclass
class HevoEventType:
    """A Standard event type: `{name, mapping_status}` (3P, hevo-api §3 table / §3c). Its name is the
    ingested object's name, or a transformation's own output when no object has it."""

    name: str
    mapping_status: str | None


def parse_event_type(data: Any, where: str, problems: ProblemLog) -> HevoEventType | None:
    if not isinstance(data, Mapping) or text(data, "name") is None:
        problems.record("hevo.event_type.no_name", f"{where}: an event type without a name; skipped")
        return None
    return HevoEventType(str(text(data, "name")), status_of(data, where, problems, "mapping_status"))


@dataclass
class HevoSchemaMapping:
    """A Standard schema mapping (`GET /pipelines/{id}/mappings/{event_type}`, 3P §3c)."""

    event_type: str
    destination_table: str | None
    status: str | None
    fields: list[HevoFieldMapping] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def loads_data(self) -> bool:
        return bool(self.destination_table) and self.status not in UNLOADED_MAPPING_STATUSES


def parse_mapping(data: Mapping[str, Any], event_type: str, problems: ProblemLog) -> HevoSchemaMapping:
    where = f"mapping {event_type!r}"
    return HevoSchemaMapping(
        event_type=event_type,
        destination_table=text(data, "destination_table"),  # 3P (§3c), taken as the table Hevo reports
        status=status_of(data, where, problems, "mapping_status"),  # 3P (§3c)
        fields=_standard_fields(data.get("field_mappings"), where, problems),  # 3P (§3c)
        raw=dict(data),
    )


def _entries(value: Any, where: str, problems: ProblemLog) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.record("hevo.fields.wrong_type", f"{where}: fields is a {type(value).__name__}; no column lineage")
        return []
    out = []
    for entry in value:
        if isinstance(entry, Mapping):
            out.append(entry)
        else:
            problems.record("hevo.fields.bad_entry", f"{where}: a field entry is a {type(entry).__name__}; skipped")
    return out


def _standard_fields(value: Any, where: str, problems: ProblemLog) -> list[HevoFieldMapping]:
    """`field_mappings[{source_field, destination_field, ignored}]` (3P §3c): an ignored field, or one
    without a destination field, is not loaded."""
    out: list[HevoFieldMapping] = []
    for entry in _entries(value, where, problems):
        source = text(entry, "source_field")
        if source is None:
            problems.record("hevo.fields.no_source", f"{where}: a field without a source name; skipped")
            continue
        flag = entry.get("ignored")
        ignored = flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")
        destination = text(entry, "destination_field")
        out.append(HevoFieldMapping(source, destination, loaded=not ignored and destination is not None))
    return out


def _edge_fields(value: Any, where: str, problems: ProblemLog) -> list[HevoFieldMapping]:
    """`fields[{source_name, destination_name, status}]` (OFFICIAL §4): loaded only with an allow-listed
    status, or with no status at all (the field list is the object's loaded schema); others counted."""
    out: list[HevoFieldMapping] = []
    for entry in _entries(value, where, problems):
        source = text(entry, "source_name")
        if source is None:
            problems.record("hevo.fields.no_source", f"{where}: a field without a source name; skipped")
            continue
        status = status_of(entry, where, problems)
        destination = text(entry, "destination_name")
        loaded = destination is not None and (status is None or status in LOADED_FIELD_STATUSES)
        if status is not None and status not in LOADED_FIELD_STATUSES:
            problems.record("hevo.unresolved.field_status",
                            f"{where}: field {source!r} status {status!r} is not a loaded status; no column edge")
        out.append(HevoFieldMapping(source, destination, loaded))
    return out


@dataclass
class HevoPipelineObject:
    """A pipeline object: a source table (or SaaS object) replicated into a destination table.

    Standard: addressed by `name` only (3P §3b; the namespace field's name is UNCONFIRMED and not read).
    Edge: `object_id`, `source_namespace` / `destination_namespace {k0 table, k1 schema, k2 database}`,
    and from the detail `destination_table_name` and `fields` (OFFICIAL §4).
    """

    pipeline_id: str
    native_id: str
    name: str
    status: str | None
    last_run_at: datetime | None = None
    last_run_status: str | None = None  # UNCONFIRMED (only workflows are said to have one): optional
    source_namespace: tuple[str | None, str | None, str | None] | None = None  # Edge (k2, k1, k0)
    destination_namespace: tuple[str | None, str | None, str | None] | None = None  # Edge (k2, k1, k0)
    destination_table_name: str | None = None  # Edge detail
    fields: list[HevoFieldMapping] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_edge(self) -> bool:
        return self.source_namespace is not None

    @property
    def has_data(self) -> bool:
        """Skipped, permission-denied, inaccessible and deleted objects never load (no lineage)."""
        return self.status not in NO_DATA_OBJECT_STATUSES


def _namespace(value: Any) -> tuple[str | None, str | None, str | None] | None:
    """Edge namespaces `{k0: table, k1: schema, k2: database}` (OFFICIAL §4) → (database, schema, table)."""
    if not isinstance(value, Mapping):
        return None
    return text(value, "k2"), text(value, "k1"), text(value, "k0")


def parse_object(data: Any, problems: ProblemLog, pipeline_id: str | None = None) -> HevoPipelineObject | None:
    if not isinstance(data, Mapping):
        problems.record("hevo.pipeline_object.not_an_object", f"skipped a pipeline object that is a {type(data).__name__}")
        return None
    pipeline_id = pipeline_id or norm_id(data.get(PIPELINE_KEY))
    edge_id = norm_id(data.get("object_id"))  # OFFICIAL (Edge)
    source_ns = _namespace(data.get("source_namespace"))
    # Standard `name` (3P); Edge detail `object_name` (OFFICIAL), else the source table k0.
    name = text(data, "name") if edge_id is None else (text(data, "object_name") or (source_ns or (None,) * 3)[2])
    if pipeline_id is None or (edge_id is None and name is None):
        problems.record("hevo.pipeline_object.missing_id", f"skipped a pipeline object without a name or id: "
                                                           f"keys {sorted(data)[:8]}")
        return None
    name = name or str(edge_id)
    where = f"pipeline {pipeline_id} object {name}"
    obj = HevoPipelineObject(
        pipeline_id=pipeline_id,
        native_id=edge_id or f"{pipeline_id}:{name}",
        name=name,
        status=status_of(data, where, problems, known=OBJECT_STATUSES),  # 3P (Standard), OFFICIAL (Edge)
        last_run_at=timestamp(data, where, problems, "last_run_ts"),  # 3P (Standard §3b, epoch ms)
        last_run_status=status_of(data, where, problems, "last_run_status"),
        raw=dict(data),
    )
    if edge_id is not None:
        obj.source_namespace = source_ns or (None, None, None)
        obj.destination_namespace = _namespace(data.get("destination_namespace"))
        obj.destination_table_name = text(data, "destination_table_name")
        obj.fields = _edge_fields(data.get("fields"), where, problems)
    return obj


@dataclass
class HevoModel(HevoRecord):
    source_query: str | None = None
    output_table: str | None = None
    destination: HevoConnector = field(default_factory=_no_connector)
    last_run_at: datetime | None = None
    last_run_status: str | None = None


def parse_model(data: Any, problems: ProblemLog) -> HevoModel | None:
    """Model read fields (3P §3e): id, name, status, source_query, output_table, last_run_ts,
    destination.config. `destination.{id,name,type}` UNCONFIRMED: fallback `source_destination_id` (3P,
    create body)."""
    base = _base("model", data, problems)
    if base is None:
        return None
    where, fields = base
    destination = parse_connector(data.get("destination"), f"{where} destination", problems)
    if destination.id is None:
        destination.id = norm_id(data.get("source_destination_id"))
    query = data.get("source_query")
    if query is not None and not isinstance(query, str):
        problems.record("hevo.model.bad_source_query", f"{where}: source_query is a {type(query).__name__}; ignored")
        query = None
    # output_table 3P (read); destination_table_details.table_name 3P (create body) as its fallback.
    output = text(data, "output_table") or text(as_dict(data.get("destination_table_details")), "table_name")
    return HevoModel(**fields, source_query=query or None, output_table=output, destination=destination,
                     last_run_at=timestamp(data, where, problems, "last_run_ts"),
                     last_run_status=status_of(data, where, problems, "last_run_status"))  # UNCONFIRMED


@dataclass
class HevoWorkflow(HevoRecord):
    last_run_status: str | None = None
    last_run_at: datetime | None = None


def parse_workflow(data: Any, problems: ProblemLog) -> HevoWorkflow | None:
    """Workflow fields are all UNCONFIRMED (§3f: hevo-assistant shows `last_run_status`)."""
    base = _base("workflow", data, problems)
    if base is None:
        return None
    where, fields = base
    return HevoWorkflow(**fields, last_run_status=status_of(data, where, problems, "last_run_status"),
                        last_run_at=timestamp(data, where, problems, "last_run_ts"))


@dataclass
class HevoJob:
    """An Edge job (OFFICIAL §4): one run of a pipeline."""

    pipeline_id: str
    job_id: str
    status: str | None
    type: str | None
    created_at: datetime | None
    updated_at: datetime | None
    duration_ms: int | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def parse_job(data: Any, problems: ProblemLog, pipeline_id: str | None = None) -> HevoJob | None:
    if not isinstance(data, Mapping):
        problems.record("hevo.job.invalid", "skipped a job that is not an object")
        return None
    pid, job_id = pipeline_id or norm_id(data.get(PIPELINE_KEY)), norm_id(data.get("job_id"))
    if not pid or not job_id:
        problems.record("hevo.job.invalid", "skipped a job without pipeline or job id")
        return None
    where = f"job {job_id}"
    duration = data.get("duration")
    return HevoJob(
        pipeline_id=pid, job_id=job_id,
        status=status_of(data, where, problems),
        type=upper(data.get("type")),
        created_at=timestamp(data, where, problems, "created_ts"),
        updated_at=timestamp(data, where, problems, "updated_ts"),
        duration_ms=int(duration) if isinstance(duration, (int, float)) and not isinstance(duration, bool) else None,
        raw=dict(data),
    )
