"""The code location: one folder per source, merged here with the shared storage and landing resources."""

from __future__ import annotations

import dagster as dg

from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.resources import IntermediateStorageResource, LandingResource
from kada_dagster.hightouch.definitions import hightouch_definitions

landing_resource = LandingResource()

defs = dg.Definitions.merge(
    hightouch_definitions(auto_push=landing_resource.auto_push),
    dg.Definitions(resources={STORAGE_KEY: IntermediateStorageResource(), LANDING_KEY: landing_resource}),
)
