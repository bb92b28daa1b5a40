"""The Hevo public API over HTTP, both flavours: routes, auth, error bodies, limits and the Standard handlers
(cursor pagination with ``starting_after``, wrapped single objects)."""

from __future__ import annotations

import base64
from typing import Any

from kada_sim.hevo.config import EDGE_PREFIX, STANDARD_PREFIX
from kada_sim.hevo.identifiers import _ID_KEYS, _convert
from kada_sim.hevo.truth import _HevoTruth
from kada_sim.server import HTTPError, Request, Response, decode_cursor, encode_cursor, iso_ms, json_response


class _HevoRoutes(_HevoTruth):
    """Routes of the configured flavour, auth and errors, and the Standard endpoints."""

    @property
    def url(self) -> str:
        """Host root: the client appends ``/api/public/v2.0`` or ``/api/v1``."""
        return self.root_url

    @property
    def api_url(self) -> str:
        return self.root_url + self.api_path

    def _template_name(self, template: str) -> str:
        rel = template[len(self.api_path) :] if template.startswith(self.api_path) else template
        return (
            rel.replace("{name}", "{id}")
            .replace("{event_type}", "{id}")
            .replace("{object_id}", "{id}")
            .replace("{job_id}", "{id}")
        )

    def _authenticate(self, req: Request) -> tuple[str | None, Response | None]:
        unauthorized = json_response(
            401, {"error_code": "UNAUTHORIZED", "message": "The API key and secret is not valid"}
        )
        header = req.headers.get("Authorization") or ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None, unauthorized
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None, unauthorized
        key, sep, secret = decoded.partition(":")
        if not sep or key != self.config.api_key or secret != self.config.api_secret:
            return None, unauthorized
        return key, None

    def _rate_limited(self) -> Response:
        return json_response(
            429, {"error_code": "RATE_LIMIT_EXCEEDED", "message": "Request rate limit exceeded"}
        )

    def _not_found(self, req: Request) -> Response:
        if not req.path.startswith(self.api_path + "/") and req.path != self.api_path:
            other = EDGE_PREFIX if self.flavour == "standard" else STANDARD_PREFIX
            if req.path.startswith(other):
                return json_response(
                    404, {"error_code": "NOT_FOUND", "message": f"No API found at {req.path}"}
                )
        return json_response(
            404, {"error_code": "NOT_FOUND", "message": "The requested resource was not found"}
        )

    def _server_error(self, status: int) -> Response:
        if status == 500:
            return json_response(
                500,
                {
                    "error_code": "INTERNAL_SERVER_ERROR",
                    "message": "Something went wrong on our side. Please try again later.",
                },
            )
        return super()._server_error(status)

    @staticmethod
    def _bad_request(message: str) -> HTTPError:
        return HTTPError(json_response(400, {"error_code": "BAD_REQUEST", "message": message}))

    def _limit(self, req: Request) -> int:
        raw = req.arg("limit")
        if raw is None or raw == "":
            return self.config.default_limit
        try:
            limit = int(raw)
        except ValueError:
            raise self._bad_request(f"Invalid value for limit: {raw}") from None
        if not 1 <= limit <= self.config.max_limit:
            raise self._bad_request(f"limit must be between 1 and {self.config.max_limit}")
        return limit

    def _find(self, items: list[dict[str, Any]], raw: str) -> dict[str, Any] | None:
        try:
            wanted = int(raw)
        except ValueError:
            return None
        return next((x for x in items if x["id"] == wanted), None)

    def _pipeline_or_404(self, req: Request, raw: str) -> dict[str, Any]:
        pipeline = self._find(self._pipelines, raw)
        if pipeline is None:
            raise HTTPError(self._not_found(req))
        return pipeline

    def _empty(self, body: dict[str, Any]) -> Response:
        if self.config.empty_lists_as_204 and not body["data"]:
            return Response(204, b"", content_type="application/json; charset=utf-8")
        return json_response(200, body)

    # Standard handlers

    def _std_list(self, req: Request, items: list[dict[str, Any]], scope: str = "") -> Response:
        limit = self._limit(req)
        start = 0
        token = req.arg("starting_after")
        if token:
            cursor = decode_cursor(token)
            if cursor is None or not isinstance(cursor.get("i"), int) or cursor.get("s", "") != scope:
                raise self._bad_request("Invalid value for starting_after")
            start = cursor["i"] + 1
        indexed = [(i, x) for i, x in enumerate(items)]
        status_filter = req.arg("status")
        if status_filter:
            indexed = [(i, x) for i, x in indexed if x.get("status") == status_filter]
        statuses = req.arg("statuses")
        if statuses:
            wanted = {s.strip() for s in statuses.split(",")}
            indexed = [(i, x) for i, x in indexed if x.get("status") in wanted]
        remaining = [(i, x) for i, x in indexed if i >= start]
        page = remaining[:limit]
        body: dict[str, Any] = {"data": [self._served(x) for _, x in page]}
        if len(remaining) > limit:
            body["pagination"] = {
                "starting_after": encode_cursor({"s": scope, "i": page[-1][0]}),
                "count": len(page),
            }
        return self._empty(body)

    def _std_single(self, req: Request, obj: dict[str, Any] | None) -> Response:
        if obj is None:
            return self._not_found(req)
        obj = self._served(obj)
        wrap = self.config.wrap_single_objects and self.profile != "documented-unwrapped"
        return json_response(200, {"data": obj} if wrap else obj)

    def _served(self, obj: Any) -> Any:
        """The object as this profile serves it: ids as strings, or timestamps as ISO 8601 (UNCONFIRMED
        alternatives); the stored object (and the ground truth) keeps numbers."""
        if self.profile == "documented-string-ids":
            return _convert(obj, lambda k, v: str(v) if k in _ID_KEYS and isinstance(v, int) else v)
        if self.profile == "documented-iso-timestamps":
            return _convert(obj, lambda k, v: iso_ms(v) if k.endswith("_ts") and isinstance(v, int) else v)
        return obj

    def _std_pipelines(self, req: Request) -> Response:
        return self._std_list(req, self._pipelines, "pipelines")

    def _std_pipeline(self, req: Request, raw: str) -> Response:
        return self._std_single(req, self._pipeline_or_404(req, raw))

    def _std_objects(self, req: Request, raw: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._std_list(req, self._objects[pipeline["id"]], f"objects:{pipeline['id']}")

    def _std_object(self, req: Request, raw: str, name: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._std_single(
            req, next((o for o in self._objects[pipeline["id"]] if o["name"] == name), None)
        )

    def _std_event_types(self, req: Request, raw: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._std_list(req, self._event_types[pipeline["id"]], f"event-types:{pipeline['id']}")

    def _std_mapping(self, req: Request, raw: str, event_type: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._std_single(req, self._mappings[pipeline["id"]].get(event_type))

    def _std_transformations(self, req: Request, raw: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._std_single(req, self._transformations[pipeline["id"]])
