"""The asset graph every collector instance gets: raw → K extract tables (checked) → landing files.

    <instance>/raw                         API responses for the partition(s), redacted, as JSON Lines
    <instance>/{metadata,linkages,events,databaselog}   normalised tables (parquet), with contract checks
    <instance>/landing                     the contract's file set, put in K's landing directory

Daily UTC partitions replace the KADA high water mark; `BackfillPolicy.single_run()` makes a range
backfill one run that reads the metadata once and the runs of the whole range once, and still writes
one file set per day.
"""


import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from kada_dagster.core.alerts import WEBHOOK_ENV, failure_report, send_alert
from kada_dagster.core.checks import (
    CheckOutcome,
    contract_check,
    linkage_endpoints_check,
    unmapped_sources_check,
)
from kada_dagster.core.extract.schema import COLUMN_DESCRIPTIONS, KINDS, SCHEMAS
from kada_dagster.core.extract.writer import stage_file_set
from kada_dagster.core.http import ApiError
from kada_dagster.core.landing import LandingError, land_file_set
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.settings import CollectorSettings, SettingsError, redact_url
from kada_dagster.core.source import (
    CollectorSource,
    EventRouter,
    FetchContext,
    NormaliseContext,
    PartitionWindow,
    RawPartition,
)
from kada_dagster.core.storage import IntermediateStorageError, IntermediateStore
from kada_dagster.core.timeutil import utcnow

STORAGE_KEY = "kada_storage"
UNFINISHED_STATUSES = ("RUNNING", "QUEUED")
UNFINISHED_KEY = "unfinished_runs_by_partition"
"""Events metadata: runs still going when the partition was extracted, per partition (late-runs sensor)."""
LATE_SETTLE_ENV, LATE_GIVE_UP_ENV = "KADA_LATE_RUNS_SETTLE_MINUTES", "KADA_LATE_RUNS_GIVE_UP_DAYS"
LANDING_KEY = "kada_landing"
KNOWN_ERRORS = (SettingsError, ApiError, LandingError, IntermediateStorageError)


def producer() -> dict[str, str]:
    try:
        return {"name": "kada_dagster", "version": version("kada_dagster")}
    except PackageNotFoundError:
        return {"name": "kada_dagster", "version": "0+unknown"}


def daily_partitions(start_date: str) -> dg.DailyPartitionsDefinition:
    """UTC days; the last partition is the last complete day (end_offset=0)."""
    return dg.DailyPartitionsDefinition(start_date=start_date, timezone="UTC")


def partition_windows(context: dg.AssetExecutionContext) -> list[PartitionWindow]:
    partitions_def = context.assets_def.partitions_def
    assert isinstance(partitions_def, dg.TimeWindowPartitionsDefinition)
    windows = []
    for key in context.partition_keys:
        tw = partitions_def.time_window_for_partition_key(key)
        windows.append(PartitionWindow(key, tw.start.astimezone(timezone.utc), tw.end.astimezone(timezone.utc)))
    return sorted(windows, key=lambda w: w.start)


class _FailClearly:
    """Turns our known errors into a dg.Failure whose description is the clear message, no traceback."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is not None and isinstance(exc, KNOWN_ERRORS):
            raise dg.Failure(description=str(exc), allow_retries=isinstance(exc, ApiError)) from None
        return False


def column_schema(kind: str) -> dg.TableSchema:
    """The contract's columns of a K extract table, with their meaning: on the spec, so the UI shows them
    before the first run."""
    return dg.TableSchema(columns=[
        dg.TableColumn(f.name, str(f.type), description=COLUMN_DESCRIPTIONS[kind][f.name]) for f in SCHEMAS[kind]])


def _preview_value(value: Any) -> Any:
    """A cell as the CSV shows it: booleans lower case, long text cut; numbers stay numbers."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str) and len(value) > 120:
        return value[:117] + "..."
    return value


def preview_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dg.MetadataValue:
    """Preview rows as table metadata, which the UI renders inline (markdown is cut off or hidden)."""
    schema = dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in columns])
    records = [dg.TableRecord({c: ("" if (v := _preview_value(r.get(c))) is None else str(v)) for c in columns})
               for r in rows]
    return dg.MetadataValue.table(records=records, schema=schema)


def sampled_rows(table: pa.Table, by: str, limit: int = 10) -> list[dict[str, Any]]:
    """Up to `limit` rows taken round-robin across the values of `by`, so every kind of row shows."""
    if not table.num_rows:
        return []
    groups: dict[Any, list[int]] = {}
    for index, value in enumerate(table.column(by).to_pylist()):
        bucket = groups.setdefault(value, [])
        if len(bucket) < limit:
            bucket.append(index)
    picked: list[int] = []
    while len(picked) < limit and any(groups.values()):
        for value in sorted(groups, key=str):
            if groups[value] and len(picked) < limit:
                picked.append(groups[value].pop(0))
    return table.take(sorted(picked)).to_pylist()


def unresolved_counts(problems: ProblemLog) -> dict[str, int]:
    """What the API did not say and was left empty or UNKNOWN (categories `<vendor>.unresolved.<reason>`)."""
    return {k: v for k, v in sorted(problems.counts.items()) if ".unresolved." in k}


_PREVIEW_COLUMNS = {
    "metadata": ["object_id", "object_type", "name", "host", "database", "schema", "status"],
    "linkages": ["linkage_type", "upstream_object", "upstream_column", "downstream_object", "downstream_column", "mapped"],
    "events": ["event_id", "status", "native_status", "started_at", "duration_seconds", "rows_total"],
    "databaselog": ["log_id", "object_id", "query_type", "query_text"],
}


def _value_counts(table: pa.Table, column: str) -> dict[str, int]:
    if not table.num_rows:
        return {}
    counts = pc.value_counts(table.column(column)).to_pylist()
    return {str(c["values"]): int(c["counts"]) for c in sorted(counts, key=lambda c: str(c["values"]))}


class TableSummary:
    """What the UI shows for one K extract table, accumulated partition by partition.

    Only counts and a small preview are kept, so a year-long range of large event tables does not
    have to sit in memory at once.
    """

    _COUNTED = {"metadata": "object_type", "linkages": "linkage_type", "events": "status", "databaselog": "query_type"}
    _SAMPLED = {"metadata": "object_type", "linkages": "downstream_object_type", "events": "status",
                "databaselog": "query_type"}
    _LABELS = {"metadata": "objects_by_type", "linkages": "edges_by_type", "events": "events_by_status",
               "databaselog": "queries_by_type"}

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.rows_by_partition: dict[str, int] = {}
        self.unfinished_by_partition: dict[str, int] = {}
        self.counts: Counter[str] = Counter()
        self.unmapped_edges = 0
        self.preview: list[dict[str, Any]] = []

    def add(self, partition: str, table: pa.Table) -> None:
        self.rows_by_partition[partition] = table.num_rows
        if self.kind == "events":
            statuses = _value_counts(table, "status")
            self.unfinished_by_partition[partition] = sum(statuses.get(s, 0) for s in UNFINISHED_STATUSES)
        if not table.num_rows:
            return
        self.counts.update(_value_counts(table, self._COUNTED[self.kind]))
        if self.kind == "linkages":
            self.unmapped_edges += int(table.num_rows - pc.sum(pc.cast(table.column("mapped"), pa.int64())).as_py())
        self.preview = sampled_rows(table, self._SAMPLED[self.kind])

    def metadata(self, unmapped: list[dict[str, Any]]) -> dict[str, Any]:
        rows = sum(self.rows_by_partition.values())
        md: dict[str, Any] = {
            "dagster/row_count": dg.MetadataValue.int(rows),
            "rows_by_partition": dg.MetadataValue.json(self.rows_by_partition),
            **({UNFINISHED_KEY: dg.MetadataValue.json(self.unfinished_by_partition)} if self.kind == "events" else {}),
            "preview": preview_table(self.preview, _PREVIEW_COLUMNS[self.kind]),
            self._LABELS[self.kind]: dg.MetadataValue.json(dict(sorted(self.counts.items()))),
            "dagster/column_schema": column_schema(self.kind),
        }
        if self.kind == "linkages":
            md["unmapped_edges"] = dg.MetadataValue.int(self.unmapped_edges)
            names = sorted({f"{u.get('name')} ({u.get('type')}: {u.get('host') or '?'}/{u.get('database') or '?'})"
                            for u in unmapped})
            md["unmapped_sources"] = dg.MetadataValue.md("\n".join(f"- {n}" for n in names) if names else "_none_")
        return md


def _check_result(asset_key: dg.AssetKey, name: str, outcome: CheckOutcome,
                  severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    metadata: dict[str, Any] = {k: v for k, v in outcome.metadata.items() if isinstance(v, (int, float, str))}
    if outcome.problems:
        metadata["problems"] = dg.MetadataValue.md("\n".join(f"- {p}" for p in outcome.problems[:50]))
    return dg.AssetCheckResult(asset_key=asset_key, check_name=name, passed=outcome.passed,
                               severity=severity, metadata=metadata,
                               description=None if outcome.passed else "; ".join(outcome.problems[:3]))


def _failure_text(event: dg.DagsterEvent) -> str:
    """A step failure's own words: a dg.Failure's description, else the error without its class path."""
    data = event.step_failure_data
    if data is None:
        return event.message or ""
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description
    message = data.error.message if data.error else ""
    head, sep, rest = message.partition(": ")
    return rest if sep and "." in head and " " not in head else message


class CollectorAssets:
    """Builds one instance's assets, checks, job and schedule from a CollectorSource."""

    def __init__(self, source: CollectorSource, instance: str, resource_key: str, start_date: str,
                 auto_push: bool = True) -> None:
        self.source = source
        self.instance = instance
        self.resource_key = resource_key
        self.partitions_def = daily_partitions(start_date)
        self.auto_push = auto_push
        self.raw_key = dg.AssetKey([instance, "raw"])
        self.table_keys = {kind: dg.AssetKey([instance, kind]) for kind in KINDS}
        self.landing_key = dg.AssetKey([instance, "landing"])
        self.api_pool = f"{instance}_api"
        self.run_tags = {"kada/instance": instance}

    # --- shared plumbing -------------------------------------------------------------------
    def _settings(self, context: dg.AssetExecutionContext) -> CollectorSettings:
        return getattr(context.resources, self.resource_key).settings()

    def _store(self, context: dg.AssetExecutionContext) -> IntermediateStore:
        return getattr(context.resources, STORAGE_KEY).store()

    def _common(self) -> dict[str, Any]:
        return {
            "partitions_def": self.partitions_def,
            "backfill_policy": dg.BackfillPolicy.single_run(),
            "group_name": self.instance,
            "required_resource_keys": {self.resource_key, STORAGE_KEY},
        }

    # --- layer 1: raw API responses --------------------------------------------------------
    def raw_asset(self) -> dg.AssetsDefinition:
        source = self.source

        @dg.asset(
            key=self.raw_key,
            description=f"Raw {source.display_name} API responses for the partition window(s), credentials "
                        "redacted, stored per partition as JSON Lines in intermediate storage.",
            kinds={source.source_type, "json"},
            # The only step that calls the vendor API: its pool keeps two runs of one instance (the
            # schedule and a backfill) from sharing the API key's rate limit unawares.
            pool=self.api_pool,
            **self._common(),
        )
        def raw(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
            with _FailClearly():
                return self._materialise_raw(context)

        return raw

    def _materialise_raw(self, context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        started = time.monotonic()
        settings = self._settings(context)
        settings.check_credentials()
        windows = partition_windows(context)
        store = self._store(context)
        problems = ProblemLog(context.log)
        client = getattr(context.resources, self.resource_key).get_client(context.log)
        try:
            client.test_connection()
            writers = {w.key: store.raw_writer(self.instance, w.key) for w in windows}
            try:
                router = EventRouter(windows, writers, problems)
                fetch_ctx = FetchContext(settings=settings, windows=windows, problems=problems, log=context.log)
                metadata = self.source.fetch(client, fetch_ctx, router)
                per_partition: dict[str, dict[str, int]] = {}
                for window in windows:
                    writer = writers[window.key]
                    for collection, records in metadata.items():
                        kept = [r for r in records if self._exists_at(collection, r, window.end)]
                        writer.add_many(collection, kept)
                    for collection in (*self.source.metadata_collections, *self.source.event_collections):
                        writer.ensure(collection)
                    per_partition[window.key] = dict(writer.counts)
                stats = client.stats.as_dict()
                for window in windows:
                    writers[window.key].commit({
                        "partition": window.key,
                        "window_start": window.start.isoformat(),
                        "window_end": window.end.isoformat(),
                        "fetched_at": utcnow().isoformat(),
                        "fetched_range": [windows[0].key, windows[-1].key],
                        "counts": per_partition[window.key],
                        "requests": stats,
                        "problems": problems.as_dict(),
                    })
            except BaseException:
                for writer in writers.values():
                    writer.abort()
                raise
        finally:
            client.close()
        totals = Counter[str]()
        for counts in per_partition.values():
            totals.update(counts)
        context.log.info(f"{self.instance} raw for {len(windows)} partition(s): {sum(totals.values())} records "
                         f"({', '.join(f'{n} {c}' for c, n in sorted(totals.items()))}) in {stats['requests']} "
                         f"requests, {stats['retries']} retries, {stats['rate_limited_429']} 429s; "
                         f"{problems.total} problem(s) counted")
        return dg.MaterializeResult(metadata={
            "objects_by_collection": dg.MetadataValue.json(dict(sorted(totals.items()))),
            "by_partition": dg.MetadataValue.json(per_partition),
            "requests": dg.MetadataValue.int(stats["requests"]),
            "retries": dg.MetadataValue.int(stats["retries"]),
            "rate_limited_429": dg.MetadataValue.int(stats["rate_limited_429"]),
            "requests_by_endpoint": dg.MetadataValue.json(stats["by_endpoint"]),
            "runs_outside_window_dropped": dg.MetadataValue.int(router.outside),
            "skipped_or_tolerated": dg.MetadataValue.json(problems.as_dict()),
            "settings": dg.MetadataValue.json(settings.public_summary()),
            "storage": dg.MetadataValue.path(str(store.base / self.instance / "raw")),
            "seconds": dg.MetadataValue.float(round(time.monotonic() - started, 3)),
        })

    def _exists_at(self, collection: str, record: Any, window_end: datetime) -> bool:
        created = self.source.created_at(collection, record)
        return created is None or created < window_end

    # --- layer 2: K extract tables ---------------------------------------------------------
    def tables_asset(self) -> dg.AssetsDefinition:
        source = self.source
        specs = [
            dg.AssetSpec(
                key=key,
                deps=[self.raw_key],
                description=f"K extract `{kind}` table of {source.display_name} (contract section 3), "
                            "one parquet file per partition in intermediate storage.",
                kinds={source.source_type, "parquet"},
                group_name=self.instance,
                metadata={"dagster/column_schema": column_schema(kind)},
            )
            for kind, key in self.table_keys.items()
        ]
        # Checks carry the assets' partitions, so a failed day leaves the other days' results as they were.
        partitioned = {"partitions_def": self.partitions_def}
        check_specs = [
            dg.AssetCheckSpec("conforms_to_contract", asset=key, blocking=True, **partitioned,
                              description="Columns and order, non-null and unique ids, contract enumerations.")
            for key in self.table_keys.values()
        ] + [
            dg.AssetCheckSpec("linkage_endpoints_in_metadata", asset=self.table_keys["linkages"], blocking=True,
                              description="Every linkage endpoint that is one of our objects exists in metadata.",
                              **partitioned),
            dg.AssetCheckSpec("unmapped_sources", asset=self.table_keys["linkages"], blocking=False,
                              description="Data sources without a `mapping` entry that K may not resolve (warning).",
                              **partitioned),
        ]
        common = self._common()
        common.pop("group_name")

        @dg.multi_asset(name=f"{self.instance}_extract_tables", specs=specs, check_specs=check_specs,
                        can_subset=False, **common)
        def extract_tables(context: dg.AssetExecutionContext) -> Iterator[Any]:
            with _FailClearly():
                yield from self._materialise_tables(context)

        return extract_tables

    def _materialise_tables(self, context: dg.AssetExecutionContext) -> Iterator[Any]:
        settings = self._settings(context)
        windows = partition_windows(context)
        store = self._store(context)
        problems = ProblemLog(context.log)
        summaries = {k: TableSummary(k) for k in KINDS}
        outcomes = {k: CheckOutcome(True) for k in KINDS}
        endpoints, unmapped_outcome = CheckOutcome(True), CheckOutcome(True)
        unmapped: dict[str, dict[str, Any]] = {}
        for window in windows:
            raw = RawPartition(store, self.instance, window)
            result = self.source.normalise(raw, NormaliseContext(settings, window, problems))
            for kind in KINDS:
                table = result.tables[kind]
                store.write_table(self.instance, window.key, kind, table)
                summaries[kind].add(window.key, table)
                outcomes[kind].merge(contract_check(kind, table), window.key)
            endpoints.merge(linkage_endpoints_check(result.tables["linkages"], result.tables["metadata"],
                                                    settings.host), window.key)
            for source in result.unmapped_sources:
                unmapped[str(source.get("name"))] = source
        unmapped_outcome = unmapped_sources_check(list(unmapped.values()))
        rows = ", ".join(f"{sum(summaries[k].rows_by_partition.values())} {k}" for k in KINDS)
        unresolved = unresolved_counts(problems)
        context.log.info(f"{self.instance} tables for {len(windows)} partition(s): {rows}; "
                         f"{len(unmapped)} unmapped data source(s); {sum(unresolved.values())} value(s) the API "
                         f"did not give (left empty/UNKNOWN); {problems.total} problem(s) counted")
        if problems.total:
            context.log.warning(f"normalisation tolerated {problems.total} problems: {dict(problems.counts)}")
        for kind, key in self.table_keys.items():
            md = summaries[kind].metadata(list(unmapped.values()))
            if kind == "metadata":
                md["skipped_or_tolerated"] = dg.MetadataValue.json(problems.as_dict())
                md["unresolved"] = dg.MetadataValue.json(unresolved)
            md["storage"] = dg.MetadataValue.path(str(store.base / self.instance / "tables"))
            yield dg.MaterializeResult(asset_key=key, metadata=md)
        for kind, key in self.table_keys.items():
            yield _check_result(key, "conforms_to_contract", outcomes[kind])
        yield _check_result(self.table_keys["linkages"], "linkage_endpoints_in_metadata", endpoints)
        yield _check_result(self.table_keys["linkages"], "unmapped_sources", unmapped_outcome,
                            dg.AssetCheckSeverity.WARN)

    # --- layer 3: landing files ------------------------------------------------------------
    def landing_asset(self) -> dg.AssetsDefinition:
        common = self._common()
        common["required_resource_keys"] = {self.resource_key, STORAGE_KEY, LANDING_KEY}

        @dg.asset(
            key=self.landing_key,
            deps=list(self.table_keys.values()),
            description=f"The K extract file set of {self.source.display_name} per partition (CSV, gzip when "
                        "`compress`, manifest last) in K's landing directory (KADA_LANDING_URL).",
            kinds={self.source.source_type, "csv"},
            **common,
        )
        def landing(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
            with _FailClearly():
                return self._materialise_landing(context)

        return landing

    def _materialise_landing(self, context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        settings = self._settings(context)
        windows = partition_windows(context)
        store = self._store(context)
        landing = getattr(context.resources, LANDING_KEY).get_landing(settings.landing_url)
        landing.check_access(settings.landing_path)
        landed: dict[str, list[dict[str, Any]]] = {}
        rows_by_kind: Counter[str] = Counter()
        for window in windows:
            tables = {kind: store.read_table(self.instance, window.key, kind) for kind in KINDS}
            broken = [f"{kind}: {'; '.join(o.problems)}" for kind in KINDS
                      if not (o := contract_check(kind, tables[kind])).passed]
            endpoints = linkage_endpoints_check(tables["linkages"], tables["metadata"], settings.host)
            if not endpoints.passed:
                broken.append(f"linkages: {'; '.join(endpoints.problems)}")
            if broken:
                raise dg.Failure(description=f"{self.instance} partition {window.key} breaks the K extract "
                                             f"contract and was not landed: {broken}")
            with tempfile.TemporaryDirectory(prefix=f"kada-{self.instance}-{window.key}-") as tmp:
                staged = stage_file_set(
                    tables, Path(tmp), instance=self.instance, source_type=self.source.source_type,
                    window_start=window.start, window_end=window.end, extracted_at=utcnow(),
                    mask=settings.mask, compress=settings.compress, producer=producer(),
                )
                land_file_set(landing, staged, settings.landing_path)
            landed[window.key] = [
                {"name": f.name, "rows": f.rows, "bytes": f.bytes, "sha256": f.sha256} for f in staged.files
            ] + [{"name": staged.manifest_name}]
            for kind, f in zip(KINDS, staged.files, strict=True):
                rows_by_kind[kind] += f.rows
            context.log.info(f"landed {len(staged.files) + 1} files for {window.key} in "
                             f"{landing.url_for(settings.landing_path)}")
        last = windows[-1].key
        return dg.MaterializeResult(metadata={
            "landing_directory": dg.MetadataValue.text(redact_url(landing.url_for(settings.landing_path))),
            "dagster/uri": dg.MetadataValue.text(redact_url(landing.url_for(settings.landing_path))),
            "files": preview_table(landed[last][:-1], ["name", "rows", "bytes", "sha256"]),
            "manifest": dg.MetadataValue.text(landed[last][-1]["name"]),
            "file_sets": dg.MetadataValue.int(len(windows)),
            "rows_by_kind": dg.MetadataValue.json(dict(rows_by_kind)),
            "files_by_partition": dg.MetadataValue.json({k: [f["name"] for f in v] for k, v in landed.items()}),
        })

    # --- sensors -------------------------------------------------------------------------------
    def landing_catchup_sensor(self) -> dg.SensorDefinition:
        """Pushes partitions whose checked tables are newer than their landed files.

        A landing step can fail after the tables were built (the store was down, a SAS token had
        expired); this sensor retries the push once per new table materialisation (the run key), and
        never while a run of this instance is in progress.
        """
        tables_key, landing_key, instance = self.table_keys["metadata"], self.landing_key, self.instance
        watched = {self.raw_key, landing_key, *self.table_keys.values()}

        @dg.sensor(name=f"{instance}_landing_catchup_sensor", target=dg.AssetSelection.assets(landing_key),
                   minimum_interval_seconds=600, default_status=dg.DefaultSensorStatus.STOPPED,
                   description=f"Re-push {instance} partitions whose extract is newer than what was landed.")
        def landing_catchup(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
            active = context.instance.get_runs(filters=dg.RunsFilter(statuses=[
                dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED]))
            if any(run.asset_selection and watched & set(run.asset_selection) for run in active):
                return dg.SkipReason(f"a {instance} run is in progress")
            built = context.instance.get_latest_storage_id_by_partition(
                tables_key, dg.DagsterEventType.ASSET_MATERIALIZATION)
            landed = context.instance.get_latest_storage_id_by_partition(
                landing_key, dg.DagsterEventType.ASSET_MATERIALIZATION)
            pending = sorted((p, sid) for p, sid in built.items() if landed.get(p, -1) < sid)
            if not pending:
                return dg.SkipReason("every built partition is landed")
            return dg.SensorResult(run_requests=[
                dg.RunRequest(partition_key=p, asset_selection=[landing_key], run_key=f"{instance}:{p}:{sid}")
                for p, sid in pending[-10:]
            ])

        return landing_catchup

    def late_runs_sensor(self, target: dg.AssetSelection) -> dg.SensorDefinition:
        """Re-extracts a partition whose events were captured while runs were RUNNING or QUEUED, once those
        runs can have finished, so K gets their final status.

        Cheap and bounded: each tick reads at most 100 new events materialisations from the instance (the
        cursor remembers where it stopped and which partitions wait), never the vendor API. A partition is
        re-run after `KADA_LATE_RUNS_SETTLE_MINUTES` (default 180) and given up once its window ended more
        than `KADA_LATE_RUNS_GIVE_UP_DAYS` (default 3) ago: a run still going by then is a stuck run.
        """
        events_key, instance, partitions_def = self.table_keys["events"], self.instance, self.partitions_def

        @dg.sensor(name=f"{instance}_late_runs_sensor", target=target, minimum_interval_seconds=900,
                   default_status=dg.DefaultSensorStatus.RUNNING,
                   description=f"Re-extract {instance} partitions whose runs were still going, once they can "
                               "have finished.")
        def late_runs(context: dg.SensorEvaluationContext) -> dg.SensorResult:
            state = json.loads(context.cursor) if context.cursor else {"after": None, "waiting": {}}
            waiting: dict[str, list[float]] = state["waiting"]  # partition -> [captured at, storage id]
            records = context.instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=events_key, after_storage_id=state["after"]), limit=100,
                ascending=True).records
            for record in records:
                partition = record.partition_key
                materialization = record.asset_materialization
                if partition is None or materialization is None:
                    continue
                unfinished = materialization.metadata.get(UNFINISHED_KEY)
                counts = unfinished.value if isinstance(unfinished, dg.JsonMetadataValue) else {}
                if isinstance(counts, dict) and counts.get(partition):
                    waiting[partition] = [record.timestamp, record.storage_id]
                else:
                    waiting.pop(partition, None)
                state["after"] = record.storage_id
            now = time.time()
            settle = float(os.environ.get(LATE_SETTLE_ENV, "180")) * 60
            give_up = float(os.environ.get(LATE_GIVE_UP_ENV, "3")) * 86400
            requests = []
            for partition, (captured, storage_id) in sorted(waiting.items()):
                window_end = partitions_def.time_window_for_partition_key(partition).end.timestamp()
                if now - window_end > give_up:
                    context.log.warning(f"{instance} {partition}: runs still unfinished {give_up / 86400:g} days "
                                        "after the window; given up (they stay RUNNING/QUEUED in K)")
                    waiting.pop(partition)
                elif now - captured >= settle:
                    requests.append(dg.RunRequest(partition_key=partition,
                                                  run_key=f"{instance}:late:{partition}:{int(storage_id)}",
                                                  tags={"kada/instance": instance, "kada/reason": "late_runs"}))
                    waiting.pop(partition)
            return dg.SensorResult(run_requests=requests, cursor=json.dumps(state, sort_keys=True))

        return late_runs

    def run_failure_sensor(self, op_names: set[str]) -> dg.SensorDefinition:
        """Reports every failed run that touched this instance's assets (the daily job, backfills and
        manual materialisations alike): one structured log line, and the webhook when one is set."""
        instance, keys = self.instance, {self.raw_key, self.landing_key, *self.table_keys.values()}

        def touches(context: dg.RunFailureSensorContext, steps: list[str]) -> bool:
            run = context.dagster_run
            if run.tags.get("kada/instance") == instance or (run.asset_selection and keys & run.asset_selection):
                return True
            if op_names & set(steps):
                return True
            plan = (context.instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
                    if run.execution_plan_snapshot_id else None)
            return plan is not None and any(step.key in op_names for step in plan.steps)

        @dg.run_failure_sensor(name=f"{instance}_run_failure_sensor", default_status=dg.DefaultSensorStatus.RUNNING,
                               description=f"Report failed {instance} runs (log line; {WEBHOOK_ENV} when set).")
        def on_failure(context: dg.RunFailureSensorContext) -> None:
            run = context.dagster_run
            failures = context.get_step_failure_events()
            steps = [e.step_key for e in failures if e.step_key]
            if not touches(context, steps):
                return
            errors = [_failure_text(e) for e in failures]
            report = failure_report(instance, run.run_id, run.job_name, run.tags, steps, errors,
                                    context.failure_event.message)
            send_alert(report, context.log)

        return on_failure

    # --- definitions -------------------------------------------------------------------------
    def definitions(self, resources: dict[str, Any], schedule_hour: int = 1,
                    extra: "Callable[[CollectorAssets], dg.Definitions] | None" = None) -> dg.Definitions:
        assets = [self.raw_asset(), self.tables_asset(), self.landing_asset()]
        selection = dg.AssetSelection.groups(self.instance)
        if not self.auto_push:
            selection = selection - dg.AssetSelection.assets(self.landing_key)
        job = dg.define_asset_job(f"{self.instance}_daily", selection=selection, partitions_def=self.partitions_def,
                                  tags=self.run_tags,
                                  description=f"Extract {self.source.display_name} for one day"
                                              + (" and push it to K." if self.auto_push else
                                                 " (push to K is manual: materialise landing from the UI)."))
        schedule = dg.build_schedule_from_partitioned_job(
            job, name=f"{self.instance}_daily_schedule", hour_of_day=schedule_hour, minute_of_hour=15,
            description=f"Each day after 01:15 UTC, extract the previous UTC day of {self.source.display_name}.",
        )
        op_names = {a.node_def.name for a in assets}
        sensors = [self.run_failure_sensor(op_names), self.late_runs_sensor(selection),
                   *([self.landing_catchup_sensor()] if self.auto_push else [])]
        defs = dg.Definitions(assets=assets, jobs=[job], schedules=[schedule], sensors=sensors, resources=resources)
        return dg.Definitions.merge(defs, extra(self)) if extra else defs
