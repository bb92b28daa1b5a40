"""Rate limiting and request statistics: the server-side limiters (sliding window, token bucket) and the
thread-safe counters a benchmark or test reads."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Any

from kada_sim.server.options import RATE_LIMIT_KINDS, SimOptions


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
