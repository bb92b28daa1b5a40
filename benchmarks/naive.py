"""The naive baseline: how the open-source clients in this field talk to these APIs.

dagster-hightouch, the Census and Fivetran integrations and similar clients are sequential (one
request at a time), know nothing of the rate limit, retry a failed request a fixed number of times at
a fixed short delay (here 0.25 s, 3 retries) and then give up, and refetch everything each run (every
sync's runs, whether or not it ran). This lives in benchmarks/ only: it is what we compare against,
not something the collector uses.
"""

from __future__ import annotations

import time
from typing import Any

import requests

RETRYABLE = {429, 500, 502, 503, 504}


class GaveUp(Exception):
    """The naive client exhausted its retries (typically on 429s) and stopped."""


class NaiveClient:
    def __init__(self, base_url: str, *, headers: dict[str, str] | None = None,
                 auth: tuple[str, str] | None = None, retry_delay: float = 0.25, retries: int = 3,
                 timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        if headers:
            self.session.headers.update(headers)
        if auth:
            self.session.auth = auth
        self.retry_delay = retry_delay
        self.retries = retries
        self.timeout = timeout
        self.requests = 0
        self.rate_limited = 0
        self.retried = 0

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        url = f"{self.base_url}/{path.lstrip('/')}"
        for attempt in range(self.retries + 1):
            response = self.session.get(url, params=params, timeout=self.timeout)
            self.requests += 1
            if response.status_code == 429:
                self.rate_limited += 1
            if response.status_code in RETRYABLE:
                if attempt == self.retries:
                    raise GaveUp(f"GET {path}: HTTP {response.status_code} after {attempt + 1} attempts")
                self.retried += 1
                time.sleep(self.retry_delay)
                continue
            response.raise_for_status()
            return response.json() if response.content else {}
        raise AssertionError("unreachable")

    def stats(self) -> dict[str, int]:
        return {"requests": self.requests, "rate_limited_429": self.rate_limited, "retries": self.retried}


def hightouch_fetch(client: NaiveClient, start_iso: str, end_iso: str, got: dict[str, int]) -> None:
    """Every collection page by page (until a short page), then every sync's runs in the window."""
    page = 100
    collected: dict[str, list[Any]] = {}
    for name in ("sources", "models", "destinations", "syncs"):
        items: list[Any] = []
        offset = 0
        while True:
            body = client.get(name, {"limit": page, "offset": offset})
            data = body.get("data") or []
            items.extend(data)
            got[name] = len(items)
            if len(data) < page:
                break
            offset += page
        collected[name] = items
    got["runs"] = 0
    got["syncs_with_runs_read"] = 0
    for sync in collected["syncs"]:
        offset = 0
        while True:
            body = client.get(f"syncs/{sync['id']}/runs",
                              {"limit": page, "offset": offset, "after": start_iso, "before": end_iso})
            data = body.get("data") or []
            got["runs"] += len(data)
            if len(data) < page:
                break
            offset += page
        got["syncs_with_runs_read"] += 1


def _hevo_pages(client: NaiveClient, path: str, edge: bool, params: dict[str, Any] | None = None) -> list[Any]:
    """All pages of a Hevo list: `next_cursor` (Edge) or `pagination.starting_after` (Standard)."""
    items: list[Any] = []
    query: dict[str, Any] = {"limit": 100, **(params or {})}
    while True:
        body = client.get(path, query)
        items.extend(body.get("data") or [])
        if edge:
            cursor = body.get("next_cursor") if body.get("has_more") else None
            if not cursor:
                return items
            query = {**query, "cursor": cursor}
        else:
            cursor = (body.get("pagination") or {}).get("starting_after")
            if not cursor:
                return items
            query = {**query, "starting_after": cursor}


def hevo_fetch(client: NaiveClient, edge: bool, start_ms: int, end_ms: int, got: dict[str, int]) -> None:
    """Everything, every time: every pipeline's objects, and every mapping (Standard) or every object's
    detail and the window's jobs (Edge), whatever their status."""
    from urllib.parse import quote

    pipelines = _hevo_pages(client, "pipelines", edge)
    got["pipelines"] = len(pipelines)
    got["destinations"] = len(_hevo_pages(client, "destinations", edge))
    if not edge:
        got["models"] = len(_hevo_pages(client, "models", edge))
        got["workflows"] = len(_hevo_pages(client, "workflows", edge))
    got["objects"] = got["details_or_mappings"] = got["jobs"] = 0
    for pipeline in pipelines:
        pid = quote(str(pipeline["id"]), safe="")
        objects = _hevo_pages(client, f"pipelines/{pid}/objects", edge)
        got["objects"] += len(objects)
        if edge:
            for obj in objects:
                client.get(f"pipelines/{pid}/objects/{quote(str(obj['object_id']), safe='')}")
                got["details_or_mappings"] += 1
            got["jobs"] += len(_hevo_pages(client, f"pipelines/{pid}/jobs", edge,
                                           {"created_after": start_ms, "created_before": end_ms}))
        else:
            for event_type in _hevo_pages(client, f"pipelines/{pid}/event-types", edge):
                try:
                    client.get(f"pipelines/{pid}/mappings/{quote(str(event_type['name']), safe='')}")
                except requests.HTTPError as exc:  # a mapping that does not exist: 404, skipped
                    if exc.response is None or exc.response.status_code != 404:
                        raise
                got["details_or_mappings"] += 1
        got["pipelines_done"] = got.get("pipelines_done", 0) + 1
