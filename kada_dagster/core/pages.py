"""Each day's page tells that day's story, whatever run produced it.

A range backfill is one run (`BackfillPolicy.single_run()`: one metadata read, one run-history read), and
Dagster gives a step's output one materialisation per partition of the range with the same metadata
(dagster-io/dagster#18123). So every step of a range run records, after that range record, one
materialisation *per day* (`AssetMaterialization(partition=...)`) with only that day's rows, files,
problems and column lineage, and one check evaluation per day (`AssetCheckEvaluation(partition=...)`):
the newest record of a day is its own. The range record says it is a range and carries no day's figures.
A one-day run records that day once. Every run is also tagged with its instance and days, so the runs
list, the partition page and the failure report say whose it is, however it was launched.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dagster as dg

from kada_dagster.core.checks import CheckOutcome
from kada_dagster.core.collector import PartitionWindow
from kada_dagster.core.ui import tables_day_metadata

INSTANCE_TAG, PARTITIONS_TAG = "kada/instance", "kada/partitions"
# The tables step's checks: (table, check) → severity. Blocking ones stop the landing of a broken extract.
TABLE_CHECKS: dict[tuple[str, str], dg.AssetCheckSeverity] = {
    **{(kind, "conforms_to_contract"): dg.AssetCheckSeverity.ERROR
       for kind in ("metadata", "linkages", "events", "databaselog")},
    ("linkages", "linkage_endpoints_in_metadata"): dg.AssetCheckSeverity.ERROR,
    ("linkages", "unmapped_sources"): dg.AssetCheckSeverity.WARN,
    ("linkages", "model_columns_have_sources"): dg.AssetCheckSeverity.WARN,
}



def partition_range(windows: Sequence[PartitionWindow]) -> str:
    """`2026-11-22`, or `2026-11-01...2026-11-30` for a range."""
    return windows[0].key if len(windows) == 1 else f"{windows[0].key}...{windows[-1].key}"


def tag_run(context: dg.AssetExecutionContext, instance: str, windows: Sequence[PartitionWindow]) -> None:
    """Tags the run with its instance and days (runs from the UI or a backfill have no job of ours)."""
    tags = {INSTANCE_TAG: instance, PARTITIONS_TAG: partition_range(windows)}
    current = context.run.tags
    missing = {k: v for k, v in tags.items() if current.get(k) != v}
    if missing:
        context.instance.add_run_tags(context.run_id, missing)


def range_metadata(windows: Sequence[PartitionWindow], **extra: Any) -> dict[str, Any]:
    """The range record: what it covers, and where each day's own figures are."""
    return {
        "partition_range": dg.MetadataValue.text(partition_range(windows)),
        "days": dg.MetadataValue.int(len(windows)),
        "per_day": dg.MetadataValue.text("one run for the range: each day's own materialisation and check "
                                         "results follow this record, with that day's figures only"),
        **extra,
    }


def materialisations(key: dg.AssetKey, windows: Sequence[PartitionWindow],
                     day_metadata: Mapping[str, dict[str, Any]], range_extra: dict[str, Any] | None = None,
                     ) -> Iterator[dg.MaterializeResult | dg.AssetMaterialization]:
    """A one-day run: that day's record. A range: the range record, then each day's own."""
    if len(windows) == 1:
        yield dg.MaterializeResult(asset_key=key, metadata=day_metadata[windows[0].key])
        return
    yield dg.MaterializeResult(asset_key=key, metadata=range_metadata(windows, **(range_extra or {})))
    for window in windows:
        yield dg.AssetMaterialization(asset_key=key, partition=window.key, metadata=day_metadata[window.key])


def check_metadata(outcome: CheckOutcome) -> dict[str, Any]:
    metadata: dict[str, Any] = {k: v for k, v in outcome.metadata.items() if isinstance(v, (int, float, str))}
    if outcome.problems:
        metadata["problems"] = dg.MetadataValue.md("\n".join(f"- {p}" for p in outcome.problems[:50]))
    return metadata


def check_results(key: dg.AssetKey, name: str, windows: Sequence[PartitionWindow],
                  by_day: Mapping[str, CheckOutcome], severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
                  ) -> Iterator[dg.AssetCheckEvaluation | dg.AssetCheckResult]:
    """Each day's evaluation of a check (a range), then the check's result for the run (all days)."""
    if len(windows) > 1:
        for window in windows:
            outcome = by_day[window.key]
            yield dg.AssetCheckEvaluation(
                asset_key=key, check_name=name, passed=outcome.passed, partition=window.key, severity=severity,
                metadata=check_metadata(outcome),
                description=None if outcome.passed else "; ".join(outcome.problems[:3]))
    merged = CheckOutcome(True)
    for window in windows:
        merged.merge(by_day[window.key], window.key if len(windows) > 1 else "")
    if len(windows) == 1:
        merged = by_day[windows[0].key]
    yield dg.AssetCheckResult(asset_key=key, check_name=name, passed=merged.passed, severity=severity,
                              metadata=check_metadata(merged) | ({"partition_range": partition_range(windows)}
                                                                 if len(windows) > 1 else {}),
                              description=None if merged.passed else "; ".join(merged.problems[:3]))


def tables_events(table_keys: Mapping[str, dg.AssetKey], windows: Sequence[PartitionWindow], outcome: Any,
                  store: Any, instance: str) -> Iterator[Any]:
    """The tables step's records: each table's materialisations, then each check's results, day by day."""
    for kind, key in table_keys.items():
        day_md = {day: tables_day_metadata(kind, tables, outcome.lineage_cache, store, instance)
                  for day, tables in outcome.days.items()}
        rows = {day: tables.summaries[kind].rows for day, tables in outcome.days.items()}
        yield from materialisations(key, windows, day_md, range_extra={"rows_by_partition": dg.MetadataValue.json(rows)})
    for (kind, name), severity in TABLE_CHECKS.items():
        yield from check_results(table_keys[kind], name, windows,
                                 {day: t.checks[(kind, name)] for day, t in outcome.days.items()}, severity)
