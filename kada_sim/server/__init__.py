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

Modules: ``helpers`` (deterministic draws, time, cursors, JSON), ``options`` (:class:`SimOptions`),
``transport`` (request, response, the HTTP server), ``limits`` (rate limiters, statistics), ``faults``
(injected and random faults), ``base`` (:class:`SimulatorBase`: routes, pipeline, lifecycle), ``history``
(:class:`HistorySimulator`, the base of both vendors) and ``cli`` (``python -m kada_sim.<vendor>``).
Everything is re-exported here, so ``from kada_sim.server import ...`` works as before the split.
"""

from __future__ import annotations

from kada_sim.server.base import SimulatorBase
from kada_sim.server.cli import build_parser, run_cli
from kada_sim.server.faults import FAULT_KINDS, HUGE_FIELD_CHARS, ODD_NAME, ODD_STATUS, FaultQueue, odd_values
from kada_sim.server.helpers import (
    DAY_MS,
    EPOCH,
    SECRET_MARKER,
    as_ms,
    decode_cursor,
    default_end,
    encode_cursor,
    fake_secret,
    from_ms,
    iso_ms,
    json_bytes,
    parse_iso,
    stable_int,
    to_ms,
    unit_floats,
    weighted_choice,
)
from kada_sim.server.history import HistorySimulator
from kada_sim.server.limits import SimStats, SlidingWindowLimiter, TokenBucketLimiter, build_limiter
from kada_sim.server.options import RATE_LIMIT_KINDS, SimOptions
from kada_sim.server.transport import HTTPError, Request, Response, int_arg, json_response

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
    # not in the pre-split __all__, but importable from kada_sim.server then as now
    "EPOCH",
    "FaultQueue",
    "HUGE_FIELD_CHARS",
    "ODD_NAME",
    "ODD_STATUS",
    "build_limiter",
    "odd_values",
]
