"""A year of history in one run on a stock server: 365 file sets under an open-file limit of 1024."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kada_sim.hightouch import HightouchSimulator

END = datetime(2026, 11, 23, tzinfo=timezone.utc)
OPEN_FILES = 1024  # the RHEL default the seed docs recommend


SIM_OPTIONS = {"seed": 17, "end": END, "days": 370, "n_sources": 3, "n_models": 6, "n_destinations": 3, "n_syncs": 6, "runs_per_sync_per_day": 2}
"""conftest's module-scoped `sim`: the simulated Hightouch workspace of these tests."""


def _stock_limits() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))


@pytest.mark.timeout(960)  # above the CLI run's own 900 s limit, so that limit speaks first
def test_a_365_day_range_lands_365_file_sets_in_one_run_under_ulimit_1024(sim: HightouchSimulator,
                                                                           tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "HIGHTOUCH_API_BASE_URL": sim.url,
           "HIGHTOUCH_API_TOKEN": sim.config.token, "KADA_LANDING_URL": str(tmp_path / "landing"),
           "KADA_INTERMEDIATE_PATH": str(tmp_path / "intermediate"), "KADA_START_DATE": "2025-11-01"}
    dagster = str(Path(sys.executable).with_name("dagster"))
    command = [dagster, "asset", "materialize", "-m", "kada_dagster.definitions", "--select", "group:hightouch",
               "--partition-range", "2025-11-23...2026-11-22"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path,
                          preexec_fn=_stock_limits)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Too many open files" not in done.stdout + done.stderr
    directory = tmp_path / "landing" / "lz" / "hightouch" / "landing"
    manifests = sorted(directory.glob("hightouch_manifest_*.json"))
    assert len(manifests) == 365
    assert manifests[0].name == "hightouch_manifest_20251124000000.json"
    assert manifests[-1].name == "hightouch_manifest_20261123000000.json"
    assert len(list(directory.glob("hightouch_events_*.csv.gz"))) == 365
    # No temporary folder is left behind in intermediate storage.
    assert not [p for p in (tmp_path / "intermediate").rglob(".tmp-*")]
