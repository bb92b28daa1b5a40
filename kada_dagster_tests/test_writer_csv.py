"""The K extract CSV writer builds its text with Arrow kernels: it must write what `csv.writer` writes
(minimal quoting, `\\n`, null as empty), and quote a bare CR too, which csv.writer leaves unquoted."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from kada_dagster.core.extract.writer import write_csv

VALUES = ['comma, "quote"\nnewline', "plain", "", None, "é ü 日本", 'q"q', "a,b", " sp ", "tab\there", "x\r\ny"]


def _table(values: list[str | None]) -> pa.Table:
    n = len(values) * 3
    return pa.table({
        "text": pa.array([values[i % len(values)] for i in range(n)], pa.string()),
        "number": pa.array([None if i % 4 == 0 else i * 1.5 for i in range(n)], pa.float64()),
        "count": pa.array([None if i % 5 == 0 else i for i in range(n)], pa.int64()),
        "flag": pa.array([None if i % 3 == 0 else i % 2 == 0 for i in range(n)], pa.bool_()),
        "other": pa.array([values[(i + 3) % len(values)] for i in range(n)], pa.string()),
    })


def _reference(table: pa.Table) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    columns = [(c if pa.types.is_string(c.type) else pc.cast(c, pa.string())).to_pylist() for c in table.columns]
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue().encode("utf-8")


def test_same_bytes_as_csv_writer(tmp_path: Path) -> None:
    table = _table(VALUES)
    written = write_csv(table, tmp_path / "t.csv", compress=False, batch_rows=7)
    data = (tmp_path / "t.csv").read_bytes()
    assert data == _reference(table) and written.bytes == len(data) and written.rows == table.num_rows
    write_csv(table, tmp_path / "t.csv.gz", compress=True, batch_rows=4)
    assert gzip.decompress((tmp_path / "t.csv.gz").read_bytes()) == data


def test_bare_carriage_return_is_quoted_and_reads_back(tmp_path: Path) -> None:
    table = _table(["a\rb", "plain", None])
    write_csv(table, tmp_path / "t.csv", compress=False)
    text = (tmp_path / "t.csv").read_bytes().decode("utf-8")
    assert '"a\rb"' in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == table.num_rows + 1 and rows[1][0] == "a\rb" and rows[3][0] == ""
