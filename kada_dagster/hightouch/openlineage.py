"""Hightouch's OpenLineage hooks: jobs are syncs and models, in `hightouch://<workspace id>`.

Hightouch has no workspaces endpoint; the workspace object (and so the namespace) is derived from the
objects' `workspaceId` (docs/API_FIELDS.md). A sync writes to the destination its `destinationId` names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kada_dagster.core.openlineage.vendor import OpenLineageVendor


class HightouchOpenLineage(OpenLineageVendor):
    integration = "HIGHTOUCH"
    scheme = "hightouch"
    job_types = frozenset({"sync", "model"})
    whole_output_types = frozenset({"model"})  # a model's result set is its own; a sync writes some fields

    def job_namespace(self, metadata: Mapping[str, Mapping[str, Any]], host: str) -> str:
        workspaces = sorted(oid.rpartition(":")[2] for oid, row in metadata.items()
                            if row.get("object_type") == "workspace")
        return f"hightouch://{workspaces[0]}" if workspaces else super().job_namespace(metadata, host)

    def destination_of(self, flow: Mapping[str, Any] | None) -> str | None:
        if not flow or flow.get("object_type") != "sync":
            return None
        try:
            destination = json.loads(flow.get("properties") or "{}").get("destinationId")
        except (ValueError, AttributeError):
            return None
        return f"hightouch:destination:{destination}" if destination not in (None, "") else None
