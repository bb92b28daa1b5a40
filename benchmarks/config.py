"""Scenario sizes: the issue's figures for the full run, tiny ones for the smoke run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone


def last_midnight() -> datetime:
    """The simulators' 'now': today 00:00 UTC, so the last complete daily partition is yesterday."""
    now = datetime.now(timezone.utc)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class HightouchWorkspace:
    n_sources: int
    n_models: int
    n_destinations: int
    n_syncs: int
    runs_per_sync_per_day: int
    days: int  # history the simulator holds (the backfill covers all of it)
    latency_s: float = 0.08
    rate_limit: tuple[int, float] = (200, 10.0)  # Hightouch: 200 requests per 10 s per workspace
    seed: int = 5


@dataclass(frozen=True)
class HevoAccount:
    n_pipelines: int
    objects_per_pipeline: int
    latency_s: float = 0.08
    rate_limit: tuple[int, float] = (100, 60.0)  # Hevo: 100 requests per minute per user
    jobs_per_pipeline_per_day: int = 6
    n_destinations: int = 3
    n_models: int = 5
    n_workflows: int = 2
    seed: int = 5


@dataclass(frozen=True)
class BenchConfig:
    mode: str
    hightouch: HightouchWorkspace
    daily_scale: float  # scenario 1 (the issue asks for the real rate limit: 1.0)
    backfill_days: int
    backfill_scale: float  # scenario 2: simulator latency/period and client limiter divided by this
    hevo: HevoAccount
    hevo_scale: float  # scenario 3
    land_runs: int  # scenario 4
    land_syncs: int
    year_days: int = 365  # scenario 5: the long range ...
    year_runs_per_sync_per_day: int = 1  # ... with fewer runs a day than scenario 1's workspace
    year_scale: float = 3.0  # low enough that the run stays rate-bound (at 20 the simulator's CPU dominated)
    timeouts: dict[str, float] = field(default_factory=dict)
    end: datetime = field(default_factory=last_midnight)

    @property
    def daily_partition(self) -> str:
        return (self.end - timedelta(days=1)).strftime("%Y-%m-%d")

    @property
    def backfill_partitions(self) -> list[str]:
        return [(self.end - timedelta(days=d)).strftime("%Y-%m-%d") for d in range(self.backfill_days, 0, -1)]

    @property
    def start_date(self) -> str:
        return (self.end - timedelta(days=max(self.backfill_days, self.hightouch.days) + 5)).strftime("%Y-%m-%d")


FULL = BenchConfig(
    mode="full",
    hightouch=HightouchWorkspace(n_sources=20, n_models=2000, n_destinations=100, n_syncs=2000,
                                 runs_per_sync_per_day=20, days=30),
    daily_scale=1.0,
    backfill_days=30,
    backfill_scale=20.0,
    hevo=HevoAccount(n_pipelines=200, objects_per_pipeline=50),
    hevo_scale=120.0,
    land_runs=1_000_000,
    land_syncs=2000,
)

SMOKE = BenchConfig(
    mode="smoke",
    hightouch=HightouchWorkspace(n_sources=3, n_models=24, n_destinations=5, n_syncs=24,
                                 runs_per_sync_per_day=4, days=3, rate_limit=(20, 10.0)),
    daily_scale=20.0,
    backfill_days=3,
    backfill_scale=20.0,
    hevo=HevoAccount(n_pipelines=4, objects_per_pipeline=3, rate_limit=(20, 60.0)),
    hevo_scale=120.0,
    land_runs=3000,
    land_syncs=24,
    year_days=40,
)
