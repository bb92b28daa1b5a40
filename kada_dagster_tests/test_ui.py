"""What a person sees in the Dagster UI: described columns before any run, checks per partition."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster._core.event_api import PartitionKeyFilter
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from kada_dagster.core.extract.schema import COLUMN_DESCRIPTIONS, KINDS
from kada_dagster_tests.ht_helpers import END, build_defs, materialise
from kada_sim.hightouch import HightouchSimulator

SIM_OPTIONS = {"seed": 13, "end": END, "days": 3}
"""conftest's module-scoped `sim`: the simulated Hightouch workspace of these tests."""


def test_table_assets_show_described_columns_before_the_first_run(sim: HightouchSimulator, tmp_path: Path) -> None:
    defs = build_defs(sim.url, sim.config.token, tmp_path)
    graph = defs.resolve_asset_graph()
    for kind in KINDS:
        spec = graph.get(dg.AssetKey(["hightouch", kind]))
        schema = spec.metadata["dagster/column_schema"]
        assert [c.name for c in schema.columns] == list(COLUMN_DESCRIPTIONS[kind])
        assert all(c.description for c in schema.columns)
    checks = [graph.get(key) for key in graph.asset_check_keys]
    assert checks and all(c.partitions_def is not None for c in checks)


def _latest(instance: dg.DagsterInstance, key: dg.AssetCheckKey, partition: str) -> AssetCheckExecutionRecordStatus:
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [key], partition_filter=PartitionKeyFilter(key=partition))
    return records[key].status


def test_a_failing_day_leaves_the_other_days_checks_as_they_were(sim: HightouchSimulator, tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    mapping = {s["name"]: {"host": "k.example.com", "database": "DB"} for s in sim.sources()}
    mapping.update({d["name"]: {"host": "k.example.com", "database": "DB"} for d in sim.destinations()})
    mapped = build_defs(sim.url, sim.config.token, tmp_path / "a", mapping=mapping)
    assert materialise(mapped, partition="2026-11-21", instance=instance).success
    unmapped = build_defs(sim.url, sim.config.token, tmp_path / "b")
    materialise(unmapped, partition="2026-11-22", instance=instance)
    key = dg.AssetCheckKey(dg.AssetKey(["hightouch", "linkages"]), "unmapped_sources")
    assert _latest(instance, key, "2026-11-22") == AssetCheckExecutionRecordStatus.FAILED
    assert _latest(instance, key, "2026-11-21") == AssetCheckExecutionRecordStatus.SUCCEEDED
