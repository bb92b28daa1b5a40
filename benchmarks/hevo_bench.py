"""Scenario 3: Hevo Standard and Edge against their simulators, ours and the naive baseline.

The minimum counts what the output needs under each API's rules, from the simulator's ground truth (not
from the collector): Standard's last page carries no `pagination` and Edge's says `has_more: false`, so
neither needs an extra request; a list costs ceil(n / 100) pages, at least one.
- Both: the pipeline and destination lists (the first pipeline page doubles as the connection check);
  a pipeline's detail only where the list gives neither its source nor its destination; per pipeline
  one page of objects per 100.
- Standard: the model and workflow lists (a model's detail where the list has no `source_query`); per
  pipeline one page of event types; one mapping per event type that maps to a destination table (the
  others add nothing to the output).
- Edge: one detail per object that can hold data and whose list entry has no `fields`; jobs for EVERY
  pipeline (its status and timestamps cannot rule out a job in the window), sending only `limit` and
  `cursor` (no time filter is documented), newest first: pages up to the first one that holds a job
  started before the window (and at least 10 jobs, the least that shows the order is newest first),
  or all of them.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from benchmarks.truth import floor_seconds
from kada_sim.server import parse_iso, to_ms

PAGE = 100
NO_DATA_OBJECT_STATUSES = {"SKIPPED", "PERMISSION_DENIED", "INACCESSIBLE", "DELETED"}
ORDER_PROOF = 10  # jobs in newest-first order before a client may believe the order


def available() -> tuple[bool, str]:
    try:
        from kada_dagster.hevo.definitions import HevoCollector  # noqa: F401
        from kada_dagster.hevo.resources import HevoResource  # noqa: F401
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


def _job_pages(jobs_newest_first: list[dict[str, Any]], lo: int) -> int:
    """Pages of 100 a client must read to know every job started at or after `lo` (newest first)."""
    newer = sum(1 for j in jobs_newest_first if (_ts(j.get("created_ts")) or 0) >= lo)
    need = max(newer + 1, ORDER_PROOF)
    if need <= len(jobs_newest_first):
        return _pages(need)
    return _pages(len(jobs_newest_first))


def hevo_minimum(sim: Any, flavour: str, start: datetime, end: datetime) -> dict[str, Any]:
    pipelines = sim.pipelines()
    parts: dict[str, int] = {"pipelines": _pages(len(pipelines)), "destinations": _pages(len(sim.destinations()))}
    parts["pipeline_details"] = sum(1 for p in pipelines if "source" not in p and "destination" not in p)
    parts["objects"] = sum(_pages(len(sim.objects_for(p["id"]))) for p in pipelines)
    lo, hi = to_ms(start), to_ms(end)
    if flavour == "standard":
        models = sim.models()
        parts["models"] = _pages(len(models))
        parts["model_details"] = sum(1 for m in models if "source_query" not in m)
        parts["workflows"] = _pages(len(sim.workflows()))
        parts["event_types"] = sum(_pages(len(sim.event_types_for(p["id"]))) for p in pipelines)
        parts["mappings"] = sum(
            1 for p in pipelines for et in sim.event_types_for(p["id"])
            if (m := sim.mapping_for(p["id"], et["name"])) and m.get("destination_table"))
    else:
        parts["object_details"] = sum(
            1 for p in pipelines for obj in sim.objects_for(p["id"])
            if "fields" not in obj and str(obj.get("status", "")).upper() not in NO_DATA_OBJECT_STATUSES)
        held = [sim.jobs_for(p["id"]) for p in pipelines]  # every job the server lists, newest first
        in_window = [sum(1 for j in jobs if lo <= (_ts(j.get("created_ts")) or 0) < hi) for jobs in held]
        parts["jobs"] = sum(_job_pages(jobs, lo) for jobs in held)
        parts["jobs_strict"] = sum(math.ceil(k / PAGE) for k in in_window)  # only pipelines with jobs in it
        parts["jobs_in_window"] = sum(in_window)
    minimum = sum(v for k, v in parts.items() if k not in ("jobs_strict", "jobs_in_window"))
    return {"parts": parts, "minimum": minimum}


def _sim(r: Any, flavour: str, kind: str = "sliding") -> Any:
    """A fresh simulator of the benchmark account counting its limit by `kind`."""
    from kada_sim.hevo import HevoSimConfig, HevoSimulator

    acct = r.cfg.hevo
    return HevoSimulator(HevoSimConfig(
        flavour=flavour, seed=acct.seed, n_pipelines=acct.n_pipelines, objects_per_pipeline=acct.objects_per_pipeline,
        n_destinations=acct.n_destinations, n_models=acct.n_models, n_workflows=acct.n_workflows,
        jobs_per_pipeline_per_day=acct.jobs_per_pipeline_per_day, end=r.cfg.end, latency_s=acct.latency_s,
        rate_limit=acct.rate_limit, time_scale=r.cfg.hevo_scale, rate_limit_kind=kind))


# The default client against both kinds of server: (result key, server's rate-limit kind).
SERVER_VARIANTS = (("ours", "sliding"), ("ours_vs_bucket", "token_bucket"))


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
        floors = {kind: floor_seconds(minimum["minimum"], acct.rate_limit, acct.latency_s, scale, kind)
                  for kind in ("sliding", "token_bucket")}
        entry: dict[str, Any] = {"minimum": minimum, "floor_s": floors["sliding"], "floors_s": floors}
        params = {"key": sim.config.api_key, "secret": sim.config.api_secret, "flavour": flavour,
                  "time_scale": scale, "rate_limit": list(acct.rate_limit), "start_date": cfg.start_date}
        for name, kind in SERVER_VARIANTS:
            sim = _sim(r, flavour, kind)  # a fresh server each: a full window or bucket, fresh counts
            with sim.serve() as url:
                r.log(f"  {flavour}: ours against a {kind} server (floor {floors[kind]:.1f}s at scale {scale:g}, "
                      f"minimum {minimum['minimum']} requests)")
                ours = r.worker("hevo_dagster", {**params, "url": url, "runs": [{"partition": key}],
                                                 "storage": str(r.workdir / f"s3-{flavour}-{name}")})
                entry[name] = {**ours, "server": _server(sim), "server_kind": kind, "floor_s": floors[kind]}
        sim = _sim(r, flavour)
        with sim.serve() as url:
            r.log(f"  {flavour}: naive")
            naive = r.worker("hevo_naive", {**params, "url": sim.api_url,
                                            "window_ms": [to_ms(start), to_ms(end)]})
            entry["naive"] = {**naive, "server": _server(sim)}
        out[flavour] = entry
    return out
