"""Sends a range's OpenLineage events through the OpenLineage Python client, as the client is configured.

Every partition is translated first (a missing table fails before anything is sent); then the events go
out in order through `OpenLineageClient()` with its standard configuration, so every transport the client
offers works unchanged. A transport that fails stops the run with an `OpenLineageError` that names the
setting to fix and how far it got; the tables and the landing are other assets and are not touched.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urljoin

from openlineage.client import OpenLineageClient

from kada_dagster.core.collector import PartitionWindow
from kada_dagster.core.extract.schema import KINDS, iter_rows
from kada_dagster.core.openlineage.config import OpenLineageSetting, configured_setting, disabled
from kada_dagster.core.openlineage.events import Event, translate
from kada_dagster.core.openlineage.vendor import OpenLineageVendor
from kada_dagster.core.settings import redact_url
from kada_dagster.core.storage import IntermediateStore


class OpenLineageError(RuntimeError):
    """OpenLineage could not be set up or a transport failed; the message names the setting to fix."""


def producer_uri() -> str:
    """The `producer` of our events and facets: this package and its version, as a URI."""
    try:
        return f"urn:kada_dagster:{version('kada_dagster')}"
    except PackageNotFoundError:
        return "urn:kada_dagster:0+unknown"


@dataclass
class SendOutcome:
    """What was sent, per kind and per partition, and where."""

    counts: Counter[str] = field(default_factory=Counter)
    per_partition: dict[str, dict[str, int]] = field(default_factory=dict)
    jobs: int = 0
    datasets: int = 0
    unplaced: Counter[str] = field(default_factory=Counter)
    transport: str = ""
    setting: str = ""
    seconds: float = 0.0


_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"<>),]+", re.I)


def _error_text(exc: BaseException) -> str:
    """The error in one line, URLs without credentials or query strings (a token can sit in either)."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status is not None:
        return f"HTTP {status} {getattr(response, 'reason', '') or ''}".strip()
    text = (str(exc).splitlines() or [""])[0]
    return f"{type(exc).__name__}: {_URL.sub(lambda m: redact_url(m.group(0)), text)}"[:300]


def transport_target(transport: Any) -> str:
    """Where a transport sends, for messages: an HTTP URL, a file path, a Kafka topic, or its kind."""
    kind = str(getattr(transport, "kind", "") or type(transport).__name__)
    if getattr(transport, "url", None):
        return f"{kind} {redact_url(urljoin(str(transport.url), str(getattr(transport, 'endpoint', '') or '')))}"
    path = getattr(getattr(transport, "config", None), "log_file_path", None)
    if path:
        return f"{kind} {path}"
    if getattr(transport, "topic", None):
        return f"{kind} topic {transport.topic}"
    return kind


@contextmanager
def open_client(setting: OpenLineageSetting) -> Iterator[OpenLineageClient]:
    """The client, configured as it configures itself. It writes OPENLINEAGE_URL into OPENLINEAGE__*
    aliases in os.environ; those are removed again, so a later change of OPENLINEAGE_URL is honoured."""
    before = {k: v for k, v in os.environ.items() if k.startswith("OPENLINEAGE")}
    try:
        client = OpenLineageClient()
    except Exception as exc:  # the client raises whatever its transport's config raises
        raise OpenLineageError(f"OpenLineage: the client could not be set up from {setting.describe()}: "
                               f"{_error_text(exc)}. Fix that setting and materialise the partition again.") from None
    finally:
        for key in [k for k in os.environ if k.startswith("OPENLINEAGE") and k not in before]:
            del os.environ[key]
        os.environ.update(before)
    if client.transport.kind == "console" and setting.transport_type != "console":
        raise OpenLineageError(f"OpenLineage: {setting.describe()} gives the client no transport (it would print "
                               "the events to the console): set a transport `type`.")
    try:
        yield client
    finally:
        client.close()


def read_tables(store: IntermediateStore, instance: str, partition: str) -> dict[str, list[dict[str, Any]]]:
    return {kind: list(iter_rows(store.read_table(instance, partition, kind))) for kind in KINDS}


def _send(client: OpenLineageClient, events: list[Event], where: str, setting: OpenLineageSetting) -> None:
    target = transport_target(client.transport)
    for sent, event in enumerate(events):
        try:
            client.emit(event)
        except Exception as exc:  # every transport raises its own errors
            raise OpenLineageError(
                f"OpenLineage: sending the events of {where} through {target} failed after {sent} of "
                f"{len(events)} events ({_error_text(exc)}): check {setting.describe()} and that where it points "
                "is reachable and accepts OpenLineage events. The extract tables and the landing are not affected; materialise "
                "the openlineage asset for the partition again once fixed (the run ids are the same, so "
                "consumers deduplicate).") from None


def send_partitions(vendor: OpenLineageVendor, store: IntermediateStore, instance: str,
                    windows: list[PartitionWindow], host: str, log: logging.Logger) -> SendOutcome:
    """Translates each partition's tables and sends its events; one client for the whole range."""
    started = time.monotonic()
    setting = configured_setting()
    outcome = SendOutcome()
    if setting is None:
        if disabled():
            log.info("OPENLINEAGE_DISABLED=true: no OpenLineage event sent")
            return outcome
        raise OpenLineageError(
            f"OpenLineage is not configured in this run's environment, although {instance}/openlineage was "
            "defined when the code location loaded: set OPENLINEAGE_URL, OPENLINEAGE__TRANSPORT__TYPE (and its "
            "settings) or an openlineage.yml where the run's process reads them.")
    producer = producer_uri()
    for window in windows:  # a day never extracted fails the run before anything is sent
        for kind in KINDS:
            if not store.table_path(instance, window.key, kind).exists():
                store.read_table(instance, window.key, kind)  # raises, naming the asset to materialise
    outcome.setting = setting.describe()
    with open_client(setting) as client:
        outcome.transport = transport_target(client.transport)
        for window in windows:  # one day's events in memory at a time, however long the range
            key = window.key
            translation = translate(read_tables(store, instance, key), vendor, host, window.end, producer)
            _send(client, translation.events, f"{instance} partition {key}", setting)
            outcome.per_partition[key] = dict(sorted(translation.counts.items()))
            outcome.counts.update(translation.counts)
            outcome.jobs, outcome.datasets = max(outcome.jobs, translation.jobs), max(outcome.datasets,
                                                                                     translation.datasets)
            outcome.unplaced.update(translation.unplaced)
            log.info(f"OpenLineage: sent {sum(translation.counts.values())} events of {instance} {key} "
                     f"({dict(sorted(translation.counts.items()))}) through {outcome.transport}")
    outcome.seconds = round(time.monotonic() - started, 3)
    return outcome
