"""Shared by the fault, crash and secret tests: one harness per collector (the simulator, its code location,
where a fault goes) and the checks every outcome is held to (what landed, what the event log says)."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import dagster as dg

from kada_dagster_tests import ht_helpers
from kada_dagster_tests.hevo_helpers import build_defs as hevo_defs
from kada_dagster_tests.hevo_helpers import hevo_sim
from kada_dagster_tests.landing_helpers import failure_text as failure_text  # re-exported for the fault tests
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator
from kada_sim.server import SimulatorBase

DAY = "2026-11-22"
CLIENT_TIMEOUT = 2.0
"""The collectors' read timeout in these tests; the simulators hold a 'timeout' request longer."""


@dataclass
class Collector:
    """One collector against its simulator. `list_prefix` is a list endpoint a fault is injected on, and
    `endpoint` how a failure there must name it."""

    name: str
    sim: SimulatorBase
    make_defs: Callable[..., dg.Definitions]
    list_prefix: str
    endpoint: str

    def defs(self, tmp: Path, **kwargs: Any) -> dg.Definitions:
        return self.make_defs(tmp, **{"timeout": CLIENT_TIMEOUT, **kwargs})

    def run(self, tmp: Path, **kwargs: Any) -> tuple[Any, dg.DagsterInstance]:
        """Materialises DAY (raw, tables, checks, landing) on a fresh instance; never raises."""
        instance = dg.DagsterInstance.ephemeral()
        return ht_helpers.materialise(self.defs(tmp, **kwargs), partition=DAY, instance=instance), instance


def hightouch_collector(**config: Any) -> Collector:
    sim = HightouchSimulator(HightouchSimConfig(seed=4, end=ht_helpers.END, days=2, timeout_sleep_s=4.0,
                                                record_requests=True, **config))
    return Collector("hightouch", sim,
                     lambda tmp, **kw: ht_helpers.build_defs(sim.url, sim.config.token, tmp, **kw),
                     "/models", "GET models")


def hevo_collector(flavour: str, **config: Any) -> Collector:
    sim = hevo_sim(flavour, timeout_sleep_s=4.0, **config)
    prefix, endpoint = ("/models", "GET models") if flavour == "standard" else ("/pipelines/", "GET pipelines/")
    return Collector(f"hevo_{flavour}", sim, lambda tmp, **kw: hevo_defs(sim, tmp, **kw), prefix, endpoint)


COLLECTORS: dict[str, Callable[[], Collector]] = {
    "hightouch": hightouch_collector,
    "hevo_standard": lambda: hevo_collector("standard"),
    "hevo_edge": lambda: hevo_collector("edge"),
}


def serving(make: Callable[[], Collector]) -> Iterator[Collector]:
    collector = make()
    with collector.sim.serve():
        yield collector


# --- what landed ------------------------------------------------------------------------------------
def landing_files(tmp: Path) -> list[Path]:
    """Every file under the landing root, temporary names included."""
    root = tmp / "landing"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def landed_csvs(tmp: Path) -> dict[str, bytes]:
    """The landed CSVs by name, gunzipped (the manifest, which records when it was written, left out)."""
    out = {}
    for path in landing_files(tmp):
        if path.name.endswith(".csv.gz"):
            out[path.name] = gzip.decompress(path.read_bytes())
        elif path.name.endswith(".csv"):
            out[path.name] = path.read_bytes()
    return out


def temp_leftovers(*roots: Path) -> list[Path]:
    """Temporary files or folders (`.tmp-*`, `.old-*`) below the roots."""
    found: list[Path] = []
    for root in roots:
        if root.exists():
            found += [p for p in root.rglob("*") if p.name.startswith((".tmp-", ".old-"))]
    return sorted(found)


def raw_committed(tmp: Path, instance: str, day: str = DAY) -> bool:
    return (tmp / "intermediate" / instance / "raw" / day / "_summary.json").exists()


def assert_nothing_claims_completeness(tmp: Path, instance: str) -> None:
    """A failed run left no manifest and no partial set (no file at all) in the landing directory, no
    committed raw data for the partition, and no temporary file anywhere."""
    assert landing_files(tmp) == [], landing_files(tmp)
    assert not raw_committed(tmp, instance)
    assert temp_leftovers(tmp) == []


# --- what Dagster recorded (failure_text: landing_helpers) -------------------------------------------
def log_messages(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The run's event log as a person reads it in the UI: every message, warnings included."""
    return [e.user_message or "" for e in instance.all_logs(run_id)]


def warnings(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    import logging

    return [e.user_message or "" for e in instance.all_logs(run_id) if cast(int, e.level) >= logging.WARNING]


def problem_counts(result: Any, asset: str) -> dict[str, int]:
    """The counted skips and tolerated problems an asset reported in its metadata."""
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        if materialization.asset_key.to_user_string() == asset:
            value = materialization.metadata.get("problems")
            return dict(value.value.get("counts", {})) if value is not None else {}
    raise AssertionError(f"{asset} was not materialised")
