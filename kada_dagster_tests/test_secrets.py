"""Secret scan (issue 11, deliverable 6): both collectors run through the `dagster asset materialize` CLI on a
real DAGSTER_HOME (SQLite run and event log storage, local compute logs) with a sentinel secret in every
credential setting, against simulators that serve fake credentials (SIMSECRET-...) in every configuration
blob. Then every place a secret could end up is searched: landing files (gunzipped), intermediate storage
(raw JSON Lines gunzipped, parquet read as data), compute logs, the CLI's captured output, every table of
the SQLite databases Dagster wrote, and the OpenLineage events (a file transport is configured, so each
instance's openlineage asset runs too). Zero hits.
"""

from __future__ import annotations

import base64
import gzip
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kada_dagster_tests.ht_helpers import END
from kada_sim.hevo import HevoSimConfig, HevoSimulator
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator
from kada_sim.server import SECRET_MARKER

DAY = "2026-11-22"
HT_TOKEN = "kada-sentinel-ht-token-8f3e1c"
HEVO_KEY = "kada-sentinel-hevo-key-19ab44"
HEVO_SECRET = "kada-sentinel-hevo-secret-77cd02"
UNUSED_STORE_SECRETS = {"AWS_SECRET_ACCESS_KEY": "kada-sentinel-aws-5e11a0",
                        "AZURE_STORAGE_SAS_TOKEN": "sv=2024&sig=kada-sentinel-sas-0c9d",
                        "AZURE_STORAGE_KEY": "a2FkYS1zZW50aW5lbC1henVyZS1rZXk="}


def _text_of(path: Path) -> str:
    """A file as a person or a program would read it: gzip decompressed, parquet as its rows, SQLite as the
    values of every table."""
    if path.suffix == ".parquet":
        return str(pq.read_table(path).to_pylist())
    if path.suffix in (".db", ".sqlite") or path.name.endswith(".db-wal"):
        if path.name.endswith("-wal"):
            return path.read_bytes().decode("utf-8", errors="replace")
        with sqlite3.connect(path) as db:
            tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
            return "\n".join(str(db.execute(f'select * from "{t}"').fetchall()) for t in tables)
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


@pytest.mark.timeout(660)  # two CLI runs of at most 300 s each
def test_no_secret_reaches_landing_intermediate_logs_or_the_event_log(tmp_path: Path) -> None:
    ht = HightouchSimulator(HightouchSimConfig(seed=4, end=END, days=2, token=HT_TOKEN))
    hevo = HevoSimulator(HevoSimConfig(seed=3, end=END, days=2, api_key=HEVO_KEY, api_secret=HEVO_SECRET))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # defaults: SQLite, local compute logs
    dagster = str(Path(sys.executable).with_name("dagster"))
    captured = []
    lineage_file = tmp_path / "openlineage" / "events.jsonl"
    lineage_file.parent.mkdir()
    with ht.serve(), hevo.serve():
        env = {**os.environ, "DAGSTER_HOME": str(home), "KADA_START_DATE": "2026-11-01",
               "OPENLINEAGE__TRANSPORT__TYPE": "file", "OPENLINEAGE__TRANSPORT__LOG_FILE_PATH": str(lineage_file),
               "OPENLINEAGE__TRANSPORT__APPEND": "true",
               "KADA_LANDING_URL": str(tmp_path / "landing"), "KADA_INTERMEDIATE_PATH": str(tmp_path / "intermediate"),
               "HIGHTOUCH_API_BASE_URL": ht.url, "HIGHTOUCH_API_TOKEN": HT_TOKEN,
               "HEVO_API_BASE_URL": hevo.url, "HEVO_API_KEY": HEVO_KEY, "HEVO_API_SECRET": HEVO_SECRET,
               "HEVO_API_FLAVOUR": "standard", **UNUSED_STORE_SECRETS}
        for group in ("hightouch", "hevo"):
            done = subprocess.run([dagster, "asset", "materialize", "-m", "kada_dagster.definitions", "--select",
                                   f"group:{group}", "--partition", DAY], env=env, cwd=tmp_path,
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr[-3000:]
            captured += [done.stdout, done.stderr]
        served = ht.secret_values() + hevo.secret_values()
    basic = base64.b64encode(f"{HEVO_KEY}:{HEVO_SECRET}".encode()).decode()
    secrets = [HT_TOKEN, HEVO_KEY, HEVO_SECRET, basic, SECRET_MARKER, *UNUSED_STORE_SECRETS.values(), *served]
    assert len(served) > 5  # the configuration blobs really carried credentials

    places = {
        "landing": sorted(p for p in (tmp_path / "landing").rglob("*") if p.is_file()),
        "intermediate": sorted(p for p in (tmp_path / "intermediate").rglob("*") if p.is_file()),
        "compute logs": sorted(p for p in (home / "storage").rglob("*") if p.is_file() and p.suffix in
                               (".out", ".err", ".complete", ".log")),
        "event log (SQLite)": sorted(p for p in home.rglob("*.db")),
        "openlineage events": [lineage_file],
    }
    assert len(places["landing"]) == 10  # both sets landed (4 CSVs and a manifest each)
    assert any(p.suffix == ".parquet" for p in places["intermediate"])
    assert places["compute logs"] and places["event log (SQLite)"]
    assert lineage_file.read_text().count('"eventType": "START"') > 10  # both instances' events were written
    texts = {name: [(p, _text_of(p)) for p in paths] for name, paths in places.items()}
    texts["captured CLI output"] = [(Path("stdout/stderr"), "\n".join(captured))]
    assert "***REDACTED***" in "".join(t for _, t in texts["intermediate"])  # credentials shown as redacted
    assert any("STEP_SUCCESS" in t for _, t in texts["event log (SQLite)"])  # the event log was really read
    hits = [(name, str(path), secret) for name, files in texts.items() for path, text in files
            for secret in secrets if secret in text]
    assert hits == []
