"""A failed collector run reaches people: a structured log line and a JSON POST to a local receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from kada_dagster_tests.ht_helpers import END, build_defs, materialise
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator


@pytest.fixture
def receiver() -> Iterator[dict[str, Any]]:
    """A webhook receiver on loopback that keeps what it is sent."""
    seen: dict[str, Any] = {"posts": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen["posts"].append({"path": self.path, "json": json.loads(body),
                                  "type": self.headers["Content-Type"]})
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen["url"] = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/hook-secret-part"
    yield seen
    server.shutdown()


def _failed_run(tmp_path: Path) -> tuple[dg.Definitions, dg.DagsterInstance, dg.DagsterRun]:
    sim = HightouchSimulator(HightouchSimConfig(seed=3, end=END, days=2))
    sim.start()
    try:
        defs = build_defs(sim.url, "revoked-token-value", tmp_path)
        instance = dg.DagsterInstance.ephemeral()
        result = materialise(defs, partition="2026-11-22", instance=instance)
    finally:
        sim.stop()
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    return defs, instance, run


def _failure_sensor_and_context(tmp_path: Path) -> tuple[Any, dg.RunFailureSensorContext]:
    """The instance's run-failure sensor and the context the daemon would give it for the failed run."""
    defs, instance, run = _failed_run(tmp_path)
    failure = next(e.dagster_event for e in instance.all_logs(run.run_id)
                   if e.dagster_event and e.dagster_event.event_type == dg.DagsterEventType.RUN_FAILURE)
    sensor = defs.resolve_sensor_def("kada_run_failure_sensor")
    context = dg.build_run_status_sensor_context(sensor_name=sensor.name, dagster_event=failure,
                                                 dagster_instance=instance, dagster_run=run).for_run_failure()
    return sensor, context


def test_a_failed_run_is_posted_with_instance_partition_step_and_error(
        tmp_path: Path, receiver: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KADA_ALERT_WEBHOOK_URL", receiver["url"])
    sensor, context = _failure_sensor_and_context(tmp_path)
    capfd.readouterr()
    said = sensor(context)
    logs = capfd.readouterr().err
    # the tick says what was reported (the UI shows a tick's skip reason), never the implicit job's name
    assert isinstance(said, dg.SkipReason) and said.skip_message is not None
    assert said.skip_message.startswith("reported and posted to KADA_ALERT_WEBHOOK_URL: kada_dagster: hightouch")
    assert "__ASSET_JOB" not in said.skip_message and "2026-11-22" in said.skip_message
    assert context.dagster_run.tags["kada/instance"] == "hightouch"  # tagged by its first step
    assert len(receiver["posts"]) == 1
    post = receiver["posts"][0]["json"]
    assert receiver["posts"][0]["type"] == "application/json"
    assert post["instance"] == "hightouch" and post["partitions"] == "2026-11-22"
    assert post["steps"] == ["hightouch__raw"]
    assert "api_token" in post["error"] and "revoked-token-value" not in json.dumps(post)
    assert not post["error"].startswith("dagster.")  # the message, not a class path
    assert post["text"].startswith("kada_dagster: hightouch failed for 2026-11-22 in hightouch__raw: ")
    logged = [line for line in logs.splitlines() if "kada_dagster run failure {" in line]
    assert len(logged) == 1 and json.loads(logged[0].split("kada_dagster run failure ", 1)[1])["run_id"] == context.dagster_run.run_id
    assert receiver["url"] not in logs and "hook-secret-part" not in logs


def test_without_a_webhook_the_failure_is_still_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("KADA_ALERT_WEBHOOK_URL", raising=False)
    sensor, context = _failure_sensor_and_context(tmp_path)
    capfd.readouterr()
    sensor(context)
    logged = [line for line in capfd.readouterr().err.splitlines() if "kada_dagster run failure {" in line]
    assert len(logged) == 1 and "hightouch__raw" in logged[0]
