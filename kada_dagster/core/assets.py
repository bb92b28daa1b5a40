"""The asset graph every collector instance gets: raw → K extract tables (checked) → landing files.

    <instance>/raw                         API responses for the partition(s), redacted, as JSON Lines
    <instance>/{metadata,linkages,events,databaselog}   normalised tables (parquet), with contract checks
    <instance>/landing                     the contract's file set, put in K's landing directory

Daily UTC partitions replace the KADA high water mark; `BackfillPolicy.single_run()` makes a range
backfill one run that reads the metadata once and the runs of the whole range once, and still writes
one file set per day. This module only declares: the work is in `core.layers`, the sensors in
`core.sensors`, what the UI shows in `core.ui`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import timezone
from typing import Any

import dagster as dg

from kada_dagster.core.freshness import freshness_definitions
from kada_dagster.core.http import ApiError
from kada_dagster.core.landing import LandingError
from kada_dagster.core.layers import build_tables, fetch_raw, land_partitions
from kada_dagster.core.resources import IntermediateStorageResource, LandingResource, VendorResource
from kada_dagster.core.sensors import (
    InstanceKeys,
    landing_catchup_sensor,
    late_runs_sensor,
    run_failure_sensor,
)
from kada_dagster.core.settings import SettingsError, redact_url
from kada_dagster.core.source import CollectorSource, PartitionWindow
from kada_dagster.core.storage import IntermediateStorageError
from kada_dagster.core.ui import check_result, column_lineage_metadata, column_schema, preview_table

STORAGE_KEY = "kada_storage"
LANDING_KEY = "kada_landing"
KNOWN_ERRORS = (SettingsError, ApiError, LandingError, IntermediateStorageError)


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

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None and isinstance(exc, KNOWN_ERRORS):
            raise dg.Failure(description=str(exc), allow_retries=isinstance(exc, ApiError)) from None


def with_resource_params(fn: Callable[..., Any], resources: dict[str, type]) -> Callable[..., Any]:
    """Declares `fn`'s resources as typed parameters named by their keys.

    Dagster injects resources by parameter name, and an instance's vendor resource is keyed by the
    instance's name (`hightouch`, `hightouch_emea`, ...), so the signature is written per instance: the
    body takes them as keyword arguments.
    """
    context = next(iter(inspect.signature(fn).parameters.values())).replace(annotation=dg.AssetExecutionContext)
    params = [context] + [inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, annotation=kind)
                          for key, kind in resources.items()]
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return fn


class CollectorAssets:
    """One instance's assets, checks, job, schedule and sensors, declared from a CollectorSource."""

    def __init__(self, source: CollectorSource, instance: str, resource_key: str, start_date: str,
                 auto_push: bool = True, vendor_type: type[VendorResource] = VendorResource) -> None:
        self.source = source
        self.vendor_type = vendor_type
        self.instance = instance
        self.resource_key = resource_key
        self.partitions_def = daily_partitions(start_date)
        self.auto_push = auto_push
        self.keys = InstanceKeys(instance, dg.AssetKey([instance, "raw"]),
                                 {kind: dg.AssetKey([instance, kind]) for kind in ("metadata", "linkages", "events",
                                                                                    "databaselog")},
                                 dg.AssetKey([instance, "landing"]))
        self.api_pool = f"{instance}_api"
        self.run_tags = {"kada/instance": instance}

    @property
    def raw_key(self) -> dg.AssetKey:
        return self.keys.raw

    @property
    def table_keys(self) -> dict[str, dg.AssetKey]:
        return self.keys.tables

    @property
    def landing_key(self) -> dg.AssetKey:
        return self.keys.landing

    def _common(self) -> dict[str, Any]:
        return {"partitions_def": self.partitions_def, "backfill_policy": dg.BackfillPolicy.single_run()}

    # --- layer 1 ------------------------------------------------------------------------------
    def raw_asset(self) -> dg.AssetsDefinition:
        source, instance, vendor_key = self.source, self.instance, self.resource_key

        def raw(context: dg.AssetExecutionContext, **resources: Any) -> dg.MaterializeResult:
            vendor: VendorResource = resources[vendor_key]
            storage: IntermediateStorageResource = resources[STORAGE_KEY]
            with _FailClearly():
                settings = vendor.settings()
                settings.check_credentials()
                store = storage.store()
                outcome = fetch_raw(source, vendor.get_client(context.log, settings), store, instance,
                                    partition_windows(context), settings, context.log)
            context.log.info(outcome.summary_line(instance))
            stats = outcome.requests
            return dg.MaterializeResult(metadata={
                "objects_by_collection": dg.MetadataValue.json(outcome.totals),
                "by_partition": dg.MetadataValue.json(outcome.per_partition),
                "requests": dg.MetadataValue.int(stats["requests"]),
                "retries": dg.MetadataValue.int(stats["retries"]),
                "rate_limited_429": dg.MetadataValue.int(stats["rate_limited_429"]),
                # how the limiter paced the run: the adaptive default's one deliberate 429 shows here
                "limiter": dg.MetadataValue.json(stats.get("limiter", {})),
                "requests_by_endpoint": dg.MetadataValue.json(stats["by_endpoint"]),
                "runs_outside_window_dropped": dg.MetadataValue.int(outcome.outside_window),
                "skipped_or_tolerated": dg.MetadataValue.json(outcome.problems.as_dict()),
                "settings": dg.MetadataValue.json(settings.public_summary()),
                "storage": dg.MetadataValue.path(str(store.base / instance / "raw")),
                "seconds": dg.MetadataValue.float(outcome.seconds),
            })

        return dg.asset(
            key=self.raw_key, group_name=instance, kinds={source.source_type, "json"},
            description=f"Raw {source.display_name} API responses for the partition window(s), credentials "
                        "redacted, stored per partition as JSON Lines in intermediate storage.",
            # The only step that calls the vendor API: its pool keeps two runs of one instance (the
            # schedule and a backfill) from sharing the API key's rate limit unawares.
            pool=self.api_pool, **self._common(),
        )(with_resource_params(raw, {vendor_key: self.vendor_type, STORAGE_KEY: IntermediateStorageResource}))

    # --- layer 2 ------------------------------------------------------------------------------
    def _table_specs(self) -> tuple[list[dg.AssetSpec], list[dg.AssetCheckSpec]]:
        specs = [
            dg.AssetSpec(key=key, deps=[self.raw_key], group_name=self.instance,
                         description=f"K extract `{kind}` table of {self.source.display_name} (contract section 3), "
                                     "one parquet file per partition in intermediate storage.",
                         kinds={self.source.source_type, "parquet"},
                         metadata={"dagster/column_schema": column_schema(kind)})
            for kind, key in self.table_keys.items()
        ]
        # Checks carry the assets' partitions, so a failed day leaves the other days' results as they were.
        partitions, linkages = self.partitions_def, self.table_keys["linkages"]
        checks = [
            dg.AssetCheckSpec("conforms_to_contract", asset=key, blocking=True, partitions_def=partitions,
                              description="Columns and order, non-null and unique ids, contract enumerations.")
            for key in self.table_keys.values()
        ] + [
            dg.AssetCheckSpec("linkage_endpoints_in_metadata", asset=linkages, blocking=True, partitions_def=partitions,
                              description="Every linkage endpoint that is one of our objects exists in metadata."),
            dg.AssetCheckSpec("unmapped_sources", asset=linkages, blocking=False, partitions_def=partitions,
                              description="Data sources without a `mapping` entry that K may not resolve (warning)."),
            dg.AssetCheckSpec("model_columns_have_sources", asset=linkages, blocking=False, partitions_def=partitions,
                              description="Model columns a sync maps (or a Hevo model's table stores) that have no "
                                          "warehouse source column: a literal, or SQL that could not be traced, "
                                          "with its reason (warning)."),
        ]
        return specs, checks

    def tables_asset(self) -> dg.AssetsDefinition:
        source, instance, vendor_key = self.source, self.instance, self.resource_key
        table_keys = self.table_keys
        specs, checks = self._table_specs()

        def extract_tables(context: dg.AssetExecutionContext, **resources: Any) -> Iterator[Any]:
            vendor: VendorResource = resources[vendor_key]
            storage: IntermediateStorageResource = resources[STORAGE_KEY]
            with _FailClearly():
                settings, store = vendor.settings(), storage.store()
                outcome = build_tables(source, store, instance, partition_windows(context), settings, context.log)
            context.log.info(outcome.summary_line(instance))
            if outcome.problems.total:
                context.log.warning(f"normalisation tolerated {outcome.problems.total} problems: "
                                    f"{dict(outcome.problems.counts)}")
            for kind, key in table_keys.items():
                md = outcome.summaries[kind].metadata(outcome.unmapped)
                if kind == "metadata":
                    md["skipped_or_tolerated"] = dg.MetadataValue.json(outcome.problems.as_dict())
                    md["unresolved"] = dg.MetadataValue.json(outcome.unresolved)
                if kind == "linkages":
                    md.update(column_lineage_metadata(outcome.column_lineage, outcome.lineage_cache))
                md["storage"] = dg.MetadataValue.path(str(store.base / instance / "tables"))
                yield dg.MaterializeResult(asset_key=key, metadata=md)
            for kind, key in table_keys.items():
                yield check_result(key, "conforms_to_contract", outcome.contract[kind])
            yield check_result(table_keys["linkages"], "linkage_endpoints_in_metadata", outcome.endpoints)
            yield check_result(table_keys["linkages"], "unmapped_sources", outcome.unmapped_check,
                               dg.AssetCheckSeverity.WARN)
            yield check_result(table_keys["linkages"], "model_columns_have_sources", outcome.model_columns_check,
                               dg.AssetCheckSeverity.WARN)

        return dg.multi_asset(name=f"{instance}_extract_tables", specs=specs, check_specs=checks, can_subset=False,
                              **self._common())(
            with_resource_params(extract_tables, {vendor_key: self.vendor_type,
                                                  STORAGE_KEY: IntermediateStorageResource}))

    # --- layer 3 ------------------------------------------------------------------------------
    def landing_asset(self) -> dg.AssetsDefinition:
        source, instance, vendor_key = self.source, self.instance, self.resource_key

        def landing(context: dg.AssetExecutionContext, **resources: Any) -> dg.MaterializeResult:
            vendor: VendorResource = resources[vendor_key]
            storage: IntermediateStorageResource = resources[STORAGE_KEY]
            landing_resource: LandingResource = resources[LANDING_KEY]
            with _FailClearly():
                settings = vendor.settings()
                outcome = land_partitions(source.source_type, storage.store(),
                                          landing_resource.get_landing(settings.landing_url), instance,
                                          partition_windows(context), settings, context.log)
            last = max(outcome.landed)
            directory = redact_url(outcome.directory)
            return dg.MaterializeResult(metadata={
                "landing_directory": dg.MetadataValue.text(directory),
                "dagster/uri": dg.MetadataValue.text(directory),
                "files": preview_table(outcome.landed[last][:-1], ["name", "rows", "bytes", "sha256"]),
                "manifest": dg.MetadataValue.text(outcome.landed[last][-1]["name"]),
                "file_sets": dg.MetadataValue.int(len(outcome.landed)),
                "rows_by_kind": dg.MetadataValue.json(outcome.rows_by_kind),
                "files_by_partition": dg.MetadataValue.json(
                    {k: [f["name"] for f in v] for k, v in outcome.landed.items()}),
            })

        return dg.asset(
            key=self.landing_key, deps=list(self.table_keys.values()), group_name=instance,
            description=f"The K extract file set of {source.display_name} per partition (CSV, gzip when "
                        "`compress`, manifest last) in K's landing directory (KADA_LANDING_URL).",
            kinds={source.source_type, "csv"}, **self._common(),
        )(with_resource_params(landing, {vendor_key: self.vendor_type, STORAGE_KEY: IntermediateStorageResource,
                                         LANDING_KEY: LandingResource}))

    # --- definitions -------------------------------------------------------------------------
    def definitions(self, resources: dict[str, Any], schedule_hour: int = 1) -> dg.Definitions:
        assets = [self.raw_asset(), self.tables_asset(), self.landing_asset()]
        selection: dg.AssetSelection = dg.AssetSelection.groups(self.instance)
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
        sensors = [run_failure_sensor(self.keys, op_names), late_runs_sensor(self.keys, self.partitions_def, selection)]
        if self.auto_push:
            sensors.append(landing_catchup_sensor(self.keys))
        return dg.Definitions.merge(
            dg.Definitions(assets=assets, jobs=[job], schedules=[schedule], sensors=sensors, resources=resources),
            freshness_definitions(self.instance, self.landing_key, self.partitions_def))
