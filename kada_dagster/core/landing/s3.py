"""K's landing directory on S3 (or an S3-compatible store), through dagster-aws's `S3Resource`.

Credentials come from the standard AWS chain (keys, profile or IAM role); `AWS_REGION`; `AWS_ENDPOINT_URL`
for S3-compatible stores. Each put sends the file's MD5 (`Content-MD5`) and its SHA-256
(`x-amz-checksum-sha256`, the manifest's value), which S3 checks before it stores the object; a put is
atomic. For a store that rejects `x-amz-checksum-*` headers, botocore's
`AWS_REQUEST_CHECKSUM_CALCULATION=when_required` leaves only Content-MD5. botocore retries transient errors
itself ("standard" mode), bounded in `sdk`; errors become LandingError naming the store, the path and the
setting to fix, never a credential.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dagster_aws.s3 import S3Resource
from pydantic import Field

from kada_dagster.core.landing.interface import Landing, LandingError, LandingResource, ObjectStoreLanding
from kada_dagster.core.landing.sdk import (
    CONNECT_TIMEOUT_S,
    READ_TIMEOUT_S,
    RETRIES,
    content_type,
    env_value,
    md5_of,
    split_url,
)


class S3ClientResource(S3Resource):
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


class S3Landing(ObjectStoreLanding):
    """An S3 bucket (K's `storage_root_folder`) and prefix."""

    def __init__(self, url: str, s3_resource: S3Resource | None = None) -> None:
        self.bucket, self.prefix = split_url(url, "s3")
        self.resource = s3_resource or S3ClientResource(
            region_name=env_value("AWS_REGION", "AWS_DEFAULT_REGION"),
            endpoint_url=env_value("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
            profile_name=env_value("AWS_PROFILE"),
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
        md5 = base64.b64encode(md5_of(local_path)).decode()
        sha = base64.b64encode(bytes.fromhex(sha256)).decode()
        checksum: dict[str, str] = {"ChecksumSHA256": sha}
        if getattr(self.client.meta.config, "request_checksum_calculation", None) == "when_required":
            checksum = {}  # AWS_REQUEST_CHECKSUM_CALCULATION=when_required: a store without x-amz-checksum-*
        with self._failing_as("put", key), open(local_path, "rb") as body:
            response = self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=body, ContentMD5=md5, **checksum,
                ContentType=content_type(key), Metadata={"sha256": sha256},
            )
        stored = response.get("ChecksumSHA256")
        if stored and stored != sha:  # S3 returns the checksum it computed over what it received
            raise LandingError(f"S3 landing: put s3://{self.bucket}/{self._key(key)}: the store recorded "
                               "a different SHA-256 than the file's; re-run the partition")

    def delete(self, key: str) -> None:
        with self._failing_as("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def _names_below(self, start: str) -> Iterable[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        return [obj["Key"] for page in paginator.paginate(Bucket=self.bucket, Prefix=start)
                for obj in page.get("Contents", [])]

    def read(self, key: str) -> bytes:
        with self._failing_as("read", key):
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()

    def check_access(self, prefix: str) -> None:
        """Reaches the store and the bucket with these credentials before anything is withdrawn or put.

        One ListObjectsV2 of at most one key. Landing itself only needs PutObject and DeleteObject, so a
        credential without s3:ListBucket is let through (the first put reports anything else).
        """
        from botocore.exceptions import ClientError

        with self._failing_as("access check of", prefix):
            try:
                self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(prefix) + "/", MaxKeys=1)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "AccessDenied":
                    raise


class S3LandingResource(LandingResource):
    """Landing on S3 through dagster-aws's S3Resource; credentials come from the AWS chain at run time."""

    s3: S3ClientResource

    def get_landing(self, settings_url: str) -> Landing:
        return S3Landing(self.url or settings_url, s3_resource=self.s3)


def s3_landing_resource(url: str) -> S3LandingResource:
    return S3LandingResource(url=url, s3=S3ClientResource(
        region_name=env_value("AWS_REGION", "AWS_DEFAULT_REGION"),
        endpoint_url=env_value("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
        profile_name=env_value("AWS_PROFILE"),
    ))
