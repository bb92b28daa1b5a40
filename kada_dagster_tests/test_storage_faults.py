"""Storage faults (issue 11, deliverable 3): the store failing on the third file of a set, a wrong SAS token,
an unreachable endpoint and a full local disk. Each time the landing run fails clearly, nothing claims
completeness (no manifest, no file of the set), and the next run of the partition, with the fault gone,
lands a set whose CSVs (after gunzip) are byte-identical to a clean run's.

The stores are real: a local folder, moto's S3 server and Azurite, faults injected by the FaultProxy of
landing_helpers; the full disk is a real, small tmpfs mounted for the test (or, where mounting is not
permitted, a file-size limit, RLIMIT_FSIZE, that makes the write fail the same way; see docs/RELIABILITY.md).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import resource
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kada_dagster_tests.cloud_helpers import (
    azure_via_proxy,
    blob_names,
    closed_port,
    container_sas,
    s3_keys,
    s3_via_proxy,
    unique_name,
    use_azure,
)
from kada_dagster_tests.landing_helpers import (
    Reply,
    failure_text,
    hightouch_defs,
    run_landing,
    stamp_of,
)

SIM_OPTIONS = {"seed": 11}  # conftest's `sim`, as the cloud landing tests have it
pytestmark = pytest.mark.usefixtures("clean_landing_env")


def _csvs(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name[:-3]: gzip.decompress(data) for name, data in files.items() if name.endswith(".csv.gz")}


def _local_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.exists() else {}


@pytest.fixture(scope="module")
def clean_csvs(sim_endpoint: tuple[str, str], extracted: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory,
               ) -> dict[str, bytes]:
    """What a clean landing of the extracted partition holds (gunzipped CSVs by name)."""
    landing = tmp_path_factory.mktemp("clean-landing")
    result = run_landing(hightouch_defs(*sim_endpoint, extracted[0], landing_url=str(landing)), extracted[1])
    assert result.success, failure_text(result)
    files = _local_files(landing)
    assert len(files) == 5
    return _csvs(files)


def _third_file(day: str) -> str:
    return f"hightouch_events_{stamp_of(day)}.csv.gz"  # metadata, linkages, events, databaselog, manifest


@contextlib.contextmanager
def _full_disk(root: Path, free_bytes: int) -> Iterator[str]:
    """A real full disk at `root`: a 2 MiB tmpfs filled up to `free_bytes`; where mounting is not permitted,
    a process file-size limit instead. Yields which one was used."""
    root.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(root)],
                             capture_output=True).returncode == 0
    if mounted:
        try:
            stats = os.statvfs(root)
            fill = stats.f_bavail * stats.f_frsize - free_bytes
            with open(root / "filler", "wb") as fh:
                fh.write(b"\0" * fill)
            yield "tmpfs"
        finally:
            subprocess.run(["umount", "-l", str(root)], check=True)
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails (EFBIG)
    resource.setrlimit(resource.RLIMIT_FSIZE, (free_bytes, hard))
    try:
        yield "rlimit"
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def _land_local(sim_endpoint: tuple[str, str], extracted: tuple[Path, str], root: Path) -> Any:
    return run_landing(hightouch_defs(*sim_endpoint, extracted[0], landing_url=str(root)), extracted[1])


def _pages(size: int) -> int:
    return -(-size // 4096) * 4096  # tmpfs allocates whole pages


@pytest.mark.parametrize("runs_out_at", ["first_file", "third_file"])
def test_a_full_local_disk_fails_clearly_then_rerun_is_identical(
    runs_out_at: str, sim_endpoint: tuple[str, str], extracted: tuple[Path, str], clean_csvs: dict[str, bytes],
    tmp_path: Path,
) -> None:
    """third_file: room for exactly the first two files of the set (metadata, linkages), so the store fails
    on the third; first_file: room for nothing."""
    root, stamp = tmp_path / "small-disk", stamp_of(extracted[1])
    size = {kind: len(gzip.compress(clean_csvs[f"hightouch_{kind}_{stamp}.csv"]))
            for kind in ("metadata", "linkages")}
    free = _pages(size["metadata"]) + _pages(size["linkages"]) if runs_out_at == "third_file" else 0
    with _full_disk(root, free_bytes=free) as how:
        failed = _land_local(sim_endpoint, extracted, root)
        left = {n: b for n, b in _local_files(root).items() if n != "filler"}
    assert not failed.success
    message = failure_text(failed)
    expected = "No space left on device" if how == "tmpfs" else "File too large"
    assert expected in message and "cannot write" in message and "KADA_LANDING_URL" in message, message
    if how == "tmpfs":
        put = 2 if runs_out_at == "third_file" else 0
        assert f"{put} of 5 files had been put" in message and _third_file(extracted[1]) in message or put == 0
    assert "nothing of this partition's file set was left" in message, message
    assert left == {}  # no manifest, no CSV, no half-written temporary file
    rerun = _land_local(sim_endpoint, extracted, root)  # the disk has room again (unmounted, or the limit lifted)
    assert rerun.success, failure_text(rerun)
    assert _csvs(_local_files(root)) == clean_csvs


def _s3_files(s3: Any, bucket: str) -> dict[str, bytes]:
    return {k.rsplit("/", 1)[1]: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in s3_keys(s3, bucket)}


def _blob_files(blob_admin: Any, container: str) -> dict[str, bytes]:
    client = blob_admin.get_container_client(container)
    return {n.rsplit("/", 1)[1]: client.download_blob(n).readall() for n in blob_names(blob_admin, container)}


@pytest.mark.parametrize("case", ["s3_third_file", "s3_unreachable", "azure_third_file", "azure_wrong_sas",
                                  "azure_unreachable"])
def test_a_cloud_store_fault_leaves_no_set_then_rerun_is_identical(
    case: str, s3: Any, blob_admin: Any, moto_s3: dict[str, str], azurite_blob: dict[str, str],
    sim_endpoint: tuple[str, str], extracted: tuple[Path, str], clean_csvs: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    day, name = extracted[1], unique_name("kada-storefault")
    defs = hightouch_defs(*sim_endpoint, extracted[0])
    third = _third_file(day)
    refuse_third: Callable[[str, str, int], Reply | None] = lambda m, p, n: (  # noqa: E731
        Reply(500, b"<Error><Code>InternalError</Code></Error>") if m == "PUT" and p.endswith(third) else None)
    if case.startswith("s3"):
        s3.create_bucket(Bucket=name)
        monkeypatch.setenv("KADA_LANDING_URL", f"s3://{name}/prefix")
        files: Callable[[], dict[str, bytes]] = lambda: _s3_files(s3, name)  # noqa: E731
        if case == "s3_third_file":
            with s3_via_proxy(moto_s3, monkeypatch, refuse_third):
                failed = run_landing(defs, day)
            said = f"{third} failed"
        else:
            monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
            failed = run_landing(defs, day)
            monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3["endpoint_url"])
            said = "cannot reach"
    else:
        blob_admin.create_container(name)
        sas = container_sas(azurite_blob, name)
        files = lambda: _blob_files(blob_admin, name)  # noqa: E731
        if case == "azure_third_file":
            with azure_via_proxy(azurite_blob, monkeypatch, name, sas, refuse_third):
                failed = run_landing(defs, day)
            said = f"{third} failed"
        elif case == "azure_wrong_sas":
            use_azure(monkeypatch, azurite_blob["account_url"], name, sas=container_sas(azurite_blob, name, key="a2V5" * 11))
            failed = run_landing(defs, day)
            said = "AZURE_STORAGE_SAS_TOKEN"
        else:
            use_azure(monkeypatch, f"http://127.0.0.1:{closed_port()}/devstoreaccount1", name, sas=sas)
            failed = run_landing(defs, day)
            said = "cannot reach"
        use_azure(monkeypatch, azurite_blob["account_url"], name, sas=sas)
    assert not failed.success
    assert said in failure_text(failed), failure_text(failed)
    assert files() == {}  # nothing claims completeness: no manifest, and no partial set
    rerun = run_landing(defs, day)
    assert rerun.success, failure_text(rerun)
    assert _csvs(files()) == clean_csvs
