"""Typed records of what a Hevo pipeline object carries to the destination: the object itself, its
Standard event type and schema mapping, and the field mappings (source field → destination column).

Evidence marks as in `records.py` (/work/shared/reference/hevo-api.md). The mappings decide column lineage,
so a field whose status is not known to be loaded is counted and gets no edge.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.records import norm_id
from kada_dagster.hevo.records import (
    LOADED_FIELD_STATUSES,
    NO_DATA_OBJECT_STATUSES,
    OBJECT_STATUSES,
    PIPELINE_KEY,
    UNLOADED_MAPPING_STATUSES,
    status_of,
    text,
    timestamp,
)


@dataclass(frozen=True)
class HevoFieldMapping:
    """One source field → destination column; `loaded` False for fields that are not in the destination."""

    source: str
    destination: str | None
    loaded: bool


@dataclass(frozen=True)
class HevoEventType:
    """A Standard event type: `{name, mapping_status}` (3P, hevo-api §3 table / §3c). Its name is the
    ingested object's name, or a transformation's own output when no object has it."""

    name: str
    mapping_status: str | None


def parse_event_type(data: Any, where: str, problems: ProblemLog) -> HevoEventType | None:
    if not isinstance(data, Mapping) or text(data, "name") is None:
        problems.record("hevo.event_type.no_name", f"{where}: an event type without a name; skipped")
        return None
    return HevoEventType(str(text(data, "name")), status_of(data, where, problems, "mapping_status"))


@dataclass(frozen=True)
class HevoSchemaMapping:
    """A Standard schema mapping (`GET /pipelines/{id}/mappings/{event_type}`, 3P §3c)."""

    event_type: str
    destination_table: str | None
    status: str | None
    fields: list[HevoFieldMapping] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def loads_data(self) -> bool:
        return bool(self.destination_table) and self.status not in UNLOADED_MAPPING_STATUSES


def parse_mapping(data: Mapping[str, Any], event_type: str, problems: ProblemLog) -> HevoSchemaMapping:
    where = f"mapping {event_type!r}"
    return HevoSchemaMapping(
        event_type=event_type,
        destination_table=text(data, "destination_table"),  # 3P (§3c), taken as the table Hevo reports
        status=status_of(data, where, problems, "mapping_status"),  # 3P (§3c)
        fields=_standard_fields(data.get("field_mappings"), where, problems),  # 3P (§3c)
        raw=dict(data),
    )


def _entries(value: Any, where: str, problems: ProblemLog) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.record("hevo.fields.wrong_type", f"{where}: fields is a {type(value).__name__}; no column lineage")
        return []
    out = []
    for entry in value:
        if isinstance(entry, Mapping):
            out.append(entry)
        else:
            problems.record("hevo.fields.bad_entry", f"{where}: a field entry is a {type(entry).__name__}; skipped")
    return out


def _named_entries(value: Any, where: str, problems: ProblemLog,
                   source_key: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(source field name, entry) of each field entry that names its source field; the others counted."""
    for entry in _entries(value, where, problems):
        source = text(entry, source_key)
        if source is None:
            problems.record("hevo.fields.no_source", f"{where}: a field without a source name; skipped")
            continue
        yield source, entry


def _standard_fields(value: Any, where: str, problems: ProblemLog) -> list[HevoFieldMapping]:
    """`field_mappings[{source_field, destination_field, ignored}]` (3P §3c): an ignored field, or one
    without a destination field, is not loaded."""
    out: list[HevoFieldMapping] = []
    for source, entry in _named_entries(value, where, problems, "source_field"):
        flag = entry.get("ignored")
        ignored = flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")
        destination = text(entry, "destination_field")
        out.append(HevoFieldMapping(source, destination, loaded=not ignored and destination is not None))
    return out


def edge_fields(value: Any, where: str, problems: ProblemLog) -> list[HevoFieldMapping]:
    """`fields[{source_name, destination_name, status}]` (OFFICIAL §4): loaded only with an allow-listed
    status, or with no status at all (the field list is the object's loaded schema); others counted."""
    out: list[HevoFieldMapping] = []
    for source, entry in _named_entries(value, where, problems, "source_name"):
        status = status_of(entry, where, problems)
        destination = text(entry, "destination_name")
        loaded = destination is not None and (status is None or status in LOADED_FIELD_STATUSES)
        if status is not None and status not in LOADED_FIELD_STATUSES:
            problems.record("hevo.unresolved.field_status",
                            f"{where}: field {source!r} status {status!r} is not a loaded status; no column edge")
        out.append(HevoFieldMapping(source, destination, loaded))
    return out


@dataclass(frozen=True)
class HevoPipelineObject:
    """A pipeline object: a source table (or SaaS object) replicated into a destination table.

    Standard: addressed by `name` only (3P §3b; the namespace field's name is UNCONFIRMED and not read).
    Edge: `object_id`, `source_namespace` / `destination_namespace {k0 table, k1 schema, k2 database}`,
    and from the detail `destination_table_name` and `fields` (OFFICIAL §4).
    """

    pipeline_id: str
    native_id: str
    name: str
    status: str | None
    last_run_at: datetime | None = None
    last_run_status: str | None = None  # UNCONFIRMED (only workflows are said to have one): optional
    source_namespace: tuple[str | None, str | None, str | None] | None = None  # Edge (k2, k1, k0)
    destination_namespace: tuple[str | None, str | None, str | None] | None = None  # Edge (k2, k1, k0)
    destination_table_name: str | None = None  # Edge detail
    fields: list[HevoFieldMapping] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_edge(self) -> bool:
        return self.source_namespace is not None

    @property
    def has_data(self) -> bool:
        """Skipped, permission-denied, inaccessible and deleted objects never load (no lineage)."""
        return self.status not in NO_DATA_OBJECT_STATUSES


def _namespace(value: Any) -> tuple[str | None, str | None, str | None] | None:
    """Edge namespaces `{k0: table, k1: schema, k2: database}` (OFFICIAL §4) → (database, schema, table)."""
    if not isinstance(value, Mapping):
        return None
    return text(value, "k2"), text(value, "k1"), text(value, "k0")


def parse_object(data: Any, problems: ProblemLog, pipeline_id: str | None = None) -> HevoPipelineObject | None:
    if not isinstance(data, Mapping):
        problems.record("hevo.pipeline_object.not_an_object", f"skipped a pipeline object that is a {type(data).__name__}")
        return None
    pipeline_id = pipeline_id or norm_id(data.get(PIPELINE_KEY))
    edge_id = norm_id(data.get("object_id"))  # OFFICIAL (Edge)
    source_ns = _namespace(data.get("source_namespace"))
    # Standard `name` (3P); Edge detail `object_name` (OFFICIAL), else the source table k0.
    name = text(data, "name") if edge_id is None else (text(data, "object_name") or (source_ns or (None,) * 3)[2])
    if pipeline_id is None or (edge_id is None and name is None):
        problems.record("hevo.pipeline_object.missing_id", f"skipped a pipeline object without a name or id: "
                                                           f"keys {sorted(data)[:8]}")
        return None
    name = name or str(edge_id)
    where = f"pipeline {pipeline_id} object {name}"
    edge: dict[str, Any] = {}
    if edge_id is not None:
        edge = dict(source_namespace=source_ns or (None, None, None),
                    destination_namespace=_namespace(data.get("destination_namespace")),
                    destination_table_name=text(data, "destination_table_name"),
                    fields=edge_fields(data.get("fields"), where, problems))
    return HevoPipelineObject(
        pipeline_id=pipeline_id,
        native_id=edge_id or f"{pipeline_id}:{name}",
        name=name,
        status=status_of(data, where, problems, known=OBJECT_STATUSES),  # 3P (Standard), OFFICIAL (Edge)
        last_run_at=timestamp(data, where, problems, "last_run_ts"),  # 3P (Standard §3b, epoch ms)
        last_run_status=status_of(data, where, problems, "last_run_status"),
        raw=dict(data),
        **edge,
    )
