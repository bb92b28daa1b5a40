"""The Hightouch REST API v1 client and its paging.

Reads only what the K extract needs: sources, models, destinations, syncs (offset-paged) and the runs of a
sync, each returned as typed records (records.py). Bearer auth (OFFICIAL §1.1); pacing and retries come from
the shared HTTP layer, paging and fields from here.

Paging: `limit`/`offset` with a `hasMore` the spec requires on two endpoints only.

OFFICIAL (hightouch-api §1.4): `hasMore` is required on ListSync and ListSyncRuns, only in the examples
on ListSource/ListModel/ListDestination; the maximum page size is undocumented. So a page shorter than
the `limit` we asked for proves nothing (a server may cap pages below it): without `hasMore` we read on
until an EMPTY page, which costs one request per list and never loses an object. With `hasMore` we
trust it, but an empty page still ends the list (a server saying hasMore forever cannot loop us). A page
that brings only items we already have (a server ignoring `offset`) is an error naming the endpoint: the
list behind it would be incomplete, and stopping there silently would land a set missing objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from kada_dagster.core.api_errors import ApiError
from kada_dagster.core.http import HttpClient, data_items
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.records import norm_id
from kada_dagster.core.settings import CollectorSettings
from kada_dagster.hightouch.records import (
    HightouchDestination,
    HightouchModel,
    HightouchSource,
    HightouchSync,
    HightouchSyncRun,
    parse_destination,
    parse_model,
    parse_run,
    parse_source,
    parse_sync,
)


@dataclass
class HightouchPaginator:
    """One list call's paging state (implements `kada_dagster.core.http.Paginator`); use a fresh one per list."""

    limit: int = 100
    _seen: set[str] = field(default_factory=set, repr=False)
    _path: str = field(default="", repr=False)

    def first_params(self) -> dict[str, Any]:
        # OFFICIAL (§1.2/§1.4): send limit and offset explicitly, defaults drifted between spec versions.
        return {"limit": self.limit, "offset": 0}

    def items(self, body: Any, path: str) -> list[Any]:
        # OFFICIAL (§1.1): list GETs answer `{"data": [...], "hasMore": bool}`; any other body is malformed
        # (retried by the HTTP layer), never an empty page.
        self._path = path
        return data_items(body, path)

    def next_params(self, body: Any, params: dict[str, Any], items: list[Any]) -> dict[str, Any] | None:
        if not items:
            return None
        ids = {norm_id(item.get("id")) for item in items if isinstance(item, Mapping)} - {None}
        if ids and ids <= self._seen:
            raise ApiError(
                f"Hightouch API GET {self._path}: the page at offset {params.get('offset', 0)} only repeated "
                f"ids already read (hasMore={body.get('hasMore') if isinstance(body, Mapping) else None}): the "
                "server ignores `offset`; stopped rather than page forever or land an incomplete list",
                path=self._path)
        self._seen.update(i for i in ids if i is not None)
        # OFFICIAL (§1.4) where present; absent or not a boolean: read on until an empty page.
        has_more = body.get("hasMore") if isinstance(body, Mapping) else None
        if has_more is False:
            return None
        return {**params, "offset": int(params.get("offset", 0)) + len(items)}


DEFAULT_BASE_URL = "https://api.hightouch.com/api/v1"  # OFFICIAL (§1.1 SPEC26 servers)


PAGE_SIZE = 100  # OFFICIAL: the documented default; the maximum is undocumented (§1.4)


RATE_LIMIT_REQUESTS = 200  # OFFICIAL (§1.5, AE-RL): per workspace ...


RATE_LIMIT_PERIOD = 10.0  # ... per 10 seconds


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

    def list_sources(self, problems: ProblemLog | None = None) -> list[HightouchSource]:
        return self._records("sources", parse_source, problems)

    def list_models(self, problems: ProblemLog | None = None) -> list[HightouchModel]:
        return self._records("models", parse_model, problems)

    def list_destinations(self, problems: ProblemLog | None = None) -> list[HightouchDestination]:
        return self._records("destinations", parse_destination, problems)

    def list_syncs(self, problems: ProblemLog | None = None) -> list[HightouchSync]:
        return self._records("syncs", parse_sync, problems)

    _PARSERS: dict[str, Callable[[Any, ProblemLog], Any]] = {
        "sources": parse_source, "models": parse_model, "destinations": parse_destination, "syncs": parse_sync,
    }

    def get_object(self, collection: str, object_id: str, problems: ProblemLog | None = None) -> Any:
        """One object by id (OFFICIAL: GET /{collection}/{id} answers the bare object), parsed."""
        body = self.http.get(f"{collection}/{object_id}")
        return self._PARSERS[collection](body, problems if problems is not None else ProblemLog())

    def list_sync_runs(self, sync_id: str, after: datetime, before: datetime,
                       problems: ProblemLog | None = None) -> list[HightouchSyncRun]:
        """Runs of a sync that started in [after, before): OFFICIAL `after`/`before` filter on run start
        (inclusiveness UNCONFIRMED: the caller routes each run by its own times)."""
        problems = problems if problems is not None else ProblemLog()
        items = self.list_raw(f"syncs/{sync_id}/runs", problems,
                              {"after": _iso_seconds(after), "before": _iso_seconds(before)})
        return [r for r in (parse_run(item, sync_id, problems) for item in items) if r is not None]
