"""Landing on S3 (moto's server) and Azure Blob (Azurite), through the real SDKs, from Dagster runs.

A Hightouch partition (simulated API) is materialised with KADA_LANDING_URL pointing at each store;
the landed names are the contract's, every file's sha256 matches the manifest, re-runs rewrite the
same bytes, and failures (missing bucket, wrong SAS, corrupted or refused upload, unreachable store)
fail the run with a message naming the store, the path and the setting, leave no manifest, and never
show a credential. Faults are injected by a small HTTP proxy in front of the real server.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from kada_dagster_tests.cloud_helpers import (
    S3_KEY_ID,
    S3_SECRET,
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
    CORRUPT,
    Reply,
    Seen,
    assert_no_secret,
    check_file_set,
    expected_names,
    failure_text,
    hightouch_defs,
    recorded_text,
    run_daily,
    run_landing,
    stamp_of,
    yesterday,
)

LANDING_DIR = "lz/hightouch/landing"
SIM_OPTIONS = {"seed": 11}  # conftest's `sim`
pytestmark = pytest.mark.usefixtures("clean_landing_env")
def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def _md5_checked_puts(puts: list[Seen], landed: dict[str, bytes]) -> list[tuple[dict[str, str], bytes]]:
    """(lower-cased headers, landed bytes) of each upload, after checking that it carried the Content-MD5
    of exactly the bytes that landed (for the store to verify)."""
    out = []
    for put in puts:
        headers = {k.lower(): v for k, v in put.headers.items()}
        body = landed[put.path.rsplit("/", 1)[1]]
        assert headers["content-md5"] == _b64(hashlib.md5(body).digest())  # noqa: S324
        out.append((headers, body))
    return out


def _landing_defs(sim_endpoint: tuple[str, str], extracted: tuple[Path, str]) -> Any:
    return hightouch_defs(*sim_endpoint, extracted[0])


# --------------------------------------------------------------------------------------------
# S3 (moto)
# --------------------------------------------------------------------------------------------


def _s3_check(s3: Any, bucket: str, prefix: str, day: str, instance: str = "hightouch") -> dict[str, bytes]:
    base = f"{prefix}/lz/{instance}/landing/"
    keys = s3_keys(s3, bucket)
    assert all(k.startswith(base) for k in keys), keys
    data = {k[len(base):]: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}
    check_file_set(data, data.__getitem__, day, instance)
    return data


def _s3_landing_bucket(s3: Any, monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    """A new bucket (``name`` made unique), with KADA_LANDING_URL pointing at ``prefix`` in it."""
    bucket = unique_name(name)
    s3.create_bucket(Bucket=bucket)
    monkeypatch.setenv("KADA_LANDING_URL", f"s3://{bucket}/prefix")
    return bucket


def test_s3_partition_lands_contract_file_set_verified_and_rerun_identical(
    s3: Any, moto_s3: dict[str, str], sim_endpoint: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    bucket, day = _s3_landing_bucket(s3, monkeypatch, "kada-land"), yesterday()
    defs = hightouch_defs(*sim_endpoint, tmp_path / "intermediate")
    with s3_via_proxy(moto_s3, monkeypatch) as wire:  # records what the S3 client sends
        first = run_daily(defs, day)
    assert first.success, failure_text(first)

    landed = _s3_check(s3, bucket, "prefix", day)
    assert s3_keys(s3, bucket) == sorted(f"prefix/{LANDING_DIR}/{n}" for n in expected_names(day))

    # Each upload carried Content-MD5 and x-amz-checksum-sha256 of exactly the landed bytes, for the store
    # to verify; the old manifest was withdrawn before the first put, and the manifest went last.
    manifest = f"hightouch_manifest_{stamp_of(day)}.json"
    puts = wire.puts()
    assert [p.path.rsplit("/", 1)[1] for p in puts][-1] == manifest
    assert {p.path.rsplit("/", 1)[1] for p in puts} == set(landed)
    for headers, body in _md5_checked_puts(puts, landed):
        assert headers["x-amz-checksum-sha256"] == _b64(hashlib.sha256(body).digest())
    store_ops = [(s.method, s.path.rsplit("/", 1)[1]) for s in wire.seen if s.method in ("PUT", "DELETE")]
    assert store_ops[0] == ("DELETE", manifest)
    for name, body in landed.items():  # (moto keeps no x-amz-checksum-sha256 to read back; S3 does)
        head = s3.head_object(Bucket=bucket, Key=f"prefix/{LANDING_DIR}/{name}")
        assert head["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest()

    # Re-running the partition (extraction included) rewrites the same names with identical CSV bytes.
    second = run_daily(defs, day)
    assert second.success, failure_text(second)
    again = _s3_check(s3, bucket, "prefix", day)
    assert set(again) == set(landed)
    assert {n: b for n, b in again.items() if n != manifest} == {n: b for n, b in landed.items() if n != manifest}

    md = next(m for m in second.asset_materializations_for_node("hightouch__landing"))
    assert md.metadata["landing_directory"].value == f"s3://{bucket}/prefix/{LANDING_DIR}"
    assert_no_secret([recorded_text(first), recorded_text(second), caplog.text], [S3_SECRET, S3_KEY_ID])


def test_s3_missing_bucket_fails_clearly_and_lands_nothing(
    s3: Any, sim_endpoint: tuple[str, str], extracted: tuple[Path, str], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    bucket = unique_name("kada-missing")
    monkeypatch.setenv("KADA_LANDING_URL", f"s3://{bucket}/prefix")
    started = time.monotonic()
    result = run_landing(_landing_defs(sim_endpoint, extracted), extracted[1])
    assert not result.success
    assert time.monotonic() - started < 20
    message = failure_text(result)
    assert f"bucket '{bucket}' does not exist" in message
    assert "KADA_LANDING_URL" in message and f"s3://{bucket}/prefix/{LANDING_DIR}" in message
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert_no_secret([recorded_text(result), caplog.text], [S3_SECRET, S3_KEY_ID])


def test_s3_transient_errors_are_retried(
    s3: Any, moto_s3: dict[str, str], sim_endpoint: tuple[str, str], extracted: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket, day = _s3_landing_bucket(s3, monkeypatch, "kada-retry"), extracted[1]
    metadata_file = f"hightouch_metadata_{stamp_of(day)}.csv.gz"
    slow_down = Reply(503, b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code>"
                           b"<Message>Please reduce your request rate.</Message></Error>")
    internal = Reply(500, b"<Error><Code>InternalError</Code><Message>We encountered an internal error."
                          b"</Message></Error>")

    def rule(method: str, path: str, n: int) -> Reply | None:
        if method == "PUT" and path.endswith(metadata_file) and n == 0:
            return slow_down
        if method == "DELETE" and path.endswith(".json") and n < 2:
            return internal
        return None

    with s3_via_proxy(moto_s3, monkeypatch, rule) as proxy:
        result = run_landing(_landing_defs(sim_endpoint, extracted), day)
    assert result.success, failure_text(result)
    assert [p.status for p in proxy.puts(metadata_file)] == [503, 200]
    assert [s.status for s in proxy.seen if s.method == "DELETE"][:3] == [500, 500, 204]
    _s3_check(s3, bucket, "prefix", day)


def test_s3_upload_failing_midway_leaves_no_manifest_and_rerun_completes(
    s3: Any, moto_s3: dict[str, str], sim_endpoint: tuple[str, str], extracted: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket, day = _s3_landing_bucket(s3, monkeypatch, "kada-midway"), extracted[1]
    defs = _landing_defs(sim_endpoint, extracted)
    assert run_landing(defs, day).success  # a complete set from an earlier run
    _s3_check(s3, bucket, "prefix", day)

    # moto does not verify Content-MD5, so the proxy answers the 3rd file's upload the way S3 answers a
    # body that does not match its Content-MD5.
    events_file = f"hightouch_events_{stamp_of(day)}.csv.gz"
    bad_digest = Reply(400, b"<Error><Code>BadDigest</Code><Message>The Content-MD5 you specified did not "
                            b"match what we received.</Message></Error>")
    with s3_via_proxy(moto_s3, monkeypatch,
                       lambda m, p, n: bad_digest if m == "PUT" and p.endswith(events_file) else None):
        failed = run_landing(defs, day)
    assert not failed.success
    message = failure_text(failed)
    assert f"put s3://{bucket}/prefix/{LANDING_DIR}/{events_file} failed" in message
    assert "checksum" in message and "BadDigest" in message
    assert "2 of 5 files had been put" in message and "nothing of this partition's file set was left" in message
    assert s3_keys(s3, bucket) == []  # no manifest, and no partial set

    rerun = run_landing(defs, day)
    assert rerun.success, failure_text(rerun)
    _s3_check(s3, bucket, "prefix", day)


def test_s3_compatible_store_mode_sends_content_md5_only(
    s3: Any, moto_s3: dict[str, str], sim_endpoint: tuple[str, str], extracted: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore's AWS_REQUEST_CHECKSUM_CALCULATION=when_required (for stores without x-amz-checksum-*)."""
    bucket, day = _s3_landing_bucket(s3, monkeypatch, "kada-compat"), extracted[1]
    monkeypatch.setenv("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
    with s3_via_proxy(moto_s3, monkeypatch) as wire:
        result = run_landing(_landing_defs(sim_endpoint, extracted), day)
    assert result.success, failure_text(result)
    landed = _s3_check(s3, bucket, "prefix", day)
    for headers, _ in _md5_checked_puts(wire.puts(), landed):
        assert not [h for h in headers if h.startswith("x-amz-checksum-")]


# --------------------------------------------------------------------------------------------
# Azure Blob (Azurite)
# --------------------------------------------------------------------------------------------


def _sas_secrets(sas: str) -> list[str]:
    sig = parse_qs(sas)["sig"][0]
    return [sas, sig, sas.split("sig=", 1)[1].split("&", 1)[0]]


def _azure_check(blob_admin: Any, container: str, day: str, instance: str = "hightouch") -> dict[str, bytes]:
    base = f"prefix/lz/{instance}/landing/"
    client = blob_admin.get_container_client(container)
    names = blob_names(blob_admin, container)
    assert all(n.startswith(base) for n in names), names
    data = {n[len(base):]: client.download_blob(n).readall() for n in names}
    check_file_set(data, data.__getitem__, day, instance)
    for name, body in data.items():  # the MD5 the store keeps for the blob is the file's
        props = client.get_blob_client(base + name).get_blob_properties()
        assert bytes(props.content_settings.content_md5) == hashlib.md5(body).digest()  # noqa: S324
        assert props.metadata["sha256"] == hashlib.sha256(body).hexdigest()
    return data


def test_azure_sas_partition_lands_contract_file_set_verified(
    azurite_blob: dict[str, str], blob_admin: Any, sim_endpoint: tuple[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    container, day = unique_name("kada-sas"), yesterday()
    blob_admin.create_container(container)
    sas = container_sas(azurite_blob, container)
    defs = hightouch_defs(*sim_endpoint, tmp_path / "intermediate")
    with azure_via_proxy(azurite_blob, monkeypatch, container, sas) as wire:
        first = run_daily(defs, day)
    assert first.success, failure_text(first)
    landed = _azure_check(blob_admin, container, day)
    assert blob_names(blob_admin, container) == sorted(f"prefix/{LANDING_DIR}/{n}" for n in expected_names(day))
    puts = wire.puts()
    assert puts[-1].path.endswith(f"hightouch_manifest_{stamp_of(day)}.json")
    _md5_checked_puts(puts, landed)  # validate_content: a transactional Content-MD5 the service checks

    second = run_landing(defs, day)  # a re-push overwrites the same names
    assert second.success, failure_text(second)
    again = _azure_check(blob_admin, container, day)
    assert {n: b for n, b in again.items() if "manifest" not in n} == {
        n: b for n, b in landed.items() if "manifest" not in n}
    assert_no_secret([recorded_text(first), recorded_text(second), caplog.text],
                     [*_sas_secrets(sas), azurite_blob["account_key"]])


@pytest.mark.parametrize("case", ["forged_signature", "no_delete_permission"])
def test_azure_wrong_sas_fails_clearly_and_lands_nothing(
    case: str, azurite_blob: dict[str, str], blob_admin: Any, sim_endpoint: tuple[str, str], extracted: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    container = unique_name("kada-badsas")
    blob_admin.create_container(container)
    if case == "forged_signature":  # right shape, signed with another key
        sas = container_sas(azurite_blob, container, key=base64.b64encode(b"not the account key" * 3).decode())
    else:
        sas = container_sas(azurite_blob, container, delete=False)
    use_azure(monkeypatch, azurite_blob["account_url"], container, sas=sas)
    result = run_landing(_landing_defs(sim_endpoint, extracted), extracted[1])
    assert not result.success
    message = failure_text(result)
    assert f"{azurite_blob['account_url']}/{container}/prefix/{LANDING_DIR}" in message
    assert "AZURE_STORAGE_SAS_TOKEN" in message
    # Azurite answers both with 403 AuthorizationFailure (Azure: AuthenticationFailed for a bad signature).
    assert "refused the credential" in message and "write, create and delete" in message
    assert blob_names(blob_admin, container) == []
    assert_no_secret([recorded_text(result), caplog.text], _sas_secrets(sas))


def test_azure_account_key_lands(
    azurite_blob: dict[str, str], blob_admin: Any, sim_endpoint: tuple[str, str], extracted: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    container = unique_name("kada-key")
    blob_admin.create_container(container)
    use_azure(monkeypatch, azurite_blob["account_url"], container, key=azurite_blob["account_key"])
    result = run_landing(_landing_defs(sim_endpoint, extracted), extracted[1])
    assert result.success, failure_text(result)
    _azure_check(blob_admin, container, extracted[1])
    assert_no_secret([recorded_text(result), caplog.text], [azurite_blob["account_key"]])


def test_azure_malformed_key_fails_without_echoing_it(
    azurite_blob: dict[str, str], blob_admin: Any, sim_endpoint: tuple[str, str], extracted: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    container, bad_key = unique_name("kada-badkey"), "kada-sentinel-key-not-base64!!"
    blob_admin.create_container(container)
    use_azure(monkeypatch, azurite_blob["account_url"], container, key=bad_key)
    result = run_landing(_landing_defs(sim_endpoint, extracted), extracted[1])
    assert not result.success
    assert "AZURE_STORAGE_KEY" in failure_text(result)
    assert blob_names(blob_admin, container) == []
    assert_no_secret([recorded_text(result), caplog.text], [bad_key])


def test_azure_missing_container_fails_clearly(
    azurite_blob: dict[str, str], sim_endpoint: tuple[str, str], extracted: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container = unique_name("kada-nocontainer")
    use_azure(monkeypatch, azurite_blob["account_url"], container, key=azurite_blob["account_key"])
    result = run_landing(_landing_defs(sim_endpoint, extracted), extracted[1])
    assert not result.success
    message = failure_text(result)
    assert f"container '{container}' does not exist" in message and "KADA_LANDING_URL" in message


def test_azure_corrupted_upload_is_rejected_by_the_store_and_leaves_nothing(
    azurite_blob: dict[str, str], blob_admin: Any, sim_endpoint: tuple[str, str], extracted: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container, day = unique_name("kada-corrupt"), extracted[1]
    blob_admin.create_container(container)
    sas = container_sas(azurite_blob, container)
    defs = _landing_defs(sim_endpoint, extracted)
    use_azure(monkeypatch, azurite_blob["account_url"], container, sas=sas)
    assert run_landing(defs, day).success  # a complete set from an earlier run
    _azure_check(blob_admin, container, day)

    # The 3rd file's bytes are damaged on the way; Azurite checks them against the Content-MD5 sent.
    events_file = f"hightouch_events_{stamp_of(day)}.csv.gz"
    with azure_via_proxy(azurite_blob, monkeypatch, container, sas,
                          lambda m, p, n: CORRUPT if m == "PUT" and p.endswith(events_file) else None) as proxy:
        failed = run_landing(defs, day)
    assert not failed.success
    assert [p.status for p in proxy.puts(events_file)] == [400]  # refused by the store, not retried
    message = failure_text(failed)
    assert f"{container}/prefix/{LANDING_DIR}/{events_file} failed" in message
    assert "corrupted in transit" in message and "nothing of this partition's file set was left" in message
    assert blob_names(blob_admin, container) == []  # no manifest, and no partial set

    rerun = run_landing(defs, day)
    assert rerun.success, failure_text(rerun)
    _azure_check(blob_admin, container, day)


def test_azure_transient_errors_are_retried(
    azurite_blob: dict[str, str], blob_admin: Any, sim_endpoint: tuple[str, str], extracted: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container, day = unique_name("kada-busy"), extracted[1]
    blob_admin.create_container(container)
    metadata_file = f"hightouch_metadata_{stamp_of(day)}.csv.gz"
    busy = Reply(503, b"<?xml version='1.0' encoding='utf-8'?><Error><Code>ServerBusy</Code><Message>The "
                      b"server is busy.</Message></Error>",
                 {"x-ms-error-code": "ServerBusy", "Content-Type": "application/xml"})

    def rule(method: str, path: str, n: int) -> Reply | None:
        return busy if method == "PUT" and path.endswith(metadata_file) and n == 0 else None

    with azure_via_proxy(azurite_blob, monkeypatch, container, container_sas(azurite_blob, container), rule) as proxy:
        result = run_landing(_landing_defs(sim_endpoint, extracted), day)
    assert result.success, failure_text(result)
    assert [p.status for p in proxy.puts(metadata_file)] == [503, 201]
    _azure_check(blob_admin, container, day)


# --------------------------------------------------------------------------------------------
# Unreachable stores
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("store", ["s3", "azure"])
def test_unreachable_store_fails_fast_and_clearly(
    store: str, moto_s3: dict[str, str], azurite_blob: dict[str, str], sim_endpoint: tuple[str, str],
    extracted: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens on the port: the SDKs retry (bounded) and the run fails well within a minute."""
    caplog.set_level(logging.INFO)
    endpoint = f"http://127.0.0.1:{closed_port()}"
    secrets = [S3_SECRET]
    if store == "s3":
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        monkeypatch.setenv("KADA_LANDING_URL", "s3://kada-unreachable/prefix")
        setting = "AWS_ENDPOINT_URL"
    else:
        sas = container_sas(azurite_blob, "kada-unreachable")
        secrets = _sas_secrets(sas)
        use_azure(monkeypatch, f"{endpoint}/devstoreaccount1", "kada-unreachable", sas=sas)
        setting = "AZURE_STORAGE_ACCOUNT_URL"
    started = time.monotonic()
    result = run_landing(_landing_defs(sim_endpoint, extracted), extracted[1])
    elapsed = time.monotonic() - started
    assert not result.success
    assert elapsed < 30, f"took {elapsed:.0f}s"
    message = failure_text(result)
    assert "cannot reach" in message and endpoint in message and setting in message
    assert "after 4 attempts" in message
    assert_no_secret([recorded_text(result), caplog.text], secrets)


# --------------------------------------------------------------------------------------------
# Hevo lands the same way
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("store", ["s3", "azure"])
def test_hevo_partition_lands_on_each_store(
    store: str, s3: Any, blob_admin: Any, azurite_blob: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    import dagster as dg

    from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
    from kada_dagster.core.landing import landing_resource_from_env
    from kada_dagster.core.resources import IntermediateStorageResource
    from kada_dagster.core.sensors import with_kada_automation
    from kada_dagster.hevo.definitions import hevo_definitions
    from kada_dagster.hevo.resources import HevoResource
    from kada_sim.hevo import HevoSimConfig, HevoSimulator

    caplog.set_level(logging.INFO)
    for name in ("KADA_HEVO_CONFIG", "HEVO_API_KEY", "HEVO_API_SECRET", "HEVO_REGION", "HEVO_API_BASE_URL",
                 "HEVO_API_FLAVOUR"):
        monkeypatch.delenv(name, raising=False)
    end = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    day = (end - timedelta(days=1)).strftime("%Y-%m-%d")
    sim = HevoSimulator(HevoSimConfig(seed=3, end=end, days=3))
    name = unique_name("kada-hevo")
    if store == "s3":
        s3.create_bucket(Bucket=name)
        monkeypatch.setenv("KADA_LANDING_URL", f"s3://{name}/prefix")
        secrets = [S3_SECRET, sim.config.api_secret]
    else:
        blob_admin.create_container(name)
        sas = container_sas(azurite_blob, name)
        use_azure(monkeypatch, azurite_blob["account_url"], name, sas=sas)
        secrets = [*_sas_secrets(sas), sim.config.api_secret]
    with sim.serve() as url:
        resource = HevoResource(base_url=url, api_key=sim.config.api_key, api_secret=sim.config.api_secret,
                                backoff_base_seconds=0.01)
        landing = landing_resource_from_env()  # as kada_dagster.definitions builds it: injected backend
        assert type(landing).__name__ == ("S3LandingResource" if store == "s3" else "AzureLandingResource")
        assert not [s for s in secrets if s in landing.model_dump_json()]  # config shows env var names only
        defs = with_kada_automation(dg.Definitions.merge(
            hevo_definitions(resource=resource),
            dg.Definitions(resources={STORAGE_KEY: IntermediateStorageResource(base_path=str(tmp_path)),
                                      LANDING_KEY: landing}),
        ))
        result = run_daily(defs, day, instance_name="hevo")
    assert result.success, failure_text(result)
    if store == "s3":
        _s3_check(s3, name, "prefix", day, "hevo")
    else:
        _azure_check(blob_admin, name, day, "hevo")
    assert_no_secret([recorded_text(result), caplog.text], secrets)


@pytest.mark.parametrize("store", ["s3", "azure"])
def test_silent_store_times_out_and_retries_a_bounded_number_of_times(
    store: str, moto_s3: dict[str, str], tmp_path: Path,
) -> None:
    """A server that accepts connections and never answers: the read timeout applies to every attempt
    (here shortened through the resources' fields; the defaults are 15 s and 3 retries)."""
    from kada_dagster.core.landing import LandingError
    from kada_dagster.core.landing.azure import AzureBlobLanding, BlobClientResource
    from kada_dagster.core.landing.s3 import S3ClientResource, S3Landing

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes handshakes; nobody ever reads or answers
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        landing: Any
        if store == "s3":
            landing = S3Landing("s3://kada-silent/prefix", S3ClientResource(
                endpoint_url=endpoint, region_name="us-east-1", max_attempts=1, read_timeout=0.5))
        else:
            from dagster_azure.blob import AzureBlobStorageKeyCredential

            landing = AzureBlobLanding("azure://kada-silent/prefix", BlobClientResource(
                account_url=f"{endpoint}/devstoreaccount1", retry_total=1, retry_backoff=0.0, read_timeout=0.5,
                credential=AzureBlobStorageKeyCredential(key=base64.b64encode(b"k" * 32).decode())))
        staged = tmp_path / "f.csv"
        staged.write_bytes(b"a\n")
        started = time.monotonic()
        with pytest.raises(LandingError, match="after 2 attempts"):
            landing.put(staged, "lz/x/landing/f.csv", hashlib.sha256(b"a\n").hexdigest())
        elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 10, f"{elapsed:.1f}s"


def test_an_azure_url_without_its_account_falls_back_and_the_landing_step_names_the_variable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kada_dagster.core.landing import UrlLandingResource, landing_resource_from_env
    from kada_dagster.core.settings import SettingsError

    monkeypatch.setenv("KADA_LANDING_URL", "azure://landing/prefix")
    resource = landing_resource_from_env()  # the code location still loads
    assert type(resource) is UrlLandingResource
    with pytest.raises(SettingsError, match="set AZURE_STORAGE_ACCOUNT_URL"):
        resource.get_landing("ignored")
