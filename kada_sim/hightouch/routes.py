"""The Hightouch REST API v1 over HTTP: routes, auth, parameter validation, list envelopes and runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kada_sim.hightouch.config import API_PREFIX, OBJECT_ORDER_BY, RUN_ORDER_BY
from kada_sim.hightouch.truth import _HightouchTruth
from kada_sim.server import HTTPError, Request, Response, int_arg, json_response, parse_iso


class _HightouchRoutes(_HightouchTruth):
    """The endpoints of the reference (sources, models, destinations, syncs and their runs)."""

    def _route_table(self) -> list[tuple[str, str, Callable[..., Response]]]:
        p = API_PREFIX
        return [
            ("GET", f"{p}/sources", lambda r: self._list(r, "sources")),
            ("GET", f"{p}/sources/{{sourceId}}", lambda r, x: self._get(r, "sources", "sourceId", x)),
            ("GET", f"{p}/models", lambda r: self._list(r, "models")),
            ("GET", f"{p}/models/{{modelId}}", lambda r, x: self._get(r, "models", "modelId", x)),
            ("GET", f"{p}/destinations", lambda r: self._list(r, "destinations")),
            (
                "GET",
                f"{p}/destinations/{{destinationId}}",
                lambda r, x: self._get(r, "destinations", "destinationId", x),
            ),
            ("GET", f"{p}/syncs", lambda r: self._list(r, "syncs")),
            ("GET", f"{p}/syncs/{{syncId}}", lambda r, x: self._get(r, "syncs", "syncId", x)),
            ("GET", f"{p}/syncs/{{syncId}}/runs", self._runs),
        ]

    def _common_headers(self) -> tuple[tuple[str, str], ...]:
        return (("X-Powered-By", "Express"),)

    def _authenticate(self, req: Request) -> tuple[str | None, Response | None]:
        header = req.headers.get("Authorization")
        if not header:
            return None, json_response(
                401, {"message": "Authentication error", "details": "No authorization header found"}
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.config.token:
            return None, json_response(
                401, {"message": "Authentication error", "details": "Token is invalid"}
            )
        return token.strip(), None

    @staticmethod
    def _invalid(name: str, message: str, value: object) -> Response:
        return json_response(
            422, {"message": "Validation failed", "details": {name: {"message": message, "value": value}}}
        )

    def _path_id(self, name: str, raw: str) -> int:
        try:
            value = float(raw)
        except ValueError:
            raise HTTPError(self._invalid(name, "invalid float number", raw)) from None
        if value != int(value):
            raise HTTPError(self._invalid(name, "invalid float number", raw))
        return int(value)

    def _paging(self, req: Request, order_by: tuple[str, ...]) -> tuple[int, int, str]:
        limit = int_arg(req, "limit", 100, self._invalid)
        offset = int_arg(req, "offset", 0, self._invalid)
        assert limit is not None and offset is not None
        if limit < 1:
            raise HTTPError(self._invalid("limit", "min 1", req.arg("limit")))
        if offset < 0:
            raise HTTPError(self._invalid("offset", "min 0", req.arg("offset")))
        order = req.arg("orderBy") or "id"
        if order not in order_by:
            allowed = ",".join(f"'{o}'" for o in order_by)
            raise HTTPError(self._invalid("orderBy", f"should be one of the following; [{allowed}]", order))
        return min(limit, self._max_limit), offset, order

    def _time_arg(self, req: Request, name: str) -> int | None:
        raw = req.arg(name)
        if raw is None or raw == "":
            return None
        value = parse_iso(raw)
        if value is None:
            raise HTTPError(
                self._invalid(name, "invalid ISO 8601 datetime format, i.e. YYYY-MM-DDTHH:mm:ss", raw)
            )
        return value

    def _envelope(self, kind: str, data: list[Any], has_more: bool) -> Response:
        body: dict[str, Any] = {"data": data}
        if kind not in self._omit_has_more:
            body["hasMore"] = has_more
        return json_response(200, body)

    def _list(self, req: Request, kind: str) -> Response:
        limit, offset, order = self._paging(req, OBJECT_ORDER_BY)
        rows = self._served[kind]
        for key in ("name", "slug"):
            value = req.arg(key)
            if value is not None and not (kind == "syncs" and key == "name"):
                rows = [r for r in rows if r[0].get(key) == value]
        if kind == "models" and req.query.get("tags"):
            wanted = []
            for tag in req.query["tags"]:
                k, sep, v = tag.partition(":")
                if not sep:
                    raise HTTPError(self._invalid("tags", "tags must be key:value", tag))
                wanted.append((k, v))
            rows = [r for r in rows if all(r[0]["tags"].get(k) == v for k, v in wanted)]
        if kind == "syncs":
            model_id = int_arg(req, "modelId", None, self._invalid)
            if model_id is not None:
                rows = [r for r in rows if r[0]["modelId"] == model_id]
            after, before = self._time_arg(req, "after"), self._time_arg(req, "before")
            if after is not None:
                rows = [r for r in rows if r[0]["lastRunAt"] is not None and r[0]["lastRunAt"] >= after]
            if before is not None:
                rows = [r for r in rows if r[0]["lastRunAt"] is not None and r[0]["lastRunAt"] < before]
        if order != "id":
            field_name = "slug" if (kind == "syncs" and order == "name") else order
            rows = sorted(rows, key=lambda r: (r[0][field_name], r[0]["id"]))
        page = [out for _, out in rows[offset : offset + limit]]
        return self._envelope(kind, page, offset + len(page) < len(rows))

    def _get(self, req: Request, kind: str, param: str, raw: str) -> Response:
        obj = self._by_id[kind].get(self._path_id(param, raw))
        return json_response(200, obj) if obj is not None else self._not_found(req)

    def _runs(self, req: Request, raw: str) -> Response:
        rt = self._runtime.get(self._path_id("syncId", raw))
        if rt is None:
            return self._not_found(req)
        limit, offset, _order = self._paging(req, RUN_ORDER_BY)
        run_id = int_arg(req, "runId", None, self._invalid)
        within = int_arg(req, "within", None, self._invalid)
        after, before = self._time_arg(req, "after"), self._time_arg(req, "before")
        if within is not None:
            after = max(after or 0, self.end_ms - within * 60_000)
        lo, hi = self._window(rt, after, before)
        if run_id is not None:
            found = self._run_by_id(rt, run_id)
            matches = [found[1]] if found and lo <= found[0] < hi else []
            page = matches[offset : offset + limit]
            return self._envelope("runs", page, offset + len(page) < len(matches))
        page, total = self._runs_page(rt, lo, hi, offset, limit)
        return self._envelope("runs", page, offset + len(page) < total)
