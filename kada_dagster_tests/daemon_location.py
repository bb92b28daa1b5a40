"""The code location the daemon tests deploy: the project's own Hightouch instances, as
`hightouch_definitions` builds them (assets, pools, job) with the shared sensors, pointed at simulators.

Loaded by `dagster-daemon`/`dagster-webserver` subprocesses from the environment they inherit:
KADA_TEST_LOCATION is JSON `{instance: {"base_url", "token_env", "rate_limit": [requests, seconds]}}`.
The one change from production is the schedule: `build_schedule_from_partitioned_job` refuses a cron for a
time-partitioned job and ticks at 01:15 UTC, so `<instance>_daily_schedule` here is an every-minute
schedule of the same job with the same partition rule (the last complete day), and a tick fires within
the test; it starts STOPPED and the tests switch it on through the GraphQL API.
"""

from __future__ import annotations

import json
import os
from typing import cast

import dagster as dg

from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.resources import IntermediateStorageResource, LandingResource
from kada_dagster.core.sensors import with_kada_sensors
from kada_dagster.hightouch.definitions import hightouch_definitions
from kada_dagster.hightouch.resources import HightouchResource

START_DATE = "2026-10-01"


def instance_definitions(instance: str, spec: dict[str, object]) -> dg.Definitions:
    """One instance with its client-side rate limit set to the server's (resource config)."""
    requests, seconds = cast("tuple[int, float]", spec["rate_limit"])
    resource = HightouchResource(
        instance=instance, base_url=str(spec["base_url"]), api_token=dg.EnvVar(str(spec["token_env"])),
        rate_limit_requests=int(requests), rate_limit_period_seconds=float(seconds),
        # the client counts a request when it sends it, the server when it arrives: a small margin
        rate_limit_margin_seconds=0.3, backoff_base_seconds=0.2,
    )
    built = hightouch_definitions(instance=instance, resource=resource, start_date=START_DATE)
    job = next(j for j in built.jobs or [] if j.name == f"{instance}_daily")
    partitions = dg.DailyPartitionsDefinition(start_date=START_DATE, timezone="UTC")

    @dg.schedule(name=f"{instance}_daily_schedule", cron_schedule="* * * * *", job=job)
    def every_minute(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        return dg.RunRequest(partition_key=partitions.get_last_partition_key())

    return dg.Definitions(assets=built.assets, asset_checks=built.asset_checks, jobs=built.jobs,
                          schedules=[every_minute], resources=built.resources)


def location_definitions() -> dg.Definitions:
    specs = json.loads(os.environ.get("KADA_TEST_LOCATION", "{}"))
    return with_kada_sensors(dg.Definitions.merge(
        *(instance_definitions(name, spec) for name, spec in sorted(specs.items())),
        dg.Definitions(resources={STORAGE_KEY: IntermediateStorageResource(), LANDING_KEY: LandingResource()}),
    ))


defs = location_definitions()
