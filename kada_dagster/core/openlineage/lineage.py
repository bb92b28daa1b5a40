"""The partition's lineage per OpenLineage job, read from its K extract tables (no I/O).

Every linkage row belongs to the job that carries the flow: its `via_object_id` (a sync, a pipeline
object, a Hevo model), and the parent job when the vendor reports runs for the parent (a Hevo pipeline);
without a via object, the job the edge flows into (a Hightouch model, whose result is a dataset of its
own). The edge's upstream end is an input of that job, its downstream end an output, and a column edge
is one input field of the output column in the `columnLineage` facet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kada_dagster.core.openlineage.naming import (
    UNKNOWN_SCHEME,
    DatasetName,
    DataSources,
    own_authority,
    properties,
    warehouse_name,
    warehouse_namespace,
)
from kada_dagster.core.openlineage.vendor import OpenLineageVendor

ColumnSources = dict[str, dict[tuple[DatasetName, str], set[str]]]  # output column -> (input, field) -> words


def job_name(object_id: str) -> str:
    """A job's (and an own object dataset's) name: its K object_id without the source prefix, so that K
    and an OpenLineage consumer name the same object the same way (`hightouch:sync:42` -> `sync:42`)."""
    return object_id.partition(":")[2] or object_id


@dataclass
class JobLineage:
    """One job's datasets and the column lineage of each output."""

    object_id: str
    object_type: str
    inputs: dict[DatasetName, None] = field(default_factory=dict)  # ordered sets
    outputs: dict[DatasetName, None] = field(default_factory=dict)
    columns: dict[DatasetName, ColumnSources] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return job_name(self.object_id)


@dataclass
class PartitionLineage:
    """Every job of the partition, the columns each dataset is seen with, and what could not be placed."""

    namespace: str
    jobs: dict[str, JobLineage]
    dataset_columns: dict[DatasetName, set[str]]
    sources: DataSources
    unplaced: Counter[str] = field(default_factory=Counter)

    @property
    def datasets(self) -> set[DatasetName]:
        found: set[DatasetName] = set()
        for job in self.jobs.values():
            found.update(job.inputs, job.outputs)
        return found


class _Resolver:
    """Names a linkage row's endpoint as an OpenLineage dataset."""

    def __init__(self, lineage: PartitionLineage, metadata: Mapping[str, Mapping[str, Any]],
                 vendor: OpenLineageVendor) -> None:
        self.lineage = lineage
        self.metadata = metadata
        self.vendor = vendor

    def endpoint(self, row: Mapping[str, Any], side: str) -> DatasetName:
        host = row.get(f"{side}_host") or ""
        obj = row.get(f"{side}_object") or ""
        namespace = self.lineage.namespace
        if obj in self.metadata:  # one of the instance's own objects
            return DatasetName(namespace, job_name(obj))
        database, schema = row.get(f"{side}_database") or "", row.get(f"{side}_schema") or ""
        source = self.lineage.sources.for_host(host)
        if source is None and row.get(f"{side}_object_type") == "destination_object":
            flow = properties(self.metadata.get(row.get("via_object_id") or ""))
            source = self.lineage.sources.get(self.vendor.destination_of(flow))
        if source is None:
            self.lineage.unplaced["endpoint_platform_unknown"] += 1
            return DatasetName(f"{UNKNOWN_SCHEME}://{host}", ".".join(p for p in (database, schema, obj) if p))
        if source.warehouse and row.get(f"{side}_object_type") != "destination_object":
            return DatasetName(warehouse_namespace(source, host), warehouse_name(source.platform, database, schema, obj))
        authority = own_authority(host, namespace) if host in self.metadata else host
        return DatasetName(f"{source.platform}://{authority}", ".".join(p for p in (database, schema, obj) if p))


def _owners(row: Mapping[str, Any], metadata: Mapping[str, Mapping[str, Any]], vendor: OpenLineageVendor) -> list[str]:
    via = row.get("via_object_id") or ""
    if via in metadata and metadata[via].get("object_type") in vendor.job_types:
        owners = [via]
        parent = metadata[via].get("parent_id") or ""
        if parent in metadata and metadata[parent].get("object_type") in vendor.parent_jobs:
            owners.append(parent)
        return owners
    downstream = row.get("downstream_object") or ""
    if not via and downstream in metadata and metadata[downstream].get("object_type") in vendor.job_types:
        return [downstream]
    return []


def partition_lineage(metadata_rows: Iterable[Mapping[str, Any]], linkage_rows: Iterable[Mapping[str, Any]],
                      vendor: OpenLineageVendor, host: str) -> PartitionLineage:
    """Jobs (one per object of the vendor's job types) with their inputs, outputs and column lineage."""
    metadata = {str(r["object_id"]): r for r in metadata_rows}
    lineage = PartitionLineage(vendor.job_namespace(list(metadata), host),
                               {oid: JobLineage(oid, str(r.get("object_type"))) for oid, r in metadata.items()
                                if r.get("object_type") in vendor.job_types},
                               {}, DataSources(metadata.values()))
    resolver = _Resolver(lineage, metadata, vendor)
    for row in linkage_rows:
        owners = _owners(row, metadata, vendor)
        if not owners:
            lineage.unplaced["edge_without_job"] += 1
            continue
        upstream, downstream = resolver.endpoint(row, "upstream"), resolver.endpoint(row, "downstream")
        column = row.get("linkage_type") == "column"
        if column:
            for end, side in ((upstream, "upstream"), (downstream, "downstream")):
                lineage.dataset_columns.setdefault(end, set()).add(str(row[f"{side}_column"]))
        for owner in owners:
            job = lineage.jobs[owner]
            job.inputs[upstream] = None
            job.outputs[downstream] = None
            if column:
                sources = job.columns.setdefault(downstream, {}).setdefault(str(row["downstream_column"]), {})
                sources.setdefault((upstream, str(row["upstream_column"])), set()).add(row.get("transformation") or "")
    named = lineage.datasets
    for oid, job in lineage.jobs.items():  # a job whose object is itself a dataset (a model's result) writes it
        own = DatasetName(lineage.namespace, job_name(oid))
        if own in named:
            job.outputs[own] = None
    return lineage
