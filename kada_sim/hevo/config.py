"""Hevo simulator configuration and API vocabulary: flavours, profiles, enums and job weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kada_sim.server import SimOptions

# What each profile serves (see the module docstring). "kada" is our own, richest shape; "documented" only
# what the reference marks OFFICIAL or 3P; each "documented-<variant>" one UNCONFIRMED alternative.
STANDARD_PROFILES = (
    "kada", "documented", "documented-unwrapped", "documented-string-ids", "documented-iso-timestamps",
    "documented-prefixed-mapping",
)  # fmt: skip
EDGE_PROFILES = (
    "kada", "documented", "documented-no-pipeline-name", "documented-jobs-oldest-first",
    "documented-jobs-unordered", "documented-strict-params", "documented-seconds-filters",
    "documented-no-destinations", "documented-no-table-name",
)  # fmt: skip
PROFILES = tuple(dict.fromkeys(STANDARD_PROFILES + EDGE_PROFILES))
# Edge field statuses the documented profiles serve; the reference names the key but no values, so only
# ACTIVE is "loaded" in the ground truth (DROPPED stands for a value no client knows).
LOADED_FIELD_STATUS = "ACTIVE"

STANDARD_PREFIX = "/api/public/v2.0"
EDGE_PREFIX = "/api/v1"
FLAVOURS = ("standard", "edge")

EDGE_PIPELINE_STATUSES = (
    "INITIALIZING", "INITIALIZED", "INITIALIZE_FAILED", "DISABLING", "DISABLED", "DISABLE_FAILED", "ENABLING",
    "ENABLED", "ENABLE_FAILED", "DELETING", "DELETED", "DELETE_FAILED", "RESTARTING", "RESTART_FAILED",
)  # fmt: skip
EDGE_OBJECT_STATUSES = (
    "ACTIVE",
    "BLOCKED",
    "DISABLED",
    "DELETED",
    "INACCESSIBLE",
    "INACTIVE",
    "INCONSISTENT",
    "RESETTING",
)
EDGE_REPLICATION_STATUSES = ("PENDING", "REPLICATED", "CANCELLED", "BLOCKED", "FAILED", "INCONSISTENT")
JOB_TYPES = ("INCREMENTAL", "HISTORICAL", "RESYNC", "RESYNC_WITH_DROP_AND_LOAD", "REFRESHER")
JOB_STATUSES = (
    "IN_PROGRESS", "CANCELLING", "COMPLETED", "COMPLETED_WITH_FAILURES", "FAILED", "CANCELLED", "SKIPPED",
    "DEFERRED", "DEFERRED_WITH_FAILURES",
)  # fmt: skip
STANDARD_OBJECT_STATUSES = ("ACTIVE", "SKIPPED", "PAUSED", "FINISHED", "PERMISSION_DENIED", "FAILED")
MAPPING_STATUSES = ("MAPPED", "UNMAPPED", "INCOMPLETE", "IGNORED", "MAPPING_IN_PROGRESS")
_RARE_JOB_STATUSES = (
    "COMPLETED_WITH_FAILURES",
    "FAILED",
    "CANCELLED",
    "SKIPPED",
    "DEFERRED",
    "DEFERRED_WITH_FAILURES",
)
_RARE_JOB_TYPES = ("HISTORICAL", "RESYNC", "RESYNC_WITH_DROP_AND_LOAD", "REFRESHER")
_JOB_TYPE_WEIGHTS = (
    (0.93, "INCREMENTAL"),
    (0.96, "REFRESHER"),
    (0.985, "RESYNC"),
    (1.0, "RESYNC_WITH_DROP_AND_LOAD"),
)
_JOB_STATUS_WEIGHTS = (
    (0.9, "COMPLETED"), (0.95, "COMPLETED_WITH_FAILURES"), (0.97, "FAILED"), (0.98, "SKIPPED"), (0.99, "DEFERRED"), (1.0, "CANCELLED"),
)  # fmt: skip


@dataclass
class HevoSimConfig(SimOptions):
    """Account shape and behaviour switches. ``end`` None means 'now, floored to the minute'."""

    flavour: str = field(default="standard", metadata={"choices": FLAVOURS})
    api_key: str = "sim-hevo-key"
    api_secret: str = "sim-hevo-secret"
    n_pipelines: int = 6
    objects_per_pipeline: int = 6
    n_destinations: int = 3
    n_models: int = 5
    n_workflows: int = 2
    jobs_per_pipeline_per_day: int = 6
    days: int = 7
    end: datetime | None = None
    story: bool = False
    """Standard: add the cross-tool story of ``kada_sim.story`` (a pipeline from PostgreSQL and a mart model)."""
    wrap_single_objects: bool = True
    source_type_as_object: bool = False
    default_limit: int = 10
    max_limit: int = 100
    empty_lists_as_204: bool = False


@dataclass
class _PipelineRuntime:
    """What job generation needs to know about an Edge pipeline."""

    index: int
    id: int
    created_ms: int
    jobs_until_ms: int
    has_jobs: bool
    events_base: int
    n_objects: int
    last_state: str | None  # forced status of the latest job: IN_PROGRESS / CANCELLING / None
