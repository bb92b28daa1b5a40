"""The Hevo simulator itself (Standard and Edge flavours), over real HTTP on loopback."""

from __future__ import annotations

import base64
import json
import re
import signal
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from kada_dagster_tests.sim_helpers import END, cli_process, http_get, json_200
from kada_sim.hevo import (
    EDGE_OBJECT_STATUSES,
    EDGE_PIPELINE_STATUSES,
    EDGE_PROFILES,
    EDGE_REPLICATION_STATUSES,
    JOB_STATUSES,
    JOB_TYPES,
    MAPPING_STATUSES,
    PROFILES,
    STANDARD_OBJECT_STATUSES,
    STANDARD_PROFILES,
    HevoSimConfig,
    HevoSimulator,
)
from kada_sim.server import SECRET_MARKER

STD = "/api/public/v2.0"
EDGE = "/api/v1"
AUTH = "Basic " + base64.b64encode(b"sim-hevo-key:sim-hevo-secret").decode()
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def call(url: str, auth: str | None = AUTH, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    return http_get(url, {"Authorization": auth} if auth else {}, timeout)


def get_json(url: str, **kwargs: Any) -> Any:
    return json_200(call(url, **kwargs))


def std_all(url: str, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Standard cursor paging as documented: follow pagination.starting_after until it is absent."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {k: v for k, v in (("limit", limit), ("starting_after", cursor)) if v is not None}
        sep = "&" if "?" in url else "?"
        body = get_json(url + (sep + urllib.parse.urlencode(params) if params else ""))
        pages += 1
        out.extend(body["data"])
        if "pagination" in body:
            assert body["pagination"]["count"] == len(body["data"])
        cursor = body.get("pagination", {}).get("starting_after")
        if not cursor:
            return out, pages


def edge_all(url: str, limit: int | None = None, **filters: Any) -> tuple[list[dict[str, Any]], int]:
    """Edge paging: follow next_cursor while has_more."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {k: v for k, v in {"limit": limit, "cursor": cursor, **filters}.items() if v is not None}
        body = get_json(url + ("?" + urllib.parse.urlencode(params) if params else ""))
        pages += 1
        out.extend(body["data"])
        assert set(body) == {"data", "has_more", "next_cursor"}
        if not body["has_more"]:
            assert body["next_cursor"] is None
            return out, pages
        cursor = body["next_cursor"]


@pytest.fixture(scope="module")
def standard_served() -> Iterator[tuple[HevoSimulator, str]]:
    sim = HevoSimulator(HevoSimConfig(seed=7, end=END, flavour="standard", n_pipelines=9))
    with sim.serve() as url:
        yield sim, url


@pytest.fixture(scope="module")
def edge_served() -> Iterator[tuple[HevoSimulator, str]]:
    sim = HevoSimulator(HevoSimConfig(seed=7, end=END, flavour="edge", n_pipelines=9))
    with sim.serve() as url:
        yield sim, url


# ---- both flavours ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["standard", "edge"])
def test_base_url_is_the_host_root_and_auth_is_basic(make_sim: Any, flavour: str) -> None:
    sim, url = make_sim("hevo", flavour=flavour)
    assert re.match(r"^http://127\.0\.0\.1:\d+$", url)
    api = url + (STD if flavour == "standard" else EDGE)
    unauthorized = {"error_code": "UNAUTHORIZED", "message": "The API key and secret is not valid"}
    wrong = "Basic " + base64.b64encode(b"sim-hevo-key:nope").decode()
    for auth in (None, wrong, "Bearer sim-hevo-key", "Basic !!!"):
        status, _, body = call(f"{api}/pipelines", auth=auth)
        assert (status, json.loads(body)) == (401, unauthorized)
    assert call(f"{api}/pipelines")[0] == 200


@pytest.mark.parametrize("flavour", ["standard", "edge"])
def test_wrong_flavour_paths_are_404_json(make_sim: Any, flavour: str) -> None:
    sim, url = make_sim("hevo", flavour=flavour)
    other = EDGE if flavour == "standard" else STD
    status, headers, body = call(f"{url}{other}/pipelines")
    assert status == 404 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["error_code"] == "NOT_FOUND"
    assert call(f"{url}/api/v1" if flavour == "standard" else f"{url}/api/public/v2.0")[0] == 404


@pytest.mark.parametrize("flavour", ["standard", "edge"])
def test_rate_limit_429_and_time_scale(make_sim: Any, flavour: str) -> None:
    sim, url = make_sim("hevo", flavour=flavour, rate_limit=(4, 90.0), time_scale=60)  # 4 per 1.5 s
    api = url + (STD if flavour == "standard" else EDGE)
    assert [call(f"{api}/destinations")[0] for _ in range(4)] == [200] * 4
    status, headers, body = call(f"{api}/destinations")
    assert status == 429 and json.loads(body) == {
        "error_code": "RATE_LIMIT_EXCEEDED",
        "message": "Request rate limit exceeded",
    }
    assert "Retry-After" not in headers
    time.sleep(1.6)
    assert call(f"{api}/destinations")[0] == 200
    assert sim.stats.rate_limited == 1


@pytest.mark.parametrize("flavour", ["standard", "edge"])
def test_faults_use_paths_relative_to_the_api(make_sim: Any, flavour: str) -> None:
    sim, url = make_sim("hevo", flavour=flavour)
    api = url + (STD if flavour == "standard" else EDGE)
    sim.inject_fault("/pipelines", "500", 1)
    sim.inject_fault("/destinations", "malformed", 1)
    status, _, body = call(f"{api}/pipelines")
    assert status == 500 and json.loads(body)["error_code"] == "INTERNAL_SERVER_ERROR"
    status, _, body = call(f"{api}/destinations")
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert call(f"{api}/pipelines")[0] == call(f"{api}/destinations")[0] == 200
    assert sim.stats.snapshot()["by_endpoint"] == {"GET /pipelines": 2, "GET /destinations": 2}


@pytest.mark.parametrize("flavour", ["standard", "edge"])
def test_deterministic_bytes(make_sim: Any, flavour: str) -> None:
    (sim_a, url_a), (_, url_b) = make_sim("hevo", flavour=flavour, seed=3), make_sim("hevo", flavour=flavour, seed=3)
    api = STD if flavour == "standard" else EDGE
    pid = sim_a.pipelines()[0]["id"]
    paths = ["/pipelines?limit=100", f"/pipelines/{pid}", f"/pipelines/{pid}/objects", "/destinations"]
    paths += (
        ["/models", "/workflows", f"/pipelines/{pid}/event-types"]
        if flavour == "standard"
        else [f"/pipelines/{pid}/jobs?limit=50"]
    )
    for path in paths:
        assert call(url_a + api + path)[2] == call(url_b + api + path)[2], path
    _, url_c = make_sim("hevo", flavour=flavour, seed=4)
    assert call(url_a + api + "/pipelines")[2] != call(url_c + api + "/pipelines")[2]


@pytest.mark.parametrize("flavour", ["standard", "edge"])
def test_secrets_are_fake_and_recorded(make_sim: Any, flavour: str) -> None:
    sim, url = make_sim("hevo", flavour=flavour)
    api = url + (STD if flavour == "standard" else EDGE)
    served = (
        call(f"{api}/pipelines?limit=100")[2].decode() + call(f"{api}/destinations?limit=100")[2].decode()
    )
    assert SECRET_MARKER in served
    assert set(re.findall(SECRET_MARKER + r"-[0-9a-f]+", served)) <= set(sim.secret_values())


# ---- Standard -----------------------------------------------------------------------------------------------


def test_standard_cursor_pagination(make_sim: Any) -> None:
    sim, url = make_sim("hevo", n_pipelines=25)
    first = get_json(f"{url}{STD}/pipelines")  # default page size 10
    assert len(first["data"]) == 10 and first["pagination"]["count"] == 10
    assert isinstance(first["pagination"]["starting_after"], str)
    items, pages = std_all(f"{url}{STD}/pipelines")
    assert items == sim.pipelines() and pages == 3
    last = get_json(f"{url}{STD}/pipelines?limit=5&starting_after={first['pagination']['starting_after']}")
    assert last["data"] == sim.pipelines()[10:15]
    sim2, url2 = make_sim("hevo", n_pipelines=20)
    items, pages = std_all(f"{url2}{STD}/pipelines", limit=10)  # exact multiple: no pagination on page 2
    assert items == sim2.pipelines() and pages == 2
    assert "pagination" not in get_json(f"{url2}{STD}/pipelines?limit=100")
    for query in ("limit=101", "limit=0", "limit=x", "starting_after=garbage"):
        status, _, body = call(f"{url}{STD}/pipelines?{query}")
        assert status == 400 and json.loads(body)["error_code"] == "BAD_REQUEST", query
    cursor = first["pagination"]["starting_after"]
    assert call(f"{url}{STD}/destinations?starting_after={cursor}")[0] == 400  # cursor of another list


def test_standard_pipeline_shapes(standard_served: tuple[HevoSimulator, str]) -> None:
    sim, url = standard_served
    pipelines = sim.pipelines()
    assert {p["status"] for p in pipelines} >= {"ACTIVE", "PAUSED", "DRAFT"}
    for p in pipelines:
        assert "name" not in p and p["source"]["name"] and p["source"]["display_name"]
        assert isinstance(p["source"]["type"], str)
        assert {"id", "name", "type", "config"} <= p["destination"].keys()
        assert p["destination"]["type"] in ("SNOWFLAKE", "BIGQUERY", "REDSHIFT", "POSTGRES")
    assert {p["source"]["type"] for p in pipelines} == {"POSTGRES", "MYSQL", "SALESFORCE_V2"}
    assert any("destination_table_prefix" in p for p in pipelines) and any(
        "destination_table_prefix" not in p for p in pipelines
    )
    pid = pipelines[0]["id"]
    assert get_json(f"{url}{STD}/pipelines/{pid}") == {"data": pipelines[0]}
    assert call(f"{url}{STD}/pipelines/1")[0] == 404
    assert call(f"{url}{STD}/pipelines/abc")[0] == 404


def test_standard_single_objects_bare_and_source_type_object(make_sim: Any) -> None:
    sim, url = make_sim("hevo", wrap_single_objects=False, source_type_as_object=True)
    pipeline = sim.pipelines()[0]
    assert get_json(f"{url}{STD}/pipelines/{pipeline['id']}") == pipeline
    assert pipeline["source"]["type"] == {"name": "POSTGRES", "display_name": "PostgreSQL"}
    model = sim.models()[0]
    assert get_json(f"{url}{STD}/models/{model['id']}") == model


def test_standard_objects_event_types_and_mappings(standard_served: tuple[HevoSimulator, str]) -> None:
    sim, url = standard_served
    statuses: Counter[str] = Counter()
    mapping_statuses: Counter[str] = Counter()
    derived = 0
    for p in sim.pipelines():
        pid = p["id"]
        objects, _ = std_all(f"{url}{STD}/pipelines/{pid}/objects", limit=4)
        assert objects == sim.objects_for(pid)
        for obj in objects:
            statuses[obj["status"]] += 1
            assert {"name", "status", "last_run_ts", "namespace"} <= obj.keys()
            if obj["last_run_ts"] is not None:
                assert sim.history_start.timestamp() * 1000 <= obj["last_run_ts"] < END.timestamp() * 1000
            detail = get_json(
                f"{url}{STD}/pipelines/{pid}/objects/{urllib.parse.quote(obj['name'], safe='')}"
            )
            assert detail == {"data": obj}
        event_types, _ = std_all(f"{url}{STD}/pipelines/{pid}/event-types")
        assert event_types == sim.event_types_for(pid)
        by_object = {o["name"]: o for o in objects}
        for et in event_types:
            status, _, body = call(
                f"{url}{STD}/pipelines/{pid}/mappings/{urllib.parse.quote(et['name'], safe='')}"
            )
            assert status == 200
            mapping = json.loads(body)["data"]
            assert mapping == sim.mapping_for(pid, et["name"])
            assert {"destination_table", "auto_mapping", "mapping_status", "field_mappings"} <= mapping.keys()
            mapping_statuses[mapping["mapping_status"]] += 1
            if et["object_name"] is None:
                derived += 1
                assert " " in et["name"]
            elif by_object[et["object_name"]]["status"] == "PERMISSION_DENIED":
                assert mapping["mapping_status"] == "UNMAPPED" and mapping["destination_table"] is None
            for f in mapping["field_mappings"]:
                assert set(f) == {
                    "source_field",
                    "source_field_type",
                    "destination_field",
                    "destination_field_type",
                    "ignored",
                    "incompatible",
                }
                if f["ignored"]:
                    assert f["destination_field"] is None
        for obj in objects:
            if obj["status"] == "SKIPPED":
                assert (
                    call(f"{url}{STD}/pipelines/{pid}/mappings/{urllib.parse.quote(obj['name'], safe='')}")[0]
                    == 404
                )
                assert obj["name"] not in {e["name"] for e in event_types}
        transformation = get_json(f"{url}{STD}/pipelines/{pid}/transformations")["data"]
        assert transformation == sim.transformation_for(pid) and "def transform" in transformation["code"]
    assert set(statuses) == set(STANDARD_OBJECT_STATUSES)
    assert set(mapping_statuses) == set(MAPPING_STATUSES)
    assert derived >= 1
    ignored = [
        f
        for p in sim.pipelines()
        for e in sim.event_types_for(p["id"])
        for f in _mapping(sim, p["id"], e["name"])["field_mappings"]
        if f["ignored"]
    ]
    assert ignored


def _mapping(sim: HevoSimulator, pipeline_id: int, event_type: str) -> dict[str, Any]:
    """An event type's schema mapping, which the simulator always has."""
    mapping = sim.mapping_for(pipeline_id, event_type)
    assert mapping is not None, (pipeline_id, event_type)
    return mapping


def test_standard_destinations_models_workflows(standard_served: tuple[HevoSimulator, str]) -> None:
    sim, url = standard_served
    assert std_all(f"{url}{STD}/destinations", limit=2)[0] == sim.destinations()
    models, _ = std_all(f"{url}{STD}/models", limit=2)
    workflows, _ = std_all(f"{url}{STD}/workflows", limit=1)
    assert models == sim.models() and workflows == sim.workflows() and models and workflows
    dest_tables = {
        m["destination_table"]
        for p in sim.pipelines()
        for e in sim.event_types_for(p["id"])
        if (m := _mapping(sim, p["id"], e["name"]))["destination_table"]
    }
    for m in models:
        assert {
            "id",
            "name",
            "status",
            "source_query",
            "output_table",
            "last_run_ts",
            "destination",
            "schedule",
        } <= m.keys()
        assert re.search(r"'[^']*'|\b\d+\b", m["source_query"])  # literals, to exercise masking
        assert any(t in m["source_query"] for t in dest_tables)
        assert get_json(f"{url}{STD}/models/{m['id']}")["data"] == m
    model_ids = {m["id"] for m in models}
    for w in workflows:
        assert {"id", "name", "status", "last_run_status", "last_run_ts", "nodes"} <= w.keys()
        assert {n["model_id"] for n in w["nodes"]} <= model_ids
        assert get_json(f"{url}{STD}/workflows/{w['id']}")["data"] == w
    for d in sim.destinations():
        assert get_json(f"{url}{STD}/destinations/{d['id']}")["data"] == d
    assert call(f"{url}{STD}/models/999999")[0] == 404


def test_empty_lists_can_be_204(make_sim: Any) -> None:
    sim, url = make_sim("hevo", n_models=0, n_workflows=0, empty_lists_as_204=True)
    status, _, body = call(f"{url}{STD}/models")
    assert (status, body) == (204, b"")
    sim2, url2 = make_sim("hevo", n_models=0, n_workflows=0)
    assert get_json(f"{url2}{STD}/workflows") == {"data": []}


# ---- Edge -----------------------------------------------------------------------------------------------------


def test_edge_pipelines_objects_and_destinations(edge_served: tuple[HevoSimulator, str]) -> None:
    sim, url = edge_served
    pipelines, pages = edge_all(f"{url}{EDGE}/pipelines", limit=4)
    assert pipelines == sim.pipelines() and pages == 3
    assert edge_all(f"{url}{EDGE}/destinations")[0] == sim.destinations()
    obj_statuses: Counter[str] = Counter()
    repl_statuses: Counter[str] = Counter()
    field_statuses: Counter[str] = Counter()
    for p in pipelines:
        assert p["status"] in EDGE_PIPELINE_STATUSES
        assert p["source"]["source_type"] in ("PostgreSQL", "MySQL", "Salesforce")
        assert {"id", "name", "connector_id", "destination_type", "status"} <= p["destination"].keys()
        assert get_json(f"{url}{EDGE}/pipelines/{p['id']}") == p  # unwrapped
        objects, _ = edge_all(f"{url}{EDGE}/pipelines/{p['id']}/objects", limit=5)
        assert objects == sim.objects_for(p["id"])
        for obj in objects:
            assert UUID.match(obj["object_id"])
            assert set(obj["source_namespace"]) == set(obj["destination_namespace"]) == {"k0", "k1", "k2"}
            obj_statuses[obj["status"]] += 1
            repl_statuses[obj["replication_status"]] += 1
            detail = get_json(f"{url}{EDGE}/pipelines/{p['id']}/objects/{obj['object_id']}")
            assert {k: detail[k] for k in obj} == obj
            assert detail["destination_table_name"] == obj["destination_namespace"]["k0"]
            assert detail["object_name"] and detail["load_mode"] in ("APPEND", "MERGE")
            for f in detail["fields"]:
                assert set(f) == {
                    "source_name",
                    "source_type",
                    "destination_name",
                    "destination_type",
                    "status",
                    "primary_key",
                }
                field_statuses[f["status"]] += 1
    assert {p["status"] for p in pipelines} >= {"ENABLED", "DISABLED", "INITIALIZING", "ENABLE_FAILED"}
    assert set(obj_statuses) <= set(EDGE_OBJECT_STATUSES) and len(obj_statuses) >= 5
    assert set(repl_statuses) <= set(EDGE_REPLICATION_STATUSES) and len(repl_statuses) >= 4
    assert {"ACTIVE", "IGNORED", "EXCLUDED"} <= set(field_statuses)
    assert call(f"{url}{EDGE}/pipelines/{pipelines[0]['id']}/objects/not-a-uuid")[0] == 404
    status, _, body = call(f"{url}{EDGE}/pipelines?cursor=%%%")
    assert status == 400


def test_edge_jobs_newest_first_with_window_filters_and_cursor(edge_served: tuple[HevoSimulator, str]) -> None:
    sim, url = edge_served
    pipeline = next(p for p in sim.pipelines() if p["status"] == "ENABLED")
    pid = pipeline["id"]
    jobs = sim.jobs_for(pid)
    created = [j["created_ts"] for j in jobs]
    assert created == sorted(created, reverse=True) and len(jobs) > 20
    got, pages = edge_all(f"{url}{EDGE}/pipelines/{pid}/jobs", limit=7)
    assert got == jobs and pages == -(-len(jobs) // 7)  # has_more is exact: no trailing empty page
    start, end = END - timedelta(days=3), END - timedelta(days=2)
    window = sim.jobs_for(pid, start, end)
    assert window and all(
        start.timestamp() * 1000 <= j["created_ts"] < end.timestamp() * 1000 for j in window
    )
    by_ms, _ = edge_all(
        f"{url}{EDGE}/pipelines/{pid}/jobs",
        limit=4,
        created_after=int(start.timestamp() * 1000),
        created_before=int(end.timestamp() * 1000),
    )
    by_iso, _ = edge_all(
        f"{url}{EDGE}/pipelines/{pid}/jobs",
        limit=4,
        created_after="2026-11-20T00:00:00Z",
        created_before="2026-11-21T00:00:00Z",
    )
    assert by_ms == by_iso == window
    pivot = window[2]["created_ts"]
    inclusive = get_json(f"{url}{EDGE}/pipelines/{pid}/jobs?limit=100&created_after={pivot}")["data"]
    exclusive = get_json(
        f"{url}{EDGE}/pipelines/{pid}/jobs?limit=100&created_before={pivot}&created_after={pivot - 3_600_000 * 24}"
    )["data"]
    assert inclusive[-1]["created_ts"] == pivot and all(j["created_ts"] < pivot for j in exclusive)
    job = jobs[5]
    assert get_json(f"{url}{EDGE}/pipelines/{pid}/jobs/{job['job_id']}") == job
    other = next(p for p in sim.pipelines() if p["id"] != pid)
    assert call(f"{url}{EDGE}/pipelines/{other['id']}/jobs/{job['job_id']}")[0] == 404
    assert call(f"{url}{EDGE}/pipelines/{pid}/jobs/00000000-0000-4000-8000-000000000000")[0] == 404
    assert call(f"{url}{EDGE}/pipelines/{pid}/jobs?created_after=last-week")[0] == 400


def test_edge_job_shapes_and_every_status_and_type(edge_served: tuple[HevoSimulator, str]) -> None:
    sim, url = edge_served
    jobs = [j for p in sim.pipelines() for j in sim.jobs_for(p["id"])]
    assert len({j["job_id"] for j in jobs}) == len(jobs)
    statuses = Counter(j["status"] for j in jobs)
    assert set(statuses) == set(JOB_STATUSES) and statuses["COMPLETED"] > len(jobs) / 2
    assert {j["type"] for j in jobs} == set(JOB_TYPES)
    keys = [
        "job_id", "type", "status", "created_ts", "updated_ts", "events_ingested", "events_loaded", "events_failed",
        "objects_success", "objects_queued", "objects_skipped", "objects_failed", "duration", "min_latency",
        "max_latency", "mean_latency",
    ]  # fmt: skip
    for j in jobs:
        assert list(j) == keys and UUID.match(j["job_id"])
        assert j["created_ts"] <= j["updated_ts"] <= END.timestamp() * 1000
        assert (
            j["events_loaded"] + j["events_failed"] <= j["events_ingested"]
            or j["status"] == "DEFERRED_WITH_FAILURES"
        )
        assert j["min_latency"] <= j["mean_latency"] <= j["max_latency"]
    for p in sim.pipelines():
        if p["status"] == "INITIALIZING":
            assert sim.jobs_for(p["id"]) == []
        if p["status"] in ("DISABLED", "ENABLE_FAILED"):
            assert all(j["created_ts"] < p["updated_ts"] for j in sim.jobs_for(p["id"]))


def test_edge_big_history_is_lazy(make_sim: Any) -> None:
    started = time.perf_counter()
    sim, url = make_sim("hevo", flavour="edge", n_pipelines=300, jobs_per_pipeline_per_day=96, days=30)
    pid = sim.pipelines()[-4]["id"]
    page = get_json(f"{url}{EDGE}/pipelines/{pid}/jobs?limit=100&created_after=2026-11-01T00:00:00Z")
    assert len(page["data"]) == 100 and page["has_more"] is True
    assert time.perf_counter() - started < 10


def test_cli_edge_flavour() -> None:
    with cli_process(
        "kada_sim", "hevo", "--flavour", "edge", "--port", "0", "--seed", "7", "--end", "2026-11-23T00:00:00Z"
    ) as (proc, url):
        assert re.match(r"^http://127\.0\.0\.1:\d+$", url), url
        assert len(get_json(f"{url}{EDGE}/pipelines")["data"]) == 6
        assert call(f"{url}{STD}/pipelines")[0] == 404
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


# ---- profiles (issue 8) -------------------------------------------------------------------------------------


def test_profiles_are_per_flavour_and_unknown_names_are_refused() -> None:
    assert PROFILES[0] == "kada" and set(STANDARD_PROFILES) | set(EDGE_PROFILES) == set(PROFILES)
    for flavour, allowed in (("standard", STANDARD_PROFILES), ("edge", EDGE_PROFILES)):
        for profile in set(PROFILES) - set(allowed) | {"nope"}:
            with pytest.raises(ValueError, match="profile"):
                HevoSimulator(HevoSimConfig(flavour=flavour, profile=profile, end=END))


def test_documented_standard_serves_only_documented_fields(make_sim: Any) -> None:
    sim, url = make_sim("hevo", profile="documented", n_pipelines=9)
    api = url + STD
    pipelines = std_all(f"{api}/pipelines")[0]
    assert not [p for p in pipelines if "destination_table_prefix" in p or "name" in p]
    for p in pipelines:
        objects = std_all(f"{api}/pipelines/{p['id']}/objects")[0]
        assert objects and all(set(o) == {"name", "status", "last_run_ts"} for o in objects)
        event_types = std_all(f"{api}/pipelines/{p['id']}/event-types")[0]
        assert all(set(et) == {"name", "mapping_status"} for et in event_types)
    mysql = [o["name"] for p in pipelines if p["source"]["type"] == "MYSQL" for o in sim.objects_for(p["id"])]
    assert mysql and all(name.startswith("shop.") for name in mysql)  # `<db>.<table>`
    models = std_all(f"{api}/models")[0]
    assert models and all("last_run_status" not in m and set(m["destination"]) == {"config"} for m in models)
    assert get_json(f"{api}/models/{models[0]['id']}")["data"]["id"] == models[0]["id"]  # wrapped
    tables = [m["destination_table"] for p in pipelines for et in sim.event_types_for(p["id"])
              if (m := sim.mapping_for(p["id"], et["name"])) and m["destination_table"]]
    assert any(t.isupper() for t in tables) and any(t.islower() for t in tables)  # case differs
    assert any("Pg_" in m["source_query"] or "Public." in m["source_query"] for m in models)
    _, kada_url = make_sim("hevo", n_pipelines=9)
    assert "object_name" in std_all(f"{kada_url}{STD}/pipelines/{pipelines[0]['id']}/event-types")[0][0]


def test_documented_standard_variants(make_sim: Any) -> None:
    _, url = make_sim("hevo", profile="documented-unwrapped")
    pid = get_json(f"{url}{STD}/pipelines")["data"][0]["id"]
    assert get_json(f"{url}{STD}/pipelines/{pid}")["id"] == pid  # bare
    _, url = make_sim("hevo", profile="documented-string-ids")
    body = get_json(f"{url}{STD}/pipelines")["data"][0]
    assert isinstance(body["id"], str) and isinstance(body["destination"]["id"], str)
    assert isinstance(get_json(f"{url}{STD}/pipelines/{body['id']}")["data"]["id"], str)
    _, url = make_sim("hevo", profile="documented-iso-timestamps")
    body = get_json(f"{url}{STD}/pipelines")["data"][0]
    assert re.match(r"^\d{4}-\d\d-\d\dT", body["created_ts"])
    sim, url = make_sim("hevo", profile="documented-prefixed-mapping", n_pipelines=9)
    assert any("destination_table_prefix" in p for p in std_all(f"{url}{STD}/pipelines")[0])


def test_documented_edge_shapes_and_variants(make_sim: Any) -> None:
    sim, url = make_sim("hevo", flavour="edge", profile="documented", n_pipelines=9)
    api = url + EDGE
    pipelines = edge_all(f"{api}/pipelines")[0]
    for p in pipelines:
        for detail in sim.object_details_for(p["id"]):
            ns = detail["destination_namespace"]
            assert detail["destination_table_name"] == p["destination_prefix"] + ns["k0"]  # OFFICIAL rule
            if p["source"]["source_type"] == "MySQL":
                assert detail["source_namespace"]["k1"] is None and detail["source_namespace"]["k2"] == "shop"
    statuses = {f["status"] for p in pipelines for d in sim.object_details_for(p["id"]) for f in d["fields"]}
    assert "DROPPED" in statuses and "ACTIVE" in statuses
    sim, url = make_sim("hevo", flavour="edge", profile="documented-no-table-name")
    pid = sim.pipelines()[0]["id"]
    oid = sim.objects_for(pid)[0]["object_id"]
    assert "destination_table_name" not in get_json(f"{url}{EDGE}/pipelines/{pid}/objects/{oid}")
    sim, url = make_sim("hevo", flavour="edge", profile="documented-no-pipeline-name")
    assert not [p for p in edge_all(f"{url}{EDGE}/pipelines")[0] if "name" in p]
    sim, url = make_sim("hevo", flavour="edge", profile="documented-no-destinations")
    assert call(f"{url}{EDGE}/destinations")[0] == 404
    assert call(f"{url}{EDGE}/destinations/{sim.destinations()[0]['id']}")[0] == 404


@pytest.mark.parametrize("profile", ["documented", "documented-jobs-oldest-first", "documented-jobs-unordered",
                                     "documented-strict-params", "documented-seconds-filters"])
def test_edge_job_listing_per_profile(make_sim: Any, profile: str) -> None:
    sim, url = make_sim("hevo", flavour="edge", profile=profile)
    disabled = next(p for p in sim.pipelines() if p["status"] == "DISABLED")
    jobs = sim.jobs_for(disabled["id"])
    assert jobs[0]["status"] == "FAILED" and jobs[0]["created_ts"] > disabled["updated_ts"]  # runs after updated_ts
    url_jobs = f"{url}{EDGE}/pipelines/{disabled['id']}/jobs"
    got, _ = edge_all(url_jobs, limit=5)
    created = [j["created_ts"] for j in got]
    assert sorted(got, key=lambda j: j["job_id"]) == sorted(jobs, key=lambda j: j["job_id"])
    if profile == "documented-jobs-oldest-first":
        assert created == sorted(created)
    elif profile == "documented-jobs-unordered":
        assert created not in (sorted(created), sorted(created, reverse=True))
    else:
        assert created == sorted(created, reverse=True)
    start_ms = int((END - timedelta(days=1)).timestamp() * 1000)
    status, _, body = call(f"{url_jobs}?limit=100&created_after={start_ms}")
    if profile == "documented-strict-params":
        assert status == 400 and "created_after" in json.loads(body)["message"]
    elif profile == "documented-seconds-filters":  # ms read as seconds: a time far in the future
        assert status == 200 and json.loads(body)["data"] == []
        by_seconds = get_json(f"{url_jobs}?limit=100&created_after={start_ms // 1000}")["data"]
        assert by_seconds and all(j["created_ts"] >= start_ms for j in by_seconds)
    else:  # not a documented filter: ignored
        assert status == 200 and len(json.loads(body)["data"]) == min(100, len(jobs))
