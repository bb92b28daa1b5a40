"""Identifiers as each system stores them (the ground truth's spelling), and the id/timestamp conversions of
the profiles that serve ids as strings or timestamps as ISO 8601."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_FOLDING_DESTINATIONS = ("SNOWFLAKE", "POSTGRES", "REDSHIFT")


def _stored(name: str | None, kind: str) -> str | None:
    """How the simulated warehouse ``kind`` stores an unquoted identifier: Snowflake upper case,
    PostgreSQL and Redshift lower case, others (BigQuery, MySQL, SaaS) as written."""
    if name is None:
        return None
    key = kind.upper()
    if key.startswith("SNOWFLAKE"):
        return name.upper()
    if key.startswith(("POSTGRES", "REDSHIFT")):
        return name.lower()
    return name


def _source_truth(kind: str, base: str, schema: str | None, db: str | None) -> tuple[str | None, ...]:
    """A source table as its database stores it: MySQL has databases and tables only."""
    if schema is None:  # a SaaS object
        return (None, None, base)
    if kind.upper().startswith("MYSQL"):
        return (db, None, base)
    return (_stored(db, kind), _stored(schema, kind), _stored(base, kind))


_ID_KEYS = frozenset({"id", "source_destination_id", "model_id", "pipeline_id"})


def _convert(value: Any, fn: Callable[[str, Any], Any]) -> Any:
    if isinstance(value, dict):
        return {k: fn(k, _convert(v, fn)) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert(v, fn) for v in value]
    return value


def _table_parts(
    source_kind: str, base: str, schema: str | None, db: str | None
) -> tuple[str, str | None, str | None]:
    """(object name, schema, database) for a source object."""
    if schema is None:
        return base, None, None
    return f"{schema}.{base}", schema, db
