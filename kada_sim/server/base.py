"""The simulator base class: routes, the request pipeline (auth, rate limit, faults, handler) and the
server's lifecycle."""

from __future__ import annotations

import re
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import Message
from urllib.parse import parse_qs, unquote, urlsplit

from kada_sim.server.faults import _PROXY_FAULTS, FaultQueue, _first_page_again, _without_paging, odd_values
from kada_sim.server.limits import SimStats, build_limiter
from kada_sim.server.options import SimOptions
from kada_sim.server.transport import (
    HTTPError,
    Request,
    Response,
    _Handler,
    _Route,
    _Server,
    drop_connection,
    json_response,
    write_response,
)


class SimulatorBase:
    """A vendor API simulator: subclasses declare routes and vendor-specific error bodies."""

    name = "sim"
    api_prefix = ""

    def __init__(self, options: SimOptions) -> None:
        self.options = options
        self._stats = SimStats(options.record_requests)
        self._limiter = build_limiter(options)
        self._fault_queue = FaultQueue()
        self._routes: list[_Route] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        for method, template, handler in self._route_table():
            self._add_route(method, template, handler)

    # ---- to be provided by subclasses -------------------------------------------------------------

    def _route_table(self) -> list[tuple[str, str, Callable[..., Response]]]:
        """(method, template relative to the server root, handler) triples."""
        return []

    def _authenticate(self, req: Request) -> tuple[str | None, Response | None]:
        """Return (credential key for rate limiting, None) or (None, 401 response)."""
        return "anonymous", None

    def _rate_limited(self) -> Response:
        return json_response(429, {"error": "Too many requests"})

    def _not_found(self, req: Request) -> Response:
        return json_response(404, {"message": "Not found"})

    def _server_error(self, status: int) -> Response:
        """5xx bodies. 502/503 look like a load balancer's HTML page, as they would in production."""
        if status == 500:
            return json_response(500, "Internal Server Error")
        reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}.get(
            status, "Error")
        html = f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
        return Response(status, html.encode(), content_type="text/html")

    def _common_headers(self) -> tuple[tuple[str, str], ...]:
        return ()

    def describe(self) -> str:
        """One line for the CLI's stderr banner."""
        return self.name

    # ---- public API --------------------------------------------------------------------------------

    @property
    def stats(self) -> SimStats:
        return self._stats

    def reset_stats(self) -> None:
        self._stats.reset()

    def inject_fault(self, path_prefix: str, kind: str, count: int = 1) -> None:
        """Make the next ``count`` requests whose path (+query) starts with ``path_prefix`` fail.

        ``path_prefix`` may be relative to the API prefix (``/syncs``) or absolute
        (``/api/v1/syncs``); ``""`` matches everything. Faults apply after auth and rate limiting.
        """
        self._fault_queue.add(path_prefix, kind, count)

    def clear_faults(self) -> None:
        self._fault_queue.clear()

    @property
    def pending_faults(self) -> list[tuple[str, str, int]]:
        return self._fault_queue.pending()

    @property
    def root_url(self) -> str:
        if not self._server:
            raise RuntimeError("simulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The base URL a client is configured with (vendor-specific; see subclasses)."""
        return self.root_url + self.api_prefix

    def start(self) -> str:
        """Start serving in a background thread; returns :attr:`url`."""
        if self._server:
            return self.url
        self._stopping.clear()
        self._server = _Server((self.options.host, self.options.port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-server",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving, release the port and wake any request held by a 'timeout' fault."""
        server, thread = self._server, self._thread
        if not server:
            return
        self._stopping.set()
        server.shutdown()
        server.drop_all_connections()
        server.server_close()
        if thread:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    @contextmanager
    def serve(self) -> Iterator[str]:
        """``with sim.serve() as base_url:`` runs the server for the block."""
        url = self.start()
        try:
            yield url
        finally:
            self.stop()

    def __enter__(self) -> SimulatorBase:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- request pipeline --------------------------------------------------------------------------

    def _add_route(self, method: str, template: str, handler: Callable[..., Response]) -> None:
        pattern = "^" + re.sub(r"\\\{[A-Za-z_]+\\\}", "([^/]+)", re.escape(template)) + "/?$"
        self._routes.append(_Route(method, template, re.compile(pattern), handler))

    def _template_name(self, template: str) -> str:
        """Statistics key: templates are reported relative to the API prefix."""
        rel = (
            template[len(self.api_prefix) :]
            if self.api_prefix and template.startswith(self.api_prefix)
            else template
        )
        return re.sub(r"\{[A-Za-z_]+\}", "{id}", rel) if "{" in rel else rel

    def _match(self, method: str, path: str) -> tuple[_Route | None, tuple[str, ...]]:
        for route in self._routes:
            if route.method != method:
                continue
            m = route.regex.match(path)
            if m:
                return route, tuple(unquote(g) for g in m.groups())
        return None, ()

    def _handle(self, handler: _Handler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        path = split.path or "/"
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            handler.rfile.read(length)
        req = Request(
            method, path, split.query, parse_qs(split.query, keep_blank_values=True), handler.headers
        )
        route, params = self._match("GET" if method == "HEAD" else method, path)
        template = f"{method} {self._template_name(route.template)}" if route else f"{method} (unrouted)"
        self._stats.begin(method, req.target, template)
        status: int | None = None
        try:
            if self.options.latency_s > 0:
                time.sleep(self.options.latency_s / self.options.time_scale)
            response = self._pipeline(req, route, params)
            if isinstance(response, str):  # a connection-level fault: no response at all
                if response == "timeout":
                    self._stopping.wait(self.options.timeout_sleep_s)
                drop_connection(handler, abortive=response == "reset")
                return
            status = response.status
            write_response(handler, response, self._common_headers(), head_only=method == "HEAD")
        finally:
            self._stats.end(status)

    def _pipeline(self, req: Request, route: _Route | None, params: tuple[str, ...]) -> Response | str:
        credential, error = self._authenticate(req)
        if error is not None:
            return error
        if self._limiter and not self._limiter.allow(credential or ""):
            return self._rate_limited()
        fault = self._fault_queue.take(req, self.api_prefix) or self._fault_queue.random(req, self.options)
        if fault:
            self._stats.fault(fault)
        if fault in ("reset", "timeout"):
            return fault
        if fault in ("500", "502", "503", "504"):
            return self._server_error(int(fault))
        if fault is not None and fault.startswith("json_5"):
            return json_response(int(fault[5:]), {"message": f"upstream error {fault[5:]}"})
        if fault == "429":
            return self._rate_limited()
        if fault == "401":  # what the vendor answers a request without valid credentials
            return self._authenticate(Request(req.method, req.path, "", {}, Message()))[1] or \
                json_response(401, {"message": "Unauthorized"})
        if fault == "404":
            return self._not_found(req)
        if fault in _PROXY_FAULTS:
            return _PROXY_FAULTS[fault]
        if fault == "repeat_page":
            return _first_page_again(self._route(_without_paging(req), route, params))
        resp = self._route(req, route, params)
        if fault == "odd_values":
            return odd_values(resp)
        if fault == "malformed":
            body = resp.body
            cut = body[: max(1, len(body) // 2)] if len(body) > 2 else b'{"data": ['
            resp = Response(200, cut, content_type="application/json; charset=utf-8")
        return resp

    def _route(self, req: Request, route: _Route | None, params: tuple[str, ...]) -> Response:
        if route is None:
            return self._not_found(req)
        try:
            return route.handler(req, *params)
        except HTTPError as exc:
            return exc.response
        except Exception:  # a simulator bug: surface it loudly, answer like a server would
            traceback.print_exc()
            return self._server_error(500)
