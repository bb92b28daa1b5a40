"""What the S3 and Azure Blob stores share: bounds on the SDKs' retries, content types and digests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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


def md5_of(path: Path) -> bytes:
    digest = hashlib.md5()  # noqa: S324 - integrity check the stores understand, not security
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.digest()


def split_url(url: str, scheme: str) -> tuple[str, str]:
    rest = url[len(scheme) + 3:].split("?", 1)[0]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        what = "bucket" if scheme == "s3" else "container"
        raise SettingsError(f"KADA_LANDING_URL={scheme}://...: the {what} is missing ({scheme}://<{what}>/<prefix>)")
    return bucket, prefix.strip("/")


def content_type(key: str) -> str:
    return _CONTENT_TYPES.get(Path(key).suffix, "application/octet-stream")


def env_value(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None
