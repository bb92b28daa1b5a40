"""KADA_LANDING_URL → the landing backend: a local folder, S3 (dagster-aws) or Azure Blob (dagster-azure).

The interface (`core.landing`) knows no backend; this is the one place that chooses one, so no module
imports its importer, and a cloud SDK that is missing is reported as a missing package, not as an
unsupported URL.
"""

from __future__ import annotations

import importlib
from typing import Any

from kada_dagster.core.landing import Landing, LocalLanding
from kada_dagster.core.settings import SettingsError, redact_url

_PACKAGES = {"s3": "dagster-aws (boto3)", "azure": "dagster-azure (azure-storage-blob)"}


def landing_from_url(url: str) -> Landing:
    """`./landing`, `/abs/path`, `file://...`, `s3://bucket/prefix`, `azure://container/prefix`."""
    if not url:
        raise SettingsError("KADA_LANDING_URL is empty")
    if url.startswith("file://"):
        return LocalLanding(url[len("file://"):])
    if "://" not in url:
        return LocalLanding(url)
    scheme = url.split("://", 1)[0].lower()
    if scheme not in _PACKAGES:
        raise SettingsError(f"KADA_LANDING_URL={redact_url(url)}: unsupported scheme '{scheme}' "
                            "(use a local path, file://, s3://bucket/prefix or azure://container/prefix)")
    cloud_landing = cloud_backends(url, scheme)
    return cloud_landing.S3Landing(url) if scheme == "s3" else cloud_landing.AzureBlobLanding(url)


def cloud_backends(url: str, scheme: str) -> Any:
    """The cloud landing module, or a SettingsError saying which package is missing."""
    try:
        return importlib.import_module("kada_dagster.core.cloud_landing")
    except ImportError as exc:
        raise SettingsError(f"KADA_LANDING_URL={redact_url(url)} needs {_PACKAGES[scheme]}, which could not be "
                            f"imported ({exc}); install the project's dependencies (make install)") from None
