"""Which store K's landing directory is in, chosen from `KADA_LANDING_URL`: a local path, `s3://` or `azure://`.

When definitions load, a cloud URL injects its store's Dagster resource (`S3LandingResource` over dagster-aws,
`AzureLandingResource` over dagster-azure, credentials as `EnvVar`s read when a run starts); otherwise
`UrlLandingResource` chooses the store from the URL when a run starts (the instance's KADA JSON
`output_path`, else ./landing, when no URL is set). A cloud SDK that cannot be imported is reported as a
missing package, naming the setting that asked for it.
"""

from __future__ import annotations

import os
from types import ModuleType

from kada_dagster.core.landing.interface import Landing, LandingResource
from kada_dagster.core.landing.local import LocalLanding
from kada_dagster.core.settings import SettingsError, redact_url

_PACKAGES = {"s3": "dagster-aws (boto3)", "azure": "dagster-azure (azure-storage-blob)"}
_STORES: dict[str, ModuleType | ImportError] = {}
try:
    from kada_dagster.core.landing import s3 as _s3

    _STORES["s3"] = _s3
except ImportError as _missing:
    _STORES["s3"] = _missing
try:
    from kada_dagster.core.landing import azure as _azure

    _STORES["azure"] = _azure
except ImportError as _missing:
    _STORES["azure"] = _missing


def _store(url: str, scheme: str) -> ModuleType:
    module = _STORES[scheme]
    if isinstance(module, ImportError):
        raise SettingsError(f"KADA_LANDING_URL={redact_url(url)} needs {_PACKAGES[scheme]}, which could not be "
                            f"imported ({module}); install the project's dependencies (make install)")
    return module


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
    store = _store(url, scheme)
    return store.S3Landing(url) if scheme == "s3" else store.AzureBlobLanding(url)


class UrlLandingResource(LandingResource):
    """The store chosen from the URL when a run starts: a local directory, or a cloud store built from the
    environment then (no SDK resource injected)."""

    def get_landing(self, settings_url: str) -> Landing:
        return landing_from_url(self.url or settings_url)


def landing_resource_from_env(url: str | None = None) -> LandingResource:
    """The deployment's landing resource, chosen from KADA_LANDING_URL when definitions load."""
    url = url or os.environ.get("KADA_LANDING_URL", "").strip() or None
    scheme = url.split("://", 1)[0].lower() if url and "://" in url else None
    if url and scheme == "s3":
        return _store(url, "s3").s3_landing_resource(url)
    if url and scheme == "azure":
        injected = _store(url, "azure").azure_landing_resource(url)
        if injected is not None:
            return injected
    return UrlLandingResource(url=url)
