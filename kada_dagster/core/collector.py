"""What a vendor's collector must provide: how to fetch a window of raw data and how to normalise it.

The asset factory (`kada_dagster.core.assets`) does everything else the same way for every vendor:
partitions, intermediate storage, checks, UI metadata and landing. A vendor differs only here. ("Source"
means one thing in this project: a data source of a tool, such as a Hightouch source or a Hevo pipeline's.)
"""

from __future__ import annotations

import bisect
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import pyarrow as pa

from kada_dagster.core.extract.column_lineage import LineageCache
from kada_dagster.core.openlineage.vendor import OpenLineageVendor
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.settings import CollectorSettings
from kada_dagster.core.storage import IntermediateStore, RawPartitionWriter


class ClientStats(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class VendorClient(Protocol):
    """What the layers need of any vendor's client; its lists, paging and records are the vendor's own."""

    @property
    def stats(self) -> ClientStats: ...

    def test_connection(self) -> None:
        """One cheap authenticated call that fails fast, naming the setting to fix."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class PartitionWindow:
    """One daily partition: `[start, end)` in UTC; `end` is the KADA end_hwm and the file stamp."""

    key: str
    start: datetime
    end: datetime


@dataclass
class FetchContext:
    """A fetch covers the whole run's range once, however many partitions it spans."""

    settings: CollectorSettings
    windows: list[PartitionWindow]
    problems: ProblemLog
    log: Any

    @property
    def start(self) -> datetime:
        return self.windows[0].start

    @property
    def end(self) -> datetime:
        return self.windows[-1].end


class EventRouter:
    """Sends each run record to the partition whose window contains its start time.

    Records that started outside the range are dropped (counted): the server's own window filter may
    be inclusive where ours is not.
    """

    def __init__(self, windows: list[PartitionWindow], writers: Mapping[str, RawPartitionWriter],
                 problems: ProblemLog) -> None:
        self._windows = sorted(windows, key=lambda w: w.start)
        self._starts = [w.start for w in self._windows]  # bisected: a year's range routes each run in 9 steps
        self._writers = writers
        self._problems = problems
        self.outside = 0
        self._lock = threading.Lock()

    def window_for(self, started_at: datetime | None) -> PartitionWindow | None:
        if started_at is None:
            return None
        i = bisect.bisect_right(self._starts, started_at) - 1
        if i >= 0 and started_at < self._windows[i].end:
            return self._windows[i]
        return None

    def add_many(self, collection: str, records: Iterable[tuple[Mapping[str, Any], datetime | None]]) -> int:
        by_window: dict[str, list[Mapping[str, Any]]] = {}
        outside = 0
        for record, started_at in records:
            window = self.window_for(started_at)
            if window is None:
                outside += 1
            else:
                by_window.setdefault(window.key, []).append(record)
        for key, recs in by_window.items():
            self._writers[key].add_many(collection, recs)
        with self._lock:
            self.outside += outside
        return sum(len(v) for v in by_window.values())


class RawPartition:
    """Read access to one partition's raw collections."""

    def __init__(self, store: IntermediateStore, instance: str, window: PartitionWindow) -> None:
        self.store = store
        self.instance = instance
        self.window = window

    def stream(self, name: str) -> Iterator[Any]:
        return self.store.read_raw(self.instance, self.window.key, name)


@dataclass
class NormaliseContext:
    settings: CollectorSettings
    window: PartitionWindow
    problems: ProblemLog
    lineage_cache: LineageCache | None = None  # traced model SQL, shared by the run's partitions


@dataclass
class ExtractResult:
    """The four K extract tables of one partition, plus what the UI and checks report about them."""

    tables: dict[str, pa.Table]
    unmapped_sources: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


ClientT = TypeVar("ClientT", bound=VendorClient)


class Collector(ABC, Generic[ClientT]):
    """A vendor: its collections, how to fetch them for a window, and how to normalise them."""

    source_type: str
    display_name: str
    metadata_collections: tuple[str, ...]
    event_collections: tuple[str, ...]
    openlineage: OpenLineageVendor = OpenLineageVendor()
    """How its OpenLineage events differ (namespace, job types): `core.openlineage`."""

    @abstractmethod
    def created_at(self, collection: str, record: Mapping[str, Any]) -> datetime | None:
        """When an object was created; objects created after a partition's end are left out of it."""

    @abstractmethod
    def fetch(self, client: ClientT, ctx: FetchContext, events: EventRouter) -> dict[str, list[Any]]:
        """Reads the metadata once and the runs of the whole range once; returns redacted metadata."""

    @abstractmethod
    def normalise(self, raw: RawPartition, ctx: NormaliseContext) -> ExtractResult:
        """Builds the K extract tables of one partition from its raw data."""
