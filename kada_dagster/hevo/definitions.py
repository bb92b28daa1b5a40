"""Hevo's collector, its definitions (assets, checks, API resource) and its component (one instance per
`defs.yaml`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dagster as dg

from kada_dagster.core.collector import Collector
from kada_dagster.core.component import CollectorComponent, CollectorScaffolder
from kada_dagster.core.timeutil import parse_ts
from kada_dagster.hevo.client import HevoClient
from kada_dagster.hevo.fetch import fetch
from kada_dagster.hevo.normalise import normalise
from kada_dagster.hevo.openlineage import HevoOpenLineage
from kada_dagster.hevo.records import SOURCE_TYPE
from kada_dagster.hevo.resources import HevoResource


class HevoCollector(Collector[HevoClient]):
    """Hevo Standard or Edge: what it reads for a range (fetch.py) and how that becomes K rows (normalise.py)."""

    source_type = SOURCE_TYPE
    display_name = "Hevo"
    openlineage = HevoOpenLineage()
    metadata_collections = ("pipelines", "pipeline_objects", "schema_mappings", "destinations", "models", "workflows")
    event_collections = ("jobs", "last_runs")
    fetch = staticmethod(fetch)
    normalise = staticmethod(normalise)

    def created_at(self, collection: str, record: Mapping[str, Any]) -> datetime | None:
        if not isinstance(record, Mapping):
            return None
        for key in ("created_ts", "created_at"):  # OFFICIAL (Edge pipelines); otherwise UNCONFIRMED
            if record.get(key) not in (None, ""):
                return parse_ts(record.get(key))
        return None


@dg.scaffold_with(CollectorScaffolder)
class HevoCollectorComponent(CollectorComponent):
    """One Hevo account (Standard or Edge) as a collector instance."""

    resource_type = HevoResource
    collector = HevoCollector()


hevo_definitions = HevoCollectorComponent.instance_definitions
