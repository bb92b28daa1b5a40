"""Issue 15: after a 2-day backfill launched as the UI launches it (launchPartitionBackfill over the
webserver's GraphQL API, run by dagster-daemon on PostgreSQL), each day's page tells that day's story.

What is read is what the UI reads, over GraphQL: each day's latest materialisation of every asset (its own
rows, files and manifest, never the other day's), each day's check executions (passed, warned or failed,
never left planned/skipped), and the backfill's runs (tagged with the instance and the days).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from kada_dagster_tests.daemon_helpers import Deployment, day

INSTANCE = "ht_days"
DAYS = [day(-3), day(-2)]
DONE = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
MATERIALISATIONS = """query($key: AssetKeyInput!, $days: [String!]) { assetNodeOrError(assetKey: $key) {
  __typename ... on AssetNode { assetMaterializations(partitions: $days, limit: 10) { partition runId timestamp
  metadataEntries { label __typename ... on TextMetadataEntry { text } ... on JsonMetadataEntry { jsonString }
  ... on IntMetadataEntry { intValue } ... on TableMetadataEntry { table { records } } } } } } }"""
CHECK_EXECUTIONS = """query($key: AssetKeyInput!, $name: String!, $day: String) {
  assetCheckExecutions(assetKey: $key, checkName: $name, partition: $day, limit: 5) { status partition runId } }"""
CHECKS = {("metadata", "conforms_to_contract"), ("linkages", "conforms_to_contract"),
          ("events", "conforms_to_contract"), ("databaselog", "conforms_to_contract"),
          ("linkages", "linkage_endpoints_in_metadata"), ("linkages", "unmapped_sources"),
          ("linkages", "model_columns_have_sources"), ("landing", "landed_by_deadline")}
WARNINGS = {"unmapped_sources", "model_columns_have_sources", "landed_by_deadline"}


def _stamp(partition: str) -> str:
    return (date.fromisoformat(partition) + timedelta(days=1)).strftime("%Y%m%d000000")


def _latest(d: Deployment, asset: str, partition: str) -> dict[str, Any]:
    """The day's newest materialisation, as the asset's partition page shows it: {label: value}."""
    data = d.graphql(MATERIALISATIONS, {"key": {"path": [INSTANCE, asset]}, "days": [partition]})
    events = data["assetNodeOrError"]["assetMaterializations"]
    assert events, (asset, partition)
    newest = max(events, key=lambda e: float(e["timestamp"]))
    values: dict[str, Any] = {}
    for entry in newest["metadataEntries"]:
        kind = entry["__typename"]
        values[entry["label"]] = (entry.get("text") if kind == "TextMetadataEntry" else
                                  json.loads(entry["jsonString"]) if kind == "JsonMetadataEntry" else
                                  entry.get("intValue") if kind == "IntMetadataEntry" else
                                  [json.loads(r) for r in entry["table"]["records"]] if kind == "TableMetadataEntry"
                                  else None)
    return values


def test_each_day_of_a_backfill_shows_its_own_files_rows_and_checks(dagster_deployment: Any) -> None:
    d: Deployment = dagster_deployment
    backfill_id = d.launch_backfill(INSTANCE, DAYS)
    status = d.wait_for("the backfill to complete", lambda: (s := d.backfill_status(backfill_id)) in DONE and s, 240)
    runs = d.runs("dagster/backfill", backfill_id)
    assert status == "COMPLETED_SUCCESS", (status, runs, d.log_tails())

    # every run says whose it is: the instance and the days, whatever launched it
    assert runs and all({t["key"]: t["value"] for t in r["tags"]}.get("kada/instance") == INSTANCE for r in runs)
    assert {{t["key"]: t["value"] for t in r["tags"]}.get("kada/partitions") for r in runs} == {"...".join(DAYS)}

    directory = d.landing / "lz" / INSTANCE / "landing"
    for partition in DAYS:
        other = next(p for p in DAYS if p != partition)
        landing = _latest(d, "landing", partition)
        names = [f["name"] for f in landing["files"]]
        assert len(names) == 4 and all(_stamp(partition) in n for n in names), names  # this day's files only
        assert landing["manifest"] == f"{INSTANCE}_manifest_{_stamp(partition)}.json"
        assert not any(_stamp(other) in json.dumps(v) for v in landing.values())
        manifest = json.loads((directory / landing["manifest"]).read_text())
        rows = {f["name"].split("_")[-2]: f["rows"] for f in manifest["files"]}
        assert landing["rows_by_kind"] == rows
        for kind in ("metadata", "linkages", "events", "databaselog"):
            page = _latest(d, kind, partition)
            assert page["partition"] == partition and page["dagster/row_count"] == rows[kind], (kind, page)
        assert "problems" in _latest(d, "metadata", partition)
        assert "column_lineage" in _latest(d, "linkages", partition)

    # every check has its own result for every day: passed (blocking ones), passed or warned (warnings)
    for asset, name in sorted(CHECKS):
        for partition in DAYS:
            data = d.graphql(CHECK_EXECUTIONS, {"key": {"path": [INSTANCE, asset]}, "name": name, "day": partition})
            executions = data["assetCheckExecutions"]
            assert executions, (asset, name, partition)
            allowed = {"SUCCEEDED", "FAILED"} if name in WARNINGS else {"SUCCEEDED"}
            assert executions[0]["partition"] == partition and executions[0]["status"] in allowed, executions
