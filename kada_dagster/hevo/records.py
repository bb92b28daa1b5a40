"""Typed records for Hevo Standard and Edge API objects, parsed tolerantly from the payload.

Every payload field read here carries its evidence from /work/shared/reference/hevo-api.md:
OFFICIAL (api-docs / docs.hevodata.com / the hevoio GitHub org), 3P (third-party code) or UNCONFIRMED
(then the parser tolerates its absence and the caller has a tested fallback). A record says what the
payload says; what it means for K (table names, folding, statuses) is decided in `normalise.py`. Pipeline objects and their
mappings (what an object carries to the destination) are in `objects.py`.
`raw` keeps the API object for `properties` (redacted before it is stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
        destination = replace(destination, id=norm_id(data.get("source_destination_id")))
    query = data.get("source_query")
    if query is not None and not isinstance(query, str):
        problems.record("hevo.model.bad_source_query", f"{where}: source_query is a {type(query).__name__}; ignored")
        query = None
    # output_table 3P (read); destination_table_details.table_name 3P (create body) as its fallback.
    output = text(data, "output_table") or text(as_dict(data.get("destination_table_details")), "table_name")
    return HevoModel(**fields, source_query=query or None, output_table=output, destination=destination,
                     last_run_at=timestamp(data, where, problems, "last_run_ts"),
                     last_run_status=status_of(data, where, problems, "last_run_status"))  # UNCONFIRMED


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
