"""Issue 10 item 1: a schedule tick and a backfill of one instance at once, through a real dagster-daemon,
share the API key's rate limit through the instance's pool `<instance>_api` and get no 429.

Both instances of the deployment get the same treatment at the same time: `ht_pooled` keeps the shipped
default (one slot), `ht_unpooled` has its pool raised to four through the GraphQL API (the UI's
Deployment > Concurrency). Any limit above one lets the two runs overlap; four makes the overlap certain:
Dagster's queue counts a just-started run's first step twice for a few seconds (as in progress and as
pending), so with two slots the second run would be dequeued ~8 s after the first. Each simulator answers 429 above RATE_LIMIT requests per period and each
collector paces itself to exactly that limit, so one run alone never trips it and two runs at once
do: the control proves that what keeps `ht_pooled` clean is the pool, not slack in the limits.
"""

from __future__ import annotations

from typing import Any

from kada_dagster_tests.daemon_helpers import TERMINAL, Deployment, day, pool_gate

POOLED, UNPOOLED = "ht_pooled", "ht_unpooled"
BACKFILL_DAYS = [day(-3), day(-2)]


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return min(a[1], b[1]) - max(a[0], b[0])


def _queue_tick_and_backfill(d: Deployment) -> dict[str, dict[str, str]]:
    """Starts both schedules and both backfills while the gate holds the pools; returns the run id of each
    instance's tick and backfill once all four runs exist (stopping each schedule after its first tick)."""
    states = {name: d.start_schedule(f"{name}_daily_schedule") for name in (POOLED, UNPOOLED)}
    backfills = {name: d.launch_backfill(name, BACKFILL_DAYS) for name in (POOLED, UNPOOLED)}
    found: dict[str, dict[str, str]] = {POOLED: {}, UNPOOLED: {}}

    def all_queued() -> bool:
        for name in (POOLED, UNPOOLED):
            ticks = d.runs("dagster/schedule_name", f"{name}_daily_schedule")
            if ticks and "tick" not in found[name]:
                found[name]["tick"] = ticks[-1]["runId"]
                d.stop_schedule(states[name])
            runs = d.runs("dagster/backfill", backfills[name])
            if runs:
                found[name]["backfill"] = runs[0]["runId"]
        return all(len(v) == 2 for v in found.values())

    # a tick at the next minute boundary; the backfill daemon's pass every 30 s
    d.wait_for("a schedule tick and a backfill run of each instance", all_queued, 150)
    return found


def _run_status(d: Deployment, run_id: str) -> str:
    record = d.instance.get_run_by_id(run_id)
    return record.status.value if record else "MISSING"


def test_schedule_tick_and_backfill_at_once_take_turns_in_the_api_pool(dagster_deployment: Any) -> None:
    d: Deployment = dagster_deployment
    d.set_pool_limit(f"{UNPOOLED}_api", 4)
    with pool_gate(d.instance, [f"{POOLED}_api", f"{UNPOOLED}_api"]) as limits:
        assert limits == {f"{POOLED}_api": 1, f"{UNPOOLED}_api": 4}  # the shipped default_limit, the raise
        runs = _queue_tick_and_backfill(d)
        for name in (POOLED, UNPOOLED):  # nobody has reached the API yet: every run waits for the pool
            assert d.simulators[name].stats.total_requests == 0
    all_ids = [run_id for by_kind in runs.values() for run_id in by_kind.values()]
    d.wait_for("the four runs to finish", lambda: all(_run_status(d, r) in TERMINAL for r in all_ids), 150)

    pooled, unpooled = runs[POOLED], runs[UNPOOLED]
    assert {_run_status(d, r) for r in pooled.values()} == {"SUCCESS"}, d.log_tails()
    tick_raw = d.step_windows(pooled["tick"], "raw")
    backfill_raw = d.step_windows(pooled["backfill"], "raw")
    assert len(tick_raw) == len(backfill_raw) == 1
    assert _overlap(tick_raw[0], backfill_raw[0]) <= 0  # the pool ran the API steps one after the other
    stats = d.simulators[POOLED].stats.snapshot()
    assert stats["total_requests"] > 2 * 20  # both runs read the workspace
    assert stats["rate_limited"] == 0 and stats["by_status"].get(429, 0) == 0

    # the control: same runs at the same moment, pool raised: the API steps overlap and the
    # server's limit is exceeded
    control_raw = d.step_windows(unpooled["tick"], "raw") + d.step_windows(unpooled["backfill"], "raw")
    assert len(control_raw) == 2 and _overlap(control_raw[0], control_raw[1]) > 0
    assert d.simulators[UNPOOLED].stats.rate_limited > 0

    # what the pooled runs landed: yesterday's set from the tick, the backfill's two days
    landed = {p.name for p in (d.landing / "lz" / POOLED / "landing").glob(f"{POOLED}_manifest_*.json")}
    assert len(landed) == 3
