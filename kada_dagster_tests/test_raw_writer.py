"""The raw step's router finds a run's day by bisection, and its writer buffers appends (a long range spreads
each sync's runs over every day, so a gzip member per append made a year's raw step CPU-bound), without
losing, reordering or exposing a record."""

from __future__ import annotations

import gzip
import json
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kada_dagster.core.collector import EventRouter, PartitionWindow
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.storage import IntermediateStore, RawPartitionWriter

DAY = "2026-11-22"


def _read(store: IntermediateStore, collection: str) -> list[dict[str, int]]:
    return list(store.read_raw("inst", DAY, collection))


@settings(max_examples=25, deadline=5000)
@given(st.lists(st.tuples(st.sampled_from(["sync_runs", "syncs", "models"]), st.integers(0, 40)), max_size=60),
       st.integers(1, 4096))
def test_every_append_lands_once_in_order_whatever_the_flush_size(batches: list[tuple[str, int]],
                                                                  flush_bytes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = IntermediateStore(tmp)
        writer = store.raw_writer("inst", DAY)
        writer.FLUSH_BYTES = flush_bytes  # small sizes flush often, large ones never
        expected: dict[str, list[dict[str, int]]] = {"sync_runs": [], "syncs": [], "models": []}
        for n, (collection, size) in enumerate(batches):
            records = [{"batch": n, "i": i} for i in range(size)]
            writer.add_many(collection, records)
            expected[collection].extend(records)
        writer.ensure("sync_runs")
        writer.commit({})
        for collection, records in expected.items():  # a collection never written reads as empty
            assert _read(store, collection) == records
            assert writer.counts.get(collection, 0) == len(records)
        assert (store.raw_dir("inst", DAY) / "sync_runs.jsonl.gz").exists()  # ensured, even when empty


def test_appends_stay_in_memory_until_the_buffer_fills_or_the_commit(tmp_path: Path) -> None:
    store = IntermediateStore(tmp_path)
    writer = store.raw_writer("inst", DAY)
    writer.add_many("sync_runs", [{"id": i} for i in range(10)])
    staged = list(tmp_path.glob("inst/raw/.tmp-*/sync_runs.jsonl.gz"))
    assert staged == []  # 10 small records: below FLUSH_BYTES, nothing written yet
    big = [{"id": i, "pad": "x" * 200} for i in range(RawPartitionWriter.FLUSH_BYTES // 200 + 1)]
    writer.add_many("sync_runs", big)
    staged = list(tmp_path.glob("inst/raw/.tmp-*/sync_runs.jsonl.gz"))
    assert len(staged) == 1
    with gzip.open(staged[0], "rt") as fh:
        assert len(fh.readlines()) == 10 + len(big)  # the whole buffer, in one write
    writer.add_many("sync_runs", [{"id": "last"}])
    writer.commit({"n": 1})
    rows = _read(store, "sync_runs")
    assert len(rows) == 12 + len(big) - 1 and rows[-1] == {"id": "last"}
    assert json.loads((tmp_path / "inst/raw" / DAY / "_summary.json").read_text()) == {"n": 1}


def test_an_aborted_writer_leaves_nothing_and_writes_nothing_later(tmp_path: Path) -> None:
    store = IntermediateStore(tmp_path)
    writer = store.raw_writer("inst", DAY)
    writer.add_many("sync_runs", [{"id": 1}])
    writer.ensure("syncs")
    writer.abort()
    assert list((tmp_path / "inst" / "raw").iterdir()) == []


@settings(max_examples=50, deadline=2000)
@given(st.sets(st.integers(0, 400), min_size=1, max_size=60), st.lists(st.integers(-2 * 86400, 402 * 86400), max_size=80))
def test_the_router_puts_a_run_in_the_day_that_holds_its_start_or_in_none(days: set[int], offsets: list[int]) -> None:
    """Bisecting the windows (a year's range routes half a million runs) answers as a scan would, for any
    set of days, gaps included, and for starts before, between and after them."""
    origin = datetime(2025, 12, 1, tzinfo=timezone.utc)
    windows = [PartitionWindow(f"d{d}", origin + timedelta(days=d), origin + timedelta(days=d + 1)) for d in days]
    router = EventRouter(windows, {}, ProblemLog())
    for offset in offsets:
        at = origin + timedelta(seconds=offset)
        expected = [w for w in windows if w.start <= at < w.end]
        found = router.window_for(at)
        assert (found.key if found else None) == (expected[0].key if expected else None)
    assert router.window_for(None) is None
