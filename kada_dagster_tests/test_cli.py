"""`kada-dagster migrate-hwm`: a KADA high water mark becomes the backfill that covers the gap."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

BIN = Path(sys.executable).parent / "kada-dagster"
REPO = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=REPO)


def test_the_console_script_prints_the_range_from_the_marks_day_to_the_last_complete_day(tmp_path: Path) -> None:
    hwm = tmp_path / "hightouch_hwm.txt"
    hwm.write_text("2026-10-14 06:30:00\n")  # as publish_hwm writes it
    done = run("migrate-hwm", "--name", "hightouch", "--hwm-file", str(hwm), "--today", "2026-12-01")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("dagster asset materialize -m kada_dagster.definitions --select "
                                   "'group:hightouch' --partition-range 2026-10-14...2026-11-30")


@pytest.mark.parametrize("content", ["2026-10-14", "2026-10-14T06:30:00Z", "", "2026-13-40 00:00:00",
                                     "2026-10-14 06:30:00\n2026-10-15 06:30:00"])
def test_a_malformed_mark_is_refused_naming_the_file_and_the_format(tmp_path: Path, content: str) -> None:
    hwm = tmp_path / "hevo_hwm.txt"
    hwm.write_text(content)
    done = run("migrate-hwm", "--name", "hevo", "--hwm-file", str(hwm), "--today", "2026-12-01")
    assert done.returncode == 2 and done.stdout == ""
    assert str(hwm) in done.stderr and ("YYYY-MM-DD HH:MM:SS" in done.stderr or "not a real date" in done.stderr)
    assert "Traceback" not in done.stderr


def test_a_mark_from_today_needs_no_backfill(tmp_path: Path) -> None:
    hwm = tmp_path / "hightouch_hwm.txt"
    hwm.write_text("2026-12-01 00:10:00")
    done = run("migrate-hwm", "--name", "hightouch", "--hwm-file", str(hwm), "--today", "2026-12-01")
    assert done.returncode == 0 and "nothing to backfill" in done.stdout


def test_launch_submits_one_backfill_of_the_instances_assets(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    hwm = tmp_path / "hightouch_hwm.txt"
    hwm.write_text("2026-11-27 23:59:59")
    done = run("migrate-hwm", "--name", "hightouch", "--hwm-file", str(hwm), "--today", "2026-12-01", "--launch",
               env={"DAGSTER_HOME": str(home), "HIGHTOUCH_API_TOKEN": "unused-here"})
    assert done.returncode == 0, done.stderr
    assert "submitted backfill" in done.stderr
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        backfills = instance.get_backfills()
    assert len(backfills) == 1
    data = backfills[0].asset_backfill_data
    assert data is not None
    keys = {k.to_user_string() for k in data.target_subset.asset_keys}
    assert keys == {"hightouch/raw", "hightouch/metadata", "hightouch/linkages", "hightouch/events",
                    "hightouch/databaselog", "hightouch/landing"}
    partitions = data.target_subset.get_partitions_subset(dg.AssetKey(["hightouch", "raw"])).get_partition_keys()
    assert sorted(partitions) == ["2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30"]
    assert backfills[0].tags["kada/instance"] == "hightouch"
