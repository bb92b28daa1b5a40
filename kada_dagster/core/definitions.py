"""One collector instance's Definitions, the same way for every vendor.

The start date must be known when definitions load (partitions are fixed then), before any resource
runs, so it comes from the explicit argument, KADA_START_DATE (default instance) or the default.
"""

from __future__ import annotations

import dagster as dg

from kada_dagster.core.assets import CollectorAssets
from kada_dagster.core.collector import Collector
from kada_dagster.core.resources import VendorResource
from kada_dagster.core.settings import start_date_for


def collector_definitions(collector: Collector, resource: VendorResource, instance: str,
                          start_date: str | None = None, auto_push: bool = True) -> dg.Definitions:
    """Assets and checks of `instance`, with its API resource bound to them under the instance's name."""
    assets = CollectorAssets(collector, instance=instance, resource=resource,
                             start_date=start_date_for(resource.profile, instance, start_date), auto_push=auto_push)
    return assets.definitions()
