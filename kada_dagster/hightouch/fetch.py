"""What Hightouch collection reads for a range: the four object lists once, and the runs of every sync that
can have run in the range (OFFICIAL: `GET /syncs/{id}/runs` with `after`/`before` on the run's start)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from kada_dagster.core.api_errors import NotFoundError
from kada_dagster.core.collector import (
    EventRouter,
    FetchContext,
)
from kada_dagster.core.extract.redaction import redact
from kada_dagster.core.problems import ProblemLog
from kada_dagster.hightouch.client import HightouchClient
from kada_dagster.hightouch.records import HightouchObject, HightouchSync


def runs_may_have_started(sync: HightouchSync, range_end: datetime) -> tuple[bool, str]:
    """Whether a sync's runs must be requested for a range ending at `range_end` (fail open).

    Only a sync created at or after the range's end provably has no run in it (`createdAt*` OFFICIAL).
    `lastRunAt` (OFFICIAL only as "date-time|null") and the sync's `status` are not used to skip: whether
    they describe the latest run or the latest *finished* one is UNCONFIRMED, and under the second reading
    a queued or running run that started in the window hides behind an older `lastRunAt` and a finished
    status. A skip on them could lose that run; requesting costs one request per sync.
    """
    if sync.created_at is not None and sync.created_at >= range_end:
        return False, "created after the range"
    return True, "may have runs in the range"


# --- fetch ---------------------------------------------------------------------------------
def fetch(client: HightouchClient, ctx: FetchContext, events: EventRouter) -> dict[str, list[Any]]:
    problems = ctx.problems
    listers: dict[str, Callable[[], list[Any]]] = {
        "sources": lambda: client.list_sources(problems),
        "models": lambda: client.list_models(problems),
        "destinations": lambda: client.list_destinations(problems),
        "syncs": lambda: client.list_syncs(problems),
    }
    results = client.http.map_concurrent(lambda lister: lister(), list(listers.values()))
    records: dict[str, list[Any]] = dict(zip(listers, results, strict=True))
    fetch_missing_references(client, problems, records)
    metadata = {name: [redact(r.raw) for r in recs] for name, recs in records.items()}

    window_start, window_end = ctx.start, ctx.end
    wanted: list[str] = []
    reasons: dict[str, int] = {}
    for sync in records["syncs"]:
        needed, reason = runs_may_have_started(sync, window_end)
        reasons[reason] = reasons.get(reason, 0) + 1
        if needed:
            wanted.append(sync.id)

    def fetch_runs(sync_id: str) -> int:
        try:
            runs = client.list_sync_runs(sync_id, window_start, window_end, problems)
        except NotFoundError:
            problems.record("hightouch.sync_runs.sync_not_found",
                            f"sync {sync_id} disappeared before its runs were read (404); skipped")
            return 0
        routed = []
        for run in runs:
            if run.started_at is None:
                if run.created_at is None:
                    problems.record("hightouch.unresolved.run_time",
                                    f"run {run.id} of sync {sync_id} has neither startedAt nor createdAt; "
                                    "no partition for it")
                    continue
                problems.record("hightouch.sync_run.routed_by_created_at",
                                f"run {run.id} of sync {sync_id} has no startedAt (queued): "
                                "placed by its createdAt")
            record = redact(run.raw)
            record["syncId"] = sync_id  # runs do not carry their sync (OFFICIAL §1.3)
            routed.append((record, run.routed_at))
        return events.add_many("sync_runs", routed)

    counts = client.http.map_concurrent(fetch_runs, wanted)
    ctx.log.info(f"hightouch: {sum(counts)} runs from {len(wanted)} of {len(records['syncs'])} syncs "
                 f"(why each was read or not: {reasons})")
    return metadata


def fetch_missing_references(client: HightouchClient, problems: ProblemLog, records: dict[str, list[Any]]) -> None:
    """GETs objects that syncs or models reference but the lists did not return; 404s are skipped."""
    known = {name: {r.id for r in recs} for name, recs in records.items()}
    wanted: set[tuple[str, str]] = set()
    for sync in records["syncs"]:
        for collection, ref in (("models", sync.model_id), ("destinations", sync.destination_id)):
            if ref and ref not in known[collection]:
                wanted.add((collection, ref))
    for model in records["models"]:
        if model.source_id and model.source_id not in known["sources"]:
            wanted.add(("sources", model.source_id))
        if model.parent_id and model.parent_id not in known["models"]:
            wanted.add(("models", model.parent_id))

    def get(item: tuple[str, str]) -> tuple[str, Any]:
        collection, ref = item
        try:
            return collection, client.get_object(collection, ref, problems)
        except NotFoundError:
            problems.record(f"hightouch.{collection}.referenced_not_found",
                            f"{collection[:-1]} {ref} is referenced but answers 404; skipped")
            return collection, None

    for collection, record in client.http.map_concurrent(get, sorted(wanted)):
        if isinstance(record, HightouchObject):
            records[collection].append(record)
