"""Workspace generation: sources, then models, destinations and syncs, the cross-tool story, the derived
fields (``syncs`` lists, sync status and ``lastRunAt``, ``lastRunSize``) and the served representations."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from kada_sim.hightouch.blobs import destination_configuration, source_configuration
from kada_sim.hightouch.config import _SyncRuntime
from kada_sim.hightouch.syncs import _HightouchSyncs
from kada_sim.hightouch.vocabulary import DEST_CYCLE, DEST_NAMES, SOURCE_CYCLE, SOURCE_NAMES, _Unique, slugify
from kada_sim.server import DAY_MS, iso_ms, parse_iso, stable_int
from kada_sim.story import CONTACT_MAPPINGS, hightouch_story
from kada_sim.story import SNOWFLAKE_HOST as STORY_SNOWFLAKE_HOST


class _HightouchWorkspace(_HightouchSyncs):
    """``_build``: the whole workspace from the seed, in a fixed order of draws."""

    def _build(self) -> None:
        cfg = self.config
        rng = random.Random(stable_int(cfg.seed, "hightouch-objects"))
        self._sources = []
        self._source_ctx = {}
        names = _Unique(" ")
        slugs = _Unique("-")
        for i in range(cfg.n_sources):
            stype = SOURCE_CYCLE[i % len(SOURCE_CYCLE)]
            choices = SOURCE_NAMES[stype]
            name = names(choices[(i // len(SOURCE_CYCLE)) % len(choices)])
            sid = 1200 + 3 * i
            created = self._created(rng)
            config, ctx = source_configuration(stype, i, rng, self._secret)
            ctx["type"] = stype
            ctx["name"] = name
            ctx["host"] = self._truth_host(stype, config)
            self._source_ctx[sid] = ctx
            self._sources.append(
                {
                    "id": sid,
                    "name": name,
                    "slug": slugs(slugify(name)),
                    "workspaceId": cfg.workspace_id,
                    "createdAt": created,
                    "updatedAt": self._updated(rng, created),
                    "configuration": config,
                    "type": stype,
                }
            )
        self._build_models(rng)
        self._build_destinations(rng)
        self._build_syncs(rng)
        if cfg.story:
            self._add_story()
        self._finish_relations()

    def _add_story(self) -> None:
        """The Hightouch end of ``kada_sim.story``: source, model, Salesforce destination and sync."""
        salesforce = next((d["id"] for d in self._destinations if d["type"] == "salesforce"), None)
        created = self.history_start_ms - 30 * DAY_MS
        story = hightouch_story(self.config.workspace_id, created, salesforce)
        self._sources.append(story["source"])
        self._source_ctx[1999] = {"type": "snowflake", "name": story["source"]["name"], "database": "ANALYTICS",
                                  "schema": "MARTS", "host": STORY_SNOWFLAKE_HOST, "styles": []}
        self._models.append(story["model"])
        self._model_columns[5999], self._model_grain[5999] = [c for c, _f in CONTACT_MAPPINGS], "customers"
        self._truth_models[5999] = ("tables", {("ANALYTICS", "MARTS", "DIM_CUSTOMERS")})
        if story["destination"] is not None:
            self._destinations.append(story["destination"])
        sync = story["sync"]
        self._syncs.append(sync)
        self._truth_syncs[sync["id"]] = ("Contact", sorted(CONTACT_MAPPINGS))
        self._runtime[sync["id"]] = _SyncRuntime(
            index=len(self._syncs) - 1, id=sync["id"], created_ms=created, has_runs=False, rows_base=100, event=False,
            last_state=None, columns=[c for c, _f in CONTACT_MAPPINGS], pk="CUSTOMER_ID", table="customers",
            dest_name="Salesforce")

    def _build_destinations(self, rng: random.Random) -> None:
        cfg = self.config
        # names are unique in the UI of our own assumption only; the reference says nothing of it
        names: Callable[[str], str] = (lambda n: n) if self.documented else _Unique(" ")
        slugs = _Unique("-")
        self._destinations = []
        for i in range(cfg.n_destinations):
            dtype = DEST_CYCLE[i % len(DEST_CYCLE)]
            name = names(DEST_NAMES[dtype])
            created = self._created(rng)
            self._destinations.append(
                {
                    "id": 3100 + 5 * i,
                    "name": name,
                    "slug": slugs(slugify(name)),
                    "workspaceId": cfg.workspace_id,
                    "createdAt": created,
                    "updatedAt": self._updated(rng, created),
                    "type": dtype,
                    "configuration": destination_configuration(dtype, i, rng, self._secret, self.documented),
                    "syncs": [],
                }
            )

    def _finish_relations(self) -> None:
        """Fill the derived fields: model/destination ``syncs``, sync status/lastRunAt, lastRunSize."""
        models = {m["id"]: m for m in self._models}
        dests = {d["id"]: d for d in self._destinations}
        last_success: dict[int, tuple[int, int]] = {}
        for sync in self._syncs:
            rt = self._runtime[sync["id"]]
            if sync["modelId"] in models:
                models[sync["modelId"]]["syncs"].append(sync["id"])
            if sync["destinationId"] in dests:
                dests[sync["destinationId"]]["syncs"].append(sync["id"])
            if sync["disabled"]:
                sync["status"] = "disabled"
            latest = None
            self._last_finished[sync["id"]] = None
            for start, run in self._iter_runs_desc(rt):
                if self._last_finished[sync["id"]] is None and run.get("finishedAt"):
                    self._last_finished[sync["id"]] = parse_iso(run["finishedAt"])
                    self._last_finished_status[sync["id"]] = run["status"]
                if latest is None:
                    latest = (start, run)
                    sync["lastRunAt"] = start
                    if not sync["disabled"]:
                        sync["status"] = run["status"]
                if run["status"] == "success":
                    prev = last_success.get(sync["modelId"])
                    if prev is None or prev[0] < start:
                        last_success[sync["modelId"]] = (start, run["querySize"])
                    break
        for mid, (_, size) in last_success.items():
            if mid in models:
                models[mid]["lastRunSize"] = size
        unsynced = [
            m
            for m in self._models
            if not m["syncs"] and not m["isSchema"] and m["queryType"] in ("custom", "raw_sql")
        ]
        for m in unsynced[::2]:  # "null if the query doesn't get directly synced"
            m["primaryKey"] = None
        self._present_all()

    def _present_all(self) -> None:
        """Freeze served representations (timestamps as strings, ids per ``string_ids``)."""
        sid = self._id

        def common(obj: dict[str, Any]) -> dict[str, Any]:
            out = dict(obj)
            out["id"] = sid(obj["id"])
            out["workspaceId"] = sid(obj["workspaceId"])
            out["createdAt"] = iso_ms(obj["createdAt"])
            out["updatedAt"] = iso_ms(obj["updatedAt"])
            return out

        self._served = {}
        rows = []
        for s in self._sources:
            rows.append((s, common(s)))
        self._served["sources"] = rows
        rows = []
        for m in self._models:
            out = common(m)
            out["sourceId"] = sid(m["sourceId"])
            out["syncs"] = [sid(x) for x in m["syncs"]]
            if "visual" in m:
                out["visual"] = dict(m["visual"], parentId=sid(m["visual"]["parentId"]))
            if "dbt" in m:
                out["dbt"] = dict(m["dbt"], modelId=sid(m["dbt"]["modelId"]))
            rows.append((m, out))
        self._served["models"] = rows
        rows = []
        for d in self._destinations:
            out = common(d)
            out["syncs"] = [sid(x) for x in d["syncs"]]
            rows.append((d, out))
        self._served["destinations"] = rows
        rows = []
        for s in self._syncs:
            out = common(s)
            out["destinationId"] = sid(s["destinationId"])
            out["modelId"] = sid(s["modelId"])
            last = self._last_finished.get(s["id"]) if self.profile == "documented-last-finished" else s["lastRunAt"]
            out["lastRunAt"] = iso_ms(last) if last is not None else None
            if self.profile == "documented-last-finished" and not s["disabled"]:
                out["status"] = self._last_finished_status.get(s["id"], "pending")
            if self.profile == "documented-no-last-run-at":
                del out["lastRunAt"]
            rows.append((s, out))
        self._served["syncs"] = rows
        self._by_id = {kind: {raw["id"]: out for raw, out in rows_} for kind, rows_ in self._served.items()}
