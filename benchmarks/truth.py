"""The minimum number of requests the output needs, and the rate-limit floor, from the simulators' ground
truth and the APIs' documented rules, never from the collector's code.

Hightouch's rules (hightouch-api §1.4): `hasMore` is required on ListSync and ListSyncRuns only. A list
that sends it needs ceil(n / page) pages (at least one). A list that omits it (sources, models and
destinations in the simulator) ends only on an EMPTY page (a short page proves nothing: the maximum page
size is undocumented), so it needs ceil(n / page) + 1. Runs are requested for every sync created before
the range's end (its `lastRunAt` and `status` may describe the last *finished* run, so they cannot rule
a sync out), one page per 100 runs of the range and at least one. An object a sync or model references
but the lists did not return costs one GET. The test_connection probe is not part of the minimum (a
deliberate fail-fast check; it shows up as +1 in "requests made").
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from kada_sim.server import DAY_MS, parse_iso, to_ms

PAGE = 100  # Hightouch's documented page size (`limit` default), the one the client asks for
KINDS = ("sliding", "token_bucket")


def list_pages(n: int, has_more: bool, page: int = PAGE) -> int:
    """Requests to read a list of `n` items: `hasMore: false` ends it; without `hasMore` an empty page does."""
    if has_more:
        return max(1, math.ceil(n / page))
    return math.ceil(n / page) + 1


def _runs_in_window(sim: Any, sync_id: int, lo_ms: int, hi_ms: int) -> int:
    """Runs with startedAt in [lo, hi) of one sync, counted without generating full days."""
    try:  # simulator internals: counting 900k runs by generating them takes over a minute
        rt = sim._runtime[sync_id]
        lo, hi = sim._window(rt, lo_ms, hi_ms)
        day_count = sim._day_count
    except (AttributeError, KeyError, TypeError):  # the simulator changed: count through its public API
        return len(sim.runs_for(sync_id, lo_ms, hi_ms))
    if not rt.has_runs or lo >= hi:
        return 0
    return sum(day_count(rt, d, lo, hi) for d in range(lo // DAY_MS, (hi - 1) // DAY_MS + 1))


def _workspace(sim: Any) -> tuple[dict[str, int], list[tuple[int, int | None]], int]:
    """Collection sizes, (sync id, createdAt ms) and the referenced-but-unlisted objects of a simulator,
    computed once per simulator."""
    cached = getattr(sim, "_bench_workspace", None)
    if cached is None:
        lists = {"sources": sim.sources(), "models": sim.models(), "destinations": sim.destinations(),
                 "syncs": sim.syncs()}
        counts = {name: len(items) for name, items in lists.items()}
        ids = {name: {str(o["id"]) for o in items} for name, items in lists.items()}
        refs = {("models", str(s["modelId"])) for s in lists["syncs"] if s.get("modelId") is not None}
        refs |= {("destinations", str(s["destinationId"])) for s in lists["syncs"] if s.get("destinationId") is not None}
        refs |= {("sources", str(m["sourceId"])) for m in lists["models"] if m.get("sourceId") is not None}
        refs |= {("models", str(m["parentId"])) for m in lists["models"] if m.get("parentId") is not None}
        missing = sum(1 for name, ref in refs if ref not in ids[name])
        created = [(int(s["id"]), parse_iso(s["createdAt"]) if s.get("createdAt") else None) for s in lists["syncs"]]
        cached = (counts, created, missing)
        sim._bench_workspace = cached
    return cached


def hightouch_minimum(sim: Any, start: datetime, end: datetime, page: int = PAGE) -> dict[str, Any]:
    """Minimum requests for one fetch of [start, end) (one partition, or a range in one run).

    `page` other than 100 answers "what if Hightouch accepted bigger pages" (its maximum is undocumented),
    so only the default is capped at the simulator's own maximum.
    """
    omit = getattr(sim, "_omit_has_more", sim.config.omit_has_more_on)  # what this simulator really serves
    if page == PAGE:
        page = min(page, getattr(sim, "_max_limit", page))
    counts, syncs, missing = _workspace(sim)
    pages = {name: list_pages(n, name not in omit, page) for name, n in counts.items()}
    lo, hi = to_ms(start), to_ms(end)
    eligible = run_pages = strict_pages = runs = 0
    for sync_id, created in syncs:
        k = _runs_in_window(sim, sync_id, lo, hi)
        runs += k
        strict_pages += math.ceil(k / page)
        if created is None or created < hi:
            eligible += 1
            run_pages += list_pages(k, "runs" not in omit, page)
    list_total = sum(pages.values())
    return {
        "objects": dict(counts),
        "list_pages": pages,
        "referenced_gets": missing,
        "eligible_syncs": eligible,
        "runs": runs,
        "run_requests": run_pages,
        "minimum": list_total + missing + run_pages,
        "strict_minimum": list_total + missing + strict_pages,  # if a client knew which syncs ran in the window
    }


def hightouch_daily_minimums(sim: Any, partitions: list[str], page: int = PAGE) -> list[dict[str, Any]]:
    out = []
    for key in partitions:
        start = datetime.fromisoformat(key + "T00:00:00+00:00")
        out.append(hightouch_minimum(sim, start, start + timedelta(days=1), page))
    return out


def floor_seconds(requests: int, rate_limit: tuple[int, float], latency_s: float, scale: float,
                  kind: str = "sliding") -> float:
    """The rate-limit floor: the soonest any client can have `requests` answered, with unlimited
    concurrency, one latency per request and no 429, under the server's way of counting (all times
    divided by `scale`).

    - `sliding` (N per any window of P): N may go at once and the next N only a whole window later, so
      the last of k = ceil(requests / N) bursts leaves at (k - 1) * P: floor = (k - 1) * P + latency.
    - `token_bucket` (N tokens, refilled at N / P per second, full at first): N at once, then one per
      P / N seconds: floor = max(0, requests - N) * P / N + latency.
    The two differ by what the last partial window costs: under a window it waits a whole period, in a
    bucket only its share. (Earlier runs used requests * P / N + latency for both.)
    """
    if kind not in KINDS:
        raise ValueError(f"unknown rate-limit kind {kind!r}")
    allowed, period = rate_limit
    period, latency = period / scale, latency_s / scale
    if requests <= 0:
        return 0.0
    if kind == "sliding":
        return (math.ceil(requests / allowed) - 1) * period + latency
    return max(0, requests - allowed) * period / allowed + latency
