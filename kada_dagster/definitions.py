"""The code location, built when it loads (never at import): every instance's `defs.yaml` under
`kada_dagster/defs/` (the default `hightouch` and `hevo` ones included), the shared storage and landing
resources, and one schedule and one sensor per concern over all the instances."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

import kada_dagster.defs
from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.landing import landing_resource_from_env
from kada_dagster.core.resources import IntermediateStorageResource
from kada_dagster.core.sensors import with_kada_automation

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dg.definitions
def defs() -> dg.Definitions:
    """Reads the environment (KADA_AUTO_PUSH, KADA_START_DATE, KADA_LANDING_URL, ...) when Dagster loads the
    code location, so a test or a deployment sets it before loading, not before importing."""
    return with_kada_automation(dg.Definitions.merge(
        dg.load_defs(kada_dagster.defs, project_root=PROJECT_ROOT),
        dg.Definitions(resources={STORAGE_KEY: IntermediateStorageResource(),
                                  LANDING_KEY: landing_resource_from_env()}),
    ))
