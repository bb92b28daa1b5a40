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
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar

import requests
from requests.adapters import HTTPAdapter

from kada_dagster.core.api_errors import (
    ApiError,
    AuthError,
    ClientError,
    ConnectionFailedError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RetriesExhaustedError,
    ServerError,
    TransientError,
    TransientStatusError,
)
from kada_dagster.core.rate_limit import RateLimiter, limiter_outcome

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

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
