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
from kada_dagster.core.collector import (
    ClientT,
    Collector,
    EventRouter,
    FetchContext,
    NormaliseContext,
    PartitionWindow,
    RawPartition,
)
from kada_dagster.core.extract.column_lineage import LineageCache
from kada_dagster.core.extract.schema import KINDS
from kada_dagster.core.extract.writer import stage_file_set
from kada_dagster.core.landing import Landing, LandingError, land_file_set
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.settings import CollectorSettings
from kada_dagster.core.storage import IntermediateStore, remove_stale_temps, temp_name
from kada_dagster.core.timeutil import utcnow
from kada_dagster.core.ui import TableSummary


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
    event_collections: tuple[str, ...] = ()

    @property
    def totals(self) -> dict[str, int]:
        """Distinct records the run read: the metadata once (the last day's, which holds every object of the
        earlier days), the runs of every day."""
        last = self.per_partition[max(self.per_partition)] if self.per_partition else {}
        totals: Counter[str] = Counter({c: n for c, n in last.items() if c not in self.event_collections})
        for counts in self.per_partition.values():
            totals.update({c: n for c, n in counts.items() if c in self.event_collections})
        return dict(sorted(totals.items()))

    def summary_line(self, instance: str) -> str:
        totals = self.totals
        objects = ", ".join(f"{n} {c}" for c, n in totals.items() if c not in self.event_collections)
        runs = ", ".join(f"{n} {c}" for c, n in totals.items() if c in self.event_collections)
        return (f"{instance} raw for {len(self.per_partition)} partition(s): objects read once ({objects}); "
                f"runs of every day ({runs}) in {self.requests['requests']} requests, "
                f"{self.requests['retries']} retries, {self.requests['rate_limited_429']} 429s"
                f"{_pacing(self.requests.get('limiter'))}; problems: {self.problems.summary()}")


def _pacing(limiter: Any) -> str:
    """`(paced as sliding)`: the summary says which kind the limiter paced by, so a 429 is explained."""
    pacing = limiter.get("pacing") if isinstance(limiter, dict) else None
    return f" (paced as {pacing})" if pacing else ""


def fetch_raw(collector: Collector[ClientT], client: ClientT, store: IntermediateStore, instance: str,
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
            metadata = collector.fetch(client, FetchContext(settings, windows, problems, log), router)
            per_partition: dict[str, dict[str, int]] = {}
            for window in windows:
                writer = writers[window.key]
                for collection, records in metadata.items():
                    writer.add_many(collection, [r for r in records if _exists_at(collector, collection, r, window.end)])
                for collection in (*collector.metadata_collections, *collector.event_collections):
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
    return RawOutcome(per_partition, requests, router.outside, problems, round(time.monotonic() - started, 3),
                      tuple(collector.event_collections))


def _exists_at(collector: Collector, collection: str, record: Any, window_end: datetime) -> bool:
    created = collector.created_at(collection, record)
    return created is None or created < window_end


# --- layer 2: K extract tables and their checks --------------------------------------------------------
@dataclass
class DayTables:
    """One partition's tables as its own page shows them: their summaries, checks, problems, column lineage."""

    summaries: dict[str, TableSummary]
    contract: dict[str, CheckOutcome]
    endpoints: CheckOutcome
    unmapped: list[dict[str, Any]]
    problems: ProblemLog
    column_lineage: dict[str, Any]

    @property
    def checks(self) -> dict[tuple[str, str], CheckOutcome]:
        """(table kind, check name) → outcome, for every check of the tables step."""
        out = {(kind, "conforms_to_contract"): self.contract[kind] for kind in KINDS}
        out[("linkages", "linkage_endpoints_in_metadata")] = self.endpoints
        out[("linkages", "unmapped_sources")] = unmapped_sources_check(self.unmapped)
        out[("linkages", "model_columns_have_sources")] = model_columns_check({"": self.column_lineage})
        return out


@dataclass
class TablesOutcome:
    """Each partition's tables (`days`), and what the run as a whole logs."""

    days: dict[str, DayTables]
    problems: ProblemLog  # the run's: every day's problems, for the log (a day's own are in `days`)
    lineage_cache: dict[str, int] = field(default_factory=dict)

    def check(self, kind: str, name: str) -> CheckOutcome:
        """A check over the whole run: passed when it passed on every day, with each day's problems."""
        merged = CheckOutcome(True)
        for day, tables in sorted(self.days.items()):
            merged.merge(tables.checks[(kind, name)], day)
        return merged

    def summary_line(self, instance: str) -> str:
        last = self.days[max(self.days)]
        rows = ", ".join(f"{last.summaries[k].rows} {k}" for k in KINDS)
        return (f"{instance} tables for {len(self.days)} partition(s) (last day: {rows}; {len(last.unmapped)} "
                f"unmapped data source(s); {last.problems.summary()})")


def build_tables(collector: Collector, store: IntermediateStore, instance: str, windows: list[PartitionWindow],
                 settings: CollectorSettings, log: logging.Logger) -> TablesOutcome:
    """Normalises each partition's raw data into the four tables, stores them, and checks them, day by day."""
    problems = ProblemLog(log)
    cache = LineageCache(store.base / instance / "lineage_cache")
    days: dict[str, DayTables] = {}
    for window in windows:
        day_problems = ProblemLog(log, parent=problems)
        result = collector.normalise(RawPartition(store, instance, window),
                                  NormaliseContext(settings, window, day_problems, cache))
        for kind in KINDS:
            store.write_table(instance, window.key, kind, result.tables[kind])
        report = result.stats.get("column_lineage", {})
        store.write_json(instance, window.key, "column_lineage", report)
        days[window.key] = DayTables(
            summaries={kind: TableSummary(kind, window.key, result.tables[kind]) for kind in KINDS},
            contract={kind: contract_check(kind, result.tables[kind]) for kind in KINDS},
            endpoints=linkage_endpoints_check(result.tables["linkages"], result.tables["metadata"], settings.host),
            unmapped=result.unmapped_sources, problems=day_problems,
            column_lineage={k: v for k, v in report.items() if k != "unresolved_columns"})
    return TablesOutcome(days, problems, lineage_cache={"hits": cache.hits, "misses": cache.misses})


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
