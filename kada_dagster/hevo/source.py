"""Hevo (Standard or Edge) as a collector source: what to fetch for a window, and how it becomes K extract rows.

Lineage: each pipeline object carries its source table to destination table(s), `via_object_id` the
pipeline object. The destination table comes from the schema mapping of the object's event type
(Standard) or the object's destination namespace (Edge), with the pipeline's table prefix applied when
the name does not already carry it; column edges come from the field mappings, ignored fields left out.
Standard event types that a transformation derives (no source object) are linked from the pipeline's
source. Models (Standard): tables parsed from `source_query` in the destination's dialect → `output_table`.

Events. Edge has run history: every job that *started* (`created_ts`) in the window is one event, with
event counts and duration. Standard has no run-history endpoint, so Standard users get only what the
API exposes at extraction time: an object's, model's or workflow's *latest* run (`last_run_ts`), as one
event in the partition that contains it, with the status the API reports now. They do not get earlier
runs, runs of objects that ran again since, row counts, durations or error messages; a past partition
re-materialised later can lose its Standard events because the latest run has moved on. Hevo's Audit
Tables (written into the destination, not the API) are the place for full Standard job history.

databaselog: each model's `source_query` (masked when `mask`). Python transformations are not fetched
(their code is not SQL run against a warehouse, and it is not parsed for lineage).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from kada_dagster.core import source as core
from kada_dagster.core.extract.masking import dialect_for, mask_sql, mask_text
from kada_dagster.core.extract.redaction import redact
from kada_dagster.core.extract.references import (
    Reference,
    SqlParseError,
    resolve_reference,
    split_table_name,
    tables_in_sql,
)
from kada_dagster.core.extract.rows import Endpoint, as_int, compact_json, metadata_row
from kada_dagster.core.extract.tables import ExtractTables
from kada_dagster.core.http import NotFoundError
from kada_dagster.core.records import fetch_collections, norm_id, redacted_objects, unwrap
from kada_dagster.core.timeutil import iso, parse_ts
from kada_dagster.hevo.records import (
    EVENT_TYPE_KEY,
    NO_DATA_OBJECT_STATUSES,
    OBJECT_NAME_KEY,
    PIPELINE_KEY,
    SOURCE_TYPE,
    UNLOADED_MAPPING_STATUSES,
    Connector,
    HevoDestination,
    HevoModel,
    HevoObject,
    HevoPipeline,
    HevoWorkflow,
    LoadTarget,
    parse_destination,
    parse_mapping,
    parse_model,
    parse_object,
    parse_pipeline,
    parse_workflow,
)

T = TypeVar("T")

# Edge job status → contract status.
JOB_STATUS = {
    "COMPLETED": "SUCCESS",
    # Finished and loaded, but some events or objects failed: the data is there, incomplete.
    "COMPLETED_WITH_FAILURES": "WARNING",
    "FAILED": "FAILED",
    "IN_PROGRESS": "RUNNING",
    # Still running until the cancel takes effect; it becomes CANCELLED then.
    "CANCELLING": "RUNNING",
    "CANCELLED": "CANCELLED",
    "SKIPPED": "SKIPPED",
    # Deferred: Hevo postponed the load to a later attempt (e.g. the destination was busy), so nothing is
    # final yet; the job waits to be picked up again. Failures so far are counted in rows_failed.
    "DEFERRED": "QUEUED",
    "DEFERRED_WITH_FAILURES": "QUEUED",
}
FINISHED_JOB_STATUSES = frozenset({"COMPLETED", "COMPLETED_WITH_FAILURES", "FAILED", "CANCELLED", "SKIPPED"})

# Standard last-run status: the model/workflow `last_run_status` where given, else the object's or
# model's current status, which is the best the API says about its latest run. A paused or finished
# object stopped after its last run completed; permission-denied means its last attempt failed.
LAST_RUN_STATUS = {
    "SUCCESS": "SUCCESS", "SUCCEEDED": "SUCCESS", "COMPLETED": "SUCCESS", "ACTIVE": "SUCCESS",
    "FINISHED": "SUCCESS", "PAUSED": "SUCCESS",
    "FAILED": "FAILED", "FAILURE": "FAILED", "ERROR": "FAILED", "PERMISSION_DENIED": "FAILED",
    "RUNNING": "RUNNING", "IN_PROGRESS": "RUNNING",
    "QUEUED": "QUEUED", "PENDING": "QUEUED", "SCHEDULED": "QUEUED",
    "CANCELLED": "CANCELLED", "SKIPPED": "SKIPPED",
}

# Edge pipelines in these states run no jobs after their `updated_ts`; INITIALIZING ones have run none yet.
STOPPED_PIPELINE_STATUSES = frozenset({"DISABLED", "DELETED", "ENABLE_FAILED", "INITIALIZE_FAILED"})
NOT_STARTED_PIPELINE_STATUSES = frozenset({"INITIALIZING"})


def _upper(value: Any) -> str | None:
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


class HevoSource(core.CollectorSource):
    source_type = SOURCE_TYPE
    display_name = "Hevo"
    metadata_collections = ("pipelines", "pipeline_objects", "schema_mappings", "destinations", "models", "workflows")
    event_collections = ("jobs", "last_runs")

    def created_at(self, collection: str, record: Mapping[str, Any]) -> datetime | None:
        if not isinstance(record, Mapping):
            return None
        for key in ("created_ts", "created_at", "createdAt"):
            if record.get(key) not in (None, ""):
                return parse_ts(record.get(key))
        return None

    # --- fetch ---------------------------------------------------------------------------------
    def fetch(self, client: Any, ctx: core.FetchContext, events: core.EventRouter) -> dict[str, list[Any]]:
        fetcher = _EdgeFetch if client.is_edge else _StandardFetch
        return fetcher(client, ctx, events).run()

    # --- normalise -----------------------------------------------------------------------------
    def normalise(self, raw: core.RawPartition, ctx: core.NormaliseContext) -> core.ExtractResult:
        problems = ctx.problems
        pipelines = {p.id: p for p in (parse_pipeline(r, problems) for r in raw.stream("pipelines")) if p}
        destinations = {d.id: d for d in (parse_destination(r, problems) for r in raw.stream("destinations")) if d}
        objects = [o for o in (parse_object(r, problems) for r in raw.stream("pipeline_objects"))
                   if o and o.pipeline_id in pipelines]  # objects of a pipeline created after the window go too
        derived = _attach_mappings(objects, raw.stream("schema_mappings"), pipelines, problems)
        models = {m.id: m for m in (parse_model(r, problems) for r in raw.stream("models")) if m}
        workflows = {w.id: w for w in (parse_workflow(r, problems) for r in raw.stream("workflows")) if w}
        builder = _HevoTables(ctx, pipelines, destinations, objects, derived, models, workflows)
        builder.build_metadata()
        builder.build_lineage()
        builder.build_job_events(raw.stream("jobs"))
        builder.build_last_run_events(raw.stream("last_runs"))
        return builder.result()


# --- fetch ----------------------------------------------------------------------------------------
class _Fetch(ABC):
    """What both flavours fetch the same way: pipeline lists, details only where needed, objects."""

    def __init__(self, client: Any, ctx: core.FetchContext, events: core.EventRouter) -> None:
        self.client = client
        self.ctx = ctx
        self.problems = ctx.problems
        self.events = events

    def run_all(self, tasks: Iterable[Callable[[], T]]) -> list[T]:
        """Runs independent calls side by side; the client's shared limiter paces them all."""
        return self.client.http.map_concurrent(lambda task: task(), list(tasks))

    def gone(self, what: str, call: Callable[[], T], default: T) -> T:
        """A call on an object that disappeared between the list and the call (404): counted, skipped."""
        try:
            return call()
        except NotFoundError:
            self.problems.record("hevo.not_found", f"{what} answered 404 (deleted meanwhile?); skipped")
            return default

    def complete_pipelines(self, pipelines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """GETs a pipeline's detail only when the list left out both its source and destination."""
        partial = [i for i, p in enumerate(pipelines) if "source" not in p and "destination" not in p
                   and norm_id(p.get("id"))]

        def detail(i: int) -> Any:
            pid = str(norm_id(pipelines[i].get("id")))
            return self.gone(f"pipeline {pid}", lambda: self.client.get_pipeline(pid), None)

        for i, body in zip(partial, self.run_all([lambda i=i: detail(i) for i in partial]), strict=True):
            if isinstance(body, Mapping):
                pipelines[i] = {**pipelines[i], **redact(body)}
        return pipelines

    def objects_of(self, pipeline_id: str) -> list[dict[str, Any]]:
        records = self.gone(f"objects of pipeline {pipeline_id}", lambda: self.client.list_objects(pipeline_id), [])
        return [{**r, PIPELINE_KEY: pipeline_id}
                for r in redacted_objects(SOURCE_TYPE, "pipeline_objects", records, self.problems)]

    @abstractmethod
    def run(self) -> dict[str, list[Any]]:
        """Reads what this flavour's output uses; returns redacted metadata collections."""


def _pipeline_ids(pipelines: list[dict[str, Any]]) -> list[str]:
    return [pid for pid in (norm_id(p.get("id")) for p in pipelines) if pid]


class _StandardFetch(_Fetch):
    """Standard: pipelines, destinations, models, workflows; per pipeline its objects and event types;
    per event type that has a destination table, its schema mapping."""

    def run(self) -> dict[str, list[Any]]:
        client = self.client
        data = fetch_collections(client.http, {
            "pipelines": client.list_pipelines, "destinations": client.list_destinations,
            "models": client.list_models, "workflows": client.list_workflows,
        }, SOURCE_TYPE, self.problems)
        data["pipelines"] = self.complete_pipelines(data["pipelines"])
        pids = _pipeline_ids(data["pipelines"])
        partial_models = [i for i, m in enumerate(data["models"]) if "source_query" not in m and norm_id(m.get("id"))]
        results = self.run_all(
            [lambda p=p: self.objects_of(p) for p in pids]
            + [lambda p=p: self.event_types_of(p) for p in pids]
            + [lambda i=i: self.model_detail(data["models"][i]) for i in partial_models]
        )
        objects = dict(zip(pids, results[: len(pids)], strict=True))
        event_types = dict(zip(pids, results[len(pids): 2 * len(pids)], strict=True))
        for i, detail in zip(partial_models, results[2 * len(pids):], strict=True):
            if isinstance(detail, Mapping):
                data["models"][i] = {**data["models"][i], **detail}
        data["pipeline_objects"] = [o for p in pids for o in objects[p]]
        data["schema_mappings"] = self.mappings(pids, objects, event_types)
        self.route_last_runs(data)
        return data

    def event_types_of(self, pipeline_id: str) -> list[dict[str, Any]] | None:
        """The pipeline's event types, or None when the endpoint is not there (then: one per object)."""
        try:
            records = self.client.list_event_types(pipeline_id)
        except NotFoundError:
            self.problems.record("hevo.event_types.unavailable", f"pipeline {pipeline_id}: /event-types answered "
                                                                 "404; using the object names as event types")
            return None
        return redacted_objects(SOURCE_TYPE, "event_types", records, self.problems)

    def model_detail(self, model: Mapping[str, Any]) -> Any:
        mid = str(norm_id(model.get("id")))
        body = self.gone(f"model {mid}", lambda: self.client.get_model(mid), None)
        return redact(body) if isinstance(body, Mapping) else None

    def mappings(self, pids: list[str], objects: Mapping[str, list[dict[str, Any]]],
                 event_types: Mapping[str, list[dict[str, Any]] | None]) -> list[dict[str, Any]]:
        """One record per event type; the mapping itself is fetched only where it can name a table."""
        stubs: list[dict[str, Any]] = []
        wanted: list[dict[str, Any]] = []
        for pid in pids:
            listed = event_types[pid]
            if listed is None:  # fall back to the objects that can have been ingested
                listed = [{"name": o.get("name"), "object_name": o.get("name")} for o in objects[pid]
                          if _upper(o.get("status")) not in NO_DATA_OBJECT_STATUSES]
            for et in listed:
                name = et.get("name")
                if not isinstance(name, str) or not name:
                    self.problems.record("hevo.event_type.no_name", f"pipeline {pid}: an event type without a name")
                    continue
                stub = {PIPELINE_KEY: pid, EVENT_TYPE_KEY: name, OBJECT_NAME_KEY: et.get("object_name")}
                status = _upper(et.get("mapping_status"))
                if status is not None:
                    stub["mapping_status"] = status
                (stubs if status in UNLOADED_MAPPING_STATUSES else wanted).append(stub)

        def get(stub: dict[str, Any]) -> dict[str, Any]:
            pid, event_type = stub[PIPELINE_KEY], stub[EVENT_TYPE_KEY]
            body = self.gone(f"mapping of {event_type!r} in pipeline {pid}",
                             lambda: unwrap(self.client.get_mapping(pid, event_type)), None)
            return {**redact(body), **stub} if isinstance(body, Mapping) else stub

        return stubs + self.run_all([lambda s=s: get(s) for s in wanted])

    def route_last_runs(self, data: Mapping[str, list[dict[str, Any]]]) -> None:
        """Standard's only run evidence: each object's, model's and workflow's latest run, routed to the
        partition that contains it."""
        routed: list[tuple[Mapping[str, Any], datetime | None]] = []
        for kind, collection in (("object", "pipeline_objects"), ("model", "models"), ("workflow", "workflows")):
            for record in data[collection]:
                last_run = parse_ts(record.get("last_run_ts") or record.get("last_run_at"))
                if last_run is not None:
                    routed.append(({"kind": kind, "record": record}, last_run))
        self.events.add_many("last_runs", routed)


class _EdgeFetch(_Fetch):
    """Edge: pipelines and destinations; per pipeline its objects (with their detail, for the fields)
    and the jobs that started in the window."""

    def run(self) -> dict[str, list[Any]]:
        client = self.client
        data = fetch_collections(client.http, {
            "pipelines": client.list_pipelines, "destinations": client.list_destinations,
        }, SOURCE_TYPE, self.problems)
        data["pipelines"] = self.complete_pipelines(data["pipelines"])
        pids = _pipeline_ids(data["pipelines"])
        with_jobs = [str(norm_id(p.get("id"))) for p in data["pipelines"] if norm_id(p.get("id")) and self.may_have_jobs(p)]
        results = self.run_all([lambda p=p: self.objects_of(p) for p in pids]
                               + [lambda p=p: self.jobs_of(p) for p in with_jobs])
        objects = [o for chunk in results[: len(pids)] for o in chunk]
        jobs = sum(results[len(pids):])
        need_detail = [i for i, o in enumerate(objects) if "fields" not in o and norm_id(o.get("object_id"))
                       and _upper(o.get("status")) not in NO_DATA_OBJECT_STATUSES]
        for i, detail in zip(need_detail, self.run_all([lambda i=i: self.object_detail(objects[i])
                                                        for i in need_detail]), strict=True):
            if isinstance(detail, Mapping):
                objects[i] = {**objects[i], **detail}
        data["pipeline_objects"] = objects
        self.ctx.log.info(f"hevo edge: {jobs} jobs in the window from {len(with_jobs)} of {len(pids)} pipelines")
        return data

    def may_have_jobs(self, pipeline: Mapping[str, Any]) -> bool:
        """No request for pipelines that cannot have started a job in the range."""
        created = parse_ts(pipeline.get("created_ts"))
        if created is not None and created >= self.ctx.end:
            return False
        status = _upper(pipeline.get("status"))
        if status in NOT_STARTED_PIPELINE_STATUSES:
            return False
        updated = parse_ts(pipeline.get("updated_ts"))
        return not (status in STOPPED_PIPELINE_STATUSES and updated is not None and updated < self.ctx.start)

    def object_detail(self, obj: Mapping[str, Any]) -> Any:
        pid, object_id = str(obj[PIPELINE_KEY]), str(norm_id(obj.get("object_id")))
        body = self.gone(f"object {object_id} of pipeline {pid}", lambda: self.client.get_object(pid, object_id), None)
        return redact(body) if isinstance(body, Mapping) else None

    def jobs_of(self, pipeline_id: str) -> int:
        """Routes the pipeline's jobs by start time; stops paging once a newest-first page is past the window."""
        routed = 0
        try:
            for page in self.client.iter_job_pages(pipeline_id, self.ctx.start, self.ctx.end):
                records, starts = [], []
                for job in page:
                    if not isinstance(job, Mapping) or norm_id(job.get("job_id")) is None:
                        self.problems.record("hevo.job.invalid", f"pipeline {pipeline_id}: skipped a job without an id")
                        continue
                    started = parse_ts(job.get("created_ts"))
                    starts.append(started)
                    records.append(({**redact(job), PIPELINE_KEY: pipeline_id}, started))
                routed += self.events.add_many("jobs", records)
                if _older_than(starts, self.ctx.start):
                    break
        except NotFoundError:
            self.problems.record("hevo.not_found", f"jobs of pipeline {pipeline_id} answered 404; skipped")
        return routed


def _older_than(starts: list[datetime | None], start: datetime) -> bool:
    """True when the page is newest first and already reaches before `start`: later pages are older."""
    if not starts or any(s is None for s in starts):
        return False
    known = [s for s in starts if s is not None]
    newest_first = all(a >= b for a, b in zip(known, known[1:], strict=False))
    return newest_first and known[-1] < start


# --- normalise ------------------------------------------------------------------------------------
def _attach_mappings(objects: list[HevoObject], mappings: Iterable[Any], pipelines: Mapping[str, HevoPipeline],
                     problems: Any) -> list[tuple[str, LoadTarget]]:
    """Gives each Standard object the load targets of its event types; returns the event types that no
    object feeds (a transformation's output) as (pipeline id, target)."""
    by_name = {(o.pipeline_id, o.name): o for o in objects}
    derived: list[tuple[str, LoadTarget]] = []
    for record in mappings:
        if not isinstance(record, Mapping):
            continue
        pid = norm_id(record.get(PIPELINE_KEY))
        if pid not in pipelines:
            continue
        target = parse_mapping(record, problems)
        source_object = by_name.get((pid, str(record.get(OBJECT_NAME_KEY) or "")))
        if source_object is not None:
            source_object.targets.append(target)
        elif record.get(OBJECT_NAME_KEY):
            problems.record("hevo.event_type.object_missing", f"pipeline {pid}: event type {target.event_type!r} "
                                                              f"names object {record.get(OBJECT_NAME_KEY)!r}, not listed")
        else:
            derived.append((str(pid), target))
    return derived


def _with_prefix(table: str, prefix: str, already: bool) -> str:
    """The destination table name with the pipeline's prefix, unless it already carries it."""
    if not prefix or already or table.lower().startswith(prefix.lower()):
        return table
    return prefix + table


class _HevoTables(ExtractTables):
    """Builds one partition's four tables from parsed records."""

    def __init__(self, ctx: core.NormaliseContext, pipelines: dict[str, HevoPipeline],
                 destinations: dict[str, HevoDestination], objects: list[HevoObject],
                 derived: list[tuple[str, LoadTarget]], models: dict[str, HevoModel],
                 workflows: dict[str, HevoWorkflow]) -> None:
        super().__init__(ctx, SOURCE_TYPE)
        self.pipelines, self.destinations, self.objects = pipelines, destinations, objects
        self.derived, self.models, self.workflows = derived, models, workflows
        self.source_refs = {pid: self._reference(p.source, p.source.name, p.name) for pid, p in pipelines.items()}

    # references -------------------------------------------------------------------------------
    def _reference(self, connector: Connector, *names: str | None) -> Reference:
        """`mapping` by any name the tool shows (name, display name, pipeline name), else resolved from
        the configuration; without a host, a best guess (URL host or connector type) marked unmapped."""
        mapping = self.settings.mapping
        candidates = [n for n in (connector.name, as_display(connector), *names) if n]
        key = next((n for n in candidates if n in mapping), candidates[0] if candidates else None)
        reference = resolve_reference(key, connector.type, connector.config, mapping)
        if reference.host:
            return reference
        url = next((str(v) for k, v in connector.config.items() if k.lower().endswith("url") and isinstance(v, str)
                    and "://" in v), "")
        host = urlsplit(url).hostname or (connector.type or "").lower()
        return Reference(host, reference.database or (key or ""), reference.schema, False)

    def destination_of(self, connector: Connector) -> Connector:
        """A pipeline's or model's destination, completed from /destinations (which has the config)."""
        listed = self.destinations.get(connector.id or "")
        if listed is None and connector.name:
            listed = next((d for d in self.destinations.values() if d.name == connector.name), None)
        if listed is None:
            return connector
        return Connector(listed.id, listed.name, listed.type or connector.type,
                         listed.config or connector.config, listed.raw)

    def _external(self, connector: Connector, reference: Reference, database: str | None, schema: str | None,
                  table: str) -> Endpoint:
        self.note_unmapped(as_display(connector) or connector.name or connector.type or "?", connector.type, reference)
        return Endpoint.external("table", reference, table, schema=schema or reference.schema or None,
                                 database=database or reference.database or None)

    # metadata ---------------------------------------------------------------------------------
    def _properties(self, raw: Mapping[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
        return {k: v for k, v in redact(raw).items() if k not in drop and not k.startswith("_")}

    def build_metadata(self) -> None:
        common = ("id", "name", "status", "created_ts", "updated_ts", "created_at", "updated_at")
        for p in self.pipelines.values():
            self.metadata.add(metadata_row(
                object_id=self.oid("pipeline", p.id), object_type="pipeline", name=p.name,
                qualified_name=f"{p.source.name or '?'} -> {p.destination.name or '?'}", status=p.status,
                properties=self._properties(p.raw, common), created_at=iso(p.created_at), updated_at=iso(p.updated_at)))
            if p.source.name or p.source.type:  # the pipeline's source, as K sees a data source
                self.metadata.add(metadata_row(
                    object_id=self.oid("source", p.id), object_type="source", name=as_display(p.source) or p.source.name,
                    qualified_name=p.source.name, parent_id=self.oid("pipeline", p.id), reference=self.source_refs[p.id],
                    properties=self._properties(p.source.raw, ("name", "display_name"))))
        for d in self.destinations.values():
            connector = Connector(d.id, d.name, d.type, d.config, d.raw)
            self.metadata.add(metadata_row(
                object_id=self.oid("destination", d.id), object_type="destination", name=d.name,
                qualified_name=d.type, reference=self._reference(connector), status=d.status,
                properties=self._properties(d.raw, common), created_at=iso(d.created_at), updated_at=iso(d.updated_at)))
        for o in self.objects:
            reference = self.source_refs[o.pipeline_id]
            self.metadata.add(metadata_row(
                object_id=self.oid("pipeline_object", o.native_id), object_type="pipeline_object", name=o.name,
                qualified_name=o.qualified_name or None, parent_id=self.oid("pipeline", o.pipeline_id),
                reference=Reference(reference.host, o.source_database or reference.database, "", reference.mapped),
                schema=o.source_schema or reference.schema or None, status=o.status,
                properties=self._properties(o.raw, ("name", "object_name", "status"))))
        for m in self.models.values():
            destination = self.destination_of(m.destination)
            reference = self._reference(destination)
            self.metadata.add(metadata_row(
                object_id=self.oid("model", m.id), object_type="model", name=m.name, qualified_name=m.output_table,
                parent_id=self.oid("destination", destination.id) if destination.id in self.destinations else None,
                reference=reference, status=m.status, definition=self._mask(m.source_query, destination.type),
                properties=self._properties(m.raw, (*common, "source_query")),
                created_at=iso(m.created_at), updated_at=iso(m.updated_at)))
            if m.source_query:
                self.databaselog.add({
                    "log_id": f"{SOURCE_TYPE}:model_query:{m.id}",
                    "object_id": self.oid("model", m.id),
                    "host": reference.host or None,
                    "database": reference.database or None,
                    "schema": reference.schema or None,
                    "query_type": "model",
                    "query_text": self._mask(m.source_query, destination.type),
                    "captured_at": iso(m.updated_at or m.created_at),
                })
        for w in self.workflows.values():
            self.metadata.add(metadata_row(
                object_id=self.oid("workflow", w.id), object_type="workflow", name=w.name, status=w.status,
                properties=self._properties(w.raw, common), created_at=iso(w.created_at), updated_at=iso(w.updated_at)))

    def _mask(self, sql: str | None, destination_type: str | None) -> str | None:
        return mask_sql(sql, dialect_for(destination_type)) if self.settings.mask else sql

    # lineage ----------------------------------------------------------------------------------
    def _target_endpoint(self, pipeline: HevoPipeline, target: LoadTarget) -> Endpoint | None:
        if not target.loads_data or not target.table:
            return None
        destination = self.destination_of(pipeline.destination)
        table = _with_prefix(target.table, pipeline.table_prefix, target.prefixed)
        return self._external(destination, self._reference(destination), target.database, target.schema, table)

    def build_lineage(self) -> None:
        for o in self.objects:
            if not o.has_data:
                continue
            pipeline = self.pipelines[o.pipeline_id]
            upstream: Endpoint | None = None
            via = self.oid("pipeline_object", o.native_id)
            for target in o.targets:
                downstream = self._target_endpoint(pipeline, target)
                if downstream is None:
                    continue
                if upstream is None:
                    upstream = self._external(pipeline.source, self.source_refs[pipeline.id], o.source_database,
                                              o.source_schema, o.source_table)
                self.edge(upstream, downstream, via_object_id=via)
                for f in target.fields:
                    if f.destination and not f.ignored:
                        self.edge(upstream, downstream, via_object_id=via, upstream_column=f.source,
                                  downstream_column=f.destination)
        for pid, target in self.derived:  # a transformation's event type: from the pipeline's source
            pipeline = self.pipelines[pid]
            downstream = self._target_endpoint(pipeline, target)
            if downstream is not None and (pipeline.source.name or pipeline.source.type):
                self.edge(self.own("source", pid), downstream, via_object_id=self.oid("pipeline", pid))
        for m in self.models.values():
            self._model_lineage(m)

    def _model_lineage(self, model: HevoModel) -> None:
        if not model.output_table:
            return
        destination = self.destination_of(model.destination)
        reference = self._reference(destination)
        output = split_table_name(model.output_table, reference.database, reference.schema)
        downstream = self._external(destination, reference, output.database, output.schema, output.name)
        via = self.oid("model", model.id)
        tables = []
        if model.source_query:
            try:
                tables = tables_in_sql(model.source_query, destination.type, reference.database, reference.schema)
            except SqlParseError as exc:
                self.problems.record("hevo.model.sql_unparsed", f"model {model.id}: source_query not parsed ({exc}); "
                                                                "linked to its destination only")
        for t in tables:
            self.edge(self._external(destination, reference, t.database, t.schema, t.name), downstream,
                      via_object_id=via)
        if not tables and destination.id in self.destinations:
            self.edge(self.own("destination", destination.id), downstream, via_object_id=via)

    # events -----------------------------------------------------------------------------------
    def build_job_events(self, jobs: Iterable[Any]) -> None:
        """Edge jobs that started in the window (routed there at fetch time)."""
        mask = self.settings.mask
        for job in jobs:
            pid, job_id = norm_id(job.get(PIPELINE_KEY)), norm_id(job.get("job_id"))
            if not pid or not job_id:
                self.problems.record("hevo.job.invalid", "skipped a job without pipeline or job id")
                continue
            native = _upper(job.get("status"))
            status = JOB_STATUS.get(native or "")
            if status is None:
                status = "WARNING"
                self.problems.record("hevo.job.unknown_status", f"job {job_id}: status {job.get('status')!r} read as WARNING")
            started = parse_ts(job.get("created_ts"))
            duration_ms = as_int(job.get("duration"))
            finished = None
            if native in FINISHED_JOB_STATUSES:
                finished = parse_ts(job.get("updated_ts"))
                if started is not None and duration_ms is not None:
                    finished = parse_ts(round(started.timestamp() * 1000) + duration_ms)
            error = next((job[k] for k in ("error_message", "failure_reason", "message", "error")
                          if isinstance(job.get(k), str) and job[k]), None)
            self.events.add({
                "event_id": f"{SOURCE_TYPE}:job:{pid}:{job_id}",
                "object_id": self.oid("pipeline", pid),
                "event_type": "pipeline_job",
                "status": status,
                "native_status": job.get("status") if isinstance(job.get("status"), str) else None,
                "started_at": iso(started),
                "finished_at": iso(finished),
                "duration_seconds": round(duration_ms / 1000, 3) if duration_ms is not None and finished else None,
                "rows_added": as_int(job.get("events_loaded")),
                "rows_changed": None,
                "rows_removed": None,
                "rows_failed": as_int(job.get("events_failed")),
                "rows_total": as_int(job.get("events_ingested")),
                "error_message": mask_text(error) if mask and error else error,
                "properties": compact_json({k: job.get(k) for k in (
                    "type", "objects_success", "objects_queued", "objects_skipped", "objects_failed",
                    "min_latency", "max_latency", "mean_latency", "updated_ts") if job.get(k) is not None}),
            })

    def build_last_run_events(self, last_runs: Iterable[Any]) -> None:
        """Standard: the latest run of each object, model and workflow, when it falls in the window."""
        for entry in last_runs:
            kind, record = entry.get("kind"), entry.get("record")
            if not isinstance(record, Mapping) or kind not in ("object", "model", "workflow"):
                self.problems.record("hevo.last_run.invalid", "skipped an unreadable last-run record")
                continue
            if kind == "object":
                parsed = parse_object(record, self.problems)
                native_id = parsed.native_id if parsed else None
                object_type = "pipeline_object"
            else:
                native_id = norm_id(record.get("id"))
                object_type = kind
            started = parse_ts(record.get("last_run_ts") or record.get("last_run_at"))
            if native_id is None or started is None:
                self.problems.record("hevo.last_run.invalid", f"skipped a {kind} last run without id or time")
                continue
            native = _upper(record.get("last_run_status")) or _upper(record.get("status"))
            status = LAST_RUN_STATUS.get(native or "")
            if status is None:
                status = "WARNING"
                self.problems.record("hevo.last_run.unknown_status",
                                     f"{kind} {native_id}: status {native!r} read as WARNING")
            self.events.add({
                "event_id": f"{SOURCE_TYPE}:{kind}_last_run:{native_id}:{round(started.timestamp() * 1000)}",
                "object_id": self.oid(object_type, native_id),
                "event_type": f"{kind}_last_run",
                "status": status,
                "native_status": native,
                "started_at": iso(started),
                "finished_at": None,
                "duration_seconds": None,
                "rows_added": None, "rows_changed": None, "rows_removed": None, "rows_failed": None,
                "rows_total": None,
                "error_message": None,
                "properties": compact_json({"source": "last_run_ts", "object_status": record.get("status")}),
            })


def as_display(connector: Connector) -> str | None:
    value = connector.raw.get("display_name")
    return value if isinstance(value, str) and value else None
