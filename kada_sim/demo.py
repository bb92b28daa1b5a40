"""`make demo`: the main job end to end on the embedded default, against the simulated APIs.

Starts the simulated Hightouch API (and the Hevo one when the Hevo collector is present) on loopback,
materialises each instance's group for the latest complete UTC day, as `kada_daily_schedule` does
(`dagster asset materialize -m kada_dagster.definitions --select group:<instance> --partition <day>`),
with a persistent SQLite instance under ./dagster_home (so `make dev` shows the runs, tagged with their
instance), and prints where the K extract files landed and
their row counts.

When the OpenLineage client is configured in the environment (OPENLINEAGE_URL, OPENLINEAGE__TRANSPORT__*,
or an openlineage.yml), the demo also materialises `<instance>/openlineage`, and the demo prints what
each sent, e.g. with a file transport:

    OPENLINEAGE__TRANSPORT__TYPE=file OPENLINEAGE__TRANSPORT__LOG_FILE_PATH=./openlineage/events.jsonl \
        OPENLINEAGE__TRANSPORT__APPEND=true make demo
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path.cwd()


def latest_complete_partition() -> str:
    return (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")


def _dagster_home() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or ROOT / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists() and (ROOT / "dagster.yaml").exists():
        shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    return home


def _start_simulators(stack: ExitStack) -> dict[str, str]:
    """Env for each collector whose simulator is available; the simulators stop when the demo ends."""
    from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator

    env: dict[str, str] = {}
    hightouch = HightouchSimulator(HightouchSimConfig(seed=42, story=True))
    url = stack.enter_context(hightouch.serve())
    env.update(HIGHTOUCH_API_BASE_URL=url, HIGHTOUCH_API_TOKEN=hightouch.config.token)
    print(f"simulated Hightouch API: {url}")
    try:
        import kada_dagster.hevo.definitions  # noqa: F401  (only demo Hevo once its collector exists)
        from kada_sim.hevo import HevoSimConfig, HevoSimulator
    except ImportError:
        return env
    hevo = HevoSimulator(HevoSimConfig(seed=42, flavour="standard", story=True))
    hevo_url = stack.enter_context(hevo.serve())
    env.update(HEVO_API_BASE_URL=hevo_url, HEVO_API_KEY=hevo.config.api_key, HEVO_API_SECRET=hevo.config.api_secret,
               HEVO_API_FLAVOUR="standard")
    print(f"simulated Hevo API (standard): {hevo_url}")
    return env


def _print_landed(landing_root: Path, instance: str, partition: str) -> None:
    stamp = (datetime.fromisoformat(partition) + timedelta(days=1)).strftime("%Y%m%d%H%M%S")
    directory = landing_root / "lz" / instance / "landing"
    manifest_path = directory / f"{instance}_manifest_{stamp}.json"
    if not manifest_path.exists():
        print(f"  no manifest at {manifest_path}")
        return
    manifest = json.loads(manifest_path.read_text())
    print(f"{instance}: K extract files for {partition} in {directory}")
    for entry in manifest["files"]:
        print(f"  {entry['name']:<52} {entry['rows']:>7} rows  {entry['bytes']:>9} bytes")
    print(f"  {manifest_path.name:<52} (manifest, written last)")


def _openlineage_note() -> bool:
    """Whether the daily jobs include `<instance>/openlineage`; a file transport's folder is created first."""
    try:
        from kada_dagster.core.openlineage.config import configured_setting
    except ImportError:
        return False
    setting = configured_setting()
    if setting is None:
        return False
    path = os.environ.get("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", "")
    if path and "://" not in path:
        Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    print(f"OpenLineage is configured ({setting.describe()}): the daily jobs also send the events")
    return True


def _print_openlineage(output: str) -> None:
    """The openlineage step's own summary lines (events per kind and where they went)."""
    for line in output.splitlines():
        if "OpenLineage: sent" in line:
            print("  " + line[line.index("OpenLineage: sent"):])


def _print_story(landing_root: Path, partition: str) -> None:
    """One column's way from PostgreSQL to Salesforce, read from the two instances' landed linkages alone."""
    import csv
    import gzip
    import io

    from kada_sim.story import POSTGRES_COLUMN, SALESFORCE_FIELD, describe, walk

    stamp = (datetime.fromisoformat(partition) + timedelta(days=1)).strftime("%Y%m%d%H%M%S")
    rows: list[dict[str, str]] = []
    for instance in ("hevo", "hightouch"):
        path = landing_root / "lz" / instance / "landing" / f"{instance}_linkages_{stamp}.csv.gz"
        rows += list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8"))))
    paths = [p for p in walk(rows, POSTGRES_COLUMN) if p[-1][0][3:] == SALESFORCE_FIELD]
    if paths:
        print("Column lineage across both instances' landed linkages (PostgreSQL -> Hevo -> Hightouch -> Salesforce):")
        print("\n".join("  " + line for line in describe(paths[0])))


def main() -> int:
    partition = os.environ.get("DEMO_PARTITION") or latest_complete_partition()
    landing_root = Path(os.environ.get("KADA_LANDING_URL", "./landing")).resolve()
    with ExitStack() as stack:
        # partitions from four weeks back: a deployment's view, where the demo's day is one filled day
        start = (datetime.fromisoformat(partition) - timedelta(days=27)).strftime("%Y-%m-%d")
        (_dagster_home() / ".kada_start_date").write_text(start)  # `make dev` shows the same partitions
        env = {**os.environ, **_start_simulators(stack), "DAGSTER_HOME": str(_dagster_home()),
               "KADA_LANDING_URL": str(landing_root), "KADA_START_DATE": os.environ.get("KADA_START_DATE", start)}
        instances = ["hightouch"] + (["hevo"] if "HEVO_API_BASE_URL" in env else [])
        openlineage = _openlineage_note()
        dagster = str(Path(sys.executable).with_name("dagster"))
        for instance in instances:
            command = [dagster, "asset", "materialize", "-m", "kada_dagster.definitions", "--select",
                       f"group:{instance}", "--partition", partition]
            print("$ " + " ".join(command[1:]))
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                print(result.stdout[-4000:], result.stderr[-4000:], sep="\n")
                print(f"demo: materialising {instance} failed (exit {result.returncode})")
                return result.returncode
            _print_landed(landing_root, instance, partition)
            if openlineage:
                _print_openlineage(result.stdout + result.stderr)
        if len(instances) == 2:
            _print_story(landing_root, partition)
    print("Open the UI with `make dev` to see these runs, their metadata and checks.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
