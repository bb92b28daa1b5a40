"""Client-side rate limiting against both ways a server may count its limit, over real HTTP.

The vendors document "N requests per period" but not how they count it, so the simulators serve a
sliding window or a token bucket (`SimOptions.rate_limit_kind`), and the client's limiters are checked
against both: the default (`adaptive`) draws exactly one 429 from a window and none from a bucket, and
never more than one a run; `sliding` never draws one from either; `token_bucket` never draws one from a
bucket, and does draw them from a window (it is faster than a window allows). Speed is the benchmark's
business (BENCHMARKS.md, scenario 1); these tests check behaviour at a small scale, time-scaled.
"""

from __future__ import annotations

import math
import threading
import time

import dagster as dg
import pytest
import requests

from kada_dagster.core.assets import STORAGE_KEY, CollectorAssets
from kada_dagster.core.rate_limit import ACCEPTED, NO_ANSWER, REFUSED, RateLimiter, make_rate_limiter
from kada_dagster.core.resources import IntermediateStorageResource
from kada_dagster.hightouch.definitions import HightouchCollector
from kada_dagster_tests.ht_helpers import END, hightouch_resource
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator

RATE_SIM = {"seed": 13, "end": END, "days": 2, "n_sources": 2, "n_models": 4, "n_destinations": 2, "n_syncs": 12}
"""The workspace of every simulator here (conftest's ``make_sim(**RATE_SIM, ...)``)."""


def _run(sim: HightouchSimulator, url: str, count: int, **client_options: object) -> tuple[list[str], dict]:
    """`count` single-object GETs (8 in flight unless `max_concurrency` says otherwise) through the
    production client: the ids read and the client's request statistics."""
    client = hightouch_resource(url, sim.config.token, max_retries=12, **client_options).get_client()
    ids = [str(s["id"]) for s in sim.syncs()]
    wanted = [ids[i % len(ids)] for i in range(count)]
    try:
        got = [sync.id for sync in client.http.map_concurrent(lambda i: client.get_object("syncs", i), wanted)]
        return got, client.stats.as_dict()
    finally:
        client.close()


def _get_syncs(sim: HightouchSimulator, url: str, count: int, **client_options: object) -> list[str]:
    return _run(sim, url, count, **client_options)[0]


def test_the_token_bucket_simulator_allows_a_burst_then_only_its_refill(make_sim) -> None:
    bucket, bucket_url = make_sim(**RATE_SIM, rate_limit=(5, 2.0), rate_limit_kind="token_bucket")  # 5 tokens, 2.5 per s
    window, window_url = make_sim(**RATE_SIM, rate_limit=(5, 2.0))
    for sim, url in ((bucket, bucket_url), (window, window_url)):
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {sim.config.token}"

            def status(http: requests.Session = http, url: str = url) -> int:
                return http.get(f"{url}/sources").status_code

            assert [status() for _ in range(6)] == [200] * 5 + [429]
            time.sleep(0.5)  # 1.25 tokens back in the bucket; the window still holds the 5
            assert [status(), status()] == ([200, 429] if sim is bucket else [429, 429])


@pytest.mark.parametrize("server_kind", ["sliding", "token_bucket"])
def test_the_sliding_limiter_draws_no_429_from_either_kind_of_server(make_sim, server_kind: str) -> None:
    sim, url = make_sim(**RATE_SIM, rate_limit=(10, 0.5), rate_limit_kind=server_kind, latency_s=0.01)
    started = time.monotonic()
    ids = _get_syncs(sim, url, 35, rate_limit_requests=10, rate_limit_period_seconds=0.5, rate_limit_kind="sliding")
    elapsed = time.monotonic() - started
    assert len(ids) == 35
    assert sim.stats.snapshot()["rate_limited"] == 0
    # A window's worth at a time: 35 requests at 10 per 0.5 s cannot end before the 4th window opens.
    assert elapsed >= (math.ceil(35 / 10) - 1) * 0.5


def test_the_token_bucket_limiter_draws_no_429_from_a_bucket_even_when_requests_are_slow(make_sim) -> None:
    # 100 ms of latency at 20 tokens a second: two tokens' worth of requests are always unaccounted for
    # by the server when the client decides; in-flight requests must count as taken.
    sim, url = make_sim(**RATE_SIM, rate_limit=(4, 0.2), rate_limit_kind="token_bucket", latency_s=0.1)
    ids = _get_syncs(sim, url, 30, rate_limit_requests=4, rate_limit_period_seconds=0.2,
                     rate_limit_kind="token_bucket")
    snapshot = sim.stats.snapshot()
    assert len(ids) == 30 and snapshot["total_requests"] == 30
    assert snapshot["rate_limited"] == 0
    assert snapshot["max_in_flight"] <= 4  # never more in flight than the bucket holds


def test_the_token_bucket_limiter_paces_by_the_refill_so_a_sliding_window_refuses_it(make_sim) -> None:
    sim, url = make_sim(**RATE_SIM, rate_limit=(10, 0.5), latency_s=0.01)
    ids = _get_syncs(sim, url, 30, rate_limit_requests=10, rate_limit_period_seconds=0.5,
                     rate_limit_kind="token_bucket", backoff_base_seconds=0.02)
    assert len(ids) == 30  # retried through the 429s
    assert sim.stats.snapshot()["rate_limited"] > 0


@pytest.mark.parametrize("kind", ["sliding", "token_bucket"])
def test_a_request_in_flight_holds_its_slot(make_sim, kind: str) -> None:
    sim, url = make_sim(**RATE_SIM, rate_limit=(3, 0.2), rate_limit_kind=kind, latency_s=0.15)
    ids = _get_syncs(sim, url, 12, rate_limit_requests=3, rate_limit_period_seconds=0.2, rate_limit_kind=kind)
    assert len(ids) == 12
    snapshot = sim.stats.snapshot()
    assert snapshot["max_in_flight"] <= 3 and snapshot["rate_limited"] == 0


def test_an_unknown_kind_is_refused_naming_the_setting(make_sim) -> None:
    with pytest.raises(ValueError, match="rate_limit_kind 'fixed' is not one of adaptive, sliding, token_bucket"):
        make_rate_limiter("fixed", 10, 1.0)
    sim, url = make_sim(**RATE_SIM)
    with pytest.raises(ValueError, match="rate_limit_kind 'fixed'"):
        hightouch_resource(url, sim.config.token, rate_limit_kind="fixed").get_client()
    with pytest.raises(ValueError, match="unknown rate_limit_kind 'fixed'"):
        HightouchSimulator(HightouchSimConfig(rate_limit=(1, 1.0), rate_limit_kind="fixed"))
    assert sim.stats.snapshot()["total_requests"] == 0


# --- the default: adaptive ------------------------------------------------------------------------
# 41 requests at 10 per 0.5 s: a window-paced client cannot finish before 4 whole windows (2.0 s), a
# bucket-paced one can from 31 refills in (1.55 s + latency): the gap tells which pace a run took.
LIMIT, PERIOD, COUNT = 10, 0.5, 41
WINDOW_FLOOR = (math.ceil(COUNT / LIMIT) - 1) * PERIOD


@pytest.mark.parametrize("concurrency", [1, 8])
def test_the_default_draws_exactly_one_429_from_a_sliding_window_and_completes(make_sim, concurrency: int) -> None:
    sim, url = make_sim(rate_limit=(LIMIT, PERIOD), latency_s=0.01)
    started = time.monotonic()
    ids, stats = _run(sim, url, COUNT, rate_limit_requests=LIMIT, rate_limit_period_seconds=PERIOD,
                      max_concurrency=concurrency)
    elapsed = time.monotonic() - started
    assert len(ids) == COUNT  # the 429 was retried, nothing failed
    assert sim.stats.snapshot()["rate_limited"] == stats["rate_limited_429"] == 1
    assert stats["limiter"] == {"kind": "adaptive", "pacing": "sliding", "probes": 1,
                                "why": "the probe drew a 429: the server counts a window"}
    assert sim.stats.snapshot()["total_requests"] == COUNT + 1  # the refused probe, sent again
    # paced by the window, and the 429 cost no more than part of a window
    assert WINDOW_FLOOR <= elapsed < WINDOW_FLOOR + 2 * PERIOD


@pytest.mark.parametrize("concurrency", [1, 8])
def test_the_default_draws_no_429_from_a_token_bucket_and_takes_its_refill(make_sim, concurrency: int) -> None:
    sim, url = make_sim(rate_limit=(LIMIT, PERIOD), rate_limit_kind="token_bucket", latency_s=0.01)
    started = time.monotonic()
    ids, stats = _run(sim, url, COUNT, rate_limit_requests=LIMIT, rate_limit_period_seconds=PERIOD,
                      max_concurrency=concurrency)
    elapsed = time.monotonic() - started
    assert len(ids) == COUNT and sim.stats.snapshot()["total_requests"] == COUNT
    assert sim.stats.snapshot()["rate_limited"] == stats["rate_limited_429"] == 0
    assert stats["limiter"]["pacing"] == "token_bucket" and stats["limiter"]["probes"] == 1
    assert elapsed < WINDOW_FLOOR  # faster than any client pacing by the window could be


@pytest.mark.parametrize(("limit", "period", "latency", "count", "concurrency"), [
    (5, 0.2, 0.02, 60, 16),  # 12 windows, twice as many threads as the window holds
    (3, 0.2, 0.15, 24, 8),  # latency near the period: requests in flight hold most of the window
    (20, 0.3, 0.002, 130, 8),  # fast answers: a window fills in a few milliseconds
])
@pytest.mark.parametrize("server_kind", ["sliding", "token_bucket"])
def test_the_default_never_draws_more_than_one_429_a_run(make_sim, server_kind: str, limit: int, period: float,
                                                         latency: float, count: int, concurrency: int) -> None:
    for _ in range(2):  # a fresh server each run: one run's window must not spill into the next
        sim, url = make_sim(rate_limit=(limit, period), rate_limit_kind=server_kind, latency_s=latency)
        ids, stats = _run(sim, url, count, rate_limit_requests=limit, rate_limit_period_seconds=period,
                          max_concurrency=concurrency)
        refused = sim.stats.snapshot()["rate_limited"]
        assert len(ids) == count and refused == stats["rate_limited_429"]
        assert refused <= (1 if server_kind == "sliding" else 0)
        assert stats["limiter"]["probes"] >= refused
        assert sim.stats.snapshot()["max_in_flight"] <= limit  # the probe takes one of the window's slots


def test_a_probe_that_gets_no_answer_decides_nothing_and_the_next_one_does() -> None:
    limiter = make_rate_limiter("adaptive", 10, 1.0)  # a bucket of 10 refills one every 0.1 s; a window holds 1 s
    for _ in range(10):  # the window's worth, answered
        limiter.release(limiter.acquire(), ACCEPTED)
    probe = limiter.acquire()  # the window is full and nothing is in flight: this one is the probe
    assert limiter.release(probe, NO_ANSWER) is None  # a 5xx or a broken connection: no verdict
    assert limiter.describe()["pacing"] == "sliding (undecided)"
    second = limiter.acquire()
    note = limiter.release(second, REFUSED)
    assert note is not None and "pacing as sliding" in note
    assert limiter.describe() == {"kind": "adaptive", "pacing": "sliding", "probes": 2,
                                  "why": "the probe drew a 429: the server counts a window"}


def test_a_429_after_the_bucket_verdict_falls_back_to_the_window() -> None:
    limiter = make_rate_limiter("adaptive", 100, 1.0)
    for _ in range(100):
        limiter.release(limiter.acquire(), ACCEPTED)
    limiter.release(limiter.acquire(), ACCEPTED)  # the probe, accepted with the window's worth counted
    assert limiter.describe()["pacing"] == "token_bucket"
    slot = _acquire_within(limiter, 1.0)  # a refill's token (one every 10 ms)
    note = limiter.release(slot, REFUSED)  # a server of neither kind, or someone else on the key
    assert note is not None and limiter.describe()["pacing"] == "sliding"
    with pytest.raises(TimeoutError):  # the window ledger holds all 102 requests for a period
        _acquire_within(limiter, 0.3)


def _acquire_within(limiter: RateLimiter, seconds: float) -> object:
    """`limiter.acquire()`, or TimeoutError when it would block longer than `seconds`."""
    done: list[object] = []
    thread = threading.Thread(target=lambda: done.append(limiter.acquire()), daemon=True)
    thread.start()
    thread.join(seconds)
    if not done:
        raise TimeoutError(f"acquire blocked for over {seconds} s")
    return done[0]


def test_the_deliberate_429_is_retried_and_shown_in_the_raw_assets_metadata(make_sim, tmp_path) -> None:
    sim, url = make_sim(rate_limit=(LIMIT, PERIOD), latency_s=0.01)
    resource = hightouch_resource(url, sim.config.token, rate_limit_requests=LIMIT, rate_limit_period_seconds=PERIOD)
    assets = CollectorAssets(HightouchCollector(), instance="hightouch", resource=resource,
                             start_date="2026-11-01")
    result = dg.materialize([assets.raw_asset()], partition_key="2026-11-22", resources={
        STORAGE_KEY: IntermediateStorageResource(base_path=str(tmp_path))})
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    server = sim.stats.snapshot()
    assert server["total_requests"] > LIMIT  # more than a window's worth: the limiter had to ask
    assert metadata["rate_limited_429"].value == server["rate_limited"] == 1
    assert metadata["requests"].value == server["total_requests"]
    limiter = metadata["limiter"].value
    assert isinstance(limiter, dict) and limiter["pacing"] == "sliding"
