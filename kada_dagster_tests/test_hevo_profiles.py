"""The Hevo collector against every simulator profile (issue 8): the public record's shapes and each of its
UNCONFIRMED alternatives must give the same lineage, events and object counts, equal to the simulator's
ground truth (computed by the generator, not by the collector).

Every run passes a `mapping` for each source and destination (by the name the tool shows), so hosts are
the same whatever the profile serves: without it, an Edge account whose /destinations answers 404 has no
destination configuration, and its hosts cannot come from the API (counted, `hevo.unresolved.*`).

What the public record cannot give, and the tests say so: a Standard object's or model's run outcome
(no `last_run_status` is documented): UNKNOWN in every documented profile; the "kada" profile serves it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import dagster as dg
import pytest

from kada_dagster_tests.hevo_helpers import build_defs, hevo_sim, table
from kada_dagster_tests.ht_helpers import END, materialise
from kada_sim.hevo import EDGE_PROFILES, PROFILES, STANDARD_PROFILES, HevoSimulator

UTC = timezone.utc
DAY = "2026-11-22"
DAY_START = datetime(2026, 11, 22, tzinfo=UTC)
END_MS = int(END.timestamp() * 1000)
KINDS = ("metadata", "linkages", "events", "databaselog")
CASES = [("standard", p) for p in STANDARD_PROFILES] + [("edge", p) for p in EDGE_PROFILES]
FAST = {"rate_limit_requests": 100_000, "rate_limit_period_seconds": 1.0}  # the client's 100/min pacing off
HOST = "127.0.0.1"  # the instance host (own endpoints): HevoResource derives it from the base URL


def k_host(name: str) -> str:
    return "k-" + "".join(c if c.isalnum() else "-" for c in name.lower()) + ".example"


def user_mapping(sim: HevoSimulator) -> dict[str, dict[str, str]]:
    """What a user onboarding every source and destination in K would write."""
    mapping: dict[str, dict[str, str]] = {}
    for t in sim.truth_lineage():
        if t["source"]:
            mapping[t["source"]] = {"host": k_host(t["source"])}
        mapping[t["destination"]] = {"host": k_host(t["destination"]), "database": t["downstream"][0]}
    return mapping


def counts_in_ui(result: dg.ExecuteInProcessResult) -> Counter[str]:
    """Problem counts as the Dagster UI shows them (raw asset: fetch; metadata asset: normalisation)."""
    out: Counter[str] = Counter()
    for event in result.get_asset_materialization_events():
        md = event.materialization.metadata.get("problems")
        if md is not None:
            out.update(cast(dict[str, Any], md.value)["counts"])
    return out


def run(flavour: str, profile: str, tmp: Path, **sim_options: Any) -> dict[str, Any]:
    sim = hevo_sim(flavour, profile=profile, **sim_options)
    with sim.serve():
        defs = build_defs(sim, tmp, mapping=user_mapping(sim), **FAST)
        result = materialise(defs, partition=DAY, instance=dg.DagsterInstance.ephemeral())
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        stats = sim.stats.snapshot()
    return {"sim": sim, "result": result, "stats": stats, "counts": counts_in_ui(result),
            **{kind: table(tmp, kind) for kind in KINDS}}


_RUNS: dict[tuple[str, str], dict[str, Any]] = {}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    def get(flavour: str, profile: str) -> dict[str, Any]:
        key = (flavour, profile)
        if key not in _RUNS:
            _RUNS[key] = run(flavour, profile, tmp_path_factory.mktemp(f"{flavour}-{profile}"))
        return _RUNS[key]

    yield get
    _RUNS.clear()


# --- ground truth ------------------------------------------------------------------------------------------
def _part(value: str | None) -> str | None:
    return value or None


def landed_edges(links: list[dict[str, str]], kind: str) -> set[tuple[Any, ...]]:
    out: set[tuple[Any, ...]] = set()
    for e in links:
        if e["linkage_type"] != ("column" if kind == "model_column" else kind):
            continue
        up = (e["upstream_host"], _part(e["upstream_database"]), _part(e["upstream_schema"]), e["upstream_object"])
        down = (e["downstream_host"], _part(e["downstream_database"]), _part(e["downstream_schema"]),
                e["downstream_object"])
        into_model = (e["via_object_id"] or "").startswith("hevo:model:") and kind != "table"
        if kind == "table":
            out.add((e["via_object_id"], up, down))
        elif kind == "model_column" and into_model:
            out.add((e["via_object_id"], up, e["upstream_column"], down, e["downstream_column"], e["transformation"]))
        elif kind == "column" and not into_model:
            out.add((e["via_object_id"], up, e["upstream_column"], down, e["downstream_column"]))
    return out


def expected_edges(sim: HevoSimulator, kind: str) -> set[tuple[Any, ...]]:
    out: set[tuple[Any, ...]] = set()
    for t in sim.truth_lineage():
        if t["created"] >= END_MS or t.get("unresolvable"):
            continue  # left out of the partition with its pipeline or model; or not in the served data
        down = (k_host(t["destination"]), *t["downstream"])
        if t["kind"] == "object":
            ups = [(k_host(t["source"]), *t["upstream"])]
        elif t["kind"] == "derived":
            ups = [(HOST, None, None, t["upstream_own"])]
        else:
            ups = [(k_host(t["destination"]), *u) for u in t["upstreams"]]
        if kind == "model_column":
            for table, column, output, word in t.get("model_columns") or ():
                out.add((t["via"], (k_host(t["destination"]), *table), column, down, output, word))
            continue
        for up in ups:
            if kind == "table":
                out.add((t["via"], up, down))
            else:
                out.update((t["via"], up, sc, down, dc) for sc, dc in t["columns"])
    return out


def expected_counts(sim: HevoSimulator) -> Counter[str]:
    live = [p for p in sim.pipelines() if p.get("created_ts", 0) < END_MS]
    counts = Counter({"pipeline": len(live), "source": len(live), "destination": len(sim.destinations()),
                      "pipeline_object": sum(len(sim.objects_for(p["id"])) for p in live),
                      "model": len([m for m in sim.models() if m["created_ts"] < END_MS]),
                      "workflow": len([w for w in sim.workflows() if w["created_ts"] < END_MS])})
    return +counts


# --- every profile -----------------------------------------------------------------------------------------
def test_profiles_are_listed_and_unknown_ones_refused() -> None:
    assert set(PROFILES) == set(STANDARD_PROFILES) | set(EDGE_PROFILES) and "kada" in PROFILES
    assert {"documented", "documented-strict-params", "documented-seconds-filters"} <= set(PROFILES)
    with pytest.raises(ValueError, match="profile"):
        hevo_sim("standard", profile="documented-jobs-oldest-first")  # an Edge-only variant
    with pytest.raises(ValueError, match="profile"):
        hevo_sim("edge", profile="made-up")


@pytest.mark.parametrize(("flavour", "profile"), CASES)
def test_lineage_events_and_counts_match_the_ground_truth(flavour: str, profile: str, runs: Any) -> None:
    got = runs(flavour, profile)
    sim = got["sim"]
    tables, columns = landed_edges(got["linkages"], "table"), landed_edges(got["linkages"], "column")
    assert tables == expected_edges(sim, "table") and len(tables) > 20
    assert columns == expected_edges(sim, "column") and len(columns) > 100
    # column edges into models' output tables (contract v3), against the templates' hand labels
    templated = {t["via"] for t in sim.truth_lineage() if t.get("model_columns") and t["created"] < END_MS
                 and not t.get("unresolvable")}
    model_columns = {e for e in landed_edges(got["linkages"], "model_column") if e[0] in templated}
    expected = expected_edges(sim, "model_column")
    assert model_columns == expected, (sorted(model_columns - expected)[:10], sorted(expected - model_columns)[:10])
    assert len(templated) >= 2 if flavour == "standard" else not templated  # Edge has no models
    assert all(e["mapped"] == "true" for e in got["linkages"])
    metadata = Counter(r["object_type"] for r in got["metadata"])
    destinations = expected_counts(sim)
    if profile == "documented-no-destinations":  # nothing lists them: not invented from pipelines
        destinations.pop("destination")
    assert metadata == destinations
    events = {e["event_id"]: e["status"] for e in got["events"]}
    if flavour == "edge":
        jobs = {f"hevo:job:{p['id']}:{j['job_id']}": j for p in sim.pipelines()
                for j in sim.jobs_for(p["id"], DAY_START, END)}
        assert set(events) == set(jobs) and len(jobs) > 20
    else:
        assert events == sim.truth_last_runs(DAY_START, END) and events


@pytest.mark.parametrize(("flavour", "profile"), [c for c in CASES if c[1] not in ("kada", "documented")])
def test_every_documented_variant_lands_what_documented_lands(flavour: str, profile: str, runs: Any) -> None:
    """Lineage, events and databaselog row for row; metadata ids (names and properties may differ, e.g.
    a pipeline without `name` is named after its source)."""
    base, got = runs(flavour, "documented"), runs(flavour, profile)
    for kind in ("linkages", "events", "databaselog"):
        assert got[kind] == base[kind], kind
    ids = {r["object_id"] for r in got["metadata"]}
    expected = {r["object_id"] for r in base["metadata"]}
    if profile == "documented-no-destinations":
        expected = {i for i in expected if not i.startswith("hevo:destination:")}
    assert ids == expected


# --- per case (issue 8) ------------------------------------------------------------------------------------
def test_case1_standard_event_types_without_object_name_keep_source_tables_and_columns(runs: Any) -> None:
    got = runs("standard", "documented")
    sim = got["sim"]
    assert all(set(et) == {"name", "mapping_status"} for p in sim.pipelines() for et in sim.event_types_for(p["id"]))
    object_edges = [e for e in got["linkages"] if e["via_object_id"].startswith("hevo:pipeline_object:")]
    assert object_edges and not [e for e in object_edges if e["upstream_object"].startswith("hevo:source:")]
    assert {e["linkage_type"] for e in object_edges} == {"table", "column"}
    derived = [e for e in got["linkages"] if e["upstream_object"].startswith("hevo:source:")]
    assert derived and all(e["downstream_object"].lower().endswith("_enriched") for e in derived)


def test_case2_a_disabled_pipelines_failed_job_in_the_window_is_an_event(runs: Any) -> None:
    got = runs("edge", "documented")
    sim = got["sim"]
    start_ms = int(DAY_START.timestamp() * 1000)
    disabled = [p for p in sim.pipelines() if p["status"] == "DISABLED" and p["updated_ts"] < start_ms]
    assert disabled
    events = {e["event_id"]: e for e in got["events"]}
    failed = [j for p in disabled for j in sim.jobs_for(p["id"], DAY_START, END) if j["status"] == "FAILED"]
    assert failed and all(events[f"hevo:job:{p['id']}:{j['job_id']}"]["status"] == "FAILED"
                          for p in disabled for j in sim.jobs_for(p["id"], DAY_START, END) if j in failed)
    initialising = [p for p in sim.pipelines() if p["status"] == "INITIALIZING"]
    assert initialising and any(e["object_id"] == f"hevo:pipeline:{p['id']}" for p in initialising
                                for e in got["events"])


@pytest.mark.parametrize("profile", ["documented-jobs-oldest-first", "documented-jobs-unordered", "documented"])
def test_case2_job_paging_stops_early_only_when_the_order_is_proven(profile: str, tmp_path: Path) -> None:
    """Two jobs a page: an oldest-first or unordered list is read to the end and loses nothing; a
    newest-first one may stop once its jobs are older than the window (fewer requests, same events)."""
    sim = hevo_sim("edge", profile=profile)
    with sim.serve():
        defs = build_defs(sim, tmp_path, page_size=2, **FAST)
        result = materialise(defs, partition=DAY, instance=dg.DagsterInstance.ephemeral())
        assert result.success
        requests = sim.stats.snapshot()["by_endpoint"]["GET /pipelines/{id}/jobs"]
    all_pages = sum(max(1, -(-len(sim.jobs_for(p["id"])) // 2)) for p in sim.pipelines())
    expected = {f"hevo:job:{p['id']}:{j['job_id']}" for p in sim.pipelines() for j in sim.jobs_for(p["id"], DAY_START, END)}
    assert {e["event_id"] for e in table(tmp_path, "events")} == expected
    if profile == "documented":
        assert requests < all_pages
    else:
        assert requests == all_pages


def test_case3_lifecycle_status_is_never_a_run_outcome(runs: Any) -> None:
    got = runs("standard", "documented")
    last_runs = [e for e in got["events"] if e["event_type"] in ("object_last_run", "model_last_run")]
    assert last_runs and {e["status"] for e in last_runs} == {"UNKNOWN"}
    assert all(e["native_status"] == "" and json.loads(e["properties"])["lifecycle_status"] for e in last_runs)
    assert got["counts"]["hevo.unresolved.run_outcome"] == len(last_runs)
    workflows = [e for e in got["events"] if e["event_type"] == "workflow_last_run"]
    assert all(e["native_status"] for e in workflows)  # their `last_run_status` (UNCONFIRMED) is used when given


def test_case8_counts_the_api_does_not_give_are_empty(runs: Any) -> None:
    events = runs("standard", "documented")["events"]
    assert events and all(e[k] == "" for e in events for k in ("rows_added", "rows_changed", "rows_removed",
                                                               "rows_failed", "rows_total", "duration_seconds"))
    jobs = runs("edge", "documented")["events"]
    assert all(e["rows_changed"] == e["rows_removed"] == "" and e["rows_total"] != "" for e in jobs)


def test_case12_job_requests_carry_only_limit_and_cursor(runs: Any) -> None:
    for profile in ("documented", "documented-strict-params", "documented-seconds-filters"):
        got = runs("edge", profile)
        targets = [t for _, t in got["stats"]["requests"] if t.split("?")[0].endswith("/jobs")]
        assert targets and all(set(k.split("=")[0] for k in t.split("?", 1)[1].split("&")) <= {"limit", "cursor"}
                               for t in targets if "?" in t)
    assert runs("edge", "documented-strict-params")["events"] == runs("edge", "documented")["events"]


def test_case13a_mysql_postgres_and_snowflake_tables_have_one_spelling_in_standard_and_edge(runs: Any) -> None:
    """MySQL `<db>.<table>` is database.table (no schema) in both products; PostgreSQL db.schema.table."""
    def sources(flavour: str) -> dict[str, set[tuple[Any, ...]]]:
        got = runs(flavour, "documented")
        out: dict[str, set[tuple[Any, ...]]] = {}
        for e in got["linkages"]:
            if e["linkage_type"] == "table" and e["via_object_id"].startswith("hevo:pipeline_object:"):
                kind = "mysql" if e["upstream_database"] == "shop" else "pg" if e["upstream_database"] == "commerce" \
                    else None
                if kind:
                    out.setdefault(kind, set()).add((e["upstream_database"], e["upstream_schema"], e["upstream_object"]))
        return out

    std, edge = sources("standard"), sources("edge")
    assert std["mysql"] & edge["mysql"] and std["pg"] & edge["pg"]
    assert all(schema == "" for _, schema, _ in std["mysql"] | edge["mysql"])
    assert all(schema == "public" for _, schema, _ in std["pg"] | edge["pg"])

    def snowflake(flavour: str) -> set[tuple[str, ...]]:
        return {(e["downstream_host"], e["downstream_database"], e["downstream_schema"], e["downstream_object"])
                for e in runs(flavour, "documented")["linkages"]
                if e["linkage_type"] == "table" and e["downstream_host"] == k_host("Snowflake hevo_raw")}

    shared = snowflake("standard") & snowflake("edge")  # the same destination, named alike in both accounts
    assert shared and all(part == part.upper() for endpoint in shared for part in endpoint[1:])


def test_case13b_mapping_tables_are_taken_as_hevo_reports_them(runs: Any) -> None:
    got = runs("standard", "documented-prefixed-mapping")
    sim = got["sim"]
    prefixed = [p for p in sim.pipelines() if p.get("destination_table_prefix")]
    assert prefixed
    downstream = {e["downstream_object"] for e in got["linkages"]}
    legacy = {t for t in downstream if t.lower().startswith("legacy_")}
    assert legacy and not {t for t in downstream if "_legacy_" in t.lower()}  # no prefix prepended
    edge = runs("edge", "documented-no-table-name")  # no destination_table_name: destination_prefix + k0
    assert landed_edges(edge["linkages"], "table") == expected_edges(edge["sim"], "table")


def test_case13c_unknown_edge_field_statuses_are_not_loaded_and_counted(runs: Any) -> None:
    got = runs("edge", "documented")
    sim = got["sim"]
    dropped = [(p, d, f) for p in sim.pipelines() for d in sim.object_details_for(p["id"]) for f in d["fields"]
               if f["status"] == "DROPPED" and d["status"] not in ("INACCESSIBLE", "DELETED")]
    assert dropped
    columns = {(e["via_object_id"], e["upstream_column"].lower()) for e in got["linkages"] if e["linkage_type"] == "column"}
    assert not [f for _, d, f in dropped if (f"hevo:pipeline_object:{d['object_id']}", f["source_name"].lower()) in columns]
    assert got["counts"]["hevo.unresolved.field_status"] >= len(dropped)


def test_case13d_models_without_an_embedded_destination_keep_dialect_host_and_parent(runs: Any) -> None:
    """Documented models carry `destination.config` only: `source_destination_id` (3P) names the
    destination; a model with neither keeps its metadata, gets no lineage (no dialect, no host) and is counted."""
    got = runs("standard", "documented")
    sim = got["sim"]
    assert all(set(m["destination"]) == {"config"} for m in sim.models())
    named = {f"hevo:model:{m['id']}" for m in sim.models() if "source_destination_id" in m}
    unnamed = {f"hevo:model:{m['id']}" for m in sim.models()} - named
    assert named and unnamed
    models = {r["object_id"]: r for r in got["metadata"] if r["object_type"] == "model"}
    assert all(models[i]["parent_id"].startswith("hevo:destination:") and models[i]["host"] for i in named)
    assert all(models[i]["parent_id"] == "" for i in unnamed)
    via = {e["via_object_id"] for e in got["linkages"] if e["via_object_id"].startswith("hevo:model:")}
    assert via == named
    assert got["counts"]["hevo.unresolved.model_destination"] == len(unnamed)


def test_case13e_edge_destinations_404_is_counted_and_the_pipeline_destination_used(runs: Any) -> None:
    got = runs("edge", "documented-no-destinations")
    assert got["counts"]["hevo.unresolved.destinations_unavailable"] == 1
    assert landed_edges(got["linkages"], "table") == landed_edges(runs("edge", "documented")["linkages"], "table")


def test_case14_a_mapping_table_and_the_model_sql_reading_it_are_one_object(runs: Any) -> None:
    got = runs("standard", "documented")
    sim = got["sim"]
    assert any(part != part.lower() and part != part.upper() for m in sim.models()
               for part in m["source_query"].split() if "_" in part)  # the SQL says `Pg_Orders`-like names
    loaded = {(e["downstream_host"], e["downstream_database"], e["downstream_schema"], e["downstream_object"])
              for e in got["linkages"] if e["via_object_id"].startswith("hevo:pipeline_object:")}
    read = {(e["upstream_host"], e["upstream_database"], e["upstream_schema"], e["upstream_object"])
            for e in got["linkages"] if e["via_object_id"].startswith("hevo:model:")}
    assert read and read <= loaded
