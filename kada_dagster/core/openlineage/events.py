"""One partition's OpenLineage events, built from its K extract tables (no I/O).

- A job event (static lineage, OpenLineage 2-0-x `JobEvent`) per job: a sync, a model, a pipeline or
  pipeline object, a workflow; its inputs and outputs with the `columnLineage` facet (and `schema` where the
  job defines its output's columns); `jobType`, `documentation` and, for models, `sql` (masked as landed).
- Per run in the events table: START at its start and COMPLETE / FAIL / ABORT at its end, or START alone
  while the outcome is not known (RUNNING, QUEUED, UNKNOWN). The run id is a UUIDv5 of the job namespace
  and the run's own event_id, so re-materialising a partition re-sends the same ids.

docs/OPENLINEAGE.md maps every object type, status and transformation word.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from openlineage.client.event_v2 import InputDataset, Job, JobEvent, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    documentation_job,
    error_message_run,
    job_type_job,
    nominal_time_run,
    output_statistics_output_dataset,
    schema_dataset,
    sql_job,
)

from kada_dagster.core.openlineage.lineage import JobLineage, PartitionLineage, job_name, partition_lineage
from kada_dagster.core.openlineage.naming import DatasetName
from kada_dagster.core.openlineage.vendor import OpenLineageVendor

RUN_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:kada_dagster:openlineage:run")
"""Fixed forever: run ids derived under it must not change between releases (consumers deduplicate)."""

# Contract v3 words -> OpenLineage column-lineage transformation (type, subtype). INDIRECT says only that
# the column filters, joins, groups, orders or partitions the rows, not which: no subtype is claimed.
TRANSFORMATIONS: dict[str, tuple[str, str | None]] = {
    "IDENTITY": ("DIRECT", "IDENTITY"),
    "TRANSFORMATION": ("DIRECT", "TRANSFORMATION"),
    "AGGREGATION": ("DIRECT", "AGGREGATION"),
    "INDIRECT": ("INDIRECT", None),
    "": ("DIRECT", None),
}
# Contract event status -> the terminal event; the others (RUNNING, QUEUED, UNKNOWN) get START alone.
TERMINAL: dict[str, RunState] = {
    "SUCCESS": RunState.COMPLETE, "WARNING": RunState.COMPLETE, "FAILED": RunState.FAIL,
    "CANCELLED": RunState.ABORT, "SKIPPED": RunState.ABORT,
}
JOB_EVENT = "JOB"
ERROR_LANGUAGE = "unknown"  # the vendor's error text says nothing of the language it was raised in

Event = JobEvent | RunEvent


def run_id(namespace: str, event_id: str) -> str:
    """The run's OpenLineage id: the same run in the same instance always gets the same UUID."""
    return str(uuid.uuid5(RUN_ID_NAMESPACE, f"{namespace}#{event_id}"))


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Translation:
    """The partition's events in sending order, and what the UI shows about them."""

    events: list[Event]
    counts: Counter[str]
    jobs: int
    datasets: int
    unplaced: Counter[str] = field(default_factory=Counter)


class _Builder:
    """Job, dataset and run objects for one partition; facets shared, event objects fresh per event."""

    def __init__(self, lineage: PartitionLineage, vendor: OpenLineageVendor, metadata: Mapping[str, Mapping[str, Any]],
                 sql: Mapping[str, str], producer: str) -> None:
        self.lineage, self.vendor, self.metadata, self.sql, self.producer = lineage, vendor, metadata, sql, producer

    def job_facets(self, job: JobLineage) -> dict[str, Any]:
        facets: dict[str, Any] = {"jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration=self.vendor.integration, jobType=job.object_type.upper(),
            producer=self.producer)}
        row = self.metadata.get(job.object_id, {})
        text = ": ".join(str(v) for v in (row.get("name"), row.get("description")) if v)
        if text:
            facets["documentation"] = documentation_job.DocumentationJobFacet(description=text, producer=self.producer)
        if job.object_id in self.sql:
            source = self.lineage.sources.for_host(str(row.get("host") or ""))
            facets["sql"] = sql_job.SQLJobFacet(query=self.sql[job.object_id], producer=self.producer,
                                                dialect=source.platform if source and source.warehouse else None)
        return facets

    def job(self, job: JobLineage) -> Job:
        return Job(namespace=self.lineage.namespace, name=job.name, facets=self.job_facets(job))

    def column_lineage(self, sources: Mapping[str, Mapping[tuple[DatasetName, str], set[str]]]) -> Any:
        fields = {}
        for column in sorted(sources):
            inputs = []
            for (dataset, name), words in sorted(sources[column].items()):
                transformations = [column_lineage_dataset.Transformation(type=kind, subtype=subtype)
                                   for kind, subtype in sorted({TRANSFORMATIONS.get(w, ("DIRECT", None)) for w in words},
                                                               key=str)]
                inputs.append(column_lineage_dataset.InputField(namespace=dataset.namespace, name=dataset.name,
                                                                field=name, transformations=transformations))
            fields[column] = column_lineage_dataset.Fields(inputFields=inputs)
        return column_lineage_dataset.ColumnLineageDatasetFacet(fields=fields, producer=self.producer)

    def outputs(self, job: JobLineage, row_count: int | None = None) -> list[OutputDataset]:
        outputs = []
        for dataset in job.outputs:
            facets: dict[str, Any] = {}
            columns = self.lineage.dataset_columns.get(dataset)
            if columns and job.object_type in self.vendor.whole_output_types:
                facets["schema"] = schema_dataset.SchemaDatasetFacet(
                    fields=[schema_dataset.SchemaDatasetFacetFields(name=c) for c in sorted(columns)],
                    producer=self.producer)
            if job.columns.get(dataset):
                facets["columnLineage"] = self.column_lineage(job.columns[dataset])
            statistics: dict[str, Any] = {}
            if row_count is not None and len(job.outputs) == 1:
                statistics["outputStatistics"] = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                    rowCount=row_count, producer=self.producer)
            outputs.append(OutputDataset(namespace=dataset.namespace, name=dataset.name, facets=facets,
                                         outputFacets=statistics))
        return outputs

    @staticmethod
    def inputs(job: JobLineage) -> list[InputDataset]:
        return [InputDataset(namespace=d.namespace, name=d.name) for d in job.inputs]

    def job_event(self, job: JobLineage, event_time: str) -> JobEvent:
        return JobEvent(eventTime=event_time, producer=self.producer, job=self.job(job), inputs=self.inputs(job),
                        outputs=self.outputs(job))

    def run_events(self, row: Mapping[str, Any]) -> list[RunEvent]:
        object_id = str(row["object_id"])
        job = self.lineage.jobs.get(object_id) or JobLineage(
            object_id, str(self.metadata.get(object_id, {}).get("object_type") or job_name(object_id).split(":")[0]))
        started, finished = str(row["started_at"]), row.get("finished_at") or None
        facets: dict[str, Any] = {"nominalTime": nominal_time_run.NominalTimeRunFacet(
            nominalStartTime=started, nominalEndTime=finished, producer=self.producer)}
        identifier = run_id(self.lineage.namespace, str(row["event_id"]))

        def event(state: RunState, when: str, run_facets: dict[str, Any], row_count: int | None = None) -> RunEvent:
            return RunEvent(eventType=state, eventTime=when, producer=self.producer,
                            run=Run(runId=identifier, facets=dict(run_facets)), job=self.job(job),
                            inputs=self.inputs(job), outputs=self.outputs(job, row_count))

        events = [event(RunState.START, started, facets)]
        terminal = TERMINAL.get(str(row.get("status") or ""))
        if terminal is not None:
            if row.get("error_message"):
                facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                    message=str(row["error_message"]), programmingLanguage=ERROR_LANGUAGE, producer=self.producer)
            events.append(event(terminal, str(finished or started), facets, written_rows(row)))
        return events


def written_rows(row: Mapping[str, Any]) -> int | None:
    """Rows the run wrote (added + changed + removed, those the API reports); None when it reports none."""
    counts = [row.get(k) for k in ("rows_added", "rows_changed", "rows_removed")]
    reported = [int(c) for c in counts if c is not None]
    return sum(reported) if reported else None


def translate(tables: Mapping[str, Iterable[Mapping[str, Any]]], vendor: OpenLineageVendor, host: str,
              window_end: datetime, producer: str) -> Translation:
    """The partition's events: job events first (at the window's end), then each run's events."""
    metadata = {str(r["object_id"]): r for r in tables["metadata"]}
    lineage = partition_lineage(metadata.values(), tables["linkages"], vendor, host)
    sql = {str(r["object_id"]): str(r["query_text"]) for r in tables["databaselog"] if r.get("query_text")}
    builder = _Builder(lineage, vendor, metadata, sql, producer)
    events: list[Event] = [builder.job_event(job, iso(window_end))
                           for _, job in sorted(lineage.jobs.items(), key=lambda item: item[1].name)]
    counts: Counter[str] = Counter({JOB_EVENT: len(events)})
    for row in tables["events"]:
        for run_event in builder.run_events(row):
            events.append(run_event)
            counts[run_event.eventType.value if run_event.eventType else "OTHER"] += 1
    return Translation(events, counts, len(lineage.jobs), len(lineage.datasets), lineage.unplaced)
