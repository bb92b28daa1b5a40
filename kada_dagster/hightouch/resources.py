"""The Hightouch REST API v1 client and its Dagster resource.

Reads only what the K extract needs: sources, models, destinations, syncs (all offset-paged by
`HightouchPaginator`) and the runs of a sync, each returned as typed records (records.py). Bearer auth
(OFFICIAL §1.1); pacing and retries come from the shared HTTP layer, paging and fields from here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import Field

from kada_dagster.core.http import ApiError, HttpClient
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.resources import VendorResource
from kada_dagster.core.settings import CollectorSettings, SettingsError, SourceProfile
from kada_dagster.hightouch.paging import HightouchPaginator
from kada_dagster.hightouch.records import (
    HtDestination,
    HtModel,
    HtSource,
    HtSync,
    HtSyncRun,
    parse_destination,
    parse_model,
    parse_run,
    parse_source,
    parse_sync,
)

DEFAULT_BASE_URL = "https://api.hightouch.com/api/v1"  # OFFICIAL (§1.1 SPEC26 servers)
PAGE_SIZE = 100  # OFFICIAL: the documented default; the maximum is undocumented (§1.4)
RATE_LIMIT_REQUESTS = 200  # OFFICIAL (§1.5, AE-RL): per workspace ...
RATE_LIMIT_PERIOD = 10.0  # ... per 10 seconds

HIGHTOUCH_PROFILE = SourceProfile(
    source_type="hightouch",
    credential_env={"api_token": "HIGHTOUCH_API_TOKEN"},
    config_env="KADA_HIGHTOUCH_CONFIG",
    base_url_env="HIGHTOUCH_API_BASE_URL",
    default_host="app.hightouch.com",
)

R = TypeVar("R")


def _iso_seconds(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class HightouchClient:
    """The Hightouch endpoints the collector reads, paged here and parsed into records."""

    def __init__(self, settings: CollectorSettings, http: HttpClient) -> None:
        self.settings = settings
        self.http = http

    @property
    def stats(self) -> Any:
        return self.http.stats

    def close(self) -> None:
        self.http.close()

    def test_connection(self) -> None:
        """One cheap authenticated call (the probe PostHog uses, 3P): fails fast on a bad token or URL."""
        body = self.http.get("syncs", {"limit": 1, "offset": 0})
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ApiError(
                f"{self.http.base_url}/syncs did not answer like the Hightouch API (no 'data' list); "
                f"check HIGHTOUCH_API_BASE_URL / base_url",
            )

    def list_raw(self, path: str, problems: ProblemLog | None = None, params: dict[str, Any] | None = None) -> list[Any]:
        """Every item of a list endpoint. `orderBy=id` (OFFICIAL enum value, PH pins it) keeps offsets stable."""
        return self.http.get_all(path, HightouchPaginator(PAGE_SIZE), {"orderBy": "id", **(params or {})})

    def _records(self, path: str, parse: Callable[[Any, ProblemLog], R | None],
                 problems: ProblemLog | None) -> list[R]:
        problems = problems if problems is not None else ProblemLog()
        return [r for r in (parse(item, problems) for item in self.list_raw(path, problems)) if r is not None]

    def list_sources(self, problems: ProblemLog | None = None) -> list[HtSource]:
        return self._records("sources", parse_source, problems)

    def list_models(self, problems: ProblemLog | None = None) -> list[HtModel]:
        return self._records("models", parse_model, problems)

    def list_destinations(self, problems: ProblemLog | None = None) -> list[HtDestination]:
        return self._records("destinations", parse_destination, problems)

    def list_syncs(self, problems: ProblemLog | None = None) -> list[HtSync]:
        return self._records("syncs", parse_sync, problems)

    _PARSERS: dict[str, Callable[[Any, ProblemLog], Any]] = {
        "sources": parse_source, "models": parse_model, "destinations": parse_destination, "syncs": parse_sync,
    }

    def get_object(self, collection: str, object_id: str, problems: ProblemLog | None = None) -> Any:
        """One object by id (OFFICIAL: GET /{collection}/{id} answers the bare object), parsed."""
        body = self.http.get(f"{collection}/{object_id}")
        return self._PARSERS[collection](body, problems if problems is not None else ProblemLog())

    def list_sync_runs(self, sync_id: str, after: datetime, before: datetime,
                       problems: ProblemLog | None = None) -> list[HtSyncRun]:
        """Runs of a sync that started in [after, before): OFFICIAL `after`/`before` filter on run start
        (inclusiveness UNCONFIRMED: the caller routes each run by its own times)."""
        problems = problems if problems is not None else ProblemLog()
        items = self.list_raw(f"syncs/{sync_id}/runs", problems,
                              {"after": _iso_seconds(after), "before": _iso_seconds(before)})
        return [r for r in (parse_run(item, sync_id, problems) for item in items) if r is not None]


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
