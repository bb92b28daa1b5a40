"""K's landing directory on Azure Blob Storage, through dagster-azure's `AzureBlobStorageResource`.

`AZURE_STORAGE_ACCOUNT_URL` and either `AZURE_STORAGE_SAS_TOKEN` (what KADA Support issues) or
`AZURE_STORAGE_KEY`. Uploads use `validate_content` (a transactional Content-MD5 the service verifies) and
store the MD5 as the blob's Content-MD5; a single Put Blob or Put Block List commit is atomic.
azure-storage retries transient errors itself, bounded in `sdk`. Errors become LandingError naming the
store, the path and the setting to fix; no SDK message is copied (Azure's can carry the request URL, and
with it the SAS token).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_azure.blob import (
    AzureBlobStorageAnonymousCredential,
    AzureBlobStorageKeyCredential,
    AzureBlobStorageResource,
    AzureBlobStorageSASTokenCredential,
)
from pydantic import Field

from kada_dagster.core.landing.interface import Landing, LandingError, LandingResource, ObjectStoreLanding
from kada_dagster.core.landing.sdk import (
    AZURE_BACKOFF_BASE,
    AZURE_BACKOFF_S,
    CONNECT_TIMEOUT_S,
    READ_TIMEOUT_S,
    RETRIES,
    content_type,
    env_value,
    md5_of,
    split_url,
)
from kada_dagster.core.settings import SettingsError


class BlobClientResource(AzureBlobStorageResource):
    """dagster-azure's AzureBlobStorageResource with bounded retries and timeouts.

    azure-storage-blob's default (3 retries after about 18, 24 and 42 s; 20 s connect timeout) takes
    minutes to give up on an unreachable account.
    """

    retry_total: int = Field(default=RETRIES, description="Retries after the first attempt.")
    retry_backoff: float = Field(default=AZURE_BACKOFF_S, description="Back-off: this + 1.5**n seconds.")
    connection_timeout: float = Field(default=CONNECT_TIMEOUT_S, description="Seconds to open a connection.")
    read_timeout: float = Field(default=READ_TIMEOUT_S, description="Seconds to wait for the store to answer.")

    def client_kwargs(self) -> dict[str, Any]:
        from azure.storage.blob import ExponentialRetry

        return {
            "retry_policy": ExponentialRetry(initial_backoff=self.retry_backoff,  # type: ignore[arg-type]
                                             increment_base=AZURE_BACKOFF_BASE,  # type: ignore[arg-type]
                                             retry_total=self.retry_total, random_jitter_range=1),
            "connection_timeout": self.connection_timeout,
            "read_timeout": self.read_timeout,
        }

    def _raw_credential(self) -> Any:
        """A SAS token as KADA Support gives it (with or without the leading `?`, or a whole SAS URL)."""
        raw = super()._raw_credential()
        return _sas_from(raw) if self.credential.credential_type == "sas" and isinstance(raw, str) else raw

    @contextmanager
    def get_client(self) -> Any:
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient(account_url=self.account_url, credential=self._raw_credential(),
                                    **self.client_kwargs())
        try:
            yield service
        finally:
            service.close()


def _error_code(exc: Exception) -> str:
    """The service's x-ms-error-code (azure-storage gives a StorageErrorCode enum or a string)."""
    code = getattr(exc, "error_code", None)
    return str(getattr(code, "value", code) or "")


def _sas_from(value: str) -> str:
    """A SAS token as given: `sv=...&sig=...`, with a leading `?`, or a whole SAS URL."""
    value = value.strip()
    if "://" in value:
        value = value.split("?", 1)[1] if "?" in value else ""
    return value.lstrip("?")


class AzureBlobLanding(ObjectStoreLanding):
    """A container in K's storage account (`storage_azure_storage_account`) and prefix."""

    def __init__(self, url: str, blob_resource: AzureBlobStorageResource | None = None) -> None:
        self.container, self.prefix = split_url(url, "azure")
        self.credential_setting = "AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_KEY"
        if blob_resource is None:
            account_url = (os.environ.get("AZURE_STORAGE_ACCOUNT_URL") or "").strip()
            if not account_url:
                raise SettingsError("KADA_LANDING_URL is azure://...: set AZURE_STORAGE_ACCOUNT_URL "
                                    "(https://<storage_azure_storage_account>.blob.core.windows.net)")
            if "://" not in account_url:
                raise SettingsError("AZURE_STORAGE_ACCOUNT_URL must be a URL such as "
                                    "https://<storage_azure_storage_account>.blob.core.windows.net")
            sas = _sas_from(os.environ.get("AZURE_STORAGE_SAS_TOKEN") or "")
            key = (os.environ.get("AZURE_STORAGE_KEY") or "").strip()
            credential: Any
            if sas:
                credential = AzureBlobStorageSASTokenCredential(token=sas)
                self.credential_setting = "AZURE_STORAGE_SAS_TOKEN"
            elif key:
                credential = AzureBlobStorageKeyCredential(key=key)
                self.credential_setting = "AZURE_STORAGE_KEY"
            elif "?" in account_url:  # a SAS URL given as the account URL
                credential = AzureBlobStorageAnonymousCredential()
                self.credential_setting = "AZURE_STORAGE_ACCOUNT_URL (its SAS)"
            else:
                raise SettingsError("KADA_LANDING_URL is azure://...: set AZURE_STORAGE_SAS_TOKEN "
                                    "(from KADA Support) or AZURE_STORAGE_KEY")
            blob_resource = BlobClientResource(account_url=account_url, credential=credential)
        self.resource = blob_resource
        self.account_url = str(getattr(blob_resource, "account_url", "")).split("?", 1)[0].rstrip("/")
        self._service_client: Any = None

    def describe(self) -> str:
        return f"{self.account_url}/{self.container}/{self.prefix}".rstrip("/")

    def _fail(self, action: str, key: str, exc: Exception) -> LandingError:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ServiceRequestError,
            ServiceResponseError,
        )

        where = f"{self.account_url}/{self.container}/{self._key(key)}"
        code = _error_code(exc)
        status = getattr(exc, "status_code", None)
        if code == "ContainerNotFound":
            hint = (f"container '{self.container}' does not exist in {self.account_url}: check the container in "
                    "KADA_LANDING_URL=azure://<container>/<prefix> and AZURE_STORAGE_ACCOUNT_URL")
        elif status in (401, 403) or isinstance(exc, ClientAuthenticationError) or code in {
            "AuthenticationFailed", "InvalidAuthenticationInfo", "NoAuthenticationInformation",
        }:
            need = "write, create and delete permissions"
            hint = (f"the store refused the credential ({code or status}): check {self.credential_setting}"
                    + (f"; a SAS token (from KADA Support) must be unexpired, signed for this account, and "
                       f"grant {need} on container '{self.container}'" if "SAS" in self.credential_setting
                       else " (an access key of the storage account in AZURE_STORAGE_ACCOUNT_URL)"))
        elif code in {"Md5Mismatch", "InvalidMd5", "Crc64Mismatch"} or (
            code == "InvalidOperation" and "md5" in str(getattr(exc, "message", "") or "").lower()
        ):
            hint = (f"the store rejected the upload's checksum ({code}): the file was corrupted in transit; "
                    "re-run the partition")
        elif code in {"AccountNotFound", "ResourceNotFound", "InvalidUri"} or status == 404:
            hint = f"not found ({code or status}): check AZURE_STORAGE_ACCOUNT_URL and KADA_LANDING_URL"
        elif isinstance(exc, HttpResponseError):
            hint = (f"the store answered HTTP {status} {code}".rstrip() + ": check AZURE_STORAGE_ACCOUNT_URL "
                    "and KADA_LANDING_URL")
        elif isinstance(exc, (ServiceRequestError, ServiceResponseError)):
            what = "no answer from" if isinstance(exc, ServiceResponseError) else "cannot reach"
            hint = (f"{what} {self.account_url} after {self._attempts()} attempts ({type(exc).__name__}): "
                    "check AZURE_STORAGE_ACCOUNT_URL and the network")
        else:
            hint = f"{type(exc).__name__}: check AZURE_STORAGE_ACCOUNT_URL, {self.credential_setting}"
        return LandingError(f"Azure landing: {action} {where} failed: {hint}")

    def _attempts(self) -> int:
        return int(getattr(self.resource, "retry_total", RETRIES)) + 1

    @property
    def service(self) -> Any:
        """One BlobServiceClient (one connection pool) for this landing, from the resource's settings."""
        if self._service_client is None:
            from azure.storage.blob import BlobServiceClient

            resource = self.resource
            kwargs = resource.client_kwargs() if isinstance(resource, BlobClientResource) else {}
            try:
                self._service_client = BlobServiceClient(
                    account_url=resource.account_url, credential=resource._raw_credential(), **kwargs
                )
            except Exception as exc:  # a malformed URL or credential; the SDK's text may echo it
                raise LandingError(
                    f"Azure landing {self.describe()}: cannot create the client ({type(exc).__name__}); check "
                    f"AZURE_STORAGE_ACCOUNT_URL and {self.credential_setting}"
                ) from None
        return self._service_client

    def _blob(self, key: str) -> Any:
        return self.service.get_blob_client(self.container, self._key(key))

    def put(self, local_path: Path, key: str, sha256: str) -> None:
        from azure.storage.blob import ContentSettings

        md5 = md5_of(local_path)
        with self._failing_as("put", key), open(local_path, "rb") as body:
            # validate_content: Content-MD5 on the request (each block, for big files), checked by
            # the service; content_md5: stored as the blob's MD5 property for readers to check.
            self._blob(key).upload_blob(
                body, overwrite=True, validate_content=True, metadata={"sha256": sha256},
                content_settings=ContentSettings(content_type=content_type(key), content_md5=bytearray(md5)),
            )

    def delete(self, key: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        with self._failing_as("delete", key):
            try:
                self._blob(key).delete_blob()
            except ResourceNotFoundError as exc:
                if _error_code(exc) not in ("", "BlobNotFound"):
                    raise

    def _names_below(self, start: str) -> Iterable[str]:
        container = self.service.get_container_client(self.container)
        return [blob.name for blob in container.list_blobs(name_starts_with=start or None)]

    def read(self, key: str) -> bytes:
        with self._failing_as("read", key):
            return self._blob(key).download_blob().readall()

    def check_access(self, prefix: str) -> None:
        """Proves the account, container and credential before anything is withdrawn or put.

        Deletes a blob that does not exist: with delete permission the service answers BlobNotFound,
        with a bad or under-privileged SAS 403, without the container ContainerNotFound. Nothing is ever
        written into K's landing directory, and a container SAS without `list` is enough.
        """
        probe = f"{prefix.strip('/')}/.kada-access-probe"
        from azure.core.exceptions import ResourceNotFoundError

        with self._failing_as("access check of", prefix):
            try:
                self._blob(probe).delete_blob()
            except ResourceNotFoundError as exc:
                if _error_code(exc) != "BlobNotFound":
                    raise


class AzureLandingResource(LandingResource):
    """Landing on Azure Blob through dagster-azure's resource; the SAS token or key is an EnvVar, read when
    a run starts, so the UI shows its variable's name only."""

    blob: BlobClientResource
    credential_setting: str = "AZURE_STORAGE_SAS_TOKEN"

    def get_landing(self, settings_url: str) -> Landing:
        landing = AzureBlobLanding(self.url or settings_url, blob_resource=self.blob)
        landing.credential_setting = self.credential_setting
        return landing


def azure_landing_resource(url: str) -> AzureLandingResource | None:
    """None when the environment does not say how to reach the account yet (the landing step then names
    the missing variable when it runs, instead of the code location failing to load)."""
    account = env_value("AZURE_STORAGE_ACCOUNT_URL")
    if not account or "://" not in account:
        return None
    credential: Any
    if env_value("AZURE_STORAGE_SAS_TOKEN"):
        credential, setting = AzureBlobStorageSASTokenCredential(token=dg.EnvVar("AZURE_STORAGE_SAS_TOKEN")), \
            "AZURE_STORAGE_SAS_TOKEN"
    elif env_value("AZURE_STORAGE_KEY"):
        credential, setting = AzureBlobStorageKeyCredential(key=dg.EnvVar("AZURE_STORAGE_KEY")), "AZURE_STORAGE_KEY"
    elif "?" in account:
        credential, setting = AzureBlobStorageAnonymousCredential(), "AZURE_STORAGE_ACCOUNT_URL (its SAS)"
    else:
        return None
    blob = BlobClientResource(account_url=dg.EnvVar("AZURE_STORAGE_ACCOUNT_URL"), credential=credential)
    return AzureLandingResource(url=url, blob=blob, credential_setting=setting)
