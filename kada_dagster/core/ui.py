"""What the Dagster UI shows of a collector run: column descriptions, table previews, counts, check results.

Kept apart from the layer functions so a change of presentation never touches how data is fetched,
normalised or landed.
"""

from collections import Counter
from collections.abc import Sequence
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from kada_dagster.core.checks import CheckOutcome
from kada_dagster.core.extract.schema import COLUMN_DESCRIPTIONS, SCHEMAS
from kada_dagster.core.problems import ProblemLog

UNFINISHED_STATUSES = ("RUNNING", "QUEUED")
UNFINISHED_KEY = "unfinished_runs_by_partition"
"""Events metadata: runs still going when the partition was extracted, per partition (late-runs sensor)."""


def column_schema(kind: str) -> dg.TableSchema:
    """The contract's columns of a K extract table, with their meaning: on the spec, so the UI shows them
    before the first run."""
    return dg.TableSchema(columns=[
        dg.TableColumn(f.name, str(f.type), description=COLUMN_DESCRIPTIONS[kind][f.name]) for f in SCHEMAS[kind]])


def _preview_value(value: Any) -> Any:
    """A cell as the CSV shows it: booleans lower case, long text cut; numbers stay numbers."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str) and len(value) > 120:
        return value[:117] + "..."
    return value


def preview_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dg.MetadataValue:
    """Preview rows as table metadata, which the UI renders inline (markdown is cut off or hidden)."""
    schema = dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in columns])
    records = [dg.TableRecord({c: ("" if (v := _preview_value(r.get(c))) is None else str(v)) for c in columns})
               for r in rows]
    return dg.MetadataValue.table(records=records, schema=schema)


def sampled_rows(table: pa.Table, by: str, limit: int = 10) -> list[dict[str, Any]]:
    """Up to `limit` rows taken round-robin across the values of `by`, so every kind of row shows."""
    if not table.num_rows:
        return []
    groups: dict[Any, list[int]] = {}
    for index, value in enumerate(table.column(by).to_pylist()):
        bucket = groups.setdefault(value, [])
        if len(bucket) < limit:
            bucket.append(index)
    picked: list[int] = []
    while len(picked) < limit and any(groups.values()):
        for value in sorted(groups, key=str):
            if groups[value] and len(picked) < limit:
                picked.append(groups[value].pop(0))
    return table.take(sorted(picked)).to_pylist()


def unresolved_counts(problems: ProblemLog) -> dict[str, int]:
    """What the API did not say and was left empty or UNKNOWN (categories `<vendor>.unresolved.<reason>`)."""
    return {k: v for k, v in sorted(problems.counts.items()) if ".unresolved." in k}


_PREVIEW_COLUMNS = {
    "metadata": ["object_id", "object_type", "name", "host", "database", "schema", "status"],
    "linkages": ["linkage_type", "upstream_object", "upstream_column", "downstream_object", "downstream_column", "mapped"],
    "events": ["event_id", "status", "native_status", "started_at", "duration_seconds", "rows_total"],
    "databaselog": ["log_id", "object_id", "query_type", "query_text"],
}


def _value_counts(table: pa.Table, column: str) -> dict[str, int]:
    if not table.num_rows:
        return {}
    counts = pc.value_counts(table.column(column)).to_pylist()
    return {str(c["values"]): int(c["counts"]) for c in sorted(counts, key=lambda c: str(c["values"]))}


class TableSummary:
    """What the UI shows for one K extract table, accumulated partition by partition.

    Only counts and a small preview are kept, so a year-long range of large event tables does not
    have to sit in memory at once.
    """

    _COUNTED = {"metadata": "object_type", "linkages": "linkage_type", "events": "status", "databaselog": "query_type"}
    _SAMPLED = {"metadata": "object_type", "linkages": "downstream_object_type", "events": "status",
                "databaselog": "query_type"}
    _LABELS = {"metadata": "objects_by_type", "linkages": "edges_by_type", "events": "events_by_status",
               "databaselog": "queries_by_type"}

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.rows_by_partition: dict[str, int] = {}
        self.unfinished_by_partition: dict[str, int] = {}
        self.counts: Counter[str] = Counter()
        self.unmapped_edges = 0
        self.preview: list[dict[str, Any]] = []

    def add(self, partition: str, table: pa.Table) -> None:
        self.rows_by_partition[partition] = table.num_rows
        if self.kind == "events":
            statuses = _value_counts(table, "status")
            self.unfinished_by_partition[partition] = sum(statuses.get(s, 0) for s in UNFINISHED_STATUSES)
        if not table.num_rows:
            return
        self.counts.update(_value_counts(table, self._COUNTED[self.kind]))
        if self.kind == "linkages":
            self.unmapped_edges += int(table.num_rows - pc.sum(pc.cast(table.column("mapped"), pa.int64())).as_py())
        self.preview = sampled_rows(table, self._SAMPLED[self.kind])

    def metadata(self, unmapped: list[dict[str, Any]]) -> dict[str, Any]:
        rows = sum(self.rows_by_partition.values())
        md: dict[str, Any] = {
            "dagster/row_count": dg.MetadataValue.int(rows),
            "rows_by_partition": dg.MetadataValue.json(self.rows_by_partition),
            **({UNFINISHED_KEY: dg.MetadataValue.json(self.unfinished_by_partition)} if self.kind == "events" else {}),
            "preview": preview_table(self.preview, _PREVIEW_COLUMNS[self.kind]),
            self._LABELS[self.kind]: dg.MetadataValue.json(dict(sorted(self.counts.items()))),
            "dagster/column_schema": column_schema(self.kind),
        }
        if self.kind == "linkages":
            md["unmapped_edges"] = dg.MetadataValue.int(self.unmapped_edges)
            names = sorted({f"{u.get('name')} ({u.get('type')}: {u.get('host') or '?'}/{u.get('database') or '?'})"
                            for u in unmapped})
            md["unmapped_sources"] = dg.MetadataValue.md("\n".join(f"- {n}" for n in names) if names else "_none_")
        return md


def check_result(asset_key: dg.AssetKey, name: str, outcome: CheckOutcome,
                  severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    metadata: dict[str, Any] = {k: v for k, v in outcome.metadata.items() if isinstance(v, (int, float, str))}
    if outcome.problems:
        metadata["problems"] = dg.MetadataValue.md("\n".join(f"- {p}" for p in outcome.problems[:50]))
    return dg.AssetCheckResult(asset_key=asset_key, check_name=name, passed=outcome.passed,
                               severity=severity, metadata=metadata,
                               description=None if outcome.passed else "; ".join(outcome.problems[:3]))




def column_lineage_metadata(by_partition: dict[str, dict[str, Any]], cache: dict[str, int]) -> dict[str, Any]:
    """Column lineage through model SQL as the linkages page shows it: the last day's coverage and
    unresolved columns by reason, the same per day, and how much the SQL-digest cache saved."""
    if not by_partition:
        return {}
    last = by_partition[max(by_partition)]
    per_day = {day: {"models_with_column_lineage": t.get("models_with_column_lineage", 0),
                     "columns_with_lineage": t.get("columns_with_lineage", 0),
                     "unresolved_columns": sum((t.get("unresolved_columns_by_reason") or {}).values())}
               for day, t in sorted(by_partition.items())}
    return {
        "column_lineage": dg.MetadataValue.json({k: v for k, v in last.items() if k != "examples_without_source"}),
        "column_lineage_by_partition": dg.MetadataValue.json(per_day),
        "lineage_cache": dg.MetadataValue.json(cache),
    }
