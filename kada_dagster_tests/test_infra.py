"""Proves the server fixtures in conftest.py are real: each test talks to its server with the
production client library, and checks something a mock or a misconfigured fixture would get wrong
(data really in PostgreSQL, SAS signatures really verified, credentials really fake)."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest


def _unique(prefix: str) -> str:
    """Bucket/container names are shared across the session's tests: make them unique."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# --------------------------------------------------------------------------------------------
# PostgreSQL + Dagster
# --------------------------------------------------------------------------------------------


def test_postgres_url_accepts_password_login(postgres_url: str) -> None:
    import psycopg2

    assert postgres_url.startswith("postgresql://") and "@127.0.0.1:" in postgres_url
    with psycopg2.connect(postgres_url) as conn, conn.cursor() as cur:
        cur.execute("select current_database(), current_setting('server_version_num')::int")
        db, version = cur.fetchone()
    assert db == "kada_test"
    assert version >= 120000


def test_postgres_rejects_wrong_password(postgres_url: str) -> None:
    import psycopg2

    bad = postgres_url.replace(":kada-test-pw@", ":not-the-password@")
    assert bad != postgres_url
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(bad).close()


def test_dagster_run_is_stored_in_postgres(dagster_pg_instance: Any, postgres_url: str) -> None:
    import psycopg2
    from dagster import DagsterEventType, DagsterRunStatus, job, op
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    assert isinstance(dagster_pg_instance.run_storage, PostgresRunStorage)
    assert isinstance(dagster_pg_instance.event_log_storage, PostgresEventLogStorage)

    @op
    def answer() -> int:
        return 42

    @job
    def infra_probe_job() -> None:
        answer()

    result = infra_probe_job.execute_in_process(instance=dagster_pg_instance)
    assert result.success
    assert result.output_for_node("answer") == 42

    run = dagster_pg_instance.get_run_by_id(result.run_id)
    assert run is not None
    assert run.job_name == "infra_probe_job"
    assert run.status == DagsterRunStatus.SUCCESS
    assert any(
        entry.dagster_event is not None and entry.dagster_event.event_type == DagsterEventType.RUN_SUCCESS
        for entry in dagster_pg_instance.all_logs(result.run_id)
    )

    # Read it back with a plain SQL client: the run really lives in this PostgreSQL database.
    with psycopg2.connect(postgres_url) as conn, conn.cursor() as cur:
        cur.execute("select pipeline_name, status from runs where run_id = %s", (result.run_id,))
        assert cur.fetchone() == ("infra_probe_job", "SUCCESS")


# --------------------------------------------------------------------------------------------
# S3 (moto)
# --------------------------------------------------------------------------------------------


def test_moto_s3_put_get(moto_s3: dict[str, str]) -> None:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_s3["endpoint_url"],
        region_name=moto_s3["region"],
        aws_access_key_id=moto_s3["access_key"],
        aws_secret_access_key=moto_s3["secret_key"],
    )
    bucket = _unique("kada-infra")
    s3.create_bucket(Bucket=bucket)
    body = b"KADA extract line 1\nline 2\n"
    s3.put_object(Bucket=bucket, Key="landing/extract.csv", Body=body)

    assert s3.get_object(Bucket=bucket, Key="landing/extract.csv")["Body"].read() == body
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="landing/")["Contents"]]
    assert keys == ["landing/extract.csv"]


def test_moto_s3_environment_is_fake(moto_s3: dict[str, str]) -> None:
    """A client built with no arguments (as library code may do) uses the fake creds and moto."""
    import boto3

    assert os.environ["AWS_ACCESS_KEY_ID"] == moto_s3["access_key"]
    assert "AWS_PROFILE" not in os.environ and "AWS_SESSION_TOKEN" not in os.environ
    session = boto3.session.Session()
    creds = session.get_credentials()
    assert creds is not None and creds.access_key == moto_s3["access_key"]
    s3 = session.client("s3")
    assert s3.meta.endpoint_url == moto_s3["endpoint_url"]
    bucket = _unique("kada-default-client")
    s3.create_bucket(Bucket=bucket)
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


# --------------------------------------------------------------------------------------------
# Azure Blob (Azurite)
# --------------------------------------------------------------------------------------------


def test_azurite_upload_download_with_account_key(azurite_blob: dict[str, str]) -> None:
    from azure.storage.blob import BlobServiceClient

    svc = BlobServiceClient(
        account_url=azurite_blob["account_url"],
        credential={"account_name": azurite_blob["account_name"], "account_key": azurite_blob["account_key"]},
    )
    container = svc.create_container(_unique("kada-infra"))
    data = b"KADA extract via shared key\n"
    container.upload_blob("landing/extract.csv", data)

    assert container.download_blob("landing/extract.csv").readall() == data
    assert [b.name for b in container.list_blobs()] == ["landing/extract.csv"]

    # The connection string form (what most configs carry) reaches the same account.
    svc2 = BlobServiceClient.from_connection_string(azurite_blob["connection_string"])
    assert (
        svc2.get_container_client(container.container_name).download_blob("landing/extract.csv").readall()
        == data
    )


def test_azurite_sas_token_valid_and_forged(azurite_blob: dict[str, str]) -> None:
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
    from azure.storage.blob import (
        BlobServiceClient,
        ContainerClient,
        ContainerSasPermissions,
        generate_container_sas,
    )

    admin = BlobServiceClient(
        account_url=azurite_blob["account_url"],
        credential={"account_name": azurite_blob["account_name"], "account_key": azurite_blob["account_key"]},
    )
    name = _unique("kada-sas")
    admin.create_container(name)
    expiry = datetime.now(timezone.utc) + timedelta(hours=1)
    perms = ContainerSasPermissions(read=True, write=True, create=True, list=True)

    good_sas = generate_container_sas(
        azurite_blob["account_name"],
        name,
        account_key=azurite_blob["account_key"],
        permission=perms,
        expiry=expiry,
    )
    via_sas = ContainerClient(
        account_url=azurite_blob["account_url"], container_name=name, credential=good_sas
    )
    via_sas.upload_blob("k/extract.csv", b"via SAS\n")
    assert via_sas.download_blob("k/extract.csv").readall() == b"via SAS\n"

    # Signed with a different key: same shape, wrong signature -> Azurite must refuse it.
    wrong_key = "A" * 86 + "=="
    forged_sas = generate_container_sas(
        azurite_blob["account_name"], name, account_key=wrong_key, permission=perms, expiry=expiry
    )
    forged = ContainerClient(
        account_url=azurite_blob["account_url"], container_name=name, credential=forged_sas
    )
    with pytest.raises((ClientAuthenticationError, HttpResponseError)) as excinfo:
        forged.upload_blob("k/forged.csv", b"should not land\n")
    assert getattr(excinfo.value, "status_code", None) == 403
    with pytest.raises((ClientAuthenticationError, HttpResponseError)) as excinfo:
        forged.download_blob("k/extract.csv").readall()
    assert getattr(excinfo.value, "status_code", None) == 403

    # A read-only SAS signed with the right key cannot write.
    ro_sas = generate_container_sas(
        azurite_blob["account_name"],
        name,
        account_key=azurite_blob["account_key"],
        permission=ContainerSasPermissions(read=True),
        expiry=expiry,
    )
    read_only = ContainerClient(
        account_url=azurite_blob["account_url"], container_name=name, credential=ro_sas
    )
    assert read_only.download_blob("k/extract.csv").readall() == b"via SAS\n"
    with pytest.raises(HttpResponseError) as excinfo:
        read_only.upload_blob("k/denied.csv", b"no\n")
    assert excinfo.value.status_code == 403

    names = [b.name for b in admin.get_container_client(name).list_blobs()]
    assert names == ["k/extract.csv"]
