"""What the Dagster UI shows of a collector run: column descriptions, table previews, counts, check results.

Kept apart from the layer functions so a change of presentation never touches how data is fetched,
normalised or landed.
"""

import functools
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


@functools.cache
def column_schema(kind: str) -> dg.TableSchema:
    """The contract's columns of a K extract table, with their meaning: on the spec, so the UI shows them
    before the first run. Built once per kind (immutable) and shared by every instance's spec."""
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
    """What one day's page shows of one K extract table: its rows, counts by type and a small preview."""

    _COUNTED = {"metadata": "object_type", "linkages": "linkage_type", "events": "status", "databaselog": "query_type"}
    _SAMPLED = {"metadata": "object_type", "linkages": "downstream_object_type", "events": "status",
                "databaselog": "query_type"}
    _LABELS = {"metadata": "objects_by_type", "linkages": "edges_by_type", "events": "events_by_status",
               "databaselog": "queries_by_type"}

    def __init__(self, kind: str, partition: str, table: pa.Table) -> None:
        self.kind = kind
        self.partition = partition
        self.rows = table.num_rows
        self.counts = _value_counts(table, self._COUNTED[kind])
        self.unfinished = sum(self.counts.get(s, 0) for s in UNFINISHED_STATUSES) if kind == "events" else 0
        self.unmapped_edges = (int(table.num_rows - pc.sum(pc.cast(table.column("mapped"), pa.int64())).as_py())
                               if kind == "linkages" and table.num_rows else 0)
        self.preview = sampled_rows(table, self._SAMPLED[kind])

    def metadata(self, unmapped: list[dict[str, Any]]) -> dict[str, Any]:
        md: dict[str, Any] = {
            "dagster/row_count": dg.MetadataValue.int(self.rows),
            "partition": dg.MetadataValue.text(self.partition),
            "preview": preview_table(self.preview, _PREVIEW_COLUMNS[self.kind]),
            self._LABELS[self.kind]: dg.MetadataValue.json(dict(sorted(self.counts.items()))),
            "dagster/column_schema": column_schema(self.kind),
        }
        if self.kind == "events":
            md[UNFINISHED_KEY] = dg.MetadataValue.json({self.partition: self.unfinished})
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




def column_lineage_metadata(tally: dict[str, Any], cache: dict[str, int]) -> dict[str, Any]:
    """Column lineage through model SQL as a day's linkages page shows it: coverage, unresolved columns by
    reason, edges by word, and how much the SQL-digest cache saved in the run."""
    return {
        "column_lineage": dg.MetadataValue.json({k: v for k, v in tally.items() if k != "examples_without_source"}),
        "lineage_cache": dg.MetadataValue.json(cache),
    }


def problems_metadata(problems: ProblemLog) -> dict[str, Any]:
    """The day's problems in the project's vocabulary (skipped, tolerated, missing), with examples."""
    return {"problems": dg.MetadataValue.json(problems.as_dict())}


def raw_day_metadata(outcome: Any, windows: Sequence[Any], settings: Any, store: Any,
                     instance: str) -> dict[str, dict[str, Any]]:
    """Each day's raw page: that day's records; the fetch (requests, problems) is the run's, and says so."""
    stats = outcome.requests
    run = {
        "requests": dg.MetadataValue.int(stats["requests"]),
        "retries": dg.MetadataValue.int(stats["retries"]),
        "rate_limited_429": dg.MetadataValue.int(stats["rate_limited_429"]),
        # how the limiter paced the run: the adaptive default's one deliberate 429 shows here
        "limiter": dg.MetadataValue.json(stats.get("limiter", {})),
        "requests_by_endpoint": dg.MetadataValue.json(stats["by_endpoint"]),
        "runs_outside_window_dropped": dg.MetadataValue.int(outcome.outside_window),
        "problems": dg.MetadataValue.json(outcome.problems.as_dict()),
        "seconds": dg.MetadataValue.float(outcome.seconds),
        # One read serves every day of a range: these figures are the run's, not the day's alone.
        "fetched_for": dg.MetadataValue.text(f"{windows[0].key}...{windows[-1].key} (one read for {len(windows)} "
                                             "days: requests, problems and seconds are the run's)"
                                             if len(windows) > 1 else windows[0].key),
        "settings": dg.MetadataValue.json(settings.public_summary()),
    }
    return {w.key: {"partition": dg.MetadataValue.text(w.key),
                    "objects_by_collection": dg.MetadataValue.json(outcome.per_partition.get(w.key, {})), **run,
                    "storage": dg.MetadataValue.path(str(store.raw_dir(instance, w.key)))}
            for w in windows}


def tables_day_metadata(kind: str, day: Any, cache: dict[str, int], store: Any, instance: str) -> dict[str, Any]:
    """One table's page for one day: its rows, counts and preview; the day's problems on `metadata`, its
    column lineage on `linkages`."""
    summary = day.summaries[kind]
    md = summary.metadata(day.unmapped)
    if kind == "metadata":
        md.update(problems_metadata(day.problems))
    if kind == "linkages":
        md.update(column_lineage_metadata(day.column_lineage, cache))
    md["storage"] = dg.MetadataValue.path(str(store.table_path(instance, summary.partition, kind).parent))
    return md


def landing_day_metadata(outcome: Any, directory: str) -> dict[str, dict[str, Any]]:
    """Each day's landing page: its own five files, manifest and rows."""
    out = {}
    for day, files in outcome.landed.items():
        csvs, manifest = files[:-1], files[-1]
        out[day] = {
            "partition": dg.MetadataValue.text(day),
            "landing_directory": dg.MetadataValue.text(directory),
            "dagster/uri": dg.MetadataValue.text(directory),
            "files": preview_table(csvs, ["name", "rows", "bytes", "sha256"]),
            "manifest": dg.MetadataValue.text(manifest["name"]),
            "rows_by_kind": dg.MetadataValue.json({_kind_of_file(f["name"]): f["rows"] for f in csvs}),
        }
    return out


def _kind_of_file(name: str) -> str:
    """`hightouch_linkages_20261123000000.csv.gz` → `linkages`."""
    return name.rsplit("_", 2)[-2]


def openlineage_day_metadata(outcome: Any, windows: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Each day's OpenLineage page: the events sent for that day; jobs, datasets and the transport are the run's."""
    run = {
        "jobs": dg.MetadataValue.int(outcome.jobs), "datasets": dg.MetadataValue.int(outcome.datasets),
        "not_placed": dg.MetadataValue.json(dict(outcome.unplaced)),
        "transport": dg.MetadataValue.text(outcome.transport or "none (OPENLINEAGE_DISABLED)"),
        "setting": dg.MetadataValue.text(outcome.setting), "seconds": dg.MetadataValue.float(outcome.seconds),
    }
    return {w.key: {"partition": dg.MetadataValue.text(w.key),
                    "events_by_kind": dg.MetadataValue.json(outcome.per_partition.get(w.key, {})), **run}
            for w in windows}
