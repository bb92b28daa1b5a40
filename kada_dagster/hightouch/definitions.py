"""Hightouch's collector, its definitions (assets, checks, API resource) and its component (one instance per
`defs.yaml`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dagster as dg

from kada_dagster.core.collector import Collector
from kada_dagster.core.component import CollectorComponent, CollectorScaffolder
from kada_dagster.core.timeutil import parse_ts
from kada_dagster.hightouch.client import HightouchClient
from kada_dagster.hightouch.fetch import fetch
from kada_dagster.hightouch.normalise import normalise
from kada_dagster.hightouch.openlineage import HightouchOpenLineage
from kada_dagster.hightouch.records import SOURCE_TYPE
from kada_dagster.hightouch.resources import HightouchResource


class HightouchCollector(Collector[HightouchClient]):
    """Hightouch: what it reads for a range (fetch.py) and how that becomes K rows (normalise.py)."""

    source_type = SOURCE_TYPE
    display_name = "Hightouch"
    openlineage = HightouchOpenLineage()
    metadata_collections = ("sources", "models", "destinations", "syncs")
    event_collections = ("sync_runs",)
    fetch = staticmethod(fetch)
    normalise = staticmethod(normalise)

    def created_at(self, collection: str, record: Mapping[str, Any]) -> datetime | None:
        return parse_ts(record.get("createdAt")) if isinstance(record, Mapping) else None  # OFFICIAL: createdAt*


@dg.scaffold_with(CollectorScaffolder)
class HightouchCollectorComponent(CollectorComponent):
    """One Hightouch workspace as a collector instance."""

    resource_type = HightouchResource
    collector = HightouchCollector()


hightouch_definitions = HightouchCollectorComponent.instance_definitions
