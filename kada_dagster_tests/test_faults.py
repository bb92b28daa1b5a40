"""The API fault matrix, end to end, for Hightouch, Hevo Standard and Hevo Edge (issue 11, deliverables 1-2).

Each fault is injected by the simulator on a list endpoint (kada_sim.server FAULT_KINDS), then one
partition is materialised (raw, tables, checks, landing) and the landing directory and the run's event log
are inspected. Every fault has one of three outcomes:
- retried and succeeded: the landed CSVs are byte for byte those of a clean run, and the event log has a
  warning naming the endpoint and the fault;
- skipped with a warning and a count (a 404 on something another object references);
- failed with a message naming the cause and the endpoint: no manifest, no file of the partition at all in
  the landing directory, no committed raw data, no temporary file left.
docs/RELIABILITY.md lists each case with its test.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, cast

import pytest

from kada_dagster_tests.fault_helpers import (
    COLLECTORS,
    Collector,
    assert_nothing_claims_completeness,
    failure_text,
    landed_csvs,
    landing_files,
    problem_counts,
    serving,
    temp_leftovers,
    warnings,
)
from kada_dagster_tests.sim_helpers import http_get, json_200
from kada_sim.hevo import HevoSimulator

RECOVERABLE = {
    # fault kind: (how many requests in a row get it, what the retry warning says)
    "429": (3, "HTTP 429"),  # a burst, without Retry-After
    "500": (2, "HTTP 500"),  # the JSON string "Internal Server Error"
    "502": (2, "HTTP 502"),  # load balancer HTML
    "503": (2, "HTTP 503"),
    "504": (2, "HTTP 504"),
    "json_502": (2, "HTTP 502"),  # the same statuses with a JSON body
    "json_503": (2, "HTTP 503"),
    "json_504": (2, "HTTP 504"),
    "html_502": (2, "HTTP 502"),  # a proxy's page
    "retry_after_503": (1, "retry 1/5 in 1.00s"),  # the server's Retry-After: 1 is what we wait
    "reset": (2, "ConnectionError"),
    "timeout": (1, "ReadTimeout"),  # no answer within the read timeout
    "malformed": (2, "not valid JSON"),  # a truncated body
    "empty_200": (2, "empty body"),
    "string_200": (1, "got a str"),
}

PERSISTENT = {
    # fault kind: what the failure says about the last attempt
    "500": "HTTP 500", "html_502": "HTTP 502", "json_503": "HTTP 503", "504": "HTTP 504", "429": "HTTP 429",
    "reset": "ConnectionError", "malformed": "not valid JSON", "empty_200": "empty body",
    "string_200": "got a str",
}


COLLECTORS_SERVED = list(COLLECTORS)
"""conftest's `served` (and `collector`, `clean`): every collector, each against its simulator."""


@pytest.mark.parametrize("kind", list(RECOVERABLE))
def test_a_transient_fault_is_retried_and_lands_what_a_clean_run_lands(
    kind: str, collector: Collector, clean: dict[str, bytes], tmp_path: Path,
) -> None:
    count, said = RECOVERABLE[kind]
    collector.sim.inject_fault(collector.list_prefix, kind, count)
    result, instance = collector.run(tmp_path)
    assert result.success, failure_text(result)
    assert collector.sim.stats.snapshot()["faults"] == {kind: count}  # the fault was really served
    assert landed_csvs(tmp_path) == clean  # nothing lost, nothing added
    retried = [w for w in warnings(instance, result.run_id) if collector.endpoint in w and "retry" in w]
    assert len(retried) == count and all(said in w for w in retried), retried
    assert temp_leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", list(PERSISTENT))
def test_a_fault_that_outlasts_the_retries_fails_naming_the_endpoint_and_lands_nothing(
    kind: str, collector: Collector, tmp_path: Path,
) -> None:
    collector.sim.inject_fault(collector.list_prefix, kind, 50)
    result, _ = collector.run(tmp_path, max_retries=2)
    assert not result.success
    message = failure_text(result)
    assert collector.endpoint in message and "still failing after 3 attempts" in message, message
    assert PERSISTENT[kind] in message, message
    assert "<html" not in message.lower()  # a proxy's page is described, never pasted
    assert_nothing_claims_completeness(tmp_path, collector.name.split("_")[0])


def test_a_revoked_token_mid_run_fails_naming_the_credential_setting(collector: Collector, tmp_path: Path) -> None:
    """The connection check and the first lists pass; then every request answers 401 (token revoked)."""
    prefix = "/syncs/" if collector.name == "hightouch" else "/pipelines/"
    collector.sim.inject_fault(prefix, "401", 1000)
    result, _ = collector.run(tmp_path)
    assert not result.success
    message = failure_text(result)
    assert "rejected the credentials (HTTP 401" in message, message
    setting = "api_token" if collector.name == "hightouch" else "api_key"
    assert setting in message or setting.upper() in message, message
    assert collector.sim.stats.snapshot()["faults"].get("401", 0) >= 1
    assert collector.sim.stats.snapshot()["by_status"].get(200, 0) >= 1  # it really was mid-run
    assert_nothing_claims_completeness(tmp_path, collector.name.split("_")[0])


# --- paging that never ends --------------------------------------------------------------------------
def test_hightouch_pages_repeating_the_same_ids_with_has_more_fail_clearly(tmp_path: Path) -> None:
    for collector in serving(COLLECTORS["hightouch"]):
        # Every page of the sync list is the first page again, with hasMore: true (offset ignored).
        collector.sim.inject_fault("/syncs?limit=100", "repeat_page", 1000)
        result, _ = collector.run(tmp_path)
        requests = collector.sim.stats.snapshot()["faults"]["repeat_page"]
    assert not result.success
    message = failure_text(result)
    assert "GET syncs" in message and "only repeated ids already read (hasMore=True)" in message, message
    assert requests == 2  # stopped at the first repeated page, not after max_pages
    assert_nothing_claims_completeness(tmp_path, "hightouch")


def _cursor_after(collector: Collector, path: str, param: str, cursor: str | None) -> str:
    """The cursor the simulator gives for the page after `cursor` (read directly over HTTP)."""
    sim = cast(HevoSimulator, collector.sim)  # a Hevo collector's
    key, secret = sim.config.api_key, sim.config.api_secret
    auth = base64.b64encode(f"{key}:{secret}".encode()).decode()
    query = f"limit=2&{param}={cursor}" if cursor else "limit=2"
    url = f"{sim.root_url}{sim.api_path}/{path}?{query}"
    body = json_200(http_get(url, {"Authorization": f"Basic {auth}"}))
    return str(body["pagination"]["starting_after"] if param == "starting_after" else body["next_cursor"])


@pytest.mark.parametrize("flavour", ["standard", "edge"])
@pytest.mark.parametrize("shape", ["same_cursor_again", "cycle_a_b_a"])
def test_a_hevo_cursor_that_loops_fails_clearly(flavour: str, shape: str, tmp_path: Path) -> None:
    param = "starting_after" if flavour == "standard" else "cursor"
    for collector in serving(COLLECTORS[f"hevo_{flavour}"]):
        first = _cursor_after(collector, "pipelines", param, None)
        # same_cursor_again: page 2 answers page 1 again, so its cursor is page 2's own (A → A);
        # cycle_a_b_a: page 3 answers page 1 again, whose cursor A was already followed (A → B → A).
        at = first if shape == "same_cursor_again" else _cursor_after(collector, "pipelines", param, first)
        collector.sim.reset_stats()
        collector.sim.inject_fault(f"/pipelines?limit=2&{param}={at}", "repeat_page", 1)
        result, _ = collector.run(tmp_path, page_size=2)
        pipeline_pages = collector.sim.stats.snapshot()["by_endpoint"]["GET /pipelines"]
    assert not result.success
    message = failure_text(result)
    assert "GET pipelines" in message and f"gave cursor '{first[:40]}' a second time" in message, message
    assert pipeline_pages == (2 if shape == "same_cursor_again" else 3)  # stopped at once
    assert_nothing_claims_completeness(tmp_path, "hevo")


# --- a 404 on something another object references: skipped, warned, counted -------------------------
def test_hightouch_a_referenced_object_answering_404_is_skipped_warned_and_counted(tmp_path: Path) -> None:
    for collector in serving(_dangling_hightouch):
        result, instance = collector.run(tmp_path)
    assert result.success, failure_text(result)
    counts = problem_counts(result, "hightouch/raw")
    skipped = {k: v for k, v in counts.items() if k.endswith("referenced_not_found")}
    assert skipped and all(v >= 1 for v in skipped.values()), counts
    assert any("answers 404; skipped" in w for w in warnings(instance, result.run_id))
    assert len(landed_csvs(tmp_path)) == 4


def _dangling_hightouch() -> Collector:
    from kada_dagster_tests.fault_helpers import hightouch_collector

    return hightouch_collector(dangling_references=True)


@pytest.mark.parametrize("flavour", ["standard", "edge"])
def test_hevo_a_referenced_pipelines_objects_answering_404_are_skipped_warned_and_counted(
    flavour: str, tmp_path: Path,
) -> None:
    """The pipeline list names a pipeline whose objects then answer 404 (deleted meanwhile)."""
    for collector in serving(COLLECTORS[f"hevo_{flavour}"]):
        clean_dir = tmp_path / "clean"
        clean, _ = collector.run(clean_dir)
        pid = _first_pipeline_id(collector)
        collector.sim.inject_fault(f"/pipelines/{pid}/objects", "404", 1)
        result, instance = collector.run(tmp_path / "faulty")
    assert clean.success and result.success, failure_text(result)
    assert problem_counts(result, "hevo/raw").get("hevo.not_found") == 1
    assert any(f"objects of pipeline {pid} answered 404" in w for w in warnings(instance, result.run_id))
    before, after = landed_csvs(clean_dir), landed_csvs(tmp_path / "faulty")
    metadata = next(n for n in after if "_metadata_" in n)
    lost = set(before[metadata].splitlines()) - set(after[metadata].splitlines())
    assert lost and all(b"hevo:pipeline_object:" in line for line in lost)  # only that pipeline's objects


def _first_pipeline_id(collector: Collector) -> str:
    sim = cast(HevoSimulator, collector.sim)  # a Hevo collector's
    key, secret = sim.config.api_key, sim.config.api_secret
    auth = base64.b64encode(f"{key}:{secret}".encode()).decode()
    url = f"{sim.root_url}{sim.api_path}/pipelines?limit=1"
    body = json_200(http_get(url, {"Authorization": f"Basic {auth}"}))
    return str(body["data"][0]["id"])


# --- bad input inside good answers ---------------------------------------------------------------------
def test_odd_values_are_kept_with_what_is_known_and_counted(collector: Collector, tmp_path: Path) -> None:
    """Unknown enum values, nulls where values were expected, non-ASCII names and a 200 000-character name
    in every object of the answers: the run lands a contract-valid set; names survive unchanged."""
    from kada_sim.server import HUGE_FIELD_CHARS, ODD_NAME

    for prefix in _odd_prefixes(collector):
        collector.sim.inject_fault(prefix, "odd_values", 10_000)
    result, instance = collector.run(tmp_path)
    assert result.success, failure_text(result)
    assert collector.sim.stats.snapshot()["faults"]["odd_values"] >= 2
    landed = landed_csvs(tmp_path)
    metadata = next(v for n, v in landed.items() if "_metadata_" in n).decode("utf-8")
    assert ODD_NAME in metadata  # non-ASCII kept byte for byte (UTF-8)
    assert "X" * HUGE_FIELD_CHARS in metadata  # the huge name landed whole, never silently cut
    counts: dict[str, Any] = {}
    for asset in (f"{collector.name.split('_')[0]}/raw", f"{collector.name.split('_')[0]}/tables"):
        counts.update(_counts_or_empty(result, asset))
    assert any("unresolved" in k or "unknown" in k or "invalid" in k for k in counts), counts
    assert temp_leftovers(tmp_path) == []


def _odd_prefixes(collector: Collector) -> list[str]:
    if collector.name == "hightouch":
        return ["/sources?", "/models?", "/syncs/"]  # objects, and every sync's runs (status enum)
    if collector.name == "hevo_standard":  # (objects: see the huge-name test below)
        return ["/pipelines?", "/models?", "/workflows?"]
    return ["/pipelines?", "/pipelines/"]  # Edge: objects and jobs (status enum)


def _counts_or_empty(result: Any, asset: str) -> dict[str, int]:
    try:
        return problem_counts(result, asset)
    except AssertionError:
        return {}


def test_hevo_standard_a_huge_object_name_skips_its_mapping_counted_and_lands_the_rest(tmp_path: Path) -> None:
    """Standard reads each event type's mapping at a URL holding its name: a 200 000-character name makes
    that URL too long (HTTP 414). That one mapping is skipped and counted; the partition still lands."""
    for collector in serving(COLLECTORS["hevo_standard"]):
        collector.sim.inject_fault("/pipelines/", "odd_values", 10_000)
        result, _ = collector.run(tmp_path)
    assert result.success, failure_text(result)
    assert problem_counts(result, "hevo/raw").get("hevo.unresolved.url_too_long", 0) >= 1
    assert [p.name for p in landing_files(tmp_path) if "manifest" in p.name]
