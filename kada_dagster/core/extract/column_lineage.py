"""Column lineage of models as the extract needs it: a cached trace per model, and the counts the UI shows.

A vendor says what it knows of a model (`ModelSql`: the SQL, its platform and defaults, the columns its
API shows); `trace_model` answers with the model's columns and their sources, from `LineageCache` when
the same SQL, dialect and known columns were traced before, so a daily run parses only what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot

from kada_dagster.core.extract.lineage_types import OutputColumn, QueryLineage, SourceColumn
from kada_dagster.core.extract.masking import dialect_for
from kada_dagster.core.extract.sql_lineage import trace_query

# Bumped whenever a change to the tracing rules can change a result, so stale cache entries are not read.
LINEAGE_RULES_VERSION = 1

TableColumns = Mapping[tuple[str, str, str], Collection[str]]


@dataclass(frozen=True)
class ModelSql:
    """What a vendor knows about one model's SQL."""

    sql: str
    platform: str | None  # the source's (Hightouch) or destination's (Hevo) type
    default_database: str = ""
    default_schema: str = ""
    api_columns: tuple[str, ...] = ()  # the model's column names as the API shows them (mappings, keys)

    @property
    def dialect(self) -> str | None:
        return dialect_for(self.platform)


def _relevant(sql: str, tables: TableColumns) -> list[Any]:
    """The known tables the SQL may read (by name), so the cache key moves only with them."""
    text = sql.casefold()
    return sorted([list(key), sorted(cols)] for key, cols in tables.items() if key[2].casefold() in text)


def cache_key(model: ModelSql, tables: TableColumns) -> str:
    material = [LINEAGE_RULES_VERSION, sqlglot.__version__, model.sql, model.dialect, model.default_database,
                model.default_schema, sorted(model.api_columns), _relevant(model.sql, tables)]
    return hashlib.sha256(json.dumps(material, separators=(",", ":")).encode()).hexdigest()


def lineage_to_json(lineage: QueryLineage) -> dict[str, Any]:
    return {
        "error": lineage.error, "open_star": lineage.open_star,
        "unresolved_references": lineage.unresolved_references,
        "columns": [[c.name, c.quoted, [[*_parts(s), w] for s, w in c.direct], [_parts(s) for s in c.indirect],
                     c.unresolved] for c in lineage.columns],
    }


def lineage_from_json(data: Mapping[str, Any]) -> QueryLineage:
    columns = tuple(
        OutputColumn(name, quoted, tuple((SourceColumn(*d[:4]), d[4]) for d in direct),
                     tuple(SourceColumn(*i) for i in indirect), unresolved)
        for name, quoted, direct, indirect, unresolved in data["columns"])
    return QueryLineage(columns, data["error"], data["open_star"], data["unresolved_references"])


def _parts(column: SourceColumn) -> list[str]:
    return [column.database, column.schema, column.table, column.column]


class LineageCache:
    """Traced models by cache key: in memory for the run, and as one JSON file per key in intermediate
    storage (written to a temporary name and renamed), so the next run skips unchanged SQL."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._memory: dict[str, QueryLineage] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> QueryLineage | None:
        with self._lock:
            found = self._memory.get(key)
        if found is None and self.directory is not None:
            path = self.directory / f"{key}.json"
            try:
                found = lineage_from_json(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError):
                found = None
            if found is not None:
                with self._lock:
                    self._memory[key] = found
        with self._lock:
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
        return found

    def put(self, key: str, lineage: QueryLineage) -> None:
        with self._lock:
            self._memory[key] = lineage
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{key}.json"
        temp = self.directory / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        temp.write_text(json.dumps(lineage_to_json(lineage), separators=(",", ":")), encoding="utf-8")
        os.replace(temp, target)


def trace_model(model: ModelSql, tables: TableColumns, cache: LineageCache | None) -> QueryLineage:
    """The model's columns and their sources, traced once per distinct (SQL, dialect, known columns)."""
    key = cache_key(model, tables) if cache is not None else ""
    if cache is not None and (cached := cache.get(key)) is not None:
        return cached
    lineage = trace_query(model.sql, model.dialect, model.default_database, model.default_schema,
                          model.api_columns, tables)
    if cache is not None:
        cache.put(key, lineage)
    return lineage


@dataclass
class ColumnLineageTally:
    """What the UI shows of one partition's column lineage: coverage, unresolved columns by reason, and
    model columns that flow on (a sync maps them, or a table stores them) without a warehouse source."""

    models: int = 0
    models_with_lineage: int = 0
    columns: int = 0
    columns_with_lineage: int = 0
    unresolved: Counter[str] = field(default_factory=Counter)
    edges: Counter[str] = field(default_factory=Counter)
    without_source: list[str] = field(default_factory=list)
    unresolved_columns: list[tuple[str, str, str]] = field(default_factory=list)  # (model, column, reason)

    def as_dict(self) -> dict[str, Any]:
        return {
            "models": self.models, "models_with_column_lineage": self.models_with_lineage,
            "columns": self.columns, "columns_with_lineage": self.columns_with_lineage,
            "unresolved_columns_by_reason": dict(sorted(self.unresolved.items())),
            "column_edges_by_transformation": dict(sorted(self.edges.items())),
            "flowing_columns_without_source": len(self.without_source),
            "examples_without_source": self.without_source[:20],
        }

    def report(self) -> dict[str, Any]:
        """Everything, for intermediate storage: each unresolved column with its model and reason."""
        return {**self.as_dict(), "examples_without_source": self.without_source,
                "unresolved_columns": [list(u) for u in self.unresolved_columns]}
