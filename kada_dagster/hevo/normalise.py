"""How Hevo's raw records become K extract rows: metadata, lineage and model SQL.

Lineage: each pipeline object carries its source table to a destination table, `via_object_id` the
pipeline object. Standard: the object's event type is the one with the object's name (3P: an event type's
name is the ingested object's name); its schema mapping gives the destination table as Hevo reports it
and the column mappings. An event type that no object has is a transformation's output, linked from the
pipeline's source. Edge: the object's detail `destination_table_name`, else `destination_prefix + k0`
(OFFICIAL, the provider's OpenLineage utils), and its `fields`. Identifiers are folded as the warehouse
stores them: source tables and columns by the source type, destination ones by the destination type.
Models (Standard): tables parsed from `source_query` in the destination's dialect → `output_table`.

databaselog: each model's `source_query` (masked when `mask`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from kada_dagster.core.collector import ExtractResult, NormaliseContext, RawPartition
from kada_dagster.core.extract.column_lineage import ModelSql
from kada_dagster.core.extract.masking import dialect_for, mask_sql
from kada_dagster.core.extract.redaction import redact
from kada_dagster.core.extract.references import (
    Reference,
    SqlParseError,
    fold_identifier,
    resolve_reference,
    split_table_name,
    tables_in_sql,
)
from kada_dagster.core.extract.rows import Endpoint, databaselog_row, metadata_row
from kada_dagster.core.extract.tables import ExtractTables
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.records import norm_id
from kada_dagster.core.timeutil import iso
from kada_dagster.hevo.model_columns import add_model_columns, note_table_columns
from kada_dagster.hevo.objects import HevoPipelineObject, HevoSchemaMapping, parse_mapping, parse_object
from kada_dagster.hevo.records import (
    EVENT_TYPE_KEY,
    PIPELINE_KEY,
    SOURCE_TYPE,
    HevoConnector,
    HevoDestination,
    HevoModel,
    HevoPipeline,
    HevoWorkflow,
    parse_destination,
    parse_model,
    parse_pipeline,
    parse_workflow,
)
from kada_dagster.hevo.run_events import add_job_events, add_last_run_events


# --- normalise -----------------------------------------------------------------------------
def normalise(raw: RawPartition, ctx: NormaliseContext) -> ExtractResult:
    problems = ctx.problems
    pipelines = {p.id: p for p in (parse_pipeline(r, problems) for r in raw.stream("pipelines")) if p}
    destinations = {d.id: d for d in (parse_destination(r, problems) for r in raw.stream("destinations")) if d}
    objects = [o for o in (parse_object(r, problems) for r in raw.stream("pipeline_objects"))
               if o and o.pipeline_id in pipelines]  # objects of a pipeline created after the window go too
    joined = join_event_types(objects, raw.stream("schema_mappings"), pipelines, problems)
    models = {m.id: m for m in (parse_model(r, problems) for r in raw.stream("models")) if m}
    workflows = {w.id: w for w in (parse_workflow(r, problems) for r in raw.stream("workflows")) if w}
    builder = _HevoTables(ctx, pipelines, destinations, objects, joined, models, workflows)
    builder.build_metadata()
    builder.build_lineage()
    add_job_events(builder, raw.stream("jobs"))
    add_last_run_events(builder, raw.stream("last_runs"))
    return builder.result()


# Platforms whose tables live in a database without schemas: a two-part name is `database.table`.
# MySQL and its relatives (MariaDB, Aurora MySQL) per their documentation; everything else is
# `schema.table` inside the connection's database.
_DATABASE_TABLE_PLATFORMS = frozenset({"mysql"})


def database_without_schema(platform: str | None) -> bool:
    return dialect_for(platform) in _DATABASE_TABLE_PLATFORMS


# --- normalise ------------------------------------------------------------------------------------
@dataclass
class Joined:
    """Standard event types joined to the objects they come from, and the ones no object has."""

    by_object: dict[str, list[HevoSchemaMapping]]  # object native id → its mappings
    derived: list[tuple[str, HevoSchemaMapping]]  # (pipeline id, a transformation's event type)


def _last_part(name: str) -> str:
    return name.rsplit(".", 1)[-1].casefold()


def join_event_types(objects: list[HevoPipelineObject], mappings: Iterable[Any], pipelines: Mapping[str, HevoPipeline],
                     problems: ProblemLog) -> Joined:
    """Joins each Standard event type to the object of the same name (3P: the event type's name is the
    ingested object's name). Tried in order: the exact name; the name ignoring case; the table part of a
    `<db>.<table>` / `schema.table` name when one side is qualified and the other not. A name that several
    objects match is counted and left out; a name that no object has is a transformation's output."""
    per_pipeline: dict[str, list[HevoPipelineObject]] = {}
    for o in objects:
        per_pipeline.setdefault(o.pipeline_id, []).append(o)
    joined = Joined({}, [])
    for record in mappings:
        if not isinstance(record, Mapping):
            continue
        pid = norm_id(record.get(PIPELINE_KEY))
        event_type = record.get(EVENT_TYPE_KEY)
        if pid is None or pid not in pipelines or not isinstance(event_type, str):
            continue
        mapping = parse_mapping(record, event_type, problems)
        candidates = per_pipeline.get(pid, [])
        match = [o for o in candidates if o.name == event_type]
        if not match:
            match = [o for o in candidates if o.name.casefold() == event_type.casefold()]
        if not match:  # `orders` vs `public.orders` (or the reverse): the table part, one side unqualified
            match = [o for o in candidates if _last_part(o.name) == _last_part(event_type)
                     and ("." not in o.name) != ("." not in event_type)]
            if len(match) == 1:
                problems.record("hevo.event_type.joined_by_table_name",
                                f"pipeline {pid}: event type {event_type!r} joined to object {match[0].name!r}")
        if len(match) == 1:
            joined.by_object.setdefault(match[0].native_id, []).append(mapping)
        elif match:
            problems.record("hevo.unresolved.event_type_ambiguous",
                            f"pipeline {pid}: event type {event_type!r} matches {len(match)} objects; no lineage")
        else:
            problems.record("hevo.event_type.transformation_output",
                            f"pipeline {pid}: event type {event_type!r} has no object: linked from the source")
            joined.derived.append((pid, mapping))
    return joined


@dataclass(frozen=True)
class SourceTable:
    database: str | None
    schema: str | None
    table: str

    @property
    def qualified(self) -> str:
        return ".".join(p for p in (self.database, self.schema, self.table) if p)


class _HevoTables(ExtractTables):
    """Builds one partition's four tables from parsed records."""

    def __init__(self, ctx: NormaliseContext, pipelines: dict[str, HevoPipeline],
                 destinations: dict[str, HevoDestination], objects: list[HevoPipelineObject], joined: Joined,
                 models: dict[str, HevoModel], workflows: dict[str, HevoWorkflow]) -> None:
        super().__init__(ctx, SOURCE_TYPE)
        self.pipelines, self.destinations, self.objects = pipelines, destinations, objects
        self.joined, self.models, self.workflows = joined, models, workflows
        self.source_refs = {pid: self._reference(p.source, p.name) for pid, p in pipelines.items()}
        # (host, database, schema, table) → the columns Hevo shows for it: loaded tables, models' outputs
        self.table_columns: dict[tuple[str, str, str, str], list[str]] = {}

    # references -------------------------------------------------------------------------------
    def _reference(self, connector: HevoConnector, *names: str | None) -> Reference:
        """`mapping` by any name the tool shows (name, display name, pipeline name), else resolved from
        the configuration (host keys or a URL). No host: empty, and the edges that need it are counted."""
        mapping = self.settings.mapping
        candidates = [n for n in (connector.name, connector.display_name, *names) if n]
        key = next((n for n in candidates if n in mapping), candidates[0] if candidates else None)
        reference = resolve_reference(key, connector.type, connector.location, mapping)
        if reference.host:
            return reference
        url = next((str(v) for k, v in connector.config.items() if k.lower().endswith("url") and isinstance(v, str)
                    and "://" in v), "")
        return Reference(urlsplit(url).hostname or "", reference.database, reference.schema, False)

    def destination_of(self, connector: HevoConnector, where: str) -> HevoConnector:
        """A pipeline's or model's destination, completed from /destinations by id (which has the config)."""
        listed = self.destinations.get(connector.id or "")
        if listed is None:
            if connector.id is None and connector.type is None:
                self.problems.record("hevo.unresolved.destination", f"{where}: no destination id or type")
            return connector
        return HevoConnector(listed.id, listed.name or connector.name, listed.type or connector.type,
                         listed.config or connector.config, listed.raw)

    def _external(self, connector: HevoConnector, reference: Reference, database: str | None, schema: str | None,
                  table: str, why: str) -> Endpoint | None:
        if not reference.host:
            self.problems.record("hevo.unresolved.endpoint_host",
                                 f"{why}: {connector.name or connector.type or '?'} has no host in the API's data "
                                 "and no `mapping` entry; edge left out")
            return None
        self.note_unmapped(connector.display_name or connector.name or connector.type or "?", connector.type,
                           reference)
        return Endpoint.external("table", reference, table, schema=schema or reference.schema or None,
                                 database=database or reference.database or None)

    def source_table(self, pipeline: HevoPipeline, obj: HevoPipelineObject) -> SourceTable:
        """The object's source table, folded as the source platform stores it. Standard names are
        `schema.table` (or `<db>.<table>` on MySQL-like sources, which have no schemas); Edge gives
        `source_namespace {k2 database, k1 schema, k0 table}` (OFFICIAL)."""
        platform = pipeline.source.type
        reference = self.source_refs[pipeline.id]
        no_schema = database_without_schema(platform)
        if obj.source_namespace is not None:
            database, schema, table = obj.source_namespace
            if no_schema:
                if database and schema and database != schema:
                    self.problems.record("hevo.unresolved.source_schema",
                                         f"object {obj.native_id}: {platform} has no schemas; k1 {schema!r} dropped")
                database, schema = database or schema, None
            table = table or obj.name
        else:
            parts = [p for p in obj.name.split(".") if p]
            table = parts[-1] if parts else obj.name
            if no_schema:
                database = parts[-2] if len(parts) >= 2 else None
                schema = None
            else:
                schema = parts[-2] if len(parts) >= 2 else None
                database = parts[-3] if len(parts) >= 3 else None
        database = database or reference.database or None
        schema = None if no_schema else (schema or reference.schema or None)
        return SourceTable(fold_identifier(database, platform) if database else None,
                           fold_identifier(schema, platform) if schema else None, fold_identifier(table, platform))

    # metadata ---------------------------------------------------------------------------------
    def _properties(self, raw: Mapping[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
        return {k: v for k, v in redact(raw).items() if k not in drop and not k.startswith("_")}

    def build_metadata(self) -> None:
        common = ("id", "name", "status", "created_ts", "updated_ts", "created_at", "updated_at")
        for p in self.pipelines.values():
            self.metadata.add(metadata_row(
                object_id=self.oid("pipeline", p.id), object_type="pipeline", name=p.name,
                qualified_name=f"{p.source.name or '?'} -> {p.destination.name or '?'}", status=p.status,
                properties=self._properties(p.raw, common), created_at=iso(p.created_at), updated_at=iso(p.updated_at)))
            if p.source.name or p.source.type:  # the pipeline's source, as K sees a data source
                self.metadata.add(metadata_row(
                    object_id=self.oid("source", p.id), object_type="source", name=p.source.display_name or p.source.name,
                    qualified_name=p.source.name, parent_id=self.oid("pipeline", p.id), reference=self.source_refs[p.id],
                    properties=self._properties(p.source.raw, ("name", "display_name"))))
        for d in self.destinations.values():
            self.metadata.add(metadata_row(
                object_id=self.oid("destination", d.id), object_type="destination", name=d.name,
                qualified_name=d.type, reference=self._reference(d.connector()), status=d.status,
                properties=self._properties(d.raw, common), created_at=iso(d.created_at), updated_at=iso(d.updated_at)))
        for o in self.objects:
            pipeline = self.pipelines[o.pipeline_id]
            reference, table = self.source_refs[o.pipeline_id], self.source_table(pipeline, o)
            self.metadata.add(metadata_row(
                object_id=self.oid("pipeline_object", o.native_id), object_type="pipeline_object", name=o.name,
                qualified_name=table.qualified or None, parent_id=self.oid("pipeline", o.pipeline_id),
                reference=Reference(reference.host, table.database or "", "", reference.mapped),
                schema=table.schema, status=o.status,
                properties=self._properties(o.raw, ("name", "object_name", "status"))))
        for m in self.models.values():
            destination = self.destination_of(m.destination, f"model {m.id}")
            reference = self._reference(destination)
            self.metadata.add(metadata_row(
                object_id=self.oid("model", m.id), object_type="model", name=m.name, qualified_name=m.output_table,
                parent_id=self.oid("destination", destination.id) if destination.id in self.destinations else None,
                reference=reference, status=m.status, definition=self._mask(m.source_query, destination.type),
                properties=self._properties(m.raw, (*common, "source_query")),
                created_at=iso(m.created_at), updated_at=iso(m.updated_at)))
            if m.source_query:
                self.databaselog.add(databaselog_row(
                    log_id=f"{SOURCE_TYPE}:model_query:{m.id}", object_id=self.oid("model", m.id),
                    reference=reference, query_type="model", query_text=self._mask(m.source_query, destination.type),
                    captured_at=iso(m.updated_at or m.created_at)))
        for w in self.workflows.values():
            self.metadata.add(metadata_row(
                object_id=self.oid("workflow", w.id), object_type="workflow", name=w.name, status=w.status,
                properties=self._properties(w.raw, common), created_at=iso(w.created_at), updated_at=iso(w.updated_at)))

    def _mask(self, sql: str | None, destination_type: str | None) -> str | None:
        return mask_sql(sql, dialect_for(destination_type)) if self.settings.mask else sql

    # lineage ----------------------------------------------------------------------------------
    def _destination_endpoint(self, pipeline: HevoPipeline, database: str | None, schema: str | None,
                              table: str, why: str) -> tuple[Endpoint | None, str | None]:
        """A destination table as the destination platform stores it, and that platform."""
        destination = self.destination_of(pipeline.destination, f"pipeline {pipeline.id}")
        reference, platform = self._reference(destination), destination.type
        name = split_table_name(table, database or reference.database, schema or reference.schema, platform)
        return self._external(destination, reference, name.database, name.schema, name.name, why), platform

    def _standard_target(self, pipeline: HevoPipeline, mapping: HevoSchemaMapping) -> tuple[Endpoint | None, str | None]:
        """The mapping's `destination_table` as Hevo reports it (3P): the pipeline's table prefix is not
        prepended (whether the name already carries it is UNCONFIRMED, so it is taken as is)."""
        if not mapping.loads_data or not mapping.destination_table:
            return None, None
        return self._destination_endpoint(pipeline, None, None, mapping.destination_table,
                                          f"pipeline {pipeline.id} mapping {mapping.event_type!r}")

    def _edge_target(self, pipeline: HevoPipeline, obj: HevoPipelineObject) -> tuple[Endpoint | None, str | None]:
        """Edge: the detail's `destination_table_name` as is; else `destination_prefix + k0` (OFFICIAL,
        the provider's OpenLineage utils), in `destination_namespace` k2 database / k1 schema."""
        database, schema, k0 = obj.destination_namespace or (None, None, None)
        table = obj.destination_table_name or (pipeline.destination_prefix + k0 if k0 else None)
        if not table:
            self.problems.record("hevo.unresolved.destination_table", f"object {obj.native_id}: no destination table")
            return None, None
        # Names with dots inside are not split here: the namespace gives database and schema.
        destination = self.destination_of(pipeline.destination, f"pipeline {pipeline.id}")
        reference, platform = self._reference(destination), destination.type
        endpoint = self._external(destination, reference, fold_identifier(database or reference.database, platform),
                                  fold_identifier(schema or reference.schema, platform),
                                  fold_identifier(table, platform), f"object {obj.native_id}")
        return endpoint, platform

    def build_lineage(self) -> None:
        for o in self.objects:
            if not o.has_data:
                continue
            pipeline = self.pipelines[o.pipeline_id]
            via = self.oid("pipeline_object", o.native_id)
            if o.is_edge:
                targets = [(*self._edge_target(pipeline, o), o.fields)]
            else:
                targets = [(*self._standard_target(pipeline, m), m.fields)
                           for m in self.joined.by_object.get(o.native_id, [])]
            upstream: Endpoint | None = None
            for downstream, platform, fields in targets:
                if downstream is None:
                    continue
                note_table_columns(self.table_columns, downstream, platform, fields)
                if upstream is None:
                    table = self.source_table(pipeline, o)
                    upstream = self._external(pipeline.source, self.source_refs[pipeline.id], table.database,
                                              table.schema, table.table, f"object {o.native_id} source")
                    if upstream is None:
                        break
                self.edge(upstream, downstream, via_object_id=via)
                for f in fields:
                    if f.loaded and f.destination:
                        self.edge(upstream, downstream, via_object_id=via,
                                  upstream_column=fold_identifier(f.source, pipeline.source.type),
                                  downstream_column=fold_identifier(f.destination, platform))
        for pid, mapping in self.joined.derived:  # a transformation's event type: from the pipeline's source
            pipeline = self.pipelines[pid]
            downstream, _ = self._standard_target(pipeline, mapping)
            if downstream is not None and (pipeline.source.name or pipeline.source.type):
                self.edge(self.own("source", pid), downstream, via_object_id=self.oid("pipeline", pid))
        for m in models_in_order(self.models.values()):
            self._model_lineage(m)

    def _model_lineage(self, model: HevoModel) -> None:
        if not model.output_table:
            return
        destination = self.destination_of(model.destination, f"model {model.id}")
        if destination.type is None:
            self.problems.record("hevo.unresolved.model_destination",
                                 f"model {model.id}: its destination (type, host) is unknown; no lineage")
            return
        reference = self._reference(destination)
        platform = destination.type
        output = split_table_name(model.output_table, reference.database, reference.schema, platform)
        why = f"model {model.id}"
        tables = []
        if model.source_query:
            try:
                tables = tables_in_sql(model.source_query, platform, reference.database, reference.schema)
            except SqlParseError as exc:
                self.problems.record("hevo.model.sql_unparsed", f"model {model.id}: source_query not parsed ({exc}); "
                                                                "linked to its destination only")
        downstream = self._external(destination, reference, output.database, output.schema, output.name, why)
        if downstream is None:
            return
        via = self.oid("model", model.id)
        for t in tables:
            upstream = self._external(destination, reference, t.database, t.schema, t.name, why)
            if upstream is not None:
                self.edge(upstream, downstream, via_object_id=via)
        if not tables and destination.id in self.destinations:
            self.edge(self.own("destination", destination.id), downstream, via_object_id=via)
        if model.source_query:
            add_model_columns(self, model, self.table_columns,
                              lambda c: self._external(destination, reference, c.database, c.schema, c.table, why),
                              ModelSql(model.source_query, platform, reference.database, reference.schema), downstream)


def models_in_order(models: Iterable[HevoModel]) -> list[HevoModel]:
    """Models ordered so that one reading another's output table (its name in the SQL) comes after it."""
    pending = list(models)
    ordered: list[HevoModel] = []
    while pending:
        outputs = {m.id: (m.output_table or "").rsplit(".", 1)[-1].casefold() for m in pending}
        ready = [m for m in pending if not any(
            other.id != m.id and outputs[other.id] and outputs[other.id] in (m.source_query or "").casefold()
            for other in pending)]
        chosen = ready or pending[:1]  # a cycle: take them in the API's order
        ordered += chosen
        pending = [m for m in pending if m not in chosen]
    return ordered
