"""One HTTP layer for every vendor API: timeouts, retries with backoff, rate limiting, fan-out, paging loop.

Everything that decides *how* a request is sent (and re-sent) lives here, so both clients behave the same
way under rate limits, flaky networks and malformed answers. How a vendor pages (which parameters, when a
list ends) is the vendor's own `Paginator`, in its package; this module only runs the loop.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

class ApiError(Exception):
    """A vendor API call failed in a way the caller should report; the message never holds a secret."""

    def __init__(self, message: str, *, status: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.path = path


class AuthError(ApiError):
    """401/403: never retried; the message names the credential setting to fix."""


class NotFoundError(ApiError):
    """404 on a referenced object: callers log, count and skip it."""


class ClientError(ApiError):
    """Another 4xx: the request itself is wrong (a bad parameter), so sending it again cannot help."""


class TransientError(ApiError):
    """A failure worth sending the same request again for; the retry policy decides how often."""


class TransientStatusError(TransientError):
    """An HTTP status the retry policy lists as transient; `retry_after` is the server's Retry-After."""

    def __init__(self, message: str, *, status: int, path: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, status=status, path=path)
        self.retry_after = retry_after


class RateLimitedError(TransientStatusError):
    """429: the vendor's window is full; every caller of the client holds back."""


class ServerError(TransientStatusError):
    """5xx (or another status the policy lists as transient)."""


class ConnectionFailedError(TransientError):
    """The connection broke, was refused or timed out before a whole response arrived."""


class MalformedResponseError(TransientError):
    """A 2xx whose body is not what the endpoint answers: empty, not JSON, truncated, or JSON of the
    wrong shape (a proxy's page, a cut-off body). Retried; never read as an empty page."""


class RetriesExhaustedError(ApiError):
    """A transient failure that outlasted the retry policy; `last` is the final one."""

    def __init__(self, message: str, last: TransientError) -> None:
        super().__init__(message, status=last.status, path=last.path)
        self.last = last


RATE_LIMIT_KINDS = ("adaptive", "sliding", "token_bucket")
"""How the client paces itself (`make_rate_limiter`): `adaptive` (the default) learns from at most one 429
whether the server counts a sliding window or a token bucket; `sliding` is safe whatever the server counts;
`token_bucket` is for a vendor documented to count one."""


ACCEPTED, REFUSED, NO_ANSWER = "accepted", "refused", "no_answer"
"""What the server's limiter did with a request (`limiter_outcome`): answered it, refused it (429), or
nobody can tell (a 5xx, a broken connection)."""


def limiter_outcome(status: int | None) -> str:
    """A response's status as the rate limiter reads it; None: no response arrived."""
    if status is None or status >= 500:
        return NO_ANSWER
    return REFUSED if status == 429 else ACCEPTED


class RateLimiter:
    """Client-side pacing shared by every thread of a client; the server counts, we only stay under it.

    A request holds a slot from `acquire` (before it is sent) to `release` (after its whole response is
    read). The server counts a request at some moment in between, so each kind below judges the past
    by the worst case: a request in flight may be counted at any time from now on, a finished one as
    late as its response. Vendors send no Retry-After (Hightouch 200 per 10 s, Hevo 100 per minute,
    algorithm undocumented), so the client paces itself; at most it learns *how* the server counts, from
    one deliberate 429 (`AdaptiveRateLimiter`).
    """

    kind = ""

    def __init__(self, max_requests: int, period: float, margin: float = 0.0) -> None:
        if max_requests < 1 or period <= 0 or margin < 0:
            raise ValueError("rate limit needs max_requests >= 1, period > 0 and margin >= 0")
        self.max_requests = max_requests
        self.period = period + margin
        self._cond = threading.Condition()
        self._paused_until = 0.0
        self._in_flight = 0
        self.waited_seconds = 0.0

    def acquire(self) -> object:
        """Blocks until a request may be sent; returns the slot to hand back to `release`."""
        with self._cond:
            while True:
                now = time.monotonic()
                wait = max(self._paused_until - now, self._wait(now))
                if wait <= 0:
                    slot = self._admit(now)  # sees the requests in flight before this one
                    self._in_flight += 1
                    return slot
                wait = max(wait, 0.001)
                self.waited_seconds += wait
                self._cond.wait(wait)

    def release(self, slot: object, outcome: str = ACCEPTED) -> str | None:
        """Hands a slot back once its response is read; `outcome` is what the server's limiter did with
        it (`limiter_outcome`). Returns a sentence when the limiter changed how it paces (for the run's
        log), else None."""
        with self._cond:
            self._in_flight -= 1
            note = self._done(slot, time.monotonic(), outcome)
            self._cond.notify_all()
            return note

    def pause(self, seconds: float) -> None:
        """Holds every caller back after a 429: the server's window is full, whatever we counted."""
        with self._cond:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def describe(self) -> dict[str, Any]:
        """How this limiter paced the run, for the raw asset's `limiter` metadata."""
        with self._cond:
            return {"kind": self.kind, "pacing": self.kind}

    def _wait(self, now: float) -> float:
        """Seconds until one more request may go (<= 0: now); called with the lock held."""
        raise NotImplementedError

    def _admit(self, now: float) -> object:
        return None

    def _done(self, slot: object, now: float, outcome: str) -> str | None:
        """Records a finished request (lock held)."""
        return None


_IN_FLIGHT_WAIT = 0.05  # every slot taken by requests in flight: a release wakes us sooner


class _WindowLedger:
    """Sliding-window accounting: a request holds its slot from send until `period` after its response.

    Then no server-side window, sliding or fixed, can ever hold more than `max_requests` of ours, whatever
    the network jitter, and neither can a token bucket of `max_requests` tokens refilled at
    `max_requests / period` (it accepts whatever a sliding window does).
    """

    def __init__(self, max_requests: int, period: float) -> None:
        self.max_requests = max_requests
        self.period = period
        self._finished: deque[float] = deque()  # response times of the last `period`, oldest first

    def wait(self, now: float, in_flight: int) -> float:
        horizon = now - self.period
        while self._finished and self._finished[0] <= horizon:
            self._finished.popleft()
        if in_flight + len(self._finished) < self.max_requests:
            return 0.0
        if not self._finished:
            return _IN_FLIGHT_WAIT
        return self._finished[0] - horizon

    def record(self, now: float) -> None:
        self._finished.append(now)


class _BucketLedger:
    """Token-bucket accounting for `max_requests` tokens refilled at `max_requests / period` per second.

    Such a bucket accepts a request when, over every interval ending now, what it counted is at most
    `max_requests` plus the refill of that interval. Judged by the worst case (a request in flight may
    be counted from now on, a finished one at its response), that sup is the requests in flight plus
    a leaky bucket fed with the response times and drained at the refill rate: two numbers, no history.
    """

    def __init__(self, max_requests: int, period: float) -> None:
        self.max_requests = max_requests
        self.rate = max_requests / period
        self._level = 0.0  # the leaky bucket just after the last response ...
        self._level_at = 0.0  # ... which came at this time

    def _drained(self, now: float) -> float:
        return max(0.0, self._level - (now - self._level_at) * self.rate)

    def wait(self, now: float, in_flight: int) -> float:
        room = self.max_requests - 1 - in_flight  # what the finished requests may still hold
        if room < 0:
            return _IN_FLIGHT_WAIT
        excess = self._drained(now) - room
        return excess / self.rate if excess > 0 else 0.0

    def record(self, now: float) -> None:
        self._level = self._drained(now) + 1.0
        self._level_at = now


class SlidingWindowRateLimiter(RateLimiter):
    """At most `max_requests` requests in any `period` seconds, as the server counts them (thread-safe).

    A request holds its slot from `acquire` until `period` after its response (`_WindowLedger`), so it is
    safe whatever the server counts. The price is one round trip per window (under 1 % at 10 s windows and
    80 ms latency), and against a token bucket the last partial window waits for a whole one (see
    BENCHMARKS.md).
    """

    kind = "sliding"

    def __init__(self, max_requests: int, period: float, margin: float = 0.0) -> None:
        super().__init__(max_requests, period, margin)
        self._ledger = _WindowLedger(max_requests, self.period)

    def _wait(self, now: float) -> float:
        return self._ledger.wait(now, self._in_flight)

    def _done(self, slot: object, now: float, outcome: str) -> str | None:
        self._ledger.record(now)
        return None


class TokenBucketRateLimiter(RateLimiter):
    """For a server that counts with a token bucket of `max_requests` tokens, refilled continuously at
    `max_requests / period` per second and full at first: the initial burst, then the refill rate
    (`_BucketLedger`). Against a sliding-window server this pace is too fast (429s): use it only where the
    vendor documents a bucket.
    """

    kind = "token_bucket"

    def __init__(self, max_requests: int, period: float, margin: float = 0.0) -> None:
        super().__init__(max_requests, period, margin)
        self._ledger = _BucketLedger(max_requests, self.period)
        self.rate = self._ledger.rate

    def _wait(self, now: float) -> float:
        return self._ledger.wait(now, self._in_flight)

    def _done(self, slot: object, now: float, outcome: str) -> str | None:
        self._ledger.record(now)
        return None


@dataclass(frozen=True)
class _Probe:
    """The one request a sliding window would refuse: when it left, and the send times of the accepted
    requests answered before it left (what a sliding window would still be counting)."""

    sent_at: float
    answered_before: tuple[float, ...]


class AdaptiveRateLimiter(RateLimiter):
    """The default: paces by the window until the window is full, then asks the server once which kind
    it is, with a request only a token bucket accepts (the probe), and paces by the answer.

    Both servers answer every request a window accepts identically, so only a request a window refuses
    can tell them apart. The probe goes alone (nothing else in flight), when the bucket ledger says a
    bucket of N per P has a token and the window ledger says a window of N per P is full:
    - 429: a sliding window (or a fixed one). From then on the window ledger paces, which already holds
      every request sent, the probe included; nothing else was in flight, so nothing else can be refused.
    - 200, and N accepted requests answered before the probe left were sent less than one period before
      its answer: any sliding window of N per P was full when it counted the probe, so the server is a
      bucket. From then on the bucket ledger (fed with every response so far) paces.
    - 200 otherwise: the window ledger was only cautious (it counts a request until a period after its
      response); no verdict, and a later request may probe again.
    Requests the window ledger admits are never refused by a sliding window (a probe holds a slot in it
    like any other request), so a run draws at most one 429 from either kind of server. Any other 429 (a
    server of neither kind, or traffic from elsewhere on the key) settles on the window for the rest of
    the run.
    """

    kind = "adaptive"

    def __init__(self, max_requests: int, period: float, margin: float = 0.0) -> None:
        super().__init__(max_requests, period, margin)
        self._nominal_period = period  # the server's own period: the probe's verdict must not lean on a margin
        self._window = _WindowLedger(max_requests, self.period)
        self._bucket = _BucketLedger(max_requests, self.period)
        self._accepted: deque[float] = deque()  # send times of accepted, answered requests (while undecided)
        self._probe: _Probe | None = None
        self.pacing: str | None = None  # None while undecided, then "sliding" or "token_bucket"
        self.probes = 0
        self.why = "never needed: no window filled up"

    def _wait(self, now: float) -> float:
        if self.pacing == "token_bucket":
            return self._bucket.wait(now, self._in_flight)
        window = self._window.wait(now, self._in_flight)
        if window <= 0 or self.pacing == "sliding" or self._probe is not None or self._in_flight:
            return window  # a release wakes us: the probe may go once nothing else is in flight
        return min(window, self._bucket.wait(now, 0))

    def _admit(self, now: float) -> object:
        if self.pacing is None and self._probe is None and self._window.wait(now, self._in_flight) > 0:
            horizon = now - self._nominal_period
            self._probe = _Probe(now, tuple(s for s in self._accepted if s > horizon))
            self.probes += 1
            return self._probe
        return now

    def _done(self, slot: object, now: float, outcome: str) -> str | None:
        self._window.record(now)
        self._bucket.record(now)
        refused = outcome == REFUSED
        if slot is self._probe and isinstance(slot, _Probe):
            self._probe = None
            return self._judge(slot, now, outcome)
        if self.pacing is None and outcome == ACCEPTED and isinstance(slot, float):
            self._accepted.append(slot)
            while self._accepted and self._accepted[0] <= now - self._nominal_period:
                self._accepted.popleft()  # roughly in order: the count below filters exactly
        if refused and self.pacing != "sliding":
            before = self.pacing or "undecided"
            return self._settle("sliding", f"a 429 while {before} (not the probe's): pacing by the window")
        return None

    def _judge(self, probe: _Probe, now: float, outcome: str) -> str | None:
        if outcome == REFUSED:
            return self._settle("sliding", "the probe drew a 429: the server counts a window")
        if outcome != ACCEPTED:
            return None  # a 5xx or a broken connection says nothing about the limit: probe again later
        horizon = now - self._nominal_period
        if sum(1 for sent in probe.answered_before if sent > horizon) >= self.max_requests:
            return self._settle("token_bucket", "the probe was accepted with a window's worth counted: "
                                                "the server counts a token bucket")
        self._accepted.append(probe.sent_at)
        return None

    def _settle(self, pacing: str, why: str) -> str:
        self.pacing, self.why = pacing, why
        self._accepted.clear()
        return f"rate limiter: {why}; pacing as {pacing} from now on"

    def describe(self) -> dict[str, Any]:
        with self._cond:
            return {"kind": self.kind, "pacing": self.pacing or "sliding (undecided)", "probes": self.probes,
                    "why": self.why}


def make_rate_limiter(kind: str, max_requests: int, period: float, margin: float = 0.0) -> RateLimiter:
    """The limiter of `kind` (RATE_LIMIT_KINDS); a clear error naming the setting for anything else."""
    kinds: dict[str, type[RateLimiter]] = {"adaptive": AdaptiveRateLimiter, "sliding": SlidingWindowRateLimiter,
                                           "token_bucket": TokenBucketRateLimiter}
    if kind not in kinds:
        raise ValueError(f"rate_limit_kind {kind!r} is not one of {', '.join(RATE_LIMIT_KINDS)}")
    return kinds[kind](max_requests, period, margin)


@dataclass(frozen=True)
class RetryPolicy:
    """What is retried, how often and how long to wait: data, so each vendor states its own.

    Exponential backoff with full jitter between `base_delay` and `max_delay`; a server's Retry-After
    wins (capped at `max_retry_after`) when it sends one. Malformed bodies get their own, smaller budget:
    a proxy that keeps answering garbage should fail the run soon, naming the endpoint.
    """

    max_retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    malformed_retries: int = 2
    transient_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    max_retry_after: float = 120.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_retry_after)
        cap = min(self.max_delay, self.base_delay * (2**attempt))
        return rng.uniform(cap / 2, cap)

    def allows(self, error: TransientError, attempt: int, malformed: int) -> bool:
        """Whether the request may be sent again after `attempt` retries (`malformed` of them bad bodies)."""
        if isinstance(error, MalformedResponseError) and malformed > self.malformed_retries:
            return False
        return attempt < self.max_retries


@dataclass
class RequestStats:
    """What a client did, for UI metadata and the benchmark (no URLs with secrets, no bodies)."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    connection_errors: int = 0
    malformed: int = 0
    not_found: int = 0
    by_endpoint: dict[str, int] = field(default_factory=dict)
    limiter: RateLimiter | None = field(default=None, repr=False)  # how the run was paced (`describe`)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, attr: str, endpoint: str | None = None) -> None:
        with self._lock:
            setattr(self, attr, getattr(self, attr) + 1)
            if endpoint is not None:
                self.by_endpoint[endpoint] = self.by_endpoint.get(endpoint, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "rate_limited_429": self.rate_limited,
            "server_errors_5xx": self.server_errors,
            "connection_errors": self.connection_errors,
            "malformed_responses": self.malformed,
            "not_found_404": self.not_found,
            "by_endpoint": dict(sorted(self.by_endpoint.items())),
            "limiter": self.limiter.describe() if self.limiter is not None else {"kind": "none"},
        }


class Paginator(Protocol):
    """How one API pages: what to send first, how to read a page, and what to send next (or stop)."""

    def first_params(self) -> dict[str, Any]: ...

    def items(self, body: Any, path: str) -> list[Any]: ...

    def next_params(self, body: Any, params: dict[str, Any], items: list[Any]) -> dict[str, Any] | None: ...


NO_CONTENT: dict[str, Any] = {"data": []}
"""What a 204 reads as: Hevo documents 204 for a GET with no data (OFFICIAL, hevo-api §5)."""


def data_items(body: Any, path: str, key: str = "data") -> list[Any]:
    """The `key` list of a list page. Anything else (no such key, a string, a proxy's page) is a malformed
    response, never an empty page: an empty page would silently end the list."""
    if isinstance(body, Mapping):
        data = body.get(key, _MISSING)
        if isinstance(data, list):
            return data
        if data is None:
            return []
        what = f"'{key}' missing" if data is _MISSING else f"'{key}' is a {type(data).__name__}"
    else:
        what = f"got a {type(body).__name__}"
    raise MalformedResponseError(f"GET {path}: expected an object with a '{key}' list ({what})", path=path)


_MISSING = object()


def endpoint_template(path: str) -> str:
    """`/syncs/123/runs` → `/syncs/{id}/runs`: counts per endpoint without ids or names."""
    parts = []
    for part in path.split("/"):
        if part and (part.isdigit() or len(part) >= 20 or "-" in part and any(c.isdigit() for c in part)):
            parts.append("{id}")
        else:
            parts.append(part)
    return "/".join(parts)


class HttpClient:
    """A session-backed JSON GET client shared by the vendor clients.

    `credential_setting` is the name of the setting a user must fix when the server rejects the
    credentials; it is the only thing an auth error says about them.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: requests.auth.AuthBase | tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 20.0,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        credential_setting: str = "credentials",
        service_name: str = "API",
        max_workers: int = 8,
        logger: logging.Logger | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self.credential_setting = credential_setting
        self.service_name = service_name
        self.max_workers = max(1, max_workers)
        self.log = logger or log
        self.stats = RequestStats(limiter=rate_limiter)
        self._rng = random.Random()
        self._session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.max_workers + 2, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        if auth is not None:
            self._session.auth = auth
        self._session.headers.update({"Accept": "application/json", "User-Agent": "kada-dagster"})
        if headers:
            self._session.headers.update(headers)

    def close(self) -> None:
        self._session.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None,
            validate: Callable[[Any], object] | None = None) -> Any:
        """GET `path` and return the decoded JSON body, retrying what the policy calls transient.

        `validate` checks the body's shape for the endpoint; a MalformedResponseError it raises is
        retried like a body that is not JSON at all.
        """
        url = f"{self.base_url}/{path.lstrip('/')}"
        endpoint = f"GET {endpoint_template('/' + path.lstrip('/'))}"
        attempt = malformed = 0
        while True:
            try:
                body = self._attempt(path, url, params, endpoint)
                if validate is not None:
                    validate(body)
                return body
            except TransientError as error:
                if isinstance(error, MalformedResponseError):
                    malformed += 1
                    self.stats.count("malformed")
                if not self.retry.allows(error, attempt, malformed):
                    raise RetriesExhaustedError(
                        f"{self.service_name} GET {path} still failing after {attempt + 1} attempts "
                        f"(last: {error}); the server at {self.base_url} may be down, overloaded or "
                        "behind a proxy that answers for it", error) from None
                retry_after = error.retry_after if isinstance(error, TransientStatusError) else None
                delay = self.retry.delay(attempt, self._rng, retry_after)
                if isinstance(error, RateLimitedError) and self.rate_limiter is not None:
                    self.rate_limiter.pause(delay)
                attempt += 1
                self.stats.count("retries")
                self.log.warning("%s GET %s: %s; retry %d/%d in %.2fs", self.service_name, path, error,
                                 attempt, self.retry.max_retries, delay)
                time.sleep(delay)

    def _attempt(self, path: str, url: str, params: Mapping[str, Any] | None, endpoint: str) -> Any:
        """One request: the decoded body, or the typed error that classifies the response."""
        limiter = self.rate_limiter
        slot = limiter.acquire() if limiter is not None else None
        self.stats.count("requests", endpoint)
        status: int | None = None
        try:
            response = self._session.get(url, params=params, timeout=self.timeout)
            content = response.content  # read the whole body while the slot is held
            status = response.status_code
        except (requests.ConnectionError, requests.Timeout) as exc:
            self.stats.count("connection_errors")
            raise ConnectionFailedError(f"{type(exc).__name__}", path=path) from None
        finally:
            if limiter is not None:
                note = limiter.release(slot, limiter_outcome(status))
                if note:
                    self.log.info("%s: %s", self.service_name, note)
        return self._classify(response, content, path)

    def _classify(self, response: requests.Response, content: bytes, path: str) -> Any:
        status = response.status_code
        if status in self.retry.transient_statuses:
            self.stats.count("rate_limited" if status == 429 else "server_errors")
            kind = RateLimitedError if status == 429 else ServerError
            raise kind(f"HTTP {status}", status=status, path=path, retry_after=_retry_after(response))
        if status == 204:
            return dict(NO_CONTENT)
        if 200 <= status < 300:
            if not content.strip():
                raise MalformedResponseError(f"HTTP {status} with an empty body", status=status, path=path)
            try:
                return response.json()
            except ValueError:
                raise MalformedResponseError(f"HTTP {status} with a body that is not valid JSON"
                                             f"{_content_hint(response)}", status=status, path=path) from None
        if status in (401, 403):
            raise AuthError(
                f"{self.service_name} rejected the credentials (HTTP {status} on GET {path}): "
                f"check {self.credential_setting}. Server said: {_error_text(response)}",
                status=status,
                path=path,
            )
        if status == 404:
            self.stats.count("not_found")
            raise NotFoundError(f"{self.service_name} GET {path}: not found (404)", status=status, path=path)
        raise ClientError(f"{self.service_name} GET {path} failed with HTTP {status}: {_error_text(response)}",
                          status=status, path=path)

    def iter_pages(
        self, path: str, paginator: Paginator, params: Mapping[str, Any] | None = None, max_pages: int = 100_000
    ) -> Iterator[list[Any]]:
        """Yields each page's items; the paginator decides when to stop."""
        page_params = {**paginator.first_params(), **(params or {})}
        for _ in range(max_pages):
            body = self.get(path, page_params, validate=lambda b: paginator.items(b, path))
            items = paginator.items(body, path)
            if items:
                yield items
            next_params = paginator.next_params(body, page_params, items)
            if next_params is None:
                return
            page_params = next_params
        raise ApiError(f"{self.service_name} GET {path}: more than {max_pages} pages; giving up", path=path)

    def get_all(self, path: str, paginator: Paginator, params: Mapping[str, Any] | None = None) -> list[Any]:
        return [item for page in self.iter_pages(path, paginator, params) for item in page]

    def map_concurrent(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """Runs `fn` over items on a small thread pool; the shared rate limiter still paces every request.

        With 80 ms of latency a sequential client cannot use a 20 req/s budget; a few requests in
        flight can, and the limiter keeps them under the vendor's window.
        """
        items = list(items)
        if len(items) <= 1 or self.max_workers == 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="kada-http") as pool:
            return list(pool.map(fn, items))


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date), or None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _content_hint(response: requests.Response) -> str:
    """A short word on what came instead of JSON (a proxy's HTML page says so); never the body itself."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
    return f" (Content-Type {kind})" if kind else ""


def _error_text(response: requests.Response, limit: int = 300) -> str:
    """The server's own error message, short; bodies are vendor text, never our credentials."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:limit] or response.reason or ""
    if isinstance(body, Mapping):
        parts = [str(body[k]) for k in ("message", "error", "details", "error_code") if body.get(k)]
        return "; ".join(parts)[:limit] if parts else json.dumps(body)[:limit]
    return str(body)[:limit]


def as_logger(target: Any) -> logging.Logger:
    """A stdlib logger for `target` (Dagster's `context.log` is one), or ours."""
    return target if isinstance(target, logging.Logger) else log
