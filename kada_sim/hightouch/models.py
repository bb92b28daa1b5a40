"""Model generation: raw SQL, table, dbt, parent, visual and custom models, each with its ground truth.

Every model draws from the one workspace ``rng`` in a fixed order (creation time, the kind's own draws,
then the update time), so the split into one method per kind keeps the seeded output unchanged."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from kada_sim.hightouch.runs import _HightouchRuns
from kada_sim.hightouch.vocabulary import (
    AUDIENCE_NAMES,
    DBT_TEMPLATES,
    RAW_SQL_TEMPLATES,
    SAAS_SOURCE_TYPES,
    TABLE_COLUMNS,
    _Unique,
    slugify,
)
from kada_sim.server import stable_int

_KINDS = [
    "raw_sql",
    "table",
    "dbt",
    "parent",
    "visual",
    "custom",
    "raw_sql",
    "visual",
    "table",
    "raw_sql",
    "dbt",
    "custom",
]


@dataclass
class _ModelSpec:
    """What one kind of model contributes before the common fields are added."""

    source_id: int
    grain: str
    columns: list[str]
    pk: str | None
    name: str
    query_type: str
    extra: dict[str, Any] = field(default_factory=dict)
    is_schema: bool = False


@dataclass
class _ModelPlan:
    """The sources each kind may read, the parents built so far and the per-kind counters."""

    warehouse: list[int]
    dbt_capable: list[int]
    saas: list[int]
    parents: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, int] = field(
        default_factory=lambda: {"raw": 0, "table": 0, "dbt": 0, "visual": 0, "custom": 0, "parent": 0})

    def kind(self, i: int) -> str:
        kind = _KINDS[i % len(_KINDS)]
        if not self.warehouse:
            kind = "custom" if self.saas else "none"
        if kind == "visual" and not self.parents:
            kind = "parent"
        if kind == "custom" and not self.saas:
            kind = "raw_sql"
        return kind


class _HightouchModels(_HightouchRuns):
    """``_build_models``: the workspace's models, after its sources."""

    def _build_models(self, rng: random.Random) -> None:
        cfg = self.config
        warehouse = [s["id"] for s in self._sources if s["type"] not in SAAS_SOURCE_TYPES]
        dbt_capable = [s["id"] for s in self._sources if s["type"] in ("snowflake", "bigquery")] or warehouse
        saas = [s["id"] for s in self._sources if s["type"] in SAAS_SOURCE_TYPES]
        plan = _ModelPlan(warehouse, dbt_capable, saas)
        names = _Unique(" ")
        slugs = _Unique("-")
        self._models = []
        self._model_columns = {}
        self._model_grain = {}
        builders = {"raw_sql": self._raw_sql_model, "table": self._table_model, "dbt": self._dbt_model,
                    "parent": self._parent_model, "visual": self._visual_model, "custom": self._custom_model}
        for i in range(cfg.n_models):
            kind = plan.kind(i)
            if kind == "none":
                break
            mid = 5300 + 2 * i
            created = self._created(rng)
            spec = builders[kind](mid, plan, rng)
            self._add_model(i, mid, created, spec, names(spec.name), slugs, rng)
            if spec.is_schema:
                plan.parents.append(self._models[-1])
        self._visual_after_parent()

    def _add_model(self, i: int, mid: int, created: int, spec: _ModelSpec, name: str, slugs: _Unique,
                   rng: random.Random) -> None:
        cfg = self.config
        model: dict[str, Any] = {"id": mid}
        model.update(
            {
                "name": name,
                "slug": slugs(slugify(name)),
                "description": "" if i % 3 else f"{name}: maintained by the growth data team.",
                "workspaceId": cfg.workspace_id,
                "primaryKey": spec.pk,
                "createdAt": created,
                "updatedAt": self._updated(rng, created),
                "sourceId": spec.source_id,
                "queryType": spec.query_type,
                "tags": [{}, {"team": "growth"}, {"team": "marketing", "pii": "true"}, {"team": "sales"}][
                    i % 4
                ],
                "isSchema": spec.is_schema,
                "syncs": [],
                "lastRunSize": None,
            }
        )
        if i % 4 == 1:
            model["folderId"] = f"fld_{stable_int(cfg.seed, 'folder', i % 3) % 10**8:08d}"
        model.update(spec.extra)
        self._model_columns[mid] = spec.columns
        self._model_grain[mid] = spec.grain
        self._models.append(model)

    def _visual_after_parent(self) -> None:
        """A visual model must be created after its parent."""
        by_id = {m["id"]: m for m in self._models}
        for m in self._models:
            if m["queryType"] == "visual":
                parent = by_id[m["visual"]["parentId"]]
                if m["createdAt"] < parent["createdAt"]:
                    m["createdAt"] = (
                        parent["createdAt"] + (self.end_ms - 6 * 3_600_000 - parent["createdAt"]) // 4
                    )
                    m["updatedAt"] = max(m["updatedAt"], m["createdAt"])

    def _raw_sql_model(self, mid: int, plan: _ModelPlan, rng: random.Random) -> _ModelSpec:
        counters = plan.counters
        source_id = plan.warehouse[counters["raw"] % len(plan.warehouse)]
        title, grain, columns, pk, sql = RAW_SQL_TEMPLATES[counters["raw"] % len(RAW_SQL_TEMPLATES)]
        counters["raw"] += 1
        q = self._qualifier(source_id, rng)
        qualified = {t: q(t) for t in TABLE_COLUMNS}
        self._truth_models[mid] = ("tables", self._truth_sql(source_id, sql, qualified))
        sql = sql.format(**qualified)
        return _ModelSpec(source_id, grain, columns, pk, title, "raw_sql", {"raw": {"sql": sql}})

    def _table_model(self, mid: int, plan: _ModelPlan, rng: random.Random) -> _ModelSpec:
        counters = plan.counters
        # documented: the first table model reads the first (Snowflake) source, which SQL models read too
        shift = 0 if self.documented else 1
        source_id = plan.warehouse[(counters["table"] + shift) % len(plan.warehouse)]
        grain = list(TABLE_COLUMNS)[counters["table"] % len(TABLE_COLUMNS)]
        counters["table"] += 1
        columns, pk = TABLE_COLUMNS[grain], "id"
        schema = self._source_ctx[source_id]["schema"]
        table_name = (
            grain
            if counters["table"] % 2
            else f"{schema.lower() if schema.isupper() else 'analytics'}.{grain}"
        )
        self._truth_models[mid] = ("tables", {self._truth_table(source_id, table_name)})
        return _ModelSpec(source_id, grain, columns, pk, f"{grain.replace('_', ' ').title()} table", "table",
                          {"table": {"name": table_name}})

    def _dbt_model(self, mid: int, plan: _ModelPlan, rng: random.Random) -> _ModelSpec:
        counters = plan.counters
        source_id = plan.dbt_capable[counters["dbt"] % len(plan.dbt_capable)]
        dbt_name, grain, columns, pk, compiled, raw = DBT_TEMPLATES[
            counters["dbt"] % len(DBT_TEMPLATES)
        ]
        template = compiled
        counters["dbt"] += 1
        ctx = self._source_ctx[source_id]
        staging = "STAGING" if ctx["database"].isupper() else "staging"
        db = ctx["database"]
        compiled = compiled.format(**{t: f"{db}.{staging}.stg_{t}" for t in TABLE_COLUMNS})
        name, query_type = f"dbt: {dbt_name}", "dbt"
        extra: dict[str, Any] = {
            "dbt": {
                "dbtUniqueId": f"model.acme_analytics.{dbt_name}",
                "compiledSql": compiled,
                "rawSql": raw,
                "database": db,
                "schema": ctx["schema"],
                "name": dbt_name,
                "modelId": 88000 + counters["dbt"],
            }
        }
        self._truth_models[mid] = ("tables", {self._truth_table(source_id, f"{db}.{ctx['schema']}.{dbt_name}")})
        if self.documented and counters["dbt"] == 2:  # a dbt Cloud model: no database/schema (OFFICIAL)
            cloud = {k: v for k, v in extra["dbt"].items() if k not in ("database", "schema")}
            extra = {"dbt_cloud": cloud}
            if self.profile == "documented-dbt-cloud-type":
                query_type = "dbt_cloud"
            staged = {t: f"{db}.{staging}.stg_{t}" for t in TABLE_COLUMNS}
            self._truth_models[mid] = ("tables", self._truth_sql(source_id, template, staged))
        return _ModelSpec(source_id, grain, columns, pk, name, query_type, extra)

    def _parent_model(self, mid: int, plan: _ModelPlan, rng: random.Random) -> _ModelSpec:
        counters = plan.counters
        source_id = plan.warehouse[counters["parent"] % len(plan.warehouse)]
        grain = ("customers", "users", "accounts")[counters["parent"] % 3]
        counters["parent"] += 1
        columns, pk = TABLE_COLUMNS[grain], "id"
        name = f"All {grain} (parent model)"
        if counters["parent"] % 2:
            q = self._qualifier(source_id, rng)
            qualified_grain = q(grain)
            self._truth_models[mid] = ("tables", {self._truth_table(source_id, qualified_grain)})
            query_type, extra = (
                "raw_sql",
                {"raw": {"sql": f"SELECT * FROM {qualified_grain} WHERE deleted_at IS NULL"}},
            )
        else:
            self._truth_models[mid] = ("tables", {self._truth_table(source_id, grain)})
            query_type, extra = "table", {"table": {"name": grain}}
        return _ModelSpec(source_id, grain, columns, pk, name, query_type, extra, is_schema=True)

    def _visual_model(self, mid: int, plan: _ModelPlan, rng: random.Random) -> _ModelSpec:
        counters = plan.counters
        parent = plan.parents[counters["visual"] % len(plan.parents)]
        counters["visual"] += 1
        source_id, grain = parent["sourceId"], self._model_grain[parent["id"]]
        columns, pk = self._model_columns[parent["id"]], "id"
        name = AUDIENCE_NAMES[(counters["visual"] - 1) % len(AUDIENCE_NAMES)]
        threshold = rng.choice([250, 500, 1000])
        conditions = [
            {"type": "property", "property": columns[1], "operator": "isNotNull", "value": None},
            {"type": "property", "property": "created_at", "operator": "after", "value": "2025-06-30"},
            {"type": "event", "eventModelId": parent["id"], "operator": "count", "value": threshold},
        ]
        extra: dict[str, Any] = {
            "visual": {
                "parentId": parent["id"],
                "filter": {"type": "and", "conditions": conditions},
                "primaryLabel": columns[1],
                "secondaryLabel": columns[2],
            }
        }
        if self.profile == "documented-opaque-filter":
            extra["visual"]["filter"] = {
                "operator": "and",
                "clauses": [{"column": columns[1], "comparator": "exists"},
                            {"column": "created_at", "comparator": "gt", "operand": "2025-06-30"}],
            }
        self._truth_models[mid] = ("model", parent["id"])
        return _ModelSpec(source_id, grain, columns, pk, name, "visual", extra)

    def _custom_model(self, mid: int, plan: _ModelPlan, rng: random.Random) -> _ModelSpec:
        counters = plan.counters
        source_id = plan.saas[counters["custom"] % len(plan.saas)]
        counters["custom"] += 1
        grain = "leads"
        columns, pk = ["id", "Name", "Email", "Company", "Score", "Region"], "id"
        query: dict[str, Any]
        if self._source_ctx[source_id]["type"] == "airtable":
            query = {
                "table": "Leads",
                "view": "Qualified leads",
                "filterByFormula": "AND({Score} > 80, {Region} = 'APAC')",
                "fields": columns[1:],
            }
            name = "Airtable qualified leads"
        else:
            query = {"sheet": "Q4 targets", "range": "A1:F500", "headerRow": 1}
            name = "Sheet: Q4 targets"
        self._truth_models[mid] = ("source", source_id)
        return _ModelSpec(source_id, grain, columns, pk, name, "custom", {"custom": {"query": query}})
