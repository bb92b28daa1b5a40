"""Hightouch's assets, checks, job, schedule and resource for the default (or a named) instance."""

from __future__ import annotations

import dagster as dg

from kada_dagster.core.assets import CollectorAssets
from kada_dagster.core.settings import start_date_for
from kada_dagster.hightouch.resources import HIGHTOUCH_PROFILE, HightouchResource
from kada_dagster.hightouch.source import HightouchSource


def hightouch_definitions(instance: str = "hightouch", resource: HightouchResource | None = None,
                          start_date: str | None = None, auto_push: bool = True) -> dg.Definitions:
    resource = resource or HightouchResource(instance=instance)
    assets = CollectorAssets(
        HightouchSource(),
        instance=instance,
        resource_key=instance,
        start_date=start_date_for(HIGHTOUCH_PROFILE, instance, start_date),
        auto_push=auto_push,
    )
    return assets.definitions(resources={instance: resource})
