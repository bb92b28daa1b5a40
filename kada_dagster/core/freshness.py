"""`<instance>/landing:landed_by_deadline`: a WARN check, per partition, that the day's file set reached K
by its deadline.

Why an asset check and not a `FreshnessPolicy`: a policy (dagster notes 1.9) looks at the asset's last
materialisation of any partition, so a backfill of last month would make it look fresh; K needs each
day's own set, so the check is partitioned like the assets and asks the instance whether *its*
partition's landing was materialised. It never calls a vendor API and never fails a run: a missing set
is a warning with the partition, its deadline and the other recent days that are missing. An instance
that has never landed anything is not in use yet and is not warned about, so the schedule below can be
on by default.

A partition's deadline is the hour KADA_FRESHNESS_DEADLINE_HOUR (UTC, default 6; the daily schedule
starts at 01:15) of the day after it. `<instance>_freshness_sensor` records the check for the last
complete partition (yesterday) once its deadline has passed; the daily job runs the check right after
landing (so it turns green as soon as the set lands), and anyone can run it for any day from the
asset's Checks tab (before the deadline a missing day passes as 'not due yet').

(No `from __future__ import annotations` here: Dagster checks the check function's `context` hint as a
real class.)
"""

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import dagster as dg

from kada_dagster.core.settings import SettingsError

DEADLINE_ENV = "KADA_FRESHNESS_DEADLINE_HOUR"
DEFAULT_DEADLINE_HOUR = 6
LOOK_BACK_DAYS = 7
CHECK_NAME = "landed_by_deadline"


def deadline_hour_from_env() -> int:
    """KADA_FRESHNESS_DEADLINE_HOUR as an hour 0..23; anything else is an error naming the setting."""
    raw = os.environ.get(DEADLINE_ENV, "").strip()
    if not raw:
        return DEFAULT_DEADLINE_HOUR
    if not raw.isdigit() or not 0 <= int(raw) <= 23:
        raise SettingsError(f"{DEADLINE_ENV}={raw!r}: expected an hour of the UTC day, 0 to 23")
    return int(raw)


@dataclass(frozen=True)
class Freshness:
    """What the check found at one moment for the partitions it was asked about."""

    partitions: list[str]
    overdue: list[str]
    not_due_yet: list[str]
    missing_recent: list[str]
    deadline_hour: int
    in_use: bool

    def result(self) -> dg.AssetCheckResult:
        if not self.in_use:
            return dg.AssetCheckResult(passed=True, description="nothing has landed for this instance yet: "
                                                                "not in use, nothing is due")
        metadata = {"partitions": dg.MetadataValue.json(self.partitions),
                    "overdue": dg.MetadataValue.json(self.overdue),
                    "not_due_yet": dg.MetadataValue.json(self.not_due_yet),
                    "missing_last_7_days": dg.MetadataValue.json(self.missing_recent),
                    "deadline_hour_utc": dg.MetadataValue.int(self.deadline_hour)}
        if self.overdue:
            text = (f"{', '.join(self.overdue)} not landed by {self.deadline_hour:02d}:00 UTC the day after: "
                    "K has no file set for it (is the daily schedule on? did its run fail?)")
        elif self.not_due_yet:
            text = f"{', '.join(self.not_due_yet)} not landed yet; not due before {self.deadline_hour:02d}:00 UTC"
        else:
            text = f"{', '.join(self.partitions)} landed"
        return dg.AssetCheckResult(passed=not self.overdue, severity=dg.AssetCheckSeverity.WARN,
                                   description=text, metadata=metadata)


def evaluate(instance: dg.DagsterInstance, landing_key: dg.AssetKey, partitions_def: dg.TimeWindowPartitionsDefinition,
             partitions: list[str], deadline_hour: int, now: datetime) -> Freshness:
    """Each partition against its deadline (its window's end plus `deadline_hour` hours)."""
    landed = instance.get_materialized_partitions(landing_key)
    overdue: list[str] = []
    pending: list[str] = []
    for partition in partitions:
        if partition in landed:
            continue
        deadline = partitions_def.time_window_for_partition_key(partition).end + timedelta(hours=deadline_hour)
        (overdue if now >= deadline else pending).append(partition)
    recent = [k for k in partitions_def.get_partition_keys(current_time=now)[-LOOK_BACK_DAYS:] if k not in landed]
    return Freshness(partitions, overdue, pending, recent, deadline_hour, in_use=bool(landed))


def already_checked(instance: dg.DagsterInstance, check_key: dg.AssetCheckKey, partition: str) -> bool:
    """True when the check has a result for the partition, from a run or from this sensor (a run that
    failed before landing leaves only a PLANNED record, which does not count)."""
    from dagster._core.event_api import PartitionKeyFilter  # the storage's own filter type
    from dagster._core.storage.asset_check_execution_record import (
        COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
    )

    records = instance.event_log_storage.get_asset_check_execution_history(
        check_key, limit=50, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
        partition_filter=PartitionKeyFilter(key=partition))
    return bool(records)


def evaluation(found: Freshness, landing_key: dg.AssetKey, partition: str) -> dg.AssetCheckEvaluation:
    """The check's result for one partition as an event the sensor records (no run needed)."""
    result = found.result()
    return dg.AssetCheckEvaluation(asset_key=landing_key, check_name=CHECK_NAME, passed=result.passed,
                                   metadata=dict(result.metadata or {}), severity=result.severity,
                                   description=result.description, partition=partition)


def freshness_check(instance: str, landing_key: dg.AssetKey,
                    partitions_def: dg.TimeWindowPartitionsDefinition) -> dg.AssetChecksDefinition:
    """The partitioned check of one instance's landing (the shared `kada_freshness_sensor` records it for
    yesterday). Over a range each day gets its own evaluation, then the check's result for the range."""
    hour = deadline_hour_from_env()

    @dg.asset_check(asset=landing_key, name=CHECK_NAME, blocking=False, partitions_def=partitions_def,
                    description=f"Warns when a day's file set has not landed by {hour:02d}:00 UTC the day after "
                                f"({DEADLINE_ENV}, default {DEFAULT_DEADLINE_HOUR}).")
    def landed_by_deadline(context: dg.AssetCheckExecutionContext):
        now, days = datetime.now(timezone.utc), list(context.partition_keys)
        found = evaluate(context.instance, landing_key, partitions_def, days, hour, now)
        if len(days) > 1:
            for day in days:
                yield evaluation(evaluate(context.instance, landing_key, partitions_def, [day], hour, now),
                                 landing_key, day)
        result = found.result()
        if found.in_use and found.overdue:
            context.log.warning(f"{instance}: {result.description}")
        yield result

    return landed_by_deadline
