"""Timestamps as the vendors send them and as the contract wants them (ISO 8601 UTC with `Z`)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

UTC = timezone.utc


def parse_ts(value: Any) -> datetime | None:
    """ISO strings (`Z` or offset, with or without ms) or epoch numbers (s or ms) → aware UTC datetime.

    Returns None for null or unreadable values; callers count those as skipped fields.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000.0 if abs(value) > 1e11 else float(value)
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if text.isdigit():
        return parse_ts(int(text))
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(value: datetime | None) -> str | None:
    """`2026-11-22T03:04:05Z` (milliseconds kept when present)."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


_CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z")


def iso_ts(value: Any, parsed: datetime | None = None) -> str | None:
    """`value` in the contract's form; vendor strings already in it pass through without re-formatting."""
    if isinstance(value, str) and _CANONICAL.fullmatch(value):
        return value
    return iso(parsed if parsed is not None else parse_ts(value))


def file_stamp(window_end: datetime) -> str:
    return window_end.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def utcnow() -> datetime:
    return datetime.now(tz=UTC)
