"""The cloud stores the landing tests write to: S3 on moto and Azure Blob on Azurite, reached directly or
through a FaultProxy (landing_helpers), and what is in them. The fixtures (``s3``, ``blob_admin``) are in
conftest.py."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlparse

import pytest

from kada_dagster_tests.landing_helpers import FaultProxy, ProxyRule

S3_SECRET = "kada-sentinel-aws-secret-5b0d9e"
S3_KEY_ID = "AKIAKADASENTINEL0001"


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- S3 (moto) ----------------------------------------------------------------------------------------


def s3_keys(s3: Any, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def moto_port(moto_s3: dict[str, str]) -> int:
    return int(urlparse(moto_s3["endpoint_url"]).port or 0)


@contextmanager
def s3_via_proxy(moto_s3: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                 rule: ProxyRule = lambda m, p, n: None) -> Iterator[FaultProxy]:
    """Within the block the code under test reaches moto through a FaultProxy (see its ``rule``); after
    it, directly again."""
    with FaultProxy(moto_port(moto_s3), rule) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.port}")
        try:
            yield proxy
        finally:
            monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3["endpoint_url"])


# --- Azure Blob (Azurite) -----------------------------------------------------------------------------


def container_sas(azurite_blob: dict[str, str], container: str, *, key: str | None = None,
                  delete: bool = True) -> str:
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    return generate_container_sas(
        azurite_blob["account_name"], container, account_key=key or azurite_blob["account_key"],
        permission=ContainerSasPermissions(read=True, write=True, create=True, delete=delete, list=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )


def azurite_port(azurite_blob: dict[str, str]) -> int:
    return int(urlparse(azurite_blob["account_url"]).port or 0)


def use_azure(monkeypatch: pytest.MonkeyPatch, account_url: str, container: str, *, sas: str | None = None,
              key: str | None = None) -> None:
    monkeypatch.setenv("KADA_LANDING_URL", f"azure://{container}/prefix")
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_URL", account_url)
    if sas:
        monkeypatch.setenv("AZURE_STORAGE_SAS_TOKEN", sas)
    if key:
        monkeypatch.setenv("AZURE_STORAGE_KEY", key)


@contextmanager
def azure_via_proxy(azurite_blob: dict[str, str], monkeypatch: pytest.MonkeyPatch, container: str, sas: str,
                    rule: ProxyRule = lambda m, p, n: None) -> Iterator[FaultProxy]:
    """Within the block the code under test reaches Azurite (with ``sas``) through a FaultProxy (see its
    ``rule``); after it, directly again."""
    with FaultProxy(azurite_port(azurite_blob), rule) as proxy:
        use_azure(monkeypatch, f"http://127.0.0.1:{proxy.port}/devstoreaccount1", container, sas=sas)
        try:
            yield proxy
        finally:
            use_azure(monkeypatch, azurite_blob["account_url"], container, sas=sas)


def blob_names(blob_admin: Any, container: str) -> list[str]:
    return sorted(b.name for b in blob_admin.get_container_client(container).list_blobs())
