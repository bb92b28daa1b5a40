"""Shared helpers for tests that run the Hevo collector against the simulator."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import Any

import dagster as dg

from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.landing import UrlLandingResource
from kada_dagster.core.resources import IntermediateStorageResource
from kada_dagster.core.sensors import with_kada_automation
from kada_dagster.hevo.definitions import hevo_definitions
from kada_dagster.hevo.resources import HevoResource
from kada_dagster_tests.ht_helpers import END
from kada_sim.hevo import HevoSimConfig, HevoSimulator

STAMP = "20261123000000"


def hevo_resource(sim: HevoSimulator, **kwargs: Any) -> HevoResource:
    options: dict[str, Any] = {"base_url": sim.url, "api_key": sim.config.api_key, "api_secret": sim.config.api_secret,
                               "flavour": sim.flavour, "backoff_base_seconds": 0.01}
    options.update(kwargs)
    return HevoResource(**options)


def build_defs(sim: HevoSimulator, tmp: Path, **kwargs: Any) -> dg.Definitions:
    return with_kada_automation(dg.Definitions.merge(
        hevo_definitions(resource=hevo_resource(sim, **kwargs), start_date="2026-11-01"),
        dg.Definitions(resources={
            STORAGE_KEY: IntermediateStorageResource(base_path=str(tmp / "intermediate")),
            LANDING_KEY: UrlLandingResource(url=str(tmp / "landing")),
        }),
    ))


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8"))))


def landed_dir(tmp: Path) -> Path:
    return tmp / "landing" / "lz" / "hevo" / "landing"


def table(tmp: Path, kind: str, stamp: str = STAMP) -> list[dict[str, str]]:
    return read_csv(landed_dir(tmp) / f"hevo_{kind}_{stamp}.csv.gz")


def hevo_sim(flavour: str, **options: Any) -> HevoSimulator:
    return HevoSimulator(HevoSimConfig(flavour=flavour, seed=3, end=END, days=6, record_requests=True, **options))
