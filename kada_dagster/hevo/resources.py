"""The Hevo resource: configures one instance (settings, region, flavour, credentials) and returns its client."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field

from kada_dagster.core.resources import VendorResource
from kada_dagster.core.settings import CollectorSettings, SettingsError, SourceProfile
from kada_dagster.hevo.client import (
    API_PATHS,
    PAGE_SIZE,
    PRODUCT_NAMES,
    RATE_LIMIT_PERIOD,
    RATE_LIMIT_REQUESTS,
    REGIONS,
    STANDARD,
    Flavour,
    HevoClient,
    Region,
    setting_hint,
)


def _lowered(value: Any) -> Any:
    """Region and flavour are matched without regard to case or surrounding spaces; empty is unset."""
    if isinstance(value, str):
        return value.strip().lower() or None
    return value


class HevoSettings(CollectorSettings):
    """A Hevo instance's settings: the common ones plus its region and product (contract section 1)."""

    region: Annotated[Region | None, BeforeValidator(_lowered)] = None
    flavour: Annotated[Flavour, BeforeValidator(_lowered)] = STANDARD


HEVO_PROFILE = SourceProfile(
    source_type="hevo",
    credential_env={"api_key": "HEVO_API_KEY", "api_secret": "HEVO_API_SECRET"},
    config_env="KADA_HEVO_CONFIG",
    base_url_env="HEVO_API_BASE_URL",
    default_host="<region>.hevodata.com",  # a template: HevoResource.settings() fills in the region
    setting_env={"region": "HEVO_REGION", "flavour": "HEVO_API_FLAVOUR"},
    settings_type=HevoSettings,
)


def _host_root(url: str) -> str:
    """`https://us.hevodata.com/api/v1/` → `https://us.hevodata.com`: the setting is the host root, but a
    URL that already ends with one of the API paths is accepted rather than doubled."""
    root = url.strip().rstrip("/")
    for path in API_PATHS.values():
        if root.endswith(path):
            return root[: -len(path)]
    return root


def with_api_location(settings: HevoSettings) -> HevoSettings:
    """The API host root and the K host, derived from the region unless a base URL or host is given."""
    if settings.base_url:
        root = _host_root(settings.base_url)
    elif settings.region:
        root = f"https://{settings.region}.hevodata.com"
    else:
        raise SettingsError(f"hevo instance '{settings.instance}': no region and no base URL; set "
                            f"{setting_hint(settings, 'region', 'HEVO_REGION')} to one of {', '.join(REGIONS)}, "
                            f"or {setting_hint(settings, 'base_url', 'HEVO_API_BASE_URL')}")
    host = settings.host
    if not host or host == HEVO_PROFILE.default_host:
        host = f"{settings.region}.hevodata.com" if settings.region else (urlsplit(root).hostname or root)
    return settings.model_copy(update={"base_url": root, "host": host})


class HevoResource(VendorResource):
    """Hevo account access for one collector instance (Standard or Edge).

    Reads the KADA `kada_hevo_extractor_config.json` (`config_file` or KADA_HEVO_CONFIG) unchanged;
    HEVO_API_KEY, HEVO_API_SECRET, HEVO_REGION, HEVO_API_BASE_URL (the host root) and HEVO_API_FLAVOUR
    override it for the default instance.
    """

    profile = HEVO_PROFILE

    api_key: str | None = Field(default=None, description="Use EnvVar('...') for named instances; never a literal.")
    api_secret: str | None = Field(default=None, description="Use EnvVar('...'); never a literal.")
    region: str | None = Field(default=None, description=f"Hevo region: one of {', '.join(REGIONS)}.")
    flavour: str | None = Field(default=None, description="'standard' (/api/public/v2.0, the default) or 'edge' "
                                                          "(/api/v1).")
    page_size: int = Field(default=PAGE_SIZE, ge=1, le=PAGE_SIZE,
                           description="`limit` per list page (Hevo allows at most 100; fewer only for tests).")
    rate_limit_requests: int = RATE_LIMIT_REQUESTS
    rate_limit_period_seconds: float = RATE_LIMIT_PERIOD

    def settings(self) -> HevoSettings:
        settings = super().settings()
        if not isinstance(settings, HevoSettings):
            raise TypeError(f"{HEVO_PROFILE.settings_type.__name__} expected, got {type(settings).__name__}")
        return with_api_location(settings)

    def get_client(self, logger: Any | None = None, settings: CollectorSettings | None = None) -> HevoClient:
        """The client; `settings` already resolved by the caller are used as they are (resolved once a run)."""
        settings = settings if isinstance(settings, HevoSettings) else self.settings()
        key, secret = settings.credential("api_key").strip(), settings.credential("api_secret").strip()
        flavour = settings.flavour
        sources = settings.credential_sources
        hint = f"{sources['api_key']} and {sources['api_secret']}"
        if settings.instance == HEVO_PROFILE.source_type and "HEVO_API_KEY" not in hint:
            hint += " (HEVO_API_KEY and HEVO_API_SECRET)"
        hint += (f"; keys are per region and product (region {settings.region or 'from the base URL'}, "
                 f"flavour {flavour})")
        http = self.build_http(
            settings,
            f"{settings.base_url}{API_PATHS[flavour]}",
            auth=(key, secret),
            credential_setting=hint,
            service_name=f"{PRODUCT_NAMES[flavour]} API",
            logger=logger,
        )
        return HevoClient(settings, http, flavour, self.page_size)
