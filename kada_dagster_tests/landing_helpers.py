"""Shared by the landing tests: a Hightouch code location built in the test, runs, and the checks every
landed file set must pass (names, sha256 against the manifest, no credential in what Dagster recorded)."""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import dagster as dg

from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.extract.schema import KINDS
from kada_dagster.core.landing import UrlLandingResource
from kada_dagster.core.resources import IntermediateStorageResource
from kada_dagster.core.sensors import with_kada_automation
from kada_dagster.hightouch.definitions import hightouch_definitions
from kada_dagster.hightouch.resources import HightouchResource

LANDING_ASSET = dg.AssetKey(["hightouch", "landing"])


def yesterday() -> str:
    """The last complete UTC day: always a partition, and inside the simulator's 7 days of runs."""
    return (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")


def stamp_of(day: str) -> str:
    """The file stamp of a partition: the window's end (contract section 3)."""
    return (datetime.strptime(day, "%Y-%m-%d") + timedelta(days=1)).strftime("%Y%m%d000000")


def expected_names(day: str, instance: str = "hightouch", compress: bool = True) -> set[str]:
    stamp = stamp_of(day)
    ext = ".csv.gz" if compress else ".csv"
    return {f"{instance}_{kind}_{stamp}{ext}" for kind in KINDS} | {f"{instance}_manifest_{stamp}.json"}


def hightouch_defs(sim_url: str, token: str, intermediate: Path, *, auto_push: bool = True,
                   landing_url: str | None = None) -> dg.Definitions:
    """The code location as kada_dagster.definitions builds it, with the simulator and a temp store."""
    resource = HightouchResource(base_url=sim_url, api_token=token, backoff_base_seconds=0.01)
    return with_kada_automation(dg.Definitions.merge(
        hightouch_definitions(resource=resource, auto_push=auto_push),
        dg.Definitions(resources={
            STORAGE_KEY: IntermediateStorageResource(base_path=str(intermediate)),
            LANDING_KEY: UrlLandingResource(url=landing_url),
        }),
    ))


def daily_request(defs: dg.Definitions, day: str, instance_name: str = "hightouch") -> dg.RunRequest:
    """What `kada_daily_schedule` requests for `instance_name` on the tick after `day`."""
    schedule = defs.resolve_schedule_def("kada_daily_schedule")
    tick = datetime.fromisoformat(day).replace(tzinfo=timezone.utc) + timedelta(days=1, hours=1, minutes=15)
    data = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick,
                                                            repository_def=defs.get_repository_def()))
    return next(r for r in data.run_requests or [] if r.tags.get("kada/instance") == instance_name)


def run_daily(defs: dg.Definitions, day: str, instance: dg.DagsterInstance | None = None,
              instance_name: str = "hightouch") -> Any:
    """What the schedule runs for one instance: its run request for `day`, executed in process."""
    request = daily_request(defs, day, instance_name)
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        partition_key=request.partition_key, tags=request.tags, asset_selection=request.asset_selection,
        instance=instance or dg.DagsterInstance.ephemeral(), raise_on_error=False)


def run_landing(defs: dg.Definitions, day: str, instance: dg.DagsterInstance | None = None) -> Any:
    """What a person does from the UI: materialise hightouch/landing alone for one partition."""
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        partition_key=day, instance=instance or dg.DagsterInstance.ephemeral(), raise_on_error=False,
        asset_selection=[LANDING_ASSET])


def failure_text(result: Any) -> str:
    """The step failures' messages as the UI shows them."""
    texts = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            texts.append(error.message if error else event.message or "")
    return "\n".join(texts)


def recorded_text(result: Any) -> str:
    """Everything Dagster recorded for the run, serialized: messages, metadata, error infos."""
    return "\n".join(dg.serialize_value(event) for event in result.all_events)


def assert_no_secret(texts: Iterable[str], secrets: Iterable[str]) -> None:
    blob = "\n".join(texts)
    for secret in secrets:
        assert secret and secret not in blob, "a credential reached run events, metadata or logs"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_file_set(names: Iterable[str], read: Callable[[str], bytes], day: str,
                   instance: str = "hightouch") -> dict[str, Any]:
    """The landed names are exactly the contract's set; every file's bytes match its manifest entry."""
    names = set(names)
    assert names == expected_names(day, instance), sorted(names)
    manifest_name = f"{instance}_manifest_{stamp_of(day)}.json"
    manifest = json.loads(read(manifest_name))
    assert manifest["instance"] == instance and manifest["compress"] is True
    assert {f["name"] for f in manifest["files"]} == names - {manifest_name}
    for entry in manifest["files"]:
        data = read(entry["name"])
        assert sha256(data) == entry["sha256"], entry["name"]
        assert len(data) == entry["bytes"], entry["name"]
    return manifest


# --------------------------------------------------------------------------------------------
# A fault-injecting HTTP proxy in front of a real store (moto, Azurite)
# --------------------------------------------------------------------------------------------


@dataclass
class Reply:
    """Answer the request here, without forwarding it."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


CORRUPT = "corrupt"  # forward the request with one body byte flipped


@dataclass
class Seen:
    method: str
    path: str
    status: int
    headers: dict[str, str]


ProxyRule = Callable[[str, str, int], Reply | str | None]
"""``rule(method, path, n)`` of a FaultProxy: None forwards the request unchanged."""


class FaultProxy:
    """Forwards every request to the real server unchanged, except those `rule(method, path, n)` picks
    (n = how many times this method+path was seen before): it answers them with a `Reply`, or
    forwards them with a corrupted body (`CORRUPT`). Records what went through."""

    def __init__(self, upstream_port: int,
                 rule: ProxyRule = lambda m, p, n: None) -> None:
        self.upstream_port = upstream_port
        self.rule = rule
        self.seen: list[Seen] = []
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                return None

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path_only = self.path.split("?", 1)[0]
                with proxy._lock:
                    n = proxy._counts.get((self.command, path_only), 0)
                    proxy._counts[(self.command, path_only)] = n + 1
                action = proxy.rule(self.command, path_only, n)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"expect", "connection"}}
                if isinstance(action, Reply):
                    status, out_headers, out_body = action.status, dict(action.headers), action.body
                else:
                    if action == CORRUPT and body:
                        body = bytes([body[0] ^ 0xFF]) + body[1:]
                    conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
                    try:
                        conn.request(self.command, self.path, body=body if length else None, headers=headers)
                        resp = conn.getresponse()
                        status, out_body = resp.status, resp.read()
                        out_headers = {k: v for k, v in resp.getheaders()
                                       if k.lower() not in {"transfer-encoding", "connection", "content-length"}}
                    finally:
                        conn.close()
                with proxy._lock:
                    proxy.seen.append(Seen(self.command, path_only, status, headers))
                self.send_response(status)
                for k, v in out_headers.items():
                    self.send_header(k, v)
                if self.command == "HEAD" and not isinstance(action, Reply):
                    self.send_header("Content-Length", resp.headers.get("Content-Length", "0"))
                else:
                    self.send_header("Content-Length", str(len(out_body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out_body)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def puts(self, suffix: str = "") -> list[Seen]:
        return [s for s in self.seen if s.method == "PUT" and s.path.endswith(suffix)]
