"""Typed records for Hightouch API objects, parsed tolerantly, each field with its evidence.

Evidence marks refer to /work/shared/reference/hightouch-api.md (the "reference"): OFFICIAL = SPEC26
(Hightouch's OpenAPI) unless said otherwise, 3P = third-party code (DataHub "DH", PostHog "PH",
dagster-hightouch "DAG", Airflow provider "AF"), UNCONFIRMED = no source establishes it, with the fallback
the code takes. Ids are numbers in SPEC26 and strings in SPEC22 (§1.3): both normalise to `str`. Parsing
keeps every object it can and counts what it had to tolerate instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kada_dagster.core.extract.references import WarehouseLocation, config_text
from kada_dagster.core.extract.rows import object_id
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.records import as_dict, as_str, norm_id, require_id
from kada_dagster.core.timeutil import parse_ts

# OFFICIAL (§1.3 queryType: custom, raw_sql, table (spec typo "tabel", DH/PH "table"), dbt, visual);
# "dbt_cloud" is UNCONFIRMED as a queryType string: dbt Cloud models are recognised by their `dbt_cloud` object.
QUERY_TYPES = frozenset({"raw_sql", "table", "dbt", "dbt_cloud", "visual", "custom"})


@dataclass(frozen=True)
class HightouchObject:
    """Fields every Hightouch object has; `raw` keeps the API object for `properties` (redacted there)."""

    id: str  # OFFICIAL: id* (number; string in SPEC22)
    name: str | None  # OFFICIAL: name* (not on syncs: §1.3 "A sync has no name field")
    slug: str | None  # OFFICIAL: slug*
    workspace_id: str | None  # OFFICIAL: workspaceId*; the workspace is derived from it (§1.1, no workspaces endpoint)
    created_at: datetime | None  # OFFICIAL: createdAt*
    updated_at: datetime | None  # OFFICIAL: updatedAt*
    raw: dict[str, Any] = field(repr=False)

    @staticmethod
    def base_fields(data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "name": as_str(data.get("name")),
            "slug": as_str(data.get("slug")),
            "workspace_id": norm_id(data.get("workspaceId")),
            "created_at": parse_ts(data.get("createdAt")),
            "updated_at": parse_ts(data.get("updatedAt")),
            "raw": dict(data),
        }


@dataclass(frozen=True)
class HightouchSource(HightouchObject):
    type: str | None = None  # OFFICIAL: type* (snowflake, postgres, bigquery, ...): the SQL platform
    # OFFICIAL: configuration* free-form ("Consumers should NOT make assumptions"); read only for the
    # source's location below, as contract §5 allows for sources (unmapped = best guess, mapped=false).
    configuration: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def location(self) -> WarehouseLocation:
        """Where the source's warehouse is, as far as its configuration says (a best guess, unmapped)."""
        config = self.configuration
        return WarehouseLocation(
            # OFFICIAL: SPEC26 postgres example `host`, `database`; 3P: DH reads configuration.database /
            # .schema. BigQuery `project` / `dataset` (UNCONFIRMED keys): the project is its address.
            host=config_text(config, "host", "project"),
            database=config_text(config, "database", "project"),
            schema=config_text(config, "schema", "dataset"),
            account=config_text(config, "account"),  # UNCONFIRMED: Snowflake account key; absent = no host
            region=config_text(config, "region"),  # UNCONFIRMED
        )


@dataclass(frozen=True)
class HightouchDestination(HightouchObject):
    type: str | None = None  # OFFICIAL: type* (salesforce, hubspot, webhook, ...)
    # OFFICIAL: configuration* free-form; kept for `properties` only, never read for identity (issue 8 case 4).


@dataclass(frozen=True)
class HightouchDbtModel:
    """`dbt` or `dbt_cloud` of a model (OFFICIAL §1.3); dbt Cloud has no database/schema."""

    cloud: bool
    unique_id: str | None  # OFFICIAL: dbtUniqueId*
    compiled_sql: str | None  # OFFICIAL: compiledSql*
    raw_sql: str | None  # OFFICIAL: rawSql*
    name: str | None  # OFFICIAL: name*
    database: str | None  # OFFICIAL on `dbt` only: database* (the table the dbt model builds)
    schema: str | None  # OFFICIAL on `dbt` only: schema*


@dataclass(frozen=True)
class HightouchModel(HightouchObject):
    source_id: str | None = None  # OFFICIAL: sourceId*
    query_type: str | None = None  # OFFICIAL: queryType* (see QUERY_TYPES)
    description: str | None = None  # OFFICIAL: description*
    is_schema: bool = False  # OFFICIAL: isSchema*
    tags: dict[str, Any] = field(default_factory=dict)  # OFFICIAL: tags* {str: str}
    raw_sql: str | None = None  # OFFICIAL: raw.sql
    table_name: str | None = None  # OFFICIAL: table.name (whether it is qualified is UNCONFIRMED: both read)
    dbt: HightouchDbtModel | None = None  # OFFICIAL: dbt or dbt_cloud object
    parent_id: str | None = None  # OFFICIAL: visual.parentId
    visual_filter: Any = None  # OFFICIAL: visual.filter* (any): its shape is UNCONFIRMED
    custom_query: Any = None  # OFFICIAL: custom.query (opaque)
    primary_key: str | None = None  # OFFICIAL: primaryKey* ("null if the query doesn't get directly synced")


@dataclass(frozen=True)
class HightouchSync(HightouchObject):
    model_id: str | None = None  # OFFICIAL: modelId*
    destination_id: str | None = None  # OFFICIAL: destinationId*
    status: str | None = None  # OFFICIAL: status* SyncStatus
    disabled: bool = False  # OFFICIAL: disabled*
    # OFFICIAL: lastRunAt* date-time|null; whether it is the last run's start or finish is UNCONFIRMED,
    # and servers may omit it: `last_run_state` says which ("ok", "missing", "null", "unreadable").
    last_run_at: datetime | None = None
    last_run_state: str = "missing"
    configuration: dict[str, Any] = field(default_factory=dict, repr=False)  # OFFICIAL: configuration*
    referenced_columns: frozenset[str] | None = None  # OFFICIAL: referencedColumns* (model columns used)
    primary_key: str | None = None  # OFFICIAL: primaryKey* str (the model column the sync matches rows on)
    tags: dict[str, Any] = field(default_factory=dict)  # OFFICIAL in SPEC26 only: tags


@dataclass(frozen=True)
class RowCounts:
    """`plannedRows` / `successfulRows` / `failedRows` (OFFICIAL: each {addedCount*, changedCount*,
    removedCount*}); a key the server left out is None, never 0."""

    added: int | None
    changed: int | None
    removed: int | None

    @property
    def total(self) -> int | None:
        """The sum when every part is known; else unknown."""
        if self.added is None or self.changed is None or self.removed is None:
            return None
        return self.added + self.changed + self.removed


NO_COUNTS = RowCounts(None, None, None)


@dataclass(frozen=True)
class HightouchSyncRun:
    id: str  # OFFICIAL: id*; unique only within its sync (UNCONFIRMED across syncs: keyed by (sync, run))
    sync_id: str  # attached by the client: a run has no syncId (OFFICIAL §1.3, PH does the same)
    created_at: datetime | None  # OFFICIAL: createdAt* (can precede startedAt when the run is queued)
    started_at: datetime | None  # OFFICIAL: startedAt*; null on queued runs is UNCONFIRMED: routed by createdAt
    finished_at: datetime | None  # OFFICIAL: finishedAt*; null/absent while running is UNCONFIRMED (DH Optional)
    status: str | None  # OFFICIAL: status* SyncRunStatus
    query_size: int | None  # OFFICIAL: querySize* (rows, not bytes)
    planned: RowCounts  # OFFICIAL: plannedRows*
    successful: RowCounts  # OFFICIAL: successfulRows*
    failed: RowCounts  # OFFICIAL: failedRows*
    completion_ratio: float | None  # OFFICIAL: completionRatio*
    error: str | None  # OFFICIAL: error? (free text)
    raw: dict[str, Any] = field(repr=False)

    @property
    def routed_at(self) -> datetime | None:
        """The time that puts the run in a partition: its start, or its creation while it has none."""
        return self.started_at or self.created_at


def _count(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def parse_counts(value: Any) -> RowCounts:
    if not isinstance(value, Mapping):
        return NO_COUNTS
    return RowCounts(_count(value.get("addedCount")), _count(value.get("changedCount")),
                     _count(value.get("removedCount")))


def parse_source(data: Any, problems: ProblemLog) -> HightouchSource | None:
    object_id = require_id("hightouch", "source", data, problems)
    if object_id is None:
        return None
    return HightouchSource(id=object_id, **HightouchObject.base_fields(data), type=as_str(data.get("type")),
                    configuration=as_dict(data.get("configuration")))


def parse_destination(data: Any, problems: ProblemLog) -> HightouchDestination | None:
    object_id = require_id("hightouch", "destination", data, problems)
    if object_id is None:
        return None
    return HightouchDestination(id=object_id, **HightouchObject.base_fields(data), type=as_str(data.get("type")))


def _parse_dbt(data: Mapping[str, Any]) -> HightouchDbtModel | None:
    for key, cloud in (("dbt", False), ("dbt_cloud", True)):  # OFFICIAL: model.dbt / model.dbt_cloud
        obj = data.get(key)
        if isinstance(obj, Mapping):
            return HightouchDbtModel(
                cloud=cloud,
                unique_id=as_str(obj.get("dbtUniqueId")),
                compiled_sql=as_str(obj.get("compiledSql")) or None,
                raw_sql=as_str(obj.get("rawSql")) or None,
                name=as_str(obj.get("name")) or None,
                database=None if cloud else (as_str(obj.get("database")) or None),
                schema=None if cloud else (as_str(obj.get("schema")) or None),
            )
    return None


def lineage_kind(model: HightouchModel) -> str | None:
    """The model's kind for lineage: dbt Cloud by its `dbt_cloud` object (its queryType string is UNCONFIRMED)."""
    if model.dbt is not None:
        return "dbt_cloud" if model.dbt.cloud else "dbt"
    return model.query_type


def _column_name(value: Any) -> str | None:
    """A column name field (`primaryKey`): a non-empty string, else None."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_model(data: Any, problems: ProblemLog) -> HightouchModel | None:
    object_id = require_id("hightouch", "model", data, problems)
    if object_id is None:
        return None
    query_type = as_str(data.get("queryType"))
    dbt = _parse_dbt(data)
    if query_type not in QUERY_TYPES and dbt is None:
        problems.record("hightouch.model.unknown_query_type",
                        f"model {object_id} has queryType {query_type!r}; kept, linked to its source only")
    tags = data.get("tags")
    if tags is not None and not isinstance(tags, Mapping):
        problems.record("hightouch.model.bad_tags", f"model {object_id}: tags is a {type(tags).__name__}, ignored")
    return HightouchModel(
        id=object_id,
        **HightouchObject.base_fields(data),
        source_id=norm_id(data.get("sourceId")),
        query_type=query_type,
        description=as_str(data.get("description")),
        is_schema=data.get("isSchema") is True,
        tags=dict(tags) if isinstance(tags, Mapping) else {},
        raw_sql=as_str(as_dict(data.get("raw")).get("sql")) or None,
        table_name=as_str(as_dict(data.get("table")).get("name")) or None,
        dbt=dbt,
        parent_id=norm_id(as_dict(data.get("visual")).get("parentId")),
        visual_filter=as_dict(data.get("visual")).get("filter"),
        custom_query=as_dict(data.get("custom")).get("query"),
        primary_key=_column_name(data.get("primaryKey")),
    )


def parse_sync(data: Any, problems: ProblemLog) -> HightouchSync | None:
    object_id = require_id("hightouch", "sync", data, problems)
    if object_id is None:
        return None
    tags = data.get("tags")
    if "lastRunAt" not in data:
        last_run, state = None, "missing"
    elif data.get("lastRunAt") in (None, ""):
        last_run, state = None, "null"
    else:
        last_run = parse_ts(data.get("lastRunAt"))
        state = "ok" if last_run is not None else "unreadable"
        if last_run is None:
            problems.record("hightouch.sync.bad_timestamp",
                            f"sync {object_id}: lastRunAt {data.get('lastRunAt')!r} unreadable")
    referenced = data.get("referencedColumns")
    return HightouchSync(
        id=object_id,
        **HightouchObject.base_fields(data),
        model_id=norm_id(data.get("modelId")),
        destination_id=norm_id(data.get("destinationId")),
        status=as_str(data.get("status")),
        disabled=data.get("disabled") is True,
        last_run_at=last_run,
        last_run_state=state,
        configuration=as_dict(data.get("configuration")),
        referenced_columns=frozenset(c for c in referenced if isinstance(c, str))
        if isinstance(referenced, list) else None,
        primary_key=_column_name(data.get("primaryKey")),
        tags=dict(tags) if isinstance(tags, Mapping) else {},
    )


def parse_run(data: Any, sync_id: str, problems: ProblemLog) -> HightouchSyncRun | None:
    run_id = require_id("hightouch", "sync_run", data, problems)
    if run_id is None:
        return None
    status = data.get("status")
    error = data.get("error")
    ratio = data.get("completionRatio")
    return HightouchSyncRun(
        id=run_id,
        sync_id=sync_id,
        created_at=parse_ts(data.get("createdAt")),
        started_at=parse_ts(data.get("startedAt")),
        finished_at=parse_ts(data.get("finishedAt")),
        status=status if isinstance(status, str) else None,
        query_size=_count(data.get("querySize")),
        planned=parse_counts(data.get("plannedRows")),
        successful=parse_counts(data.get("successfulRows")),
        failed=parse_counts(data.get("failedRows")),
        completion_ratio=float(ratio) if isinstance(ratio, (int, float)) and not isinstance(ratio, bool) else None,
        error=error if isinstance(error, str) else None,
        raw=dict(data),
    )


SOURCE_TYPE = "hightouch"


def oid(object_type: str, native_id: Any) -> str:
    return object_id(SOURCE_TYPE, object_type, native_id)
