"""Hevo's run events: Edge jobs (run history) and Standard latest runs, each in the partition that holds it.

Events. Edge has run history: every job that *started* (`created_ts`) in the window is one event. Jobs
are requested for every pipeline with only `limit`/`cursor` (no filter is documented) and routed by
their own `created_ts`. Standard has no run-history endpoint: an object's, model's or workflow's *latest*
run (`last_run_ts`) is one event in the partition that contains it. Its outcome is `last_run_status`
where the API gives one (UNCONFIRMED); otherwise it is UNKNOWN (a lifecycle status such as ACTIVE or
PAUSED says nothing about how the run ended) and counted. Earlier runs, row counts, durations and errors
are not in the Standard API; Hevo's Audit Tables (in the destination) are the place for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kada_dagster.core.extract.masking import mask_text
from kada_dagster.core.extract.rows import as_int, event_row
from kada_dagster.core.extract.tables import ExtractTables
from kada_dagster.core.timeutil import iso, parse_ts
from kada_dagster.hevo.objects import HevoPipelineObject, parse_object
from kada_dagster.hevo.records import (
    SOURCE_TYPE,
    HevoModel,
    HevoWorkflow,
    parse_job,
    parse_model,
    parse_workflow,
)

# Edge job status (OFFICIAL enum, hevo-api §4) → contract status.
JOB_STATUS = {
    "COMPLETED": "SUCCESS",
    # Finished and loaded, but some events or objects failed: the data is there, incomplete.
    "COMPLETED_WITH_FAILURES": "WARNING",
    "FAILED": "FAILED",
    "IN_PROGRESS": "RUNNING",
    # Still running until the cancel takes effect; it becomes CANCELLED then.
    "CANCELLING": "RUNNING",
    "CANCELLED": "CANCELLED",
    "SKIPPED": "SKIPPED",
    # Deferred: Hevo postponed the load to a later attempt, so nothing is final yet.
    "DEFERRED": "QUEUED",
    "DEFERRED_WITH_FAILURES": "QUEUED",
}

# Standard `last_run_status` (UNCONFIRMED: hevo-assistant shows it on workflows, §3f) → contract status.
# Only run outcomes: a lifecycle status (ACTIVE, PAUSED, FINISHED, ...) is never read as one.# Job statuses after which a job no longer changes: its `updated_at` is when it finished.
FINISHED_JOB_STATUSES = frozenset({"COMPLETED", "COMPLETED_WITH_FAILURES", "FAILED", "CANCELLED", "SKIPPED"})

LAST_RUN_STATUS = {
    "SUCCESS": "SUCCESS", "SUCCEEDED": "SUCCESS", "COMPLETED": "SUCCESS",
    "FAILED": "FAILED", "FAILURE": "FAILED", "ERROR": "FAILED",
    "RUNNING": "RUNNING", "IN_PROGRESS": "RUNNING",
    "QUEUED": "QUEUED", "PENDING": "QUEUED", "SCHEDULED": "QUEUED",
    "CANCELLED": "CANCELLED", "SKIPPED": "SKIPPED",
}


def add_job_events(tables: ExtractTables, jobs: Iterable[Any]) -> None:
    """Edge jobs that started in the window (routed there at fetch time). Fields OFFICIAL (§4)."""
    mask = tables.settings.mask
    for record in jobs:
        job = parse_job(record, tables.problems)
        if job is None:
            continue
        status = JOB_STATUS.get(job.status or "")
        if status is None:
            status = "UNKNOWN"
            tables.problems.record("hevo.unresolved.job_status",
                                 f"job {job.job_id}: status {job.status!r} is not a documented job status")
        finished = None
        if job.status in FINISHED_JOB_STATUSES:
            finished = job.updated_at
            if job.created_at is not None and job.duration_ms is not None:
                finished = parse_ts(round(job.created_at.timestamp() * 1000) + job.duration_ms)
        raw = job.raw
        # The error text's key is UNCONFIRMED (not in the provider's model): read when present.
        error = next((raw[k] for k in ("error_message", "failure_reason", "message", "error")
                      if isinstance(raw.get(k), str) and raw[k]), None)
        tables.events.add(event_row(
            event_id=f"{SOURCE_TYPE}:job:{job.pipeline_id}:{job.job_id}",
            object_id=tables.oid("pipeline", job.pipeline_id), event_type="pipeline_job", status=status,
            native_status=raw.get("status") if isinstance(raw.get("status"), str) else None,
            started_at=iso(job.created_at), finished_at=iso(finished),
            duration_seconds=round(job.duration_ms / 1000, 3) if job.duration_ms is not None and finished else None,
            rows_added=as_int(raw.get("events_loaded")), rows_failed=as_int(raw.get("events_failed")),
            rows_total=as_int(raw.get("events_ingested")),
            error_message=mask_text(error) if mask and error else error,
            properties={k: raw.get(k) for k in (
                "type", "objects_success", "objects_queued", "objects_skipped", "objects_failed",
                "min_latency", "max_latency", "mean_latency", "updated_ts") if raw.get(k) is not None},
        ))


def add_last_run_events(tables: ExtractTables, last_runs: Iterable[Any]) -> None:
    """Standard: the latest run of each object, model and workflow, when it falls in the window.

    The outcome is `last_run_status` when the API gives one (UNCONFIRMED, treated as optional
    everywhere); otherwise UNKNOWN with an empty native_status, the lifecycle status kept in
    `properties.lifecycle_status`, and counted: ACTIVE or PAUSED says nothing about how a run ended."""
    for entry in last_runs:
        kind, record = entry.get("kind"), entry.get("record")
        if not isinstance(record, Mapping) or kind not in ("object", "model", "workflow"):
            tables.problems.record("hevo.last_run.invalid", "skipped an unreadable last-run record")
            continue
        parsed: HevoPipelineObject | HevoModel | HevoWorkflow | None
        if kind == "object":
            parsed = parse_object(record, tables.problems)
            object_type = "pipeline_object"
        else:
            parsed = (parse_model if kind == "model" else parse_workflow)(record, tables.problems)
            object_type = kind
        if parsed is None or parsed.last_run_at is None:
            tables.problems.record("hevo.last_run.invalid", f"skipped a {kind} last run without id or time")
            continue
        native_id = parsed.native_id if isinstance(parsed, HevoPipelineObject) else parsed.id
        run_status = parsed.last_run_status
        status = LAST_RUN_STATUS.get(run_status or "")
        if status is None:
            status = "UNKNOWN"
            reason = "no last_run_status" if run_status is None else f"last_run_status {run_status!r} not known"
            tables.problems.record("hevo.unresolved.run_outcome", f"{kind} {native_id}: {reason}; status UNKNOWN")
        started = parsed.last_run_at
        tables.events.add(event_row(
            event_id=f"{SOURCE_TYPE}:{kind}_last_run:{native_id}:{round(started.timestamp() * 1000)}",
            object_id=tables.oid(object_type, native_id), event_type=f"{kind}_last_run", status=status,
            native_status=run_status, started_at=iso(started),
            properties={"source": "last_run_ts", "lifecycle_status": parsed.status},
        ))
