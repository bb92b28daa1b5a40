"""Hightouch's assets, checks, job, schedule and resource for the default (or a named) instance."""

from __future__ import annotations

import dagster as dg

from kada_dagster.core.definitions import collector_definitions
from kada_dagster.hightouch.resources import HIGHTOUCH_PROFILE, HightouchResource
from kada_dagster.hightouch.source import HightouchSource


def hightouch_definitions(instance: str = "hightouch", resource: HightouchResource | None = None,
                          start_date: str | None = None, auto_push: bool = True) -> dg.Definitions:
    return collector_definitions(HightouchSource(), HIGHTOUCH_PROFILE, resource or HightouchResource(instance=instance),
                                 instance, start_date, auto_push)
