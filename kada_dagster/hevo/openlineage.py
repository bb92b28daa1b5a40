"""Hevo's OpenLineage hooks: jobs are pipelines, pipeline objects, models and workflows, in
`hevo://<region host>` (the instance's K host, `<region>.hevodata.com` unless `host` is set).

Hevo Edge reports runs per pipeline while the lineage runs through its objects, so a pipeline's job also
carries its objects' datasets (as Hevo's own Airflow provider lists every object of a pipeline run as
its inputs and outputs: PUBLIC, hevoio/hevo-airflow-provider `openlineage/utils.py`); each object's job
carries its own table.
"""

from __future__ import annotations

from kada_dagster.core.openlineage.vendor import OpenLineageVendor


class HevoOpenLineage(OpenLineageVendor):
    integration = "HEVO"
    scheme = "hevo"
    job_types = frozenset({"pipeline", "pipeline_object", "model", "workflow"})
    parent_jobs = frozenset({"pipeline"})
    whole_output_types = frozenset({"pipeline", "pipeline_object", "model"})  # Hevo creates the tables it loads
