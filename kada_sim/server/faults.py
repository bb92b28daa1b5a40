"""Faults a simulator injects: the programmable queue (``inject_fault``), the seeded random faults, and the
answers of the kinds that rewrite a real response (proxy pages, ``repeat_page``, ``odd_values``)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kada_sim.server.helpers import json_bytes, unit_floats
from kada_sim.server.options import SimOptions
from kada_sim.server.transport import Request, Response

FAULT_KINDS = ("500", "502", "503", "504", "malformed", "timeout", "reset", "404",
               "empty_200", "string_200", "html_502", "retry_after_503",
               "429", "json_502", "json_503", "json_504", "401", "repeat_page", "odd_values")
"""Kinds accepted by :meth:`SimulatorBase.inject_fault`.

``500`` answers the JSON string ``"Internal Server Error"``; ``502``/``503``/``504`` a load balancer's HTML
page, ``json_502``/``json_503``/``json_504`` a JSON ``{"message"}`` body instead; ``empty_200``: a 200 with
no body; ``string_200``: a 200 whose body is a JSON string where an object belongs; ``html_502``: a proxy's
HTML error page; ``retry_after_503``: a 503 with ``Retry-After: 1``; ``429``: the vendor's rate-limit
answer (no Retry-After); ``401``: the vendor's answer to a revoked credential; ``repeat_page``: the FIRST
page of the list again (paging parameters dropped) with ``hasMore``/``has_more`` forced true, so a client
sees repeated ids (Hightouch) or a cursor it was already given (Hevo: a loop); ``odd_values``: the real
answer with bad input in every object (see :func:`odd_values`)."""


@dataclass
class _QueuedFault:
    prefix: str
    kind: str
    remaining: int


class FaultQueue:
    """The programmable faults (consumed in order, by path prefix) and the seeded random ones."""

    def __init__(self) -> None:
        self._faults: list[_QueuedFault] = []
        self._fault_lock = threading.Lock()
        self._occurrences: Counter[str] = Counter()
        self._occ_lock = threading.Lock()

    def add(self, path_prefix: str, kind: str, count: int) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._fault_lock:
            self._faults.append(_QueuedFault(path_prefix, kind, count))

    def clear(self) -> None:
        with self._fault_lock:
            self._faults.clear()

    def pending(self) -> list[tuple[str, str, int]]:
        with self._fault_lock:
            return [(f.prefix, f.kind, f.remaining) for f in self._faults]

    def take(self, req: Request, api_prefix: str) -> str | None:
        """The next queued fault whose prefix matches the request (absolute or relative to ``api_prefix``)."""
        target = req.target
        rel = (
            target[len(api_prefix) :] if api_prefix and target.startswith(api_prefix) else None
        )
        with self._fault_lock:
            for fault in self._faults:
                if target.startswith(fault.prefix) or (rel is not None and rel.startswith(fault.prefix)):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault.kind
        return None

    def random(self, req: Request, opts: SimOptions) -> str | None:
        """A seeded random fault: a hash of (seed, request, n-th occurrence), so order does not matter."""
        if opts.fault_rate_5xx <= 0 and opts.fault_rate_malformed <= 0:
            return None
        key = f"{req.method} {req.target}"
        with self._occ_lock:
            self._occurrences[key] += 1
            n = self._occurrences[key]
        u = unit_floats(opts.seed, "fault", key, n)
        if u[0] < opts.fault_rate_5xx:
            return "500" if u[1] < 0.6 else ("502" if u[1] < 0.8 else "503")
        if u[0] < opts.fault_rate_5xx + opts.fault_rate_malformed:
            return "malformed"
        return None


_PROXY_PAGE = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
               b"</center><hr><center>nginx</center></body></html>")
_PROXY_FAULTS = {
    "empty_200": Response(200, b"", content_type="application/json"),
    "string_200": Response(200, b'"OK"', content_type="application/json"),
    "html_502": Response(502, _PROXY_PAGE, content_type="text/html"),
    "retry_after_503": Response(503, b'{"message": "Service Unavailable"}', content_type="application/json",
                                headers=(("Retry-After", "1"),)),
}


_PAGING_PARAMS = ("offset", "starting_after", "cursor")


def _without_paging(req: Request) -> Request:
    """The same request without its paging parameters: what a server that ignores them answers."""
    query = {k: v for k, v in req.query.items() if k not in _PAGING_PARAMS}
    raw = "&".join(part for part in req.raw_query.split("&") if part.split("=", 1)[0] not in _PAGING_PARAMS)
    return Request(req.method, req.path, raw, query, req.headers)


def _first_page_again(resp: Response) -> Response:
    """``repeat_page``: the first page, claiming there is more (a server ignoring offset or cursor)."""
    try:
        body = json.loads(resp.body)
    except ValueError:
        return resp
    if isinstance(body, dict):
        for key in ("hasMore", "has_more"):
            if key in body:
                body[key] = True
    return Response(resp.status, json_bytes(body), resp.content_type, resp.headers)


ODD_NAME = "Zürich–東京 ✓ «ñ» "
"""Prefixed to every ``name`` by ``odd_values``: non-ASCII text must survive unchanged."""
ODD_STATUS = "undocumented_state"
"""Every string ``status`` becomes this value, outside every documented enum."""
HUGE_FIELD_CHARS = 200_000
"""``odd_values`` makes the first object's ``name`` this long."""


def odd_values(resp: Response) -> Response:
    """Bad input in every object of a JSON answer (its ``data`` list, or the bare object): names turned
    non-ASCII, the first one huge; every ``status`` outside the documented enum; in every second object each
    other scalar value except ``id``-like keys replaced by null. Errors and non-JSON bodies pass unchanged."""
    try:
        body = json.loads(resp.body)
    except ValueError:
        return resp
    items: list[Any] = body["data"] if isinstance(body, dict) and isinstance(body.get("data"), list) else [body]
    for i, item in enumerate(x for x in items if isinstance(x, dict)):
        if isinstance(item.get("name"), str):
            item["name"] = ODD_NAME + item["name"] + ("X" * HUGE_FIELD_CHARS if i == 0 else "")
        if isinstance(item.get("status"), str):
            item["status"] = ODD_STATUS
        if i % 2:
            for key, value in list(item.items()):
                if not key.lower().endswith("id") and key not in ("name", "status") and \
                        isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    item[key] = None
    return Response(resp.status, json_bytes(body), resp.content_type, resp.headers)
