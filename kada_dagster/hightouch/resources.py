"""The Hightouch REST API v1 client and its Dagster resource.

Reads only what the K extract needs: sources, models, destinations, syncs (all offset-paged) and the
runs of the syncs that can have run in the window. Bearer auth; pacing, retries and paging come from
the shared HTTP layer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from kada_dagster.core.http import ApiError, HttpClient, OffsetPaginator
from kada_dagster.core.resources import VendorResource
from kada_dagster.core.settings import CollectorSettings, SettingsError, SourceProfile

DEFAULT_BASE_URL = "https://api.hightouch.com/api/v1"
PAGE_SIZE = 100  # the documented default; the maximum is undocumented
RATE_LIMIT_REQUESTS = 200  # per workspace ...
RATE_LIMIT_PERIOD = 10.0  # ... per 10 seconds (documented)

HIGHTOUCH_PROFILE = SourceProfile(
    source_type="hightouch",
    credential_env={"api_token": "HIGHTOUCH_API_TOKEN"},
    config_env="KADA_HIGHTOUCH_CONFIG",
    base_url_env="HIGHTOUCH_API_BASE_URL",
    default_host="app.hightouch.com",
)


def _iso_seconds(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class HightouchClient:
    """A thin, typed-by-endpoint client over the shared HttpClient."""

    def __init__(self, settings: CollectorSettings, http: HttpClient) -> None:
        self.settings = settings
        self.http = http

    @property
    def stats(self) -> Any:
        return self.http.stats

    def close(self) -> None:
        self.http.close()

    def test_connection(self) -> None:
        """One cheap authenticated call (the probe PostHog uses): fails fast on a bad token or URL."""
        body = self.http.get("syncs", {"limit": 1, "offset": 0})
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ApiError(
                f"{self.http.base_url}/syncs did not answer like the Hightouch API (no 'data' list); "
                f"check HIGHTOUCH_API_BASE_URL / base_url",
            )

    def _list(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        return self.http.get_all(path, OffsetPaginator(PAGE_SIZE), {"orderBy": "id", **(params or {})})

    def list_sources(self) -> list[Any]:
        return self._list("sources")

    def list_models(self) -> list[Any]:
        return self._list("models")

    def list_destinations(self) -> list[Any]:
        return self._list("destinations")

    def list_syncs(self) -> list[Any]:
        return self._list("syncs")

    def get_object(self, collection: str, object_id: str) -> Any:
        return self.http.get(f"{collection}/{object_id}")

    def list_sync_runs(self, sync_id: str, after: datetime, before: datetime) -> list[Any]:
        """Runs that started in [after, before); the server filters, we page."""
        return self._list(f"syncs/{sync_id}/runs", {"after": _iso_seconds(after), "before": _iso_seconds(before)})


class HightouchResource(VendorResource):
    """Hightouch workspace access for one collector instance.

    Reads the KADA `kada_hightouch_extractor_config.json` (`config_file` or KADA_HIGHTOUCH_CONFIG)
    unchanged; HIGHTOUCH_API_TOKEN and HIGHTOUCH_API_BASE_URL override it for the default instance.
    """

    profile = HIGHTOUCH_PROFILE

    api_token: str | None = Field(default=None, description="Use EnvVar('...') for named instances; never a literal.")
    rate_limit_requests: int = RATE_LIMIT_REQUESTS
    rate_limit_period_seconds: float = RATE_LIMIT_PERIOD

    def credential_overrides(self) -> dict[str, Any]:
        return {"api_token": self.api_token}

    def get_client(self, logger: Any | None = None) -> HightouchClient:
        settings = self.settings()
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
