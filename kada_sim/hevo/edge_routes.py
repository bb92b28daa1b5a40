"""The Edge endpoints: ``limit`` + ``cursor`` pages, objects, jobs newest first (or reordered by a
profile), single jobs by UUID and the fixture's destinations."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from kada_sim.hevo.config import EDGE_PREFIX, STANDARD_PREFIX, _PipelineRuntime
from kada_sim.hevo.routes import _HevoRoutes
from kada_sim.server import (
    Request,
    Response,
    decode_cursor,
    encode_cursor,
    json_response,
    parse_iso,
    stable_int,
)


class _HevoEdgeRoutes(_HevoRoutes):
    """The route table of the configured flavour and the ``/api/v1`` handlers."""

    def _route_table(self) -> list[tuple[str, str, Callable[..., Response]]]:
        if self.config.flavour == "standard":
            s = STANDARD_PREFIX
            return [
                ("GET", f"{s}/pipelines", self._std_pipelines),
                ("GET", f"{s}/pipelines/{{id}}", self._std_pipeline),
                ("GET", f"{s}/pipelines/{{id}}/objects", self._std_objects),
                ("GET", f"{s}/pipelines/{{id}}/objects/{{name}}", self._std_object),
                ("GET", f"{s}/pipelines/{{id}}/event-types", self._std_event_types),
                ("GET", f"{s}/pipelines/{{id}}/mappings/{{event_type}}", self._std_mapping),
                ("GET", f"{s}/pipelines/{{id}}/transformations", self._std_transformations),
                ("GET", f"{s}/destinations", lambda r: self._std_list(r, self._destinations)),
                (
                    "GET",
                    f"{s}/destinations/{{id}}",
                    lambda r, x: self._std_single(r, self._find(self._destinations, x)),
                ),
                ("GET", f"{s}/models", lambda r: self._std_list(r, self._models)),
                ("GET", f"{s}/models/{{id}}", lambda r, x: self._std_single(r, self._find(self._models, x))),
                ("GET", f"{s}/workflows", lambda r: self._std_list(r, self._workflows)),
                (
                    "GET",
                    f"{s}/workflows/{{id}}",
                    lambda r, x: self._std_single(r, self._find(self._workflows, x)),
                ),
            ]
        e = EDGE_PREFIX
        return [
            ("GET", f"{e}/pipelines", lambda r: self._edge_list(r, self._pipelines)),
            (
                "GET",
                f"{e}/pipelines/{{id}}",
                lambda r, x: self._edge_single(r, self._find(self._pipelines, x)),
            ),
            ("GET", f"{e}/pipelines/{{id}}/objects", self._edge_objects),
            ("GET", f"{e}/pipelines/{{id}}/objects/{{object_id}}", self._edge_object),
            ("GET", f"{e}/pipelines/{{id}}/jobs", self._edge_jobs),
            ("GET", f"{e}/pipelines/{{id}}/jobs/{{job_id}}", self._edge_job),
            ("GET", f"{e}/destinations", self._edge_destinations),
            (
                "GET",
                f"{e}/destinations/{{id}}",
                lambda r, x: self._edge_single(
                    r, None if self.profile == "documented-no-destinations" else self._find(self._destinations, x)
                ),
            ),
        ]

    def _edge_page(self, req: Request) -> tuple[int, dict[str, Any] | None]:
        if self.profile == "documented-strict-params":
            unknown = sorted(set(req.query) - {"limit", "cursor"})
            if unknown:
                raise self._bad_request(f"Unknown query parameter(s): {', '.join(unknown)}")
        limit = self._limit(req)
        token = req.arg("cursor")
        if not token:
            return limit, None
        cursor = decode_cursor(token)
        if cursor is None:
            raise self._bad_request("Invalid cursor")
        return limit, cursor

    def _edge_list(self, req: Request, items: list[dict[str, Any]]) -> Response:
        limit, cursor = self._edge_page(req)
        offset = 0
        if cursor is not None:
            if not isinstance(cursor.get("o"), int):
                raise self._bad_request("Invalid cursor")
            offset = cursor["o"]
        page = items[offset : offset + limit]
        has_more = offset + len(page) < len(items)
        return self._empty(
            {
                "data": page,
                "has_more": has_more,
                "next_cursor": encode_cursor({"o": offset + len(page)}) if has_more else None,
            }
        )

    def _edge_destinations(self, req: Request) -> Response:
        if self.profile == "documented-no-destinations":  # fixture-only endpoint (UNCONFIRMED)
            return self._not_found(req)
        return self._edge_list(req, self._destinations)

    def _edge_single(self, req: Request, obj: dict[str, Any] | None) -> Response:
        return json_response(200, obj) if obj is not None else self._not_found(req)

    def _edge_objects(self, req: Request, raw: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._edge_list(req, self._objects[pipeline["id"]])

    def _edge_object(self, req: Request, raw: str, object_id: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._edge_single(req, self._object_details[pipeline["id"]].get(object_id))

    def _time_filter(self, req: Request, name: str) -> int | None:
        """kada: epoch ms or ISO 8601. documented: ignored (no filter is documented). seconds-filters: read
        as epoch seconds, so a client sending ms asks for a time far in the future."""
        raw = req.arg(name)
        if raw is None or raw == "" or self.profile not in ("kada", "documented-seconds-filters"):
            return None
        if self.profile == "documented-seconds-filters":
            if not raw.isdigit():
                raise self._bad_request(f"Invalid value for {name}: expected epoch seconds")
            return int(raw) * 1000
        if raw.isdigit():
            return int(raw)
        value = parse_iso(raw)
        if value is None:
            raise self._bad_request(f"Invalid value for {name}: expected epoch milliseconds or ISO 8601")
        return value

    def _edge_jobs(self, req: Request, raw: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        rt = self._runtime[pipeline["id"]]
        limit, cursor = self._edge_page(req)
        after, before = self._time_filter(req, "created_after"), self._time_filter(req, "created_before")
        if self.profile in ("documented-jobs-oldest-first", "documented-jobs-unordered"):
            return self._edge_jobs_reordered(rt, limit, cursor, *self._job_window(rt, None, None))
        position: tuple[int, int] | None = None
        if cursor is not None:
            try:
                position = (int(cursor["d"]), int(cursor["i"]))
                if cursor.get("p") != rt.id:
                    raise ValueError
            except (KeyError, TypeError, ValueError):
                raise self._bad_request("Invalid cursor") from None
            after = after if after is not None else cursor.get("lo")
            before = before if before is not None else cursor.get("hi")
        lo, hi = self._job_window(rt, after, before)
        page: list[dict[str, Any]] = []
        last_key: tuple[int, int] | None = None
        has_more = False
        for key, job in self._jobs_desc(rt, lo, hi, position):
            if len(page) == limit:
                has_more = True
                break
            page.append(job)
            last_key = key
        next_cursor = (
            encode_cursor({"p": rt.id, "d": last_key[0], "i": last_key[1], "lo": after, "hi": before})
            if has_more and last_key
            else None
        )
        return self._empty({"data": page, "has_more": has_more, "next_cursor": next_cursor})

    def _edge_jobs_reordered(
        self, rt: _PipelineRuntime, limit: int, cursor: dict[str, Any] | None, lo: int, hi: int
    ) -> Response:
        """Jobs oldest first, or in a fixed shuffled order: the reference documents no order for /jobs."""
        jobs = [job for _, job in self._jobs_desc(rt, lo, hi)][::-1]
        if self.profile == "documented-jobs-unordered":
            random.Random(stable_int(self.config.seed, "unordered", rt.id)).shuffle(jobs)
        offset = 0
        if cursor is not None:
            if cursor.get("p") != rt.id or not isinstance(cursor.get("o"), int):
                raise self._bad_request("Invalid cursor")
            offset = cursor["o"]
        page = jobs[offset : offset + limit]
        has_more = offset + len(page) < len(jobs)
        next_cursor = encode_cursor({"p": rt.id, "o": offset + len(page)}) if has_more else None
        return self._empty({"data": page, "has_more": has_more, "next_cursor": next_cursor})

    def _edge_job(self, req: Request, raw: str, job_id: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        rt = self._runtime[pipeline["id"]]
        decoded = self._decode_job_uuid(job_id)
        if decoded is None or decoded[0] != rt.id or not rt.has_jobs:
            return self._not_found(req)
        _, day, i = decoded
        lo, hi = self._job_window(rt, None, None)
        created, job = self._make_job(rt, day, i)
        return json_response(200, job) if lo <= created < hi and i < self._per_day else self._not_found(req)
