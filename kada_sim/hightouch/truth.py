"""Ground truth for tests: the workspace as served and what a partition's extract must contain."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from kada_sim.hightouch.config import EVENT_STATUS
from kada_sim.hightouch.workspace import _HightouchWorkspace
from kada_sim.server import DAY_MS, as_ms


class _HightouchTruth(_HightouchWorkspace):
    """Served objects, runs, object ids, lineage edges and events, computed by the generator."""

    def sources(self) -> list[dict[str, Any]]:
        """Every source exactly as served, ordered by id."""
        return copy.deepcopy([out for _, out in self._served["sources"]])

    def models(self) -> list[dict[str, Any]]:
        return copy.deepcopy([out for _, out in self._served["models"]])

    def destinations(self) -> list[dict[str, Any]]:
        return copy.deepcopy([out for _, out in self._served["destinations"]])

    def syncs(self) -> list[dict[str, Any]]:
        return copy.deepcopy([out for _, out in self._served["syncs"]])

    def runs_for(
        self,
        sync_id: int | str,
        start: datetime | str | int | None = None,
        end: datetime | str | int | None = None,
    ) -> list[dict[str, Any]]:
        """All runs of a sync with startedAt in [start, end), ascending by id, as served."""
        rt = self._runtime[int(sync_id)]
        lo, hi = self._window(rt, as_ms(start), as_ms(end))
        page, _ = self._runs_page(rt, lo, hi, 0, 1 << 62)
        return copy.deepcopy(page)

    def expected_object_ids(self, end: datetime | str | int) -> set[str]:
        """The metadata object ids of a partition ending at ``end`` (objects created before it)."""
        hi = as_ms(end)
        ids = {f"hightouch:workspace:{self.config.workspace_id}"}
        for kind, collection in (("source", self._sources), ("model", self._models),
                                 ("destination", self._destinations), ("sync", self._syncs)):
            ids |= {f"hightouch:{kind}:{o['id']}" for o in collection if o["createdAt"] < hi}
        return ids

    def expected_lineage(self, host: str, end: datetime | str | int) -> set[tuple[Any, ...]]:
        """Every edge of a partition ending at ``end``, as (linkage_type, via, upstream type, host, database,
        schema, object, column, downstream type, host, database, schema, object, column), None for empty.

        Own objects are at ``host``; a destination object is at host ``hightouch:destination:<id>`` (no
        mapping); a sync naming no object flows into its destination itself."""
        hi = as_ms(end)
        models = {m["id"]: m for m in self._models if m["createdAt"] < hi}
        sources = {s["id"]: s for s in self._sources if s["createdAt"] < hi}
        dests = {d["id"]: d for d in self._destinations if d["createdAt"] < hi}

        def own(kind: str, native: int) -> tuple[Any, ...]:
            return (kind, host, None, None, f"hightouch:{kind}:{native}")

        edges: set[tuple[Any, ...]] = set()
        for mid, model in models.items():
            kind, value = self._truth_models[mid]
            if model["sourceId"] not in sources:
                raise ValueError(f"model {mid} is older than its source: pick another seed")
            down = own("model", mid)
            if kind == "tables":
                ctx = self._source_ctx[model["sourceId"]]
                for db, schema, name in value:
                    edges.add(("table", None, "table", ctx["host"] or None, db, schema, name, None, *down, None))
            elif kind == "model":
                edges.add(("table", None, *own("model", value), None, *down, None))
            else:
                edges.add(("table", None, *own("source", value), None, *down, None))
        for sync in self._syncs:
            if sync["createdAt"] >= hi or sync["modelId"] not in models or sync["destinationId"] not in dests:
                continue
            obj, pairs = self._truth_syncs[sync["id"]]
            via = f"hightouch:sync:{sync['id']}"
            dest = sync["destinationId"]
            target = own("destination", dest) if obj is None else (
                "destination_object", f"hightouch:destination:{dest}", None, None, obj)
            up = own("model", sync["modelId"])
            edges.add(("table", via, *up, None, *target, None))
            for column, field_name in pairs:
                edges.add(("column", via, *up, column, *target, field_name))
        return edges

    def expected_events(self, start: datetime | str | int, end: datetime | str | int) -> dict[str, str]:
        """event id -> contract status of every run created/started in [start, end)."""
        out = {}
        for sync in self._syncs:
            for run in self.runs_for(sync["id"], start, end):
                out[f"hightouch:sync_run:{sync['id']}:{run['id']}"] = EVENT_STATUS[run["status"]]
        return out

    def run_count(
        self, start: datetime | str | int | None = None, end: datetime | str | int | None = None
    ) -> int:
        """Total runs across all syncs with startedAt in [start, end) (cheap: counts, mostly no generation)."""
        total = 0
        for rt in self._runtime.values():
            lo, hi = self._window(rt, as_ms(start), as_ms(end))
            if rt.has_runs and lo < hi:
                total += sum(
                    self._day_count(rt, d, lo, hi) for d in range(lo // DAY_MS, (hi - 1) // DAY_MS + 1)
                )
        return total
