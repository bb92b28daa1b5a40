"""S3 and Azure Blob backends of the landing interface, through dagster-aws and dagster-azure.

`s3://bucket/prefix` uses dagster-aws's `S3Resource` (credentials from the standard AWS chain: keys,
profile or IAM role; `AWS_REGION`; `AWS_ENDPOINT_URL` for S3-compatible stores). Each put sends the
file's MD5 (`Content-MD5`) and its SHA-256 (`x-amz-checksum-sha256`, the manifest's value), which S3
checks before it stores the object; a put is atomic. For an S3-compatible store that rejects
`x-amz-checksum-*` headers, botocore's `AWS_REQUEST_CHECKSUM_CALCULATION=when_required` leaves only
Content-MD5.

`azure://container/prefix` uses dagster-azure's `AzureBlobStorageResource` with
`AZURE_STORAGE_ACCOUNT_URL` and either `AZURE_STORAGE_SAS_TOKEN` (what KADA Support issues) or
`AZURE_STORAGE_KEY`. Uploads use `validate_content` (a transactional Content-MD5 the service
verifies) and store the MD5 as the blob's Content-MD5; a single Put Blob or Put Block List commit is
atomic.

Both SDKs retry transient errors themselves (botocore "standard" mode; azure-storage's exponential
retry). Their defaults are slow for a daily job (botocore: 60 s connect timeout; azure: 15 s first
back-off), so the resources below bound them: an unreachable store fails in well under a minute.
Errors become LandingError naming the store, the path and the setting to fix, never a credential
(no SDK message is copied: Azure's can carry the request URL, and with it the SAS token).
"""

from __future__ import annotations

import base64
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_aws.s3 import S3Resource
from dagster_azure.blob import (
    AzureBlobStorageAnonymousCredential,
    AzureBlobStorageKeyCredential,
    AzureBlobStorageResource,
    AzureBlobStorageSASTokenCredential,
)
from pydantic import Field

from kada_dagster.core.landing import Landing, LandingError
from kada_dagster.core.resources import LandingResource
from kada_dagster.core.settings import SettingsError

# Bounds on the SDKs' own retries: enough for a throttled or restarting store, and a store that cannot
# be reached fails in about a minute at most: connection refused, 4 attempts (S3 < 1 s, Azure ~10 s of
# back-off); no answer to connect, 4 x 10 s + back-off; connected but silent, 4 x 15 s + back-off (the
# access check; an S3 put waits twice per attempt, for `100-continue` and for the answer).
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 15.0
RETRIES = 3  # after the first attempt
AZURE_BACKOFF_S = 1.0  # azure back-off: AZURE_BACKOFF_S + 1.5**n s (about 2.5, 3.3, 4.4), +-1 s jitter
AZURE_BACKOFF_BASE = 1.5

_CONTENT_TYPES = {".gz": "application/gzip", ".csv": "text/csv", ".json": "application/json"}


def _md5(path: Path) -> bytes:
    digest = hashlib.md5()  # noqa: S324 - integrity check the stores understand, not security
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.digest()


def _split(url: str, scheme: str) -> tuple[str, str]:
    rest = url[len(scheme) + 3:].split("?", 1)[0]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        what = "bucket" if scheme == "s3" else "container"
        raise SettingsError(f"KADA_LANDING_URL={scheme}://...: the {what} is missing ({scheme}://<{what}>/<prefix>)")
    return bucket, prefix.strip("/")


def _content_type(key: str) -> str:
    return _CONTENT_TYPES.get(Path(key).suffix, "application/octet-stream")


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


# --------------------------------------------------------------------------------------------
# S3
# --------------------------------------------------------------------------------------------


class LandingS3Resource(S3Resource):
    """dagster-aws's S3Resource with bounded timeouts: its client has botocore's 60 s connect timeout."""

    max_attempts: int = Field(default=RETRIES, description="botocore retries after the first attempt (standard mode).")
    connect_timeout: float = Field(default=CONNECT_TIMEOUT_S, description="Seconds to open a connection.")
    read_timeout: float = Field(default=READ_TIMEOUT_S, description="Seconds to wait for the store to answer.")

    def get_client(self) -> Any:
        import boto3
        from botocore.config import Config
        from dagster_aws.utils import construct_boto_client_retry_config

        config = construct_boto_client_retry_config(self.max_attempts).merge(
            Config(connect_timeout=self.connect_timeout, read_timeout=self.read_timeout)
        )
        session = boto3.session.Session(profile_name=self.profile_name)
        return session.client(
            "s3",
            region_name=self.region_name,
            endpoint_url=self.endpoint_url,
            use_ssl=self.use_ssl,
            verify=self.verify,
            aws_access_key_id=self.aws_access_key_id,
            aws_secret_access_key=self.aws_secret_access_key,
            aws_session_token=self.aws_session_token,
            config=config,
        )


class S3Landing(Landing):
    """An S3 bucket (K's `storage_root_folder`) and prefix."""

    def __init__(self, url: str, s3_resource: S3Resource | None = None) -> None:
        self.bucket, self.prefix = _split(url, "s3")
        self.resource = s3_resource or LandingS3Resource(
            region_name=_env("AWS_REGION", "AWS_DEFAULT_REGION"),
            endpoint_url=_env("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
            profile_name=_env("AWS_PROFILE"),
        )
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                self._client = self.resource.get_client()
            except Exception as exc:  # e.g. ProfileNotFound, bad endpoint URL
                raise LandingError(
                    f"S3 landing {self.describe()}: cannot create the S3 client ({type(exc).__name__}); "
                    "check AWS_PROFILE, AWS_REGION and AWS_ENDPOINT_URL"
                ) from None
        return self._client

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def _key(self, key: str) -> str:
        key = key.strip("/")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _endpoint(self) -> str:
        endpoint = getattr(self.resource, "endpoint_url", None)
        return f" at {endpoint}" if endpoint else ""

    def _fail(self, action: str, key: str, exc: Exception) -> LandingError:
        from botocore.exceptions import (
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
            ReadTimeoutError,
        )

        where = f"s3://{self.bucket}/{self._key(key)}"
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            hint = ("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (from KADA "
                    "Support), AWS_PROFILE, or run with the IAM role KADA Support provisioned")
        elif isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", "") or "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in {"NoSuchBucket"} or (code == "404" and action == "list"):
                hint = (f"bucket '{self.bucket}' does not exist{self._endpoint()} ({code}): check the bucket "
                        "in KADA_LANDING_URL=s3://<storage_root_folder>/<prefix>")
            elif code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
                          "TokenRefreshRequired"}:
                hint = (f"the AWS credentials were rejected ({code}): check AWS_ACCESS_KEY_ID / "
                        "AWS_SECRET_ACCESS_KEY (from KADA Support), AWS_SESSION_TOKEN or AWS_PROFILE")
            elif code in {"AccessDenied", "403", "AllAccessDisabled"} or status == 403:
                hint = (f"access denied ({code or status}): the AWS credentials or IAM role need s3:PutObject "
                        f"and s3:DeleteObject on {self.bucket}/{self._key('')}*; ask KADA Support")
            elif code in {"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException",
                          "301"}:
                hint = f"the bucket is in another region ({code}): set AWS_REGION to storage_aws_region"
            elif code in {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidChecksum"} or (
                code == "InvalidRequest" and "checksum" in str(exc).lower()
            ):
                hint = (f"the store rejected the upload's checksum ({code}): the file was corrupted in transit; "
                        "re-run the partition")
            else:
                hint = (f"the store answered {code or status}{self._endpoint()}: check KADA_LANDING_URL, "
                        "AWS_REGION and AWS_ENDPOINT_URL")
        elif isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
            what = "the store did not answer" if isinstance(exc, ReadTimeoutError) else "cannot reach the store"
            hint = (f"{what}{self._endpoint()} after {self._attempts()} attempts "
                    f"({type(exc).__name__}): check AWS_ENDPOINT_URL, AWS_REGION and the network")
        else:
            hint = (f"{type(exc).__name__}{self._endpoint()}: check KADA_LANDING_URL, AWS_REGION, "
                    "AWS_ENDPOINT_URL and the network")
        return LandingError(f"S3 landing: {action} {where} failed: {hint}")

    def _attempts(self) -> int:
        return int(getattr(self.resource, "max_attempts", RETRIES)) + 1

    def put(self, local_path: Path, key: str, sha256: str) -> None:
        md5 = base64.b64encode(_md5(local_path)).decode()
        sha = base64.b64encode(bytes.fromhex(sha256)).decode()
        checksum: dict[str, str] = {"ChecksumSHA256": sha}
        if getattr(self.client.meta.config, "request_checksum_calculation", None) == "when_required":
            checksum = {}  # AWS_REQUEST_CHECKSUM_CALCULATION=when_required: a store without x-amz-checksum-*
        try:
            with open(local_path, "rb") as body:
                response = self.client.put_object(
                    Bucket=self.bucket, Key=self._key(key), Body=body, ContentMD5=md5, **checksum,
                    ContentType=_content_type(key), Metadata={"sha256": sha256},
                )
        except LandingError:
            raise
        except Exception as exc:
            raise self._fail("put", key, exc) from None
        stored = response.get("ChecksumSHA256")
        if stored and stored != sha:  # S3 returns the checksum it computed over what it received
            raise LandingError(f"S3 landing: put s3://{self.bucket}/{self._key(key)}: the store recorded "
                               "a different SHA-256 than the file's; re-run the partition")

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except LandingError:
            raise
        except Exception as exc:
            raise self._fail("delete", key, exc) from None

    def list(self, prefix: str) -> list[str]:
        full = self._key(prefix.strip("/")) if prefix.strip("/") else self.prefix
        keys: list[str] = []
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full + "/" if full else ""):
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
        except LandingError:
            raise
        except Exception as exc:
            raise self._fail("list", prefix, exc) from None
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(k[strip:] for k in keys)

    def read(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except LandingError:
            raise
        except Exception as exc:
            raise self._fail("read", key, exc) from None

    def check_access(self, prefix: str) -> None:
        """Reaches the store and the bucket with these credentials before anything is withdrawn or put.

        One ListObjectsV2 of at most one key. Landing itself only needs PutObject and DeleteObject, so a
        credential without s3:ListBucket is let through (the first put reports anything else).
        """
        from botocore.exceptions import ClientError

        try:
            self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(prefix) + "/", MaxKeys=1)
        except LandingError:
            raise
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "AccessDenied":
                return
            raise self._fail("access check of", prefix, exc) from None
        except Exception as exc:
            raise self._fail("access check of", prefix, exc) from None


# --------------------------------------------------------------------------------------------
# Azure Blob
# --------------------------------------------------------------------------------------------


class LandingBlobResource(AzureBlobStorageResource):
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


class AzureBlobLanding(Landing):
    """A container in K's storage account (`storage_azure_storage_account`) and prefix."""

    def __init__(self, url: str, blob_resource: AzureBlobStorageResource | None = None) -> None:
        self.container, self.prefix = _split(url, "azure")
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
            blob_resource = LandingBlobResource(account_url=account_url, credential=credential)
        self.resource = blob_resource
        self.account_url = str(getattr(blob_resource, "account_url", "")).split("?", 1)[0].rstrip("/")
        self._service_client: Any = None

    def describe(self) -> str:
        return f"{self.account_url}/{self.container}/{self.prefix}".rstrip("/")

    def _key(self, key: str) -> str:
        key = key.strip("/")
        return f"{self.prefix}/{key}" if self.prefix else key

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
            kwargs = resource.client_kwargs() if isinstance(resource, LandingBlobResource) else {}
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

        md5 = _md5(local_path)
        try:
            blob = self._blob(key)
            with open(local_path, "rb") as body:
                # validate_content: Content-MD5 on the request (each block, for big files), checked by
                # the service; content_md5: stored as the blob's MD5 property for readers to check.
                blob.upload_blob(
                    body, overwrite=True, validate_content=True, metadata={"sha256": sha256},
                    content_settings=ContentSettings(content_type=_content_type(key), content_md5=bytearray(md5)),
                )
        except LandingError:
            raise
        except Exception as exc:
            raise self._fail("put", key, exc) from None

    def delete(self, key: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            self._blob(key).delete_blob()
        except ResourceNotFoundError as exc:
            if _error_code(exc) in ("", "BlobNotFound"):
                return
            raise self._fail("delete", key, exc) from None
        except LandingError:
            raise
        except Exception as exc:
            raise self._fail("delete", key, exc) from None

    def list(self, prefix: str) -> list[str]:
        full = self._key(prefix) if prefix.strip("/") else self.prefix
        try:
            container = self.service.get_container_client(self.container)
            names = [b.name for b in container.list_blobs(name_starts_with=full + "/" if full else None)]
        except LandingError:
            raise
        except Exception as exc:
            raise self._fail("list", prefix, exc) from None
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(n[strip:] for n in names)

    def read(self, key: str) -> bytes:
        try:
            return self._blob(key).download_blob().readall()
        except LandingError:
            raise
        except Exception as exc:
            raise self._fail("read", key, exc) from None

    def check_access(self, prefix: str) -> None:
        """Proves the account, container and credential before anything is withdrawn or put.

        Deletes a blob that does not exist: with delete permission the service answers BlobNotFound,
        with a bad or under-privileged SAS 403, without the container ContainerNotFound. Nothing is ever
        written into K's landing directory, and a container SAS without `list` is enough.
        """
        probe = f"{prefix.strip('/')}/.kada-access-probe"
        from azure.core.exceptions import ResourceNotFoundError

        try:
            self._blob(probe).delete_blob()
        except ResourceNotFoundError as exc:
            if _error_code(exc) == "BlobNotFound":
                return
            raise self._fail("access check of", prefix, exc) from None
        except LandingError:
            raise
        except Exception as exc:
            raise self._fail("access check of", prefix, exc) from None




# --------------------------------------------------------------------------------------------
# The landing resources: the backends injected as Dagster resources
# --------------------------------------------------------------------------------------------


class S3LandingResource(LandingResource):
    """Landing on S3 through dagster-aws's S3Resource; credentials come from the AWS chain at run time."""

    s3: LandingS3Resource

    def get_landing(self, settings_url: str) -> Landing:
        return S3Landing(self.url or settings_url, s3_resource=self.s3)


class AzureLandingResource(LandingResource):
    """Landing on Azure Blob through dagster-azure's resource; the SAS token or key is an EnvVar, read when
    a run starts, so the UI shows its variable's name only."""

    blob: LandingBlobResource
    credential_setting: str = "AZURE_STORAGE_SAS_TOKEN"

    def get_landing(self, settings_url: str) -> Landing:
        landing = AzureBlobLanding(self.url or settings_url, blob_resource=self.blob)
        landing.credential_setting = self.credential_setting
        return landing


def s3_landing_resource(url: str, auto_push: bool) -> S3LandingResource:
    return S3LandingResource(url=url, auto_push=auto_push, s3=LandingS3Resource(
        region_name=_env("AWS_REGION", "AWS_DEFAULT_REGION"),
        endpoint_url=_env("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
        profile_name=_env("AWS_PROFILE"),
    ))


def azure_landing_resource(url: str, auto_push: bool) -> AzureLandingResource | None:
    """None when the environment does not say how to reach the account yet (the landing step then names
    the missing variable when it runs, instead of the code location failing to load)."""
    account = _env("AZURE_STORAGE_ACCOUNT_URL")
    if not account or "://" not in account:
        return None
    credential: Any
    if _env("AZURE_STORAGE_SAS_TOKEN"):
        credential, setting = AzureBlobStorageSASTokenCredential(token=dg.EnvVar("AZURE_STORAGE_SAS_TOKEN")), \
            "AZURE_STORAGE_SAS_TOKEN"
    elif _env("AZURE_STORAGE_KEY"):
        credential, setting = AzureBlobStorageKeyCredential(key=dg.EnvVar("AZURE_STORAGE_KEY")), "AZURE_STORAGE_KEY"
    elif "?" in account:
        credential, setting = AzureBlobStorageAnonymousCredential(), "AZURE_STORAGE_ACCOUNT_URL (its SAS)"
    else:
        return None
    blob = LandingBlobResource(account_url=dg.EnvVar("AZURE_STORAGE_ACCOUNT_URL"), credential=credential)
    return AzureLandingResource(url=url, auto_push=auto_push, blob=blob, credential_setting=setting)
