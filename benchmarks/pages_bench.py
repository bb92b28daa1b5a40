"""Scenario 7: what per-day pages cost a range run (issue 15).

A range stays one run (no extra runs); each day gets its own materialisation of every asset and its own
check evaluations, recorded after the range's. Measured: the whole group (raw, tables, landing) for a
30-day and a 365-day range in one run each on a SQLite instance, the events it recorded, and what
recording that many per-day events costs on its own (the same events written to a fresh instance).
"""

from __future__ import annotations

import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any


def _range_run(days: int, workdir: Path) -> dict[str, Any]:
    import dagster as dg

    from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
    from kada_dagster.core.landing import UrlLandingResource
    from kada_dagster.core.resources import IntermediateStorageResource
    from kada_dagster.hightouch.definitions import hightouch_definitions
    from kada_dagster.hightouch.resources import HightouchResource
    from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator

    end = date(2026, 11, 23)
    first, last = (end - timedelta(days=days)).isoformat(), (end - timedelta(days=1)).isoformat()
    sim = HightouchSimulator(HightouchSimConfig(seed=7, days=days + 1, n_syncs=6, n_models=6, n_sources=3,
                                                n_destinations=3, runs_per_sync_per_day=1,
                                                end=datetime(2026, 11, 23, tzinfo=timezone.utc)))
    with sim.serve() as url, tempfile.TemporaryDirectory(dir=workdir) as tmp:
        defs = dg.Definitions.merge(
            hightouch_definitions(resource=HightouchResource(base_url=url, api_token=sim.config.token),
                                  start_date="2025-01-01"),
            dg.Definitions(resources={STORAGE_KEY: IntermediateStorageResource(base_path=f"{tmp}/intermediate"),
                                      LANDING_KEY: UrlLandingResource(url=f"{tmp}/landing")}))
        Path(f"{tmp}/home").mkdir()
        instance = dg.DagsterInstance.local_temp(tempdir=f"{tmp}/home")
        job = defs.resolve_implicit_global_asset_job_def()
        t0 = time.perf_counter()
        result = job.execute_in_process(instance=instance, raise_on_error=False, tags={
            "dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last})
        wall = time.perf_counter() - t0
        events = result.all_events
        per_day = [e for e in events if e.event_type_value in ("ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION")]
        out = {"days": days, "success": result.success, "wall_s": wall, "runs": 1,
               "materialisations": sum(e.event_type_value == "ASSET_MATERIALIZATION" for e in per_day),
               "check_evaluations": sum(e.event_type_value == "ASSET_CHECK_EVALUATION" for e in per_day)}
        out["recording_alone_s"] = _recording_cost(per_day, f"{tmp}/home2")
        instance.dispose()
    return out


def _recording_cost(events: list[Any], home: str) -> float:
    """Seconds to store the run's materialisation and check events again in a fresh SQLite instance."""
    import dagster as dg

    Path(home).mkdir()
    instance = dg.DagsterInstance.local_temp(tempdir=home)
    t0 = time.perf_counter()
    for event in events:
        payload = event.event_specific_data
        if event.event_type_value == "ASSET_MATERIALIZATION":
            instance.report_runless_asset_event(payload.materialization)
        else:
            instance.report_runless_asset_event(payload)
    seconds = time.perf_counter() - t0
    instance.dispose()
    return seconds


def per_day_pages(p: dict[str, Any]) -> dict[str, Any]:
    """Worker task: the 30-day and 365-day ranges."""
    return {str(days): _range_run(days, Path(p["workdir"])) for days in p["days"]}


def run(r: Any) -> dict[str, Any]:
    days = [3, 10] if r.cfg.mode == "smoke" else [30, 365]
    r.log(f"  whole group, one run per range of {days} days, per-day pages")
    return r.worker("per_day_pages", {"workdir": str(r.workdir), "days": days}, timeout=3600)


def explain(s: dict[str, Any]) -> list[str]:
    if not s or "error" in s:
        return ["## 7. Per-day pages after a range", "", f"Not measured: {s.get('error') if s else 'not run'}", ""]
    lines = ["## 7. Per-day pages after a range (issue 15)", "",
             "Mechanism: per-partition materialisations and check evaluations inside the one range run "
             "(`AssetMaterialization(partition=...)`, `AssetCheckEvaluation(partition=...)` after the range's "
             "record), so a backfill costs **no extra run**. The whole group (raw, tables, landing) of a small "
             "workspace in one run per range, on a SQLite instance:", "",
             "| range | runs | materialisations | check evaluations | run wall | recording those events alone |",
             "|---|---|---|---|---|---|"]
    for days, v in sorted(((int(k), v) for k, v in s.items() if k.isdigit())):
        lines.append(f"| {days} days | {v['runs']} | {v['materialisations']:,} | {v['check_evaluations']:,} | "
                     f"{v['wall_s']:.1f} s | {v['recording_alone_s']:.1f} s |")
    return [*lines, ""]
