"""The code location's structure as data: a structural change must be a deliberate diff of the snapshot.

Regenerate after an intended change with `KADA_UPDATE_SNAPSHOT=1 pytest kada_dagster_tests/test_definitions_snapshot.py`
and review the diff of `snapshots/definitions.json` like code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"


def _partitions(partitions_def: Any) -> Any:
    if partitions_def is None:
        return None
    return {"type": type(partitions_def).__name__, "start": str(getattr(partitions_def, "start", "")),
            "timezone": getattr(partitions_def, "timezone", None), "fmt": getattr(partitions_def, "fmt", None)}


def structure(defs: dg.Definitions) -> dict[str, Any]:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "partitions": _partitions(node.partitions_def),
            "backfill_policy": str(node.backfill_policy) if node.backfill_policy else None,
            "pools": sorted(node.pools) if node.pools else [],
            "kinds": sorted(node.kinds),
            "columns": [c.name for c in node.metadata["dagster/column_schema"].columns]
            if "dagster/column_schema" in node.metadata else None,
        }
    checks = {}
    for check_key in sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        spec = graph.get(check_key)
        checks[f"{check_key.asset_key.to_user_string()}:{check_key.name}"] = {
            "blocking": spec.blocking, "partitions": _partitions(spec.partitions_def)}
    jobs = {}
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue
        jobs[job.name] = {"tags": dict(sorted(job.tags.items())), "partitions": _partitions(job.partitions_def)}
    schedule_defs: list[Any] = list(defs.schedules or [])  # ScheduleDefinition (none is unresolved here)
    schedules = {s.name: {"cron": s.cron_schedule, "timezone": s.execution_timezone, "job": s.job_name,
                          "default_status": str(s.default_status)}
                 for s in sorted(schedule_defs, key=lambda s: s.name)}
    sensors = {s.name: {"type": type(s).__name__, "default_status": str(s.default_status),
                        "minimum_interval_seconds": s.minimum_interval_seconds}
               for s in sorted(defs.sensors or [], key=lambda s: s.name)}
    resources = sorted(defs.resources or {})
    return {"assets": assets, "checks": checks, "jobs": jobs, "schedules": schedules, "sensors": sensors,
            "resources": resources}


def test_definitions_match_the_snapshot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("KADA_START_DATE", "KADA_AUTO_PUSH", "KADA_HIGHTOUCH_CONFIG", "KADA_HEVO_CONFIG",
                "KADA_FRESHNESS_DEADLINE_HOUR", "OPENLINEAGE_URL", "OPENLINEAGE_CONFIG", "OPENLINEAGE__TRANSPORT__TYPE"):
        monkeypatch.delenv(var, raising=False)
    # OpenLineage off (no openlineage.yml where the client looks): the snapshot is the structure without it
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    from kada_dagster.definitions import defs

    current = structure(defs())
    if os.environ.get("KADA_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == expected, "the code location's structure changed: review, then regenerate the snapshot"
    assert len(current["assets"]) == 12 and len(current["checks"]) == 16 and len(current["schedules"]) == 1


def test_the_code_location_reads_the_environment_when_it_loads_not_when_imported(tmp_path: Path) -> None:
    """Importing kada_dagster.definitions reads nothing; building it (`defs()`, what Dagster does on load)
    reads the environment then, so a bad value is an error of loading, naming the variable."""
    code = ("import kada_dagster.definitions as location\n"
            "print('imported')\n"
            "location.defs()\n")
    env = {**os.environ, "KADA_AUTO_PUSH": "perhaps", "DAGSTER_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env,
                          cwd=tmp_path, check=False)
    assert done.stdout.strip() == "imported"
    assert done.returncode != 0 and "KADA_AUTO_PUSH='perhaps' must be true or false" in done.stderr
