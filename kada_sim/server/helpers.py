"""Small deterministic helpers shared by both simulators: hashed draws, fake secrets, epoch-ms time, cursors
and compact JSON."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import time
from datetime import datetime, timedelta, timezone
from typing import Any

SECRET_MARKER = "SIMSECRET"
"""Every fake credential the simulators serve contains this marker, so tests can grep landed files."""

DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


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
