"""Intermediate storage a person can open: raw API responses as gzip JSON Lines, tables as parquet.

Layout under the base path (`KADA_INTERMEDIATE_PATH`, default `./intermediate`):

    <instance>/raw/<partition>/<collection>.jsonl.gz     one redacted API object per line
    <instance>/raw/<partition>/_summary.json             counts, requests, problems of the fetch
    <instance>/tables/<partition>/<kind>.parquet         normalised K extract tables

Everything is written to a temporary name and renamed, so a reader never sees half a file. Raw data
is redacted before it gets here: no credential is ever written to intermediate storage.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kada_dagster.core.extract.schema import SCHEMAS


class IntermediateStorageError(RuntimeError):
    """Missing or unreadable intermediate data; the message says which partition to materialise."""


def _compact(record: Any) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False, sort_keys=False, default=str)


class RawPartitionWriter:
    """Writes one partition's raw collections; appends are thread-safe; `commit` makes them visible.

    Each append is its own gzip member, opened and closed at once: a 365-day range holds no file open
    between appends, so it runs under a stock open-file limit (1024) whatever the number of partitions.
    Readers see one stream (gzip concatenates members).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._tmp = directory.with_name(f".tmp-{directory.name}-{os.getpid()}-{threading.get_ident()}")
        self._tmp.mkdir(parents=True, exist_ok=True)
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def _append(self, collection: str, lines: list[str]) -> None:
        with gzip.open(self._tmp / f"{collection}.jsonl.gz", "at", encoding="utf-8", compresslevel=1) as fh:
            fh.writelines(lines)
        self.counts[collection] = self.counts.get(collection, 0) + len(lines)

    def add_many(self, collection: str, records: Iterable[Any]) -> None:
        lines = [_compact(r) + "\n" for r in records]
        with self._lock:
            self._append(collection, lines)

    def ensure(self, collection: str) -> None:
        """An empty collection still gets a file, so readers can tell 'none' from 'not fetched'."""
        with self._lock:
            if collection not in self.counts:
                self._append(collection, [])

    def commit(self, summary: dict[str, Any]) -> None:
        (self._tmp / "_summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        if self.directory.exists():
            old = self.directory.with_name(f".old-{self.directory.name}-{os.getpid()}")
            os.replace(self.directory, old)
            os.replace(self._tmp, self.directory)
            for p in old.iterdir():
                p.unlink()
            old.rmdir()
        else:
            os.replace(self._tmp, self.directory)

    def abort(self) -> None:
        for p in self._tmp.glob("*"):
            p.unlink()
        self._tmp.rmdir()


class IntermediateStore:
    """Per-instance, per-partition files for the raw and table layers."""

    def __init__(self, base_path: str | os.PathLike[str]) -> None:
        self.base = Path(base_path).expanduser().resolve()

    def raw_dir(self, instance: str, partition: str) -> Path:
        return self.base / instance / "raw" / partition

    def table_path(self, instance: str, partition: str, kind: str) -> Path:
        return self.base / instance / "tables" / partition / f"{kind}.parquet"

    def raw_writer(self, instance: str, partition: str) -> RawPartitionWriter:
        directory = self.raw_dir(instance, partition)
        directory.parent.mkdir(parents=True, exist_ok=True)
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
        tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{threading.get_ident()}")
        pq.write_table(table, tmp, compression="zstd")
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
