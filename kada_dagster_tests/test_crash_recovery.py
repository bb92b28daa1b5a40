"""Crash recovery (issue 11, deliverable 4): `dagster asset materialize` killed with SIGKILL (its whole
process group: the run and its step processes) during the fetch, during the tables and during landing.

The moment is found by watching files appear: the raw writer's temporary folder (the simulator answers
slowly, so the fetch lasts seconds), the partition's tables folder, the first file in the landing directory.
Then the same command runs again: it must succeed, the landing directory must hold exactly one complete set
whose CSVs are those of a clean run, and no temporary file or folder may be left in intermediate storage or
the landing directory (the killed run's are removed by the next run: core.storage.remove_stale_temps).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest

from kada_dagster_tests.fault_helpers import (
    DAY,
    Collector,
    landed_csvs,
    landing_files,
    temp_leftovers,
)
from kada_dagster_tests.landing_helpers import expected_names
from kada_sim.hightouch import HightouchSimulator

LANDING = Path("landing") / "lz" / "hightouch" / "landing"
COLLECTORS_SERVED = ["hightouch"]  # conftest's `served` (and `collector`, `clean`)


def _stderr(proc: subprocess.Popen[bytes]) -> bytes:
    assert proc.stderr is not None  # started with stderr=PIPE
    return proc.stderr.read()


def _command(collector: Collector, tmp: Path) -> tuple[list[str], dict[str, str]]:
    home = tmp / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # sqlite storage in DAGSTER_HOME
    run_config = tmp / "run_config.yaml"  # one process (the steps run in it), so a start costs seconds less
    run_config.write_text("execution:\n  config:\n    in_process: {}\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "HIGHTOUCH_API_BASE_URL": collector.sim.url,
           "HIGHTOUCH_API_TOKEN": cast(HightouchSimulator, collector.sim).config.token,  # the Hightouch collector's
           "KADA_LANDING_URL": str(tmp / "landing"), "KADA_INTERMEDIATE_PATH": str(tmp / "intermediate"),
           "KADA_START_DATE": "2026-11-01"}
    dagster = str(Path(sys.executable).with_name("dagster"))
    return [dagster, "asset", "materialize", "-m", "kada_dagster.definitions", "--select", "group:hightouch",
            "--partition", DAY, "-c", str(run_config)], env


def _raw_temp(tmp: Path) -> bool:
    raw = tmp / "intermediate" / "hightouch" / "raw"
    return raw.exists() and any(p.name.startswith(".tmp-") for p in raw.iterdir())


def _tables_started(tmp: Path) -> bool:
    return (tmp / "intermediate" / "hightouch" / "tables" / DAY).exists()


def _landing_started(tmp: Path) -> bool:
    directory = tmp / LANDING
    return directory.exists() and any(directory.iterdir())


def _kill_when(command: list[str], env: dict[str, str], cwd: Path, moment: Callable[[], bool]) -> float:
    """Starts the command in its own process group and SIGKILLs the group as soon as `moment()` holds;
    returns how long it had run. Fails if the command ended first."""
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        while not moment():
            assert proc.poll() is None, f"the run ended before the moment: {_stderr(proc)[-2000:]!r}"
            assert time.monotonic() - started < 120
            time.sleep(0.001)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    time.sleep(0.2)
    assert _alive_in_group(proc.pid) == []  # nothing of the run survived (zombies aside)
    return time.monotonic() - started


def _alive_in_group(pgid: int) -> list[int]:
    """Pids of processes in the group that are not zombies (a killed step process may wait to be reaped)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


@pytest.mark.parametrize("phase", ["fetch", "tables", "landing"])
def test_a_run_killed_mid_phase_reruns_to_one_complete_set_and_leaves_no_temp(
    phase: str, collector: Collector, clean: dict[str, bytes], tmp_path: Path,
) -> None:
    command, env = _command(collector, tmp_path)
    moment = {"fetch": _raw_temp, "tables": _tables_started, "landing": _landing_started}[phase]
    for _attempt in range(3):  # landing takes milliseconds: if the kill came after the manifest, again
        for path in landing_files(tmp_path):
            path.unlink()
        collector.sim.options.latency_s = 0.4 if phase == "fetch" else 0.0
        _kill_when(command, env, tmp_path, lambda: moment(tmp_path))
        if not any(p.name.startswith("hightouch_manifest_") for p in landing_files(tmp_path)):
            break
    collector.sim.options.latency_s = 0.0
    manifests = [p for p in landing_files(tmp_path) if p.name.startswith("hightouch_manifest_")]
    assert manifests == [], "the kill came after the set was complete: nothing was tested"
    if phase == "fetch":
        assert _raw_temp(tmp_path)  # the killed run's half-written raw folder is there ...
    left_by_kill = temp_leftovers(tmp_path / "intermediate", tmp_path / "landing")

    rerun = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    names = {p.name for p in landing_files(tmp_path)}
    assert names == expected_names(DAY), sorted(names)  # one complete set, nothing else
    assert landed_csvs(tmp_path) == clean  # the same bytes as a run that was never killed
    assert temp_leftovers(tmp_path / "intermediate", tmp_path / "landing") == [], left_by_kill  # ... and gone
