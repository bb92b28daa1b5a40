"""Client-side rate limiting against both ways a server may count its limit, over real HTTP.

The vendors document "N requests per period" but not how they count it, so the simulators serve a
sliding window or a token bucket (`SimOptions.rate_limit_kind`), and the client's limiters are checked
against both: the default (`sliding`) must never draw a 429 from either; `token_bucket` must never draw
one from a bucket, and does draw them from a window (it is faster than a window allows). Speed is the
benchmark's business (BENCHMARKS.md, scenario 1); these tests check behaviour at a small scale.
"""

from __future__ import annotations

import math
import time

import pytest
import requests

from kada_dagster.core.http import make_rate_limiter
from kada_dagster_tests.ht_helpers import END, hightouch_resource
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator

RATE_SIM = {"seed": 13, "end": END, "days": 2, "n_sources": 2, "n_models": 4, "n_destinations": 2, "n_syncs": 12}
"""The workspace of every simulator here (conftest's ``make_sim(**RATE_SIM, ...)``)."""


def _get_syncs(sim: HightouchSimulator, url: str, count: int, **client_options: object) -> list[str]:
    """`count` single-object GETs, 8 in flight, through the production client; the ids read."""
    client = hightouch_resource(url, sim.config.token, max_retries=12, **client_options).get_client()
    ids = [str(s["id"]) for s in sim.syncs()]
    wanted = [ids[i % len(ids)] for i in range(count)]
    try:
        return [sync.id for sync in client.http.map_concurrent(lambda i: client.get_object("syncs", i), wanted)]
    finally:
        client.close()


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
def test_the_default_limiter_draws_no_429_from_either_kind_of_server(make_sim, server_kind: str) -> None:
    sim, url = make_sim(**RATE_SIM, rate_limit=(10, 0.5), rate_limit_kind=server_kind, latency_s=0.01)
    started = time.monotonic()
    ids = _get_syncs(sim, url, 35, rate_limit_requests=10, rate_limit_period_seconds=0.5)
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
    with pytest.raises(ValueError, match="rate_limit_kind 'fixed' is not one of sliding, token_bucket"):
        make_rate_limiter("fixed", 10, 1.0)
    sim, url = make_sim(**RATE_SIM)
    with pytest.raises(ValueError, match="rate_limit_kind 'fixed'"):
        hightouch_resource(url, sim.config.token, rate_limit_kind="fixed").get_client()
    with pytest.raises(ValueError, match="unknown rate_limit_kind 'fixed'"):
        HightouchSimulator(HightouchSimConfig(rate_limit=(1, 1.0), rate_limit_kind="fixed"))
    assert sim.stats.snapshot()["total_requests"] == 0
