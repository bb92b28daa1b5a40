"""The asset graph every collector instance gets: raw → K extract tables (checked) → landing files.

    <instance>/raw                         API responses for the partition(s), redacted, as JSON Lines
    <instance>/{metadata,linkages,events,databaselog}   normalised tables (parquet), with contract checks
    <instance>/landing                     the contract's file set, put in K's landing directory
    <instance>/openlineage                 the same lineage and runs as OpenLineage events (only when the
                                           OpenLineage client is configured: core.openlineage.config)

Daily UTC partitions replace the KADA high water mark; `BackfillPolicy.single_run()` makes a range
backfill one run that reads the metadata once and the runs of the whole range once, and still writes
one file set per day. This module only declares: the work is in `core.layers`, the sensors in
`core.sensors`, what the UI shows in `core.ui`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import timezone
from typing import Any

import dagster as dg

from kada_dagster.core.api_errors import ApiError
from kada_dagster.core.collector import Collector, PartitionWindow
from kada_dagster.core.freshness import freshness_check
from kada_dagster.core.landing import LandingError, LandingResource
from kada_dagster.core.layers import build_tables, fetch_raw, land_partitions
from kada_dagster.core.openlineage.config import configured_setting
from kada_dagster.core.openlineage.emitter import OpenLineageError, send_partitions
from kada_dagster.core.pages import materialisations, tables_events, tag_run
from kada_dagster.core.resources import IntermediateStorageResource, VendorResource
from kada_dagster.core.sensors import AUTO_PUSH_META, INSTANCE_META, InstanceKeys
from kada_dagster.core.settings import SettingsError, redact_url
from kada_dagster.core.storage import IntermediateStorageError, IntermediateStore
from kada_dagster.core.ui import (
    column_schema,
    landing_day_metadata,
    openlineage_day_metadata,
    raw_day_metadata,
)

STORAGE_KEY = "kada_storage"
LANDING_KEY = "kada_landing"
KNOWN_ERRORS = (SettingsError, ApiError, LandingError, IntermediateStorageError, OpenLineageError)


@functools.cache
def daily_partitions(start_date: str) -> dg.DailyPartitionsDefinition:
    """UTC days; the last partition is the last complete day (end_offset=0). One object per start date,
    shared by the instances that start that day (it is immutable)."""
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


class CollectorAssets:
    """One instance's assets, checks, job, schedule and sensors, declared from a Collector."""

    def __init__(self, collector: Collector, instance: str, resource: VendorResource, start_date: str,
                 auto_push: bool = True) -> None:
        self.collector = collector
        self.instance = instance
        # The instance's API resource is bound to its own assets (key = the instance's name), so the code
        # location's shared resources stay two however many instances it holds.
        self.resource = resource
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

    @property
    def openlineage_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.instance, "openlineage"])

    def _common(self, *shared: str) -> dict[str, Any]:
        """What every asset of the instance declares: its partitions, single-run backfills, and its resources
        (its own API resource bound here, the deployment's storage and landing by key)."""
        return {"partitions_def": self.partitions_def, "backfill_policy": dg.BackfillPolicy.single_run(),
                "resource_defs": {self.instance: self.resource},
                "required_resource_keys": {self.instance, STORAGE_KEY, *shared}}

    def _start(self, context: dg.AssetExecutionContext) -> tuple[VendorResource, IntermediateStore,
                                                                 list[PartitionWindow]]:
        """A step's resources and days; the run is tagged with the instance and the days."""
        windows = partition_windows(context)
        tag_run(context, self.instance, windows)
        storage: IntermediateStorageResource = getattr(context.resources, STORAGE_KEY)
        with _FailClearly():
            return getattr(context.resources, self.instance), storage.store(), windows

    # --- layer 1 ------------------------------------------------------------------------------
    def raw_asset(self) -> dg.AssetsDefinition:
        collector, instance = self.collector, self.instance

        def raw(context) -> Iterator[Any]:
            vendor, store, windows = self._start(context)
            with _FailClearly():
                settings = vendor.settings()
                settings.check_credentials()
                outcome = fetch_raw(collector, vendor.get_client(context.log, settings), store, instance, windows,
                                    settings, context.log)
            context.log.info(outcome.summary_line(instance))
            yield from materialisations(self.raw_key, windows, raw_day_metadata(outcome, windows, settings, store,
                                                                                  instance),
                                        range_extra={"objects_read": dg.MetadataValue.json(outcome.totals)})

        return dg.asset(
            key=self.raw_key, group_name=instance, kinds={collector.source_type, "json"},
            description=f"Raw {collector.display_name} API responses for the partition window(s), credentials "
                        "redacted, stored per partition as JSON Lines in intermediate storage.",
            # The only step that calls the vendor API: its pool keeps two runs of one instance (the
            # schedule and a backfill) from sharing the API key's rate limit unawares.
            pool=self.api_pool, metadata={INSTANCE_META: instance, AUTO_PUSH_META: self.auto_push},
            **self._common(),
        )(raw)

    # --- layer 2 ------------------------------------------------------------------------------
    def _table_specs(self) -> tuple[list[dg.AssetSpec], list[dg.AssetCheckSpec]]:
        specs = [
            dg.AssetSpec(key=key, deps=[self.raw_key], group_name=self.instance,
                         description=f"K extract `{kind}` table of {self.collector.display_name} (contract section 3), "
                                     "one parquet file per partition in intermediate storage.",
                         kinds={self.collector.source_type, "parquet"},
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
        collector, instance, table_keys = self.collector, self.instance, self.table_keys
        specs, checks = self._table_specs()

        def extract_tables(context) -> Iterator[Any]:
            vendor, store, windows = self._start(context)
            with _FailClearly():
                outcome = build_tables(collector, store, instance, windows, vendor.settings(), context.log)
            context.log.info(outcome.summary_line(instance))
            yield from tables_events(table_keys, windows, outcome, store, instance)

        return dg.multi_asset(name=f"{instance}__tables", specs=specs, check_specs=checks, can_subset=False,
                              **self._common())(extract_tables)

    # --- layer 3 ------------------------------------------------------------------------------
    def landing_asset(self) -> dg.AssetsDefinition:
        collector, instance = self.collector, self.instance

        def landing(context) -> Iterator[Any]:
            vendor, store, windows = self._start(context)
            landing_resource: LandingResource = getattr(context.resources, LANDING_KEY)
            with _FailClearly():
                settings = vendor.settings()
                outcome = land_partitions(collector.source_type, store, landing_resource.get_landing(settings.landing_url),
                                          instance, windows, settings, context.log)
            directory = redact_url(outcome.directory)
            yield from materialisations(self.landing_key, windows, landing_day_metadata(outcome, directory),
                                        range_extra={"landing_directory": dg.MetadataValue.text(directory),
                                                     "file_sets": dg.MetadataValue.int(len(outcome.landed))})

        return dg.asset(
            key=self.landing_key, deps=list(self.table_keys.values()), group_name=instance,
            description=f"The K extract file set of {collector.display_name} per partition (CSV, gzip when "
                        "`compress`, manifest last) in K's landing directory (KADA_LANDING_URL).",
            kinds={collector.source_type, "csv"}, **self._common(LANDING_KEY),
        )(landing)

    # --- optional: OpenLineage ----------------------------------------------------------------
    def openlineage_asset(self) -> dg.AssetsDefinition:
        collector, instance = self.collector, self.instance

        def openlineage(context) -> Iterator[Any]:
            vendor, store, windows = self._start(context)
            with _FailClearly():
                outcome = send_partitions(collector.openlineage, store, instance, windows, vendor.settings().host,
                                          context.log)
            yield from materialisations(self.openlineage_key, windows, openlineage_day_metadata(outcome, windows))

        return dg.asset(
            key=self.openlineage_key, deps=list(self.table_keys.values()), group_name=instance,
            description=f"The partition's {collector.display_name} lineage (a job event per sync, pipeline and model, "
                        "with column lineage) and runs (START and COMPLETE/FAIL/ABORT) sent as OpenLineage events "
                        "through the OpenLineage client as configured (openlineage.yml, OPENLINEAGE__*, "
                        "OPENLINEAGE_URL). Defined only when that configuration is present.",
            kinds={collector.source_type, "openlineage"}, **self._common(),
        )(openlineage)

    # --- definitions -------------------------------------------------------------------------
    def definitions(self) -> dg.Definitions:
        """The instance's assets and checks. Its day is run by the shared `kada_daily_schedule` (core.sensors):
        one schedule for every instance, not a job and a schedule each, whose resolution against the whole
        asset graph would make a code location's load time grow with the square of its instances."""
        assets = [self.raw_asset(), self.tables_asset(), self.landing_asset()]
        if configured_setting() is not None:  # off unless the OpenLineage client is configured (docs/OPENLINEAGE.md)
            assets.append(self.openlineage_asset())
        return dg.Definitions(assets=assets, asset_checks=[freshness_check(self.instance, self.landing_key,
                                                                           self.partitions_def)])
