"""What differs between vendors in their OpenLineage events: a few small hooks, the rest is shared.

Each `Collector` carries one (`source.openlineage`); the translator asks it for the job namespace,
which object types are jobs, which jobs also carry their children's lineage, which jobs write whole
objects (so their outputs' columns are a schema), and where a flow object writes to.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any


class OpenLineageVendor:
    """Defaults for a vendor; subclasses set the class attributes and override what differs."""

    integration: str = ""
    """The `jobType` facet's integration (HIGHTOUCH, HEVO)."""
    scheme: str = ""
    """The job namespace's scheme (`hightouch://...`, `hevo://...`)."""
    job_types: frozenset[str] = frozenset()
    """Object types that run, so are OpenLineage jobs (sync, model, pipeline, ...)."""
    parent_jobs: frozenset[str] = frozenset()
    """Job types whose job also carries the lineage of its children (parent_id), because the vendor
    reports runs for the parent (a Hevo Edge job runs a whole pipeline)."""
    whole_output_types: frozenset[str] = frozenset()
    """Job types that define the columns of what they write (a model, a pipeline loading tables): their
    outputs get a `schema` facet. A sync writes some fields of an object it does not define: none."""

    def job_namespace(self, object_ids: Collection[str], host: str) -> str:
        """The instance's job namespace from the partition's object ids; `host` is the instance's K host."""
        return f"{self.scheme}://{host}"

    def destination_of(self, flow: Mapping[str, Any]) -> str | None:
        """object_id of the destination a flow object (a sync) writes to, from its API fields (`properties`)."""
        return None
