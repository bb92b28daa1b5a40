"""Hightouch simulator configuration and API vocabulary: endpoints, enums, profiles and run status weights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kada_sim.server import SimOptions

API_PREFIX = "/api/v1"
SYNC_RUN_STATUSES = (
    "cancelled",
    "failed",
    "queued",
    "success",
    "warning",
    "querying",
    "processing",
    "reporting",
    "interrupted",
)
SYNC_STATUSES = ("disabled", "pending", *SYNC_RUN_STATUSES)
OBJECT_ORDER_BY = ("id", "name", "slug", "createdAt", "updatedAt")
RUN_ORDER_BY = ("id", "createdAt", "startedAt", "finishedAt")
LIST_ENDPOINTS = ("sources", "models", "destinations", "syncs")
PROFILES = (
    "kada",
    "documented",
    "documented-string-ids",
    "documented-page-cap",
    "documented-last-finished",
    "documented-no-last-run-at",
    "documented-datahub-mappings",
    "documented-sparse-runs",
    "documented-dbt-cloud-type",
    "documented-opaque-filter",
)
PAGE_CAP = 25  # documented-page-cap: the server's own page size limit
# SyncRunStatus -> contract event status (the simulator's ground truth for tests)
EVENT_STATUS = {
    "success": "SUCCESS",
    "warning": "WARNING",
    "failed": "FAILED",
    "interrupted": "FAILED",
    "cancelled": "CANCELLED",
    "queued": "QUEUED",
    "querying": "RUNNING",
    "processing": "RUNNING",
    "reporting": "RUNNING",
}

_DAY0 = 16436  # 2015-01-01 in days since the epoch: origin of run ids
_RUN_ID_BASE = 100_000_000
_RARE_RUN_STATUSES = ("warning", "failed", "cancelled", "interrupted")
_RUN_STATUS_WEIGHTS = (
    (0.88, "success"),
    (0.94, "warning"),
    (0.975, "failed"),
    (0.988, "cancelled"),
    (1.0, "interrupted"),
)


@dataclass
class HightouchSimConfig(SimOptions):
    """Workspace shape and behaviour switches. ``end`` None means 'now, floored to the minute'."""

    token: str = "sim-hightouch-token"
    workspace_id: int = 4821
    n_sources: int = 5
    n_models: int = 14
    n_destinations: int = 7
    n_syncs: int = 18
    runs_per_sync_per_day: int = 4
    days: int = 7
    end: datetime | None = None
    omit_has_more_on: frozenset[str] = frozenset({"sources", "models", "destinations"})
    max_limit: int = 100
    string_ids: bool = False
    dangling_references: bool = False
    story: bool = False
    """Add the cross-tool story of ``kada_sim.story`` (a model reading the mart a Hevo model builds)."""


@dataclass
class _SyncRuntime:
    """What run generation needs to know about a sync."""

    index: int
    id: int
    created_ms: int
    has_runs: bool
    rows_base: int
    event: bool
    last_state: str | None  # None, "running" or "queued": forced state of the latest run
    columns: list[str]
    pk: str
    table: str
    dest_name: str
