"""Issue 10 item 8: `<instance>/landing:landed_by_deadline` warns when yesterday's file set has not landed
by the configured hour, passes once it has, and is partition-aware (another day landing does not count).
The sensor's tick and the daily job run against an instance holding real runs of the collector."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.event_api import PartitionKeyFilter

from kada_dagster.core.assets import daily_partitions
from kada_dagster.core.freshness import DEADLINE_ENV, deadline_hour_from_env, evaluate
from kada_dagster.core.sensors import InstanceKeys, freshness_sensor
from kada_dagster.core.settings import SettingsError
from kada_dagster_tests.ht_helpers import build_defs
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator

LANDING = dg.AssetKey(["hightouch", "landing"])
PARTITIONS = daily_partitions("2026-11-01")


def _day(offset: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=offset)).strftime("%Y-%m-%d")


def _tick(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None = None) -> Any:
    """One tick of the freshness sensor; what it reports is stored as the daemon stores sensor events."""
    sensor = defs.resolve_sensor_def("kada_freshness_sensor")
    data = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))
    for event in data.asset_events:
        instance.report_runless_asset_event(event)
    return data


def _latest(instance: dg.DagsterInstance, partition: str) -> Any:
    key = dg.AssetCheckKey(LANDING, "landed_by_deadline")
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [key], partition_filter=PartitionKeyFilter(key=partition))
    event = records[key].event
    assert event is not None and event.dagster_event is not None
    return event.dagster_event.event_specific_data


def test_warns_until_yesterdays_set_lands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEADLINE_ENV, "0")  # due at midnight: yesterday is overdue now
    simulator = HightouchSimulator(HightouchSimConfig(seed=31, days=4))
    instance = dg.DagsterInstance.ephemeral()
    with simulator.serve() as url:
        defs = build_defs(url, simulator.config.token, tmp_path)
        job = defs.resolve_implicit_global_asset_job_def()
        assert job.execute_in_process(partition_key=_day(-2), instance=instance).success

        tick = _tick(defs, instance)  # the day before landed; yesterday did not
        assert json.loads(tick.cursor) == {"hightouch": _day(-1)} and len(tick.asset_events) == 1
        warned = _latest(instance, _day(-1))  # recorded on yesterday's partition, as the UI shows it
        assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
        assert warned.metadata["overdue"].value == [_day(-1)]
        assert _day(-1) in warned.metadata["missing_last_7_days"].value
        assert _day(-2) not in warned.metadata["missing_last_7_days"].value
        assert "not landed by 00:00 UTC the day after" in (warned.description or "")

        daily = job.execute_in_process(partition_key=_day(-1), instance=instance)
        assert daily.success
        (in_run,) = [c for c in daily.get_asset_check_evaluations() if c.check_name == "landed_by_deadline"]
        assert in_run.passed  # evaluated right after landing, in the same run
        assert _latest(instance, _day(-1)).passed
        assert not _tick(defs, instance, cursor=json.dumps({"hightouch": _day(-1)})).asset_events  # reported once per day
        reset = _tick(defs, instance)  # a reset cursor: already checked, nothing recorded twice
        assert not reset.asset_events and json.loads(reset.cursor) == {"hightouch": _day(-1)}


def test_sensor_warns_when_the_daily_run_failed_before_landing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that fails before landing leaves no check result: the sensor's warning is the only one."""
    monkeypatch.setenv(DEADLINE_ENV, "0")
    simulator = HightouchSimulator(HightouchSimConfig(seed=32, days=4))
    instance = dg.DagsterInstance.ephemeral()
    with simulator.serve() as url:
        defs = build_defs(url, simulator.config.token, tmp_path)
        job = defs.resolve_implicit_global_asset_job_def()
        assert job.execute_in_process(partition_key=_day(-2), instance=instance).success
        simulator.inject_fault("/api/v1/syncs", "500", 100)
        failed = job.execute_in_process(partition_key=_day(-1), instance=instance, raise_on_error=False)
        assert not failed.success
        assert not [c for c in failed.get_asset_check_evaluations() if c.check_name == "landed_by_deadline"]
    tick = _tick(defs, instance)
    assert len(tick.asset_events) == 1 and not _latest(instance, _day(-1)).passed


def _landed(instance: dg.DagsterInstance, partition: str) -> None:
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=LANDING, partition=partition))


def test_not_due_before_the_deadline_hour_and_due_from_it() -> None:
    instance = dg.DagsterInstance.ephemeral()
    _landed(instance, "2026-11-20")
    midnight = datetime(2026, 11, 23, tzinfo=timezone.utc)
    day = ["2026-11-22"]
    before = evaluate(instance, LANDING, PARTITIONS, day, 6, midnight + timedelta(hours=5, minutes=59))
    at = evaluate(instance, LANDING, PARTITIONS, day, 6, midnight + timedelta(hours=6))
    assert before.result().passed and before.not_due_yet == day and "not due" in (before.result().description or "")
    assert not at.result().passed and at.overdue == day
    assert at.missing_recent == ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-21",
                                 "2026-11-22"]
    # partition-aware: an older day asked about is judged by its own deadline, and landing it does not
    # make yesterday fresh
    assert evaluate(instance, LANDING, PARTITIONS, ["2026-11-20"], 6, midnight).result().passed
    assert not evaluate(instance, LANDING, PARTITIONS, ["2026-11-19"], 6, midnight).result().passed
    _landed(instance, "2026-11-22")
    assert evaluate(instance, LANDING, PARTITIONS, day, 6, midnight + timedelta(hours=7)).result().passed


def test_an_instance_that_never_landed_is_not_warned_about() -> None:
    found = evaluate(dg.DagsterInstance.ephemeral(), LANDING, PARTITIONS, ["2026-11-22"], 6,
                     datetime(2026, 11, 23, 9, tzinfo=timezone.utc))
    assert found.result().passed and "not in use" in (found.result().description or "")


def test_deadline_hour_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEADLINE_ENV, "9")
    keys = InstanceKeys("hightouch", dg.AssetKey(["hightouch", "raw"]), {}, LANDING, PARTITIONS)
    sensor = freshness_sensor([keys])
    assert sensor.name == "kada_freshness_sensor" and sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert "from 09:00 UTC" in (sensor.description or "")
    for bad in ("24", "6am", "-1"):
        monkeypatch.setenv(DEADLINE_ENV, bad)
        with pytest.raises(SettingsError, match=rf"{DEADLINE_ENV}='{bad}': expected an hour of the UTC day"):
            deadline_hour_from_env()
