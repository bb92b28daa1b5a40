"""Client-side pacing under a vendor's documented rate limit: a sliding window, a token bucket, or the
adaptive default that learns which of the two the server counts from at most one 429."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

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
