"""Hevo's assets, checks, job, schedule and resource for the default (or a named) instance."""

from __future__ import annotations

import dagster as dg

from kada_dagster.core.definitions import collector_definitions
from kada_dagster.hevo.resources import HEVO_PROFILE, HevoResource
from kada_dagster.hevo.source import HevoCollector


def hevo_definitions(instance: str = "hevo", resource: HevoResource | None = None,
                     start_date: str | None = None, auto_push: bool = True) -> dg.Definitions:
    return collector_definitions(HevoCollector(), HEVO_PROFILE, resource or HevoResource(instance=instance),
                                 instance, start_date, auto_push)
