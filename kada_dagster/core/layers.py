"""The three layers of every collector as plain functions: fetch raw, build tables and checks, land.

The assets only adapt these to Dagster (resources in, metadata out); tests and tools call them directly
with a client, an intermediate store, a landing backend and the partition windows.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from kada_dagster.core.checks import (
    CheckOutcome,
    contract_check,
    linkage_endpoints_check,
    model_columns_check,
    unmapped_sources_check,
)
from kada_dagster.core.extract.column_lineage import LineageCache
from kada_dagster.core.extract.schema import KINDS
from kada_dagster.core.extract.writer import stage_file_set
from kada_dagster.core.landing import Landing, LandingError, land_file_set
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.settings import CollectorSettings
from kada_dagster.core.source import (
    ClientT,
    CollectorSource,
    EventRouter,
    FetchContext,
    NormaliseContext,
    PartitionWindow,
    RawPartition,
)
from kada_dagster.core.storage import IntermediateStore, remove_stale_temps, temp_name
from kada_dagster.core.timeutil import utcnow
from kada_dagster.core.ui import TableSummary, unresolved_counts


def producer() -> dict[str, str]:
    try:
        return {"name": "kada_dagster", "version": version("kada_dagster")}
    except PackageNotFoundError:
        return {"name": "kada_dagster", "version": "0+unknown"}


# --- layer 1: raw API responses ---------------------------------------------------------------------
@dataclass
class RawOutcome:
    """What one fetch read, per partition, and what it cost."""

    per_partition: dict[str, dict[str, int]]
    requests: dict[str, Any]
    outside_window: int
    problems: ProblemLog
    seconds: float

    @property
    def totals(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for counts in self.per_partition.values():
            totals.update(counts)
        return dict(sorted(totals.items()))

    def summary_line(self, instance: str) -> str:
        totals = self.totals
        return (f"{instance} raw for {len(self.per_partition)} partition(s): {sum(totals.values())} records "
                f"({', '.join(f'{n} {c}' for c, n in totals.items())}) in {self.requests['requests']} requests, "
                f"{self.requests['retries']} retries, {self.requests['rate_limited_429']} 429s"
                f"{_pacing(self.requests.get('limiter'))}; {self.problems.total} problem(s) counted")


def _pacing(limiter: Any) -> str:
    """`(paced as sliding)`: the summary says which kind the limiter paced by, so a 429 is explained."""
    pacing = limiter.get("pacing") if isinstance(limiter, dict) else None
    return f" (paced as {pacing})" if pacing else ""


def fetch_raw(source: CollectorSource[ClientT], client: ClientT, store: IntermediateStore, instance: str,
              windows: list[PartitionWindow], settings: CollectorSettings, log: logging.Logger) -> RawOutcome:
    """Reads the metadata once and the runs of the whole range once; writes each partition's raw data
    (objects created after a window's end left out of it) and commits all partitions or none."""
    started = time.monotonic()
    problems = ProblemLog(log)
    try:
        client.test_connection()
        writers = {w.key: store.raw_writer(instance, w.key) for w in windows}
        try:
            router = EventRouter(windows, writers, problems)
            metadata = source.fetch(client, FetchContext(settings, windows, problems, log), router)
            per_partition: dict[str, dict[str, int]] = {}
            for window in windows:
                writer = writers[window.key]
                for collection, records in metadata.items():
                    writer.add_many(collection, [r for r in records if _exists_at(source, collection, r, window.end)])
                for collection in (*source.metadata_collections, *source.event_collections):
                    writer.ensure(collection)
                per_partition[window.key] = dict(writer.counts)
            requests = client.stats.as_dict()
            for window in windows:
                writers[window.key].commit({
                    "partition": window.key, "window_start": window.start.isoformat(),
                    "window_end": window.end.isoformat(), "fetched_at": utcnow().isoformat(),
                    "fetched_range": [windows[0].key, windows[-1].key], "counts": per_partition[window.key],
                    "requests": requests, "problems": problems.as_dict(),
                })
        except BaseException:
            for writer in writers.values():
                writer.abort()
            raise
    finally:
        client.close()
    return RawOutcome(per_partition, requests, router.outside, problems, round(time.monotonic() - started, 3))


def _exists_at(source: CollectorSource, collection: str, record: Any, window_end: datetime) -> bool:
    created = source.created_at(collection, record)
    return created is None or created < window_end


# --- layer 2: K extract tables and their checks --------------------------------------------------------
@dataclass
class TablesOutcome:
    """The tables' UI summaries and the contract checks' outcomes over every partition of the run."""

    summaries: dict[str, TableSummary]
    contract: dict[str, CheckOutcome]
    endpoints: CheckOutcome
    unmapped: list[dict[str, Any]]
    unmapped_check: CheckOutcome
    problems: ProblemLog
    partitions: int = 0
    unresolved: dict[str, int] = field(default_factory=dict)
    column_lineage: dict[str, dict[str, Any]] = field(default_factory=dict)  # per partition
    lineage_cache: dict[str, int] = field(default_factory=dict)

    @property
    def model_columns_check(self) -> CheckOutcome:
        return model_columns_check(self.column_lineage)

    def summary_line(self, instance: str) -> str:
        rows = ", ".join(f"{sum(self.summaries[k].rows_by_partition.values())} {k}" for k in KINDS)
        return (f"{instance} tables for {self.partitions} partition(s): {rows}; {len(self.unmapped)} unmapped "
                f"data source(s); {sum(self.unresolved.values())} value(s) the API did not give (left empty/"
                f"UNKNOWN); {self.problems.total} problem(s) counted")


def build_tables(source: CollectorSource, store: IntermediateStore, instance: str, windows: list[PartitionWindow],
                 settings: CollectorSettings, log: logging.Logger) -> TablesOutcome:
    """Normalises each partition's raw data into the four tables, stores them, and checks them."""
    problems = ProblemLog(log)
    summaries = {k: TableSummary(k) for k in KINDS}
    contract = {k: CheckOutcome(True) for k in KINDS}
    endpoints = CheckOutcome(True)
    unmapped: dict[str, dict[str, Any]] = {}
    cache = LineageCache(store.base / instance / "lineage_cache")
    column_lineage: dict[str, dict[str, Any]] = {}
    for window in windows:
        result = source.normalise(RawPartition(store, instance, window),
                                  NormaliseContext(settings, window, problems, cache))
        report = result.stats.get("column_lineage", {})
        store.write_json(instance, window.key, "column_lineage", report)
        column_lineage[window.key] = {k: v for k, v in report.items() if k != "unresolved_columns"}
        for kind in KINDS:
            table = result.tables[kind]
            store.write_table(instance, window.key, kind, table)
            summaries[kind].add(window.key, table)
            contract[kind].merge(contract_check(kind, table), window.key)
        endpoints.merge(linkage_endpoints_check(result.tables["linkages"], result.tables["metadata"], settings.host),
                        window.key)
        for unmapped_source in result.unmapped_sources:
            unmapped[str(unmapped_source.get("name"))] = unmapped_source
    sources = list(unmapped.values())
    return TablesOutcome(summaries, contract, endpoints, sources, unmapped_sources_check(sources), problems,
                         partitions=len(windows), unresolved=unresolved_counts(problems),
                         column_lineage=column_lineage, lineage_cache={"hits": cache.hits, "misses": cache.misses})


# --- layer 3: the landing file sets ---------------------------------------------------------------------
class ContractBreach(LandingError):
    """A stored table breaks the K extract contract: nothing of the partition is landed."""


@dataclass
class LandingOutcome:
    landed: dict[str, list[dict[str, Any]]]
    rows_by_kind: dict[str, int]
    directory: str


def land_partitions(source_type: str, store: IntermediateStore, landing: Landing, instance: str,
                    windows: list[PartitionWindow], settings: CollectorSettings,
                    log: logging.Logger) -> LandingOutcome:
    """Re-checks each partition's stored tables, then lands its file set (manifest last, all or nothing)."""
    landing.check_access(settings.landing_path)
    # Sets are staged in intermediate storage under temporary names, so what a killed run leaves there is
    # cleaned by the next one (a system temp folder would keep it).
    staging = store.base / instance / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(staging)
    landed: dict[str, list[dict[str, Any]]] = {}
    rows_by_kind: Counter[str] = Counter()
    for window in windows:
        tables = {kind: store.read_table(instance, window.key, kind) for kind in KINDS}
        broken = [f"{kind}: {'; '.join(o.problems)}" for kind in KINDS
                  if not (o := contract_check(kind, tables[kind])).passed]
        endpoints = linkage_endpoints_check(tables["linkages"], tables["metadata"], settings.host)
        if not endpoints.passed:
            broken.append(f"linkages: {'; '.join(endpoints.problems)}")
        if broken:
            raise ContractBreach(f"{instance} partition {window.key} breaks the K extract contract and was not "
                                 f"landed: {broken}")
        with tempfile.TemporaryDirectory(dir=staging, prefix=temp_name("tmp", f"{window.key}-")) as tmp:
            staged = stage_file_set(tables, Path(tmp), instance=instance, source_type=source_type,
                                    window_start=window.start, window_end=window.end, extracted_at=utcnow(),
                                    mask=settings.mask, compress=settings.compress, producer=producer())
            land_file_set(landing, staged, settings.landing_path)
        landed[window.key] = [{"name": f.name, "rows": f.rows, "bytes": f.bytes, "sha256": f.sha256}
                              for f in staged.files] + [{"name": staged.manifest_name}]
        for kind, staged_file in zip(KINDS, staged.files, strict=True):
            rows_by_kind[kind] += staged_file.rows
        log.info(f"landed {len(staged.files) + 1} files for {window.key} in {landing.url_for(settings.landing_path)}")
    return LandingOutcome(landed, dict(rows_by_kind), landing.url_for(settings.landing_path))
