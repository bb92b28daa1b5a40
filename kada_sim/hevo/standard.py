"""Standard account generation: destinations, pipelines with their objects, event types, schema mappings and
transformations, then models and workflows, and the cross-tool story.

Draws from the account ``rng`` keep their order: destinations, then per pipeline its creation, source
config, update time and its objects' last runs, then models and workflows."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from kada_sim.hevo.blobs import dest_config, field_mapping, source_config
from kada_sim.hevo.identifiers import _FOLDING_DESTINATIONS, _source_truth, _stored, _table_parts
from kada_sim.hevo.standard_models import _HevoStandardModels
from kada_sim.hevo.vocabulary import DEFAULT_TRANSFORMATION_CODE, STANDARD_SOURCES, TRANSFORMATION_CODE
from kada_sim.server import DAY_MS
from kada_sim.story import hevo_story


@dataclass
class _StdPipeline:
    """One Standard pipeline being generated, and what its objects need of it."""

    p: int
    pipeline: dict[str, Any]
    kind: str
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


class _HevoStandard(_HevoStandardModels):
    """``_build_standard``: the whole Standard account from the seed."""

    def _build_standard(self, rng: random.Random) -> None:
        cfg = self.config
        dtypes = ["SNOWFLAKE", "BIGQUERY", "REDSHIFT", "POSTGRES"]
        self._destinations = []
        dest_ctx: dict[int, tuple[str, str, str]] = {}
        for i in range(cfg.n_destinations):
            dtype = dtypes[i % len(dtypes)]
            config, db, schema = dest_config(dtype, i, rng, self._secret)
            did = 8100 + 11 * i
            created = self._created(rng)
            self._destinations.append(
                {
                    "id": did,
                    "name": f"{dtype.title()} {db.lower()}" + (f" {i + 1}" if i >= len(dtypes) else ""),
                    "type": dtype,
                    "status": "ACTIVE",
                    "config": config,
                    "created_ts": created,
                }
            )
            dest_ctx[did] = (dtype, db, schema)
        self._pipelines = []
        self._objects = {}
        self._event_types = {}
        self._mappings = {}
        self._transformations = {}
        self._dest_tables = {}
        for p in range(cfg.n_pipelines):
            ctx = self._standard_pipeline(p, rng, dest_ctx)
            self._standard_objects(ctx, rng)
        self._build_standard_models(rng, dest_ctx)
        if cfg.story:
            self._add_story()

    def _standard_pipeline(self, p: int, rng: random.Random, dest_ctx: dict[int, tuple[str, str, str]]) -> _StdPipeline:
        kind, display, schema = STANDARD_SOURCES[p % len(STANDARD_SOURCES)]
        dest = self._destinations[p % len(self._destinations)] if self._destinations else None
        pid = 9458 + 7 * p
        created = self._created(rng)
        if dest:
            created = max(created, dest["created_ts"] + 3_600_000)
            created = min(created, self.end_ms - 3_600_000)
        status = "PAUSED" if p % 7 == 3 else ("DRAFT" if p % 11 == 5 else "ACTIVE")
        prefix = ["pg_", "mysql_", "sf_"][p % 3] if p % 2 == 0 else ""
        stype: Any = kind if not self.config.source_type_as_object else {"name": kind, "display_name": display}
        src_name = f"{display} {['orders', 'shop', 'crm', 'billing', 'support'][p % 5]} {p + 1}"
        config = source_config(kind, p, rng, self._secret)
        pipeline = {
            "id": pid,
            "status": status,
            "source": {
                "name": src_name.lower().replace(" ", "-"),
                "display_name": src_name,
                "type": stype,
                "config": config,
            },
            "destination": (
                {
                    "id": dest["id"],
                    "name": dest["name"],
                    "type": dest["type"],
                    "config": dest["config"],
                    "schedule": {"schedule": 15},
                }
                if dest
                else None
            ),
            "schedule": {"type": "FREQUENCY", "schedule": [30, 60, 360][p % 3]},
            "auto_mapping": "ENABLED" if p % 4 else "DISABLED",
            "json_parsing_strategy": "FLAT",
            "created_ts": created,
            "updated_ts": self._in_history(rng, created) if created < self.end_ms - 120_000 else created,
        }
        if prefix and (not self.documented or self.profile == "documented-prefixed-mapping"):
            pipeline["destination_table_prefix"] = prefix  # a create-body field (3P); on reads UNCONFIRMED
        self._pipelines.append(pipeline)
        dtype, ddb, dschema = dest_ctx[dest["id"]] if dest else ("SNOWFLAKE", "HEVO_RAW", "PUBLIC")
        return _StdPipeline(p, pipeline, kind, schema, dest, created, prefix, src_name, config.get("database"),
                            dtype, ddb, dschema)

    def _standard_objects(self, ctx: _StdPipeline, rng: random.Random) -> None:
        """A pipeline's objects, event types and mappings (and the lineage they load), then its transformation."""
        objects: list[dict[str, Any]] = []
        event_types: list[dict[str, Any]] = []
        mappings: dict[str, dict[str, Any]] = {}
        columns_by_event: dict[str, list[tuple[str, str, bool]]] = {}
        for j, (base, columns) in enumerate(self._objects_for_source(ctx.kind, ctx.p)):
            name, ns_schema, ns_db = _table_parts(ctx.kind, base, ctx.schema, ctx.db)
            r = (ctx.p + j) % 9
            ostatus = {4: "SKIPPED", 6: "PAUSED", 7: "FINISHED", 8: "PERMISSION_DENIED"}.get(r, "ACTIVE")
            if (ctx.p + j) % 13 == 10:
                ostatus = "FAILED"
            status = ctx.pipeline["status"]
            if status == "DRAFT" or ostatus in ("SKIPPED", "PERMISSION_DENIED"):
                last_run = None
            else:
                last_run = self._in_history(
                    rng, ctx.created, near_end=ostatus == "ACTIVE" and status == "ACTIVE"
                )
            obj: dict[str, Any] = {"name": name, "status": ostatus, "last_run_ts": last_run}
            if not self.documented:  # the namespace field's name is UNCONFIRMED (§3b)
                obj["namespace"] = {"database": ns_db, "schema": ns_schema}
            objects.append(obj)
            if ostatus == "SKIPPED":
                continue
            mapping = self._standard_mapping(ctx, j, base, columns, ostatus)
            mappings[name] = mapping
            mstatus = mapping["mapping_status"]
            event_types.append(
                {"name": name, "mapping_status": mstatus}
                if self.documented
                else {"name": name, "object_name": name, "mapping_status": mstatus}
            )
            columns_by_event[name] = columns
            if mstatus in ("MAPPED", "INCOMPLETE", "MAPPING_IN_PROGRESS") and ctx.dest:
                self._standard_object_lineage(ctx, j, base, name, mapping)
        self._standard_transformation(ctx, event_types, mappings, columns_by_event)
        self._objects[ctx.pid] = objects
        self._event_types[ctx.pid] = event_types
        self._mappings[ctx.pid] = mappings

    def _standard_mapping(
        self, ctx: _StdPipeline, j: int, base: str, columns: list[tuple[str, str, bool]], ostatus: str
    ) -> dict[str, Any]:
        p, prefix, dtype = ctx.p, ctx.prefix, ctx.dtype
        table = (prefix + base).lower()
        if self.documented:
            if prefix and ctx.pipeline["auto_mapping"] == "DISABLED" and j == 0:
                table = f"legacy_{base}"  # mapped by hand to an existing table, without the prefix
            if dtype in _FOLDING_DESTINATIONS and j % 2 == 0:
                table = table.upper()  # identifier case differs between mappings and model SQL
        if ostatus == "PERMISSION_DENIED":
            mstatus = "UNMAPPED"
        elif ostatus == "FAILED" or (p + j) % 10 == 3:
            mstatus = "INCOMPLETE"
        elif (p + j) % 11 == 7:
            mstatus = "IGNORED"
        elif (p + j) % 12 == 9:
            mstatus = "MAPPING_IN_PROGRESS"
        else:
            mstatus = "MAPPED"
        return field_mapping(ctx.kind, dtype, table, columns, mstatus, p, j, ctx.pipeline["auto_mapping"])

    def _standard_object_lineage(self, ctx: _StdPipeline, j: int, base: str, name: str,
                                 mapping: dict[str, Any]) -> None:
        assert ctx.dest is not None
        dtype, ddb, dschema = ctx.dtype, ctx.ddb, ctx.dschema
        table = mapping["destination_table"]
        qualified = f"{dschema}.{table}" if ctx.p % 2 else table
        if self.documented and dtype in _FOLDING_DESTINATIONS:
            qualified = ".".join(part.title() for part in qualified.split("."))  # `Customers`
        self._dest_tables.setdefault(ctx.dest["id"], {}).setdefault(base, qualified)
        self._truth.append({
            "kind": "object", "via": f"hevo:pipeline_object:{ctx.pid}:{name}", "created": ctx.created,
            "source": ctx.src_name.lower().replace(" ", "-"), "destination": ctx.dest["name"],
            "upstream": _source_truth(ctx.kind, base, ctx.schema, ctx.db),
            "downstream": (_stored(ddb, dtype), _stored(dschema, dtype), _stored(table, dtype)),
            "columns": {(_stored(f["source_field"], ctx.kind), _stored(f["destination_field"], dtype))
                        for f in mapping["field_mappings"] if not f["ignored"]},
        })

    def _standard_transformation(self, ctx: _StdPipeline, event_types: list[dict[str, Any]],
                                 mappings: dict[str, dict[str, Any]],
                                 columns_by_event: dict[str, list[tuple[str, str, bool]]]) -> None:
        """One pipeline in three has a Python transformation emitting a derived event type."""
        pid, dtype = ctx.pid, ctx.dtype
        if not (ctx.p % 3 == 0 and event_types):
            self._transformations[pid] = {
                "pipeline_id": pid,
                "enabled": False,
                "language": "PYTHON",
                "code": DEFAULT_TRANSFORMATION_CODE,
                "updated_ts": ctx.created,
            }
            return
        source_event = event_types[0]["name"]
        base = source_event.split(".")[-1]
        derived = f"{base} enriched"
        columns = list(columns_by_event[source_event]) + [("total_amount_usd", "dec", False)]
        mappings[derived] = field_mapping(
            ctx.kind, dtype, (ctx.prefix + base + "_enriched").lower(), columns, "MAPPED", ctx.p, 99,
            ctx.pipeline["auto_mapping"],
        )
        event_types.append(
            {"name": derived, "mapping_status": "MAPPED"}
            if self.documented
            else {"name": derived, "object_name": None, "mapping_status": "MAPPED"}
        )
        if ctx.dest:
            self._truth.append({
                "kind": "derived", "via": f"hevo:pipeline:{pid}", "created": ctx.created,
                "source": None, "upstream_own": f"hevo:source:{pid}", "destination": ctx.dest["name"],
                "upstream": None, "columns": set(),
                "downstream": (_stored(ctx.ddb, dtype), _stored(ctx.dschema, dtype),
                               _stored(mappings[derived]["destination_table"], dtype)),
            })
        self._transformations[pid] = {
            "pipeline_id": pid,
            "enabled": True,
            "language": "PYTHON",
            "code": TRANSFORMATION_CODE.format(event=source_event, derived=derived),
            "updated_ts": ctx.pipeline["updated_ts"],
        }

    def _add_story(self) -> None:
        """The Hevo end of ``kada_sim.story``: Snowflake destination, pipeline from PostgreSQL, mart model."""
        story = hevo_story(self.history_start_ms - 30 * DAY_MS)
        self._destinations.append(story["destination"])
        pid = story["pipeline"]["id"]
        self._pipelines.append(story["pipeline"])
        self._objects[pid], self._event_types[pid] = [story["object"]], [story["event_type"]]
        self._mappings[pid] = {story["event_type"]["name"]: story["mapping"]}
        self._transformations[pid] = {"pipeline_id": pid, "enabled": False, "language": "PYTHON",
                                      "code": DEFAULT_TRANSFORMATION_CODE, "updated_ts": story["pipeline"]["created_ts"]}
        self._models.append(story["model"])
