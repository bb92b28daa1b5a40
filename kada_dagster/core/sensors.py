"""One schedule and one sensor per concern for every collector instance of the code location, not a job, a
schedule and four sensors per instance:

- `kada_daily_schedule`: at 01:15 UTC, yesterday of every instance (its raw, tables, landing unless the push
  is manual, and openlineage when configured), one run per instance;

- `kada_run_failure_sensor`: reports failed runs of any instance (log line, webhook), naming the
  instance and the days; the tick says what it reported;
- `kada_late_runs_sensor`: re-extracts a day whose runs were still going, once they can have finished;
- `kada_landing_catchup_sensor`: re-pushes days whose checked tables are newer than their landed files;
- `kada_freshness_sensor`: records each instance's `landing:landed_by_deadline` for yesterday.

The daemon evaluates one schedule and four sensors whatever the number of instances; each keeps its state
per instance in its cursor. Idle, with one code server (docs/DEPLOY.md), 50 instances cost 1.18x the CPU of
one (BENCHMARKS.md scenario 8). The instances are read from the assets
when the code location loads (`with_kada_automation`); `KADA_AUTOMATION_OFF` turns a concern off for one
instance (`hightouch_emea:daily,hevo:freshness`). Every tick reads only Dagster's own storage, never a vendor API.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import dagster as dg

from kada_dagster.core.alerts import WEBHOOK_ENV, failure_report, send_alert
from kada_dagster.core.freshness import (
    CHECK_NAME,
    already_checked,
    deadline_hour_from_env,
    evaluate,
    evaluation,
)
from kada_dagster.core.pages import INSTANCE_TAG
from kada_dagster.core.settings import SettingsError
from kada_dagster.core.ui import UNFINISHED_KEY

LATE_SETTLE_ENV, LATE_GIVE_UP_ENV = "KADA_LATE_RUNS_SETTLE_MINUTES", "KADA_LATE_RUNS_GIVE_UP_DAYS"
AUTOMATION_OFF_ENV = "KADA_AUTOMATION_OFF"
CONCERNS = ("daily", "run_failure", "late_runs", "landing_catchup", "freshness")
# Metadata on each instance's raw asset: how the sensors find the instances in the asset graph.
INSTANCE_META, AUTO_PUSH_META = "kada/instance", "kada/auto_push"
_ACTIVE_RUN_STATUSES = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
                        dg.DagsterRunStatus.STARTED]


@dataclass(frozen=True)
class InstanceKeys:
    """One collector instance as the sensors watch it."""

    instance: str
    raw: dg.AssetKey
    tables: dict[str, dg.AssetKey]
    landing: dg.AssetKey
    partitions_def: dg.TimeWindowPartitionsDefinition | None = None
    auto_push: bool = True
    off: frozenset[str] = field(default_factory=frozenset)
    others: tuple[dg.AssetKey, ...] = ()  # more of the instance's assets its day runs (openlineage)

    @property
    def all(self) -> set[dg.AssetKey]:
        return {self.raw, self.landing, *self.tables.values()}

    @property
    def extract(self) -> list[dg.AssetKey]:
        """What the daily job materialises: everything, or everything but landing (manual push)."""
        keys = [self.raw, *self.tables.values(), *self.others]
        return [*keys, self.landing] if self.auto_push else keys


def automation_off_from_env() -> dict[str, set[str]]:
    """`KADA_AUTOMATION_OFF=<instance>:<concern>,...` → {instance: {concern}}; a bad entry names the setting."""
    off: dict[str, set[str]] = {}
    for entry in filter(None, (e.strip() for e in os.environ.get(AUTOMATION_OFF_ENV, "").split(","))):
        instance, _, concern = entry.partition(":")
        if concern not in CONCERNS:
            raise SettingsError(f"{AUTOMATION_OFF_ENV}: {entry!r} is not <instance>:<concern> with a concern of "
                                f"{', '.join(CONCERNS)}")
        off.setdefault(instance, set()).add(concern)
    return off


def instances_in(defs: dg.Definitions) -> list[InstanceKeys]:
    """Every collector instance in `defs`: the raw assets carrying `kada/instance` metadata (read from the
    asset definitions themselves: resolving the whole asset graph would cost more than the rest of a load)."""
    off = automation_off_from_env()
    found = []
    every_key = {key for assets_def in defs.assets or [] if isinstance(assets_def, dg.AssetsDefinition)
                 for key in assets_def.keys}
    for assets_def in defs.assets or []:
        if not isinstance(assets_def, dg.AssetsDefinition):
            continue
        for key in assets_def.keys:
            metadata = assets_def.metadata_by_key.get(key, {})
            instance = metadata.get(INSTANCE_META)
            if not isinstance(instance, str) or key.path[-1] != "raw":
                continue
            partitions = assets_def.partitions_def
            openlineage = dg.AssetKey([instance, "openlineage"])
            found.append(InstanceKeys(
                instance, key,
                {k: dg.AssetKey([instance, k]) for k in ("metadata", "linkages", "events", "databaselog")},
                dg.AssetKey([instance, "landing"]),
                partitions if isinstance(partitions, dg.TimeWindowPartitionsDefinition) else None,
                bool(metadata.get(AUTO_PUSH_META, True)), frozenset(off.get(instance, set())),
                (openlineage,) if openlineage in every_key else ()))
    return sorted(found, key=lambda i: i.instance)


def with_kada_automation(defs: dg.Definitions) -> dg.Definitions:
    """`defs` with the shared daily schedule and the four shared sensors over the instances it holds."""
    instances = instances_in(defs)
    if not instances:
        return defs
    sensors = [run_failure_sensor(instances), late_runs_sensor(instances), landing_catchup_sensor(instances),
               freshness_sensor(instances)]
    return dg.Definitions.merge(defs, dg.Definitions(schedules=[daily_schedule(instances)], sensors=sensors))


def daily_runs(instances: Sequence[InstanceKeys], day: str) -> list[dg.RunRequest]:
    """What the daily schedule requests for `day`: one run per instance (that has the day), each tagged with
    its instance, so an instance's failure does not stop the others'."""
    requests = []
    for keys in _on(instances, "daily"):
        if keys.partitions_def is not None and keys.partitions_def.has_partition_key(day):
            requests.append(dg.RunRequest(run_key=f"{keys.instance}:daily:{day}", partition_key=day,
                                          asset_selection=keys.extract, tags={INSTANCE_TAG: keys.instance}))
    return requests


def daily_schedule(instances: Sequence[InstanceKeys]) -> dg.ScheduleDefinition:
    @dg.schedule(name="kada_daily_schedule", cron_schedule="15 1 * * *", execution_timezone="UTC",
                 job_name=ASSET_JOB, default_status=dg.DefaultScheduleStatus.STOPPED,
                 description="Each day at 01:15 UTC, extract yesterday (UTC) of every instance and push it to K "
                             "(landing is left out for an instance whose push is manual, KADA_AUTO_PUSH=false); "
                             f"one run per instance; off for one instance: {AUTOMATION_OFF_ENV}=<instance>:daily.")
    def daily(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest] | dg.SkipReason:
        yesterday = (context.scheduled_execution_time - timedelta(days=1)).strftime("%Y-%m-%d")
        return daily_runs(instances, yesterday) or dg.SkipReason(f"no instance has {yesterday} to extract")

    return daily


def _on(instances: Sequence[InstanceKeys], concern: str) -> list[InstanceKeys]:
    return [i for i in instances if concern not in i.off]


# The schedule and the sensors request runs of the implicit asset job with an asset selection each: a target
# of their own would be a job of its own, resolved against the whole asset graph when the location loads.
ASSET_JOB = "__ASSET_JOB"


def landing_catchup_sensor(instances: Sequence[InstanceKeys]) -> dg.SensorDefinition:
    """Pushes days whose checked tables are newer than their landed files: a landing step can fail after
    the tables were built (the store was down, a SAS token had expired); each new table materialisation is
    retried once (the run key), and never while a run of that instance is in progress."""
    watched = [i for i in _on(instances, "landing_catchup") if i.auto_push]

    @dg.sensor(name="kada_landing_catchup_sensor", job_name=ASSET_JOB, minimum_interval_seconds=600,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description="Every 10 minutes, re-push each instance's days whose extract is newer than what was "
                           f"landed, at most 10 a tick (off for one instance: {AUTOMATION_OFF_ENV}=<instance>:"
                           "landing_catchup).")
    def landing_catchup(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        active = context.instance.get_runs(filters=dg.RunsFilter(statuses=_ACTIVE_RUN_STATUSES))
        busy = {i.instance for i in watched for run in active if run.asset_selection and i.all & run.asset_selection}
        requests = []
        for keys in watched:
            if keys.instance in busy:
                continue
            built = context.instance.get_latest_storage_id_by_partition(
                keys.tables["metadata"], dg.DagsterEventType.ASSET_MATERIALIZATION)
            landed = context.instance.get_latest_storage_id_by_partition(
                keys.landing, dg.DagsterEventType.ASSET_MATERIALIZATION)
            pending = sorted((p, sid) for p, sid in built.items() if landed.get(p, -1) < sid)
            requests += [dg.RunRequest(partition_key=p, asset_selection=[keys.landing],
                                       run_key=f"{keys.instance}:{p}:{sid}", tags={INSTANCE_TAG: keys.instance})
                         for p, sid in pending[-10:]]
        if not requests:
            return dg.SkipReason("every built day is landed" + (f" (runs in progress: {sorted(busy)})" if busy else ""))
        return dg.SensorResult(run_requests=requests)

    return landing_catchup


def _late_settings() -> tuple[float, float]:
    return float(os.environ.get(LATE_SETTLE_ENV, "180")) * 60, float(os.environ.get(LATE_GIVE_UP_ENV, "3")) * 86400


def late_runs_sensor(instances: Sequence[InstanceKeys]) -> dg.SensorDefinition:
    """Re-extracts a day whose events were captured while runs were RUNNING or QUEUED, once they can have
    finished, so K gets their final status. Per instance, each tick reads at most 100 new events records
    (the cursor remembers where it stopped and which days wait)."""
    watched = [i for i in _on(instances, "late_runs") if i.partitions_def is not None]
    settle, give_up = _late_settings()

    @dg.sensor(name="kada_late_runs_sensor", job_name=ASSET_JOB, minimum_interval_seconds=900,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description=f"Every 15 minutes, re-extract each instance's days whose runs were still going "
                           f"{settle / 60:g} minutes after the capture ({LATE_SETTLE_ENV}); gives up "
                           f"{give_up / 86400:g} days after the day ended ({LATE_GIVE_UP_ENV}); off for one "
                           f"instance: {AUTOMATION_OFF_ENV}=<instance>:late_runs.")
    def late_runs(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        state = json.loads(context.cursor) if context.cursor else {}
        requests: list[dg.RunRequest] = []
        now_settle, now_give_up = _late_settings()  # read each tick: a change applies without a reload
        for keys in watched:
            mine = state.setdefault(keys.instance, {"after": None, "waiting": {}})
            requests += _late_requests(context, keys, mine, now_settle, now_give_up)
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(state, sort_keys=True))

    return late_runs


def _late_requests(context: dg.SensorEvaluationContext, keys: InstanceKeys, state: dict, settle: float,
                   give_up: float) -> list[dg.RunRequest]:
    waiting: dict[str, list[float]] = state["waiting"]  # day -> [captured at, storage id]
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=keys.tables["events"], after_storage_id=state["after"]), limit=100,
        ascending=True).records
    for record in records:
        materialization = record.asset_materialization
        if record.partition_key is not None and materialization is not None:
            unfinished = materialization.metadata.get(UNFINISHED_KEY)
            counts = unfinished.value if isinstance(unfinished, dg.JsonMetadataValue) else None
            if isinstance(counts, dict) and counts.get(record.partition_key):
                waiting[record.partition_key] = [record.timestamp, record.storage_id]
            elif isinstance(counts, dict):  # this day's own record (a range record carries no day's count)
                waiting.pop(record.partition_key, None)
        state["after"] = record.storage_id
    now, requests = time.time(), []
    assert keys.partitions_def is not None
    for partition, (captured, storage_id) in sorted(waiting.items()):
        if now - keys.partitions_def.time_window_for_partition_key(partition).end.timestamp() > give_up:
            context.log.warning(f"{keys.instance} {partition}: runs still unfinished {give_up / 86400:g} days after "
                                "the day; given up (they stay RUNNING/QUEUED in K)")
            waiting.pop(partition)
        elif now - captured >= settle:
            requests.append(dg.RunRequest(partition_key=partition, asset_selection=keys.extract,
                                          run_key=f"{keys.instance}:late:{partition}:{int(storage_id)}",
                                          tags={INSTANCE_TAG: keys.instance, "kada/reason": "late_runs"}))
            waiting.pop(partition)
    return requests


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


def instance_of_run(run: dg.DagsterRun, steps: Sequence[str], instances: Sequence[InstanceKeys]) -> str | None:
    """Whose run it is: its `kada/instance` tag, else the instance whose assets or steps it ran."""
    tagged = run.tags.get(INSTANCE_TAG)
    if tagged and any(i.instance == tagged for i in instances):
        return tagged
    for keys in instances:
        if run.asset_selection and keys.all & run.asset_selection:
            return keys.instance
        if any(step.startswith(f"{keys.instance}__") for step in steps):
            return keys.instance
    return None


def run_failure_sensor(instances: Sequence[InstanceKeys]) -> dg.SensorDefinition:
    """Reports every failed run of an instance's assets (its daily job, a backfill, a UI materialisation):
    one JSON log line, the webhook when one is set, and the tick says what was reported."""
    watched = _on(instances, "run_failure")

    @dg.run_failure_sensor(name="kada_run_failure_sensor", default_status=dg.DefaultSensorStatus.RUNNING,
                           description="Report each failed run of any instance, naming the instance and the days "
                                       f"(a log line; a POST to {WEBHOOK_ENV} when set; off for one instance: "
                                       f"{AUTOMATION_OFF_ENV}=<instance>:run_failure).")
    def on_failure(context: dg.RunFailureSensorContext) -> dg.SkipReason | None:
        run = context.dagster_run
        failures = context.get_step_failure_events()
        steps = [e.step_key for e in failures if e.step_key]
        instance = instance_of_run(run, steps, watched)
        if instance is None:
            return None
        report = failure_report(instance, run.run_id, run.job_name, run.tags, steps,
                                [failure_text(e) for e in failures], context.failure_event.message)
        posted = send_alert(report, context.log)
        return dg.SkipReason(f"reported{' and posted to ' + WEBHOOK_ENV if posted else ''}: {report.text}")

    return on_failure


def freshness_sensor(instances: Sequence[InstanceKeys]) -> dg.SensorDefinition:
    """Records each instance's `landing:landed_by_deadline` for yesterday once its deadline has passed (a
    warning when its file set is missing). A sensor, not a schedule: Dagster cannot build a partitioned job
    of checks alone, and the sensor needs no run: it records the evaluation on the partition itself."""
    watched = [i for i in _on(instances, "freshness") if i.partitions_def is not None]
    hour = deadline_hour_from_env()

    @dg.sensor(name="kada_freshness_sensor", minimum_interval_seconds=600, default_status=dg.DefaultSensorStatus.RUNNING,
               description=f"Every 10 minutes from {hour:02d}:00 UTC (KADA_FRESHNESS_DEADLINE_HOUR), record each "
                           f"instance's landing:{CHECK_NAME} for yesterday (off for one instance: "
                           f"{AUTOMATION_OFF_ENV}=<instance>:freshness).")
    def freshness(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        from datetime import datetime, timezone

        now = datetime.now(timezone.utc)
        state = json.loads(context.cursor) if context.cursor else {}
        events, notes = [], []
        for keys in watched:
            assert keys.partitions_def is not None
            days = keys.partitions_def.get_partition_keys(current_time=now)
            if not days or state.get(keys.instance) == days[-1]:
                continue
            found = evaluate(context.instance, keys.landing, keys.partitions_def, [days[-1]], hour, now)
            if found.not_due_yet:
                continue
            state[keys.instance] = days[-1]
            check_key = dg.AssetCheckKey(keys.landing, CHECK_NAME)
            if found.in_use and not already_checked(context.instance, check_key, days[-1]):
                context.log.warning(f"{keys.instance}: {found.result().description}")
                events.append(evaluation(found, keys.landing, days[-1]))
                notes.append(f"{keys.instance} {days[-1]}")
        skip = None if events else dg.SkipReason("nothing due to record")
        return dg.SensorResult(asset_events=events, cursor=json.dumps(state, sort_keys=True), skip_reason=skip)

    return freshness
