"""The Hevo collector, Standard and Edge, end to end over real HTTP against the simulated Hevo API."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from kada_dagster.core.api_errors import ApiError, AuthError
from kada_dagster.core.collector import NormaliseContext, PartitionWindow, RawPartition
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.settings import SettingsError
from kada_dagster.core.storage import IntermediateStore
from kada_dagster.hevo.definitions import HevoCollector
from kada_dagster.hevo.resources import HevoResource
from kada_dagster.hevo.run_events import JOB_STATUS
from kada_dagster_tests.hevo_helpers import build_defs, hevo_resource, hevo_sim, landed_dir, table
from kada_dagster_tests.ht_helpers import END, assert_no_secret_leak, materialise
from kada_sim.hevo import JOB_STATUSES, HevoSimulator

UTC = timezone.utc
DAY = "2026-11-22"
DAY_START = datetime(2026, 11, 22, tzinfo=UTC)
STAMP = "20261123000000"
KINDS = ("metadata", "linkages", "events", "databaselog")
NO_DATA = {"SKIPPED", "PERMISSION_DENIED", "INACCESSIBLE", "DELETED"}


def run_once(sim: HevoSimulator, tmp: Path, **kwargs: Any) -> dict[str, Any]:
    """One partition materialised with a fresh instance and clean simulator statistics."""
    instance = dg.DagsterInstance.ephemeral()
    sim.reset_stats()
    result = materialise(build_defs(sim, tmp, **kwargs), partition=DAY, instance=instance)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return {"result": result, "tmp": tmp, "instance": instance, "stats": sim.stats.snapshot(),
            **{kind: table(tmp, kind) for kind in KINDS}}


def serving(flavour: str) -> Iterator[HevoSimulator]:
    sim = hevo_sim(flavour)
    with sim.serve():
        yield sim


@pytest.fixture(scope="module")
def std_sim() -> Iterator[HevoSimulator]:
    yield from serving("standard")


@pytest.fixture(scope="module")
def edge_sim() -> Iterator[HevoSimulator]:
    yield from serving("edge")


@pytest.fixture(scope="module")
def std(std_sim: HevoSimulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_once(std_sim, tmp_path_factory.mktemp("hevo_std"))


@pytest.fixture(scope="module")
def edge(edge_sim: HevoSimulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_once(edge_sim, tmp_path_factory.mktemp("hevo_edge"))


def stored(name: str, warehouse: str) -> str:
    """How the warehouse stores an unquoted identifier (written here, not taken from the collector)."""
    kind = warehouse.upper()
    if kind.startswith("SNOWFLAKE"):
        return name.upper()
    if kind.startswith(("POSTGRES", "REDSHIFT")):
        return name.lower()
    return name


def created_before_end(record: dict[str, Any]) -> bool:
    created = record.get("created_ts")
    return created is None or created < int(END.timestamp() * 1000)


# --- file set, checks, requests --------------------------------------------------------------------
@pytest.mark.parametrize("which", ["std", "edge"])
def test_partition_lands_the_contract_file_set_with_passing_checks(which: str, request: pytest.FixtureRequest) -> None:
    run = request.getfixturevalue(which)
    names = sorted(p.name for p in landed_dir(run["tmp"]).iterdir())
    assert names == sorted([f"hevo_{k}_{STAMP}.csv.gz" for k in KINDS] + [f"hevo_manifest_{STAMP}.json"])
    manifest = json.loads((landed_dir(run["tmp"]) / f"hevo_manifest_{STAMP}.json").read_text())
    assert (manifest["instance"], manifest["source_type"]) == ("hevo", "hevo")
    assert [f["rows"] for f in manifest["files"]] == [len(run[k]) for k in KINDS]
    checks = {(c.asset_key.to_user_string(), c.check_name): c.passed for c in run["result"].get_asset_check_evaluations()}
    warnings = ("unmapped_sources", "model_columns_have_sources")  # WARN checks: may flag the workspace
    assert len(checks) == 8 and all(v for k, v in checks.items() if k[1] not in warnings), checks  # + landed_by_deadline
    assert run["metadata"] and run["linkages"] and run["events"]


def test_standard_reads_each_thing_once_and_only_what_it_uses(std_sim: HevoSimulator, std: dict[str, Any]) -> None:
    stats = std["stats"]
    assert not [r for r, n in Counter(stats["requests"]).items() if n > 1]
    pipelines = std_sim.pipelines()
    loadable = [et for p in pipelines for et in std_sim.event_types_for(p["id"])
                if et["mapping_status"] not in ("UNMAPPED", "IGNORED")]
    assert stats["by_endpoint"] == {
        "GET /pipelines": 1,  # the connection test's page is the listing's first page
        "GET /destinations": 1, "GET /models": 1, "GET /workflows": 1,
        "GET /pipelines/{id}/objects": len(pipelines),
        "GET /pipelines/{id}/event-types": len(pipelines),
        "GET /pipelines/{id}/mappings/{id}": len(loadable),
    }
    # A mapping request per event type that can name a destination table, URL-encoded (names with spaces).
    targets = {t for _, t in stats["requests"] if "/mappings/" in t}
    assert any("%20enriched" in t for t in targets)


def test_edge_reads_each_thing_once_and_only_what_it_uses(edge_sim: HevoSimulator, edge: dict[str, Any]) -> None:
    """Jobs are requested for every pipeline (disabled, initialising or not updated lately included: case 2)
    with only `limit`/`cursor` (case 12)."""
    stats = edge["stats"]
    assert not [r for r, n in Counter(stats["requests"]).items() if n > 1]
    pipelines = edge_sim.pipelines()
    with_data = [o for p in pipelines for o in edge_sim.objects_for(p["id"]) if o["status"] not in NO_DATA]
    assert stats["by_endpoint"] == {
        "GET /pipelines": 1, "GET /destinations": 1,
        "GET /pipelines/{id}/objects": len(pipelines),
        "GET /pipelines/{id}/objects/{id}": len(with_data),  # details only for the fields of loadable objects
        "GET /pipelines/{id}/jobs": len(pipelines),
    }
    job_requests = [t for _, t in stats["requests"] if t.split("?")[0].endswith("/jobs")]
    assert job_requests and not [t for t in job_requests if "created_" in t]


# --- paging and tolerated shapes -------------------------------------------------------------------
@pytest.mark.parametrize("flavour", ["standard", "edge"])
def test_small_pages_give_the_same_extract(flavour: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Every list paged 2 at a time (Standard: no `pagination` on the last page, also when exactly full;
    Edge: has_more/next_cursor) gives the same tables as one page."""
    sim = request.getfixturevalue("std_sim" if flavour == "standard" else "edge_sim")
    baseline = request.getfixturevalue("std" if flavour == "standard" else "edge")
    paged = run_once(sim, tmp_path, page_size=2)
    for kind in KINDS:
        assert paged[kind] == baseline[kind], kind
    pages = paged["stats"]["by_endpoint"]["GET /pipelines"]
    assert pages == 3 == len(sim.pipelines()) // 2  # 6 pipelines: 3 full pages, the last without a cursor
    assert not [r for r, n in Counter(paged["stats"]["requests"]).items() if n > 1]


def test_unwrapped_single_objects_and_type_objects_give_the_same_extract(std: dict[str, Any], tmp_path: Path) -> None:
    sim = hevo_sim("standard", wrap_single_objects=False, source_type_as_object=True)
    with sim.serve():
        other = run_once(sim, tmp_path)
    for kind in ("linkages", "events", "databaselog"):
        assert other[kind] == std[kind], kind
    names = {r["object_id"]: r["name"] for r in std["metadata"]}
    assert {r["object_id"]: r["name"] for r in other["metadata"]} == names


def test_without_event_types_the_object_names_are_used(std_sim: HevoSimulator, std: dict[str, Any], tmp_path: Path) -> None:
    """A pipeline whose /event-types answers 404 falls back to one mapping per object that can have data."""
    pid = std_sim.pipelines()[0]["id"]
    std_sim.inject_fault(f"/pipelines/{pid}/event-types", "404", 1)
    run = run_once(std_sim, tmp_path)
    mine = f"hevo:pipeline_object:{pid}:"
    assert [e for e in run["linkages"] if e["via_object_id"].startswith(mine)] == [
        e for e in std["linkages"] if e["via_object_id"].startswith(mine)]
    raw = next(m.materialization for m in run["result"].get_asset_materialization_events()
               if m.materialization.asset_key.to_user_string() == "hevo/raw")
    assert raw.metadata["problems"].value["counts"]["hevo.event_types.unavailable"] == 1


def test_empty_account_answering_204_lands_empty_tables(tmp_path: Path) -> None:
    sim = hevo_sim("standard", n_pipelines=0, n_models=0, n_workflows=0, empty_lists_as_204=True)
    with sim.serve():
        run = run_once(sim, tmp_path)
    assert [r["object_type"] for r in run["metadata"]] == ["destination"] * len(sim.destinations())
    assert run["linkages"] == run["events"] == run["databaselog"] == []


def test_standard_pipelines_without_a_name_are_named_after_their_source(std_sim: HevoSimulator, std: dict[str, Any]) -> None:
    rows = {r["object_id"]: r for r in std["metadata"]}
    for p in std_sim.pipelines():
        assert "name" not in p
        if created_before_end(p):
            assert rows[f"hevo:pipeline:{p['id']}"]["name"] == p["source"]["display_name"]
            assert rows[f"hevo:source:{p['id']}"]["parent_id"] == f"hevo:pipeline:{p['id']}"
        else:
            assert f"hevo:pipeline:{p['id']}" not in rows  # created after the window's end


# --- connection errors -----------------------------------------------------------------------------
@pytest.mark.parametrize(("configured", "served"), [("standard", "edge"), ("edge", "standard")])
def test_wrong_flavour_is_detected_and_names_the_setting(configured: str, served: str, request: pytest.FixtureRequest) -> None:
    sim = request.getfixturevalue("std_sim" if served == "standard" else "edge_sim")
    client = hevo_resource(sim, flavour=configured).get_client()
    with pytest.raises(ApiError) as info:
        client.test_connection()
    message = str(info.value)
    assert "HEVO_API_FLAVOUR" in message and f"'{served}'" in message and ("Edge" if served == "edge" else "Standard") in message
    assert client.stats.requests == 1


def test_401_names_the_key_settings_and_never_the_secret(std_sim: HevoSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEVO_API_KEY", std_sim.config.api_key)
    monkeypatch.setenv("HEVO_API_SECRET", "wrong-secret-value")
    monkeypatch.setenv("HEVO_API_BASE_URL", std_sim.url)
    client = HevoResource(backoff_base_seconds=0.01).get_client()
    with pytest.raises(AuthError) as info:
        client.test_connection()
    message = str(info.value)
    assert "HEVO_API_KEY" in message and "HEVO_API_SECRET" in message and "not valid" in message
    assert "wrong-secret-value" not in message and client.stats.retries == 0


def test_429_and_5xx_are_retried_and_the_run_completes(std: dict[str, Any], tmp_path: Path) -> None:
    sim = hevo_sim("standard", rate_limit=(10, 0.2))
    with sim.serve():
        sim.inject_fault("/pipelines/", "500", 2)
        sim.inject_fault("/models", "503", 1)
        run = run_once(sim, tmp_path, rate_limit_requests=1000, rate_limit_period_seconds=1.0, max_retries=8)
    assert run["stats"]["rate_limited"] > 0 and run["stats"]["server_errors"] == 3
    raw = next(m.materialization for m in run["result"].get_asset_materialization_events()
               if m.materialization.asset_key.to_user_string() == "hevo/raw")
    assert raw.metadata["rate_limited_429"].value == run["stats"]["rate_limited"]
    for kind in KINDS:
        assert run[kind] == std[kind], kind


def test_region_settings_and_the_kada_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HEVO_API_BASE_URL", "HEVO_REGION", "HEVO_API_FLAVOUR", "HEVO_API_KEY", "HEVO_API_SECRET"):
        monkeypatch.delenv(var, raising=False)
    config = tmp_path / "kada_hevo_extractor_config.json"
    config.write_text(json.dumps({"api_key": "k", "api_secret": "s", "region": "au", "output_path": str(tmp_path / "out"),
                                  "mask": False, "timeout": 7, "mapping": {"pg": {"host": "h", "database": "d"}},
                                  "compress": False}))
    monkeypatch.setenv("KADA_HEVO_CONFIG", str(config))
    settings = HevoResource().settings()
    assert (settings.base_url, settings.host, settings.flavour) == ("https://au.hevodata.com", "au.hevodata.com", "standard")
    assert (settings.mask, settings.compress, settings.timeout, settings.landing_url) == (False, False, 7.0, str(tmp_path / "out"))
    assert settings.mapping == {"pg": {"host": "h", "database": "d"}}
    client = HevoResource(flavour="edge").get_client()
    assert client.http.base_url == "https://au.hevodata.com/api/v1"
    monkeypatch.setenv("HEVO_REGION", "mars")
    with pytest.raises(SettingsError, match="HEVO_REGION"):
        HevoResource().settings()
    monkeypatch.setenv("HEVO_REGION", "eu")
    monkeypatch.setenv("HEVO_API_FLAVOUR", "classic")
    with pytest.raises(SettingsError, match="HEVO_API_FLAVOUR"):
        HevoResource().settings()


# --- lineage -----------------------------------------------------------------------------------------
def edges_via(links: list[dict[str, str]], via: str, kind: str) -> list[dict[str, str]]:
    return [e for e in links if e["via_object_id"] == via and e["linkage_type"] == kind]


def test_standard_object_lineage_uses_the_mapping_table_as_is_and_leaves_out_ignored_fields(
    std_sim: HevoSimulator, std: dict[str, Any]
) -> None:
    """The event type's name is the object's name (no `object_name` needed); the mapping's table is taken as
    Hevo reports it (no prefix prepended) and folded as the destination stores it."""
    links = std["linkages"]
    destinations = {d["id"]: d for d in std_sim.destinations()}
    checked = ignored_seen = 0
    for p in std_sim.pipelines():
        if not created_before_end(p):
            continue
        dtype, stype = p["destination"]["type"], p["source"]["type"]
        objects = {o["name"] for o in std_sim.objects_for(p["id"])}
        for et in std_sim.event_types_for(p["id"]):
            mapping = std_sim.mapping_for(p["id"], et["name"])
            via = f"hevo:pipeline_object:{p['id']}:{et['name']}"
            tables = edges_via(links, via, "table")
            if et["name"] not in objects or mapping is None or mapping["destination_table"] is None:
                assert not tables
                continue
            assert len(tables) == 1
            edge = tables[0]
            assert edge["downstream_object"] == stored(mapping["destination_table"], dtype)
            assert edge["upstream_object"] == stored(et["name"].split(".")[-1], stype)
            destination = destinations[p["destination"]["id"]]
            if destination["type"] == "SNOWFLAKE":
                config = destination["config"]
                assert edge["downstream_host"] == f"{config['account_name']}.{config['region']}.snowflakecomputing.com"
                assert edge["downstream_database"] == config["db_name"]
            columns = {(e["upstream_column"], e["downstream_column"]) for e in edges_via(links, via, "column")}
            expected = {(stored(f["source_field"], stype), stored(f["destination_field"], dtype))
                        for f in mapping["field_mappings"] if not f["ignored"]}
            assert columns == expected
            ignored_seen += sum(f["ignored"] for f in mapping["field_mappings"])
            checked += 1
    assert checked > 10 and ignored_seen > 0
    # A transformation's own event type ("<table> enriched") is linked from the pipeline's source.
    derived = [e for e in links if e["downstream_object"].lower().endswith("_enriched")]
    assert derived and all(e["upstream_object"].startswith("hevo:source:") for e in derived)


def test_edge_object_lineage_uses_the_namespace_and_leaves_out_ignored_fields(
    edge_sim: HevoSimulator, edge: dict[str, Any]
) -> None:
    links = edge["linkages"]
    checked = 0
    for p in edge_sim.pipelines():
        dtype = p["destination"]["destination_type"]
        for detail in edge_sim.object_details_for(p["id"]):
            via = f"hevo:pipeline_object:{detail['object_id']}"
            tables = edges_via(links, via, "table")
            if detail["status"] in NO_DATA:
                assert not tables
                continue
            ns = detail["destination_namespace"]
            assert [(e["downstream_database"], e["downstream_schema"], e["downstream_object"]) for e in tables] == [
                (stored(ns["k2"], dtype), stored(ns["k1"], dtype), stored(detail["destination_table_name"], dtype))]
            assert tables[0]["upstream_object"] == stored(detail["source_namespace"]["k0"], p["source"]["source_type"])
            columns = {(e["upstream_column"], e["downstream_column"]) for e in edges_via(links, via, "column")}
            assert columns == {(stored(f["source_name"], p["source"]["source_type"]), stored(f["destination_name"], dtype))
                               for f in detail["fields"] if f["status"] == "ACTIVE"}
            checked += 1
    assert checked > 10
    hosts = {e["downstream_host"] for e in links}
    assert any(h.endswith(".ap-southeast-2.snowflakecomputing.com") for h in hosts)


def test_models_link_the_tables_of_their_query_to_their_output_table(std_sim: HevoSimulator, std: dict[str, Any]) -> None:
    links = std["linkages"]
    models = [m for m in std_sim.models() if created_before_end(m)]
    assert models
    for model in models:
        edges = edges_via(links, f"hevo:model:{model['id']}", "table")
        assert edges and {e["downstream_object"] for e in edges} == {stored(model["output_table"], model["destination"]["type"])}
        sql = model["source_query"].lower()
        assert all(e["upstream_object"].lower() in sql for e in edges)
        assert all(e["upstream_host"] == e["downstream_host"] for e in edges)  # both in the destination


def test_mapping_by_source_name_marks_edges_mapped(std_sim: HevoSimulator, std: dict[str, Any], tmp_path: Path) -> None:
    p = next(p for p in std_sim.pipelines() if p["destination"]["type"] == "SNOWFLAKE" and created_before_end(p))
    mapping = {p["source"]["display_name"]: {"host": "pg.k-onboarded.example", "database": "COMMERCE"}}
    run = run_once(std_sim, tmp_path, mapping=mapping)
    mine = [e for e in run["linkages"] if e["via_object_id"].startswith(f"hevo:pipeline_object:{p['id']}:")]
    assert mine and all(e["upstream_host"] == "pg.k-onboarded.example" and e["mapped"] == "true" for e in mine)
    def unmapped(result: dg.ExecuteInProcessResult) -> str:
        return str(next(c for c in result.get_asset_check_evaluations() if c.check_name == "unmapped_sources").description)

    assert p["source"]["display_name"] in unmapped(std["result"])  # the name a user puts in `mapping`
    assert p["source"]["display_name"] not in unmapped(run["result"])


# --- events --------------------------------------------------------------------------------------------
def test_edge_events_are_exactly_the_jobs_that_started_in_the_window(edge_sim: HevoSimulator, edge: dict[str, Any]) -> None:
    expected = {f"hevo:job:{p['id']}:{j['job_id']}": j for p in edge_sim.pipelines()
                for j in edge_sim.jobs_for(p["id"], DAY_START, END)}
    events = {e["event_id"]: e for e in edge["events"]}
    assert set(events) == set(expected) and expected
    for event_id, job in expected.items():
        event = events[event_id]
        assert (event["status"], event["native_status"]) == (JOB_STATUS[job["status"]], job["status"])
        assert int(event["rows_total"]) == job["events_ingested"] and int(event["rows_failed"]) == job["events_failed"]
        if job["status"] in ("IN_PROGRESS", "CANCELLING", "DEFERRED", "DEFERRED_WITH_FAILURES"):
            assert event["finished_at"] == "" and event["duration_seconds"] == ""
        else:
            assert float(event["duration_seconds"]) == job["duration"] / 1000


def test_every_edge_job_status_maps_to_the_contract(edge_sim: HevoSimulator, tmp_path: Path) -> None:
    jobs = [dict(j, _pipeline_id=str(p["id"])) for p in edge_sim.pipelines() for j in edge_sim.jobs_for(p["id"])]
    assert {j["status"] for j in jobs} == set(JOB_STATUSES) == set(JOB_STATUS)
    result, _ = normalise_raw(tmp_path, {"jobs": jobs})
    by_native = {e["native_status"]: e["status"] for e in result.tables["events"].to_pylist()}
    assert by_native == {
        "COMPLETED": "SUCCESS", "COMPLETED_WITH_FAILURES": "WARNING", "FAILED": "FAILED", "IN_PROGRESS": "RUNNING",
        "CANCELLING": "RUNNING", "CANCELLED": "CANCELLED", "SKIPPED": "SKIPPED", "DEFERRED": "QUEUED",
        "DEFERRED_WITH_FAILURES": "QUEUED",
    }


def test_standard_events_are_the_last_runs_in_the_window(std_sim: HevoSimulator, std: dict[str, Any]) -> None:
    lo, hi = int(DAY_START.timestamp() * 1000), int(END.timestamp() * 1000)
    expected = {f"hevo:object_last_run:{p['id']}:{o['name']}:{o['last_run_ts']}"
                for p in std_sim.pipelines() for o in std_sim.objects_for(p["id"])
                if o["last_run_ts"] is not None and lo <= o["last_run_ts"] < hi}
    expected |= {f"hevo:model_last_run:{m['id']}:{m['last_run_ts']}" for m in std_sim.models()
                 if m["last_run_ts"] is not None and lo <= m["last_run_ts"] < hi}
    expected |= {f"hevo:workflow_last_run:{w['id']}:{w['last_run_ts']}" for w in std_sim.workflows()
                 if w["last_run_ts"] is not None and lo <= w["last_run_ts"] < hi}
    events = {e["event_id"]: e for e in std["events"]}
    assert set(events) == expected and any(":object_last_run:" in e for e in expected)
    for m in std_sim.models():  # the kada profile serves `last_run_status` (UNCONFIRMED) on models
        event = events.get(f"hevo:model_last_run:{m['id']}:{m['last_run_ts']}")
        if event:
            assert event["status"] == {"SUCCESS": "SUCCESS", "FAILED": "FAILED"}[m["last_run_status"]]
    # Objects have only a lifecycle status (ACTIVE, PAUSED, FINISHED, ...): the outcome is UNKNOWN (case 3).
    objects = [e for e in events.values() if e["event_type"] == "object_last_run"]
    assert objects and {e["status"] for e in objects} == {"UNKNOWN"} and not [e for e in objects if e["native_status"]]


def test_range_backfill_is_one_run_with_one_file_set_per_day(edge_sim: HevoSimulator, tmp_path: Path) -> None:
    edge_sim.reset_stats()
    result = materialise(build_defs(edge_sim, tmp_path), start="2026-11-20", end="2026-11-22")
    assert result.success
    manifests = sorted(p.name for p in landed_dir(tmp_path).glob("*manifest*"))
    assert manifests == [f"hevo_manifest_2026112{d}000000.json" for d in (1, 2, 3)]
    stats = edge_sim.stats.snapshot()
    assert stats["by_endpoint"]["GET /pipelines"] == 1 and stats["by_endpoint"]["GET /destinations"] == 1
    assert not [r for r, n in Counter(stats["requests"]).items() if n > 1]
    for offset in range(3):
        start = datetime(2026, 11, 20, tzinfo=UTC) + timedelta(days=offset)
        expected = {f"hevo:job:{p['id']}:{j['job_id']}" for p in edge_sim.pipelines()
                    for j in edge_sim.jobs_for(p["id"], start, start + timedelta(days=1))}
        stamp = (start + timedelta(days=1)).strftime("%Y%m%d%H%M%S")
        assert {e["event_id"] for e in table(tmp_path, "events", stamp)} == expected


# --- masking and secrets -----------------------------------------------------------------------------
def test_source_query_is_masked_in_metadata_and_databaselog(std_sim: HevoSimulator, std: dict[str, Any]) -> None:
    logs = std["databaselog"]
    models = [m for m in std_sim.models() if created_before_end(m)]
    assert {r["log_id"] for r in logs} == {f"hevo:model_query:{m['id']}" for m in models}
    definitions = [r["definition"] for r in std["metadata"] if r["object_type"] == "model"]
    text = "\n".join(definitions + [r["query_text"] for r in logs])
    for literal in ("'completed'", "'2026-01-01'", "'Closed Lost'", "0.5", "'High'", "> 10"):
        assert literal not in text, literal
    whole = gzip.decompress((landed_dir(std["tmp"]) / f"hevo_metadata_{STAMP}.csv.gz").read_bytes()).decode()
    assert "'completed'" not in whole and "Closed Lost" not in whole  # nor in any properties
    assert all("'?'" in r["query_text"] for r in logs if "'" in r["query_text"])
    assert any("FROM" in r["query_text"] for r in logs)


@pytest.mark.parametrize("which", ["std", "edge"])
def test_no_secret_reaches_landing_intermediate_or_dagster_events(which: str, request: pytest.FixtureRequest) -> None:
    run = request.getfixturevalue(which)
    sim = request.getfixturevalue("std_sim" if which == "std" else "edge_sim")
    assert_no_secret_leak([*sim.secret_values(), sim.config.api_secret], run["tmp"], run["instance"],
                          run["result"].run_id)


# --- bad input ---------------------------------------------------------------------------------------
def normalise_raw(tmp: Path, collections: dict[str, list[Any]], flavour: str = "edge") -> tuple[Any, ProblemLog]:
    store = IntermediateStore(tmp / "store")
    writer = store.raw_writer("hevo", DAY)
    for name in (*HevoCollector.metadata_collections, *HevoCollector.event_collections):
        writer.add_many(name, collections.get(name, []))
    writer.commit({})
    window = PartitionWindow(DAY, DAY_START, END)
    settings = HevoResource(base_url="http://127.0.0.1:1", flavour=flavour).settings()
    ctx = NormaliseContext(settings, window, ProblemLog())
    return HevoCollector().normalise(RawPartition(store, "hevo", window), ctx), ctx.problems


def test_bad_input_is_kept_with_what_is_known_and_counted(tmp_path: Path) -> None:
    result, problems = normalise_raw(tmp_path, {
        "pipelines": [
            {"id": 1, "source": {"type": {"display_name": "PostgreSQL"}, "config": "oops"}, "status": 5,
             "created_ts": "yesterday"},
            {"id": "2", "name": "named", "source": "just a name", "destination": {"id": 9, "type": ["x"]}},
            "garbage", {"name": "no id"},
        ],
        "pipeline_objects": [
            {"_pipeline_id": "1", "name": "public.orders", "status": "NEW_STATUS", "last_run_ts": "soon"},
            {"_pipeline_id": "1", "object_id": "u-1", "fields": "not a list", "source_namespace": {"k0": "t"}},
            {"_pipeline_id": "2"},
        ],
        "schema_mappings": [{"_pipeline_id": "1", "_event_type": "public.orders", "_object_name": "public.orders",
                             "destination_table": "orders", "field_mappings": [{"source_field": "id", "destination_field": "id"}, "x", {}]}],
        "models": [{"id": 5, "source_query": "select from where (", "output_table": "o", "destination": {"type": "SNOWFLAKE"}},
                   {"id": 6, "source_query": 42}],
        "jobs": [{"_pipeline_id": "1", "job_id": "j", "status": "EXPLODED", "created_ts": "2026-11-22T01:00:00Z"},
                 {"_pipeline_id": "1", "status": "COMPLETED"}],
    })
    ids = set(result.tables["metadata"].column("object_id").to_pylist())
    assert {"hevo:pipeline:1", "hevo:pipeline:2", "hevo:pipeline_object:1:public.orders", "hevo:pipeline_object:u-1",
            "hevo:model:5", "hevo:model:6"} <= ids
    names = dict(zip(result.tables["metadata"].column("object_id").to_pylist(),
                     result.tables["metadata"].column("name").to_pylist(), strict=True))
    assert names["hevo:pipeline:1"] is None and names["hevo:pipeline:2"] == "named"  # no name: never invented
    assert [(e["event_id"], e["status"]) for e in result.tables["events"].to_pylist()] == [("hevo:job:1:j", "UNKNOWN")]
    # Neither end of pipeline 1's object has a host in the data (no config, no `mapping`): no edge, counted.
    assert result.tables["linkages"].to_pylist() == []
    counts = problems.counts
    for category in ("hevo.pipeline.not_an_object", "hevo.pipeline.missing_id", "hevo.connector.bad_config",
                     "hevo.type.wrong_type", "hevo.status.wrong_type", "hevo.timestamp.unreadable", "hevo.status.unknown",
                     "hevo.pipeline_object.missing_id", "hevo.fields.wrong_type", "hevo.fields.bad_entry",
                     "hevo.fields.no_source", "hevo.model.sql_unparsed", "hevo.model.bad_source_query",
                     "hevo.unresolved.job_status", "hevo.job.invalid",
                     "hevo.unresolved.pipeline_name", "hevo.unresolved.endpoint_host"):
        assert counts.get(category), (category, dict(counts))
