"""The code location the daemon tests deploy: the project's own Hightouch instances, as
`hightouch_definitions` builds them (assets, pools, job) with the shared sensors, pointed at simulators.

Loaded by `dagster-daemon`/`dagster-webserver` subprocesses from the environment they inherit:
KADA_TEST_LOCATION is JSON `{instance: {"base_url", "token_env", "rate_limit": [requests, seconds]}}`.
The one change from production is the schedule: `kada_daily_schedule` ticks at 01:15 UTC, so each instance
here has `<instance>_daily_schedule`, an every-minute schedule requesting what the shared one requests for it
(the last complete day of its assets), and a tick fires within the test; it starts STOPPED and the tests
switch it on through the GraphQL API.
"""

from __future__ import annotations

import json
import os
from typing import cast

import dagster as dg

from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.landing import UrlLandingResource
from kada_dagster.core.resources import IntermediateStorageResource
from kada_dagster.core.sensors import with_kada_automation
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
        # the tests count 429s to see whether two runs shared the key: the pacing that never draws one keeps
        # the adaptive default's deliberate 429 (one a run, test_rate_limit.py) out of that count
        rate_limit_kind="sliding",
    )
    built = hightouch_definitions(instance=instance, resource=resource, start_date=START_DATE)
    partitions = dg.DailyPartitionsDefinition(start_date=START_DATE, timezone="UTC")
    keys = [dg.AssetKey([instance, k]) for k in ("raw", "metadata", "linkages", "events", "databaselog", "landing")]

    # what kada_daily_schedule requests for the instance, every minute instead of at 01:15 UTC
    @dg.schedule(name=f"{instance}_daily_schedule", cron_schedule="* * * * *", target=dg.AssetSelection.assets(*keys))
    def every_minute(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        return dg.RunRequest(partition_key=partitions.get_last_partition_key(), asset_selection=keys,
                             tags={"kada/instance": instance})

    return dg.Definitions(assets=built.assets, asset_checks=built.asset_checks, schedules=[every_minute])


def location_definitions() -> dg.Definitions:
    specs = json.loads(os.environ.get("KADA_TEST_LOCATION", "{}"))
    return with_kada_automation(dg.Definitions.merge(
        *(instance_definitions(name, spec) for name, spec in sorted(specs.items())),
        dg.Definitions(resources={STORAGE_KEY: IntermediateStorageResource(), LANDING_KEY: UrlLandingResource()}),
    ))


defs = location_definitions()
