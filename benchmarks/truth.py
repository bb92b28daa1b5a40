"""The minimum number of requests the output needs, from the simulators' ground truth.

"Minimum" follows the API's rules, not our client's: a list needs ceil(n / page) pages, plus one more
where the API gives no `hasMore` and n is an exact multiple of the page size (the client cannot know
the list ended without asking), and at least one request even when empty. Sync runs are read for
every sync that *can* have runs in the window (`lastRunAt` >= window start: all a client can know
before asking), one request per page of runs. The test_connection probe is not part of the minimum
(it is a deliberate fail-fast check; it shows up as +1 in "requests made").
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from kada_sim.server import DAY_MS, parse_iso, to_ms

PAGE = 100  # Hightouch's documented page size, which the client uses (resources.PAGE_SIZE)


def list_pages(n: int, has_more: bool, page: int = PAGE) -> int:
    if has_more:
        return max(1, math.ceil(n / page))
    return n // page + 1  # a short (possibly empty) page is the only end marker


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


def _workspace(sim: Any) -> tuple[dict[str, int], list[tuple[int, int | None]]]:
    """Collection sizes and (sync id, lastRunAt ms) of a simulator, computed once per simulator."""
    cached = getattr(sim, "_bench_workspace", None)
    if cached is None:
        counts = {"sources": len(sim.sources()), "models": len(sim.models()),
                  "destinations": len(sim.destinations())}
        syncs = sim.syncs()
        counts["syncs"] = len(syncs)
        last = [(int(s["id"]), parse_iso(s["lastRunAt"]) if s.get("lastRunAt") else None) for s in syncs]
        cached = (counts, last)
        sim._bench_workspace = cached
    return cached


def hightouch_minimum(sim: Any, start: datetime, end: datetime, page: int = PAGE) -> dict[str, Any]:
    """Minimum requests for one fetch of [start, end) (one partition, or a range in one run).

    `page` other than 100 answers "what if Hightouch accepted bigger pages" (its maximum is undocumented).
    """
    omit = sim.config.omit_has_more_on
    counts, syncs = _workspace(sim)
    pages = {name: list_pages(n, name not in omit, page) for name, n in counts.items()}
    lo, hi = to_ms(start), to_ms(end)
    eligible = run_pages = strict_pages = runs = 0
    for sync_id, last in syncs:
        k = _runs_in_window(sim, sync_id, lo, hi)
        runs += k
        strict_pages += math.ceil(k / page)
        if last is not None and last >= lo:
            eligible += 1
            run_pages += max(1, math.ceil(k / page))
    list_total = sum(pages.values())
    return {
        "objects": dict(counts),
        "list_pages": pages,
        "eligible_syncs": eligible,
        "runs": runs,
        "run_requests": run_pages,
        "minimum": list_total + run_pages,
        "strict_minimum": list_total + strict_pages,  # only syncs that did run in the window
    }


def hightouch_daily_minimums(sim: Any, partitions: list[str], page: int = PAGE) -> list[dict[str, Any]]:
    out = []
    for key in partitions:
        start = datetime.fromisoformat(key + "T00:00:00+00:00")
        out.append(hightouch_minimum(sim, start, start + timedelta(days=1), page))
    return out


def floor_seconds(requests: int, rate_limit: tuple[int, float], latency_s: float, scale: float) -> float:
    """The rate-limit floor: requests ÷ allowed rate, plus one latency (all scaled together)."""
    allowed, period = rate_limit
    return requests / (allowed / (period / scale)) + latency_s / scale
