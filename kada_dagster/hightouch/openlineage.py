"""Hightouch's OpenLineage hooks: jobs are syncs and models, in `hightouch://<workspace id>`.

Hightouch has no workspaces endpoint; the workspace object (and so the namespace) is derived from the
objects' `workspaceId` (docs/API_FIELDS.md). A sync writes to the destination its `destinationId` names.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from kada_dagster.core.openlineage.vendor import OpenLineageVendor


class HightouchOpenLineage(OpenLineageVendor):
    integration = "HIGHTOUCH"
    scheme = "hightouch"
    job_types = frozenset({"sync", "model"})
    whole_output_types = frozenset({"model"})  # a model's result set is its own; a sync writes some fields

    def job_namespace(self, object_ids: Collection[str], host: str) -> str:
        workspaces = sorted(oid.rpartition(":")[2] for oid in object_ids if oid.startswith("hightouch:workspace:"))
        return f"hightouch://{workspaces[0]}" if workspaces else super().job_namespace(object_ids, host)

    def destination_of(self, flow: Mapping[str, Any]) -> str | None:
        destination = flow.get("destinationId")  # OFFICIAL: sync.destinationId (docs/API_FIELDS.md)
        return f"hightouch:destination:{destination}" if isinstance(destination, (int, str)) and destination != "" \
            else None
