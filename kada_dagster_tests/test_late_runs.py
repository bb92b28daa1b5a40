"""`<instance>_late_runs_sensor`: partitions extracted while runs were still going are extracted again."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from kada_dagster_tests.ht_helpers import END, build_defs, materialise
from kada_sim.hightouch import HightouchSimulator

DAY = "2026-11-22"  # the last day before the simulator's 'now': some of its runs are still going


SIM_OPTIONS = {"seed": 5, "end": END, "days": 3, "n_syncs": 12}
"""conftest's module-scoped `sim`: the simulated Hightouch workspace of these tests."""


def _tick(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorExecutionData:
    sensor = defs.resolve_sensor_def("kada_late_runs_sensor")
    return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor))


def test_a_partition_with_unfinished_runs_is_requested_once_they_can_have_finished(
        sim: HightouchSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unfinished = [r for s in sim.syncs() for r in sim.runs_for(s["id"], None, None)
                  if r["startedAt"] >= DAY and r["finishedAt"] is None]
    assert unfinished, "the simulator must have runs in progress at its 'now'"
    defs = build_defs(sim.url, sim.config.token, tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    assert materialise(defs, partition="2026-11-21", instance=instance).success
    assert materialise(defs, partition=DAY, instance=instance).success
    monkeypatch.setenv("KADA_LATE_RUNS_GIVE_UP_DAYS", "60")
    monkeypatch.setenv("KADA_LATE_RUNS_SETTLE_MINUTES", "100000")
    waiting = _tick(defs, instance, None)
    assert waiting.run_requests == []  # not yet: the runs cannot have finished
    monkeypatch.setenv("KADA_LATE_RUNS_SETTLE_MINUTES", "0")
    due = _tick(defs, instance, waiting.cursor)
    assert [r.partition_key for r in due.run_requests] == [DAY]  # 2026-11-21 had none unfinished
    assert due.run_requests[0].tags["kada/reason"] == "late_runs"
    assert _tick(defs, instance, due.cursor).run_requests == []  # requested once per capture


def test_a_partition_past_the_give_up_age_is_left_alone(sim: HightouchSimulator, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    defs = build_defs(sim.url, sim.config.token, tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    assert materialise(defs, partition=DAY, instance=instance).success
    monkeypatch.setenv("KADA_LATE_RUNS_SETTLE_MINUTES", "0")
    monkeypatch.setenv("KADA_LATE_RUNS_GIVE_UP_DAYS", "0.5")  # the window ended days ago
    result = _tick(defs, instance, None)
    assert result.run_requests == [] and '"waiting": {}' in (result.cursor or "")
