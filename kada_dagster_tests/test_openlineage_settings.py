"""OpenLineage settings: off unless configured, and a transport that fails names its setting.

A receiver answering 500, an unreachable URL and a file transport that cannot write each fail the
`<instance>/openlineage` asset with a message naming OPENLINEAGE_URL, the OPENLINEAGE__TRANSPORT__* variables
or the openlineage.yml; the tables and the landing of the same run succeed. A file transport configured by
openlineage.yml (what `make demo` documents) writes events that validate.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pytest

from kada_dagster.core.collector import PartitionWindow
from kada_dagster.core.openlineage.config import configured_setting
from kada_dagster.core.openlineage.emitter import send_partitions
from kada_dagster.core.sensors import instances_in
from kada_dagster.core.storage import IntermediateStorageError, IntermediateStore
from kada_dagster.hevo.definitions import hevo_definitions
from kada_dagster.hightouch.definitions import hightouch_definitions
from kada_dagster.hightouch.openlineage import HightouchOpenLineage
from kada_dagster_tests import ht_helpers
from kada_dagster_tests.openlineage_helpers import (
    DAY,
    MarquezReceiver,
    clear_openlineage_env,
    kind,
    validate_event,
)
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator

OL_KEY = dg.AssetKey(["hightouch", "openlineage"])


def _keys(defs: dg.Definitions) -> set[dg.AssetKey]:
    return {key for assets in defs.assets or [] if isinstance(assets, dg.AssetsDefinition) for key in assets.keys}


def test_off_unless_configured_and_then_after_the_tables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_openlineage_env(monkeypatch)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.openlineage/openlineage.yml either
    assert configured_setting() is None
    assert OL_KEY not in _keys(hightouch_definitions()) and len(_keys(hightouch_definitions())) == 6
    monkeypatch.setenv("OPENLINEAGE_URL", "http://marquez.example:5000")
    defs = ht_helpers.build_defs("http://127.0.0.1:9", "token", tmp_path)
    assert OL_KEY in _keys(defs) and dg.AssetKey(["hevo", "openlineage"]) in _keys(hevo_definitions())
    node = defs.resolve_asset_graph().get(OL_KEY)
    assert {k.path[1] for k in node.parent_keys} == {"metadata", "linkages", "events", "databaselog"}
    assert node.partitions_def is not None and node.backfill_policy == dg.BackfillPolicy.single_run()
    (keys,) = [i for i in instances_in(defs) if i.instance == "hightouch"]
    assert OL_KEY in keys.extract  # the daily schedule runs it with the instance's day
    monkeypatch.setenv("OPENLINEAGE_DISABLED", "true")
    assert OL_KEY not in _keys(hightouch_definitions())
    monkeypatch.delenv("OPENLINEAGE_DISABLED")
    monkeypatch.delenv("OPENLINEAGE_URL")
    (tmp_path / ".openlineage").mkdir()
    (tmp_path / ".openlineage" / "openlineage.yml").write_text("transport:\n  type: console\n")
    setting = configured_setting()
    assert setting is not None and str(tmp_path / ".openlineage" / "openlineage.yml") in setting.describe()


def _materialise(tmp: Path) -> tuple[dg.ExecuteInProcessResult, str]:
    """The whole Hightouch job for the day; the openlineage step's failure message ('' when it succeeded)."""
    ht = HightouchSimulator(HightouchSimConfig(seed=42, end=ht_helpers.END, days=3, story=True))
    with ht.serve() as url:
        result = ht_helpers.materialise(ht_helpers.build_defs(url, ht.config.token, tmp), partition=DAY)
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failures] == (["hightouch__openlineage"] if failures else [])
    failure = failures[0].step_failure_data.user_failure_data if failures else None
    message = failure.description if failure is not None else ""
    return result, str(message or "")


def _tables_and_landing_succeeded(result: dg.ExecuteInProcessResult, tmp: Path) -> None:
    materialised = {e.asset_key.path[1] for e in result.get_asset_materialization_events() if e.asset_key}
    assert {"raw", "metadata", "linkages", "events", "databaselog", "landing"} <= materialised
    assert "openlineage" not in materialised
    assert (tmp / "landing" / "lz" / "hightouch" / "landing" / "hightouch_manifest_20261123000000.json").exists()


def test_a_receiver_answering_500_fails_only_the_openlineage_asset_naming_openlineage_url(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_openlineage_env(monkeypatch)
    receiver = MarquezReceiver(status=500)
    with receiver.serve() as url:
        monkeypatch.setenv("OPENLINEAGE_URL", url)
        result, message = _materialise(tmp_path)
    assert not result.success and receiver.attempts >= 1 and receiver.events == []
    assert "OPENLINEAGE_URL" in message and url in message and "500" in message, message
    assert "after 0 of" in message and "landing are not affected" in message
    _tables_and_landing_succeeded(result, tmp_path)


def test_an_unreachable_receiver_fails_naming_the_transport_variables(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    clear_openlineage_env(monkeypatch)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "http")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__RETRY", json.dumps({"total": 1, "backoff_factor": 0.01}))
    result, message = _materialise(tmp_path)
    assert not result.success
    assert "OPENLINEAGE__TRANSPORT__TYPE, OPENLINEAGE__TRANSPORT__URL" in message and f"127.0.0.1:{port}" in message
    assert "ConnectionError" in message, message
    _tables_and_landing_succeeded(result, tmp_path)


def test_openlineage_yml_file_transport_writes_events_that_validate(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    clear_openlineage_env(monkeypatch)
    events_file = tmp_path / "openlineage" / "events.jsonl"
    events_file.parent.mkdir()
    config = tmp_path / "openlineage.yml"
    config.write_text(f"transport:\n  type: file\n  log_file_path: {events_file}\n  append: true\n")
    monkeypatch.chdir(tmp_path)  # where the client looks for openlineage.yml
    result, message = _materialise(tmp_path / "run")
    assert result.success and message == ""
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    assert len(events) == 158 and {kind(e) for e in events} == {"JOB", "START", "COMPLETE", "FAIL", "ABORT"}
    assert [error for e in events for error in validate_event(e)] == []
    metadata = [e for e in result.get_asset_materialization_events() if e.asset_key == OL_KEY][0]
    md = metadata.materialization.metadata
    assert md["events_by_kind"].value == {"ABORT": 2, "COMPLETE": 56, "FAIL": 2, "JOB": 34, "START": 64}
    assert str(config) in str(md["setting"].value) and str(events_file) in str(md["transport"].value)


def test_a_file_transport_that_cannot_write_fails_naming_the_yml(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    clear_openlineage_env(monkeypatch)
    config = tmp_path / "lineage-config.yml"
    config.write_text(f"transport:\n  type: file\n  log_file_path: {tmp_path / 'missing' / 'events.jsonl'}\n"
                      "  append: true\n")
    monkeypatch.setenv("OPENLINEAGE_CONFIG", str(config))
    result, message = _materialise(tmp_path / "run")
    assert not result.success and str(config) in message and "openlineage.yml" in message, message
    _tables_and_landing_succeeded(result, tmp_path / "run")


def test_make_demo_with_a_file_transport_writes_events_that_validate(tmp_path: Path) -> None:
    """`make demo` as the README documents it with OpenLineage (the demo module, its own simulators)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENLINEAGE")}
    env.update(OPENLINEAGE__TRANSPORT__TYPE="file", OPENLINEAGE__TRANSPORT__LOG_FILE_PATH="./openlineage/events.jsonl",
               OPENLINEAGE__TRANSPORT__APPEND="true", DAGSTER_HOME=str(tmp_path / "home"),
               KADA_LANDING_URL=str(tmp_path / "landing"), KADA_INTERMEDIATE_PATH=str(tmp_path / "intermediate"),
               PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    done = subprocess.run([sys.executable, "-m", "kada_sim.demo"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    sent = [line for line in done.stdout.splitlines() if "OpenLineage: sent" in line]
    assert len(sent) == 2 and "hightouch" in sent[0] and "hevo" in sent[1], done.stdout
    events = [json.loads(line) for line in (tmp_path / "openlineage" / "events.jsonl").read_text().splitlines()]
    assert sum(int(line.split("sent ")[1].split(" ")[0]) for line in sent) == len(events)
    assert {e["job"]["namespace"].split("://")[0] for e in events} == {"hightouch", "hevo"}
    assert [error for e in events for error in validate_event(e)] == []


def test_a_day_never_extracted_fails_before_anything_is_sent(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    clear_openlineage_env(monkeypatch)
    receiver = MarquezReceiver()
    start = datetime(2026, 11, 22, tzinfo=timezone.utc)
    with receiver.serve() as url:
        monkeypatch.setenv("OPENLINEAGE_URL", url)
        with pytest.raises(IntermediateStorageError, match="materialise hightouch/metadata for that partition"):
            send_partitions(HightouchOpenLineage(), IntermediateStore(tmp_path), "hightouch",
                            [PartitionWindow(DAY, start, start + timedelta(days=1))], "app.hightouch.com",
                            logging.getLogger(__name__))
    assert receiver.attempts == 0
