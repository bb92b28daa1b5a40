"""One benchmark task in its own process: `python -m benchmarks.worker TASK PARAMS.json RESULT.json`.

Each task runs in a fresh subprocess so its peak RSS (VmHWM) is its own, and the simulators (in
the parent) do not compete with it for the GIL. Times are measured around the work itself, after
imports; the parent adds the figures it knows (server-side counts, minimums, floors).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.naive import GaveUp, NaiveClient, hightouch_fetch
from benchmarks.runs import materialise_runs, peak_rss_bytes, scaled_resource_options


def ht_dagster(p: dict[str, Any]) -> dict[str, Any]:
    """The production path: the hightouch/raw asset (resource client + HightouchCollector.fetch + store)."""
    from kada_dagster.core.assets import STORAGE_KEY, CollectorAssets
    from kada_dagster.core.resources import IntermediateStorageResource
    from kada_dagster.hightouch.definitions import HightouchCollector
    from kada_dagster.hightouch.resources import HightouchResource

    if p.get("open_files"):  # a stock server's open-file limit (RHEL's default 1024)
        resource.setrlimit(resource.RLIMIT_NOFILE, (p["open_files"], p["open_files"]))
    options = scaled_resource_options(HightouchResource, p["rate_limit"], p["time_scale"])
    options["rate_limit_kind"] = p.get("rate_limit_kind", "sliding")
    res = HightouchResource(base_url=p["url"], api_token=p["token"], **options)
    assets = CollectorAssets(HightouchCollector(), instance="hightouch", resource=res,
                             start_date=p["start_date"])
    resources = {STORAGE_KEY: IntermediateStorageResource(base_path=p["storage"])}
    out = materialise_runs(assets.raw_asset(), resources, p["runs"])
    out["client_options"] = options | {"max_concurrency": res.max_concurrency}
    return out


def ht_naive(p: dict[str, Any]) -> dict[str, Any]:
    client = NaiveClient(p["url"], headers={"Authorization": f"Bearer {p['token']}"},
                         retry_delay=0.25 / p["time_scale"], retries=3)
    got: dict[str, int] = {}
    t0 = time.perf_counter()
    error = None
    try:
        hightouch_fetch(client, p["window"][0], p["window"][1], got)
    except GaveUp as exc:
        error = str(exc)
    return {"wall_s": time.perf_counter() - t0, "completed": error is None, "error": error, "got": got,
            "client": client.stats()}


# --- scenario 4: normalise and land a million runs ------------------------------------------------

def gen_raw(p: dict[str, Any]) -> dict[str, Any]:
    """Writes one raw partition: the simulator's workspace metadata plus `n_runs` sync runs.

    Runs come from the simulator's own generator (one day of every sync), redacted and tagged with
    their sync as the fetch does; to reach `n_runs` the pool is replayed with fresh run ids and its
    times shifted within the day, so ids and timestamps stay unique and the CSV compresses like real
    data (the generator costs ~85 µs a run; a million would take longer than the benchmark itself).
    Not timed as part of the benchmark.
    """
    from kada_dagster.core.extract.redaction import redact
    from kada_dagster.core.storage import IntermediateStore
    from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator
    from kada_sim.server import DAY_MS, iso_ms, parse_iso

    end = datetime.fromisoformat(p["window"][1])
    start = datetime.fromisoformat(p["window"][0])
    t0 = time.perf_counter()
    sim = HightouchSimulator(HightouchSimConfig(seed=p["seed"], n_sources=p["n_sources"], n_models=p["n_models"],
                                                n_destinations=p["n_destinations"], n_syncs=p["n_syncs"],
                                                runs_per_sync_per_day=20, days=2, end=end))
    store = IntermediateStore(p["storage"])
    writer = store.raw_writer("hightouch", p["partition"])
    for name, records in (("sources", sim.sources()), ("models", sim.models()),
                          ("destinations", sim.destinations()), ("syncs", sim.syncs())):
        writer.add_many(name, [redact(r) for r in records])
    day0 = parse_iso(p["window"][0]) or 0
    pool: list[tuple[dict[str, Any], int, int, int | None]] = []  # (record, started, queued ms, duration ms)
    for sync in sim.syncs():
        for run in sim.runs_for(sync["id"], start, end):
            record = redact(run)
            record["syncId"] = str(sync["id"])
            started = parse_iso(run["startedAt"]) or day0
            created = parse_iso(run["createdAt"]) or started
            finished = parse_iso(run["finishedAt"]) if run.get("finishedAt") else None
            pool.append((record, started - day0, started - created, None if finished is None else finished - started))
    if not pool:
        raise RuntimeError("the simulator generated no runs for the pool")
    n, written, chunk = p["n_runs"], 0, 20_000
    base_id = 900_000_000
    while written < n:
        batch = []
        for i in range(written, min(n, written + chunk)):
            record, offset, queued, duration = pool[i % len(pool)]
            shift = (i // len(pool)) * 60_013  # a minute (and a bit) later per replay, wrapped in the day
            started = day0 + (offset + shift) % DAY_MS
            record = dict(record, id=base_id + i, startedAt=iso_ms(started), createdAt=iso_ms(started - queued),
                          finishedAt=None if duration is None else iso_ms(started + duration))
            batch.append(record)
        writer.add_many("sync_runs", batch)
        written += len(batch)
    counts = dict(writer.counts)
    writer.commit({"partition": p["partition"], "counts": counts, "generated_by": "benchmarks.worker.gen_raw"})
    return {"wall_s": time.perf_counter() - t0, "counts": counts, "pool": len(pool)}


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def _reference_csv_writer(table: Any, path: Path) -> None:
    """The events file as the writer made it before this benchmark (csv.writer over Python lists): a
    reference for BENCHMARKS.md, not used by the collector."""
    import csv
    import gzip
    import io

    import pyarrow as pa
    import pyarrow.compute as pc

    with open(path, "wb") as raw:
        binary = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0)
        text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(table.column_names)
        for batch in table.to_batches(max_chunksize=20_000):
            columns = [(c if pa.types.is_string(c.type) else pc.cast(c, pa.string())).to_pylist() for c in batch.columns]
            writer.writerows(zip(*columns, strict=True))
        text.flush()
        text.detach()
        binary.close()


def land(p: dict[str, Any]) -> dict[str, Any]:
    """Times HightouchCollector.normalise + stage_file_set, then the events file against `gzip -6`."""
    from kada_dagster.core.collector import NormaliseContext, PartitionWindow, RawPartition
    from kada_dagster.core.extract.writer import stage_file_set, write_csv
    from kada_dagster.core.problems import ProblemLog
    from kada_dagster.core.settings import resolve_settings
    from kada_dagster.core.storage import IntermediateStore
    from kada_dagster.hightouch.definitions import HightouchCollector
    from kada_dagster.hightouch.resources import HIGHTOUCH_PROFILE

    start, end = (datetime.fromisoformat(x) for x in p["window"])
    window = PartitionWindow(p["partition"], start, end)
    settings = resolve_settings(HIGHTOUCH_PROFILE, "hightouch", overrides={"api_token": "unused"}, env={})
    store = IntermediateStore(p["storage"])
    problems = ProblemLog(None)
    source = HightouchCollector()
    t_norm, result = _timed(lambda: source.normalise(RawPartition(store, "hightouch", window),
                                                     NormaliseContext(settings, window, problems)))
    rss_after_normalise = peak_rss_bytes()
    tables = result.tables
    events = tables["events"]
    with tempfile.TemporaryDirectory(prefix="kada-bench-land-") as tmp:
        tmpdir = Path(tmp)
        t_stage, staged = _timed(lambda: stage_file_set(
            tables, tmpdir / "staged", instance="hightouch", source_type="hightouch", window_start=start,
            window_end=end, extracted_at=datetime.now(timezone.utc), mask=settings.mask, compress=True,
            producer={"name": "kada_dagster", "version": "bench"}))
        events_file = next(f for f in staged.files if "_events_" in f.name)
        # The events file alone, against gzip -6 on the same CSV bytes: alternate, keep each one's best.
        csv_path = tmpdir / "events.csv"
        t_csv, plain = _timed(lambda: write_csv(events, csv_path, compress=False))
        ours, theirs = [], []
        for _ in range(p.get("repeats", 2)):
            ours.append(_timed(lambda: write_csv(events, tmpdir / "events.csv.gz", compress=True))[0])
            t0 = time.perf_counter()
            subprocess.run(f"gzip -6 -c '{csv_path}' > /dev/null", shell=True, check=True)
            theirs.append(time.perf_counter() - t0)
        t_reference = _timed(lambda: _reference_csv_writer(events, tmpdir / "reference.csv.gz"))[0]
        gz_bytes = subprocess.run(f"gzip -6 -c '{csv_path}' | wc -c", shell=True, check=True,
                                  capture_output=True, text=True).stdout.strip()
    rows = events.num_rows
    return {
        "rows": rows,
        "table_rows": {k: t.num_rows for k, t in tables.items()},
        "normalise_s": t_norm,
        "stage_file_set_s": t_stage,
        "rows_per_s": rows / (t_norm + t_stage),
        "events_file": {"name": events_file.name, "bytes": events_file.bytes},
        "events_csv_uncompressed": {"bytes": plain.bytes, "write_s": t_csv},
        "events_gz_write_s": ours,
        "gzip6_s": theirs,
        "gzip6_bytes": int(gz_bytes),
        "events_vs_gzip6": min(ours) / min(theirs),
        "reference_csv_writer_s": t_reference,
        "peak_rss_after_normalise_bytes": rss_after_normalise,
        "problems": problems.as_dict(),
    }


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ht_dagster": ht_dagster,
    "ht_naive": ht_naive,
    "gen_raw": gen_raw,
    "land": land,
}


def _lineage_normalise(p: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.lineage_bench import normalise_cold_warm

    return normalise_cold_warm(p)


TASKS["lineage_normalise"] = _lineage_normalise


def _per_day_pages(p: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.pages_bench import per_day_pages

    return per_day_pages(p)


TASKS["per_day_pages"] = _per_day_pages


def _idle_cost(p: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.idle_bench import idle_cost

    return idle_cost(p)


TASKS["idle_cost"] = _idle_cost


def main(argv: list[str]) -> int:
    task, params_path, result_path = argv
    params = json.loads(Path(params_path).read_text())
    fn: Callable[[dict[str, Any]], dict[str, Any]]
    if task.startswith("hevo"):
        from benchmarks import hevo_worker

        fn = hevo_worker.TASKS[task]
    else:
        fn = TASKS[task]
    t0 = time.perf_counter()
    out = fn(params)
    out["process_task_s"] = time.perf_counter() - t0
    out["peak_rss_bytes"] = peak_rss_bytes()
    Path(result_path).write_text(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


