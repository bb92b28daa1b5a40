"""Hightouch as a collector source: what to fetch for a window, and how it becomes K extract rows.

Lineage per model `queryType` (reference section 4): `table` → the qualified table; `raw_sql` → tables
parsed from the SQL in the source's dialect; `dbt` → dbt.database.schema.name; `visual` → its parent
model; `custom` (and anything unknown) → its source only. Then model → destination object via the
sync, and column edges from `configuration.mappings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kada_dagster.core.extract.masking import dialect_for, mask_sql, mask_text
from kada_dagster.core.extract.redaction import redact
from kada_dagster.core.extract.references import (
    Reference,
    SqlParseError,
    resolve_reference,
    split_table_name,
    tables_in_sql,
)
from kada_dagster.core.extract.rows import (
    Endpoint,
    as_int,
    compact_json,
    duration_seconds,
    metadata_row,
    object_id,
)
from kada_dagster.core.extract.tables import ExtractTables
from kada_dagster.core.http import NotFoundError
from kada_dagster.core.records import fetch_collections, norm_id, unwrap
from kada_dagster.core.source import (
    CollectorSource,
    EventRouter,
    ExtractResult,
    FetchContext,
    NormaliseContext,
    RawPartition,
)
from kada_dagster.core.timeutil import iso, iso_ts, parse_ts
from kada_dagster.hightouch.records import (
    HtDestination,
    HtModel,
    HtSource,
    HtSync,
    parse_destination,
    parse_model,
    parse_source,
    parse_sync,
)

SOURCE_TYPE = "hightouch"

# SyncRunStatus → contract status; anything else is judged from finishedAt/error and counted.
RUN_STATUS = {
    "success": "SUCCESS",
    "warning": "WARNING",
    "failed": "FAILED",
    "interrupted": "FAILED",
    "aborted": "FAILED",
    "cancelled": "CANCELLED",
    "canceled": "CANCELLED",
    "queued": "QUEUED",
    "pending": "QUEUED",
    "querying": "RUNNING",
    "processing": "RUNNING",
    "reporting": "RUNNING",
    "skipped": "SKIPPED",
}

# Where a sync's configuration names the destination object, in the order DataHub checks them.
OBJECT_KEYS = ("object", "tableName", "table", "destinationTable", "objectName")


def oid(object_type: str, native_id: Any) -> str:
    return object_id(SOURCE_TYPE, object_type, native_id)


def destination_object_name(sync: HtSync, destination: HtDestination | None) -> str:
    """The object a sync writes to: configuration.object and friends, eventName for event syncs."""
    config = sync.configuration

    def pick(value: Any) -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, Mapping):
            for key in ("from", "name"):
                if isinstance(value.get(key), str) and value[key].strip():
                    return value[key].strip()
        return None

    if config.get("type") == "event" and pick(config.get("eventName")):
        return pick(config.get("eventName")) or ""
    for key in OBJECT_KEYS:
        name = pick(config.get(key))
        if name:
            return name
    if pick(config.get("eventName")):
        return pick(config.get("eventName")) or ""
    return (destination.slug if destination and destination.slug else None) or f"{sync.slug or sync.id}_destination"


def column_mappings(sync: HtSync) -> list[tuple[str, str]]:
    """(model column, destination field) pairs from `mappings` and `externalIdMapping`."""
    pairs: list[tuple[str, str]] = []
    config = sync.configuration
    entries: list[Any] = []
    for key in ("mappings", "fieldMappings", "columnMappings"):
        if isinstance(config.get(key), list):
            entries.extend(config[key])
    if isinstance(config.get("externalIdMapping"), Mapping):
        entries.append(config["externalIdMapping"])
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        source, target = entry.get("from"), entry.get("to")
        if isinstance(source, Mapping):
            source = source.get("column") or source.get("name")
        if isinstance(source, str) and isinstance(target, str) and source and target:
            pairs.append((source, target))
    return sorted(set(pairs))


class HightouchSource(CollectorSource):
    source_type = SOURCE_TYPE
    display_name = "Hightouch"
    metadata_collections = ("sources", "models", "destinations", "syncs")
    event_collections = ("sync_runs",)

    def created_at(self, collection: str, record: Mapping[str, Any]) -> datetime | None:
        return parse_ts(record.get("createdAt")) if isinstance(record, Mapping) else None

    # --- fetch ---------------------------------------------------------------------------------
    def fetch(self, client: Any, ctx: FetchContext, events: EventRouter) -> dict[str, list[Any]]:
        listers = {
            "sources": client.list_sources,
            "models": client.list_models,
            "destinations": client.list_destinations,
            "syncs": client.list_syncs,
        }
        metadata = fetch_collections(client.http, listers, SOURCE_TYPE, ctx.problems)
        self._fetch_missing_references(client, ctx, metadata)

        window_start, window_end = ctx.start, ctx.end
        eligible: list[str] = []
        for sync in metadata["syncs"]:
            sync_id = norm_id(sync.get("id"))
            last_run = parse_ts(sync.get("lastRunAt"))
            # A sync that has not run since the window started cannot have runs in it.
            if sync_id and last_run is not None and last_run >= window_start:
                eligible.append(sync_id)

        def fetch_runs(sync_id: str) -> int:
            try:
                runs = client.list_sync_runs(sync_id, window_start, window_end)
            except NotFoundError:
                ctx.problems.record("hightouch.sync_runs.sync_not_found",
                                    f"sync {sync_id} disappeared before its runs were read (404); skipped")
                return 0
            routed = []
            for run in runs:
                if not isinstance(run, Mapping) or norm_id(run.get("id")) is None:
                    ctx.problems.record("hightouch.sync_run.invalid", f"sync {sync_id}: skipped a run without an id")
                    continue
                record = redact(run)
                record["syncId"] = sync_id  # runs do not carry their sync (reference 1.3)
                routed.append((record, parse_ts(run.get("startedAt"))))
            return events.add_many("sync_runs", routed)

        counts = client.http.map_concurrent(fetch_runs, eligible)
        ctx.log.info(f"hightouch: {sum(counts)} runs from {len(eligible)} of {len(metadata['syncs'])} syncs "
                     f"that ran since {iso(window_start)}")
        return metadata

    def _fetch_missing_references(self, client: Any, ctx: FetchContext, metadata: dict[str, list[Any]]) -> None:
        """GETs objects that syncs or models reference but the lists did not return; 404s are skipped."""
        known = {name: {norm_id(r.get("id")) for r in records} for name, records in metadata.items()}
        wanted: set[tuple[str, str]] = set()
        for sync in metadata["syncs"]:
            for collection, key in (("models", "modelId"), ("destinations", "destinationId")):
                ref = norm_id(sync.get(key))
                if ref and ref not in known[collection]:
                    wanted.add((collection, ref))
        for model in metadata["models"]:
            ref = norm_id(model.get("sourceId"))
            if ref and ref not in known["sources"]:
                wanted.add(("sources", ref))
            parent = norm_id((model.get("visual") or {}).get("parentId")) if isinstance(model.get("visual"), Mapping) else None
            if parent and parent not in known["models"]:
                wanted.add(("models", parent))

        def get(item: tuple[str, str]) -> tuple[str, Any]:
            collection, ref = item
            try:
                return collection, client.get_object(collection, ref)
            except NotFoundError:
                ctx.problems.record(f"hightouch.{collection}.referenced_not_found",
                                    f"{collection[:-1]} {ref} is referenced but answers 404; skipped")
                return collection, None

        for collection, body in client.http.map_concurrent(get, sorted(wanted)):
            body = unwrap(body)
            if isinstance(body, Mapping):
                metadata[collection].append(redact(body))

    # --- normalise -----------------------------------------------------------------------------
    def normalise(self, raw: RawPartition, ctx: NormaliseContext) -> ExtractResult:
        problems = ctx.problems
        sources = {s.id: s for s in (parse_source(r, problems) for r in raw.stream("sources")) if s}
        destinations = {d.id: d for d in (parse_destination(r, problems) for r in raw.stream("destinations")) if d}
        models = {m.id: m for m in (parse_model(r, problems) for r in raw.stream("models")) if m}
        syncs = {s.id: s for s in (parse_sync(r, problems) for r in raw.stream("syncs")) if s}
        builder = _HightouchTables(ctx, sources, destinations, models, syncs)
        builder.build_metadata()
        builder.build_lineage()
        builder.build_events(raw.stream("sync_runs"))
        return builder.result()


class _HightouchTables(ExtractTables):
    """Builds one partition's four tables from parsed records."""

    def __init__(self, ctx: NormaliseContext, sources: dict[str, HtSource], destinations: dict[str, HtDestination],
                 models: dict[str, HtModel], syncs: dict[str, HtSync]) -> None:
        super().__init__(ctx, SOURCE_TYPE)
        self.sources, self.destinations, self.models, self.syncs = sources, destinations, models, syncs
        self.references: dict[str, Reference] = {
            s.id: resolve_reference(s.name, s.type, s.configuration, self.settings.mapping) for s in sources.values()
        }

    def _properties(self, obj: Any, drop: tuple[str, ...]) -> dict[str, Any]:
        return {k: v for k, v in redact(obj.raw).items() if k not in drop}

    def _mask_sql(self, sql: str | None, source: HtSource | None) -> str | None:
        return mask_sql(sql, _dialect_name(source)) if self.settings.mask else sql

    # metadata ---------------------------------------------------------------------------------
    def build_metadata(self) -> None:
        workspaces = sorted({o.workspace_id for group in (self.sources, self.destinations, self.models, self.syncs)
                             for o in group.values() if o.workspace_id})
        for workspace in workspaces:
            self.metadata.add(metadata_row(object_id=oid("workspace", workspace), object_type="workspace",
                                           name=f"Hightouch workspace {workspace}", qualified_name=workspace))
        common_drop = ("id", "name", "slug", "createdAt", "updatedAt", "description", "tags")
        for s in self.sources.values():
            self.metadata.add(metadata_row(
                object_id=oid("source", s.id), object_type="source", name=s.name, qualified_name=s.slug,
                parent_id=oid("workspace", s.workspace_id) if s.workspace_id else None,
                reference=self.references[s.id], properties=self._properties(s, common_drop),
                created_at=iso(s.created_at), updated_at=iso(s.updated_at)))
        for d in self.destinations.values():
            self.metadata.add(metadata_row(
                object_id=oid("destination", d.id), object_type="destination", name=d.name, qualified_name=d.slug,
                parent_id=oid("workspace", d.workspace_id) if d.workspace_id else None,
                properties=self._properties(d, common_drop),
                created_at=iso(d.created_at), updated_at=iso(d.updated_at)))
        for m in self.models.values():
            source = self.sources.get(m.source_id or "")
            reference = self.references.get(m.source_id or "")
            schema = None
            if m.query_type == "table" and m.table_name and reference:
                schema = split_table_name(m.table_name, reference.database, reference.schema).schema
            elif m.query_type == "dbt" and m.dbt.get("schema"):
                schema = str(m.dbt["schema"])
            self.metadata.add(metadata_row(
                object_id=oid("model", m.id), object_type="model", name=m.name, qualified_name=m.slug,
                parent_id=oid("source", m.source_id) if m.source_id else None,
                reference=reference, schema=schema, description=m.description, status=m.query_type,
                tags=m.tags, definition=self._definition(m, source),
                properties=self._model_properties(m, common_drop),
                created_at=iso(m.created_at), updated_at=iso(m.updated_at)))
            sql = m.raw_sql if m.query_type == "raw_sql" else _dbt_sql(m) if m.query_type in ("dbt", "dbt_cloud") else None
            if sql:
                self.databaselog.add({
                    "log_id": f"{SOURCE_TYPE}:model_query:{m.id}",
                    "object_id": oid("model", m.id),
                    "host": reference.host if reference else None,
                    "database": reference.database if reference else None,
                    "schema": (reference.schema or None) if reference else None,
                    "query_type": m.query_type,
                    "query_text": self._mask_sql(sql, source),
                    "captured_at": iso(m.updated_at or m.created_at),
                })
        for s in self.syncs.values():
            self.metadata.add(metadata_row(
                object_id=oid("sync", s.id), object_type="sync", name=s.slug or s.id, qualified_name=s.slug,
                parent_id=oid("model", s.model_id) if s.model_id in self.models else None,
                status="disabled" if s.disabled and s.status != "disabled" else s.status, tags=s.tags,
                properties=self._properties(s, common_drop),
                created_at=iso(s.created_at), updated_at=iso(s.updated_at)))

    def _model_properties(self, model: HtModel, drop: tuple[str, ...]) -> dict[str, Any]:
        """Model fields without the query text: SQL lives in `definition`, masked; so do custom queries."""
        props = self._properties(model, (*drop, "raw", "custom"))
        for key in ("dbt", "dbt_cloud", "dbtCloud"):
            if isinstance(props.get(key), Mapping):
                props[key] = {k: v for k, v in props[key].items() if k not in ("compiledSql", "rawSql")}
        if isinstance(props.get("visual"), Mapping) and self.settings.mask:
            props["visual"] = {k: v for k, v in props["visual"].items() if k != "filter"}  # filters hold values
        return props

    def _definition(self, model: HtModel, source: HtSource | None) -> str | None:
        if model.query_type == "raw_sql":
            return self._mask_sql(model.raw_sql, source)
        if model.query_type in ("dbt", "dbt_cloud"):
            return self._mask_sql(_dbt_sql(model), source)
        if model.query_type == "table":
            return model.table_name
        if model.query_type == "custom" and model.custom_query is not None:
            text = compact_json(redact(model.custom_query)) if not isinstance(model.custom_query, str) else model.custom_query
            return mask_text(text) if self.settings.mask else text
        return None

    # lineage ----------------------------------------------------------------------------------
    def _table_endpoint(self, source: HtSource | None, database: str, schema: str, name: str) -> Endpoint:
        reference = self.references.get(source.id) if source else None
        reference = reference or Reference("", "", "", False)
        if source:
            self.note_unmapped(source.name or source.id, source.type, reference)
        return Endpoint.external("table", reference, name, schema=schema or None, database=database or None)

    def build_lineage(self) -> None:
        for m in self.models.values():
            source = self.sources.get(m.source_id or "")
            reference = self.references.get(m.source_id or "") or Reference("", "", "", False)
            downstream = self.own("model", m.id)
            if m.query_type == "table" and m.table_name:
                table = split_table_name(m.table_name, reference.database, reference.schema)
                self.edge(self._table_endpoint(source, table.database, table.schema, table.name), downstream)
            elif m.query_type == "raw_sql" and m.raw_sql:
                try:
                    tables = tables_in_sql(m.raw_sql, source.type if source else None, reference.database, reference.schema)
                except SqlParseError as exc:
                    self.problems.record("hightouch.model.sql_unparsed", f"model {m.id}: SQL not parsed ({exc}); "
                                                                         "linked to its source only")
                    tables = []
                for t in tables:
                    self.edge(self._table_endpoint(source, t.database, t.schema, t.name), downstream)
                if not tables and source:
                    self.edge(self.own("source", source.id), downstream)
            elif m.query_type in ("dbt", "dbt_cloud") and (m.dbt.get("name") or m.dbt.get("compiledSql")):
                if m.dbt.get("name") and (m.dbt.get("database") or m.dbt.get("schema") or m.query_type == "dbt"):
                    self.edge(self._table_endpoint(source, str(m.dbt.get("database") or reference.database),
                                                    str(m.dbt.get("schema") or reference.schema), str(m.dbt["name"])),
                               downstream)
                elif m.dbt.get("compiledSql"):  # dbt Cloud models carry no database/schema
                    try:
                        tables = tables_in_sql(str(m.dbt["compiledSql"]), source.type if source else None,
                                               reference.database, reference.schema)
                    except SqlParseError:
                        tables = []
                    for t in tables:
                        self.edge(self._table_endpoint(source, t.database, t.schema, t.name), downstream)
            elif m.query_type == "visual" and m.parent_id:
                if m.parent_id in self.models:
                    self.edge(self.own("model", m.parent_id), downstream)
                else:
                    self.problems.record("hightouch.model.parent_missing",
                                         f"visual model {m.id}: parent model {m.parent_id} not found; no edge")
            elif source:  # custom, Looker/Sigma and unknown query types: linked to their source only
                self.edge(self.own("source", source.id), downstream)
        for s in self.syncs.values():
            if s.model_id not in self.models:
                if s.model_id:
                    self.problems.record("hightouch.sync.model_missing",
                                         f"sync {s.id}: model {s.model_id} not found; no lineage for it")
                continue
            destination = self.destinations.get(s.destination_id or "")
            if destination is None:
                self.problems.record("hightouch.sync.destination_missing",
                                     f"sync {s.id}: destination {s.destination_id} not found; no lineage for it")
                continue
            reference = resolve_reference(destination.name, destination.type, destination.configuration,
                                          self.settings.mapping)
            if not reference.host:
                reference = Reference(destination.type or "", destination.name or "", "", reference.mapped)
            target = Endpoint.external("destination_object", reference, destination_object_name(s, destination))
            upstream = self.own("model", s.model_id)
            via = oid("sync", s.id)
            self.edge(upstream, target, via_object_id=via)
            for model_column, destination_field in column_mappings(s):
                self.edge(upstream, target, via_object_id=via,
                           upstream_column=model_column, downstream_column=destination_field)

    # events -----------------------------------------------------------------------------------
    def build_events(self, runs: Any) -> None:
        mask = self.settings.mask
        for run in runs:
            sync_id = norm_id(run.get("syncId"))
            run_id = norm_id(run.get("id"))
            if not sync_id or not run_id:
                self.problems.record("hightouch.sync_run.invalid", "skipped a run without sync or run id")
                continue
            native = run.get("status")
            status = RUN_STATUS.get(str(native).lower()) if isinstance(native, str) else None
            started_raw, finished_raw = run.get("startedAt"), run.get("finishedAt")
            started, finished = parse_ts(started_raw), parse_ts(finished_raw)
            error = run.get("error") if isinstance(run.get("error"), str) else None
            if status is None:
                status = "RUNNING" if finished is None else ("FAILED" if error else "WARNING")
                self.problems.record("hightouch.sync_run.unknown_status",
                                     f"run {run_id} of sync {sync_id}: status {native!r} read as {status}")
            successful, failed = _counts(run.get("successfulRows")), _counts(run.get("failedRows"))
            self.events.add({
                "event_id": f"{SOURCE_TYPE}:sync_run:{sync_id}:{run_id}",
                "object_id": oid("sync", sync_id),
                "event_type": "sync_run",
                "status": status,
                "native_status": native if isinstance(native, str) else None,
                "started_at": iso_ts(started_raw, started) if started else None,
                "finished_at": iso_ts(finished_raw, finished) if finished else None,
                "duration_seconds": duration_seconds(started, finished),
                "rows_added": successful.get("addedCount"),
                "rows_changed": successful.get("changedCount"),
                "rows_removed": successful.get("removedCount"),
                "rows_failed": sum(v for v in failed.values() if v is not None) if failed else None,
                "rows_total": as_int(run.get("querySize")),
                "error_message": mask_text(error) if mask else error,
                "properties": compact_json({k: run.get(k) for k in ("createdAt", "plannedRows", "completionRatio")
                                            if run.get(k) is not None}),
            })


def _counts(value: Any) -> dict[str, int | None]:
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, int | None] = {}
    for key in ("addedCount", "changedCount", "removedCount"):
        count = value.get(key)
        out[key] = count if type(count) is int else as_int(count)
    return out


def _dbt_sql(model: HtModel) -> str | None:
    sql = model.dbt.get("compiledSql") or model.dbt.get("rawSql")
    return str(sql) if sql else None


def _dialect_name(source: HtSource | None) -> str | None:
    return dialect_for(source.type) if source else None
