"""What Hevo's collector reads for a range: a Standard and an Edge plan over the client.

Both list pipelines, their objects and the destinations; Standard adds event types, schema mappings,
models and workflows (and each one's latest run), Edge adds each object's detail and the jobs that started
in the range (no filter is documented, so pages are read newest first until a page is wholly before the
range, once the order is proven; see `_EdgeFetch.jobs_of`). Every stored record is redacted first.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from kada_dagster.core.api_errors import ClientError, NotFoundError
from kada_dagster.core.collector import EventRouter, FetchContext
from kada_dagster.core.extract.redaction import redact
from kada_dagster.core.problems import ProblemLog
from kada_dagster.hevo.client import HevoClient
from kada_dagster.hevo.objects import HevoEventType, HevoPipelineObject, parse_object
from kada_dagster.hevo.records import (
    EVENT_TYPE_KEY,
    PIPELINE_KEY,
    UNLOADED_MAPPING_STATUSES,
    HevoDestination,
    HevoModel,
    HevoPipeline,
    HevoWorkflow,
    parse_model,
    parse_pipeline,
)

T = TypeVar("T")
# Jobs in non-increasing start order needed before a newest-first listing is believed (see jobs_of).
ORDER_PROOF_JOBS = 10


# --- fetch ----------------------------------------------------------------------------------------
def _stored(record: Any, **keys: Any) -> dict[str, Any]:
    """What goes to intermediate storage: the redacted API object plus our own `_` keys."""
    return {**redact(record.raw), **keys}


class _Fetch(ABC):
    """What both flavours fetch the same way: pipeline lists, details only where needed, objects."""

    def __init__(self, client: Any, ctx: FetchContext, events: EventRouter) -> None:
        self.client = client
        self.ctx = ctx
        self.problems: ProblemLog = ctx.problems
        self.events = events

    def run_all(self, tasks: Iterable[Callable[[], Any]]) -> list[Any]:
        """Runs independent calls side by side (of any result types); the client's shared limiter paces them."""
        return self.client.http.map_concurrent(lambda task: task(), list(tasks))

    def gone(self, what: str, call: Callable[[], T], default: T) -> T:
        """A call on one object that cannot be answered: it disappeared between the list and the call (404),
        or its name makes the URL too long for the server (414). Counted and skipped; the rest goes on."""
        try:
            return call()
        except NotFoundError:
            self.problems.record("hevo.not_found", f"{what} answered 404 (deleted meanwhile?); skipped")
            return default
        except ClientError as exc:
            if exc.status != 414:
                raise
            self.problems.record("hevo.unresolved.url_too_long", f"{what}: its name makes the URL too long "
                                                                  "for the server (HTTP 414); skipped")
            return default

    def complete_pipelines(self, pipelines: list[HevoPipeline]) -> list[HevoPipeline]:
        """GETs a pipeline's detail only when the list left out both its source and destination."""
        partial = [i for i, p in enumerate(pipelines) if "source" not in p.raw and "destination" not in p.raw]

        def detail(i: int) -> HevoPipeline | None:
            pid = pipelines[i].id
            return self.gone(f"pipeline {pid}", lambda: self.client.pipeline(pid, self.problems), None)

        for i, full in zip(partial, self.run_all([functools.partial(detail, i) for i in partial]), strict=True):
            if full is not None:
                pipelines[i] = parse_pipeline({**pipelines[i].raw, **full.raw}, self.problems) or pipelines[i]
        return pipelines

    def objects_of(self, pipeline_id: str) -> list[HevoPipelineObject]:
        return self.gone(f"objects of pipeline {pipeline_id}",
                         lambda: self.client.objects(pipeline_id, self.problems), [])

    @abstractmethod
    def run(self) -> dict[str, list[Any]]:
        """Reads what this flavour's output uses; returns redacted metadata collections."""


class _StandardFetch(_Fetch):
    """Standard: pipelines, destinations, models, workflows; per pipeline its objects and event types;
    per event type that can name a destination table, its schema mapping."""

    def run(self) -> dict[str, list[Any]]:
        client, problems = self.client, self.problems
        pipelines, destinations, models, workflows = self.run_all([
            lambda: client.pipelines(problems), lambda: client.destinations(problems),
            lambda: client.models(problems), lambda: client.workflows(problems),
        ])
        pipelines = self.complete_pipelines(pipelines)
        pids = [p.id for p in pipelines]
        # source_query: 3P (§3e) on the model; fetched from the detail only when the list leaves it out.
        partial = [i for i, m in enumerate(models) if "source_query" not in m.raw]
        results = self.run_all(
            [lambda p=p: self.objects_of(p) for p in pids]
            + [lambda p=p: self.event_types_of(p) for p in pids]
            + [lambda i=i: self.gone(f"model {models[i].id}", lambda: client.model(models[i].id, problems), None)
               for i in partial]
        )
        objects = dict(zip(pids, results[: len(pids)], strict=True))
        event_types = dict(zip(pids, results[len(pids): 2 * len(pids)], strict=True))
        for i, detail in zip(partial, results[2 * len(pids):], strict=True):
            if detail is not None:
                models[i] = parse_model({**models[i].raw, **detail.raw}, problems) or models[i]
        all_objects = [o for p in pids for o in objects[p]]
        self.route_last_runs(all_objects, models, workflows)
        return {
            "pipelines": [_stored(p) for p in pipelines],
            "destinations": [_stored(d) for d in destinations],
            "models": [_stored(m) for m in models],
            "workflows": [_stored(w) for w in workflows],
            "pipeline_objects": [_stored(o, **{PIPELINE_KEY: o.pipeline_id}) for o in all_objects],
            "schema_mappings": self.mappings(pids, objects, event_types),
        }

    def event_types_of(self, pipeline_id: str) -> list[HevoEventType] | None:
        """The pipeline's event types, or None when the endpoint is not there (then: one per object)."""
        try:
            return self.client.event_types(pipeline_id, self.problems)
        except NotFoundError:
            self.problems.record("hevo.event_types.unavailable", f"pipeline {pipeline_id}: /event-types answered "
                                                                 "404; using the object names as event types")
            return None

    def mappings(self, pids: list[str], objects: Mapping[str, list[HevoPipelineObject]],
                 event_types: Mapping[str, list[HevoEventType] | None]) -> list[dict[str, Any]]:
        """One stored record per event type; the mapping itself is fetched only where it can name a table."""
        stubs: list[dict[str, Any]] = []
        wanted: list[dict[str, Any]] = []
        for pid in pids:
            listed = event_types[pid]
            if listed is None:  # fall back to the objects that can have been ingested (same names, 3P)
                listed = [HevoEventType(o.name, None) for o in objects[pid] if o.has_data]
            for et in listed:
                stub: dict[str, Any] = {PIPELINE_KEY: pid, EVENT_TYPE_KEY: et.name}
                if et.mapping_status is not None:
                    stub["mapping_status"] = et.mapping_status
                (stubs if et.mapping_status in UNLOADED_MAPPING_STATUSES else wanted).append(stub)

        def get(stub: dict[str, Any]) -> dict[str, Any]:
            pid, event_type = stub[PIPELINE_KEY], stub[EVENT_TYPE_KEY]
            found = self.gone(f"mapping of {event_type!r} in pipeline {pid}",
                              lambda: self.client.mapping(pid, event_type, self.problems), None)
            return {**stub, **redact(found.raw), **stub_keys(stub)} if found is not None else stub

        return stubs + self.run_all([functools.partial(get, s) for s in wanted])

    def route_last_runs(self, objects: list[HevoPipelineObject], models: list[HevoModel],
                        workflows: list[HevoWorkflow]) -> None:
        """Standard's only run evidence: each object's, model's and workflow's latest run (`last_run_ts`),
        routed to the partition that contains it."""
        routed: list[tuple[Mapping[str, Any], datetime | None]] = []
        for o in objects:
            if o.last_run_at is not None:
                routed.append(({"kind": "object", "record": _stored(o, **{PIPELINE_KEY: o.pipeline_id})},
                               o.last_run_at))
        for kind, records in (("model", models), ("workflow", workflows)):
            for r in records:
                if r.last_run_at is not None:
                    routed.append(({"kind": kind, "record": _stored(r)}, r.last_run_at))
        self.events.add_many("last_runs", routed)


def stub_keys(stub: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stub.items() if k.startswith("_")}


class _EdgeFetch(_Fetch):
    """Edge: pipelines and destinations; per pipeline its objects (with their detail, for the fields)
    and every job page, each job routed by its own start time."""

    def run(self) -> dict[str, list[Any]]:
        client, problems = self.client, self.problems
        pipelines, destinations = self.run_all([lambda: client.pipelines(problems), self.edge_destinations])
        pipelines = self.complete_pipelines(pipelines)
        pids = [p.id for p in pipelines]
        tasks: list[Callable[[], Any]] = [functools.partial(self.objects_of, p) for p in pids]
        results = self.run_all(tasks + [functools.partial(self.jobs_of, p) for p in pids])
        objects = [o for chunk in results[: len(pids)] for o in chunk]
        jobs = sum(results[len(pids):])
        # The detail (OFFICIAL) has the fields and destination_table_name; loadable objects only.
        need_detail = [i for i, o in enumerate(objects) if "fields" not in o.raw and o.has_data]
        for i, detail in zip(need_detail, self.run_all([functools.partial(self.object_detail, objects[i])
                                                        for i in need_detail]), strict=True):
            if detail is not None:
                objects[i] = parse_object({**objects[i].raw, **detail.raw}, problems, objects[i].pipeline_id) \
                    or objects[i]
        self.ctx.log.info(f"hevo edge: {jobs} jobs in the window from {len(pids)} pipelines")
        return {
            "pipelines": [_stored(p) for p in pipelines],
            "destinations": [_stored(d) for d in destinations],
            "pipeline_objects": [_stored(o, **{PIPELINE_KEY: o.pipeline_id}) for o in objects],
        }

    def edge_destinations(self) -> list[HevoDestination]:
        """Edge `/destinations` is fixture-only (UNCONFIRMED, hevo-api §4): a 404 means "not available",
        counted; the pipelines' embedded `destination{id, name, destination_type}` (OFFICIAL) stands in."""
        try:
            return self.client.destinations(self.problems)
        except NotFoundError:
            self.problems.record("hevo.unresolved.destinations_unavailable",
                                 "Edge /destinations answered 404; using each pipeline's embedded destination "
                                 "(no configuration: hosts only from `mapping`)")
            return []

    def object_detail(self, obj: HevoPipelineObject) -> HevoPipelineObject | None:
        return self.gone(f"object {obj.native_id} of pipeline {obj.pipeline_id}",
                         lambda: self.client.object_detail(obj.pipeline_id, obj.native_id, self.problems), None)

    def jobs_of(self, pipeline_id: str) -> int:
        """Reads the pipeline's job pages and routes each job by its `created_ts`.

        The order of /jobs is not documented, so paging stops early only when the data proves it: at least
        ORDER_PROOF_JOBS jobs seen so far, across pages, all in non-increasing `created_ts` order (a shuffled
        list does that by chance once in 10! ≈ 3.6 million), and a whole page started before the range (a
        nearly sorted list costs a page more, never a job). Any job out of order (or without a start)
        means every page is read."""
        routed = 0
        ordered, previous, seen = True, None, 0
        try:
            for page in self.client.iter_job_pages(pipeline_id, self.problems):
                records: list[tuple[Mapping[str, Any], datetime | None]] = []
                page_before_range = bool(page)
                for job in page:
                    seen += 1
                    if job.created_at is None or (previous is not None and job.created_at > previous):
                        ordered = False
                    previous = job.created_at if job.created_at is not None else previous
                    page_before_range = page_before_range and job.created_at is not None \
                        and job.created_at < self.ctx.start
                    records.append((_stored(job, **{PIPELINE_KEY: pipeline_id}), job.created_at))
                routed += self.events.add_many("jobs", records)
                if ordered and seen >= ORDER_PROOF_JOBS and page_before_range:
                    break
        except NotFoundError:
            self.problems.record("hevo.not_found", f"jobs of pipeline {pipeline_id} answered 404; skipped")
        return routed


def fetch(client: HevoClient, ctx: FetchContext, events: EventRouter) -> dict[str, list[Any]]:
    """The raw records of one range: Edge and Standard differ in what they can ask for."""
    fetcher = _EdgeFetch if client.is_edge else _StandardFetch
    return fetcher(client, ctx, events).run()
