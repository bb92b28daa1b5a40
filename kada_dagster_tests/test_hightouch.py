"""The Hightouch collector end to end over real HTTP: assets, lineage, masking, redaction, ranges."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import dagster as dg
import pytest
import sqlglot
from sqlglot.tokens import TokenType

from kada_dagster.core.collector import NormaliseContext, PartitionWindow, RawPartition
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.settings import resolve_settings
from kada_dagster.core.storage import IntermediateStore
from kada_dagster.hightouch.definitions import HightouchCollector
from kada_dagster.hightouch.resources import HIGHTOUCH_PROFILE
from kada_dagster_tests.ht_helpers import END, assert_no_secret_leak, build_defs, materialise
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator

UTC = timezone.utc
DAY = "2026-11-22"
STAMP = "20261123000000"
KINDS = ("metadata", "linkages", "events", "databaselog")


SIM_OPTIONS = {"seed": 5, "end": END, "days": 6, "n_syncs": 24, "n_models": 18}
"""conftest's module-scoped `sim`: the simulated Hightouch workspace of these tests."""


@pytest.fixture(scope="module")
def landed(sim: HightouchSimulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One partition materialised with a fresh instance; what tests inspect."""
    tmp = tmp_path_factory.mktemp("ht_single")
    instance = dg.DagsterInstance.ephemeral()
    sim.reset_stats()
    result = materialise(build_defs(sim.url, sim.config.token, tmp), partition=DAY, instance=instance)
    directory = tmp / "landing" / "lz" / "hightouch" / "landing"
    return {"result": result, "tmp": tmp, "dir": directory, "instance": instance,
            "stats": sim.stats.snapshot()}


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8"))))


def test_single_partition_lands_the_contract_file_set(landed: dict[str, Any]) -> None:
    assert landed["result"].success
    names = sorted(p.name for p in landed["dir"].iterdir())
    assert names == sorted([f"hightouch_{k}_{STAMP}.csv.gz" for k in KINDS] + [f"hightouch_manifest_{STAMP}.json"])
    manifest = json.loads((landed["dir"] / f"hightouch_manifest_{STAMP}.json").read_text())
    assert manifest["instance"] == "hightouch" and manifest["source_type"] == "hightouch"
    assert (manifest["window_start"], manifest["window_end"]) == ("2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z")
    assert manifest["mask"] is True and manifest["compress"] is True and manifest["format_version"] == 3
    for entry in manifest["files"]:
        data = (landed["dir"] / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
        assert len(read_csv(landed["dir"] / entry["name"])) == entry["rows"]
    checks = {(c.asset_key.to_user_string(), c.check_name): c.passed
              for c in landed["result"].get_asset_check_evaluations()}
    warnings = ("unmapped_sources", "model_columns_have_sources")  # WARN checks: the workspace has both cases
    assert all(v for k, v in checks.items() if k[1] not in warnings), checks
    assert len(checks) == 8  # the 7 table checks + landing:landed_by_deadline (core.freshness)
    assert checks[("hightouch/linkages", "model_columns_have_sources")] is False  # a custom model's mapped columns


def test_events_are_exactly_the_runs_that_started_in_the_window(sim: HightouchSimulator, landed: dict[str, Any]) -> None:
    start, end = datetime(2026, 11, 22, tzinfo=UTC), END
    expected = {f"hightouch:sync_run:{s['id']}:{r['id']}" for s in sim.syncs() for r in sim.runs_for(s["id"], start, end)}
    events = read_csv(landed["dir"] / f"hightouch_events_{STAMP}.csv.gz")
    assert {e["event_id"] for e in events} == expected and expected
    assert {e["status"] for e in events} <= {"SUCCESS", "WARNING", "FAILED", "RUNNING", "QUEUED", "CANCELLED", "SKIPPED"}
    running = [e for e in events if e["finished_at"] == ""]
    assert all(e["status"] in {"RUNNING", "QUEUED"} and e["duration_seconds"] == "" for e in running)
    # Runs are read, once each, for every sync that cannot be proven idle since the window start.
    assert landed["stats"]["by_endpoint"]["GET /syncs/{id}/runs"] == len(sim.syncs()) - len(provably_idle(sim, start))


FINISHED = {"success", "warning", "failed", "cancelled", "interrupted"}


def provably_idle(sim: HightouchSimulator, start: datetime) -> list[dict[str, Any]]:
    """Syncs whose lastRunAt (start or finish of the last run) is before `start` and whose status is a
    finished run's: the only ones whose runs need not be requested."""
    stamp = start.strftime("%Y-%m-%dT%H:%M:%S")
    return [s for s in sim.syncs() if s.get("lastRunAt") and s["lastRunAt"] < stamp and s["status"] in FINISHED]


def test_metadata_leaves_out_objects_created_after_the_window(sim: HightouchSimulator, landed: dict[str, Any]) -> None:
    rows = {r["object_id"]: r for r in read_csv(landed["dir"] / f"hightouch_metadata_{STAMP}.csv.gz")}
    for collection, object_type in (("sources", "source"), ("models", "model"), ("destinations", "destination"),
                                    ("syncs", "sync")):
        for obj in getattr(sim, collection)():
            present = f"hightouch:{object_type}:{obj['id']}" in rows
            assert present == (obj["createdAt"] < "2026-11-23T00:00:00"), (object_type, obj["id"], obj["createdAt"])
    assert any(r["object_type"] == "workspace" for r in rows.values())


def test_lineage_for_every_model_query_type(sim: HightouchSimulator, landed: dict[str, Any]) -> None:
    links = read_csv(landed["dir"] / f"hightouch_linkages_{STAMP}.csv.gz")
    into: dict[str, list[dict[str, str]]] = {}
    for link in links:
        into.setdefault(link["downstream_object"], []).append(link)
    models = [m for m in sim.models() if m["createdAt"] < "2026-11-23"]
    seen_types = set()
    for model in models:
        edges = [e for e in into.get(f"hightouch:model:{model['id']}", []) if e["linkage_type"] == "table"]
        qt = model["queryType"]
        seen_types.add(qt)
        if qt == "table":
            # names are folded as the warehouse stores them (test_hightouch_profiles checks the spelling)
            assert [e["upstream_object"].lower() for e in edges] == [model["table"]["name"].split(".")[-1].lower()]
            assert edges[0]["upstream_object_type"] == "table" and edges[0]["upstream_schema"]
        elif qt == "raw_sql":
            names = {e["upstream_object"].lower() for e in edges}
            assert names and all(n in model["raw"]["sql"].lower() for n in names)
        elif qt == "dbt":
            assert [(e["upstream_database"], e["upstream_schema"], e["upstream_object"].lower()) for e in edges] == [
                (model["dbt"]["database"], model["dbt"]["schema"], model["dbt"]["name"].lower())]
        elif qt == "visual":
            assert [e["upstream_object"] for e in edges] == [f"hightouch:model:{model['visual']['parentId']}"]
        elif qt == "custom":
            assert [e["upstream_object"] for e in edges] == [f"hightouch:source:{model['sourceId']}"]
    assert {"table", "raw_sql", "dbt", "visual", "custom"} <= seen_types
    # model -> destination object via the sync, with column edges from configuration.mappings
    for sync in sim.syncs():
        if sync["createdAt"] >= "2026-11-23" or not any(m["id"] == sync["modelId"] for m in models):
            continue
        via = [e for e in links if e["via_object_id"] == f"hightouch:sync:{sync['id']}"]
        table_edges = [e for e in via if e["linkage_type"] == "table"]
        assert len(table_edges) == 1 and table_edges[0]["upstream_object"] == f"hightouch:model:{sync['modelId']}"
        obj = sync["configuration"].get("object") or sync["configuration"].get("eventName")
        if isinstance(obj, str):
            assert table_edges[0]["downstream_object"] == obj
        expected = {(m["from"], m["to"]) for m in sync["configuration"].get("mappings", []) if isinstance(m.get("from"), str)}
        got = {(e["upstream_column"], e["downstream_column"]) for e in via if e["linkage_type"] == "column"}
        assert expected <= got


def _literals(sql: str) -> set[str]:
    tokens = sqlglot.Dialect.get_or_raise("snowflake").tokenize(sql)
    return {t.text for t in tokens if t.token_type == TokenType.STRING and len(t.text) >= 4}


def test_masking_leaves_no_sql_literal_in_landed_files(sim: HightouchSimulator, landed: dict[str, Any]) -> None:
    literals = set()
    for model in sim.models():
        custom = json.dumps((model.get("custom") or {}).get("query"))
        for sql in (model.get("raw") or {}).get("sql"), (model.get("dbt") or {}).get("compiledSql"), custom:
            if sql:
                literals |= _literals(sql)
    assert literals
    texts = [r["definition"] for r in read_csv(landed["dir"] / f"hightouch_metadata_{STAMP}.csv.gz") if r["definition"]]
    texts += [r["query_text"] for r in read_csv(landed["dir"] / f"hightouch_databaselog_{STAMP}.csv.gz")]
    assert texts
    for text in texts:  # no literal anywhere in a query text, not even a common word
        assert not {lit for lit in literals if f"'{lit}'" in text or f'"{lit}"' in text}, text
    distinctive = {lit for lit in literals if not lit.isalpha()}  # values, dates, patterns
    for kind in ("metadata", "databaselog", "linkages"):
        whole = gzip.decompress((landed["dir"] / f"hightouch_{kind}_{STAMP}.csv.gz").read_bytes()).decode()
        assert not {lit for lit in distinctive if lit in whole}, kind
    logs = read_csv(landed["dir"] / f"hightouch_databaselog_{STAMP}.csv.gz")
    assert logs and any("'?'" in r["query_text"] for r in logs)  # placeholders are there


def test_no_secret_reaches_landing_intermediate_or_dagster_events(sim: HightouchSimulator, landed: dict[str, Any]) -> None:
    assert_no_secret_leak([*sim.secret_values(), sim.config.token], landed["tmp"], landed["instance"],
                          landed["result"].run_id)


def test_ui_metadata_shows_counts_preview_lineage_and_unmapped(landed: dict[str, Any]) -> None:
    result = landed["result"]
    by_key = {m.asset_key.to_user_string(): m.metadata
              for m in result.get_asset_materialization_events() for m in [m.materialization]}
    assert by_key["hightouch/metadata"]["dagster/row_count"].value > 0
    assert "objects_by_type" in by_key["hightouch/metadata"] and "preview" in by_key["hightouch/events"]
    assert by_key["hightouch/linkages"]["edges_by_type"].value["table"] > 0
    assert "unmapped_sources" in by_key["hightouch/linkages"]
    assert by_key["hightouch/raw"]["requests"].value == landed["stats"]["total_requests"]


def test_three_day_range_is_one_run_reading_everything_once(sim: HightouchSimulator, tmp_path: Path) -> None:
    sim.reset_stats()
    result = materialise(build_defs(sim.url, sim.config.token, tmp_path), start="2026-11-20", end="2026-11-22")
    assert result.success
    directory = tmp_path / "landing" / "lz" / "hightouch" / "landing"
    manifests = sorted(p.name for p in directory.glob("*manifest*"))
    assert manifests == [f"hightouch_manifest_2026112{d}000000.json" for d in (1, 2, 3)]
    stats = sim.stats.snapshot()["by_endpoint"]
    # one page each, plus the empty page that ends a list without hasMore (a short page proves nothing)
    assert stats["GET /sources"] == 2 and stats["GET /models"] == 2 and stats["GET /syncs"] == 2  # probe + page
    idle = provably_idle(sim, datetime(2026, 11, 20, tzinfo=UTC))
    assert stats["GET /syncs/{id}/runs"] == len(sim.syncs()) - len(idle)
    for day, stamp in (("2026-11-20", "20261121000000"), ("2026-11-21", "20261122000000")):
        start = datetime.fromisoformat(day).replace(tzinfo=UTC)
        expected = sum(len(sim.runs_for(s["id"], start, start + timedelta(days=1))) for s in sim.syncs())
        assert len(read_csv(directory / f"hightouch_events_{stamp}.csv.gz")) == expected


def test_string_ids_give_the_same_object_ids(tmp_path: Path) -> None:
    ids = []
    for string_ids in (False, True):
        simulator = HightouchSimulator(HightouchSimConfig(seed=9, end=END, days=2, string_ids=string_ids))
        with simulator.serve() as url:
            out = tmp_path / str(string_ids)
            assert materialise(build_defs(url, simulator.config.token, out), partition=DAY).success
            ids.append(sorted(r["object_id"] for r in read_csv(
                out / "landing" / "lz" / "hightouch" / "landing" / f"hightouch_metadata_{STAMP}.csv.gz")))
    assert ids[0] == ids[1]


def test_dangling_reference_404_is_logged_counted_and_skipped(tmp_path: Path) -> None:
    simulator = HightouchSimulator(HightouchSimConfig(seed=4, end=END, days=2, dangling_references=True))
    with simulator.serve() as url:
        result = materialise(build_defs(url, simulator.config.token, tmp_path), partition=DAY)
    assert result.success
    raw = next(m.materialization for m in result.get_asset_materialization_events()
               if m.materialization.asset_key.to_user_string() == "hightouch/raw")
    counts = cast(dict[str, Any], raw.metadata["problems"].value)["counts"]
    assert any("referenced_not_found" in key for key in counts), counts


def test_bad_input_is_kept_with_what_is_known_and_counted(tmp_path: Path) -> None:
    store = IntermediateStore(tmp_path)
    window = PartitionWindow(DAY, datetime(2026, 11, 22, tzinfo=UTC), END)
    writer = store.raw_writer("hightouch", DAY)
    writer.add_many("sources", [{"id": "7", "name": "pg", "type": "postgres", "configuration": "not-an-object"},
                                "garbage", {"name": "no id"}])
    writer.add_many("models", [{"id": 1.0, "name": "m", "sourceId": "7", "queryType": "looker", "tags": ["x"]},
                               {"id": 2, "sourceId": 7, "queryType": "raw_sql", "raw": {"sql": "select from where ("}}])
    writer.add_many("destinations", [])
    writer.add_many("syncs", [{"id": 3, "modelId": 1, "destinationId": 99, "lastRunAt": "yesterday"}])
    writer.add_many("sync_runs", [{"id": 5, "syncId": "3", "status": "exploded", "startedAt": "2026-11-22T01:00:00Z",
                                   "finishedAt": "2026-11-22T01:00:05Z", "error": "boom at row 77"},
                                  {"syncId": "3", "status": "success"}])
    writer.commit({})
    problems = ProblemLog()
    settings = resolve_settings(HIGHTOUCH_PROFILE, env={})
    result = HightouchCollector().normalise(RawPartition(store, "hightouch", window), NormaliseContext(settings, window, problems))
    ids = set(result.tables["metadata"].column("object_id").to_pylist())
    assert {"hightouch:source:7", "hightouch:model:1", "hightouch:model:2", "hightouch:sync:3"} <= ids
    events = result.tables["events"].to_pylist()
    assert [(e["event_id"], e["status"], e["error_message"]) for e in events] == [
        ("hightouch:sync_run:3:5", "UNKNOWN", "boom at row ?")]  # an undocumented status is not guessed
    for category in ("hightouch.sources.not_an_object", "hightouch.source.missing_id", "hightouch.model.unknown_query_type",
                     "hightouch.model.sql_unparsed", "hightouch.sync.bad_timestamp", "hightouch.sync.destination_missing",
                     "hightouch.unresolved.run_status", "hightouch.sync_run.invalid"):
        assert problems.counts.get(category.replace("sources.not_an_object", "source.not_an_object")), (category, problems.counts)


def test_cli_materialises_a_partition_range_in_one_run_on_postgres_storage(
    sim: HightouchSimulator, tmp_path: Path, postgres_url: str
) -> None:
    """The 'done when' command, verbatim, with Dagster's instance storage in PostgreSQL."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(f"storage:\n  postgres:\n    postgres_url: \"{postgres_url}\"\n"
                                       "telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "HIGHTOUCH_API_BASE_URL": sim.url,
           "HIGHTOUCH_API_TOKEN": sim.config.token, "KADA_LANDING_URL": str(tmp_path / "landing"),
           "KADA_INTERMEDIATE_PATH": str(tmp_path / "intermediate"), "KADA_START_DATE": "2026-11-01"}
    dagster = str(Path(sys.executable).with_name("dagster"))
    command = [dagster, "asset", "materialize", "-m", "kada_dagster.definitions", "--select", "group:hightouch",
               "--partition-range", "2026-11-20...2026-11-22"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    directory = tmp_path / "landing" / "lz" / "hightouch" / "landing"
    assert len(list(directory.glob("hightouch_manifest_*.json"))) == 3
    instance = dg.DagsterInstance.from_config(str(home))
    runs = instance.get_runs()
    assert len(runs) == 1 and runs[0].tags.get("dagster/asset_partition_range_end") == "2026-11-22"
    bad = subprocess.run(command[:-2] + ["--partition", DAY], env={**env, "HIGHTOUCH_API_TOKEN": ""},
                         capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert bad.returncode != 0 and "HIGHTOUCH_API_TOKEN" in bad.stdout + bad.stderr


def test_landing_catchup_sensor_pushes_built_but_unlanded_partitions(sim: HightouchSimulator, tmp_path: Path) -> None:
    defs = build_defs(sim.url, sim.config.token, tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    job = defs.resolve_implicit_global_asset_job_def()
    extract_only = [dg.AssetKey(["hightouch", k]) for k in ("raw", *KINDS)]
    assert job.execute_in_process(partition_key=DAY, instance=instance, asset_selection=extract_only).success
    sensor = defs.resolve_sensor_def("kada_landing_catchup_sensor")
    result = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    assert result.run_requests is not None
    assert [(r.partition_key, r.asset_selection) for r in result.run_requests] == [
        (DAY, [dg.AssetKey(["hightouch", "landing"])])]
    assert job.execute_in_process(partition_key=DAY, instance=instance,
                                  asset_selection=[dg.AssetKey(["hightouch", "landing"])]).success
    assert (tmp_path / "landing" / "lz" / "hightouch" / "landing" / f"hightouch_manifest_{STAMP}.json").exists()
    again = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs))
    assert not again.run_requests and "landed" in (again.skip_message or "")
