"""The Hightouch resource: configures the instance (settings, credentials) and returns its client."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kada_dagster.core.resources import VendorResource
from kada_dagster.core.settings import CollectorSettings, SettingsError, SourceProfile
from kada_dagster.hightouch.client import (
    DEFAULT_BASE_URL,
    RATE_LIMIT_PERIOD,
    RATE_LIMIT_REQUESTS,
    HightouchClient,
)

HIGHTOUCH_PROFILE = SourceProfile(
    source_type="hightouch",
    credential_env={"api_token": "HIGHTOUCH_API_TOKEN"},
    config_env="KADA_HIGHTOUCH_CONFIG",
    base_url_env="HIGHTOUCH_API_BASE_URL",
    default_host="app.hightouch.com",
)


class HightouchResource(VendorResource):
    """Hightouch workspace access for one collector instance.

    Reads the KADA `kada_hightouch_extractor_config.json` (`config_file` or KADA_HIGHTOUCH_CONFIG)
    unchanged; HIGHTOUCH_API_TOKEN and HIGHTOUCH_API_BASE_URL override it for the default instance.
    """

    profile = HIGHTOUCH_PROFILE

    api_token: str | None = Field(default=None, description="Use EnvVar('...') for named instances; never a literal.")
    rate_limit_requests: int = RATE_LIMIT_REQUESTS
    rate_limit_period_seconds: float = RATE_LIMIT_PERIOD

    def get_client(self, logger: Any | None = None, settings: CollectorSettings | None = None) -> HightouchClient:
        """The client; `settings` already resolved by the caller are used as they are (resolved once a run)."""
        settings = settings or self.settings()
        token = settings.credential("api_token")
        if any(c.isspace() for c in token.strip()):
            raise SettingsError(f"{settings.credential_sources['api_token']}: the Hightouch token contains spaces")
        http = self.build_http(
            settings,
            settings.base_url or DEFAULT_BASE_URL,
            headers={"Authorization": f"Bearer {token.strip()}"},
            credential_setting=settings.credential_sources["api_token"],
            service_name="Hightouch API",
            logger=logger,
        )
        return HightouchClient(settings, http)
