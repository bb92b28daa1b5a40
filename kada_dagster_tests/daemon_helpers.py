"""A small production-shaped deployment for tests: `dagster code-server start`, `dagster-daemon` and
`dagster-webserver` as real subprocesses on loopback, the shipped deploy/dagster.postgres.yaml as the instance
config (PostgreSQL run, event-log and schedule storage, queued run coordinator, API pools), the shipped
deploy/workspace.yaml (the daemon and the webserver read the code location from the one code server), the code
location kada_dagster_tests.daemon_location, and one rate-limited Hightouch simulator per collector instance.

Tests drive it the way an operator does: through the webserver's GraphQL API over HTTP (start a schedule,
launch a backfill, raise a pool), and read the outcome from the same PostgreSQL instance, the simulators'
request counters and the landing directory.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_INSTANCE_YAML = REPO_ROOT / "deploy" / "dagster.postgres.yaml"
SHIPPED_WORKSPACE_YAML = REPO_ROOT / "deploy" / "workspace.yaml"
LOCATION = "kada_deploy"
REPOSITORY = "__repository__"
TABLES = ("metadata", "linkages", "events", "databaselog")

# Small enough that two unpaced runs of one key at once exceed it, large enough that one run paced by
# the collector's own limiter (set equal, see daemon_location) never does.
RATE_LIMIT = (10, 2.0)
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


def day(offset: int) -> str:
    """A UTC day relative to today: -1 is the last complete partition (what a schedule tick targets)."""
    return (datetime.now(timezone.utc) + timedelta(days=offset)).strftime("%Y-%m-%d")


class GraphQLError(AssertionError):
    pass


@dataclass
class Deployment:
    """Handles to the running deployment; `instance` is a DagsterInstance on the same PostgreSQL."""

    url: str
    home: Path
    landing: Path
    pg_url: str
    instance: Any
    simulators: dict[str, Any]
    logs: dict[str, Path] = field(default_factory=dict)

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        if answer.get("errors"):
            raise GraphQLError(f"GraphQL errors: {answer['errors']}")
        return answer["data"]

    def log_tails(self, chars: int = 3000) -> str:
        return "\n".join(f"--- {name} ---\n{path.read_text(errors='replace')[-chars:]}"
                         for name, path in self.logs.items() if path.exists())

    # --- operator actions, over HTTP -------------------------------------------------------------
    def start_schedule(self, name: str) -> str:
        data = self.graphql(START_SCHEDULE, {"selector": {"repositoryLocationName": LOCATION,
                                                          "repositoryName": REPOSITORY, "scheduleName": name}})
        result = data["startSchedule"]
        if result["__typename"] != "ScheduleStateResult":
            raise GraphQLError(f"startSchedule {name}: {result}")
        return str(result["scheduleState"]["id"])

    def stop_schedule(self, state_id: str) -> None:
        result = self.graphql(STOP_SCHEDULE, {"id": state_id})["stopRunningSchedule"]
        if result["__typename"] != "ScheduleStateResult":
            raise GraphQLError(f"stopRunningSchedule: {result}")

    def launch_backfill(self, instance: str, partitions: list[str]) -> str:
        keys = [{"path": [instance, "raw"]}, *({"path": [instance, t]} for t in TABLES),
                {"path": [instance, "landing"]}]
        params = {"assetSelection": keys, "partitionNames": partitions, "title": f"{instance} test backfill"}
        result = self.graphql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            raise GraphQLError(f"launchPartitionBackfill {instance}: {result}")
        return str(result["backfillId"])

    def set_pool_limit(self, pool: str, limit: int) -> None:
        if not self.graphql(SET_POOL_LIMIT, {"key": pool, "limit": limit})["setConcurrencyLimit"]:
            raise GraphQLError(f"setConcurrencyLimit {pool} refused")

    def backfill_status(self, backfill_id: str) -> str:
        result = self.graphql(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        if result["__typename"] != "PartitionBackfill":
            raise GraphQLError(f"backfill {backfill_id}: {result}")
        return str(result["status"])

    def runs(self, tag_key: str, tag_value: str) -> list[dict[str, Any]]:
        data = self.graphql(RUNS_BY_TAG, {"filter": {"tags": [{"key": tag_key, "value": tag_value}]}})
        return list(data["runsOrError"]["results"])

    def wait_for(self, what: str, ready: Callable[[], Any], timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = ready()
            if value:
                return value
            time.sleep(1.0)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{self.log_tails()}")

    def step_windows(self, run_id: str, step_suffix: str) -> list[tuple[float, float]]:
        """(start, end) wall times of the run's step whose key ends with `step_suffix`, from the event log."""
        from dagster import DagsterEventType

        starts: dict[str, float] = {}
        windows = []
        for record in self.instance.all_logs(run_id):
            event = record.dagster_event
            if event is None or not (event.step_key or "").endswith(step_suffix):
                continue
            if event.event_type == DagsterEventType.STEP_START:
                starts[event.step_key] = record.timestamp
            elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                windows.append((starts.get(event.step_key, record.timestamp), record.timestamp))
        return windows


@contextmanager
def pool_gate(instance: Any, pools: list[str]) -> Iterator[dict[str, int]]:
    """Holds every slot of `pools` until the block ends, so runs queued meanwhile are all waiting for the
    pool when it opens: 'at once' is then certain, not a matter of when the scheduler and the backfill
    daemon happen to tick. Yields each pool's limit as the instance reports it."""
    storage = instance.event_log_storage
    holder = f"test-gate-{uuid.uuid4().hex[:8]}"
    limits: dict[str, int] = {}
    try:
        configured = {limit.name for limit in storage.get_pool_limits()}
        for pool in pools:
            if pool not in configured:  # a pool nobody has used yet gets the instance's default_limit
                storage.initialize_concurrency_limit_to_default(pool)
            limits[pool] = storage.get_concurrency_info(pool).slot_count
            for slot in range(limits[pool]):
                status = storage.claim_concurrency_slot(pool, holder, f"gate_{slot}")
                assert status.is_claimed, f"gate could not hold slot {slot} of {pool}: {status}"
        yield limits
    finally:
        storage.free_concurrency_slots_for_run(holder)


def _create_database(pg_url: str, name: str) -> str:
    import psycopg2

    base, _, _db = pg_url.rpartition("/")
    connection = psycopg2.connect(f"{base}/postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
    finally:
        connection.close()
    return f"{base}/{name}"


def _report_exit(proc: subprocess.Popen[bytes], what: str) -> None:
    """At teardown: say so if a server had exited on its own."""
    if proc.poll() is not None:
        print(f"{what} exited {proc.returncode}")


def _start(stack: ExitStack, command: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """A server in its own session, so stopping it also stops the code servers and run workers it spawned."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    stack.callback(_stop_group, proc)
    return proc


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    with suppress(ProcessLookupError):  # anything left in the group (a run worker mid-step) goes too
        os.killpg(proc.pid, signal.SIGKILL)


def _shipped_workspace(path: Path, port: int) -> str:
    """deploy/workspace.yaml as shipped, its one `grpc_server` entry pointed at this test's port and location."""
    import yaml

    shipped = yaml.safe_load(SHIPPED_WORKSPACE_YAML.read_text())
    [entry] = shipped["load_from"]
    entry["grpc_server"].update(port=port, location_name=LOCATION)
    path.write_text(yaml.safe_dump(shipped))
    return str(path)


def _code_server_ready(port: int) -> bool:
    """The code server answers with its location's repositories (its proxy answers before the code is loaded);
    a location that failed to load fails the test here, with the code server's error."""
    from dagster._grpc.client import DagsterGrpcClient
    from dagster._grpc.types import ListRepositoriesResponse
    from dagster._serdes import deserialize_value

    try:
        answer = DagsterGrpcClient(port=port, host="127.0.0.1").list_repositories()
    except Exception:  # not listening yet, or still loading the code: asked again
        return False
    if not isinstance(deserialize_value(answer), ListRepositoriesResponse):
        raise AssertionError(f"the code server could not load the location: {answer[:3000]}")
    return True


def _location_loaded(deployment: Deployment) -> bool:
    try:
        entries = deployment.graphql(WORKSPACE)["workspaceOrError"]["locationEntries"]
    except OSError:
        return False
    for entry in entries:
        if entry["name"] == LOCATION and entry["loadStatus"] == "LOADED":
            kind = entry["locationOrLoadError"]["__typename"]
            if kind != "RepositoryLocation":
                raise AssertionError(f"code location failed to load: {entry}\n{deployment.log_tails()}")
            return True
    return False


def _daemons_alive(deployment: Deployment) -> bool:
    beats = deployment.instance.get_daemon_heartbeats()
    return {"SCHEDULER", "BACKFILL", "QUEUED_RUN_COORDINATOR"} <= set(beats)


@contextmanager
def run_deployment(pg_server_url: str, base: Path, instances: list[str], free_port: Callable[[], int],
                   timeout: float = 180.0) -> Iterator[Deployment]:
    """Starts simulators, dagster-daemon and dagster-webserver; stops them all at the end."""
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator

    home, landing = base / "dagster_home", base / "landing"
    home.mkdir()
    shutil.copy(SHIPPED_INSTANCE_YAML, home / "dagster.yaml")
    pg_url = _create_database(pg_server_url, f"kada_deploy_{uuid.uuid4().hex[:8]}")
    with ExitStack() as stack:
        simulators, location, tokens = {}, {}, {}
        for n, name in enumerate(instances):
            sim = HightouchSimulator(HightouchSimConfig(seed=100 + n, days=9, n_syncs=60, rate_limit=RATE_LIMIT,
                                                        token=f"deploy-token-{name}"))
            url = stack.enter_context(sim.serve())
            simulators[name] = sim
            tokens[f"KADA_TEST_TOKEN_{name.upper()}"] = sim.config.token
            location[name] = {"base_url": url, "token_env": f"KADA_TEST_TOKEN_{name.upper()}",
                              "rate_limit": list(RATE_LIMIT)}
        env = {**os.environ, **tokens, "DAGSTER_HOME": str(home), "KADA_DAGSTER_PG_URL": pg_url,
               "KADA_TEST_LOCATION": json.dumps(location), "KADA_LANDING_URL": str(landing),
               "KADA_INTERMEDIATE_PATH": str(base / "intermediate"), "KADA_AUTO_PUSH": "true",
               "PYTHONPATH": str(REPO_ROOT), "PYTHONWARNINGS": "ignore"}
        previous = os.environ.get("KADA_DAGSTER_PG_URL")
        os.environ["KADA_DAGSTER_PG_URL"] = pg_url  # the shipped yaml reads it; the test's instance too
        stack.callback(lambda: os.environ.pop("KADA_DAGSTER_PG_URL", None) if previous is None
                       else os.environ.__setitem__("KADA_DAGSTER_PG_URL", previous))
        instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
        stack.callback(instance.dispose)
        bindir = Path(sys.executable).parent
        port, code_port = free_port(), free_port()
        workspace = _shipped_workspace(home / "workspace.yaml", code_port)
        logs = {"code-server": base / "code_server.log", "daemon": base / "daemon.log",
                "webserver": base / "webserver.log"}
        deployment = Deployment(f"http://127.0.0.1:{port}", home, landing, pg_url, instance, simulators, logs)
        # The topology docs/DEPLOY.md ships: one code server (runs are launched from it, so it holds the
        # landing and credential environment); the daemon and the webserver read the location from it.
        code_server = _start(stack, [str(bindir / "dagster"), "code-server", "start", "-m",
                                     "kada_dagster_tests.daemon_location", "-h", "127.0.0.1", "-p", str(code_port),
                                     "--location-name", LOCATION], env, REPO_ROOT, logs["code-server"])
        deployment.wait_for("the code server to load the location", lambda: _code_server_ready(code_port), timeout)
        daemon = _start(stack, [str(bindir / "dagster-daemon"), "run", "-w", workspace], env, home, logs["daemon"])
        webserver = _start(stack, [str(bindir / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port),
                                   "-w", workspace], env, home, logs["webserver"])
        for proc, what in ((code_server, "dagster code-server"), (daemon, "dagster-daemon"),
                           (webserver, "dagster-webserver")):
            stack.callback(_report_exit, proc, what)
        deployment.wait_for("the webserver to load the code location", lambda: _location_loaded(deployment),
                            timeout)
        deployment.wait_for("dagster-daemon heartbeats", lambda: _daemons_alive(deployment), timeout)
        yield deployment


WORKSPACE = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
START_SCHEDULE = """mutation($selector: ScheduleSelector!) { startSchedule(scheduleSelector: $selector) {
  __typename ... on ScheduleStateResult { scheduleState { id } } ... on PythonError { message } } }"""
STOP_SCHEDULE = """mutation($id: String!) { stopRunningSchedule(id: $id) { __typename
  ... on PythonError { message } } }"""
LAUNCH_BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message }
  ... on InvalidStepError { invalidStepKey } ... on PartitionSetNotFoundError { message } } }"""
SET_POOL_LIMIT = """mutation($key: String!, $limit: Int!) { setConcurrencyLimit(concurrencyKey: $key, limit: $limit) }"""
BACKFILL_STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status } ... on PythonError { message } } }"""
RUNS_BY_TAG = """query($filter: RunsFilter!) { runsOrError(filter: $filter) { ... on Runs { results {
  runId status jobName tags { key value } } } } }"""
