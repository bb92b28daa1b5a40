"""What the benchmark workers share: their own peak RSS, time-scaled client options, and materialising the
raw asset once per run spec (so the Hightouch and Hevo workers need not import each other)."""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any


def peak_rss_bytes() -> int:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries the parent's peak across
    fork/vfork + exec into it, so a small worker would report the orchestrator's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def scaled_resource_options(resource_cls: Any, rate_limit: list[float], scale: float) -> dict[str, Any]:
    """The vendor's limit with every time constant divided by the simulator's time scale."""
    defaults = resource_cls()
    return {
        "rate_limit_requests": int(rate_limit[0]),
        "rate_limit_period_seconds": float(rate_limit[1]) / scale,
        "rate_limit_margin_seconds": defaults.rate_limit_margin_seconds / scale,
        "backoff_base_seconds": defaults.backoff_base_seconds / scale,
    }


def materialise_runs(raw_asset: Any, resources: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    """dg.materialize of the raw asset, once per run spec: {"partition": key} or {"range": [first, last]}."""
    import dagster as dg

    instance = dg.DagsterInstance.ephemeral()
    out: list[dict[str, Any]] = []
    started = time.perf_counter()
    for spec in runs:
        tags: dict[str, str] = {}
        key = spec.get("partition")
        if "range" in spec:
            tags = {"dagster/asset_partition_range_start": spec["range"][0],
                    "dagster/asset_partition_range_end": spec["range"][1]}
        t0 = time.perf_counter()
        result = dg.materialize([raw_asset], resources=resources, instance=instance, partition_key=key,
                                tags=tags, raise_on_error=False)
        wall = time.perf_counter() - t0
        entry: dict[str, Any] = {"spec": spec, "wall_s": wall, "success": result.success}
        events = result.get_asset_materialization_events()
        if events:  # a range records one materialisation for the range, then one per day (core.pages)
            md = next((e.materialization.metadata for e in events if "requests" in e.materialization.metadata),
                      events[0].materialization.metadata)
            for name in ("requests", "retries", "rate_limited_429", "seconds", "limiter"):
                if name in md:
                    entry[name] = md[name].value
            entry["partitions_materialised"] = len({e.partition for e in events})
        if not result.success:
            failures = [e.message for e in result.all_events if e.is_failure]
            entry["error"] = "; ".join(str(f) for f in failures)[:2000]
        out.append(entry)
    return {"runs": out, "wall_s": time.perf_counter() - started,
            "success": all(r["success"] for r in out)}
