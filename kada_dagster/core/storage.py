"""Intermediate storage a person can open: raw API responses as gzip JSON Lines, tables as parquet.

Layout under the base path (`KADA_INTERMEDIATE_PATH`, default `./intermediate`):

    <instance>/raw/<partition>/<collection>.jsonl.gz     one redacted API object per line
    <instance>/raw/<partition>/_summary.json             counts, requests, problems of the fetch
    <instance>/tables/<partition>/<kind>.parquet         normalised K extract tables

Everything is written to a temporary name and renamed, so a reader never sees half a file. Raw data
is redacted before it gets here: no credential is ever written to intermediate storage.

A temporary name says who owns it (`.tmp-<host>-<pid>-<thread>-<name>`): a run killed mid-write leaves
it behind, and the next run writing next to it removes it (`remove_stale_temps`) once its owner is gone.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kada_dagster.core.extract.schema import SCHEMAS


class IntermediateStorageError(RuntimeError):
    """Missing or unreadable intermediate data; the message says which partition to materialise."""


TEMP_PREFIXES = (".tmp-", ".old-")
STALE_AFTER_SECONDS = 24 * 3600.0
"""A temporary name whose owner cannot be checked (another host, or the pid was reused) is removed only
when it has not changed for this long: no run writes one file or folder for a day."""


def _host_tag() -> str:
    return socket.gethostname().replace("-", "_").replace(".", "_")[:40] or "host"


def temp_name(kind: str, name: str) -> str:
    """`.<kind>-<host>-<pid>-<thread>-<name>`: a temporary name `remove_stale_temps` can judge."""
    return f".{kind}-{_host_tag()}-{os.getpid()}-{threading.get_ident()}-{name}"


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _is_stale(path: Path, now: float, max_age: float) -> bool:
    parts = path.name.split("-", 4)
    try:
        age = now - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    if len(parts) == 5 and parts[1] == _host_tag() and parts[2].isdigit():
        pid = int(parts[2])
        if pid == os.getpid():
            return False  # this process: another thread may be writing it now
        if not _owner_alive(pid):
            return True
    return age > max_age


def remove_stale_temps(directory: Path, max_age: float = STALE_AFTER_SECONDS) -> list[Path]:
    """Removes temporary files and folders a killed run left in `directory` (not below it): those whose
    owning process on this host is gone, and any older than `max_age`. Returns what was removed."""
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    now = time.time()
    for path in directory.iterdir():
        if not path.name.startswith(TEMP_PREFIXES) or not _is_stale(path, now, max_age):
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue  # removed meanwhile by another run's sweep
        removed.append(path)
    return removed


def _compact(record: Any) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False, sort_keys=False, default=str)


class RawPartitionWriter:
    """Writes one partition's raw collections; appends are thread-safe; `commit` makes them visible.

    Appends are buffered per writer and written as one gzip member once the buffer holds `FLUSH_BYTES`
    (and at `commit`), the file opened and closed at once: a 365-day range holds no file open between
    writes, so it runs under a stock open-file limit (1024) whatever the number of partitions, and its
    memory is bounded by days × `FLUSH_BYTES`. Buffering matters for a long range: a sync's year of runs
    spreads over every day, so writing each append at once was a gzip member per run (CPU-bound).
    Readers see one stream (gzip concatenates members).
    """

    FLUSH_BYTES = 64 * 1024

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._tmp = directory.with_name(temp_name("tmp", directory.name))
        self._tmp.mkdir(parents=True, exist_ok=True)
        self.counts: dict[str, int] = {}
        self._pending: dict[str, list[str]] = {}
        self._pending_bytes = 0
        self._lock = threading.Lock()

    def _write(self, collection: str, lines: list[str]) -> None:
        with gzip.open(self._tmp / f"{collection}.jsonl.gz", "at", encoding="utf-8", compresslevel=1) as fh:
            fh.writelines(lines)

    def _flush(self) -> None:
        for collection, lines in self._pending.items():
            self._write(collection, lines)
        self._pending, self._pending_bytes = {}, 0

    def add_many(self, collection: str, records: Iterable[Any]) -> None:
        lines = [_compact(r) + "\n" for r in records]
        with self._lock:
            self._pending.setdefault(collection, []).extend(lines)
            self._pending_bytes += sum(len(line) for line in lines)
            self.counts[collection] = self.counts.get(collection, 0) + len(lines)
            if self._pending_bytes >= self.FLUSH_BYTES:
                self._flush()

    def ensure(self, collection: str) -> None:
        """An empty collection still gets a file, so readers can tell 'none' from 'not fetched'."""
        with self._lock:
            if collection not in self.counts:
                self._write(collection, [])
                self.counts[collection] = 0

    def commit(self, summary: dict[str, Any]) -> None:
        with self._lock:
            self._flush()
        (self._tmp / "_summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        if self.directory.exists():
            old = self.directory.with_name(temp_name("old", self.directory.name))
            os.replace(self.directory, old)
            os.replace(self._tmp, self.directory)
            for p in old.iterdir():
                p.unlink()
            old.rmdir()
        else:
            os.replace(self._tmp, self.directory)

    def abort(self) -> None:
        self._pending, self._pending_bytes = {}, 0
        for p in self._tmp.glob("*"):
            p.unlink()
        self._tmp.rmdir()


class IntermediateStore:
    """Per-instance, per-partition files for the raw and table layers."""

    def __init__(self, base_path: str | os.PathLike[str]) -> None:
        self.base = Path(base_path).expanduser().resolve()
        self._swept: set[Path] = set()  # raw folders already cleared of stale temps by this store

    def raw_dir(self, instance: str, partition: str) -> Path:
        return self.base / instance / "raw" / partition

    def table_path(self, instance: str, partition: str, kind: str) -> Path:
        return self.base / instance / "tables" / partition / f"{kind}.parquet"

    def raw_writer(self, instance: str, partition: str) -> RawPartitionWriter:
        directory = self.raw_dir(instance, partition)
        directory.parent.mkdir(parents=True, exist_ok=True)
        if directory.parent not in self._swept:  # once per run, not once per day (a range has 365)
            remove_stale_temps(directory.parent)
            self._swept.add(directory.parent)
        return RawPartitionWriter(directory)

    def _require_raw(self, instance: str, partition: str) -> Path:
        directory = self.raw_dir(instance, partition)
        if not (directory / "_summary.json").exists():
            raise IntermediateStorageError(
                f"no raw data for {instance} partition {partition} under {directory}: "
                f"materialise {instance}/raw for that partition first"
            )
        return directory

    def read_raw(self, instance: str, partition: str, collection: str) -> Iterator[Any]:
        """Streams one collection's records (a million runs need not fit in memory)."""
        path = self._require_raw(instance, partition) / f"{collection}.jsonl.gz"
        if not path.exists():
            return
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)

    def write_table(self, instance: str, partition: str, kind: str, table: pa.Table) -> Path:
        path = self.table_path(instance, partition, kind)
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path.parent)
        tmp = path.with_name(temp_name("tmp", path.name))
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
        return path

    def report_path(self, instance: str, partition: str, name: str) -> Path:
        return self.base / instance / "tables" / partition / f"{name}.json"

    def write_json(self, instance: str, partition: str, name: str, value: Any) -> Path:
        """A partition's report beside its tables (e.g. the column lineage's unresolved columns)."""
        path = self.report_path(instance, partition, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(temp_name("tmp", path.name))
        tmp.write_text(json.dumps(value, sort_keys=True, default=str), encoding="utf-8")
        os.replace(tmp, path)
        return path

    def read_table(self, instance: str, partition: str, kind: str) -> pa.Table:
        path = self.table_path(instance, partition, kind)
        if not path.exists():
            raise IntermediateStorageError(
                f"no {kind} table for {instance} partition {partition} at {path}: "
                f"materialise {instance}/{kind} for that partition first"
            )
        table = pq.read_table(path)
        expected = SCHEMAS[kind]
        return table.select(expected.names).cast(expected) if table.schema != expected else table
