"""Ground truth for tests: the account as served, lineage from the generator, latest runs and jobs."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from kada_sim.hevo.edge import _HevoEdge
from kada_sim.server import as_ms


class _HevoTruth(_HevoEdge):
    """Pipelines, objects, mappings, destinations, models, workflows, lineage, latest runs and jobs."""

    def pipelines(self) -> list[dict[str, Any]]:
        """Every pipeline as served (list shape), ordered as served."""
        return copy.deepcopy(self._pipelines)

    def objects_for(self, pipeline_id: int) -> list[dict[str, Any]]:
        """A pipeline's objects in list shape (Standard or Edge)."""
        return copy.deepcopy(self._objects[int(pipeline_id)])

    def object_details_for(self, pipeline_id: int) -> list[dict[str, Any]]:
        """Edge only: object detail records (with ``fields``)."""
        return copy.deepcopy(list(self._object_details[int(pipeline_id)].values()))

    def event_types_for(self, pipeline_id: int) -> list[dict[str, Any]]:
        return copy.deepcopy(self._event_types[int(pipeline_id)])

    def mapping_for(self, pipeline_id: int, event_type: str) -> dict[str, Any] | None:
        """Standard only: the schema mapping for an event type (None where the API 404s)."""
        mapping = self._mappings[int(pipeline_id)].get(event_type)
        return copy.deepcopy(mapping)

    def transformation_for(self, pipeline_id: int) -> dict[str, Any]:
        return copy.deepcopy(self._transformations[int(pipeline_id)])

    def destinations(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._destinations)

    def models(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._models) if self.flavour == "standard" else []

    def workflows(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._workflows) if self.flavour == "standard" else []

    def truth_lineage(self) -> list[dict[str, Any]]:
        """Ground truth of this account's lineage, from the generator (not from any served payload): one
        entry per object that loads data (``kind`` object), transformation output (``derived``) or model
        (``model``), with ``via`` (the object id the collector writes), the ``source`` / ``destination``
        names a user keys ``mapping`` by, ``upstream`` / ``upstreams`` and ``downstream`` as (database,
        schema, table) as the warehouse stores them, ``columns`` {(source column, destination column)}
        and ``created`` (epoch ms). ``unresolvable`` marks lineage the served payload cannot give (a
        documented model whose destination nothing names)."""
        return copy.deepcopy(self._truth)

    def truth_last_runs(self, start: datetime, end: datetime) -> dict[str, str]:
        """Standard: event id → contract status of every latest run in [start, end), as the public record
        allows: the served ``last_run_status`` where this profile serves one, else UNKNOWN."""
        lo, hi = as_ms(start), as_ms(end)
        outcome = {"SUCCESS": "SUCCESS", "FAILED": "FAILED", "RUNNING": "RUNNING"}
        out: dict[str, str] = {}
        for p in self._pipelines:
            for o in self._objects[p["id"]]:
                if o["last_run_ts"] is not None and lo <= o["last_run_ts"] < hi:
                    out[f"hevo:object_last_run:{p['id']}:{o['name']}:{o['last_run_ts']}"] = "UNKNOWN"
        for kind, records in (("model", self._models), ("workflow", self._workflows)):
            for r in records:
                if r["last_run_ts"] is not None and lo <= r["last_run_ts"] < hi:
                    status = outcome.get(r.get("last_run_status") or "", "UNKNOWN")
                    out[f"hevo:{kind}_last_run:{r['id']}:{r['last_run_ts']}"] = status
        return out

    def jobs_for(
        self,
        pipeline_id: int,
        start: datetime | str | int | None = None,
        end: datetime | str | int | None = None,
    ) -> list[dict[str, Any]]:
        """Edge only: jobs with created_ts in [start, end), newest first, as served."""
        rt = self._runtime[int(pipeline_id)]
        lo, hi = self._job_window(rt, as_ms(start), as_ms(end))
        return [job for _, job in self._jobs_desc(rt, lo, hi)]
