"""The K extract tables of contract section 3: column names, order and types, in one place.

Every source builds its rows against these schemas, so the CSV writer, the parquet intermediates and
the contract checks all agree on what a valid table is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyarrow as pa

FORMAT_VERSION = 2

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
]

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
