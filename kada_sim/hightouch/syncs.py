"""Sync generation: each sync joins a model to a destination, with its configuration, schedule, ground truth
and what run generation needs (``_SyncRuntime``).

The draws from the workspace ``rng`` keep their order: the model and destination picks, then the creation
and update times."""

from __future__ import annotations

import random
from typing import Any

from kada_sim.hightouch.blobs import schedule, sync_configuration
from kada_sim.hightouch.config import _SyncRuntime
from kada_sim.hightouch.models import _HightouchModels
from kada_sim.hightouch.vocabulary import _datahub_shapes, _Unique, slugify, sync_id_for
from kada_sim.server import DAY_MS, stable_int, unit_floats


class _HightouchSyncs(_HightouchModels):
    """``_build_syncs``: the workspace's syncs, after its models and destinations."""

    def _build_syncs(self, rng: random.Random) -> None:
        cfg = self.config
        syncable = [m for m in self._models if not m["isSchema"]]
        self._syncs = []
        self._runtime = {}
        if not syncable or not self._destinations:
            return
        usable = syncable[: max(1, int(len(syncable) * 0.85 + 0.5))]
        by_type: dict[str, list[dict[str, Any]]] = {}
        for m in usable:
            by_type.setdefault(m["queryType"], []).append(m)
        type_order = [t for t in ("raw_sql", "table", "dbt", "visual", "custom") if t in by_type]
        slugs = _Unique("-")
        next_model_id = max(m["id"] for m in self._models) + 17
        next_dest_id = max(d["id"] for d in self._destinations) + 23
        for i in range(cfg.n_syncs):
            model = by_type[type_order[i]][0] if i < len(type_order) else usable[rng.randrange(len(usable))]
            dest = self._destinations[(i + rng.randrange(2)) % len(self._destinations)]
            model_id, dest_id = model["id"], dest["id"]
            if cfg.dangling_references and i == cfg.n_syncs - 1:
                model_id = next_model_id
                self.deleted_model_ids.append(model_id)
            if cfg.dangling_references and i == cfg.n_syncs - 2:
                dest_id = next_dest_id
                self.deleted_destination_ids.append(dest_id)
            self._add_sync_between(i, model, dest, model_id, dest_id, slugs, rng)

    def _sync_mappings(
        self, i: int, dest: dict[str, Any], columns: list[str], pk: str
    ) -> tuple[dict[str, Any], bool, list[str]]:
        """(configuration, is-event-sync, referenced columns) of sync ``i``; records its ground truth."""
        configuration, obj, event = sync_configuration(dest["type"], columns, pk, i)
        target: str | None = obj
        if self.documented and dest["type"] == "webhook":  # a webhook sync names no object
            configuration.pop("type", None)
            configuration.pop("eventName", None)
            target = None
        if self.documented and i % 7 == 4:  # a sync that maps no column
            configuration["mappings"] = []
            configuration.pop("externalIdMapping", None)
        referenced = []
        for m in configuration["mappings"]:
            if m["from"] not in referenced:
                referenced.append(m["from"])
        ext = configuration.get("externalIdMapping")
        if ext and ext["from"] not in referenced:
            referenced.append(ext["from"])
        pairs = [(m["from"], m["to"]) for m in configuration["mappings"]] + ([(ext["from"], ext["to"])] if ext else [])
        self._truth_syncs[sync_id_for(i)] = (target, sorted(set(pairs)))
        if self.profile == "documented-datahub-mappings":
            _datahub_shapes(configuration, i)
        return configuration, event, referenced

    def _add_sync_between(
        self, i: int, model: dict[str, Any], dest: dict[str, Any], model_id: int, dest_id: int, slugs: _Unique,
        rng: random.Random,
    ) -> None:
        cfg = self.config
        columns = self._model_columns[model["id"]]
        pk = model["primaryKey"] or columns[0]
        configuration, event, referenced = self._sync_mappings(i, dest, columns, pk)
        parent_created = max(model["createdAt"], dest["createdAt"])
        room = max(0, self.end_ms - 2 * 3_600_000 - parent_created)
        created = parent_created + int(min(60 * DAY_MS, room * (0.05 + 0.45 * rng.random())))
        sync_id = sync_id_for(i)
        disabled = i % 17 == 5
        never_run = i % 13 == 11
        sync = {
            "id": sync_id,
            "slug": slugs(slugify(f"{model['slug']}-to-{dest['slug']}")),
            "workspaceId": cfg.workspace_id,
            "createdAt": created,
            "updatedAt": self._updated(rng, created),
            "destinationId": dest_id,
            "modelId": model_id,
            "configuration": configuration,
            "schedule": None if never_run else schedule(i, self._per_day),
            "status": "pending",
            "disabled": disabled,
            "lastRunAt": None,
            "referencedColumns": referenced,
            "primaryKey": pk,
            "externalSegment": {"id": f"{stable_int(cfg.seed, 'seg', i) % 10**10}"}
            if dest["type"] in ("google_ads", "braze")
            else {},
            "tags": [{}, {"owner": "growth-eng"}, {"priority": "high", "owner": "revops"}][i % 3],
        }
        self._syncs.append(sync)
        self._runtime[sync_id] = _SyncRuntime(
            index=i,
            id=sync_id,
            created_ms=created,
            has_runs=self._per_day > 0 and not disabled and not never_run,
            rows_base=int(10 ** (2 + 4 * unit_floats(cfg.seed, "rows", model_id)[0])),
            event=event,
            last_state="running" if i % 6 == 1 else ("queued" if i % 12 == 9 else None),
            columns=columns,
            pk=pk,
            table=self._model_grain[model["id"]],
            dest_name=dest["name"],
        )
