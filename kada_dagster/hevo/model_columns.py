"""Which warehouse columns feed each column of a Hevo model's output table (contract v3).

A model's `source_query` (3P §3e) is traced in its destination's dialect; its stars and unqualified
columns are placed with the columns Hevo's own mappings show for the tables it reads: the destination
fields a pipeline loads (Standard `field_mappings`, 3P §3c; Edge `fields`, OFFICIAL §4), and the output
columns of a model that builds a table another model reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kada_dagster.core.extract.column_lineage import ModelSql, trace_model
from kada_dagster.core.extract.lineage_types import SourceColumn
from kada_dagster.core.extract.references import fold_identifier
from kada_dagster.core.extract.rows import Endpoint
from kada_dagster.core.extract.tables import ExtractTables
from kada_dagster.hevo.objects import HevoFieldMapping
from kada_dagster.hevo.records import HevoModel

# (host, database, schema, table) → the columns Hevo shows for it
TableColumns = dict[tuple[str, str, str, str], list[str]]


def note_table_columns(known: TableColumns, table: Endpoint, platform: str | None,
                       fields: Iterable[HevoFieldMapping]) -> None:
    """A loaded table's columns as its field mappings show them (all it loads)."""
    columns = [fold_identifier(f.destination, platform) for f in fields if f.loaded and f.destination]
    if columns and table.database and table.schema:
        key = (table.host or "", table.database, table.schema, table.object)
        known.setdefault(key, [])
        known[key] += [c for c in columns if c not in known[key]]


def add_model_columns(tables: ExtractTables, model: HevoModel, known: TableColumns,
                      upstream: Callable[[SourceColumn], Endpoint | None], query: ModelSql, output: Endpoint) -> None:
    """Column edges into the model's output table; its columns then become known to models reading it."""
    host = output.host or ""
    schema = {(db, sc, table): cols for (h, db, sc, table), cols in known.items() if h == host}
    lineage = trace_model(query, schema, tables.ctx.lineage_cache)
    label = tables.oid("model", model.id)
    tables.model_columns(output, lineage, upstream, via=label, label=label)
    columns = [c.name for c in lineage.columns if not c.name.startswith("#")]
    if output.database and output.schema and columns and not lineage.open_star:
        known[(host, output.database, output.schema, output.object)] = columns
