"""Failed collector runs reach people: one structured log line, and a webhook POST when one is set.

The webhook (`KADA_ALERT_WEBHOOK_URL`, Slack-compatible: the JSON body has a `text`) is a secret like
the API credentials: its URL carries the token that lets anyone post, so it is never logged, never put
in metadata, and a failed POST names the setting, not the URL.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import requests

WEBHOOK_ENV = "KADA_ALERT_WEBHOOK_URL"
_PARTITION_TAG = "dagster/partition"
_RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")

log = logging.getLogger("kada_dagster.alerts")


@dataclass(frozen=True)
class FailureReport:
    """What a person needs to act on a failed run, without opening the UI."""

    instance: str
    run_id: str
    job: str
    partitions: str
    steps: list[str]
    error: str

    @property
    def text(self) -> str:
        steps = ", ".join(self.steps) or "the run"
        job = "" if self.job.startswith("__") else f", job {self.job}"  # the implicit asset job says nothing
        return (f"kada_dagster: {self.instance} failed for {self.partitions or 'no partition'} in {steps}: "
                f"{self.error} (run {self.run_id}{job})")

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, **asdict(self)}


def partitions_of(tags: Mapping[str, str]) -> str:
    """`2026-11-22`, or `2026-11-01...2026-11-30` for a single-run range backfill."""
    if tags.get("kada/partitions"):  # set by the run's first step (core.pages.tag_run)
        return tags["kada/partitions"]
    if tags.get(_PARTITION_TAG):
        return tags[_PARTITION_TAG]
    start, end = (tags.get(t) for t in _RANGE_TAGS)
    return f"{start}...{end}" if start and end else ""


def failure_report(instance: str, run_id: str, job: str, tags: Mapping[str, str], steps: Sequence[str],
                   errors: Sequence[str], run_error: str | None) -> FailureReport:
    error = next((e for e in errors if e), None) or run_error or "the run failed without an error message"
    first_line = error.strip().splitlines()[0] if error.strip() else error
    return FailureReport(instance=instance, run_id=run_id, job=job, partitions=partitions_of(tags),
                         steps=sorted(set(steps)), error=first_line[:500])


def send_alert(report: FailureReport, logger: Any = None, webhook_url: str | None = None,
               timeout: float = 10.0) -> bool:
    """Logs the report as one JSON line; POSTs it to the webhook when one is set. True when POSTed."""
    target = logger or log
    target.error("kada_dagster run failure " + json.dumps(report.payload(), sort_keys=True))
    url = webhook_url if webhook_url is not None else os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return False
    try:
        response = requests.post(url, json=report.payload(), timeout=timeout)
    except requests.RequestException as exc:
        target.warning(f"{WEBHOOK_ENV}: the alert could not be sent ({type(exc).__name__})")
        return False
    if response.status_code >= 300:
        target.warning(f"{WEBHOOK_ENV}: the alert was refused with HTTP {response.status_code}")
        return False
    return True
