"""Scenario 3: Hevo Standard and Edge against their simulators, ours and the naive baseline.

The minimum counts what the output needs under each API's rules (Standard's last page carries no
`pagination`, Edge's says `has_more: false`, so neither needs an extra request):
- Standard: the pipeline, destination, model and workflow lists; per pipeline one page of objects and
  one of event types; one mapping per event type that maps to a destination table (the others add
  nothing to the output). The first pipeline page doubles as the connection check.
- Edge: the pipeline and destination lists; per pipeline one page of objects; one detail per object
  that has fields to map (list pages carry no fields); one page of jobs per pipeline that can have
  started a job in the window (its status and timestamps do not rule it out), per 100 jobs.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from benchmarks.truth import floor_seconds
from kada_sim.server import parse_iso, to_ms

PAGE = 100
NO_DATA_OBJECT_STATUSES = {"SKIPPED", "PERMISSION_DENIED", "INACCESSIBLE", "DELETED"}
STOPPED = {"DISABLED", "DELETED", "ENABLE_FAILED", "INITIALIZE_FAILED"}


def available() -> tuple[bool, str]:
    try:
        from kada_dagster.hevo.resources import HevoResource  # noqa: F401
        from kada_dagster.hevo.source import HevoSource  # noqa: F401
        from kada_sim.hevo import HevoSimulator  # noqa: F401
    except Exception as exc:  # ImportError, or a module caught half-edited
        return False, f"Hevo collector or simulator not importable ({exc}); scenario 3 not measured"
    return True, ""


def _pages(n: int) -> int:
    return max(1, math.ceil(n / PAGE))


def _ts(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return int(value)
    return parse_iso(str(value))


def hevo_minimum(sim: Any, flavour: str, start: datetime, end: datetime) -> dict[str, Any]:
    pipelines = sim.pipelines()
    parts: dict[str, int] = {"pipelines": _pages(len(pipelines)), "destinations": _pages(len(sim.destinations()))}
    lo, hi = to_ms(start), to_ms(end)
    if flavour == "standard":
        parts["models"] = _pages(len(sim.models()))
        parts["workflows"] = _pages(len(sim.workflows()))
        parts["objects"] = sum(_pages(len(sim.objects_for(p["id"]))) for p in pipelines)
        parts["event_types"] = sum(_pages(len(sim.event_types_for(p["id"]))) for p in pipelines)
        parts["mappings"] = sum(
            1 for p in pipelines for et in sim.event_types_for(p["id"])
            if (m := sim.mapping_for(p["id"], et["name"])) and m.get("destination_table"))
    else:
        parts["objects"] = sum(_pages(len(sim.objects_for(p["id"]))) for p in pipelines)
        details = 0
        for p in pipelines:
            by_id = {str(d.get("object_id")): d for d in sim.object_details_for(p["id"])}
            for obj in sim.objects_for(p["id"]):
                detail = by_id.get(str(obj.get("object_id")))
                if (detail and detail.get("fields")
                        and str(obj.get("status", "")).upper() not in NO_DATA_OBJECT_STATUSES):
                    details += 1
        parts["object_details"] = details
        job_pages = strict_job_pages = jobs = 0
        for p in pipelines:
            k = len(sim.jobs_for(p["id"], start, end))
            jobs += k
            strict_job_pages += math.ceil(k / PAGE)
            status = str(p.get("status", "")).upper()
            created, updated = _ts(p.get("created_ts")), _ts(p.get("updated_ts"))
            ruled_out = (status == "INITIALIZING" or (created is not None and created >= hi)
                         or (status in STOPPED and updated is not None and updated < lo))
            if k or not ruled_out:
                job_pages += _pages(k)
        parts["jobs"] = job_pages
        parts["jobs_strict"] = strict_job_pages
        parts["jobs_in_window"] = jobs
    minimum = sum(v for k, v in parts.items() if k not in ("jobs_strict", "jobs_in_window"))
    return {"parts": parts, "minimum": minimum}


def _sim(r: Any, flavour: str) -> Any:
    from kada_sim.hevo import HevoSimConfig, HevoSimulator

    acct = r.cfg.hevo
    return HevoSimulator(HevoSimConfig(
        flavour=flavour, seed=acct.seed, n_pipelines=acct.n_pipelines, objects_per_pipeline=acct.objects_per_pipeline,
        n_destinations=acct.n_destinations, n_models=acct.n_models, n_workflows=acct.n_workflows,
        jobs_per_pipeline_per_day=acct.jobs_per_pipeline_per_day, end=r.cfg.end, latency_s=acct.latency_s,
        rate_limit=acct.rate_limit, time_scale=r.cfg.hevo_scale))


def _server(sim: Any) -> dict[str, Any]:
    snap = sim.stats.snapshot()
    snap.pop("requests", None)
    return snap


def run(r: Any) -> dict[str, Any]:
    cfg, acct, scale = r.cfg, r.cfg.hevo, r.cfg.hevo_scale
    key = cfg.daily_partition
    start = datetime.fromisoformat(key + "T00:00:00+00:00")
    end = start + timedelta(days=1)
    out: dict[str, Any] = {"partition": key, "time_scale": scale, "account": {
        "pipelines": acct.n_pipelines, "objects_per_pipeline": acct.objects_per_pipeline,
        "latency_s": acct.latency_s, "rate_limit": list(acct.rate_limit)}}
    for flavour in ("standard", "edge"):
        sim = _sim(r, flavour)
        minimum = hevo_minimum(sim, flavour, start, end)
        floor = floor_seconds(minimum["minimum"], acct.rate_limit, acct.latency_s, scale)
        entry: dict[str, Any] = {"minimum": minimum, "floor_s": floor}
        params = {"key": sim.config.api_key, "secret": sim.config.api_secret, "flavour": flavour,
                  "time_scale": scale, "rate_limit": list(acct.rate_limit), "start_date": cfg.start_date}
        with sim.serve() as url:
            r.log(f"  {flavour}: ours (floor {floor:.1f}s at scale {scale:g}, minimum {minimum['minimum']} requests)")
            ours = r.worker("hevo_dagster", {**params, "url": url, "storage": str(r.workdir / f"s3-{flavour}"),
                                             "runs": [{"partition": key}]})
            entry["ours"] = {**ours, "server": _server(sim)}
        sim = _sim(r, flavour)
        with sim.serve() as url:
            r.log(f"  {flavour}: naive")
            naive = r.worker("hevo_naive", {**params, "url": sim.api_url,
                                            "window_ms": [to_ms(start), to_ms(end)]})
            entry["naive"] = {**naive, "server": _server(sim)}
        out[flavour] = entry
    return out
