"""Typed records for Hightouch API objects, parsed tolerantly.

The spec and real responses disagree in places (numeric vs string ids, `finishedAt` null on running
runs, `primaryKey` null, fields missing in older API versions), so parsing keeps every object it can,
normalises ids to strings, and reports what it had to tolerate instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.records import as_dict, as_str, norm_id, require_id
from kada_dagster.core.timeutil import parse_ts

QUERY_TYPES = frozenset({"raw_sql", "table", "dbt", "dbt_cloud", "visual", "custom"})


@dataclass
class HtObject:
    """Fields every Hightouch object has; `raw` keeps the (redacted) API object for `properties`."""

    id: str
    name: str | None
    slug: str | None
    workspace_id: str | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict[str, Any] = field(repr=False)

    @staticmethod
    def base_fields(data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "name": as_str(data.get("name")),
            "slug": as_str(data.get("slug")),
            "workspace_id": norm_id(data.get("workspaceId")),
            "created_at": parse_ts(data.get("createdAt")),
            "updated_at": parse_ts(data.get("updatedAt")),
            "raw": dict(data),
        }


@dataclass
class HtSource(HtObject):
    type: str | None = None
    configuration: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class HtDestination(HtObject):
    type: str | None = None
    configuration: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class HtModel(HtObject):
    source_id: str | None = None
    query_type: str | None = None
    description: str | None = None
    is_schema: bool = False
    tags: dict[str, Any] = field(default_factory=dict)
    raw_sql: str | None = None
    table_name: str | None = None
    dbt: dict[str, Any] = field(default_factory=dict)
    parent_id: str | None = None
    custom_query: Any = None


@dataclass
class HtSync(HtObject):
    model_id: str | None = None
    destination_id: str | None = None
    status: str | None = None
    disabled: bool = False
    last_run_at: datetime | None = None
    configuration: dict[str, Any] = field(default_factory=dict, repr=False)
    tags: dict[str, Any] = field(default_factory=dict)


def parse_source(data: Any, problems: ProblemLog) -> HtSource | None:
    object_id = require_id("hightouch", "source", data, problems)
    if object_id is None:
        return None
    return HtSource(id=object_id, **HtObject.base_fields(data), type=as_str(data.get("type")),
                    configuration=as_dict(data.get("configuration")))


def parse_destination(data: Any, problems: ProblemLog) -> HtDestination | None:
    object_id = require_id("hightouch", "destination", data, problems)
    if object_id is None:
        return None
    return HtDestination(id=object_id, **HtObject.base_fields(data), type=as_str(data.get("type")),
                         configuration=as_dict(data.get("configuration")))


def parse_model(data: Any, problems: ProblemLog) -> HtModel | None:
    object_id = require_id("hightouch", "model", data, problems)
    if object_id is None:
        return None
    query_type = as_str(data.get("queryType"))
    if query_type not in QUERY_TYPES:
        problems.record("hightouch.model.unknown_query_type",
                        f"model {object_id} has queryType {query_type!r}; kept, linked to its source only")
    raw = as_dict(data.get("raw"))
    table = as_dict(data.get("table"))
    dbt = as_dict(data.get("dbt")) or as_dict(data.get("dbt_cloud")) or as_dict(data.get("dbtCloud"))
    visual = as_dict(data.get("visual"))
    custom = as_dict(data.get("custom"))
    tags = data.get("tags")
    if tags is not None and not isinstance(tags, Mapping):
        problems.record("hightouch.model.bad_tags", f"model {object_id}: tags is a {type(tags).__name__}, ignored")
    return HtModel(
        id=object_id,
        **HtObject.base_fields(data),
        source_id=norm_id(data.get("sourceId")),
        query_type=query_type,
        description=as_str(data.get("description")),
        is_schema=bool(data.get("isSchema")),
        tags=dict(tags) if isinstance(tags, Mapping) else {},
        raw_sql=as_str(raw.get("sql")) or as_str(data.get("rawSql")),
        table_name=as_str(table.get("name")),
        dbt=dbt,
        parent_id=norm_id(visual.get("parentId")),
        custom_query=custom.get("query"),
    )


def parse_sync(data: Any, problems: ProblemLog) -> HtSync | None:
    object_id = require_id("hightouch", "sync", data, problems)
    if object_id is None:
        return None
    tags = data.get("tags")
    last_run_raw = data.get("lastRunAt")
    last_run = parse_ts(last_run_raw)
    if last_run_raw not in (None, "") and last_run is None:
        problems.record("hightouch.sync.bad_timestamp", f"sync {object_id}: lastRunAt {last_run_raw!r} unreadable")
    return HtSync(
        id=object_id,
        **HtObject.base_fields(data),
        model_id=norm_id(data.get("modelId")),
        destination_id=norm_id(data.get("destinationId")),
        status=as_str(data.get("status")),
        disabled=bool(data.get("disabled")),
        last_run_at=last_run,
        configuration=as_dict(data.get("configuration")),
        tags=dict(tags) if isinstance(tags, Mapping) else {},
    )
