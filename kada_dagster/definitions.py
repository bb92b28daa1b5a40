"""The code location: one folder per source, merged here with the shared storage and landing resources.

Default instances (`hightouch`, `hevo`) come from the KADA JSON and
environment variables; named extra instances come from `kada_dagster/defs/<name>/defs.yaml`
(`KadaCollectorComponent`).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

import kada_dagster.defs
from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.landing import landing_resource_from_env
from kada_dagster.core.resources import IntermediateStorageResource
from kada_dagster.core.sensors import with_kada_automation
from kada_dagster.core.settings import auto_push_from_env
from kada_dagster.hevo.definitions import hevo_definitions
from kada_dagster.hightouch.definitions import hightouch_definitions

auto_push = auto_push_from_env()  # decides the daily jobs' selection, so it is read when definitions load

defs = with_kada_automation(dg.Definitions.merge(
    hightouch_definitions(auto_push=auto_push),
    hevo_definitions(auto_push=auto_push),
    dg.load_defs(kada_dagster.defs, project_root=Path(__file__).resolve().parent.parent),
    dg.Definitions(resources={STORAGE_KEY: IntermediateStorageResource(), LANDING_KEY: landing_resource_from_env()}),
))  # one sensor per concern over every instance above
