"""The Hightouch simulator itself, over real HTTP on loopback (it is the only Hightouch the project sees)."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import time
import tracemalloc
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from kada_dagster_tests.sim_helpers import END, cli_process, http_get, json_200
from kada_sim.hightouch import SYNC_RUN_STATUSES, SYNC_STATUSES, HightouchSimConfig, HightouchSimulator
from kada_sim.server import SECRET_MARKER

TOKEN = "sim-hightouch-token"
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

SOURCE_FIELDS = {"id", "name", "slug", "workspaceId", "createdAt", "updatedAt", "configuration", "type"}
MODEL_FIELDS = {
    "id", "name", "slug", "description", "workspaceId", "primaryKey", "createdAt", "updatedAt", "sourceId",
    "queryType", "tags", "isSchema", "syncs", "lastRunSize",
}  # fmt: skip
DEST_FIELDS = {
    "id",
    "name",
    "slug",
    "workspaceId",
    "createdAt",
    "updatedAt",
    "type",
    "configuration",
    "syncs",
}
SYNC_FIELDS = {
    "id", "slug", "workspaceId", "createdAt", "updatedAt", "destinationId", "modelId", "configuration", "schedule",
    "status", "disabled", "lastRunAt", "referencedColumns", "primaryKey", "externalSegment", "tags",
}  # fmt: skip
RUN_FIELDS = {
    "id", "createdAt", "startedAt", "finishedAt", "querySize", "status", "completionRatio", "plannedRows",
    "successfulRows", "failedRows", "error",
}  # fmt: skip


def call(
    url: str, token: str | None = TOKEN, timeout: float = 10, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    """GET with a bearer token; returns (status, headers, raw body) for any status."""
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return http_get(url, headers, timeout)


def get_json(url: str, **kwargs: Any) -> Any:
    return json_200(call(url, **kwargs))


def fetch_all(base: str, path: str, limit: int = 100, **params: str) -> list[dict[str, Any]]:
    """Offset paging as a client should: hasMore when present, else a short or empty page ends it."""
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        query = "&".join([f"limit={limit}", f"offset={offset}"] + [f"{k}={v}" for k, v in params.items()])
        body = get_json(f"{base}{path}?{query}")
        out.extend(body["data"])
        offset += len(body["data"])
        if (
            body.get("hasMore") is False
            or not body["data"]
            or ("hasMore" not in body and len(body["data"]) < limit)
        ):
            return out


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[HightouchSimulator, str]]:
    """A default workspace, read-only for the tests that use it."""
    sim = HightouchSimulator(HightouchSimConfig(seed=7, end=END))
    with sim.serve() as url:
        yield sim, url


# ---- auth, errors, validation ------------------------------------------------------------------------


def test_401_bodies_match_the_observed_api(shared: tuple[HightouchSimulator, str]) -> None:
    sim, url = shared
    status, _, body = call(f"{url}/sources", token=None)
    assert status == 401
    assert json.loads(body) == {"message": "Authentication error", "details": "No authorization header found"}
    for header in ("Bearer wrong", "Basic c2ltOnNpbQ==", "Bearer"):
        status, _, body = call(f"{url}/sources", token=None, Authorization=header)
        assert status == 401
        assert json.loads(body) == {"message": "Authentication error", "details": "Token is invalid"}


def test_404_and_422_bodies(shared: tuple[HightouchSimulator, str]) -> None:
    sim, url = shared
    for path in ("/models/999999", "/syncs/1/runs", "/sources/7", "/nope", "/syncs/40000/nope"):
        status, _, body = call(url + path)
        assert (status, json.loads(body)) == (404, {"message": "Not found"}), path
    status, _, body = call(f"{url}/models/abc")
    assert status == 422
    assert json.loads(body) == {
        "message": "Validation failed",
        "details": {"modelId": {"message": "invalid float number", "value": "abc"}},
    }
    for path, param in (
        ("/sources?orderBy=bogus", "orderBy"),
        ("/syncs?orderBy=lastRunAt", "orderBy"),
        ("/syncs/40000/runs?orderBy=name", "orderBy"),
        ("/models?limit=0", "limit"),
        ("/models?limit=ten", "limit"),
        ("/destinations?offset=-1", "offset"),
        ("/syncs?after=yesterday", "after"),
    ):
        status, _, body = call(url + path)
        parsed = json.loads(body)
        assert status == 422 and parsed["message"] == "Validation failed" and param in parsed["details"], path


def test_500_body_is_the_json_string(make_sim: Any) -> None:
    sim, url = make_sim()
    sim.inject_fault("/sources", "500", 1)
    status, headers, body = call(f"{url}/sources")
    assert status == 500 and json.loads(body) == "Internal Server Error"
    assert headers["Content-Type"].startswith("application/json")


# ---- pagination -----------------------------------------------------------------------------------------


def test_sources_models_destinations_omit_has_more_and_page_by_offset(make_sim: Any) -> None:
    sim, url = make_sim(n_sources=200, n_models=30, n_destinations=9)
    first = get_json(f"{url}/sources?limit=100&offset=0")
    second = get_json(f"{url}/sources?limit=100&offset=100")
    empty = get_json(f"{url}/sources?limit=100&offset=200")
    assert "hasMore" not in first and "hasMore" not in empty
    assert len(first["data"]) == len(second["data"]) == 100 and empty == {"data": []}
    assert first["data"] + second["data"] == sim.sources()
    assert [s["id"] for s in sim.sources()] == sorted(s["id"] for s in sim.sources())
    assert fetch_all(url, "/models", limit=7) == sim.models()
    # 9 destinations at limit 3 is an exact multiple: the client ends on an empty page
    assert fetch_all(url, "/destinations", limit=3) == sim.destinations()


def test_syncs_has_more_including_an_exact_multiple(make_sim: Any) -> None:
    sim, url = make_sim(n_syncs=200, n_models=30)
    pages = [get_json(f"{url}/syncs?limit=100&offset={o}") for o in (0, 100)]
    assert [p["hasMore"] for p in pages] == [True, False]
    assert pages[0]["data"] + pages[1]["data"] == sim.syncs()
    page = get_json(f"{url}/syncs?limit=150&offset=150")
    assert len(page["data"]) == 50 and page["hasMore"] is False


def test_has_more_can_be_forced_on_every_endpoint(make_sim: Any) -> None:
    sim, url = make_sim(omit_has_more_on=frozenset())
    assert get_json(f"{url}/sources?limit=2")["hasMore"] is True
    assert get_json(f"{url}/models?limit=1000")["hasMore"] is False


def test_limit_is_capped_at_max_limit_and_defaults_to_100(make_sim: Any) -> None:
    sim, url = make_sim(n_syncs=260, n_models=30, max_limit=50)
    assert len(get_json(f"{url}/syncs?limit=500")["data"]) == 50
    sim2, url2 = make_sim(n_syncs=260, n_models=30)
    assert len(get_json(f"{url2}/syncs")["data"]) == 100


def test_order_by_sorts_ascending(shared: tuple[HightouchSimulator, str]) -> None:
    sim, url = shared
    for field in ("name", "slug", "createdAt", "updatedAt"):
        data = get_json(f"{url}/models?orderBy={field}")["data"]
        keys = [m[field] for m in data]
        assert keys == sorted(keys), field
    slugs = [s["slug"] for s in get_json(f"{url}/syncs?orderBy=name")["data"]]
    assert slugs == sorted(slugs)  # syncs have no name: ordered by slug


# ---- filters ---------------------------------------------------------------------------------------------


def test_name_slug_tags_and_model_filters(shared: tuple[HightouchSimulator, str]) -> None:
    sim, url = shared
    source = sim.sources()[1]
    assert get_json(f"{url}/sources?slug={source['slug']}")["data"] == [source]
    assert get_json(f"{url}/sources?name={urllib.parse.quote(source['name'])}")["data"] == [source]
    marketing = [m for m in sim.models() if m["tags"].get("team") == "marketing"]
    assert marketing and get_json(f"{url}/models?tags=team:marketing")["data"] == marketing
    both = get_json(f"{url}/models?tags=team:marketing&tags=pii:true")["data"]
    assert both == [m for m in marketing if m["tags"].get("pii") == "true"]
    model_id = sim.syncs()[0]["modelId"]
    assert get_json(f"{url}/syncs?modelId={model_id}")["data"] == [
        s for s in sim.syncs() if s["modelId"] == model_id
    ]


def test_syncs_after_before_filter_on_last_run_at(shared: tuple[HightouchSimulator, str]) -> None:
    sim, url = shared
    ran = sorted((s for s in sim.syncs() if s["lastRunAt"]), key=lambda s: s["lastRunAt"])
    pivot = ran[len(ran) // 2]["lastRunAt"]
    after = get_json(f"{url}/syncs?after={pivot}")["data"]
    before = get_json(f"{url}/syncs?before={pivot}")["data"]
    assert {s["id"] for s in after} == {s["id"] for s in ran if s["lastRunAt"] >= pivot}  # inclusive
    assert {s["id"] for s in before} == {s["id"] for s in ran if s["lastRunAt"] < pivot}  # exclusive
    assert not any(s["lastRunAt"] is None for s in after + before)


# ---- object shapes -----------------------------------------------------------------------------------------


def test_object_shapes_cover_the_spec(shared: tuple[HightouchSimulator, str]) -> None:
    sim, url = shared
    sources, models, dests, syncs = sim.sources(), sim.models(), sim.destinations(), sim.syncs()
    for objs, fields in (
        (sources, SOURCE_FIELDS),
        (models, MODEL_FIELDS),
        (dests, DEST_FIELDS),
        (syncs, SYNC_FIELDS),
    ):
        for obj in objs:
            assert fields <= obj.keys(), fields - obj.keys()
            assert isinstance(obj["id"], int) and isinstance(obj["workspaceId"], int)
            assert ISO_MS.match(obj["createdAt"]) and ISO_MS.match(obj["updatedAt"])
            assert obj["createdAt"] <= obj["updatedAt"]
    assert {s["type"] for s in sources} >= {"snowflake", "postgres", "bigquery", "airtable"}
    by_type = {m["queryType"]: m for m in models}
    assert set(by_type) == {"raw_sql", "table", "dbt", "visual", "custom"}
    assert "sql" in by_type["raw_sql"]["raw"] and "name" in by_type["table"]["table"]
    assert {"dbtUniqueId", "compiledSql", "rawSql", "database", "schema", "name", "modelId"} <= by_type[
        "dbt"
    ]["dbt"].keys()
    assert "query" in by_type["custom"]["custom"]
    table_names = {m["table"]["name"] for m in models if m["queryType"] == "table"}
    assert any("." in n for n in table_names) and any("." not in n for n in table_names)
    models_by_id = {m["id"]: m for m in models}
    for m in models:
        if m["queryType"] == "visual":
            parent = models_by_id[m["visual"]["parentId"]]
            assert parent["isSchema"] is True and parent["sourceId"] == m["sourceId"]
    assert any(m["lastRunSize"] is None for m in models) and any(
        isinstance(m["lastRunSize"], int) for m in models
    )
    assert any(m["primaryKey"] is None for m in models)
    assert any("folderId" in m for m in models) and any("folderId" not in m for m in models)
    # relations are consistent both ways
    for s in syncs:
        assert s["id"] in models_by_id[s["modelId"]]["syncs"]
        assert s["id"] in next(d for d in dests if d["id"] == s["destinationId"])["syncs"]
        assert "name" not in s and s["status"] in SYNC_STATUSES
    assert sum(len(m["syncs"]) for m in models) == len(syncs) == sum(len(d["syncs"]) for d in dests)
    assert any(s["schedule"] is None for s in syncs)
    assert {s["schedule"]["type"] for s in syncs if s["schedule"]} == {"interval", "cron", "visual"}
    assert any(s["lastRunAt"] is None for s in syncs) and any(s["disabled"] for s in syncs)
    configs = [s["configuration"] for s in syncs]
    assert any("object" in c for c in configs) and any(
        c.get("type") == "event" and "eventName" in c for c in configs
    )
    assert any("tableName" in c or "objectName" in c for c in configs)
    assert all({"from", "to", "type"} <= m.keys() for c in configs for m in c["mappings"])
    # created after the start of history, so window filtering on creation can be tested
    start = sim.history_start.strftime("%Y-%m-%dT%H:%M:%S")
    assert any(o["createdAt"] > start for o in sources + models + dests + syncs)
    # secrets are there, clearly fake, and all recorded
    served = json.dumps([s["configuration"] for s in sources + dests])
    assert sim.secret_values() and all(v in served for v in sim.secret_values())
    assert served.count(SECRET_MARKER) == len(sim.secret_values())
    # single GETs return the bare object
    assert get_json(f"{url}/syncs/{syncs[0]['id']}") == syncs[0]
    assert get_json(f"{url}/models/{models[2]['id']}") == models[2]


def test_last_run_at_and_status_follow_the_latest_run(shared: tuple[HightouchSimulator, str]) -> None:
    sim, url = shared
    for sync in sim.syncs():
        runs = sim.runs_for(sync["id"])
        if not runs:
            assert sync["lastRunAt"] is None and sync["status"] in ("pending", "disabled")
            continue
        assert sync["lastRunAt"] == runs[-1]["startedAt"]
        assert sync["status"] == ("disabled" if sync["disabled"] else runs[-1]["status"])


def test_string_ids_mode(make_sim: Any) -> None:
    sim, url = make_sim(string_ids=True)
    sync = get_json(f"{url}/syncs?limit=1")["data"][0]
    assert (
        isinstance(sync["id"], str)
        and isinstance(sync["modelId"], str)
        and isinstance(sync["workspaceId"], str)
    )
    assert all(isinstance(x, str) for m in sim.models() for x in m["syncs"])
    run_sync = next(s for s in sim.syncs() if s["lastRunAt"])
    run = get_json(f"{url}/syncs/{run_sync['id']}/runs?limit=1")["data"][0]
    assert isinstance(run["id"], str) and run["id"].isdigit()


def test_dangling_references_404(make_sim: Any) -> None:
    sim, url = make_sim(dangling_references=True)
    assert sim.deleted_model_ids and sim.deleted_destination_ids
    syncs = sim.syncs()
    assert any(s["modelId"] in sim.deleted_model_ids for s in syncs)
    assert any(s["destinationId"] in sim.deleted_destination_ids for s in syncs)
    assert call(f"{url}/models/{sim.deleted_model_ids[0]}")[0] == 404
    assert call(f"{url}/destinations/{sim.deleted_destination_ids[0]}")[0] == 404


# ---- runs -----------------------------------------------------------------------------------------------------


def test_run_shapes_and_statuses(make_sim: Any) -> None:
    sim, url = make_sim(n_syncs=60, runs_per_sync_per_day=8, days=10)
    runs = [r for s in sim.syncs() for r in sim.runs_for(s["id"])]
    assert len({r["id"] for r in runs}) == len(runs)  # unique across the workspace
    statuses = Counter(r["status"] for r in runs)
    assert set(statuses) <= set(SYNC_RUN_STATUSES)
    assert statuses["success"] > len(runs) / 2
    assert {"success", "warning", "failed", "cancelled", "interrupted"} <= set(statuses)
    assert {"querying", "processing", "reporting", "queued"} & set(statuses)
    for r in runs:
        assert r.keys() >= RUN_FIELDS
        assert r["createdAt"] <= r["startedAt"]
        for key in ("plannedRows", "successfulRows", "failedRows"):
            assert set(r[key]) == {"addedCount", "changedCount", "removedCount"}
        running = r["status"] in ("queued", "querying", "processing", "reporting")
        assert (r["finishedAt"] is None) == running
        if r["finishedAt"]:
            assert r["startedAt"] <= r["finishedAt"]
        if r["status"] == "success":
            assert r["error"] is None and r["completionRatio"] == 1.0
        if r["status"] == "failed":
            assert isinstance(r["error"], str) and r["error"]
        assert 0 <= r["completionRatio"] <= 1
    assert any(re.search(r"'[^']+'|\d+", r["error"] or "") for r in runs if r["status"] == "failed")


def test_runs_window_filters_and_paging(shared: tuple[HightouchSimulator, str]) -> None:
    sim, url = shared
    sync = max(sim.syncs(), key=lambda s: len(sim.runs_for(s["id"])))
    sid = sync["id"]
    everything = sim.runs_for(sid)
    assert fetch_all(url, f"/syncs/{sid}/runs", limit=7) == everything
    pivot = everything[len(everything) // 2]["startedAt"]
    after = fetch_all(url, f"/syncs/{sid}/runs", limit=5, after=pivot)
    before = fetch_all(url, f"/syncs/{sid}/runs", limit=5, before=pivot)
    assert after[0]["startedAt"] == pivot and after == [r for r in everything if r["startedAt"] >= pivot]
    assert before == [r for r in everything if r["startedAt"] < pivot]
    day_start, day_end = END - timedelta(days=2), END - timedelta(days=1)
    window = sim.runs_for(sid, day_start, day_end)
    got = fetch_all(
        url, f"/syncs/{sid}/runs", limit=3, after="2026-11-21T00:00:00Z", before="2026-11-22T00:00:00.000Z"
    )
    assert got == window and window
    assert all("2026-11-21" <= r["startedAt"] < "2026-11-22" for r in window)
    within = get_json(f"{url}/syncs/{sid}/runs?within=720")["data"]
    assert within == [r for r in everything if r["startedAt"] >= "2026-11-22T12:00:00.000Z"]
    one = everything[3]
    assert get_json(f"{url}/syncs/{sid}/runs?runId={one['id']}") == {"data": [one], "hasMore": False}
    other = next(s for s in sim.syncs() if s["id"] != sid and sim.runs_for(s["id"]))
    assert get_json(f"{url}/syncs/{other['id']}/runs?runId={one['id']}")["data"] == []
    assert get_json(f"{url}/syncs/{sid}/runs?runId={one['id']}&after=2026-11-23T00:00:00Z")["data"] == []
    assert get_json(f"{url}/syncs/{sid}/runs?offset=100000") == {"data": [], "hasMore": False}


def test_big_workspace_is_lazy_and_fast(make_sim: Any) -> None:
    tracemalloc.start()
    try:
        started = time.perf_counter()
        sim, url = make_sim(
            n_syncs=2000, n_models=300, n_sources=20, n_destinations=40, runs_per_sync_per_day=20, days=30
        )
        built = time.perf_counter() - started
        page = get_json(f"{url}/syncs?limit=100&offset=1900")
        sid = page["data"][50]["id"]
        last = get_json(f"{url}/syncs/{sid}/runs?limit=100&offset=500")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert built < 10 and elapsed < 15, (built, elapsed)
    assert peak < 80 * 1024 * 1024, peak  # 1.2M runs are never materialised
    assert len(page["data"]) == 100 and page["hasMore"] is False
    assert last["data"] == sim.runs_for(sid)[500:600]
    assert 800_000 < sim.run_count() <= 2000 * 20 * 30


# ---- rate limiting, faults, concurrency ----------------------------------------------------------------------


def test_rate_limit_429_has_no_retry_after_and_recovers(make_sim: Any) -> None:
    sim, url = make_sim(rate_limit=(5, 1.5))  # wide enough to hold on a busy machine
    assert call(f"{url}/sources", token="wrong")[0] == 401  # unauthenticated requests do not count
    assert [call(f"{url}/sources")[0] for _ in range(5)] == [200] * 5
    status, headers, body = call(f"{url}/sources")
    assert status == 429 and json.loads(body) == {"error": "Too many requests"}
    assert not {h.lower() for h in headers} & {"retry-after", "x-ratelimit-limit", "ratelimit-remaining"}
    time.sleep(1.6)
    assert call(f"{url}/sources")[0] == 200
    assert sim.stats.rate_limited == 1 and sim.stats.by_status[429] == 1


@pytest.mark.parametrize("kind", ["500", "502", "503", "404", "malformed"])
def test_injected_http_faults(make_sim: Any, kind: str) -> None:
    sim, url = make_sim()
    sim.inject_fault("/destinations", kind, 2)
    results = [call(f"{url}/destinations") for _ in range(3)]
    for status, headers, body in results[:2]:
        if kind == "malformed":
            assert status == 200
            with pytest.raises(json.JSONDecodeError):
                json.loads(body)
        else:
            assert status == int(kind)
            if kind in ("502", "503"):
                assert headers["Content-Type"].startswith("text/html")
    assert results[2][0] == 200 and json.loads(results[2][2])["data"] == sim.destinations()
    assert sim.stats.faults[kind] == 2 and sim.pending_faults == []


def test_faults_match_by_prefix_and_only_after_auth(make_sim: Any) -> None:
    sim, url = make_sim()
    sim.inject_fault("/api/v1/syncs/40000/runs", "503", 1)
    assert call(f"{url}/syncs/40000/runs", token="bad")[0] == 401  # does not consume the fault
    assert call(f"{url}/syncs")[0] == 200
    assert call(f"{url}/syncs/40000/runs?limit=1")[0] == 503
    assert call(f"{url}/syncs/40000/runs?limit=1")[0] == 200
    with pytest.raises(ValueError):
        sim.inject_fault("/x", "teapot", 1)


def test_reset_and_timeout_faults(make_sim: Any) -> None:
    sim, url = make_sim(timeout_sleep_s=1.5)
    sim.inject_fault("/sources", "reset", 1)
    with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
        call(f"{url}/sources")
    sim.inject_fault("/sources", "timeout", 1)
    started = time.perf_counter()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        call(f"{url}/sources", timeout=0.3)
    assert time.perf_counter() - started < 1.0
    assert call(f"{url}/sources")[0] == 200
    assert sim.stats.faults["reset"] == 1 and sim.stats.faults["timeout"] == 1


def test_random_faults_are_seeded_and_reproducible(make_sim: Any) -> None:
    def statuses(seed: int) -> list[int]:
        sim, url = make_sim(seed=seed, fault_rate_5xx=0.3, fault_rate_malformed=0.2)
        out = []
        for i in range(30):
            status, _, body = call(f"{url}/models?limit=3&offset={i % 5}")
            out.append(-1 if status == 200 and not body.endswith(b"}") else status)
        return out

    first = statuses(3)
    assert first == statuses(3)
    assert {200, -1} <= set(first) and any(s >= 500 for s in first)
    assert first != statuses(4)


def test_latency_does_not_serialise_concurrent_requests_and_keep_alive_works(make_sim: Any) -> None:
    sim, url = make_sim(latency_s=0.3)
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: call(f"{url}/sources")[0], range(8)))
    assert statuses == [200] * 8 and time.perf_counter() - started < 1.6  # serialised: 2.4 s
    assert sim.stats.max_in_flight >= 4
    host = url.split("//")[1].split("/")[0]
    conn = http.client.HTTPConnection(host, timeout=5)
    for _ in range(3):  # one connection, three requests: HTTP/1.1 keep-alive with Content-Length
        conn.request("GET", "/api/v1/sources", headers={"Authorization": f"Bearer {TOKEN}"})
        resp = conn.getresponse()
        assert (
            resp.status == 200
            and resp.version == 11
            and int(resp.headers["Content-Length"]) == len(resp.read())
        )
    conn.close()


def test_stats_and_recording(make_sim: Any) -> None:
    sim, url = make_sim(record_requests=True)
    call(f"{url}/syncs?limit=2")
    call(f"{url}/syncs/40000/runs?limit=1")
    call(f"{url}/syncs/40007/runs")
    call(f"{url}/models/5300")
    snap = sim.stats.snapshot()
    assert snap["total_requests"] == 4
    assert snap["by_endpoint"] == {"GET /syncs": 1, "GET /syncs/{id}/runs": 2, "GET /models/{id}": 1}
    assert snap["requests"][1] == ("GET", "/api/v1/syncs/40000/runs?limit=1")
    sim.reset_stats()
    assert sim.stats.total_requests == 0 and sim.stats.requests == []


def test_deterministic_bytes(make_sim: Any) -> None:
    paths = [
        "/sources",
        "/models",
        "/destinations",
        "/syncs",
        "/syncs/40007/runs",
        "/syncs/40014/runs?after=2026-11-20T00:00:00Z",
    ]
    (_, url_a), (_, url_b) = make_sim(seed=5), make_sim(seed=5)
    for path in paths:
        assert call(url_a + path)[2] == call(url_b + path)[2], path
    _, url_c = make_sim(seed=6)
    assert call(url_a + "/models")[2] != call(url_c + "/models")[2]


def test_cli_prints_url_and_stops_on_sigterm() -> None:
    with cli_process(
        "kada_sim.hightouch", "--port", "0", "--seed", "7", "--n-syncs", "12", "--end", "2026-11-23T00:00:00Z"
    ) as (proc, url):
        assert re.match(r"^http://127\.0\.0\.1:\d+/api/v1$", url), url
        assert len(get_json(f"{url}/syncs")["data"]) == 12
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


# ---- profiles ------------------------------------------------------------------------------------------


def test_profiles_serve_the_same_workspace_in_other_shapes(make_sim: Any) -> None:
    from kada_sim.hightouch import PAGE_CAP, PROFILES

    base = dict(seed=3, n_destinations=9, n_syncs=30, n_models=14, runs_per_sync_per_day=1)
    sims = {p: make_sim(**base, profile=p) for p in PROFILES}
    ids = {p: [str(s["id"]) for s in sim.syncs()] for p, (sim, _) in sims.items()}
    assert all(v == ids["kada"] for v in ids.values())
    documented, url = sims["documented"]
    names = [d["name"] for d in documented.destinations()]
    assert len(set(names)) < len(names)  # two destinations share a name (and a type)
    assert len({d["name"] for d in sims["kada"][0].destinations()}) == len(names)
    assert not any(s["configuration"].get("eventName") for s in documented.syncs()
                   if next(d for d in documented.destinations() if d["id"] == s["destinationId"])["type"] == "webhook")
    assert any("dbt_cloud" in m and "database" not in m["dbt_cloud"] for m in documented.models())
    capped, capped_url = sims["documented-page-cap"]
    page = get_json(f"{capped_url}/syncs?limit=100")
    assert len(page["data"]) == PAGE_CAP and "hasMore" not in page
    assert fetch_all(capped_url, "/syncs", limit=PAGE_CAP) == capped.syncs()
    assert all("lastRunAt" not in s for s in sims["documented-no-last-run-at"][0].syncs())
    finished, _ = sims["documented-last-finished"]
    for sync in finished.syncs():
        ends = [r["finishedAt"] for r in finished.runs_for(sync["id"]) if r["finishedAt"]]
        assert sync["lastRunAt"] == (max(ends) if ends else None)
    sparse, _ = sims["documented-sparse-runs"]
    runs = [r for s in sparse.syncs() for r in sparse.runs_for(s["id"])]
    assert any(r["status"] == "queued" and r["startedAt"] is None for r in runs)
    assert all("finishedAt" not in r for r in runs if r["status"] in ("queued", "querying", "processing", "reporting"))
    shapes = {k for s in sims["documented-datahub-mappings"][0].syncs() for k in s["configuration"]}
    assert {"fieldMappings", "columnMappings", "columns", "mappings"} <= shapes
    with pytest.raises(ValueError, match="profile"):
        HightouchSimulator(HightouchSimConfig(profile="nope"))
