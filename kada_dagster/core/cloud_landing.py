"""S3 and Azure Blob backends of the landing interface, through dagster-aws and dagster-azure.

`s3://bucket/prefix` uses dagster-aws's `S3Resource` (credentials from the standard AWS chain: keys,
profile or IAM role; `AWS_REGION`; `AWS_ENDPOINT_URL` for S3-compatible stores). Each put sends the
file's MD5 (`ContentMD5`), which S3 checks before it stores the object, and a put is atomic.

`azure://container/prefix` uses dagster-azure's `AzureBlobStorageResource` with
`AZURE_STORAGE_ACCOUNT_URL` and either `AZURE_STORAGE_SAS_TOKEN` (what KADA Support issues) or
`AZURE_STORAGE_KEY`. Uploads use `validate_content` (a transactional MD5 the service verifies) and
store the MD5 as the blob's Content-MD5; a single Put Blob or Put Block List commit is atomic.

Both SDKs retry transient errors themselves (botocore standard mode; azure-core exponential retry).
Errors become LandingError naming the store, the path and the setting to fix, never a credential.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

from kada_dagster.core.landing import Landing, LandingError, register_landing_scheme
from kada_dagster.core.settings import SettingsError


def _md5(path: Path) -> bytes:
    digest = hashlib.md5()  # noqa: S324 - integrity check the stores understand, not security
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.digest()


def _split(url: str, scheme: str) -> tuple[str, str]:
    rest = url[len(scheme) + 3:]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise SettingsError(f"KADA_LANDING_URL={scheme}://...: the {'bucket' if scheme == 's3' else 'container'} is missing")
    return bucket, prefix.strip("/")


class S3Landing(Landing):
    """An S3 bucket (K's `storage_root_folder`) and prefix."""

    def __init__(self, url: str, s3_resource: Any | None = None) -> None:
        from dagster_aws.s3 import S3Resource

        self.bucket, self.prefix = _split(url, "s3")
        self.resource = s3_resource or S3Resource(
            region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
            endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3"),
            profile_name=os.environ.get("AWS_PROFILE"),
        )
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.resource.get_client()
        return self._client

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _fail(self, action: str, key: str, exc: Exception) -> LandingError:
        from botocore.exceptions import ClientError, NoCredentialsError, PartialCredentialsError

        where = f"s3://{self.bucket}/{self._key(key)}"
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            hint = "no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an IAM role"
        elif isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403", "ExpiredToken"}:
                hint = f"access denied ({code}): check the AWS credentials KADA Support issued or the IAM role"
            elif code in {"NoSuchBucket", "404"}:
                hint = f"bucket '{self.bucket}' not found ({code}): check KADA_LANDING_URL (storage_root_folder)"
            elif code in {"BadDigest", "InvalidDigest"}:
                hint = f"the store rejected the checksum ({code}): the upload was corrupted in transit"
            else:
                hint = f"{code or type(exc).__name__}: check KADA_LANDING_URL, AWS_REGION and AWS_ENDPOINT_URL"
        else:
            hint = f"{type(exc).__name__}: cannot reach the store; check AWS_ENDPOINT_URL, AWS_REGION and the network"
        return LandingError(f"S3 landing: {action} {where} failed: {hint}")

    def put(self, local_path: Path, key: str, sha256: str) -> None:
        md5 = base64.b64encode(_md5(local_path)).decode()
        try:
            with open(local_path, "rb") as body:
                self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=body, ContentMD5=md5,
                                       Metadata={"sha256": sha256})
        except Exception as exc:
            raise self._fail("put", key, exc) from None

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            raise self._fail("delete", key, exc) from None

    def list(self, prefix: str) -> list[str]:
        full = self._key(prefix.strip("/"))
        keys: list[str] = []
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full + "/" if full else ""):
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
        except Exception as exc:
            raise self._fail("list", prefix, exc) from None
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(k[strip:] for k in keys)

    def read(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except Exception as exc:
            raise self._fail("read", key, exc) from None


class AzureBlobLanding(Landing):
    """A container in K's storage account (`storage_azure_storage_account`) and prefix."""

    def __init__(self, url: str, blob_resource: Any | None = None) -> None:
        self.container, self.prefix = _split(url, "azure")
        if blob_resource is None:
            from dagster_azure.blob import (
                AzureBlobStorageKeyCredential,
                AzureBlobStorageResource,
                AzureBlobStorageSASTokenCredential,
            )

            account_url = os.environ.get("AZURE_STORAGE_ACCOUNT_URL", "").strip()
            if not account_url:
                raise SettingsError("KADA_LANDING_URL is azure://...: set AZURE_STORAGE_ACCOUNT_URL "
                                    "(https://<storage_azure_storage_account>.blob.core.windows.net)")
            sas = os.environ.get("AZURE_STORAGE_SAS_TOKEN", "").strip()
            key = os.environ.get("AZURE_STORAGE_KEY", "").strip()
            if sas:
                credential: Any = AzureBlobStorageSASTokenCredential(token=sas.lstrip("?"))
            elif key:
                credential = AzureBlobStorageKeyCredential(key=key)
            else:
                raise SettingsError("KADA_LANDING_URL is azure://...: set AZURE_STORAGE_SAS_TOKEN "
                                    "(from KADA Support) or AZURE_STORAGE_KEY")
            blob_resource = AzureBlobStorageResource(account_url=account_url, credential=credential)
        self.resource = blob_resource
        self.account_url = getattr(blob_resource, "account_url", "")

    def describe(self) -> str:
        return f"azure://{self.container}/{self.prefix}".rstrip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _fail(self, action: str, key: str, exc: Exception) -> LandingError:
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError

        where = f"{self.account_url.split('?')[0].rstrip('/')}/{self.container}/{self._key(key)}"
        if isinstance(exc, ClientAuthenticationError) or (
            isinstance(exc, HttpResponseError) and exc.status_code in (401, 403)
        ):
            hint = ("authorisation failed: check AZURE_STORAGE_SAS_TOKEN (expired, wrong container or missing "
                    "write/create/delete/list permissions) or AZURE_STORAGE_KEY")
        elif isinstance(exc, ResourceNotFoundError):
            hint = f"container '{self.container}' not found: check KADA_LANDING_URL and AZURE_STORAGE_ACCOUNT_URL"
        elif isinstance(exc, HttpResponseError):
            hint = f"HTTP {exc.status_code} {getattr(exc, 'error_code', '') or ''}".strip()
        else:
            hint = f"{type(exc).__name__}: cannot reach the store; check AZURE_STORAGE_ACCOUNT_URL and the network"
        return LandingError(f"Azure landing: {action} {where} failed: {hint}")

    def _service(self) -> Any:
        return self.resource.get_client()

    def put(self, local_path: Path, key: str, sha256: str) -> None:
        from azure.storage.blob import ContentSettings

        md5 = _md5(local_path)
        try:
            with self._service() as service, open(local_path, "rb") as body:
                service.get_blob_client(self.container, self._key(key)).upload_blob(
                    body, overwrite=True, validate_content=True,
                    content_settings=ContentSettings(content_md5=bytearray(md5)), metadata={"sha256": sha256},
                )
        except Exception as exc:
            raise self._fail("put", key, exc) from None

    def delete(self, key: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            with self._service() as service:
                service.get_blob_client(self.container, self._key(key)).delete_blob()
        except ResourceNotFoundError:
            return
        except Exception as exc:
            raise self._fail("delete", key, exc) from None

    def list(self, prefix: str) -> list[str]:
        full = self._key(prefix.strip("/"))
        try:
            with self._service() as service:
                names = [b.name for b in service.get_container_client(self.container).list_blobs(
                    name_starts_with=full + "/" if full else None)]
        except Exception as exc:
            raise self._fail("list", prefix, exc) from None
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(n[strip:] for n in names)

    def read(self, key: str) -> bytes:
        try:
            with self._service() as service:
                return service.get_blob_client(self.container, self._key(key)).download_blob().readall()
        except Exception as exc:
            raise self._fail("read", key, exc) from None

    def check_access(self, prefix: str) -> None:
        """A SAS for one container may lack `list`; a write probe is what the push needs anyway."""
        probe = f"{prefix.strip('/')}/.kada-write-probe"
        try:
            with self._service() as service:
                blob = service.get_blob_client(self.container, self._key(probe))
                blob.upload_blob(b"", overwrite=True)
                blob.delete_blob()
        except Exception as exc:
            raise self._fail("write probe", probe, exc) from None


register_landing_scheme("s3", S3Landing)
register_landing_scheme("azure", AzureBlobLanding)
