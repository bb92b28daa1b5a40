"""Worker tasks of scenario 3 (Hevo), run by benchmarks.worker in their own process."""

from __future__ import annotations

import time
from typing import Any

from benchmarks.naive import GaveUp, NaiveClient, hevo_fetch
from benchmarks.runs import materialise_runs, scaled_resource_options


def hevo_dagster(p: dict[str, Any]) -> dict[str, Any]:
    """The production path: the hevo/raw asset (HevoResource client + HevoCollector.fetch + store)."""
    from kada_dagster.core.assets import STORAGE_KEY, CollectorAssets
    from kada_dagster.core.resources import IntermediateStorageResource
    from kada_dagster.hevo.definitions import HevoCollector
    from kada_dagster.hevo.resources import HevoResource

    options = scaled_resource_options(HevoResource, p["rate_limit"], p["time_scale"])
    if p.get("rate_limit_kind"):  # absent: the resource's default, as a deployment runs it
        options["rate_limit_kind"] = p["rate_limit_kind"]
    res = HevoResource(base_url=p["url"], api_key=p["key"], api_secret=p["secret"], flavour=p["flavour"], **options)
    assets = CollectorAssets(HevoCollector(), instance="hevo", resource=res, start_date=p["start_date"])
    resources = {STORAGE_KEY: IntermediateStorageResource(base_path=p["storage"])}
    out = materialise_runs(assets.raw_asset(), resources, p["runs"])
    out["client_options"] = options | {"max_concurrency": res.max_concurrency, "rate_limit_kind": res.rate_limit_kind}
    return out


def hevo_naive(p: dict[str, Any]) -> dict[str, Any]:
    client = NaiveClient(p["url"], auth=(p["key"], p["secret"]), retry_delay=0.25 / p["time_scale"], retries=3)
    got: dict[str, int] = {}
    t0 = time.perf_counter()
    error = None
    try:
        hevo_fetch(client, p["flavour"] == "edge", p["window_ms"][0], p["window_ms"][1], got)
    except GaveUp as exc:
        error = str(exc)
    return {"wall_s": time.perf_counter() - t0, "completed": error is None, "error": error, "got": got,
            "client": client.stats()}


TASKS = {"hevo_dagster": hevo_dagster, "hevo_naive": hevo_naive}
