"""The Hevo REST API client (Standard `/api/public/v2.0` and Edge `/api/v1`) and its Dagster resource.

Hevo has two products with separate APIs and separate ids; a customer has one or the other, chosen with
`flavour` (HEVO_API_FLAVOUR). Both use HTTP Basic auth (API key, API secret) against the region's host,
100 requests per minute per user. Pacing, retries and fan-out come from the shared HTTP layer; this
module owns Hevo's paging (`paging.py`), the paths, and parses each payload into a typed record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from pydantic import Field

from kada_dagster.core.http import ApiError, HttpClient, NotFoundError
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.records import unwrap
from kada_dagster.core.resources import VendorResource
from kada_dagster.core.settings import CollectorSettings, SettingsError, SourceProfile
from kada_dagster.hevo.paging import NextCursorPaginator, Paginator, StartingAfterPaginator
from kada_dagster.hevo.records import (
    HevoDestination,
    HevoEventType,
    HevoJob,
    HevoModel,
    HevoPipeline,
    HevoPipelineObject,
    HevoSchemaMapping,
    HevoWorkflow,
    parse_destination,
    parse_event_type,
    parse_job,
    parse_mapping,
    parse_model,
    parse_object,
    parse_pipeline,
    parse_workflow,
)

STANDARD = "standard"
EDGE = "edge"
API_PATHS = {STANDARD: "/api/public/v2.0", EDGE: "/api/v1"}
PRODUCT_NAMES = {STANDARD: "Hevo Standard", EDGE: "Hevo Edge"}
REGIONS = ("us", "us2", "eu", "in", "asia", "au")
PAGE_SIZE = 100  # the documented maximum of `limit` (Standard); Edge documents none
RATE_LIMIT_REQUESTS = 100  # per user ...
RATE_LIMIT_PERIOD = 60.0  # ... in any 60 s window (documented)

HEVO_PROFILE = SourceProfile(
    source_type="hevo",
    credential_env={"api_key": "HEVO_API_KEY", "api_secret": "HEVO_API_SECRET"},
    config_env="KADA_HEVO_CONFIG",
    base_url_env="HEVO_API_BASE_URL",
    default_host="<region>.hevodata.com",  # a template: HevoResource.settings() fills in the region
    extra_env={"region": "HEVO_REGION", "flavour": "HEVO_API_FLAVOUR"},
)


def _setting_hint(settings: CollectorSettings, key: str, env: str) -> str:
    """Where a user sets `key`: the env var for the default instance, the resource field otherwise."""
    if settings.instance == HEVO_PROFILE.source_type:
        return f"{env} (or '{key}' in the KADA config JSON / resource)"
    return f"'{key}' in the {settings.instance} resource configuration"


def _host_root(url: str) -> str:
    """`https://us.hevodata.com/api/v1/` → `https://us.hevodata.com`: the setting is the host root, but a
    URL that already ends with one of the API paths is accepted rather than doubled."""
    root = url.strip().rstrip("/")
    for path in API_PATHS.values():
        if root.endswith(path):
            return root[: -len(path)]
    return root


def resolve_hevo_settings(settings: CollectorSettings, region: str | None = None,
                          flavour: str | None = None) -> CollectorSettings:
    """Validates region and flavour, and derives the API host root and the K host from them.

    `region` and `flavour` given here (resource configuration) win over the KADA JSON and environment.
    """
    extra = dict(settings.extra)
    flavour_value = str(flavour or extra.get("flavour") or STANDARD).strip().lower()
    if flavour_value not in API_PATHS:
        raise SettingsError(f"hevo instance '{settings.instance}': flavour {flavour_value!r} is not one of "
                            f"{sorted(API_PATHS)}; set {_setting_hint(settings, 'flavour', 'HEVO_API_FLAVOUR')}")
    region_value = str(region or extra.get("region") or "").strip().lower() or None
    if region_value is not None and region_value not in REGIONS:
        raise SettingsError(f"hevo instance '{settings.instance}': region {region_value!r} is not one of "
                            f"{', '.join(REGIONS)}; set {_setting_hint(settings, 'region', 'HEVO_REGION')}")
    if settings.base_url:
        root = _host_root(settings.base_url)
    elif region_value:
        root = f"https://{region_value}.hevodata.com"
    else:
        raise SettingsError(f"hevo instance '{settings.instance}': no region and no base URL; set "
                            f"{_setting_hint(settings, 'region', 'HEVO_REGION')} to one of {', '.join(REGIONS)}, "
                            f"or {_setting_hint(settings, 'base_url', 'HEVO_API_BASE_URL')}")
    host = settings.host
    if not host or host == HEVO_PROFILE.default_host:
        host = f"{region_value}.hevodata.com" if region_value else (urlsplit(root).hostname or root)
    extra.update(region=region_value, flavour=flavour_value)
    return dataclasses.replace(settings, base_url=root, host=host, extra=extra)


class HevoClient:
    """The Hevo calls the K extract needs, for one flavour: owns its paging (`paging.py`) and returns
    typed records (`records.py`) parsed from the payload.

    `test_connection` reads the first page of pipelines and keeps it, so the pipeline listing that
    follows starts at the second page: no request is sent twice in a run.
    """

    def __init__(self, settings: CollectorSettings, http: HttpClient, flavour: str, page_size: int = PAGE_SIZE) -> None:
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
                f"(no 'data' list); check {_setting_hint(self.settings, 'base_url', 'HEVO_API_BASE_URL')} and "
                f"{_setting_hint(self.settings, 'flavour', 'HEVO_API_FLAVOUR')}"
            )
        if shape != "unknown" and shape != self.flavour:
            raise ApiError(self._wrong_flavour_message(f"answered with {PRODUCT_NAMES[shape]}-style pages"))
        self._first_pipelines_page = body

    def _wrong_flavour_message(self, what: str) -> str:
        other = STANDARD if self.is_edge else EDGE
        hint = _setting_hint(self.settings, "flavour", "HEVO_API_FLAVOUR")
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
    flavour: str | None = Field(default=None, description="'standard' (/api/public/v2.0, the default) or 'edge' (/api/v1).")
    page_size: int = Field(default=PAGE_SIZE, ge=1, le=PAGE_SIZE,
                           description="`limit` per list page (Hevo allows at most 100; fewer only for tests).")
    rate_limit_requests: int = RATE_LIMIT_REQUESTS
    rate_limit_period_seconds: float = RATE_LIMIT_PERIOD

    def credential_overrides(self) -> dict[str, Any]:
        return {"api_key": self.api_key, "api_secret": self.api_secret}

    def settings(self) -> CollectorSettings:
        return resolve_hevo_settings(super().settings(), self.region, self.flavour)

    def get_client(self, logger: Any | None = None, settings: CollectorSettings | None = None) -> HevoClient:
        """The client; `settings` already resolved by the caller are used as they are (resolved once a run)."""
        settings = settings or self.settings()
        key, secret = settings.credential("api_key").strip(), settings.credential("api_secret").strip()
        flavour = str(settings.extra["flavour"])
        sources = settings.credential_sources
        hint = f"{sources['api_key']} and {sources['api_secret']}"
        if settings.instance == HEVO_PROFILE.source_type and "HEVO_API_KEY" not in hint:
            hint += " (HEVO_API_KEY and HEVO_API_SECRET)"
        region = settings.extra.get("region")
        hint += f"; keys are per region and product (region {region or 'from the base URL'}, flavour {flavour})"
        http = self.build_http(
            settings,
            f"{settings.base_url}{API_PATHS[flavour]}",
            auth=(key, secret),
            credential_setting=hint,
            service_name=f"{PRODUCT_NAMES[flavour]} API",
            logger=logger,
        )
        return HevoClient(settings, http, flavour, self.page_size)
