"""Edge account generation: destinations (the fixture's shape), pipelines, their objects with field rows,
the lineage they load, and what job generation needs (``_PipelineRuntime``).

Draws from the account ``rng`` keep their order: per destination its config and creation, then per pipeline
its creation, update time and source config."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from typing import Any

from kada_sim.hevo.blobs import dest_config, source_config
from kada_sim.hevo.config import LOADED_FIELD_STATUS, _PipelineRuntime
from kada_sim.hevo.identifiers import _source_truth, _stored, _table_parts
from kada_sim.hevo.standard import _HevoStandard
from kada_sim.hevo.vocabulary import DEST_TYPE_NAMES, EDGE_SOURCES, SF_CATEGORY, SOURCE_TYPE_NAMES
from kada_sim.server import DAY_MS, iso_ms, unit_floats

_EdgeDestCtx = dict[int, tuple[str, str, str, str, str]]


@dataclass
class _EdgePipeline:
    """One Edge pipeline being generated, and what its objects need of it."""

    p: int
    pipeline: dict[str, Any]
    stype: str
    schema: str | None
    dest: dict[str, Any] | None
    created: int
    prefix: str
    src_name: str
    db: Any
    dtype: str
    ddb: str
    dschema: str

    @property
    def pid(self) -> int:
        return int(self.pipeline["id"])


class _HevoEdge(_HevoStandard):
    """``_build_edge``: the whole Edge account from the seed."""

    def _build_edge(self, rng: random.Random) -> None:
        cfg = self.config
        dest_ctx = self._build_edge_destinations(rng)
        self._pipelines = []
        self._objects = {}
        self._object_details = {}
        self._runtime = {}
        for p in range(cfg.n_pipelines):
            ctx = self._build_edge_pipeline(p, rng, dest_ctx)
            n_objects = self._build_edge_objects(ctx)
            self._build_edge_runtime(ctx, n_objects)
        for d in self._destinations:
            d.pop("_created")

    def _build_edge_destinations(self, rng: random.Random) -> _EdgeDestCtx:
        dtypes = [
            ("SNOWFLAKE", "Snowflake", "snowflake"),
            ("BIGQUERY", "BigQuery", "bigquery"),
            ("SNOWFLAKE", "Snowflake", "snowflake"),
            ("REDSHIFT", "Redshift", "redshift"),
        ]
        self._destinations = []
        dest_ctx: _EdgeDestCtx = {}
        for i in range(self.config.n_destinations):
            dtype, title, connector = dtypes[i % len(dtypes)]
            config, db, schema = dest_config(dtype, i, rng, self._secret, edge=True)
            did = 310 + 2 * i
            created = self._created(rng)
            self._destinations.append(
                {
                    "id": did,
                    "name": f"{title} {db.lower()}" + (f" {i + 1}" if i >= len(dtypes) else ""),
                    "type": dtype,
                    "config": config,
                    "status": "ACTIVE",
                    "created_at": iso_ms(created),
                    "updated_at": iso_ms(created + DAY_MS if created + DAY_MS < self.end_ms else created),
                    "_created": created,
                }
            )
            dest_ctx[did] = (dtype, title, connector, db, schema)
        return dest_ctx

    def _edge_pipeline_status(self, p: int, rng: random.Random, dest: dict[str, Any] | None) -> tuple[str, int, int]:
        """(status, created, updated) of pipeline ``p``."""
        created = self._created(rng)
        if dest:
            created = min(max(created, dest["_created"] + 3_600_000), self.end_ms - 3_600_000)
        status = "ENABLED"
        if p % 6 == 2:
            status = "DISABLED"
        elif p % 6 == 5:
            status = "INITIALIZING"
        elif p % 10 == 7:
            status = "ENABLE_FAILED"
        if status == "INITIALIZING":  # documented: its first (historical) load is running
            created = max(created, self.end_ms - (9 if self.documented else 2) * 3_600_000)
        updated = self._in_history(rng, created) if created < self.end_ms - 120_000 else created
        return status, created, updated

    def _build_edge_pipeline(self, p: int, rng: random.Random, dest_ctx: _EdgeDestCtx) -> _EdgePipeline:
        stype, connector_id, schema = EDGE_SOURCES[p % len(EDGE_SOURCES)]
        dest = self._destinations[p % len(self._destinations)] if self._destinations else None
        status, created, updated = self._edge_pipeline_status(p, rng, dest)
        prefix = "hevo_" if p % 2 == 0 else ""
        src_config = source_config(stype, p, rng, self._secret)
        dtype, dtitle, dconn, ddb, dschema = (
            dest_ctx[dest["id"]]
            if dest
            else ("SNOWFLAKE", "Snowflake", "snowflake", "HEVO_RAW", "PUBLIC")
        )
        src_name = f"{stype} {['orders', 'shop', 'crm', 'billing', 'support'][p % 5]} {p + 1}"
        if self.documented and status == "DISABLED":
            updated = min(updated, max(created, self.end_ms - 3 * DAY_MS))  # not when it was disabled
        pipeline = {
            "id": 1200 + 3 * p,
            "name": f"{src_name} to {dtitle}",
            "status": status,
            "source": {"name": src_name, "connector_id": connector_id, "source_type": stype, "config": src_config},
            "destination": {
                "id": dest["id"],
                "name": dest["name"],
                "connector_id": dconn,
                "destination_type": dtitle,
                "status": "ACTIVE",
            }
            if dest
            else None,
            "destination_prefix": prefix,
            "replication_type": "INCREMENTAL_ONLY" if p % 5 == 4 else "HISTORICAL_AND_INCREMENTAL",
            "load_mode": "APPEND" if p % 4 == 3 else "MERGE",
            "schema_evolution": ["ALLOW_ALL", "BLOCK_ALL", "ALLOW_COLUMN_LEVEL"][p % 3],
            "schedule": {
                "sync_type": "ON_DEMAND" if p % 9 == 8 else "SCHEDULED",
                "frequency_minutes": max(1, 1440 // max(1, self._per_day)),
            },
            "failure_handling_policy": {"object_failure_level": "OBJECT", "object_failure_threshold": 10},
            "source_schema_status": {"status": "REFRESHED", "refreshed_ts": updated},
            "latency_alert": {"enabled": p % 2 == 1, "threshold_minutes": 120},
            "created_by_email": "data.eng@acme.example",
            "updated_by_email": ["data.eng@acme.example", "ops.bot@acme.example"][p % 2],
            "created_ts": created,
            "updated_ts": updated,
        }
        if self.profile == "documented-no-pipeline-name":
            pipeline.pop("name")
        self._pipelines.append(pipeline)
        return _EdgePipeline(p, pipeline, stype, schema, dest, created, prefix, src_name, src_config.get("database"),
                             dtype, ddb, dschema)

    def _build_edge_objects(self, ctx: _EdgePipeline) -> int:
        """A pipeline's objects (list shape and details) and the lineage they load; returns their number."""
        objs, details = [], {}
        for j, (base, columns) in enumerate(self._objects_for_source(ctx.stype, ctx.p)):
            listed, detail = self._build_edge_object(ctx, j, base, columns)
            objs.append(listed)
            details[listed["object_id"]] = detail
        self._objects[ctx.pid] = objs
        self._object_details[ctx.pid] = details
        return len(objs)

    def _edge_object_status(self, ctx: _EdgePipeline, j: int) -> tuple[str, str]:
        """(status, replication status) of object ``j``."""
        p = ctx.p
        r = (p + j) % 10
        ostatus = {3: "INACCESSIBLE", 5: "BLOCKED", 7: "DISABLED", 9: "INACTIVE"}.get(r, "ACTIVE")
        ostatus = {11: "INCONSISTENT", 13: "RESETTING", 15: "DELETED"}.get((p + j) % 17, ostatus)
        if ctx.pipeline["status"] == "INITIALIZING":
            rstatus = "PENDING"
        else:
            rstatus = {
                "ACTIVE": "PENDING" if (p + j) % 8 == 1 else "REPLICATED",
                "BLOCKED": "BLOCKED",
                "INACCESSIBLE": "FAILED",
                "DISABLED": "CANCELLED",
                "INCONSISTENT": "INCONSISTENT",
            }.get(ostatus, "PENDING")
        return ostatus, rstatus

    def _edge_fields(self, ctx: _EdgePipeline, j: int, columns: list[tuple[str, str, bool]]) -> list[dict[str, Any]]:
        stype, p = ctx.stype, ctx.p
        field_rows = []
        for k, (col, cat, pk) in enumerate(columns):
            src_cat = SF_CATEGORY.get(cat, cat)
            fstatus = "ACTIVE"
            if not pk and (p + j + k) % 7 == 3:
                fstatus = "IGNORED"
            elif not pk and (p + j + k) % 11 == 5:
                fstatus = "EXCLUDED"
            elif self.documented and not pk and (p + j + k) % 13 == 6:
                fstatus = "DROPPED"
            field_rows.append(
                {
                    "source_name": col,
                    "source_type": cat
                    if stype == "Salesforce"
                    else SOURCE_TYPE_NAMES["POSTGRES" if stype == "PostgreSQL" else "MYSQL"][cat],
                    "destination_name": col.lower(),
                    "destination_type": DEST_TYPE_NAMES[ctx.dtype][src_cat],
                    "status": fstatus,
                    "primary_key": pk,
                }
            )
        return field_rows

    def _build_edge_object(
        self, ctx: _EdgePipeline, j: int, base: str, columns: list[tuple[str, str, bool]]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(list record, detail record) of object ``j``; records its lineage."""
        stype, dtype = ctx.stype, ctx.dtype
        name, ns_schema, ns_db = _table_parts(stype, base, ctx.schema, ctx.db)
        oid = str(
            uuid.UUID(
                bytes=hashlib.blake2b(f"{self.config.seed}|obj|{ctx.pid}|{j}".encode(), digest_size=16).digest(),
                version=4,
            )
        )
        ostatus, rstatus = self._edge_object_status(ctx, j)
        dest_table = (ctx.prefix + base).lower()
        field_rows = self._edge_fields(ctx, j, columns)
        k1 = None if self.documented and stype == "MySQL" else ns_schema  # MySQL: no schemas
        listed = {
            "object_id": oid,
            "source_namespace": {"k0": base, "k1": k1, "k2": ns_db},
            # OFFICIAL (provider OpenLineage utils): destination table = destination_prefix + k0
            "destination_namespace": {"k0": base.lower() if self.documented else dest_table,
                                      "k1": ctx.dschema, "k2": ctx.ddb},
            "field_count": len(columns),
            "status": ostatus,
            "replication_status": rstatus,
        }
        detail = dict(listed, object_name=name, destination_table_name=dest_table,
                      load_mode=ctx.pipeline["load_mode"], fields=field_rows)
        if self.profile == "documented-no-table-name":
            detail.pop("destination_table_name")
        if ostatus not in ("INACCESSIBLE", "DELETED") and ctx.dest:
            self._truth.append({
                "kind": "object", "via": f"hevo:pipeline_object:{oid}", "created": ctx.created,
                "source": ctx.src_name, "destination": ctx.dest["name"],
                "upstream": _source_truth(stype, base, ctx.schema, ctx.db),
                "downstream": (_stored(ctx.ddb, dtype), _stored(ctx.dschema, dtype), _stored(dest_table, dtype)),
                "columns": {(_stored(f["source_name"], stype), _stored(f["destination_name"], dtype))
                            for f in field_rows if f["status"] == LOADED_FIELD_STATUS},
            })
        return listed, detail

    def _build_edge_runtime(self, ctx: _EdgePipeline, n_objects: int) -> None:
        status, created, updated = ctx.pipeline["status"], ctx.created, ctx.pipeline["updated_ts"]
        jobs_until = (
            self.end_ms
            if status == "ENABLED" or self.documented
            else (updated if status in ("DISABLED", "ENABLE_FAILED") else created)
        )
        last_state = (
            ("IN_PROGRESS" if ctx.p % 4 == 0 else "CANCELLING" if ctx.p % 4 == 1 else None)
            if status == "ENABLED"
            else None
        )
        if self.documented and status == "DISABLED":
            last_state = "FAILED"  # the run that failed before someone disabled the pipeline
        self._runtime[ctx.pid] = _PipelineRuntime(
            index=ctx.p,
            id=ctx.pid,
            created_ms=created,
            jobs_until_ms=jobs_until,
            has_jobs=self._per_day > 0 and (status != "INITIALIZING" or self.documented),
            events_base=int(10 ** (2 + 3 * unit_floats(self.config.seed, "events", ctx.pid)[0])),
            n_objects=n_objects,
            last_state=last_state,
        )
