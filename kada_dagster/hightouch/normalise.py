"""Hightouch records → K extract rows, one partition at a time.

Lineage per model (reference §4), every warehouse identifier folded as the source's platform stores it
(core `split_table_name` / `tables_in_sql` / `fold_identifier`, platform = the source's `type`):
- `table` → `table.name`, qualified with the source's database/schema where it is not dotted;
- `raw_sql` → the tables parsed from `raw.sql` in the source's dialect;
- `dbt` → `dbt.database`.`dbt.schema`.`dbt.name` (OFFICIAL: the table the dbt model builds);
- dbt Cloud (a `dbt_cloud` object, whatever the queryType says) → tables parsed from `compiledSql` only:
  the object has no database/schema (OFFICIAL), so no table is ever assembled from it;
- `visual` → its parent model; `custom` and unknown types → their source only.
Then model → destination via the sync, with column edges from the sync's column mappings.

Destination identity (issue 8 case 4): a destination's `configuration` is free-form and the vendor says
not to rely on it, so it is never read for identity. A sync's destination object is the K reference
- host/database from `mapping[<destination name>]` when the user mapped that destination and no other
  destination has the same name (`mapped=true`; a warehouse destination's object is then a folded table);
- otherwise host `hightouch:destination:<destination id>` (the destination's own object id: stable,
  unique per destination, and joins to its metadata row), no database/schema, `mapped=false`, counted
  as `hightouch.unresolved.destination_unmapped`.
A sync whose configuration names no object is linked to the destination itself (own object
`hightouch:destination:<id>`), counted as `hightouch.unresolved.sync_object_missing`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kada_dagster.core.collector import (
    ExtractResult,
    NormaliseContext,
    RawPartition,
)
from kada_dagster.core.extract.masking import dialect_for, mask_sql, mask_text
from kada_dagster.core.extract.redaction import redact
from kada_dagster.core.extract.references import (
    Reference,
    SqlParseError,
    TableName,
    WarehouseLocation,
    fold_identifier,
    resolve_reference,
    split_table_name,
    tables_in_sql,
)
from kada_dagster.core.extract.rows import (
    Endpoint,
    compact_json,
    databaselog_row,
    duration_seconds,
    event_row,
    metadata_row,
)
from kada_dagster.core.extract.tables import ExtractTables
from kada_dagster.core.records import norm_id
from kada_dagster.core.timeutil import iso, iso_ts
from kada_dagster.hightouch.model_columns import add_model_columns
from kada_dagster.hightouch.records import (
    SOURCE_TYPE,
    HightouchDestination,
    HightouchModel,
    HightouchSource,
    HightouchSync,
    HightouchSyncRun,
    lineage_kind,
    oid,
    parse_destination,
    parse_model,
    parse_run,
    parse_source,
    parse_sync,
)
from kada_dagster.hightouch.sync_mappings import column_mappings, destination_object_name

# OFFICIAL (§1.3 SyncRunStatus) → contract status; `interrupted` is a failed terminal state for DAG/AF (3P),
# `pending` a pending state for DAG/AF (3P). Any other value is UNKNOWN and counted, never guessed.
RUN_STATUS = {
    "success": "SUCCESS",
    "warning": "WARNING",
    "failed": "FAILED",
    "interrupted": "FAILED",
    "cancelled": "CANCELLED",
    "queued": "QUEUED",
    "pending": "QUEUED",
    "querying": "RUNNING",
    "processing": "RUNNING",
    "reporting": "RUNNING",
}


# --- normalise -----------------------------------------------------------------------------
def normalise(raw: RawPartition, ctx: NormaliseContext) -> ExtractResult:
    problems = ctx.problems
    sources = {s.id: s for s in (parse_source(r, problems) for r in raw.stream("sources")) if s}
    destinations = {d.id: d for d in (parse_destination(r, problems) for r in raw.stream("destinations")) if d}
    models = {m.id: m for m in (parse_model(r, problems) for r in raw.stream("models")) if m}
    syncs = {s.id: s for s in (parse_sync(r, problems) for r in raw.stream("syncs")) if s}
    builder = _HightouchTables(ctx, sources, destinations, models, syncs)
    builder.build_metadata()
    builder.build_lineage()
    add_run_events(builder, raw.stream("sync_runs"))
    return builder.result()


class _HightouchTables(ExtractTables):
    """Builds one partition's four tables from parsed records."""

    def __init__(self, ctx: NormaliseContext, sources: dict[str, HightouchSource], destinations: dict[str, HightouchDestination],
                 models: dict[str, HightouchModel], syncs: dict[str, HightouchSync]) -> None:
        super().__init__(ctx, SOURCE_TYPE)
        self.sources, self.destinations, self.models, self.syncs = sources, destinations, models, syncs
        self.references: dict[str, Reference] = {
            s.id: resolve_reference(s.name, s.type, s.location, self.settings.mapping) for s in sources.values()
        }
        names: dict[str, int] = {}
        for d in destinations.values():
            names[d.name or ""] = names.get(d.name or "", 0) + 1
        self._destination_name_count = names
        self._destination_refs: dict[str, Reference] = {}

    def _properties(self, obj: Any, drop: tuple[str, ...]) -> dict[str, Any]:
        return {k: v for k, v in redact(obj.raw).items() if k not in drop}

    def _mask_sql(self, sql: str | None, source: HightouchSource | None) -> str | None:
        return mask_sql(sql, _dialect_name(source)) if self.settings.mask else sql

    def _source_of(self, model: HightouchModel) -> tuple[HightouchSource | None, Reference]:
        source = self.sources.get(model.source_id or "")
        reference = self.references.get(model.source_id or "") or Reference("", "", "", False)
        return source, reference

    # metadata ---------------------------------------------------------------------------------
    def build_metadata(self) -> None:
        # OFFICIAL (§1.1): no workspaces endpoint; the workspace is derived from the objects' workspaceId.
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
            source, reference = self._source_of(m)
            schema = None
            if m.table_name and m.dbt is None and m.query_type == "table":
                schema = split_table_name(m.table_name, reference.database, reference.schema, _type(source)).schema
            elif m.dbt is not None and m.dbt.schema:
                schema = fold_identifier(m.dbt.schema, _type(source))
            self.metadata.add(metadata_row(
                object_id=oid("model", m.id), object_type="model", name=m.name, qualified_name=m.slug,
                parent_id=oid("source", m.source_id) if m.source_id else None,
                reference=reference if source else None, schema=schema, description=m.description,
                status=m.query_type, tags=m.tags, definition=self._definition(m, source),
                properties=self._model_properties(m, common_drop),
                created_at=iso(m.created_at), updated_at=iso(m.updated_at)))
            sql = m.raw_sql if m.query_type == "raw_sql" and m.dbt is None else _dbt_sql(m)
            if sql:
                self.databaselog.add(databaselog_row(
                    log_id=f"{SOURCE_TYPE}:model_query:{m.id}", object_id=oid("model", m.id),
                    reference=reference if source else None, query_type=lineage_kind(m) or "",
                    query_text=self._mask_sql(sql, source), captured_at=iso(m.updated_at or m.created_at),
                    schema=(reference.schema or None) if source else None))
        for sync in self.syncs.values():
            self.metadata.add(metadata_row(
                object_id=oid("sync", sync.id), object_type="sync", name=sync.slug or sync.id,
                qualified_name=sync.slug,
                parent_id=oid("model", sync.model_id) if sync.model_id in self.models else None,
                status="disabled" if sync.disabled and sync.status != "disabled" else sync.status, tags=sync.tags,
                properties=self._properties(sync, common_drop),
                created_at=iso(sync.created_at), updated_at=iso(sync.updated_at)))

    def _model_properties(self, model: HightouchModel, drop: tuple[str, ...]) -> dict[str, Any]:
        """Model fields without the query text: SQL lives in `definition`, masked; so do custom queries."""
        props = self._properties(model, (*drop, "raw", "custom"))
        for key in ("dbt", "dbt_cloud"):
            if isinstance(props.get(key), Mapping):
                props[key] = {k: v for k, v in props[key].items() if k not in ("compiledSql", "rawSql")}
        if isinstance(props.get("visual"), Mapping) and self.settings.mask:
            props["visual"] = {k: v for k, v in props["visual"].items() if k != "filter"}  # filters hold values
        return props

    def _definition(self, model: HightouchModel, source: HightouchSource | None) -> str | None:
        kind = lineage_kind(model)
        if kind == "raw_sql":
            return self._mask_sql(model.raw_sql, source)
        if kind in ("dbt", "dbt_cloud"):
            return self._mask_sql(_dbt_sql(model), source)
        if kind == "table":
            return model.table_name
        if kind == "custom" and model.custom_query is not None:
            text = compact_json(redact(model.custom_query)) if not isinstance(model.custom_query, str) else model.custom_query
            return mask_text(text) if self.settings.mask else text
        return None

    # lineage ----------------------------------------------------------------------------------
    def _table_endpoint(self, source: HightouchSource | None, table: TableName) -> Endpoint:
        reference = self.references.get(source.id) if source else None
        reference = reference or Reference("", "", "", False)
        if source:
            self.note_unmapped(source.name or source.id, source.type, reference)
        return Endpoint.external("table", reference, table.name, schema=table.schema or None,
                                 database=table.database or None)

    def _sql_tables(self, model: HightouchModel, sql: str, source: HightouchSource | None, reference: Reference) -> list[TableName]:
        try:
            return tables_in_sql(sql, _type(source), reference.database, reference.schema)
        except SqlParseError as exc:
            self.problems.record("hightouch.model.sql_unparsed", f"model {model.id}: SQL not parsed ({exc}); "
                                                                 "linked to its source only")
            return []

    def _model_table(self, m: HightouchModel) -> TableName | None:
        """The one table a `table` model, or a `dbt` model with database/schema/name, reads."""
        source, reference = self._source_of(m)
        platform, kind = _type(source), lineage_kind(m)
        if kind == "table" and m.table_name:
            return split_table_name(m.table_name, reference.database, reference.schema, platform)
        if kind == "dbt" and m.dbt is not None and m.dbt.database and m.dbt.schema and m.dbt.name:
            return TableName(fold_identifier(m.dbt.database, platform), fold_identifier(m.dbt.schema, platform),
                             fold_identifier(m.dbt.name, platform))
        return None

    def _model_upstreams(self, m: HightouchModel, source: HightouchSource | None, reference: Reference) -> list[TableName] | None:
        """The warehouse tables a model reads, or None when its type gives none (linked to its source)."""
        kind = lineage_kind(m)
        table = self._model_table(m)
        if table is not None:
            return [table]
        if kind == "raw_sql" and m.raw_sql:
            return self._sql_tables(m, m.raw_sql, source, reference)
        if kind == "dbt" and m.dbt is not None:
            self.problems.record("hightouch.unresolved.dbt_table",
                                 f"dbt model {m.id}: dbt.database/schema/name incomplete; read from compiledSql")
            return self._sql_tables(m, m.dbt.compiled_sql, source, reference) if m.dbt.compiled_sql else []
        if kind == "dbt_cloud" and m.dbt is not None:
            tables = self._sql_tables(m, m.dbt.compiled_sql, source, reference) if m.dbt.compiled_sql else []
            if not tables:
                self.problems.record("hightouch.unresolved.dbt_cloud_tables",
                                     f"dbt Cloud model {m.id}: no table in compiledSql (it has no database/schema); "
                                     "linked to its source only")
            return tables
        return None

    def build_lineage(self) -> None:
        for m in self.models.values():
            source, reference = self._source_of(m)
            downstream = self.own("model", m.id)
            if lineage_kind(m) == "visual" and m.parent_id:
                if m.parent_id in self.models:
                    self.edge(self.own("model", m.parent_id), downstream)
                else:
                    self.problems.record("hightouch.model.parent_missing",
                                         f"visual model {m.id}: parent model {m.parent_id} not found; no edge")
                continue
            tables = self._model_upstreams(m, source, reference)
            for table in tables or []:
                self.edge(self._table_endpoint(source, table), downstream)
            if not tables and source:  # custom, Looker/Sigma, unknown, unparsed: linked to their source only
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
            target = self._sync_target(s, destination)
            upstream = self.own("model", s.model_id)
            via = oid("sync", s.id)
            self.edge(upstream, target, via_object_id=via)
            mappings = column_mappings(s)
            if mappings.non_column:
                self.problems.record("hightouch.unresolved.mapping_not_a_column",
                                     f"sync {s.id}: {mappings.non_column} mapping entries are not model columns "
                                     "(static/template values or unknown shapes); no column edge for them")
            if mappings.present and not mappings.pairs:
                self.problems.record("hightouch.unresolved.mappings_without_columns",
                                     f"sync {s.id}: has column mappings, none of which names a model column")
            for model_column, destination_field in mappings.pairs:
                self.edge(upstream, target, via_object_id=via,
                          upstream_column=model_column, downstream_column=destination_field)
        add_model_columns(self, self.models, self.syncs.values(), self._source_of, self._model_table,
                          self._table_endpoint)

    def _destination_reference(self, destination: HightouchDestination) -> Reference:
        """The K reference of a destination, from its documented id, type and name and the user's mapping."""
        cached = self._destination_refs.get(destination.id)
        if cached is not None:
            return cached
        name = destination.name or ""
        entry = self.settings.mapping.get(name) if name else None
        if entry is not None and self._destination_name_count.get(name, 0) > 1:
            self.problems.record("hightouch.unresolved.destination_name_ambiguous",
                                 f"destination {destination.id}: mapping entry {name!r} matches "
                                 f"{self._destination_name_count[name]} destinations; not applied")
            entry = None
        if entry is not None:
            reference = resolve_reference(name, destination.type, WarehouseLocation(), self.settings.mapping)
        else:
            self.problems.record("hightouch.unresolved.destination_unmapped",
                                 f"destination {destination.id} ({destination.type}) has no mapping entry; its "
                                 f"objects are referred to under host {oid('destination', destination.id)}")
            reference = Reference(oid("destination", destination.id), "", "", False)
        self._destination_refs[destination.id] = reference
        return reference

    def _sync_target(self, sync: HightouchSync, destination: HightouchDestination) -> Endpoint:
        name = destination_object_name(sync.configuration)
        if name is None:
            self.problems.record("hightouch.unresolved.sync_object_missing",
                                 f"sync {sync.id}: its configuration names no destination object; linked to "
                                 f"destination {destination.id} itself")
            return self.own("destination", destination.id)
        reference = self._destination_reference(destination)
        if reference.mapped and reference.database and dialect_for(destination.type):  # a mapped warehouse
            table = split_table_name(name, reference.database, reference.schema, destination.type)
            return Endpoint.external("table", reference, table.name, schema=table.schema or None,
                                     database=table.database or None)
        return Endpoint.external("destination_object", reference, name)  # SaaS: the tool's spelling


def add_run_events(tables: ExtractTables, runs: Any) -> None:
    """One events row per sync run routed to the partition (status UNKNOWN where undocumented)."""
    mask = tables.settings.mask
    for data in runs:
        sync_id = _sync_id(data)
        run = parse_run(data, sync_id, tables.problems) if sync_id else None
        if run is None:
            tables.problems.record("hightouch.sync_run.invalid", "skipped a run without sync or run id")
            continue
        tables.events.add(_run_event(tables, run, mask))


def _run_event(tables: ExtractTables, run: HightouchSyncRun, mask: bool) -> dict[str, Any]:
    status = RUN_STATUS.get(run.status.lower()) if run.status else None
    if status is None:
        status = "UNKNOWN"
        tables.problems.record("hightouch.unresolved.run_status",
                             f"run {run.id} of sync {run.sync_id}: status {run.status!r} is no documented "
                             "SyncRunStatus; written as UNKNOWN")
    raw = run.raw
    return event_row(
        event_id=f"{SOURCE_TYPE}:sync_run:{run.sync_id}:{run.id}",
        object_id=oid("sync", run.sync_id),
        event_type="sync_run",
        status=status,
        native_status=run.status,
        started_at=iso_ts(raw.get("startedAt"), run.started_at) if run.started_at else None,
        finished_at=iso_ts(raw.get("finishedAt"), run.finished_at) if run.finished_at else None,
        duration_seconds=duration_seconds(run.started_at, run.finished_at),
        rows_added=run.successful.added,
        rows_changed=run.successful.changed,
        rows_removed=run.successful.removed,
        rows_failed=run.failed.total,
        rows_total=run.query_size,
        error_message=mask_text(run.error) if mask else run.error,
        properties={k: raw.get(k) for k in ("createdAt", "plannedRows", "completionRatio")
                    if raw.get(k) is not None},
    )


def _sync_id(data: Any) -> str | None:
    return norm_id(data.get("syncId")) if isinstance(data, Mapping) else None


def _type(source: HightouchSource | None) -> str | None:
    return source.type if source else None


def _dbt_sql(model: HightouchModel) -> str | None:
    if model.dbt is None:
        return None
    return model.dbt.compiled_sql or model.dbt.raw_sql


def _dialect_name(source: HightouchSource | None) -> str | None:
    return dialect_for(source.type) if source else None
