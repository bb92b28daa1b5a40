"""The Hightouch collector end to end on every simulator profile (issue 8).

One partition is materialised per profile over real HTTP. What lands must be the simulator's ground truth
(computed by the simulator from its own workspace, not by the collector), and the same on every profile:
profiles differ only in what the public record leaves open (id types, page caps, `lastRunAt` meaning,
mapping shapes, sparse runs). The `kada` profile names an object for every sync (the documented family has
webhook syncs that name none, a dbt Cloud model and syncs without column mappings), so its lineage is
checked against its own ground truth; its events and objects equal everyone else's.
Per-case tests are named `test_case<N>_...` after the numbered cases of issue 8.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import pytest

from kada_dagster.core.collector import NormaliseContext, PartitionWindow, RawPartition
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.settings import resolve_settings
from kada_dagster.core.storage import IntermediateStore
from kada_dagster.hightouch.definitions import HightouchCollector
from kada_dagster.hightouch.resources import HIGHTOUCH_PROFILE
from kada_dagster_tests.ht_helpers import END, build_defs, materialise
from kada_sim.hightouch import PAGE_CAP, PROFILES, HightouchSimConfig, HightouchSimulator

UTC = timezone.utc
DAY = "2026-11-22"
START = datetime(2026, 11, 22, tzinfo=UTC)
STAMP = "20261123000000"
HOST = "app.hightouch.com"
DOCUMENTED = [p for p in PROFILES if p != "kada"]
EDGE_COLUMNS = (
    "linkage_type", "via_object_id", "upstream_object_type", "upstream_host", "upstream_database", "upstream_schema",
    "upstream_object", "upstream_column", "downstream_object_type", "downstream_host", "downstream_database",
    "downstream_schema", "downstream_object", "downstream_column",
)  # fmt: skip
# Small, but with two same-named destinations, more syncs than the page cap, one run a day (so a run in
# progress at the window's end follows a run that finished the day before) and a dbt Cloud model.
WORKSPACE: dict[str, Any] = dict(seed=3, end=END, days=3, n_sources=5, n_models=14, n_destinations=9, n_syncs=30,
                 runs_per_sync_per_day=1)


@dataclass
class Landed:
    sim: HightouchSimulator
    links: set[tuple[Any, ...]]
    link_rows: list[dict[str, str]]
    events: list[dict[str, str]]
    object_ids: set[str]
    problems: dict[str, int]
    requests: dict[str, int]
    model_columns: set[tuple[Any, ...]]  # column edges into models (contract v3), with their word


def into_model_column(row: dict[str, str]) -> bool:
    return row["linkage_type"] == "column" and row["downstream_object_type"] == "model"


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8"))))


def edge_key(row: dict[str, str]) -> tuple[Any, ...]:
    """An edge as a comparable tuple; empty fields as None (ids are normalised by the collector)."""
    return tuple(row[c] or None for c in EDGE_COLUMNS)


def land(profile: str, tmp: Path, **resource: Any) -> Landed:
    sim = HightouchSimulator(HightouchSimConfig(**WORKSPACE, profile=profile))
    with sim.serve() as url:
        result = materialise(build_defs(url, sim.config.token, tmp, **resource), partition=DAY)
        requests = sim.stats.snapshot()["by_endpoint"]
    assert result.success, profile
    directory = tmp / "landing" / "lz" / "hightouch" / "landing"
    link_rows = read_csv(directory / f"hightouch_linkages_{STAMP}.csv.gz")
    problems: dict[str, int] = {}
    counted: dict[str, dict[str, int]] = {}  # the fetch's counts (raw asset) and the tables' (once)
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        tolerated = materialization.metadata.get("problems")
        if tolerated:
            layer = "raw" if materialization.asset_key.to_user_string() == "hightouch/raw" else "tables"
            counted[layer] = cast(dict[str, Any], tolerated.value)["counts"]
    for counts in counted.values():
        for category, count in counts.items():
            problems[category] = problems.get(category, 0) + count
    return Landed(sim, {edge_key(r) for r in link_rows if not into_model_column(r)}, link_rows,
                  read_csv(directory / f"hightouch_events_{STAMP}.csv.gz"),
                  {r["object_id"] for r in read_csv(directory / f"hightouch_metadata_{STAMP}.csv.gz")},
                  problems, requests,
                  {(*edge_key(r), r["transformation"]) for r in link_rows if into_model_column(r)})


@pytest.fixture(scope="module")
def landed_by_profile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Landed]]:
    yield {profile: land(profile, tmp_path_factory.mktemp(profile)) for profile in PROFILES}


# --- every profile: ground truth, and the same answer -------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_lands_the_ground_truth(landed_by_profile: dict[str, Landed], profile: str) -> None:
    got = landed_by_profile[profile]
    assert got.links == got.sim.expected_lineage(HOST, END)
    assert {e["event_id"]: e["status"] for e in got.events} == got.sim.expected_events(START, END)
    assert got.object_ids == got.sim.expected_object_ids(END)
    assert {"table", "column"} == {link[0] for link in got.links}


def test_every_profile_gives_the_same_lineage_events_and_objects(landed_by_profile: dict[str, Landed]) -> None:
    reference = landed_by_profile["documented"]
    statuses = {e["event_id"]: e["status"] for e in reference.events}
    assert statuses and {"RUNNING", "QUEUED", "SUCCESS"} <= set(statuses.values())
    for profile, got in landed_by_profile.items():
        assert {e["event_id"]: e["status"] for e in got.events} == statuses, profile
        assert got.object_ids == reference.object_ids, profile
        if profile != "kada":
            assert got.links == reference.links, profile
        if profile not in ("kada", "documented-opaque-filter"):  # a filter it cannot read: fewer INDIRECT edges
            assert got.model_columns == reference.model_columns, profile
    assert reference.model_columns
    # kada's lineage differs from the documented family only where the documented workspace differs
    kada_vias = {link[1] for link in landed_by_profile["kada"].links ^ reference.links}
    changed = {f"hightouch:sync:{s['id']}" for s in reference.sim.syncs()
               if s["configuration"] != next(k for k in landed_by_profile["kada"].sim.syncs() if k["id"] == s["id"])["configuration"]}
    assert kada_vias - {None} <= changed


# --- per case ------------------------------------------------------------------------------------------


def _sync_edges(got: Landed, destination_id: Any) -> list[dict[str, str]]:
    syncs = {f"hightouch:sync:{s['id']}" for s in got.sim.syncs() if s["destinationId"] == destination_id}
    return [r for r in got.link_rows if r["via_object_id"] in syncs and r["linkage_type"] == "table"]


def test_case4_same_named_destinations_stay_apart_and_no_configuration_key_is_a_host(
    landed_by_profile: dict[str, Landed],
) -> None:
    got = landed_by_profile["documented"]
    destinations = got.sim.destinations()
    by_name: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for d in destinations:
        by_name.setdefault((d["name"], d["type"]), []).append(d)
    twins = next(group for group in by_name.values() if len(group) > 1)
    endpoints = [{(r["downstream_host"], r["downstream_object"]) for r in _sync_edges(got, d["id"])} for d in twins]
    assert all(endpoints) and not endpoints[0] & endpoints[1]  # two nodes in K, not one
    for d, mine in zip(twins, endpoints, strict=True):
        assert {host for host, _ in mine} <= {f"hightouch:destination:{d['id']}", HOST}
    config_values = {str(v) for d in destinations for v in d["configuration"].values() if not isinstance(v, dict)}
    assert any(d["configuration"].get("projectId") for d in destinations)  # the trap is there
    hosts = {r[f"{side}_host"] for r in got.link_rows for side in ("upstream", "downstream")}
    assert not hosts & config_values
    assert got.problems["hightouch.unresolved.destination_unmapped"] > 0


def test_case4_a_mapped_destination_takes_its_reference_from_mapping_unless_its_name_is_ambiguous(
    tmp_path: Path,
) -> None:
    sim = HightouchSimulator(HightouchSimConfig(**WORKSPACE, profile="documented"))
    names = [d["name"] for d in sim.destinations()]
    unique = next(d for d in sim.destinations() if names.count(d["name"]) == 1 and _sync_edges_exist(sim, d))
    twin = next(n for n in names if names.count(n) > 1)
    mapping = {unique["name"]: {"host": "crm.example.com", "database": "crm"}, twin: {"host": "twin.example.com"}}
    got = land("documented", tmp_path, mapping=mapping)
    mine = _sync_edges(got, unique["id"])
    assert mine and all(r["downstream_host"] == "crm.example.com" and r["mapped"] == "true" for r in mine
                        if r["downstream_object_type"] != "destination")
    assert "twin.example.com" not in {r["downstream_host"] for r in got.link_rows}
    assert got.problems["hightouch.unresolved.destination_name_ambiguous"] > 0


def _sync_edges_exist(sim: HightouchSimulator, destination: dict[str, Any]) -> bool:
    return any(s["destinationId"] == destination["id"] and s["createdAt"] < "2026-11-23" and
               s["configuration"].get("object") for s in sim.syncs())


def test_case5_a_sync_naming_no_object_flows_into_its_destination(landed_by_profile: dict[str, Landed]) -> None:
    got = landed_by_profile["documented"]
    webhooks = {d["id"]: d for d in got.sim.destinations() if d["type"] == "webhook"}
    edges = [r for d in webhooks for r in _sync_edges(got, d)]
    assert edges
    for r in edges:
        destination = next(d for d in webhooks.values() if r["downstream_object"] == f"hightouch:destination:{d['id']}")
        assert (r["downstream_object_type"], r["downstream_host"]) == ("destination", HOST)
        assert destination
    slugs = {d["slug"] for d in got.sim.destinations()} | {f"{s['slug']}_destination" for s in got.sim.syncs()}
    assert not slugs & {r["downstream_object"] for r in got.link_rows}
    assert got.problems["hightouch.unresolved.sync_object_missing"] == len({r["via_object_id"] for r in edges})


def test_case6_datahub_mapping_shapes_give_the_same_column_edges(landed_by_profile: dict[str, Landed]) -> None:
    got, documented = landed_by_profile["documented-datahub-mappings"], landed_by_profile["documented"]
    configs = [s["configuration"] for s in got.sim.syncs()]
    assert all(any(key in c for c in configs) for key in ("fieldMappings", "columnMappings", "columns"))
    columns = {link for link in got.links if link[0] == "column"}
    assert columns and columns == {link for link in documented.links if link[0] == "column"}
    # syncs whose mappings map no column (here only a static value) are counted, not silent
    empty = [s for s in got.sim.syncs() if s["configuration"].get("mappings") and
             all(m.get("type") == "static" for m in s["configuration"]["mappings"]) and s["createdAt"] < "2026-11-23"]
    assert empty and got.problems["hightouch.unresolved.mappings_without_columns"] == len(empty)


def test_case7_static_and_template_mappings_are_no_column_edges(landed_by_profile: dict[str, Landed]) -> None:
    got = landed_by_profile["documented-datahub-mappings"]
    values = {m["from"] for s in got.sim.syncs() for m in s["configuration"].get("mappings", [])
              if m.get("type") in ("static", "template")}
    assert values
    assert not values & {r["upstream_column"] for r in got.link_rows}
    assert got.problems["hightouch.unresolved.mapping_not_a_column"] > 0
    # entries without `type` are columns when the sync lists them in referencedColumns
    untyped = {(m["from"], m["to"]) for s in got.sim.syncs() for m in s["configuration"].get("mappings", [])
               if "type" not in m and s["createdAt"] < "2026-11-23"}
    assert untyped and untyped <= {(r["upstream_column"], r["downstream_column"]) for r in got.link_rows}


def test_case8_counts_the_api_does_not_report_are_empty(landed_by_profile: dict[str, Landed]) -> None:
    got = landed_by_profile["documented-sparse-runs"]
    unfinished = [e for e in got.events if e["status"] in ("RUNNING", "QUEUED")]
    finished = [e for e in got.events if e["status"] not in ("RUNNING", "QUEUED")]
    assert unfinished and finished
    assert all(e["rows_failed"] == "" and e["finished_at"] == "" for e in unfinished)  # failedRows had one key
    assert all(e["rows_failed"] != "" for e in finished)
    documented = {e["event_id"]: e for e in landed_by_profile["documented"].events}
    assert all(documented[e["event_id"]]["rows_failed"] != "" for e in unfinished)  # known there: all three keys


@pytest.mark.parametrize("profile", ["documented-last-finished", "documented-no-last-run-at"])
def test_case9_runs_are_requested_whenever_lastrunat_cannot_rule_them_out(landed_by_profile: dict[str, Landed],
                                                                          profile: str) -> None:
    got = landed_by_profile[profile]
    syncs = {f"hightouch:sync:{s['id']}": s for s in got.sim.syncs()}
    hidden = [e for e in got.events if e["status"] in ("RUNNING", "QUEUED") and
              (syncs[e["object_id"]].get("lastRunAt") or "") < "2026-11-22"]
    assert hidden  # runs that a "lastRunAt >= window start" rule would have dropped
    if profile == "documented-last-finished":
        # ... and that "lastRunAt before the window and a finished status" would drop too: both describe
        # the last finished run here, while a later run is queued or in progress.
        finished = ("success", "warning", "failed", "cancelled", "interrupted")
        assert [e for e in hidden if syncs[e["object_id"]]["status"] in finished]
    assert {e["event_id"]: e["status"] for e in got.events} == got.sim.expected_events(START, END)
    assert got.requests["GET /syncs/{id}/runs"] == len(syncs)  # every sync that existed is asked


def test_case9_queued_runs_without_startedat_are_placed_by_createdat(landed_by_profile: dict[str, Landed]) -> None:
    got = landed_by_profile["documented-sparse-runs"]
    queued = [e for e in got.events if e["status"] == "QUEUED"]
    assert queued and all(e["started_at"] == "" for e in queued)
    assert got.problems["hightouch.sync_run.routed_by_created_at"] == len(queued)


def test_case9_only_syncs_created_after_the_range_are_not_asked(tmp_path: Path) -> None:
    """createdAt (OFFICIAL) is the one proof that a sync has no run in a range; any doubt costs a request."""
    sim = HightouchSimulator(HightouchSimConfig(**{**WORKSPACE, "days": 5}, profile="documented"))
    with sim.serve() as url:
        result = materialise(build_defs(url, sim.config.token, tmp_path), partition="2026-11-18")
        requests = sim.stats.snapshot()["by_endpoint"]["GET /syncs/{id}/runs"]
    assert result.success
    later = [s for s in sim.syncs() if s["createdAt"] >= "2026-11-19"]
    assert later and requests == len(sim.syncs()) - len(later)


def test_case10_a_server_capping_pages_without_hasmore_loses_nothing(landed_by_profile: dict[str, Landed]) -> None:
    got = landed_by_profile["documented-page-cap"]
    syncs = len(got.sim.syncs())
    assert syncs > PAGE_CAP
    assert got.object_ids == landed_by_profile["documented"].object_ids == got.sim.expected_object_ids(END)
    # no hasMore: pages until an empty one (one extra request), plus the connection probe
    assert got.requests["GET /syncs"] == math.ceil(syncs / PAGE_CAP) + (syncs % PAGE_CAP == 0) + 1 + 1


def test_case11_a_dbt_cloud_model_reads_its_compiled_sql_only(landed_by_profile: dict[str, Landed]) -> None:
    for profile in ("documented", "documented-dbt-cloud-type"):
        got = landed_by_profile[profile]
        model = next(m for m in got.sim.models() if "dbt_cloud" in m)
        assert model["createdAt"] < "2026-11-23"
        upstream = {(r["upstream_database"], r["upstream_schema"], r["upstream_object"]) for r in got.link_rows
                    if r["downstream_object"] == f"hightouch:model:{model['id']}"}
        compiled = model["dbt_cloud"]["compiledSql"].upper()
        assert upstream and all(f"{db}.{schema}.{name}".upper() in compiled for db, schema, name in upstream)
        assert not any(name.lower() == model["dbt_cloud"]["name"].lower() for _, _, name in upstream)


def test_case14_warehouse_names_are_spelled_as_the_warehouse_stores_them(landed_by_profile: dict[str, Landed]) -> None:
    got = landed_by_profile["documented"]
    snowflake = [r for r in got.link_rows if (r["upstream_host"] or "").endswith("snowflakecomputing.com")]
    assert snowflake
    for r in snowflake:
        parts = (r["upstream_database"], r["upstream_schema"], r["upstream_object"])
        assert all(p == p.upper() for p in parts), parts
    # a table named by a table model (bare, lower case) and by SQL (upper case) is one node
    models = {f"hightouch:model:{m['id']}": m["queryType"] for m in got.sim.models()}
    readers: dict[tuple[str, ...], set[str]] = {}
    for r in snowflake:
        key = (r["upstream_host"], r["upstream_database"], r["upstream_schema"], r["upstream_object"])
        readers.setdefault(key, set()).add(models[r["downstream_object"]])
    assert any({"table", "raw_sql"} <= kinds for kinds in readers.values())


def test_case3_a_run_status_outside_the_documented_enum_is_unknown(tmp_path: Path) -> None:
    store = IntermediateStore(tmp_path)
    window = PartitionWindow(DAY, START, END)
    writer = store.raw_writer("hightouch", DAY)
    for name in ("sources", "models", "destinations", "syncs"):
        writer.add_many(name, [])
    runs = [{"id": i, "syncId": "3", "status": status, "startedAt": "2026-11-22T01:00:00Z",
             "finishedAt": "2026-11-22T01:00:05Z", "error": None}
            for i, status in enumerate(("aborted", "skipped", "canceled", None, "success"))]
    writer.add_many("sync_runs", runs)
    writer.commit({})
    problems = ProblemLog()
    settings = resolve_settings(HIGHTOUCH_PROFILE, env={})
    result = HightouchCollector().normalise(RawPartition(store, "hightouch", window),
                                         NormaliseContext(settings, window, problems))
    statuses = [e["status"] for e in sorted(result.tables["events"].to_pylist(), key=lambda e: e["event_id"])]
    assert statuses == ["UNKNOWN", "UNKNOWN", "UNKNOWN", "UNKNOWN", "SUCCESS"]
    assert problems.counts["hightouch.unresolved.run_status"] == 4


def test_every_profile_name_is_known_and_others_are_refused() -> None:
    assert PROFILES[0] == "kada" and all(p.startswith("documented") for p in PROFILES[1:])
    with pytest.raises(ValueError, match="profile"):
        HightouchSimulator(HightouchSimConfig(profile="documented-nonsense"))


def test_case9_neither_lastrunat_nor_status_skips_a_sync() -> None:
    """The decision table of `runs_may_have_started`: only a creation after the range skips."""
    from kada_dagster.hightouch.fetch import runs_may_have_started
    from kada_dagster.hightouch.records import parse_sync

    problems = ProblemLog()
    cases: list[tuple[dict[str, Any], bool]] = [
        ({"lastRunAt": "2026-11-20T10:00:00.000Z", "status": "success"}, True),  # may be the last *finished*
        ({"lastRunAt": "2026-11-20T10:00:00.000Z", "status": "warning"}, True),
        ({"createdAt": "2026-11-23T00:00:00.000Z", "lastRunAt": None, "status": "pending"}, False),
        ({"createdAt": "2026-11-22T23:59:59.000Z", "lastRunAt": None, "status": "pending"}, True),
        ({"lastRunAt": "2026-11-20T10:00:00.000Z", "status": "querying"}, True),  # a run in progress
        ({"lastRunAt": "2026-11-20T10:00:00.000Z", "status": "queued"}, True),
        ({"lastRunAt": "2026-11-20T10:00:00.000Z", "status": "disabled"}, True),
        ({"lastRunAt": "2026-11-20T10:00:00.000Z", "status": "something-new"}, True),
        ({"lastRunAt": "2026-11-22T00:00:00.000Z", "status": "success"}, True),
        ({"lastRunAt": None, "status": "success"}, True),
        ({"status": "success"}, True),
        ({"lastRunAt": "last tuesday", "status": "success"}, True),
    ]
    for fields, needed in cases:
        sync = parse_sync({"id": 1, **fields}, problems)
        assert sync is not None
        assert runs_may_have_started(sync, END)[0] is needed, fields
    assert problems.counts["hightouch.sync.bad_timestamp"] == 1


# --- column lineage into models (contract v3) --------------------------------------------------------------
def _known_columns(sim: HightouchSimulator, model: dict[str, Any]) -> set[str]:
    """The model columns the served syncs and model name (mappings' `from`, referencedColumns, primaryKey)."""
    known = {model["primaryKey"]} if model.get("primaryKey") else set()
    for sync in sim.syncs():
        if sync["modelId"] == model["id"]:
            known |= {m["from"] for m in sync["configuration"].get("mappings", []) if m.get("type") == "standard"}
            known |= set(sync["referencedColumns"]) | ({sync["primaryKey"]} if sync.get("primaryKey") else set())
            if sync["configuration"].get("externalIdMapping"):
                known.add(sync["configuration"]["externalIdMapping"]["from"])
    return known


def _into(got: Landed, model_id: int) -> list[tuple[Any, ...]]:
    return [e for e in got.model_columns if e[12] == f"hightouch:model:{model_id}"]


def test_model_columns_of_every_model_type(landed_by_profile: dict[str, Landed]) -> None:
    got = landed_by_profile["documented"]
    models = {m["id"]: m for m in got.sim.models() if f"hightouch:model:{m['id']}" in got.object_ids}
    table_edges = {(e[4], e[5], e[6], e[12]) for e in got.links if e[0] == "table" and e[2] == "table"}
    seen: set[str] = set()
    for mid, model in models.items():
        edges = _into(got, mid)
        kind = model["queryType"]
        if kind == "table" or "dbt" in model:
            known = {c.casefold() for c in _known_columns(got.sim, model)}
            assert edges and all(e[14] == "IDENTITY" and e[7].casefold() == e[13].casefold() for e in edges), mid
            assert known <= {e[13].casefold() for e in edges}, mid
            seen.add("table/dbt")
        elif kind == "visual":
            parent = f"hightouch:model:{model['visual']['parentId']}"
            assert edges and all(e[6] == parent for e in edges)
            filtered = model["visual"]["filter"]["conditions"][0]["property"]
            assert {e[7] for e in edges if e[14] == "INDIRECT"} == {filtered}
            assert all(e[7] == e[13] for e in edges if e[14] == "IDENTITY")
            seen.add("visual")
        elif kind == "custom":
            assert not edges
            seen.add("custom")
        elif kind == "raw_sql" and edges:  # every source column is in a table the model's table edges name
            assert {(e[4], e[5], e[6]) for e in edges} <= {t[:3] for t in table_edges
                                                           if t[3] == f"hightouch:model:{mid}"}
            assert {"IDENTITY", "INDIRECT"} <= {e[14] for e in edges}
            seen.add("raw_sql")
    assert seen == {"table/dbt", "visual", "custom", "raw_sql"}
    assert got.problems.get("hightouch.column_lineage.custom_model", 0) > 0


def test_a_visual_filter_in_another_shape_gives_no_indirect_edge_and_is_counted(landed_by_profile: dict[str, Landed]) -> None:
    got, reference = landed_by_profile["documented-opaque-filter"], landed_by_profile["documented"]
    visual = [m["id"] for m in got.sim.models() if m["queryType"] == "visual"]
    assert visual and got.problems.get("hightouch.column_lineage.visual_filter_unread", 0) >= 1
    for mid in visual:
        edges = _into(got, mid)
        assert edges and not [e for e in edges if e[14] == "INDIRECT"]
        assert set(edges) == {e for e in _into(reference, mid) if e[14] == "IDENTITY"}
