"""The K extract tables of contract section 3: column names, order and types, in one place.

Every source builds its rows against these schemas, so the CSV writer, the parquet intermediates and
the contract checks all agree on what a valid table is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyarrow as pa

FORMAT_VERSION = 3

STRING = pa.string()
INT = pa.int64()
FLOAT = pa.float64()
BOOL = pa.bool_()

METADATA_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("object_id", STRING),
    ("object_type", STRING),
    ("name", STRING),
    ("qualified_name", STRING),
    ("parent_id", STRING),
    ("host", STRING),
    ("database", STRING),
    ("schema", STRING),
    ("description", STRING),
    ("status", STRING),
    ("tags", STRING),
    ("definition", STRING),
    ("properties", STRING),
    ("created_at", STRING),
    ("updated_at", STRING),
]

LINKAGE_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("linkage_type", STRING),
    ("via_object_id", STRING),
    ("upstream_object_type", STRING),
    ("upstream_host", STRING),
    ("upstream_database", STRING),
    ("upstream_schema", STRING),
    ("upstream_object", STRING),
    ("upstream_column", STRING),
    ("downstream_object_type", STRING),
    ("downstream_host", STRING),
    ("downstream_database", STRING),
    ("downstream_schema", STRING),
    ("downstream_object", STRING),
    ("downstream_column", STRING),
    ("mapped", BOOL),
    ("transformation", STRING),
]

# Contract v3: how a column edge's value flows (empty on table edges).
TRANSFORMATIONS = frozenset({"IDENTITY", "TRANSFORMATION", "AGGREGATION", "INDIRECT"})

EVENT_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("event_id", STRING),
    ("object_id", STRING),
    ("event_type", STRING),
    ("status", STRING),
    ("native_status", STRING),
    ("started_at", STRING),
    ("finished_at", STRING),
    ("duration_seconds", FLOAT),
    ("rows_added", INT),
    ("rows_changed", INT),
    ("rows_removed", INT),
    ("rows_failed", INT),
    ("rows_total", INT),
    ("error_message", STRING),
    ("properties", STRING),
]

DATABASELOG_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("log_id", STRING),
    ("object_id", STRING),
    ("host", STRING),
    ("database", STRING),
    ("schema", STRING),
    ("query_type", STRING),
    ("query_text", STRING),
    ("captured_at", STRING),
]

KINDS: tuple[str, ...] = ("metadata", "linkages", "events", "databaselog")

SCHEMAS: dict[str, pa.Schema] = {
    "metadata": pa.schema(METADATA_COLUMNS),
    "linkages": pa.schema(LINKAGE_COLUMNS),
    "events": pa.schema(EVENT_COLUMNS),
    "databaselog": pa.schema(DATABASELOG_COLUMNS),
}

# The column that identifies a row (unique, non-null), per kind; linkages have no single id.
ID_COLUMNS: dict[str, str | None] = {
    "metadata": "object_id",
    "linkages": None,
    "events": "event_id",
    "databaselog": "log_id",
}

EVENT_STATUSES = frozenset({"SUCCESS", "WARNING", "FAILED", "RUNNING", "QUEUED", "CANCELLED", "SKIPPED", "UNKNOWN"})


class TableBuilder:
    """Collects row dicts into Arrow record batches, a chunk at a time, so a million rows stay small."""

    def __init__(self, kind: str, chunk_rows: int = 50_000) -> None:
        self.kind = kind
        self.schema = SCHEMAS[kind]
        self.chunk_rows = chunk_rows
        self._names = self.schema.names
        self._columns: dict[str, list[Any]] = {n: [] for n in self._names}
        self._bound = list(self._columns.items())
        self._batches: list[pa.RecordBatch] = []
        self.rows = 0

    def add(self, row: Mapping[str, Any]) -> None:
        get = row.get
        for name, column in self._bound:
            column.append(get(name))
        self.rows += 1
        if len(self._bound[0][1]) >= self.chunk_rows:
            self._flush()

    def extend(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.add(row)

    def _flush(self) -> None:
        if not self._columns[self._names[0]]:
            return
        arrays = [pa.array(self._columns[f.name], type=f.type) for f in self.schema]
        self._batches.append(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        self._columns = {n: [] for n in self._names}
        self._bound = list(self._columns.items())

    def build(self, sort_by: list[tuple[str, str]] | None = None) -> pa.Table:
        self._flush()
        table = pa.Table.from_batches(self._batches, schema=self.schema) if self._batches else self.schema.empty_table()
        self._batches = []
        if sort_by and table.num_rows:
            table = table.sort_by(sort_by)
        return table.combine_chunks()


def empty_table(kind: str) -> pa.Table:
    return SCHEMAS[kind].empty_table()


SORT_KEYS: dict[str, list[tuple[str, str]]] = {
    "metadata": [("object_id", "ascending")],
    "linkages": [(name, "ascending") for name, _ in LINKAGE_COLUMNS if name != "mapped"],
    "events": [("started_at", "ascending"), ("event_id", "ascending")],
    "databaselog": [("log_id", "ascending")],
}


def iter_rows(table: pa.Table, batch_rows: int = 10_000) -> Iterator[dict[str, Any]]:
    for batch in table.to_batches(max_chunksize=batch_rows):
        yield from batch.to_pylist()


# What each column means (contract section 3), shown in the Dagster UI from definition time.
COLUMN_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "metadata": {
        "object_id": "Stable id within the instance: `<source_type>:<object_type>:<native id>`.",
        "object_type": "The tool's kind of object (workspace, source, model, destination, sync, pipeline, ...).",
        "name": "The object's name as the tool shows it.",
        "qualified_name": "A fuller name where the tool has one (slug, db.schema.table, source -> destination).",
        "parent_id": "object_id of the object this one belongs to.",
        "host": "K reference host, for objects that stand for warehouse data (section 5).",
        "database": "K reference database, as the warehouse stores it.",
        "schema": "Schema, as the warehouse stores it.",
        "description": "The tool's description of the object.",
        "status": "The tool's lifecycle status of the object (not a run outcome).",
        "tags": "The tool's tags, as compact JSON.",
        "definition": "SQL or query text (model SQL, dbt compiled SQL, Hevo source_query), masked when mask.",
        "properties": "The remaining API fields as compact JSON, credentials redacted.",
        "created_at": "When the tool says the object was created (ISO 8601 UTC).",
        "updated_at": "When the tool says the object was last updated (ISO 8601 UTC).",
    },
    "linkages": {
        "linkage_type": "table or column.",
        "via_object_id": "The sync / pipeline / pipeline object / model that carries the flow.",
        "upstream_object_type": "What the upstream end is (table, model, source, destination, ...).",
        "upstream_host": "Upstream host: the instance host for own objects, else the K reference host.",
        "upstream_database": "Upstream database as the warehouse stores it (empty for own objects).",
        "upstream_schema": "Upstream schema as the warehouse stores it (empty for own objects).",
        "upstream_object": "Upstream table or object name, or the object_id of an own object.",
        "upstream_column": "Upstream column (column edges only).",
        "downstream_object_type": "What the downstream end is (table, destination_object, model, ...).",
        "downstream_host": "Downstream host: the instance host for own objects, else the K reference host.",
        "downstream_database": "Downstream database as the warehouse stores it (empty for own objects).",
        "downstream_schema": "Downstream schema as the warehouse stores it (empty for own objects).",
        "downstream_object": "Downstream table or object name, or the object_id of an own object.",
        "downstream_column": "Downstream column (column edges only).",
        "mapped": "true when host and database came from mapping or were derived (Snowflake), false for a guess.",
        "transformation": "Column edges: IDENTITY (copied), TRANSFORMATION (computed from it), AGGREGATION (an "
                          "aggregate over it) or INDIRECT (it only filters, joins, groups, orders or partitions). "
                          "Empty on table edges.",
    },
    "events": {
        "event_id": "Unique within the instance, e.g. `hightouch:sync_run:<sync id>:<run id>`.",
        "object_id": "The object that ran (metadata object_id).",
        "event_type": "What kind of run (sync_run, pipeline_job, object_last_run, ...).",
        "status": "SUCCESS, WARNING, FAILED, RUNNING, QUEUED, CANCELLED, SKIPPED or UNKNOWN (outcome not reported).",
        "native_status": "The tool's own word for the status.",
        "started_at": "When the run started (ISO 8601 UTC); events are the runs that started in the window.",
        "finished_at": "When the run finished; empty while running or when not reported.",
        "duration_seconds": "finished_at - started_at in seconds; empty when either is unknown.",
        "rows_added": "Rows added; empty when the API does not report it (never 0 for unknown).",
        "rows_changed": "Rows changed; empty when not reported.",
        "rows_removed": "Rows removed; empty when not reported.",
        "rows_failed": "Rows failed; empty when not reported.",
        "rows_total": "Rows in the run's query or ingested; empty when not reported.",
        "error_message": "The tool's error text, masked when mask.",
        "properties": "Other run fields as compact JSON.",
    },
    "databaselog": {
        "log_id": "Unique within the instance, e.g. `hightouch:model_query:<model id>`.",
        "object_id": "The object whose SQL this is.",
        "host": "K reference host of the warehouse the SQL runs against.",
        "database": "Database the SQL runs in, as the warehouse stores it.",
        "schema": "Default schema, as the warehouse stores it.",
        "query_type": "What the SQL is (raw_sql, dbt, model, ...).",
        "query_text": "The SQL text, masked when mask.",
        "captured_at": "When the tool last changed the SQL (ISO 8601 UTC).",
    },
}
