"""The shared HTTP layer, exercised over real HTTP against the simulated Hightouch API."""

from __future__ import annotations

import time

import pytest

from kada_dagster.core.api_errors import (
    ApiError,
    AuthError,
    MalformedResponseError,
    NotFoundError,
    RetriesExhaustedError,
)
from kada_dagster.core.settings import SettingsError
from kada_dagster_tests.ht_helpers import END, hightouch_resource
from kada_sim.hightouch import HightouchSimulator

HTTP_SIM = {"seed": 11, "end": END, "days": 3}
"""The workspace of every simulator here (conftest's ``make_sim(**HTTP_SIM, ...)``)."""


def endpoint_count(sim: HightouchSimulator, endpoint: str) -> int:
    return sim.stats.snapshot()["by_endpoint"].get(endpoint, 0)


def test_offset_paging_without_has_more_on_an_exact_multiple_stops_on_the_empty_page(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM, n_sources=200)
    client = hightouch_resource(url, sim.config.token).get_client()
    sources = client.list_sources()
    assert len(sources) == 200 and len({s.id for s in sources}) == 200
    assert endpoint_count(sim, "GET /sources") == 3  # two full pages, then the empty page that ends it


def test_offset_paging_without_has_more_reads_on_past_a_short_page(make_sim) -> None:
    # A short page proves nothing without hasMore (a server may cap its page size): only an empty page ends
    # the list, at the cost of one request.
    sim, url = make_sim(**HTTP_SIM, n_sources=150)
    client = hightouch_resource(url, sim.config.token).get_client()
    assert len(client.list_sources()) == 150
    assert endpoint_count(sim, "GET /sources") == 3


def test_offset_paging_with_has_more_needs_no_extra_page(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM, n_syncs=200, n_models=40)
    client = hightouch_resource(url, sim.config.token).get_client()
    assert [s.id for s in client.list_syncs()] == [str(s["id"]) for s in sim.syncs()]
    assert endpoint_count(sim, "GET /syncs") == 2


def test_5xx_and_malformed_json_are_retried_until_success(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM)
    sim.inject_fault("/sources", "500", 2)
    sim.inject_fault("/sources", "malformed", 1)
    client = hightouch_resource(url, sim.config.token).get_client()
    assert len(client.list_sources()) == len(sim.sources())
    stats = client.stats.as_dict()
    assert stats["retries"] == 3 and stats["server_errors_5xx"] == 2 and stats["malformed_responses"] == 1
    assert endpoint_count(sim, "GET /sources") == 5  # 3 retried + the page + the empty page that ends it


def test_retries_stop_at_the_limit_with_a_clear_error(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM)
    sim.inject_fault("/sources", "503", 10)
    client = hightouch_resource(url, sim.config.token, max_retries=2).get_client()
    with pytest.raises(ApiError, match=r"still failing after 3 attempts \(last: HTTP 503\)"):
        client.list_sources()
    assert endpoint_count(sim, "GET /sources") == 3


def test_persistently_malformed_json_fails_naming_the_endpoint(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM)
    sim.inject_fault("/models", "malformed", 10)
    client = hightouch_resource(url, sim.config.token).get_client()
    with pytest.raises(RetriesExhaustedError, match="GET models still failing after 3 attempts") as caught:
        client.list_models()
    assert isinstance(caught.value.last, MalformedResponseError)  # the type, not the wording, says why
    assert "not valid JSON" in str(caught.value)
    assert endpoint_count(sim, "GET /models") == 3  # 1 + malformed_retries (2)


def test_401_is_not_retried_and_names_the_token_setting(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM)
    client = hightouch_resource(url, "wrong-token-value").get_client()
    with pytest.raises(AuthError) as caught:
        client.test_connection()
    message = str(caught.value)
    assert "api_token" in message and "Token is invalid" in message and "wrong-token-value" not in message
    assert sim.stats.snapshot()["total_requests"] == 1


def test_401_names_the_env_var_for_the_default_instance(make_sim, monkeypatch: pytest.MonkeyPatch) -> None:
    sim, url = make_sim(**HTTP_SIM)
    monkeypatch.setenv("HIGHTOUCH_API_TOKEN", "also-wrong")
    monkeypatch.setenv("HIGHTOUCH_API_BASE_URL", url)
    from kada_dagster.hightouch.resources import HightouchResource

    with pytest.raises(AuthError, match="HIGHTOUCH_API_TOKEN"):
        HightouchResource().get_client().test_connection()


def test_missing_token_fails_before_any_request(make_sim, monkeypatch: pytest.MonkeyPatch) -> None:
    sim, url = make_sim(**HTTP_SIM)
    monkeypatch.delenv("HIGHTOUCH_API_TOKEN", raising=False)
    monkeypatch.delenv("KADA_HIGHTOUCH_CONFIG", raising=False)
    from kada_dagster.hightouch.resources import HightouchResource

    with pytest.raises(SettingsError, match="HIGHTOUCH_API_TOKEN"):
        HightouchResource(base_url=url).get_client()
    assert sim.stats.snapshot()["total_requests"] == 0


def test_404_is_not_retried(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM)
    client = hightouch_resource(url, sim.config.token).get_client()
    with pytest.raises(NotFoundError):
        client.get_object("models", "987654321")
    assert sim.stats.snapshot()["total_requests"] == 1


def test_client_side_limiter_keeps_under_the_server_window(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM, rate_limit=(20, 1.0), n_syncs=30)
    # `sliding` never draws a 429 (the adaptive default's one deliberate 429: test_rate_limit.py)
    client = hightouch_resource(url, sim.config.token, rate_limit_requests=20, rate_limit_period_seconds=1.0,
                                rate_limit_margin_seconds=0.05, rate_limit_kind="sliding").get_client()
    started = time.monotonic()
    client.http.map_concurrent(lambda s: client.get_object("syncs", str(s["id"])), sim.syncs() * 2)
    elapsed = time.monotonic() - started
    assert sim.stats.snapshot()["rate_limited"] == 0
    assert elapsed >= 2.0  # 60 requests at 20 per second cannot finish sooner


def test_429_without_retry_after_is_backed_off_and_recovered(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM, rate_limit=(5, 0.5), n_syncs=20)
    client = hightouch_resource(url, sim.config.token, rate_limit_requests=10_000, max_retries=10,
                                backoff_base_seconds=0.05).get_client()
    results = client.http.map_concurrent(lambda s: client.get_object("syncs", str(s["id"])), sim.syncs())
    assert [r.id for r in results] == [str(s["id"]) for s in sim.syncs()]
    assert client.stats.rate_limited > 0 and sim.stats.snapshot()["rate_limited"] == client.stats.rate_limited


def test_timeouts_are_retried(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM, timeout_sleep_s=2.0)
    sim.inject_fault("/destinations", "timeout", 1)
    client = hightouch_resource(url, sim.config.token, timeout=0.3).get_client()
    assert len(client.list_destinations()) == len(sim.destinations())
    assert client.stats.connection_errors == 1


def test_connection_reset_is_retried(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM)
    sim.inject_fault("/destinations", "reset", 1)
    client = hightouch_resource(url, sim.config.token).get_client()
    assert len(client.list_destinations()) == len(sim.destinations())


@pytest.mark.parametrize("fault", ["empty_200", "string_200", "malformed"])
def test_a_bad_200_on_a_list_page_is_retried_never_read_as_an_empty_page(make_sim, fault: str) -> None:
    sim, url = make_sim(**HTTP_SIM, n_sources=30)
    sim.inject_fault("/sources", fault, 1)
    client = hightouch_resource(url, sim.config.token).get_client()
    sources = client.list_sources()
    assert len(sources) == 30  # nothing lost: the bad answer was sent again
    assert client.stats.malformed == 1 and client.stats.retries == 1


def test_a_bad_200_that_persists_fails_naming_the_endpoint_and_the_shape(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM)
    sim.inject_fault("/sources", "string_200", 10)
    client = hightouch_resource(url, sim.config.token).get_client()
    with pytest.raises(RetriesExhaustedError, match=r"GET sources still failing.*'data' list \(got a str\)"):
        client.list_sources()


def test_a_proxy_html_502_is_retried_and_its_page_never_reaches_the_message(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM)
    sim.inject_fault("/models", "html_502", 10)
    client = hightouch_resource(url, sim.config.token, max_retries=1).get_client()
    with pytest.raises(RetriesExhaustedError, match=r"last: HTTP 502") as caught:
        client.list_models()
    assert "<html" not in str(caught.value) and endpoint_count(sim, "GET /models") == 2


def test_retry_after_is_honoured_when_a_server_sends_it(make_sim) -> None:
    sim, url = make_sim(**HTTP_SIM)
    sim.inject_fault("/destinations", "retry_after_503", 1)
    # The backoff alone would wait 0.01 s; the server asked for 1 s.
    client = hightouch_resource(url, sim.config.token, backoff_base_seconds=0.01).get_client()
    began = time.monotonic()
    client.list_destinations()
    assert time.monotonic() - began >= 0.95
    assert client.stats.server_errors == 1 and client.stats.retries == 1
