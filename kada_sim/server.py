"""Shared machinery for the Hightouch and Hevo API simulators.

Why this exists: nothing on this machine reaches the real vendor APIs, so the project, its tests, its
demo and its benchmarks talk to these simulators instead. Both share one real HTTP server
(``ThreadingHTTPServer`` on loopback, HTTP/1.1 keep-alive, ``Content-Length`` always set) and one
request pipeline:

1. parse the request and match it to an endpoint template (for statistics);
2. sleep ``latency_s / time_scale`` (per request, in the request's own thread, so concurrent requests
   overlap rather than queue);
3. authenticate (a 401 never consumes rate-limit budget or queued faults);
4. rate limit: a true sliding window over the arrival times of *accepted* requests, keyed by credential
   (a rejected 429 does not extend the window, so a client that backs off recovers after ``period``);
5. faults: first the programmable queue (``inject_fault``), then the seeded random faults
   (``fault_rate_5xx``, ``fault_rate_malformed``);
6. route to the vendor handler.

Random faults are drawn from a hash of (seed, method, path+query, n-th occurrence of that request), not
from a shared RNG, so a run is reproducible even when requests arrive concurrently in a different order,
and a retried request gets a fresh draw.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import types
import typing
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime, timedelta, timezone
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

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

SECRET_MARKER = "SIMSECRET"
"""Every fake credential the simulators serve contains this marker, so tests can grep landed files."""

DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# --------------------------------------------------------------------------------------------------
# Small deterministic helpers shared by both simulators
# --------------------------------------------------------------------------------------------------


_INV_2_32 = 1.0 / 4294967296.0
_UNPACK_16 = struct.Struct("<16I").unpack


def unit_floats(*parts: object) -> tuple[float, ...]:
    """16 floats in [0, 1) derived from a hash of ``parts``.

    Used instead of ``random.Random`` for lazily generated runs/jobs: it is stateless, about ten
    times cheaper to set up, and gives the same values whatever order items are generated in.
    """
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=64).digest()
    return tuple([x * _INV_2_32 for x in _UNPACK_16(digest)])


def weighted_choice(u: float, table: tuple[tuple[float, str], ...]) -> str:
    """The first value whose cumulative threshold exceeds ``u`` (thresholds ascending, last 1.0)."""
    for threshold, value in table:
        if u < threshold:
            return value
    return table[-1][1]


def stable_int(*parts: object, bits: int = 63) -> int:
    """A stable non-negative integer hash of ``parts`` (seeds ``random.Random`` deterministically)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).digest()
    return int.from_bytes(digest, "big") >> (128 - bits)


def fake_secret(*parts: object) -> str:
    """A clearly fake, unique, greppable credential value."""
    return f"{SECRET_MARKER}-{hashlib.blake2b('|'.join(map(str, parts)).encode(), digest_size=8).hexdigest()}"


def to_ms(dt: datetime) -> int:
    """Epoch milliseconds of an aware datetime (naive is taken as UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return (dt - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def iso_ms(ms: int) -> str:
    """``2026-11-20T03:04:05.123Z``: the millisecond ``Z`` form both vendors use (hot path: kept cheap)."""
    t = time.gmtime(ms // 1000)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{ms % 1000:03d}Z"


def parse_iso(value: str) -> int | None:
    """Parse an ISO 8601 date or date-time into epoch ms; naive means UTC. None if unparseable."""
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return to_ms(dt)


def as_ms(value: datetime | str | int | None) -> int | None:
    """None, epoch ms, a datetime (naive is UTC) or an ISO 8601 string as epoch ms (ValueError if unparseable)."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return to_ms(value)
    parsed = parse_iso(value)
    if parsed is None:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}")
    return parsed


def default_end() -> datetime:
    """'Now' floored to the minute: the default end of simulated history (pass ``end`` for determinism)."""
    now = datetime.now(timezone.utc)
    return now.replace(second=0, microsecond=0)


def encode_cursor(payload: dict[str, Any]) -> str:
    """An opaque cursor: url-safe base64 of compact JSON, no padding."""
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any] | None:
    """Inverse of :func:`encode_cursor`; None if the token was not produced by it."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def json_bytes(obj: Any) -> bytes:
    """Compact UTF-8 JSON, keys in insertion order: byte-identical for identical input."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------------------------------
# Options, responses, statistics
# --------------------------------------------------------------------------------------------------


RATE_LIMIT_KINDS = ("sliding", "token_bucket")
"""How a simulator counts its rate limit (``SimOptions.rate_limit_kind``)."""


@dataclass
class SimOptions:
    """Options common to both simulators (the vendor configs subclass this)."""

    seed: int = 0
    latency_s: float = 0.0
    rate_limit: tuple[int, float] | None = None
    """(max_requests, period_seconds) per credential, or None for no limit."""
    rate_limit_kind: str = field(default="sliding", metadata={"choices": RATE_LIMIT_KINDS})
    """How ``rate_limit`` is counted (the vendors do not say): ``sliding`` allows ``max_requests`` in any
    window of ``period_seconds``; ``token_bucket`` holds ``max_requests`` tokens, refilled continuously at
    ``max_requests / period_seconds`` per second (starts full, so it allows an initial burst)."""
    time_scale: float = 1.0
    """Divides the rate-limit period and the latency (benchmarks: 60 turns 100/min into 100/s)."""
    fault_rate_5xx: float = 0.0
    fault_rate_malformed: float = 0.0
    timeout_sleep_s: float = 30.0
    """How long a 'timeout' fault holds the request before dropping the connection."""
    record_requests: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    profile: str = "kada"
    """What the simulator serves: ``kada`` (our own, richest assumptions), ``documented`` (only fields and
    behaviours the reference marks OFFICIAL or 3P, in their documented shapes) or one of the vendor's
    ``documented-<variant>`` profiles (one per UNCONFIRMED alternative). Each vendor lists its own in
    ``PROFILES``; an unknown name is refused when the simulator is built."""


@dataclass
class Response:
    """A complete HTTP response (body already encoded)."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


def json_response(status: int, obj: Any, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, json_bytes(obj), headers=headers)


class HTTPError(Exception):
    """Raised by handlers to return an error response from deep inside parameter parsing."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class Request:
    """What a handler sees of an HTTP request."""

    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: Message

    def arg(self, name: str) -> str | None:
        """First value of a query parameter (None when absent)."""
        values = self.query.get(name)
        return values[0] if values else None

    @property
    def target(self) -> str:
        return self.path + ("?" + self.raw_query if self.raw_query else "")


class SimStats:
    """Thread-safe request statistics. Read the attributes directly; call ``snapshot()`` for a copy."""

    def __init__(self, record_requests: bool) -> None:
        self._lock = threading.Lock()
        self._record = record_requests
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.total_requests = 0
            self.by_endpoint: Counter[str] = Counter()
            self.by_status: Counter[int] = Counter()
            self.rate_limited = 0
            self.server_errors = 0
            self.faults: Counter[str] = Counter()
            self.requests: list[tuple[str, str]] = []
            self.in_flight = 0
            self.max_in_flight = 0
            self.first_request_at: float | None = None  # time.monotonic() of the first request's arrival
            self.last_response_at: float | None = None  # ... and of the last request's end

    def begin(self, method: str, target: str, template: str) -> None:
        with self._lock:
            self.total_requests += 1
            self.by_endpoint[template] += 1
            if self.first_request_at is None:
                self.first_request_at = time.monotonic()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self._record:
                self.requests.append((method, target))

    def fault(self, kind: str) -> None:
        """Counted when the fault is taken (a 'timeout' request only ends much later)."""
        with self._lock:
            self.faults[kind] += 1

    def end(self, status: int | None) -> None:
        with self._lock:
            self.in_flight -= 1
            self.last_response_at = time.monotonic()
            if status is None:
                return
            self.by_status[status] += 1
            if status == 429:
                self.rate_limited += 1
            elif status >= 500:
                self.server_errors += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total_requests": self.total_requests,
                "by_endpoint": dict(self.by_endpoint),
                "by_status": dict(self.by_status),
                "rate_limited": self.rate_limited,
                "server_errors": self.server_errors,
                "faults": dict(self.faults),
                "requests": list(self.requests),
                "max_in_flight": self.max_in_flight,
                "api_span_s": (self.last_response_at - self.first_request_at
                               if self.first_request_at is not None and self.last_response_at is not None
                               else None),
            }


class SlidingWindowLimiter:
    """At most ``max_requests`` accepted requests per key in any window of ``period_s`` seconds."""

    def __init__(self, max_requests: int, period_s: float) -> None:
        self.max_requests = max_requests
        self.period_s = period_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            cutoff = now - self.period_s
            while hits and hits[0] <= cutoff:
                hits.popleft()
            if len(hits) >= self.max_requests:
                return False
            hits.append(now)
            return True


class TokenBucketLimiter:
    """Per key, a bucket of ``capacity`` tokens refilled continuously at ``rate`` tokens per second, full
    at first; an accepted request takes one token, a request finding less than one is refused (and takes
    none). Over any interval of ``d`` seconds it accepts at most ``capacity + rate * d`` requests."""

    def __init__(self, capacity: int, rate: float) -> None:
        self.capacity = float(capacity)
        self.rate = rate
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            return allowed


def build_limiter(options: SimOptions) -> SlidingWindowLimiter | TokenBucketLimiter | None:
    """The server-side limiter ``options`` ask for (period divided by ``time_scale``), or None."""
    if options.rate_limit_kind not in RATE_LIMIT_KINDS:
        raise ValueError(f"unknown rate_limit_kind {options.rate_limit_kind!r}; expected one of {RATE_LIMIT_KINDS}")
    if not options.rate_limit:
        return None
    count, period = int(options.rate_limit[0]), float(options.rate_limit[1]) / options.time_scale
    if options.rate_limit_kind == "token_bucket":
        return TokenBucketLimiter(count, count / period)
    return SlidingWindowLimiter(count, period)


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Callable[..., Response]


@dataclass
class _QueuedFault:
    prefix: str
    kind: str
    remaining: int


# --------------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], sim: SimulatorBase) -> None:
        self.sim = sim
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, benchmarks stopping) are normal; anything else is printed."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def drop_all_connections(self) -> None:
        """Wake handler threads parked on idle keep-alive connections so they exit promptly."""
        with self.sockets_lock:
            socks = list(self.open_sockets)
        for sock in socks:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections are closed after this many seconds
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Responses go out in one write; without this, Nagle + delayed ACK add ~40 ms per keep-alive request.
        with suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return "kada-sim"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the default one-line-per-request stderr log."""

    def _dispatch(self) -> None:
        self.server.sim._handle(self)

    do_GET = _dispatch
    do_POST = _dispatch
    do_PUT = _dispatch
    do_PATCH = _dispatch
    do_DELETE = _dispatch
    do_HEAD = _dispatch


# --------------------------------------------------------------------------------------------------
# The simulator base class
# --------------------------------------------------------------------------------------------------


class SimulatorBase:
    """A vendor API simulator: subclasses declare routes and vendor-specific error bodies."""

    name = "sim"
    api_prefix = ""

    def __init__(self, options: SimOptions) -> None:
        self.options = options
        self._stats = SimStats(options.record_requests)
        self._limiter = build_limiter(options)
        self._faults: list[_QueuedFault] = []
        self._fault_lock = threading.Lock()
        self._occurrences: Counter[str] = Counter()
        self._occ_lock = threading.Lock()
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
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._fault_lock:
            self._faults.append(_QueuedFault(path_prefix, kind, count))

    def clear_faults(self) -> None:
        with self._fault_lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[tuple[str, str, int]]:
        with self._fault_lock:
            return [(f.prefix, f.kind, f.remaining) for f in self._faults]

    @property
    def root_url(self) -> str:
        if not self._server:
            raise RuntimeError("simulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

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

    def _take_fault(self, req: Request) -> str | None:
        target = req.target
        rel = (
            target[len(self.api_prefix) :] if self.api_prefix and target.startswith(self.api_prefix) else None
        )
        with self._fault_lock:
            for fault in self._faults:
                if target.startswith(fault.prefix) or (rel is not None and rel.startswith(fault.prefix)):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault.kind
        return None

    def _random_fault(self, req: Request) -> str | None:
        opts = self.options
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
                self._drop(handler, abortive=response == "reset")
                return
            status = response.status
            self._write(handler, response, head_only=method == "HEAD")
        finally:
            self._stats.end(status)

    def _pipeline(self, req: Request, route: _Route | None, params: tuple[str, ...]) -> Response | str:
        credential, error = self._authenticate(req)
        if error is not None:
            return error
        if self._limiter and not self._limiter.allow(credential or ""):
            return self._rate_limited()
        fault = self._take_fault(req) or self._random_fault(req)
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

    def _write(self, handler: _Handler, resp: Response, head_only: bool = False) -> None:
        try:
            handler.send_response(resp.status)
            handler.send_header("Content-Type", resp.content_type)
            handler.send_header("Content-Length", str(len(resp.body)))
            for key, value in self._common_headers() + resp.headers:
                handler.send_header(key, value)
            # end_headers() would write the head on its own; send head and body in a single write instead.
            head = b"".join(handler._headers_buffer) + b"\r\n"
            handler._headers_buffer = []
            handler.wfile.write(head if head_only else head + resp.body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True

    @staticmethod
    def _drop(handler: _Handler, abortive: bool) -> None:
        """Close the connection without any response; ``abortive`` sends a TCP RST."""
        handler.close_connection = True
        sock = handler.connection
        try:
            if abortive:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        except OSError:
            pass


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
    items = body.get("data") if isinstance(body, dict) and isinstance(body.get("data"), list) else [body]
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


class HistorySimulator(SimulatorBase):
    """A seeded vendor account with a history of runs/jobs: the base of both vendor simulators.

    History is ``[end - days, end)``. Each item (a sync, a pipeline) has ``per_day`` slots a UTC day; a
    slot's start and the rest of its run/job are drawn from ``unit_floats(seed, slot_kind, item id, day,
    slot)``, so runs/jobs are generated lazily, in any order. Every fake credential goes through
    :meth:`_secret`, so :meth:`secret_values` lists them all.
    """

    slot_kind = "slot"
    """Salt of the per-slot draws (``"run"``, ``"job"``): part of the seeded output, do not change."""
    created_recent_share = 0.12
    """The share of generated objects that :meth:`_created` places inside the history window."""
    created_min_age_ms = 12 * 3_600_000
    """:meth:`_created` never returns less than this long before ``end``."""
    created_max_age_days = 540
    """How far before the history window :meth:`_created` may go."""

    def __init__(
        self,
        options: SimOptions,
        end: datetime | None,
        days: int,
        per_day: int,
        secret_scope: tuple[object, ...] = (),
    ) -> None:
        """``secret_scope`` is hashed, after the seed, into every fake credential."""
        super().__init__(options)
        self.end_ms = to_ms(end or default_end())
        self.history_start_ms = self.end_ms - days * DAY_MS
        self._per_day = max(0, per_day)
        self._slot_ms = DAY_MS // self._per_day if self._per_day else DAY_MS
        self._secret_scope = (options.seed, *secret_scope)
        self._secrets: list[str] = []

    # ---- generation helpers ------------------------------------------------------------------------

    def _secret(self, *parts: object) -> str:
        """A fake credential value, recorded for :meth:`secret_values`."""
        value = fake_secret(*self._secret_scope, *parts)
        self._secrets.append(value)
        return value

    def _created(self, rng: random.Random) -> int:
        """Creation time: mostly long before the history window, ``created_recent_share`` inside it."""
        latest = self.end_ms - self.created_min_age_ms
        if rng.random() < self.created_recent_share and latest > self.history_start_ms:
            return rng.randint(self.history_start_ms, latest)
        return min(latest, self.history_start_ms - rng.randint(3_600_000, self.created_max_age_days * DAY_MS))

    def _slot_floats(self, item_id: int, day: int, i: int) -> tuple[float, ...]:
        """The draws of slot ``i`` of ``day`` of an item (``[0]`` places its start in the slot)."""
        return unit_floats(self.options.seed, self.slot_kind, item_id, day, i)

    def _slot_time(self, day: int, i: int, u0: float) -> int:
        """Start of slot ``i`` of ``day``: the slot's beginning plus up to 30% of a slot (``u0`` in [0, 1))."""
        return day * DAY_MS + i * self._slot_ms + int(u0 * 0.3 * self._slot_ms)

    def _slot_start(self, item_id: int, day: int, i: int) -> int:
        return self._slot_time(day, i, self._slot_floats(item_id, day, i)[0])

    def _is_last_slot(self, item_id: int, day: int, i: int, until_ms: int) -> bool:
        """Whether the item's next slot after (``day``, ``i``) starts at or after ``until_ms``."""
        nday, ni = (day, i + 1) if i + 1 < self._per_day else (day + 1, 0)
        return self._slot_start(item_id, nday, ni) >= until_ms

    def _clip_window(self, created_ms: int, until_ms: int, lo: int | None, hi: int | None) -> tuple[int, int]:
        """[lo, hi) (None: unbounded) within held history, from ``created_ms`` and before ``until_ms``."""
        low = max(self.history_start_ms, created_ms, lo if lo is not None else self.history_start_ms)
        high = min(until_ms, hi if hi is not None else until_ms)
        return low, high

    def _slots_desc(
        self, item_id: int, lo: int, hi: int, before: tuple[int, int] | None = None
    ) -> Iterator[tuple[int, int]]:
        """(day, slot) of an item's slots starting in [lo, hi), newest first, older than ``before``."""
        if lo >= hi:
            return
        day = (hi - 1) // DAY_MS
        if before is not None:
            day = min(day, before[0])
        while day * DAY_MS + DAY_MS > lo:
            for i in range(self._per_day - 1, -1, -1):
                if before is not None and (day, i) >= before:
                    continue
                start = self._slot_start(item_id, day, i)
                if start >= hi:
                    continue
                if start < lo:
                    return
                yield day, i
            day -= 1

    def _history_text(self) -> str:
        """``history=[start, end)`` for :meth:`describe`."""
        return f"history=[{iso_ms(self.history_start_ms)}, {iso_ms(self.end_ms)})"

    # ---- ground truth for tests --------------------------------------------------------------------

    @property
    def end(self) -> datetime:
        return from_ms(self.end_ms)

    @property
    def history_start(self) -> datetime:
        return from_ms(self.history_start_ms)

    def secret_values(self) -> list[str]:
        """Every fake credential value served, e.g. in configuration blobs (all contain ``SIMSECRET``)."""
        return list(self._secrets)


# --------------------------------------------------------------------------------------------------
# Parameter parsing helpers for handlers
# --------------------------------------------------------------------------------------------------


def int_arg(
    req: Request, name: str, default: int | None, error: Callable[[str, str, str], Response]
) -> int | None:
    """An integer query parameter; ``error(name, message, value)`` builds the vendor's 4xx."""
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise HTTPError(error(name, "invalid float number", raw)) from None
    if value != int(value):
        raise HTTPError(error(name, "invalid integer number", raw))
    return int(value)


# --------------------------------------------------------------------------------------------------
# CLI support
# --------------------------------------------------------------------------------------------------


def _parse_rate_limit(text: str) -> tuple[int, float] | None:
    if text.lower() in ("", "none", "off"):
        return None
    count, _, period = text.partition("/")
    return (int(count), float(period or 1))


def _parse_datetime(text: str) -> datetime | None:
    if text.lower() in ("", "none", "now"):
        return None
    ms = parse_iso(text)
    if ms is None:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}")
    return from_ms(ms)


def _parse_set(text: str) -> frozenset[str]:
    return frozenset(p.strip() for p in text.split(",") if p.strip())


def build_parser(config_cls: type, prog: str, description: str) -> argparse.ArgumentParser:
    """An argparse parser with one ``--option`` per config dataclass field."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    hints = typing.get_type_hints(config_cls)
    for f in fields(config_cls):
        hint = hints[f.name]
        flag = "--" + f.name.replace("_", "-")
        default = (
            f.default
            if f.default is not MISSING
            else (f.default_factory() if f.default_factory is not MISSING else None)
        )  # type: ignore[misc]
        origin = typing.get_origin(hint)
        args = set(typing.get_args(hint))
        if hint is bool:
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=default)
        elif hint in (int, float, str):
            choices = f.metadata.get("choices")
            parser.add_argument(
                flag, dest=f.name, type=hint, default=default, choices=choices, help=f"default: {default}"
            )
        elif datetime in args:
            parser.add_argument(
                flag, dest=f.name, type=_parse_datetime, default=default, help="ISO 8601 UTC; default: now"
            )
        elif origin in (typing.Union, types.UnionType) and any(typing.get_origin(a) is tuple for a in args):
            parser.add_argument(
                flag, dest=f.name, type=_parse_rate_limit, default=default, help="N/SECONDS or none"
            )
        elif origin is frozenset:
            parser.add_argument(
                flag,
                dest=f.name,
                type=_parse_set,
                default=default,
                help=f"comma separated; default: {','.join(sorted(default or []))}",
            )
    return parser


def run_cli(
    make_sim: Callable[[Any], SimulatorBase],
    config_cls: type,
    argv: list[str] | None,
    prog: str,
    description: str,
) -> int:
    """Run a simulator in the foreground: print its base URL, serve until SIGTERM/SIGINT."""
    ns = build_parser(config_cls, prog, description).parse_args(argv)
    config = config_cls(**vars(ns))
    sim = make_sim(config)
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    url = sim.start()
    print(url, flush=True)
    print(f"{prog}: {sim.describe()}", file=sys.stderr, flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        sim.stop()
    return 0


__all__ = [
    "DAY_MS",
    "FAULT_KINDS",
    "SECRET_MARKER",
    "HTTPError",
    "HistorySimulator",
    "Request",
    "Response",
    "SimOptions",
    "SimStats",
    "RATE_LIMIT_KINDS",
    "SimulatorBase",
    "SlidingWindowLimiter",
    "TokenBucketLimiter",
    "as_ms",
    "build_parser",
    "decode_cursor",
    "default_end",
    "encode_cursor",
    "fake_secret",
    "from_ms",
    "int_arg",
    "iso_ms",
    "json_bytes",
    "json_response",
    "parse_iso",
    "run_cli",
    "stable_int",
    "to_ms",
    "unit_floats",
    "weighted_choice",
]
