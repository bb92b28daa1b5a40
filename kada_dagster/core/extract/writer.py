"""Writes a K extract file set: one CSV (gzip when `compress`) per kind, then the manifest.

Files are staged locally first so rows, bytes and sha256 are known before anything is landed, and the
bytes are reproducible (gzip header without time or name, rows in a fixed order) so re-running a
partition rewrites identical files.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from kada_dagster.core.extract.schema import FORMAT_VERSION, KINDS, SCHEMAS
from kada_dagster.core.timeutil import file_stamp, iso

GZIP_LEVEL = 6


@dataclass(frozen=True)
class WrittenFile:
    """One landed-to-be file, as the manifest lists it."""

    name: str
    rows: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class StagedFileSet:
    """A partition's complete file set in a local staging directory, manifest last."""

    directory: Path
    files: list[WrittenFile]
    manifest_name: str
    manifest: dict[str, Any]

    @property
    def names_in_landing_order(self) -> list[str]:
        return [f.name for f in self.files] + [self.manifest_name]


class _HashingWriter(io.RawIOBase):
    """Counts and hashes the bytes that reach the file, i.e. the file exactly as landed."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.sha256.update(view)
        self.bytes += view.nbytes
        self._target.write(view)
        return view.nbytes


def csv_file_name(instance: str, kind: str, stamp: str, compress: bool) -> str:
    return f"{instance}_{kind}_{stamp}.csv" + (".gz" if compress else "")


def manifest_file_name(instance: str, stamp: str) -> str:
    return f"{instance}_manifest_{stamp}.json"


def _as_text_columns(batch: pa.RecordBatch) -> list[list[str | None]]:
    columns: list[list[str | None]] = []
    for column in batch.columns:
        if not pa.types.is_string(column.type):
            column = pc.cast(column, pa.string())
        columns.append(column.to_pylist())
    return columns


def write_csv(table: pa.Table, path: Path, compress: bool, batch_rows: int = 20_000) -> WrittenFile:
    """RFC 4180 CSV (minimal quoting, `\\n` line ends, empty field for null), optionally gzip."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw:
        hasher = _HashingWriter(raw)
        binary: BinaryIO
        if compress:
            binary = gzip.GzipFile(filename="", mode="wb", fileobj=hasher, compresslevel=GZIP_LEVEL, mtime=0)  # type: ignore[arg-type]
        else:
            binary = io.BufferedWriter(hasher, buffer_size=1 << 20)  # type: ignore[arg-type]
        text = io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=False)
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(table.column_names)
        for batch in table.to_batches(max_chunksize=batch_rows):
            writer.writerows(zip(*_as_text_columns(batch), strict=True))
        text.flush()
        text.detach()
        binary.close()
    return WrittenFile(name=path.name, rows=table.num_rows, bytes=hasher.bytes, sha256=hasher.sha256.hexdigest())


def check_table_shape(kind: str, table: pa.Table) -> None:
    """Refuses to write a table whose required columns are missing or out of order."""
    required = SCHEMAS[kind].names
    if table.column_names[: len(required)] != required:
        raise ValueError(f"{kind}: columns {table.column_names} do not start with the contract's {required}")


def stage_file_set(
    tables: Mapping[str, pa.Table],
    directory: Path,
    *,
    instance: str,
    source_type: str,
    window_start: datetime,
    window_end: datetime,
    extracted_at: datetime,
    mask: bool,
    compress: bool,
    producer: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
) -> StagedFileSet:
    """Writes every kind's CSV and then the manifest into `directory`."""
    stamp = file_stamp(window_end)
    directory.mkdir(parents=True, exist_ok=True)
    files: list[WrittenFile] = []
    for kind in KINDS:
        table = tables[kind]
        check_table_shape(kind, table)
        files.append(write_csv(table, directory / csv_file_name(instance, kind, stamp, compress), compress))
    manifest = {
        "format_version": FORMAT_VERSION,
        "instance": instance,
        "source_type": source_type,
        "window_start": iso(window_start),
        "window_end": iso(window_end),
        "extracted_at": iso(extracted_at),
        "mask": mask,
        "compress": compress,
        "producer": dict(producer),
        "files": [asdict(f) for f in files],
        **(dict(extra) if extra else {}),
    }
    name = manifest_file_name(instance, stamp)
    (directory / name).write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return StagedFileSet(directory=directory, files=files, manifest_name=name, manifest=manifest)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
