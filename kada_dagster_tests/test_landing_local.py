"""The landing interface on the local backend, `KADA_LANDING_URL` parsing, and manual push
(KADA_AUTO_PUSH=false: the daily job stops after the checked tables; a person lands the partition)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import dagster as dg
import pytest

from kada_dagster.core.extract.schema import KINDS, empty_table
from kada_dagster.core.extract.writer import StagedFileSet, stage_file_set
from kada_dagster.core.landing import (
    LandingError,
    LocalLanding,
    land_file_set,
    landing_from_url,
)
from kada_dagster.core.landing.azure import AzureBlobLanding
from kada_dagster.core.landing.s3 import S3Landing
from kada_dagster.core.settings import SettingsError, auto_push_from_env
from kada_dagster_tests.landing_helpers import (
    LANDING_ASSET,
    check_file_set,
    daily_request,
    failure_text,
    hightouch_defs,
    run_daily,
    run_landing,
    yesterday,
)

REPO = Path(__file__).resolve().parent.parent
LANDING_DIR = "lz/hightouch/landing"
SIM_OPTIONS = {"seed": 5}  # conftest's `sim`
pytestmark = pytest.mark.usefixtures("clean_landing_env")


# --------------------------------------------------------------------------------------------
# KADA_LANDING_URL
# --------------------------------------------------------------------------------------------


def test_landing_url_selects_the_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(landing_from_url(str(tmp_path)), LocalLanding)
    local = landing_from_url(f"file://{tmp_path}/land")
    assert isinstance(local, LocalLanding) and local.root == tmp_path / "land"
    s3 = landing_from_url("s3://kada-bucket/some/prefix/")
    assert isinstance(s3, S3Landing) and (s3.bucket, s3.prefix) == ("kada-bucket", "some/prefix")
    bare = landing_from_url("s3://kada-bucket")
    assert isinstance(bare, S3Landing) and bare.prefix == ""

    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_URL", "https://kadaacct.blob.core.windows.net")
    monkeypatch.setenv("AZURE_STORAGE_SAS_TOKEN", "https://kadaacct.blob.core.windows.net/c?sv=2024-01-01&sig=abc")
    azure = landing_from_url("azure://landing/pre")
    assert isinstance(azure, AzureBlobLanding) and (azure.container, azure.prefix) == ("landing", "pre")
    assert cast(Any, azure.resource.credential).token == "sv=2024-01-01&sig=abc"  # a SAS URL is accepted as the token
    assert azure.describe() == "https://kadaacct.blob.core.windows.net/landing/pre"
    monkeypatch.setenv("AZURE_STORAGE_SAS_TOKEN", "?sv=2024-01-01&sig=abc")
    question = landing_from_url("azure://landing")
    assert isinstance(question, AzureBlobLanding)
    assert cast(Any, question.resource.credential).token == "sv=2024-01-01&sig=abc"
    monkeypatch.delenv("AZURE_STORAGE_SAS_TOKEN")  # a SAS URL as the account URL: no other credential
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_URL", "https://kadaacct.blob.core.windows.net/?sv=2024&sig=abc")
    sas_url = landing_from_url("azure://landing/pre")
    assert isinstance(sas_url, AzureBlobLanding) and sas_url.resource.credential.credential_type == "anonymous"
    assert sas_url.describe() == "https://kadaacct.blob.core.windows.net/landing/pre"


@pytest.mark.parametrize(("url", "env", "names"), [
    ("gs://bucket/x", {}, ["KADA_LANDING_URL", "unsupported scheme"]),
    ("s3://", {}, ["KADA_LANDING_URL", "bucket is missing"]),
    ("azure://c/p", {}, ["AZURE_STORAGE_ACCOUNT_URL"]),
    ("azure://c/p", {"AZURE_STORAGE_ACCOUNT_URL": "https://a.blob.core.windows.net"},
     ["AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_KEY"]),
])
def test_bad_landing_settings_name_the_setting(url: str, env: dict[str, str], names: list[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as err:
        landing_from_url(url)
    assert all(n in str(err.value) for n in names), str(err.value)


def test_kada_auto_push_is_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    assert auto_push_from_env() is True
    monkeypatch.setenv("KADA_AUTO_PUSH", "false")
    assert auto_push_from_env() is False
    monkeypatch.setenv("KADA_AUTO_PUSH", "flase")  # a typo must not push unreviewed extracts
    with pytest.raises(Exception, match="KADA_AUTO_PUSH"):
        auto_push_from_env()


# --------------------------------------------------------------------------------------------
# land_file_set on the local backend
# --------------------------------------------------------------------------------------------


def _staged(directory: Path) -> StagedFileSet:
    directory.mkdir(parents=True, exist_ok=True)
    return stage_file_set(
        {kind: empty_table(kind) for kind in KINDS}, directory, instance="hightouch", source_type="hightouch",
        window_start=datetime(2026, 11, 21, tzinfo=timezone.utc), window_end=datetime(2026, 11, 22, tzinfo=timezone.utc),
        extracted_at=datetime(2026, 11, 22, 1, tzinfo=timezone.utc), mask=True, compress=True,
        producer={"name": "kada_dagster", "version": "test"},
    )


class RecordingLanding(LocalLanding):
    """The local backend, recording operations; `fail_on` makes that put fail after storing the file
    (as a store can commit a put whose answer is then lost)."""

    def __init__(self, root: Path, fail_on: int | None = None, error: Exception | None = None) -> None:
        super().__init__(root)
        self.ops: list[tuple[str, str]] = []
        self.fail_on, self.error = fail_on, error

    def put(self, local_path: Path, key: str, sha256: str) -> None:
        super().put(local_path, key, sha256)
        self.ops.append(("put", key.rsplit("/", 1)[1]))
        if self.fail_on is not None and sum(op == "put" for op, _ in self.ops) == self.fail_on:
            raise self.error or LandingError(f"local landing: cannot write {key}")

    def delete(self, key: str) -> None:
        self.ops.append(("delete", key.rsplit("/", 1)[1]))
        super().delete(key)


def test_local_land_file_set_puts_manifest_last_and_rerun_is_identical(tmp_path: Path) -> None:
    staged = _staged(tmp_path / "stage")
    landing = RecordingLanding(tmp_path / "landing")
    landed = land_file_set(landing, staged, LANDING_DIR)
    assert [f.key for f in landed][-1] == f"{LANDING_DIR}/{staged.manifest_name}"
    stale = [("delete", f.name[:-3] if f.name.endswith(".gz") else f"{f.name}.gz") for f in staged.files]
    assert landing.ops == [("delete", staged.manifest_name), *stale] + [("put", n) for n in staged.names_in_landing_order]
    files = {k.rsplit("/", 1)[1]: landing.read(k) for k in landing.list(LANDING_DIR)}
    check_file_set(files, files.__getitem__, "2026-11-21")

    land_file_set(landing, _staged(tmp_path / "stage2"), LANDING_DIR)
    assert {k.rsplit("/", 1)[1]: landing.read(k) for k in landing.list(LANDING_DIR)} == files
    assert not [p for p in (tmp_path / "landing").rglob("*") if p.name.startswith(".tmp-")]


@pytest.mark.parametrize("fail_on", [3, 5])  # the 3rd CSV; the manifest itself
def test_local_upload_failing_midway_leaves_no_manifest_nor_partial_set(tmp_path: Path, fail_on: int) -> None:
    staged = _staged(tmp_path / "stage")
    good = LocalLanding(tmp_path / "landing")
    land_file_set(good, staged, LANDING_DIR)  # an earlier complete set
    flaky = RecordingLanding(tmp_path / "landing", fail_on=fail_on)
    with pytest.raises(LandingError) as err:
        land_file_set(flaky, staged, LANDING_DIR)
    assert "nothing of this partition's file set was left" in str(err.value)
    assert f"{fail_on - 1} of 5 files had been put" in str(err.value)
    assert good.list(LANDING_DIR) == []
    land_file_set(good, staged, LANDING_DIR)  # a re-run completes the set
    assert {k.rsplit("/", 1)[1] for k in good.list(LANDING_DIR)} == set(staged.names_in_landing_order)


def test_unexpected_error_during_landing_still_rolls_back(tmp_path: Path) -> None:
    staged = _staged(tmp_path / "stage")
    flaky = RecordingLanding(tmp_path / "landing", fail_on=2, error=RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        land_file_set(flaky, staged, LANDING_DIR)
    assert flaky.list(LANDING_DIR) == []


# --------------------------------------------------------------------------------------------
# Inspect before push: KADA_AUTO_PUSH=false
# --------------------------------------------------------------------------------------------


def _landed(root: Path) -> dict[str, bytes]:
    base = root / LANDING_DIR
    return {p.name: p.read_bytes() for p in base.iterdir()} if base.exists() else {}


def test_manual_push_daily_job_stops_before_landing_then_landing_alone_pushes(
    sim_endpoint: tuple[str, str], tmp_path: Path,
) -> None:
    day, landing_root = yesterday(), tmp_path / "landing"
    defs = hightouch_defs(*sim_endpoint, tmp_path / "intermediate", auto_push=False, landing_url=str(landing_root))
    request = daily_request(defs, day)  # what the shared daily schedule asks for this instance
    assert LANDING_ASSET not in (request.asset_selection or []) and request.partition_key == day
    assert dg.AssetKey(["hightouch", "raw"]) in (request.asset_selection or [])
    assert "manual" in (defs.resolve_schedule_def("kada_daily_schedule").description or "")

    instance = dg.DagsterInstance.ephemeral()
    daily = run_daily(defs, day, instance)  # what the schedule runs
    assert daily.success, failure_text(daily)
    materialised = {e.asset_key.to_user_string() for e in daily.get_asset_materialization_events()}
    assert materialised == {f"hightouch/{k}" for k in ("raw", *KINDS)}
    checks = {(c.asset_key.to_user_string(), c.check_name) for c in daily.get_asset_check_evaluations()}
    assert ("hightouch/linkages", "linkage_endpoints_in_metadata") in checks and len(checks) == 7
    assert _landed(landing_root) == {}  # nothing reached K

    # A person looks at the tables and checks, then materialises hightouch/landing for that partition.
    pushed = run_landing(defs, day, instance)
    assert pushed.success, failure_text(pushed)
    files = _landed(landing_root)
    check_file_set(files, files.__getitem__, day)
    status = instance.get_latest_materialization_event(LANDING_ASSET)
    assert status is not None and status.dagster_event is not None and status.dagster_event.partition == day


def test_manual_push_of_a_partition_never_extracted_fails_clearly(sim_endpoint: tuple[str, str], tmp_path: Path) -> None:
    defs = hightouch_defs(*sim_endpoint, tmp_path / "intermediate", auto_push=False, landing_url=str(tmp_path / "landing"))
    result = run_landing(defs, "2026-01-05")
    assert not result.success
    assert "materialise hightouch/metadata for that partition first" in failure_text(result)
    assert _landed(tmp_path / "landing") == {}


def test_kada_auto_push_false_reaches_the_code_location(tmp_path: Path) -> None:
    """The real wiring (kada_dagster.definitions reads the env when it loads)."""
    script = (
        "import json, dagster as dg\n"
        "from kada_dagster.definitions import defs as load\n"
        "defs = load()\n"
        "from kada_dagster.core.sensors import daily_runs, instances_in\n"
        "(request,) = [r for r in daily_runs(instances_in(defs), '2026-11-22') if r.tags['kada/instance'] == 'hightouch']\n"
        "print(json.dumps({'daily': sorted(k.to_user_string() for k in request.asset_selection),\n"
        "  'all': sorted(k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys())}))\n"
    )
    env = {**os.environ, "KADA_AUTO_PUSH": "false", "KADA_LANDING_URL": str(tmp_path / "landing")}
    proc = subprocess.run([sys.executable, "-W", "ignore", "-c", script], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "hightouch/landing" not in out["daily"] and "hightouch/raw" in out["daily"]
    assert "hightouch/landing" in out["all"]  # still there, to materialise by hand


def test_switching_compress_leaves_only_the_new_file_set(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from kada_dagster.core.extract.schema import KINDS, empty_table
    from kada_dagster.core.extract.writer import stage_file_set
    from kada_dagster.core.landing import LocalLanding, land_file_set

    landing = LocalLanding(tmp_path / "landing")
    tables = {kind: empty_table(kind) for kind in KINDS}
    for compress in (True, False):
        staged = stage_file_set(
            tables, tmp_path / f"stage-{compress}", instance="hevo", source_type="hevo",
            window_start=datetime(2026, 11, 22, tzinfo=timezone.utc), window_end=datetime(2026, 11, 23, tzinfo=timezone.utc),
            extracted_at=datetime(2026, 11, 23, 1, tzinfo=timezone.utc), mask=True, compress=compress,
            producer={"name": "kada_dagster", "version": "test"})
        land_file_set(landing, staged, "lz/hevo/landing")
    names = sorted(p.name for p in (tmp_path / "landing" / "lz" / "hevo" / "landing").iterdir())
    assert names == sorted([f"hevo_{k}_20261123000000.csv" for k in KINDS] + ["hevo_manifest_20261123000000.json"])


def test_a_missing_cloud_sdk_is_reported_as_a_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from kada_dagster.core.landing import chooser

    # what the chooser holds when `from kada_dagster.core.landing import s3` raised (boto3 not installed)
    monkeypatch.setitem(chooser._STORES, "s3", ImportError("No module named 'boto3'"))
    with pytest.raises(SettingsError, match=r"s3://kada-bucket/prefix needs dagster-aws \(boto3\)") as caught:
        landing_from_url("s3://kada-bucket/prefix")
    assert "unsupported scheme" not in str(caught.value)
    assert isinstance(landing_from_url("./landing"), LocalLanding)  # local landing needs no SDK
