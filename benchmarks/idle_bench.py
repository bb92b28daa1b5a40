"""Scenario 8: what a deployment costs while nothing runs, and how long it takes to load, by instance count.

For 0, 1, 50 and 300 collector instances (alternately Hightouch and Hevo) in one code location: the time to
load and validate the definitions (a fresh process: import, build, `validate_loadable`, as a code server does),
the number of sensors the daemon evaluates, and the CPU seconds of `dagster-daemon` and the code server over an
idle window (SQLite instance, nothing materialised, default sensor states), in two topologies:

- `code_server` (docs/DEPLOY.md): one `dagster code-server start` process; the daemon's workspace points at it
  (`grpc_server`). The daemon still refreshes the location's snapshot from it every 60 s.
- `daemon_spawned`: `dagster-daemon run -w` a `python_module` workspace, so the daemon starts the code server
  itself, and (Dagster's controller, RELOAD_WORKSPACE_INTERVAL = 60 s) replaces it with a fresh process that
  loads the whole location again every minute.

CPU is counted for the whole process tree, including children that exited and were reaped inside the window
(`cutime`/`cstime`): the daemon-spawned code servers live about a minute, and a count of live processes alone
misses most of them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

LOCATION = '''
import os
import dagster as dg
from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.landing import UrlLandingResource
from kada_dagster.core.resources import IntermediateStorageResource
from kada_dagster.core.sensors import with_kada_automation
from kada_dagster.hevo.definitions import hevo_definitions
from kada_dagster.hevo.resources import HevoResource
from kada_dagster.hightouch.definitions import hightouch_definitions
from kada_dagster.hightouch.resources import HightouchResource

N = int(os.environ["KADA_BENCH_INSTANCES"])
parts = []
for i in range(N):
    name = f"ht_{i:03d}" if i % 2 == 0 else f"hevo_{i:03d}"
    if i % 2 == 0:
        parts.append(hightouch_definitions(instance=name, resource=HightouchResource(
            instance=name, base_url="http://127.0.0.1:9", api_token=dg.EnvVar("KADA_BENCH_TOKEN"))))
    else:
        parts.append(hevo_definitions(instance=name, resource=HevoResource(
            instance=name, base_url="http://127.0.0.1:9", api_key=dg.EnvVar("KADA_BENCH_TOKEN"),
            api_secret=dg.EnvVar("KADA_BENCH_TOKEN"))))
defs = with_kada_automation(dg.Definitions.merge(*parts, dg.Definitions(resources={
    STORAGE_KEY: IntermediateStorageResource(), LANDING_KEY: UrlLandingResource(url="./landing")})))
'''
VALIDATE = ("import time; t = time.perf_counter(); import dagster as dg; import bench_location as m; "
            "dg.Definitions.validate_loadable(m.defs); "
            "import json; print(json.dumps({'seconds': time.perf_counter() - t, "
            "'sensors': len(m.defs.sensors or []), 'running_sensors': sum(str(s.default_status).endswith('RUNNING') "
            "for s in m.defs.sensors or [])}))")


def _tree_cpu_seconds(root: int) -> float:
    """CPU of `root` and every process below it, from /proc: each live process's own utime + stime, plus the
    cutime + cstime of the children it has reaped (a code server that lived and died inside the window)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        stats[pid] = sum(int(f) for f in fields[11:15]) / ticks
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += stats.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return total


def _env(workdir: Path, n: int) -> dict[str, str]:
    repo = Path(__file__).resolve().parent.parent
    return {**os.environ, "KADA_BENCH_INSTANCES": str(n), "KADA_BENCH_TOKEN": "unused",
            "PYTHONPATH": f"{workdir}{os.pathsep}{repo}", "DAGSTER_HOME": str(workdir / f"home-{n}"),
            "PYTHONWARNINGS": "ignore"}


def load(workdir: Path, n: int, tries: int = 2) -> dict[str, Any]:
    """The fastest of `tries` fresh loads: the first process to import pays for cold disk caches and
    bytecode, which is not what a count of instances costs (`idle_cost` also loads once before measuring)."""
    return min((_load_once(workdir, n) for _ in range(tries)), key=lambda r: float(r["seconds"]))


def _load_once(workdir: Path, n: int) -> dict[str, Any]:
    (workdir / "bench_location.py").write_text(LOCATION)
    done = subprocess.run([sys.executable, "-c", VALIDATE], env=_env(workdir, n), capture_output=True, text=True,
                          timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_code_server(port: int, timeout: float = 600.0) -> None:
    """Until the code server lists its location's repositories (its proxy listens before the code is loaded);
    a location that failed to load is an error here, never an idle deployment to measure."""
    from dagster._grpc.client import DagsterGrpcClient
    from dagster._grpc.types import ListRepositoriesResponse
    from dagster._serdes import deserialize_value

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            answer = DagsterGrpcClient(port=port, host="127.0.0.1").list_repositories()
        except Exception:  # not listening yet, or still loading: asked again
            time.sleep(0.5)
            continue
        if not isinstance(deserialize_value(answer), ListRepositoriesResponse):
            raise RuntimeError(f"the code server on 127.0.0.1:{port} could not load its location: {answer[:2000]}")
        return
    raise RuntimeError(f"the code server on 127.0.0.1:{port} did not load its location within {timeout:g} s")


def _spawn(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def idle_cpu(workdir: Path, n: int, idle_s: float, warmup_s: float, topology: str) -> dict[str, Any]:
    """CPU seconds of dagster-daemon and the code server (with everything they start) over `idle_s`, after
    `warmup_s`, in the given topology (module docstring)."""
    env = _env(workdir, n)
    home = Path(env["DAGSTER_HOME"])
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    bindir = Path(sys.executable).parent
    workspace = workdir / f"workspace-{n}-{topology}.yaml"
    processes = []
    try:
        if topology == "code_server":
            port = _free_port()
            processes.append(_spawn([str(bindir / "dagster"), "code-server", "start", "-m", "bench_location",
                                     "-h", "127.0.0.1", "-p", str(port), "--location-name", "bench"], env, workdir))
            _wait_for_code_server(port)
            workspace.write_text(f"load_from:\n  - grpc_server:\n      host: 127.0.0.1\n      port: {port}\n"
                                 "      location_name: bench\n")
        else:
            workspace.write_text(f"load_from:\n  - python_module:\n      module_name: bench_location\n"
                                 f"      working_directory: {workdir}\n")
        processes.append(_spawn([str(bindir / "dagster-daemon"), "run", "-w", str(workspace)], env, workdir))
        time.sleep(warmup_s)
        before, t0 = sum(_tree_cpu_seconds(p.pid) for p in processes), time.monotonic()
        time.sleep(idle_s)
        used, wall = sum(_tree_cpu_seconds(p.pid) for p in processes) - before, time.monotonic() - t0
    finally:
        for proc in reversed(processes):
            _stop(proc)
    return {"cpu_s": used, "window_s": wall, "cores": used / wall, "topology": topology}


def idle_cost(p: dict[str, Any]) -> dict[str, Any]:
    """Worker task: load figures for every count, idle CPU for the counts that have a window."""
    workdir = Path(p["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    _load_once(workdir, 0)  # warm the disk cache and the bytecode before anything is measured
    for n in p["counts"]:
        out[str(n)] = {"load": load(workdir, n)}
        for topology, counts in p["idle_counts"].items():  # "idle" is the documented topology's
            if n in counts:
                key = "idle" if topology == "code_server" else f"idle_{topology}"
                out[str(n)][key] = idle_cpu(workdir, n, p["idle_s"], p["warmup_s"], topology)
    return out


def run(r: Any) -> dict[str, Any]:
    smoke = r.cfg.mode == "smoke"
    params = {"workdir": str(r.workdir / "s8"), "counts": [0, 1, 4] if smoke else [0, 1, 50, 300],
              "idle_counts": {"code_server": [1, 4], "daemon_spawned": [1]} if smoke else
              {"code_server": [1, 50, 300], "daemon_spawned": [1, 50, 300]}, "idle_s": 5.0 if smoke else 180.0,
              "warmup_s": 6.0 if smoke else 60.0}
    r.log(f"  load {params['counts']} instances; idle CPU over {params['idle_s']:g} s for {params['idle_counts']}")
    return r.worker("idle_cost", params, timeout=7200)


def _idle_cell(idle: dict[str, Any] | None) -> str:
    return f"{idle['cpu_s']:.1f} s in {idle['window_s']:.0f} s ({idle['cores']:.3f} of a core)" if idle else "–"


def explain(s: dict[str, Any]) -> list[str]:
    if not s or "error" in s:
        return ["## 8. Idle cost and load time by instances", "", f"Not measured: {s.get('error') if s else ''}", ""]
    lines = ["## 8. Idle cost and load time by instances (issue 17)", "",
             "One code location with N instances (alternately Hightouch and Hevo), SQLite instance, nothing run. "
             "Load: a fresh process imports, builds and validates the definitions (the faster of two, after one "
             "unmeasured load that warms the disk cache and bytecode). Idle: CPU seconds of `dagster-daemon` and "
             "the code server, with every process they start (also those that exited inside the window), over the "
             "window after a warm-up, default sensor states. **Code server** is the documented topology "
             "(docs/DEPLOY.md): one `dagster code-server start`, the daemon's workspace a `grpc_server`. "
             "**Daemon-spawned** is `dagster-daemon run -w` a `python_module` workspace: Dagster's daemon then "
             "replaces its code server with a fresh process, which loads the whole location again, every 60 s.", "",
             "| instances | load | sensors (running) | idle CPU, code server | idle CPU, daemon-spawned |",
             "|---|---|---|---|---|"]
    for n, v in sorted(((int(k), v) for k, v in s.items() if k.isdigit())):
        lines.append(f"| {n} | {v['load']['seconds']:.1f} s | {v['load']['sensors']} ({v['load']['running_sensors']}) "
                     f"| {_idle_cell(v.get('idle'))} | {_idle_cell(v.get('idle_daemon_spawned'))} |")
    return [*lines, ""]
