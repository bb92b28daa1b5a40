"""Shared helpers for tests that run the Hightouch collector against the simulator."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dagster as dg

from kada_dagster.core.assets import LANDING_KEY, STORAGE_KEY
from kada_dagster.core.landing import UrlLandingResource
from kada_dagster.core.resources import IntermediateStorageResource
from kada_dagster.core.sensors import with_kada_automation
from kada_dagster.hightouch.definitions import hightouch_definitions
from kada_dagster.hightouch.resources import HightouchResource
from kada_sim.server import SECRET_MARKER

END = datetime(2026, 11, 23, tzinfo=timezone.utc)


def hightouch_resource(url: str, token: str, **kwargs: Any) -> HightouchResource:
    options: dict[str, Any] = {"base_url": url, "api_token": token, "backoff_base_seconds": 0.01}
    options.update(kwargs)
    return HightouchResource(**options)


def build_defs(url: str, token: str, tmp: Path, *, landing_url: str | None = None, **kwargs: Any) -> dg.Definitions:
    return with_kada_automation(dg.Definitions.merge(
        hightouch_definitions(resource=hightouch_resource(url, token, **kwargs), start_date="2026-11-01"),
        dg.Definitions(resources={
            STORAGE_KEY: IntermediateStorageResource(base_path=str(tmp / "intermediate")),
            LANDING_KEY: UrlLandingResource(url=landing_url or str(tmp / "landing")),
        }),
    ))


def materialise(defs: dg.Definitions, *, partition: str | None = None, start: str | None = None,
                end: str | None = None, instance: dg.DagsterInstance | None = None) -> dg.ExecuteInProcessResult:
    job = defs.resolve_implicit_global_asset_job_def()
    tags = {}
    if start and end:
        tags = {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end}
    return job.execute_in_process(partition_key=partition, tags=tags, raise_on_error=False,
                                  instance=instance or dg.DagsterInstance.ephemeral())


def all_text_under(root: Path) -> str:
    """Every file below root as text (gzip decompressed, parquet read as bytes): for leak checks."""
    parts = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        parts.append(data.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def assert_no_secret_leak(secrets: list[str], tmp: Path, instance: dg.DagsterInstance, run_id: str) -> None:
    """No fake credential, nor the simulators' ``SIMSECRET`` marker, in any file under ``tmp`` (landing and
    intermediate storage) or in the run's Dagster events; the files show credentials as redacted."""
    assert len(secrets) > 3
    files = all_text_under(tmp)
    events = "\n".join(json.dumps(dg.serialize_value(e)) for e in instance.all_logs(run_id))
    for secret in secrets:
        assert secret not in files and secret not in events
    assert SECRET_MARKER not in files and SECRET_MARKER not in events
    assert "***REDACTED***" in files
