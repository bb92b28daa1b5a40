"""Options common to both simulators (the vendor configs subclass :class:`SimOptions`)."""

from __future__ import annotations

from dataclasses import dataclass, field

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
