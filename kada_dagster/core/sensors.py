"""The sensors every collector instance gets: landing catch-up, late runs, and run-failure alerts.

Each reads only Dagster's own instance storage (never a vendor API), so a tick is cheap and bounded.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

import dagster as dg

from kada_dagster.core.alerts import WEBHOOK_ENV, failure_report, send_alert
from kada_dagster.core.ui import UNFINISHED_KEY

LATE_SETTLE_ENV, LATE_GIVE_UP_ENV = "KADA_LATE_RUNS_SETTLE_MINUTES", "KADA_LATE_RUNS_GIVE_UP_DAYS"
_ACTIVE_RUN_STATUSES = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
                        dg.DagsterRunStatus.STARTED]


@dataclass(frozen=True)
class InstanceKeys:
    """One collector instance's asset keys, as the sensors watch them."""

    instance: str
    raw: dg.AssetKey
    tables: dict[str, dg.AssetKey]
    landing: dg.AssetKey

    @property
    def all(self) -> set[dg.AssetKey]:
        return {self.raw, self.landing, *self.tables.values()}


def landing_catchup_sensor(keys: InstanceKeys) -> dg.SensorDefinition:
    """Pushes partitions whose checked tables are newer than their landed files.

    A landing step can fail after the tables were built (the store was down, a SAS token had expired);
    this sensor retries the push once per new table materialisation (the run key), and never while a run
    of this instance is in progress.
    """
    instance, tables_key = keys.instance, keys.tables["metadata"]

    @dg.sensor(name=f"{instance}_landing_catchup_sensor", target=dg.AssetSelection.assets(keys.landing),
               minimum_interval_seconds=600, default_status=dg.DefaultSensorStatus.STOPPED,
               description=f"Re-push {instance} partitions whose extract is newer than what was landed.")
    def landing_catchup(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        active = context.instance.get_runs(filters=dg.RunsFilter(statuses=_ACTIVE_RUN_STATUSES))
        if any(run.asset_selection and keys.all & set(run.asset_selection) for run in active):
            return dg.SkipReason(f"a {instance} run is in progress")
        built = context.instance.get_latest_storage_id_by_partition(
            tables_key, dg.DagsterEventType.ASSET_MATERIALIZATION)
        landed = context.instance.get_latest_storage_id_by_partition(
            keys.landing, dg.DagsterEventType.ASSET_MATERIALIZATION)
        pending = sorted((p, sid) for p, sid in built.items() if landed.get(p, -1) < sid)
        if not pending:
            return dg.SkipReason("every built partition is landed")
        return dg.SensorResult(run_requests=[
            dg.RunRequest(partition_key=p, asset_selection=[keys.landing], run_key=f"{instance}:{p}:{sid}")
            for p, sid in pending[-10:]
        ])

    return landing_catchup


def late_runs_sensor(keys: InstanceKeys, partitions_def: dg.TimeWindowPartitionsDefinition,
                     target: dg.AssetSelection) -> dg.SensorDefinition:
    """Re-extracts a partition whose events were captured while runs were RUNNING or QUEUED, once those runs
    can have finished, so K gets their final status.

    Each tick reads at most 100 new events materialisations (the cursor remembers where it stopped and
    which partitions wait). A partition is re-run `KADA_LATE_RUNS_SETTLE_MINUTES` (default 180) after its
    capture and given up once its window ended `KADA_LATE_RUNS_GIVE_UP_DAYS` (default 3) ago: a run still
    going by then is stuck, and stays RUNNING/QUEUED in K.
    """
    instance, events_key = keys.instance, keys.tables["events"]

    @dg.sensor(name=f"{instance}_late_runs_sensor", target=target, minimum_interval_seconds=900,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description=f"Re-extract {instance} partitions whose runs were still going, once they can have "
                           "finished.")
    def late_runs(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        state = json.loads(context.cursor) if context.cursor else {"after": None, "waiting": {}}
        waiting: dict[str, list[float]] = state["waiting"]  # partition -> [captured at, storage id]
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=events_key, after_storage_id=state["after"]), limit=100,
            ascending=True).records
        for record in records:
            materialization = record.asset_materialization
            if record.partition_key is not None and materialization is not None:
                unfinished = materialization.metadata.get(UNFINISHED_KEY)
                counts = unfinished.value if isinstance(unfinished, dg.JsonMetadataValue) else {}
                if isinstance(counts, dict) and counts.get(record.partition_key):
                    waiting[record.partition_key] = [record.timestamp, record.storage_id]
                else:
                    waiting.pop(record.partition_key, None)
            state["after"] = record.storage_id
        now = time.time()
        settle = float(os.environ.get(LATE_SETTLE_ENV, "180")) * 60
        give_up = float(os.environ.get(LATE_GIVE_UP_ENV, "3")) * 86400
        requests = []
        for partition, (captured, storage_id) in sorted(waiting.items()):
            if now - partitions_def.time_window_for_partition_key(partition).end.timestamp() > give_up:
                context.log.warning(f"{instance} {partition}: runs still unfinished {give_up / 86400:g} days after "
                                    "the window; given up (they stay RUNNING/QUEUED in K)")
                waiting.pop(partition)
            elif now - captured >= settle:
                requests.append(dg.RunRequest(partition_key=partition,
                                              run_key=f"{instance}:late:{partition}:{int(storage_id)}",
                                              tags={"kada/instance": instance, "kada/reason": "late_runs"}))
                waiting.pop(partition)
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(state, sort_keys=True))

    return late_runs


def failure_text(event: dg.DagsterEvent) -> str:
    """A step failure's own words: a dg.Failure's description, else the error without its class path."""
    data = event.step_failure_data
    if data is None:
        return event.message or ""
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description
    message = data.error.message if data.error else ""
    head, sep, rest = message.partition(": ")
    return rest if sep and "." in head and " " not in head else message


def run_failure_sensor(keys: InstanceKeys, op_names: set[str]) -> dg.SensorDefinition:
    """Reports every failed run that touched this instance's assets (the daily job, backfills and manual
    materialisations alike): one structured log line, and the webhook when one is set."""
    instance = keys.instance

    def touches(context: dg.RunFailureSensorContext, steps: list[str]) -> bool:
        run = context.dagster_run
        if run.tags.get("kada/instance") == instance or (run.asset_selection and keys.all & run.asset_selection):
            return True
        if op_names & set(steps):
            return True
        plan = (context.instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
                if run.execution_plan_snapshot_id else None)
        return plan is not None and any(step.key in op_names for step in plan.steps)

    @dg.run_failure_sensor(name=f"{instance}_run_failure_sensor", default_status=dg.DefaultSensorStatus.RUNNING,
                           description=f"Report failed {instance} runs (log line; {WEBHOOK_ENV} when set).")
    def on_failure(context: dg.RunFailureSensorContext) -> None:
        run = context.dagster_run
        failures = context.get_step_failure_events()
        steps = [e.step_key for e in failures if e.step_key]
        if touches(context, steps):
            send_alert(failure_report(instance, run.run_id, run.job_name, run.tags, steps,
                                      [failure_text(e) for e in failures], context.failure_event.message),
                       context.log)

    return on_failure
