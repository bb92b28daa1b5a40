"""Contract checks on the K extract tables, shared by the asset checks and the landing step.

The same functions decide whether a table may be landed, so a broken extract can neither pass the
asset checks nor slip into the landing directory through a landing-only run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from kada_dagster.core.extract.schema import EVENT_STATUSES, ID_COLUMNS, SCHEMAS, TRANSFORMATIONS


@dataclass
class CheckOutcome:
    passed: bool
    problems: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def merge(self, other: CheckOutcome, label: str) -> None:
        self.passed = self.passed and other.passed
        self.problems.extend(f"{label}: {p}" for p in other.problems)
        for key, value in other.metadata.items():
            if isinstance(value, int) and not isinstance(value, bool):
                self.metadata[key] = self.metadata.get(key, 0) + value


def _nulls(table: pa.Table, column: str) -> int:
    return table.column(column).null_count if table.num_rows else 0


def contract_check(kind: str, table: pa.Table) -> CheckOutcome:
    """Columns and their order, non-null unique ids, and the enumerations the contract fixes."""
    problems: list[str] = []
    required = SCHEMAS[kind].names
    if table.column_names[: len(required)] != required:
        missing = [c for c in required if c not in table.column_names]
        problems.append(f"columns out of contract (missing {missing})" if missing else "columns out of order")
        return CheckOutcome(False, problems, {"rows": table.num_rows})
    id_column = ID_COLUMNS[kind]
    duplicates = 0
    if id_column:
        nulls = _nulls(table, id_column)
        if nulls:
            problems.append(f"{nulls} rows with an empty {id_column}")
        if table.num_rows:
            distinct = pc.count_distinct(table.column(id_column)).as_py()
            duplicates = table.num_rows - nulls - distinct
            if duplicates:
                problems.append(f"{duplicates} duplicate {id_column} values")
    if kind == "metadata":
        for column in ("object_type",):
            if _nulls(table, column):
                problems.append(f"{_nulls(table, column)} rows without {column}")
    if kind == "events" and table.num_rows:
        statuses = set(pc.unique(table.column("status")).to_pylist())
        bad = sorted(str(s) for s in statuses - EVENT_STATUSES)
        if bad:
            problems.append(f"status values outside the contract: {bad}")
        if _nulls(table, "object_id"):
            problems.append(f"{_nulls(table, 'object_id')} events without object_id")
    if kind == "linkages" and table.num_rows:
        types = set(pc.unique(table.column("linkage_type")).to_pylist())
        if types - {"table", "column"}:
            problems.append(f"linkage_type values outside the contract: {sorted(map(str, types - {'table', 'column'}))}")
        is_column = pc.equal(table.column("linkage_type"), "column")
        half = pc.and_(is_column, pc.or_(pc.is_null(table.column("upstream_column")),
                                         pc.is_null(table.column("downstream_column"))))
        if pc.sum(half).as_py():
            problems.append(f"{pc.sum(half).as_py()} column linkages without both columns")
        words = pc.fill_null(pc.is_in(table.column("transformation"), pa.array(sorted(TRANSFORMATIONS))), False)
        wrong = pc.sum(pc.xor(is_column, words)).as_py()
        if wrong:
            problems.append(f"{wrong} linkages whose transformation does not fit (column edges need one of "
                            f"{sorted(TRANSFORMATIONS)}, table edges none)")
        for side in ("upstream_object", "downstream_object"):
            if _nulls(table, side):
                problems.append(f"{_nulls(table, side)} linkages without {side}")
    if kind == "databaselog" and table.num_rows and _nulls(table, "query_text"):
        problems.append(f"{_nulls(table, 'query_text')} log rows without query_text")
    return CheckOutcome(not problems, problems, {"rows": table.num_rows, "duplicate_ids": duplicates})


def linkage_endpoints_check(linkages: pa.Table, metadata: pa.Table, host: str) -> CheckOutcome:
    """Every linkage endpoint that is one of our objects (our host, no database) exists in metadata."""
    known = set(metadata.column("object_id").to_pylist()) if metadata.num_rows else set()
    dangling: set[str] = set()
    for side in ("upstream", "downstream"):
        if not linkages.num_rows:
            break
        own = pc.and_(pc.equal(linkages.column(f"{side}_host"), host),
                      pc.is_null(linkages.column(f"{side}_database")))
        own = pc.fill_null(own, False)
        objects = pc.filter(linkages.column(f"{side}_object"), own).to_pylist()
        dangling.update(o for o in objects if o not in known)
    problems = [f"{len(dangling)} linkage endpoints are not in metadata, e.g. {sorted(dangling)[:5]}"] if dangling else []
    return CheckOutcome(not dangling, problems, {"dangling_endpoints": len(dangling)})


def unmapped_sources_check(unmapped: list[dict[str, Any]]) -> CheckOutcome:
    """Warns about data sources K may not resolve (no `mapping` entry, not Snowflake)."""
    names = sorted({str(u.get("name")) for u in unmapped})
    problems = [f"{len(names)} data sources are not mapped to a K source: {names[:20]}"] if names else []
    return CheckOutcome(not names, problems, {"unmapped_sources": len(names)})


def model_columns_check(column_lineage: dict[str, dict[str, Any]]) -> CheckOutcome:
    """Warns about model columns that flow on (a sync maps them, a table stores them) but have no warehouse
    source: a literal, or a column whose SQL could not be traced (with its reason)."""
    problems: list[str] = []
    for partition, tally in sorted(column_lineage.items()):
        missing = tally.get("examples_without_source") or []
        if missing:
            problems.append(f"{partition}: {len(missing)} model column(s) without a source column, e.g. "
                            + "; ".join(missing[:10]))
    flowing = max((int(t.get("flowing_columns_without_source", 0)) for t in column_lineage.values()), default=0)
    return CheckOutcome(not problems, problems, {"flowing_columns_without_source": flowing})
