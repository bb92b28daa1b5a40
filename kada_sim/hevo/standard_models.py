"""Standard models and workflows: SQL over the tables the pipelines load, with their ground truth.

Draws from the account ``rng`` keep their order: per model its creation and last run, then per workflow."""

from __future__ import annotations

import random
from typing import Any

from kada_sim.hevo.identifiers import _stored
from kada_sim.hevo.jobs import _HevoJobs
from kada_sim.hevo.vocabulary import MODEL_COLUMN_TRUTH, MODEL_TEMPLATES

_DestCtx = dict[int, tuple[str, str, str]]


class _HevoStandardModels(_HevoJobs):
    """``_build_standard_models``: models on the destinations that have loaded tables, then workflows."""

    def _build_standard_models(self, rng: random.Random, dest_ctx: _DestCtx) -> None:
        cfg = self.config
        self._models = []
        dests_with_tables = [d for d in self._destinations if self._dest_tables.get(d["id"])]
        used_names: dict[str, int] = {}
        for m in range(cfg.n_models):
            if not dests_with_tables:
                break
            self._add_standard_model(m, dests_with_tables, used_names, rng, dest_ctx)
        if self.documented:  # read fields of §3e only: destination.config, no last_run_status
            for k, model in enumerate(self._models):
                model.pop("last_run_status")
                model["destination"] = {"config": model["destination"]["config"]}
                if k % 5 == 3:  # nothing names its destination: its dialect and host are unknowable
                    model.pop("source_destination_id")
                    truth = next(t for t in self._truth if t["via"] == f"hevo:model:{model['id']}")
                    truth["unresolvable"] = True
        self._build_workflows(rng)

    def _add_standard_model(self, m: int, dests_with_tables: list[dict[str, Any]], used_names: dict[str, int],
                            rng: random.Random, dest_ctx: _DestCtx) -> None:
        dest = dests_with_tables[m % len(dests_with_tables)]
        tables = self._dest_tables[dest["id"]]
        candidates = [t for t in MODEL_TEMPLATES if all(b in tables for b in t[2])]
        if candidates:
            name, output, _req, sql, pks = candidates[(m // len(dests_with_tables)) % len(candidates)]
            sql = sql.format(**{b: tables[b] for b in _req})
            template: str | None = output
            required = _req
        else:
            base, qualified = next(iter(tables.items()))
            name, output, pks = f"{base.title()} current state", f"{base.lower()}_current", ["id"]
            template = None
            sql = f"SELECT *\nFROM {qualified}\nWHERE __hevo__marked_deleted = FALSE\n  AND updated_at >= '2026-06-01 00:00:00'"
            required = [base]
        n = used_names.get(name, 0) + 1
        used_names[name] = n
        if n > 1:
            name, output = f"{name} {n}", f"{output}_{n}"
        created = max(self._created(rng), dest["created_ts"] + 3_600_000)
        created = min(created, self.end_ms - 3_600_000)
        status = "PAUSED" if m % 4 == 2 else ("DRAFT" if m % 7 == 5 else "ACTIVE")
        last_run = None if status == "DRAFT" else self._in_history(rng, created)
        dtype, ddb, dschema = dest_ctx[dest["id"]]
        model_id = 2100 + 4 * m
        self._truth.append({
            "kind": "model", "via": f"hevo:model:{model_id}", "created": created, "source": None,
            "destination": dest["name"], "columns": set(),
            # the star template's columns are those the mappings show: checked by the tests separately
            "model_columns": self._model_column_truth(template, tables, dtype, ddb, dschema) if template else None,
            "upstream": None, "upstreams": {(_stored(ddb, dtype), _stored(dschema, dtype),
                                             _stored(tables[b].split(".")[-1], dtype)) for b in required},
            "downstream": (_stored(ddb, dtype), _stored(dschema, dtype), _stored(output, dtype)),
        })
        self._models.append(
            {
                "id": model_id,
                "name": name,
                "status": status,
                "source_query": sql,
                "output_table": output,
                "load_type": "TRUNCATE_AND_LOAD" if m % 3 else "INCREMENTAL_LOAD",
                "primary_keys": pks,
                "last_run_ts": last_run,
                "last_run_status": None if last_run is None else ("FAILED" if m % 5 == 4 else "SUCCESS"),
                "destination": {"id": dest["id"], "name": dest["name"], "type": dest["type"], "config": dest["config"]},
                "source_destination_id": dest["id"],
                "schedule": {"type": "FREQUENCY", "frequency": 60}
                if m % 2 == 0
                else {"type": "CRON", "cron_expression": "0 2 * * *"},
                "created_ts": created,
            }
        )

    def _build_workflows(self, rng: random.Random) -> None:
        self._workflows = []
        for w in range(self.config.n_workflows):
            if not self._models:
                break
            chain = [self._models[(w * 2 + k) % len(self._models)] for k in range(min(3, len(self._models)))]
            nodes = []
            for k, model in enumerate(chain):
                nodes.append(
                    {
                        "node_id": f"n{k + 1}",
                        "type": "MODEL",
                        "model_id": model["id"],
                        "name": model["name"],
                        "depends_on": [f"n{k}"] if k else [],
                    }
                )
            created = max(self._created(rng), max(mo["created_ts"] for mo in chain) + 3_600_000)
            created = min(created, self.end_ms - 3_600_000)
            last = self._in_history(rng, created)
            self._workflows.append(
                {
                    "id": 700 + 3 * w,
                    "name": ["Nightly marts refresh", "Finance close", "Sales analytics"][w % 3]
                    + (f" {w + 1}" if w >= 3 else ""),
                    "status": "PAUSED" if w % 4 == 3 else "ACTIVE",
                    "last_run_status": ["SUCCESS", "FAILED", "RUNNING"][w % 3],
                    "last_run_ts": last,
                    "schedule": {"type": "CRON", "cron_expression": "0 1 * * *"},
                    "nodes": nodes,
                    "created_ts": created,
                }
            )

    @staticmethod
    def _model_column_truth(output: str, tables: dict[str, str], dtype: str, db: str,
                            schema: str) -> set[tuple[tuple[str | None, ...], str | None, str | None, str]]:
        """{((database, schema, table), column, output column, word)} of a template model, as stored."""
        out: set[tuple[tuple[str | None, ...], str | None, str | None, str]] = set()
        for column, (direct, indirect) in MODEL_COLUMN_TRUTH[output].items():
            rows = [(b, c, w) for b, c, w in direct] + [(b, c, "INDIRECT") for b, c in indirect]
            for base, source_column, word in rows:
                table = (_stored(db, dtype), _stored(schema, dtype), _stored(tables[base].split(".")[-1], dtype))
                out.add((table, _stored(source_column, dtype), _stored(column, dtype), word))
        return out
