"""Which warehouse (or parent model) columns feed each Hightouch model column (contract v3).

The model columns are named as the API names them (`known_columns`): the syncs' mapping `from`s (OFFICIAL
`configuration.mappings`, and the 3P shapes `column_mappings` reads), `referencedColumns` (OFFICIAL),
the sync's and the model's `primaryKey` (OFFICIAL); a visual model's columns are its parent's too.
Per model type (reference §4):
- `raw_sql` and dbt Cloud (`compiledSql` only; `rawSql` is a template): the SQL traced in the source's
  dialect by core `trace_model`, stars resolved with the names above;
- `dbt` with database/schema/name: Hightouch reads the table dbt builds, so each model column is that
  table's same-named column (IDENTITY); the columns are the compiled SQL's output names and the API's;
- `table`: each column the API names is the table's same-named column (IDENTITY);
- `visual`: the parent model's columns pass through (IDENTITY, parent model column → model column); the
  parent columns its filter names are INDIRECT. `filter` is OFFICIAL but opaque: only conditions of the
  shape `{"type": "property", "property": <column>}` naming a known parent column are read (UNCONFIRMED
  shape); a filter with none is counted (`hightouch.column_lineage.visual_filter_unread`);
- `custom`, Looker, Sigma and unknown types have no SQL: their columns are unresolved (`custom_model`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from kada_dagster.core.extract.column_lineage import LineageCache, ModelSql, trace_model
from kada_dagster.core.extract.lineage_types import (
    IDENTITY,
    PARSE_ERROR,
    UNSUPPORTED,
    OutputColumn,
    QueryLineage,
    SourceColumn,
)
from kada_dagster.core.extract.references import Reference, TableName, fold_identifier
from kada_dagster.core.extract.rows import Endpoint
from kada_dagster.core.extract.tables import ExtractTables
from kada_dagster.core.problems import ProblemLog
from kada_dagster.hightouch.records import HightouchModel, HightouchSource, HightouchSync, lineage_kind
from kada_dagster.hightouch.sync_mappings import column_mappings

CUSTOM_MODEL = "custom_model"


def known_columns(models: Mapping[str, HightouchModel], syncs: Iterable[HightouchSync]) -> dict[str, list[str]]:
    """Each model's columns as the API names them, in first-seen order."""
    known: dict[str, list[str]] = {}

    def add(model_id: str | None, name: str | None) -> None:
        if model_id and name and name not in known.setdefault(model_id, []):
            known[model_id].append(name)

    for sync in syncs:
        for column, _field in column_mappings(sync).pairs:
            add(sync.model_id, column)
        for column in sorted(sync.referenced_columns or ()):
            add(sync.model_id, column)
        add(sync.model_id, sync.primary_key)
    for model in models.values():
        add(model.id, model.primary_key)
    for _ in range(len(models)):  # a visual model's columns are its parent's: up every chain of parents
        changed = False
        for model in models.values():
            parent = model.parent_id
            if lineage_kind(model) == "visual" and parent and parent in models:
                before = len(known.get(parent, []))
                for column in list(known.get(model.id, [])):
                    add(parent, column)
                changed = changed or len(known.get(parent, [])) != before
        if not changed:
            break
    return known


def mapped_columns(syncs: Iterable[HightouchSync]) -> dict[str, set[str]]:
    """The model columns each model's syncs map to a destination field (they flow on)."""
    mapped: dict[str, set[str]] = {}
    for sync in syncs:
        if sync.model_id:
            mapped.setdefault(sync.model_id, set()).update(c for c, _f in column_mappings(sync).pairs)
    return mapped


def _identity(names: Iterable[str], table: TableName, platform: str | None) -> QueryLineage:
    """Each column is the same-named column of `table`, copied (a name the API shows carries no quoting:
    the table's column is that name as the warehouse stores an unquoted one)."""
    return QueryLineage(tuple(
        OutputColumn(name, True, ((SourceColumn(table.database, table.schema, table.name,
                                                fold_identifier(name, platform)), IDENTITY),))
        for name in names))


def _unresolved(names: Iterable[str], reason: str) -> QueryLineage:
    return QueryLineage(tuple(OutputColumn(name, True, unresolved=reason) for name in names))


def filter_columns(condition: Any) -> Iterator[str]:
    """Column names in a visual filter's `property` conditions, at any depth (UNCONFIRMED shape)."""
    if isinstance(condition, Mapping):
        if condition.get("type") == "property" and isinstance(condition.get("property"), str):
            yield condition["property"]
        for value in condition.values():
            yield from filter_columns(value)
    elif isinstance(condition, list):
        for item in condition:
            yield from filter_columns(item)


class ModelColumnTracer:
    """Traces each model's columns once (a visual model needs its parent's first)."""

    def __init__(self, models: Mapping[str, HightouchModel], known: Mapping[str, list[str]], cache: LineageCache | None,
                 problems: ProblemLog) -> None:
        self.models, self.known, self.cache, self.problems = models, known, cache, problems
        self._done: dict[str, QueryLineage] = {}

    def lineage(self, model: HightouchModel, platform: str | None, reference: Reference,
                table: TableName | None) -> QueryLineage:
        """The model's columns and their warehouse sources (`table`: the table a `table`/`dbt` model reads)."""
        if model.id in self._done:
            return self._done[model.id]
        kind, names = lineage_kind(model), tuple(self.known.get(model.id, ()))
        compiled = model.dbt.compiled_sql if model.dbt else None  # compiled SQL only: rawSql is a template
        if kind == "dbt" and table is not None:
            traced = trace_model(ModelSql(compiled, platform, reference.database, reference.schema, names), {},
                                 self.cache) if compiled else QueryLineage()
            columns = [c.name for c in traced.columns if not c.name.startswith("#")]
            result = _identity(dict.fromkeys([*columns, *names]), table, platform)
        elif kind == "table":
            result = _identity(names, table, platform) if table is not None else _unresolved(names, UNSUPPORTED)
        elif kind in ("raw_sql", "dbt", "dbt_cloud"):
            sql = model.raw_sql if kind == "raw_sql" else compiled
            result = (trace_model(ModelSql(sql, platform, reference.database, reference.schema, names), {},
                                  self.cache) if sql else _unresolved(names, PARSE_ERROR))
        else:
            result = _unresolved(names, CUSTOM_MODEL)
        self._done[model.id] = result
        return result

    def visual(self, model: HightouchModel, parent: QueryLineage) -> QueryLineage:
        """A visual model: its parent's columns, copied; the columns its filter names, INDIRECT.
        Parent columns are given as SourceColumn(table=<parent model id>)."""
        parent_id = model.parent_id or ""
        columns = [c.name for c in parent.columns if not c.name.startswith("#")]
        for name in self.known.get(model.id, ()):
            if not any(name.casefold() == c.casefold() for c in columns):
                columns.append(name)
        by_fold = {c.casefold(): c for c in columns}
        filtered = sorted({by_fold[f.casefold()] for f in filter_columns(model.visual_filter) if f.casefold() in by_fold})
        if model.visual_filter not in (None, {}, []) and not filtered:
            self.problems.record("hightouch.column_lineage.visual_filter_unread",
                                 f"visual model {model.id}: its filter names no known parent column in a shape "
                                 "read here; no INDIRECT edges from it")
        own = {c.casefold(): c for c in self.known.get(model.id, ())}
        result = QueryLineage(tuple(
            OutputColumn(own.get(name.casefold(), name), True,
                         ((SourceColumn("", "", parent_id, name), IDENTITY),),
                         tuple(SourceColumn("", "", parent_id, f) for f in filtered if f != name))
            for name in columns))
        self._done[model.id] = result
        return result


SourceOf = Callable[[HightouchModel], tuple[HightouchSource | None, Reference]]


def add_model_columns(tables: ExtractTables, models: Mapping[str, HightouchModel], syncs: Iterable[HightouchSync],
                      source_of: SourceOf, table_of: Callable[[HightouchModel], TableName | None],
                      table_endpoint: Callable[[HightouchSource | None, TableName], Endpoint]) -> None:
    """Column edges into every model: warehouse column → model column, parent model column → visual
    model column; the columns its syncs map are the ones that flow on (the no-source warning check)."""
    syncs = list(syncs)
    tracer = ModelColumnTracer(models, known_columns(models, syncs), tables.ctx.lineage_cache, tables.problems)
    mapped = mapped_columns(syncs)

    def traced(model: HightouchModel, depth: int = 0) -> QueryLineage:
        parent = model.parent_id
        if lineage_kind(model) == "visual" and parent and parent in models and depth < len(models):
            return tracer.visual(model, traced(models[parent], depth + 1))
        source, reference = source_of(model)
        return tracer.lineage(model, source.type if source else None, reference, table_of(model))

    for model in models.values():
        visual = lineage_kind(model) == "visual" and model.parent_id in models
        source, _reference = source_of(model)

        def upstream(column: SourceColumn, visual: bool = visual, source: HightouchSource | None = source) -> Endpoint:
            if visual:
                return tables.own("model", column.table)
            return table_endpoint(source, TableName(column.database, column.schema, column.table))

        tables.model_columns(tables.own("model", model.id), traced(model), upstream,
                             via=None, label=tables.oid("model", model.id), flowing=mapped.get(model.id, set()))
