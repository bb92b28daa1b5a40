"""The Hevo REST API client (Standard `/api/public/v2.0` and Edge `/api/v1`): paths, paging, typed records.

Hevo has two products with separate APIs and separate ids; a customer has one or the other, chosen with
`flavour` (HEVO_API_FLAVOUR). Both use HTTP Basic auth (API key, API secret) against the region's host,
100 requests per minute per user. Pacing, retries and fan-out come from the shared HTTP layer.

Paging. Standard: `limit` (max 100) + `starting_after`; the `pagination` object is absent on the last page.
OFFICIAL (hevo-api §2, api-docs.hevodata.com/reference/pagination). Edge: `limit` + `cursor`, answered
`{data, has_more, next_cursor}`. OFFICIAL (hevo-api §4, hevoio/hevo-airflow-provider hooks). A cursor the
server already gave in this list (the same one again, or a cycle A→B→A) is an error naming the endpoint,
never a silent end: the pages after it were never read, so the list would be incomplete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args
from urllib.parse import quote

from kada_dagster.core.api_errors import ApiError, NotFoundError
from kada_dagster.core.http import HttpClient, Paginator, data_items
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.records import unwrap
from kada_dagster.core.settings import CollectorSettings
from kada_dagster.hevo.objects import (
    HevoEventType,
    HevoPipelineObject,
    HevoSchemaMapping,
    parse_event_type,
    parse_mapping,
    parse_object,
)
from kada_dagster.hevo.records import (
    SOURCE_TYPE,
    HevoDestination,
    HevoJob,
    HevoModel,
    HevoPipeline,
    HevoWorkflow,
    parse_destination,
    parse_job,
    parse_model,
    parse_pipeline,
    parse_workflow,
)

Flavour = Literal["standard", "edge"]
STANDARD: Flavour = "standard"
EDGE: Flavour = "edge"
API_PATHS = {STANDARD: "/api/public/v2.0", EDGE: "/api/v1"}
PRODUCT_NAMES: dict[str, str] = {STANDARD: "Hevo Standard", EDGE: "Hevo Edge"}
Region = Literal["us", "us2", "eu", "in", "asia", "au"]  # hevo-api §1.1 region hosts (OFFICIAL pattern)
REGIONS: tuple[str, ...] = get_args(Region)
PAGE_SIZE = 100  # the documented maximum of `limit` (Standard); Edge documents none
RATE_LIMIT_REQUESTS = 100  # per user ...
RATE_LIMIT_PERIOD = 60.0  # ... in any 60 s window (documented)



def setting_hint(settings: CollectorSettings, key: str, env: str) -> str:
    """Where a user sets `key`: the env var for the default instance, the resource field otherwise."""
    if settings.instance == SOURCE_TYPE:
        return f"{env} (or '{key}' in the KADA config JSON / resource)"
    return f"'{key}' in the {settings.instance} resource configuration"


@dataclass
class _HevoPaginator:
    """What both flavours share: a `limit` (OFFICIAL, max 100 in Standard) and the page's `data` list.

    A page without `data` is malformed (retried, then an error naming the endpoint), never an empty page;
    a 204 No Content reads as one (core `NO_CONTENT`, OFFICIAL hevo-api §5).
    """

    limit: int = 100
    _cursors: set[str] = field(default_factory=set, repr=False)
    _path: str = field(default="", repr=False)

    def first_params(self) -> dict[str, Any]:
        return {"limit": self.limit}

    def items(self, body: Any, path: str) -> list[Any]:
        self._path = path
        return data_items(body, path)

    def _follow(self, cursor: str, current: Any) -> str:
        """`cursor` if this list never gave it before (nor is it the page's own, `current`); a repeat means
        the server loops: fail, naming the endpoint."""
        if current:
            self._cursors.add(str(current))
        if cursor in self._cursors:
            raise ApiError(f"Hevo API GET {self._path}: the server gave cursor {cursor[:40]!r} a second time "
                           f"after {len(self._cursors)} page(s): its paging loops; stopped rather than page "
                           "forever or land an incomplete list", path=self._path)
        self._cursors.add(cursor)
        return cursor


@dataclass
class StartingAfterPaginator(_HevoPaginator):
    """Hevo Standard: follow `pagination.starting_after` while it is present (and new)."""

    def next_params(self, body: Any, params: dict[str, Any], items: list[Any]) -> dict[str, Any] | None:
        # OFFICIAL (hevo-api §2): "If there are no more elements ... pagination object is not returned".
        pagination = body.get("pagination") if isinstance(body, Mapping) else None
        cursor = pagination.get("starting_after") if isinstance(pagination, Mapping) else None
        if not items or not cursor:
            return None
        return {**params, "starting_after": self._follow(str(cursor), params.get("starting_after"))}


@dataclass
class NextCursorPaginator(_HevoPaginator):
    """Hevo Edge: follow `next_cursor` until `has_more` is false or the cursor is missing (a repeat fails)."""

    def next_params(self, body: Any, params: dict[str, Any], items: list[Any]) -> dict[str, Any] | None:
        # OFFICIAL (hevo-api §4): {"data", "has_more": bool, "next_cursor": str|null}; only limit/cursor are sent.
        if not isinstance(body, Mapping) or not items:
            return None
        cursor = body.get("next_cursor")
        if body.get("has_more") is False or not cursor:
            return None
        return {"limit": params.get("limit", self.limit),
                "cursor": self._follow(str(cursor), params.get("cursor"))}


class HevoClient:
    """The Hevo calls the K extract needs, for one flavour: owns its paging and returns
    typed records (`records.py`) parsed from the payload.

    `test_connection` reads the first page of pipelines and keeps it, so the pipeline listing that
    follows starts at the second page: no request is sent twice in a run.
    """

    def __init__(self, settings: CollectorSettings, http: HttpClient, flavour: Flavour, page_size: int = PAGE_SIZE) -> None:
        self.settings = settings
        self.http = http
        self.flavour = flavour
        self.page_size = page_size
        self._first_pipelines_page: Any = None

    @property
    def stats(self) -> Any:
        return self.http.stats

    @property
    def is_edge(self) -> bool:
        return self.flavour == EDGE

    def close(self) -> None:
        self.http.close()

    def paginator(self) -> Paginator:
        return NextCursorPaginator(self.page_size) if self.is_edge else StartingAfterPaginator(self.page_size)

    # --- connection check ------------------------------------------------------------------------
    def test_connection(self) -> None:
        """Reads the first page of pipelines (kept for `pipelines`, so the check costs no extra request)
        and tells bad keys, a wrong flavour and a server that is not Hevo apart."""
        paginator = self.paginator()
        try:
            body = self.http.get("pipelines", paginator.first_params())
        except NotFoundError:
            raise ApiError(self._wrong_flavour_message("answered 404")) from None
        shape = _envelope_flavour(body)
        if shape is None:
            raise ApiError(
                f"{self.http.base_url}/pipelines did not answer like the {PRODUCT_NAMES[self.flavour]} API "
                f"(no 'data' list); check {setting_hint(self.settings, 'base_url', 'HEVO_API_BASE_URL')} and "
                f"{setting_hint(self.settings, 'flavour', 'HEVO_API_FLAVOUR')}"
            )
        if shape != "unknown" and shape != self.flavour:
            raise ApiError(self._wrong_flavour_message(f"answered with {PRODUCT_NAMES[shape]}-style pages"))
        self._first_pipelines_page = body

    def _wrong_flavour_message(self, what: str) -> str:
        other = STANDARD if self.is_edge else EDGE
        hint = setting_hint(self.settings, "flavour", "HEVO_API_FLAVOUR")
        return (f"{self.http.base_url}/pipelines {what}: this account looks like {PRODUCT_NAMES[other]}, not "
                f"{PRODUCT_NAMES[self.flavour]} (a customer has one or the other). Set {hint} to '{other}'.")

    # --- raw access --------------------------------------------------------------------------------
    def _list(self, path: str) -> list[Any]:
        return self.http.get_all(path, self.paginator())

    def _single(self, path: str) -> Any:
        """A single GET: Standard may wrap it in `{data: ...}` or not (UNCONFIRMED, hevo-api §2): both read;
        Edge answers it bare (OFFICIAL, §4)."""
        return unwrap(self.http.get(path))

    def _pipeline_pages(self) -> list[Any]:
        first, self._first_pipelines_page = self._first_pipelines_page, None
        if first is None:
            return self._list("pipelines")
        paginator = self.paginator()
        params = paginator.first_params()
        items = paginator.items(first, "pipelines")
        next_params = paginator.next_params(first, params, items)
        return items + (self.http.get_all("pipelines", paginator, next_params) if next_params else [])

    # --- typed records (both flavours) -------------------------------------------------------------
    def pipelines(self, problems: ProblemLog) -> list[HevoPipeline]:
        """All pipelines (`GET /pipelines`), starting from the page test_connection already read."""
        return _parsed(self._pipeline_pages(), lambda r: parse_pipeline(r, problems))

    def pipeline(self, pipeline_id: str, problems: ProblemLog) -> HevoPipeline | None:
        return parse_pipeline(self._single(f"pipelines/{_q(pipeline_id)}"), problems)

    def destinations(self, problems: ProblemLog) -> list[HevoDestination]:
        """`GET /destinations`: Standard 3P (§3); Edge fixture-only (UNCONFIRMED, §4): may answer 404."""
        return _parsed(self._list("destinations"), lambda r: parse_destination(r, problems))

    def objects(self, pipeline_id: str, problems: ProblemLog) -> list[HevoPipelineObject]:
        return _parsed(self._list(f"pipelines/{_q(pipeline_id)}/objects"),
                       lambda r: parse_object(r, problems, pipeline_id))

    # --- Standard only -----------------------------------------------------------------------------
    def models(self, problems: ProblemLog) -> list[HevoModel]:
        return _parsed(self._list("models"), lambda r: parse_model(r, problems))

    def model(self, model_id: str, problems: ProblemLog) -> HevoModel | None:
        return parse_model(self._single(f"models/{_q(model_id)}"), problems)

    def workflows(self, problems: ProblemLog) -> list[HevoWorkflow]:
        return _parsed(self._list("workflows"), lambda r: parse_workflow(r, problems))

    def event_types(self, pipeline_id: str, problems: ProblemLog) -> list[HevoEventType]:
        """Event types as ingested (after transformations), `{name, mapping_status}` (3P)."""
        where = f"pipeline {pipeline_id}"
        return _parsed(self._list(f"pipelines/{_q(pipeline_id)}/event-types"),
                       lambda r: parse_event_type(r, where, problems))

    def mapping(self, pipeline_id: str, event_type: str, problems: ProblemLog) -> HevoSchemaMapping | None:
        """The schema mapping of one event type (a name: URL-encoded, `/` included; 3P §3c)."""
        body = self._single(f"pipelines/{_q(pipeline_id)}/mappings/{_q(event_type)}")
        return parse_mapping(body, event_type, problems) if isinstance(body, Mapping) else None

    # --- Edge only ---------------------------------------------------------------------------------
    def object_detail(self, pipeline_id: str, object_id: str, problems: ProblemLog) -> HevoPipelineObject | None:
        body = self._single(f"pipelines/{_q(pipeline_id)}/objects/{_q(object_id)}")
        return parse_object(body, problems, pipeline_id)

    def iter_job_pages(self, pipeline_id: str, problems: ProblemLog) -> Iterator[list[HevoJob]]:
        """The pipeline's jobs page by page, sending only `limit` and `cursor` (OFFICIAL, hevo-api §4: the
        provider sends no filter), in whatever order Hevo lists them (the order is not documented)."""
        for page in self.http.iter_pages(f"pipelines/{_q(pipeline_id)}/jobs", self.paginator()):
            yield _parsed(page, lambda r: parse_job(r, problems, pipeline_id))


T = TypeVar("T")


def _parsed(items: list[Any], parse: Callable[[Any], T | None]) -> list[T]:
    return [record for record in (parse(item) for item in items) if record is not None]


def _q(value: str) -> str:
    return quote(value, safe="")


def _envelope_flavour(body: Any) -> str | None:
    """Which product a list page looks like: 'edge', 'standard', 'unknown' (no tell-tale), or None (not Hevo)."""
    if body == {}:  # 204 No Content: an account without pipelines
        return "unknown"
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    if "has_more" in body or "next_cursor" in body:  # OFFICIAL Edge envelope (§4)
        return EDGE
    if "pagination" in body:  # OFFICIAL Standard envelope (§2), absent on a last page
        return STANDARD
    first = body["data"][0] if body["data"] else None
    source = first.get("source") if isinstance(first, dict) else None
    if isinstance(source, dict):
        if "source_type" in source or "connector_id" in source:  # OFFICIAL (Edge source, §4)
            return EDGE
        if "type" in source:  # 3P (Standard source.type, §3a)
            return STANDARD
    return "unknown"
