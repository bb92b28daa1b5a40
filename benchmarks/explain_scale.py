"""BENCHMARKS.md prose of the Hevo and scale scenarios (3: Hevo, 4: landing, 5: a year) and the production changes."""

from __future__ import annotations

import math
from typing import Any

from benchmarks.explain_common import MB, _get, _goal, _got, _pacing, _parts, _rss, _span_ratio, _verdict


def scenario3(results: dict[str, Any]) -> list[str]:
    s = _get(results, "scenarios", "s3_hevo", default={})
    title = "## 3. Hevo Standard and Edge"
    if "skipped" in s or "error" in s or "account" not in s:
        why = s.get("skipped") or s.get("error") or "not run (`--only`)"
        return [title, "", f"**Not measured**: {why}. The scenario code is in `benchmarks/hevo_bench.py` and "
                "runs as soon as the collector and simulator import.", ""]
    acct, scale = s["account"], s["time_scale"]
    lines = [
        title,
        "",
        f"{acct['pipelines']} pipelines × {acct['objects_per_pipeline']} objects, {acct['latency_s'] * 1000:.0f} ms per "
        f"request, {acct['rate_limit'][0]} requests per {acct['rate_limit'][1]:g} s, at time scale {scale:g} "
        f"(latency {acct['latency_s'] * 1000 / scale:.2f} ms, {acct['rate_limit'][0]} requests per "
        f"{acct['rate_limit'][1] / scale:g} s; the client's limiter scaled alike), one daily partition "
        f"({s['partition']}).",
        "",
        "| | Standard: default vs window | Standard: default vs bucket | Standard: naive | Edge: default vs window "
        "| Edge: default vs bucket | Edge: naive |",
        "|---|---|---|---|---|---|---|",
    ]
    cells: dict[str, list[str]] = {"req": [], "min": [], "wall": [], "api": [], "floor": [], "429": [], "rss": [],
                                   "done": []}
    for flavour in ("standard", "edge"):
        f = s.get(flavour, {})
        for who in ("ours", "ours_vs_bucket", "naive"):
            v = f.get(who, {})
            sv = v.get("server", {})
            floor = v.get("floor_s", f.get("floor_s", float("nan")))
            cells["req"].append(f"{sv.get('total_requests', 0):,}")
            cells["min"].append(f"{_get(f, 'minimum', 'minimum', default=0):,}")
            cells["wall"].append(f"{v.get('wall_s', float('nan')):.1f} s")
            cells["api"].append(_span_ratio(v) if who != "naive" else "")
            cells["floor"].append(f"{floor:.1f} s ({floor * scale / 60:.0f} min unscaled)")
            cells["429"].append(str(sv.get("rate_limited", "n/a")))
            cells["rss"].append(_rss(v.get("peak_rss_bytes")))
            done = v.get("completed", v.get("success"))
            cells["done"].append("yes" if done else "**no**: gave up")
    for label, key in (("Requests", "req"), ("Minimum", "min"), ("Wall time", "wall"), ("Floor", "floor"),
                       ("API wall / floor", "api"), ("429s", "429"), ("Finished", "done"), ("Peak RSS", "rss")):
        lines.append(f"| {label} | " + " | ".join(cells[key]) + " |")
    lines.append("")
    for flavour in ("standard", "edge"):
        lines += _hevo_verdicts(results, s, flavour)
    return [*lines, ""]


def _hevo_verdicts(results: dict[str, Any], s: dict[str, Any], flavour: str) -> list[str]:
    """Scenario 3's verdicts for one flavour."""
    acct = s["account"]
    lines: list[str] = []
    f = s.get(flavour, {})
    if "ours" not in f:
        return lines
    name = flavour.capitalize()
    ours, naive = f["ours"], f.get("naive", {})
    sv, m = ours["server"], f["minimum"]
    reqs = sv["total_requests"]
    span = sv.get("api_span_s") or float("nan")
    lines.append(
        f"- **{name}** — *API wall ≤ 1.05 × floor*: {_verdict(_goal(results, f's3.{flavour}.api_wall'))} "
        f"({span:.1f} s against {f['floor_s']:.1f} s); *run wall ≤ 1.15 × floor*: "
        f"{_verdict(_goal(results, f's3.{flavour}.wall'))}; *requests = minimum*: "
        f"{_verdict(_goal(results, f's3.{flavour}.requests'), unit='')} ({reqs:,} against "
        f"{m['minimum']:,}: {_parts(m['parts'])}); *≤ 1 429*: "
        f"{_verdict(_goal(results, f's3.{flavour}.429'), unit='')} ({sv['rate_limited']} of {reqs:,}; the default "
        f"settled on {_pacing(ours)}).")
    if "ours_vs_bucket" in f:
        vb = f["ours_vs_bucket"]
        lines.append(
            f"  Against a token-bucket server: *API wall ≤ 1.05 × the bucket's floor*: "
            f"{_verdict(_goal(results, f's3.{flavour}.ours_vs_bucket.api_wall'))} "
            f"({vb['server'].get('api_span_s') or float('nan'):.1f} s against {vb['floor_s']:.1f} s); *≤ 1 429*: "
            f"{_verdict(_goal(results, f's3.{flavour}.ours_vs_bucket.429'), unit='')} "
            f"({vb['server']['rate_limited']} of {vb['server']['total_requests']:,}; settled on {_pacing(vb)}). "
            f"Hevo's floors of the two kinds differ by {f['floors_s']['sliding'] / f['floors_s']['token_bucket'] - 1:.1%} "
            f"here ({m['minimum']:,} requests are nearly a whole number of {acct['rate_limit'][0]}-request windows), "
            "so the verdict matters less than for Hightouch; the default reaches both floors the same way.")
    if naive:
        nsv = naive.get("server", {})
        if naive.get("completed"):
            lines.append(f"  *At least as fast as naive*: {_verdict(_goal(results, f's3.{flavour}.naive'))}: "
                         f"{ours['wall_s']:.1f} s against {naive['wall_s']:.1f} s.")
        else:
            lines.append(
                f"  *At least as fast as naive*: **met** — the naive client cannot finish: sequential requests "
                f"at {acct['latency_s'] * 1000:.0f} ms use the {acct['rate_limit'][0]}-request window within "
                f"~{acct['rate_limit'][0] * acct['latency_s']:.0f} s of the {acct['rate_limit'][1]:g} s "
                f"period, and three 0.25 s retries cannot outlast the rest of the window. It gave up after "
                f"{naive['wall_s']:.2f} s and {nsv.get('total_requests', 0):,} requests "
                f"({nsv.get('rate_limited', 0)} 429s), having read {_got(naive.get('got'))} ({naive.get('error')}).")
    return lines


def scenario4(results: dict[str, Any]) -> list[str]:
    s = _get(results, "scenarios", "s4_land", default={})
    land = s.get("land")
    if not land:
        return ["## 4. Normalise and land sync runs", "", f"Not measured: {s.get('error')}", ""]
    ours, theirs = min(land["events_gz_write_s"]), min(land["gzip6_s"])
    rss_goal = _goal(results, "s4.rss")
    lines = [
        f"## 4. Normalise and land {land['rows']:,} sync runs",
        "",
        f"One raw partition of {s['generate']['counts']['sync_runs']:,} runs (the simulator's generator, one day of "
        f"every sync, replayed with fresh ids and shifted times so the data compresses like real runs) plus the "
        f"scenario-1 workspace's metadata, written with `RawPartitionWriter` first (not timed). Then, timed in one "
        f"worker: `HightouchCollector.normalise` and `stage_file_set` (all four K extract files, gzip), and the events "
        f"file alone against `gzip -6 -c file > /dev/null` on the same, uncompressed CSV (alternated, best of "
        f"{len(land['gzip6_s'])} each).",
        "",
        "| | |",
        "|---|---|",
        f"| normalise (all four tables) | {land['normalise_s']:.1f} s |",
        f"| stage_file_set (four CSV.gz + manifest) | {land['stage_file_set_s']:.1f} s |",
        f"| rows per second (normalise + stage) | {land['rows_per_s']:,.0f} |",
        f"| events CSV, uncompressed | {land['events_csv_uncompressed']['bytes'] / MB:,.0f} MB |",
        f"| events file (write_csv, gzip 6) | {ours:.2f} s, {land['events_file']['bytes'] / MB:,.1f} MB |",
        f"| `gzip -6` on the same CSV | {theirs:.2f} s, {land['gzip6_bytes'] / MB:,.1f} MB |",
        f"| peak RSS (after normalise / whole worker) | {_rss(land['peak_rss_after_normalise_bytes'])} / "
        f"{_rss(land['peak_rss_bytes'])} |",
        "",
        f"- *Events file ≤ 2 × gzip -6*: {_verdict(_goal(results, 's4.gzip'))}. The CSV text is built by Arrow "
        "kernels a batch at a time (cast, quote where needed, join) and handed to zlib as one buffer, so the file "
        "costs the compression (the same zlib level 6 as `gzip -6`) plus building the text. "
        + (f"The writer as it was before this benchmark (`csv.writer` over a Python object per field, kept in "
           f"`benchmarks/worker.py` as a reference) takes {land['reference_csv_writer_s']:.2f} s on the same table "
           f"({land['reference_csv_writer_s'] / theirs:.1f}× `gzip -6`). " if land.get("reference_csv_writer_s") else "")
        + "Closing the rest would mean compressing in a second thread while the next batch's text is built.",
        f"- *Peak RSS ≤ 1.5 GB*: {_verdict(rss_goal)}. Most of it is the events table itself (~330 MB in Arrow for a million "
        "rows), held twice while `TableBuilder.build` sorts it (the sort takes a full copy), plus the interpreter "
        "with Dagster, sqlglot and pyarrow loaded. Sorting column by column while dropping the unsorted column would "
        "cut ~300 MB if larger partitions need it.",
        f"- *Rows per second* (reported, no target): {land['rows_per_s']:,.0f}. Normalisation is per-row Python "
        f"(~{land['normalise_s'] / max(1, land['rows']) * 1e6:.0f} µs a run: reading the JSON line, parsing two "
        "timestamps, formatting them back, the status mapping and a JSON `properties` value); it is bounded by one "
        "core, not by the writer.",
    ]
    return [*lines, ""]


def _year_rows(scale: float) -> list[tuple[str, Any]]:
    """Scenario 5's table: (row label, cell of one variant)."""
    return [
        ("Runs in the range", lambda v: f"{v['minimum']['runs']:,}"),
        ("Requests (minimum)", lambda v: f"{v['ours']['server']['total_requests']:,} ({v['minimum']['minimum']:,})"),
        ("429s", lambda v: str(v["ours"]["server"]["rate_limited"])),
        ("API wall (floor)", lambda v: f"{v['ours']['server'].get('api_span_s') or 0:.1f} s ({v['floor_s']:.1f} s)"),
        ("API wall / floor", lambda v: f"{(v['ours']['server'].get('api_span_s') or 0) / v['floor_s']:.3f}"),
        (f"Floor in real time (×{scale:g})", lambda v: f"{v['floor_s'] * scale / 60:.1f} min"),
        ("Run wall", lambda v: f"{v['ours']['wall_s']:.1f} s"),
        ("Partitions written", lambda v: str(v["ours"]["runs"][0].get("partitions_materialised", "n/a"))),
        ("Peak RSS", lambda v: _rss(v["ours"].get("peak_rss_bytes"))),
    ]


def _year_cpu_note(year: dict[str, Any], scale: float) -> str:
    """Why the long range's API wall is above its floor at this time scale, when it is."""
    span = year["ours"]["server"].get("api_span_s") or 0.0
    runs = year["minimum"]["runs"]
    if span <= 1.05 * year["floor_s"] or runs * 85e-6 < year["floor_s"]:
        return ""  # at the floor, or too few runs for CPU to explain the gap: no claim
    return (f" At time scale {scale:g} the range is bound by CPU, not by the rate limit: its floor is "
            f"{year['floor_s']:.0f} s, while the simulator generates {runs:,} runs on request (~85 µs each, "
            f"~{runs * 85e-6:.0f} s of one core) and the client decodes, redacts, routes and writes them "
            f"(~50 µs each, ~{runs * 50e-6:.0f} s) on the other core of a shared machine. In real time the floor "
            f"is {year['floor_s'] * scale / 60:.0f} min, far above that CPU time, so the run would take about "
            "its floor.")


def scenario5(results: dict[str, Any]) -> list[str]:
    s = _get(results, "scenarios", "s5_hightouch_year", default={})
    title = "## 5. Hightouch: a year in one run"
    variants = s.get("variants", {})
    if len(variants) != 2:
        return [title, "", f"Not measured: {s.get('error') or s.get('skipped')}", ""]
    short, year = (variants[k] for k in sorted(variants, key=int))
    ws = _get(results, "meta", "config", "hightouch", default={})
    scale = s["time_scale"]
    lines = [
        title,
        "",
        f"The scenario-1 workspace ({ws.get('n_syncs', 0):,} syncs, {ws.get('n_models', 0):,} models) with "
        f"**{s['runs_per_sync_per_day']} run per sync per day** instead of {ws.get('runs_per_sync_per_day')} "
        f"(at {ws.get('runs_per_sync_per_day')} a day a year is ~14.6 million runs, which the simulator alone "
        "takes about 20 minutes of CPU to generate), at time scale "
        f"{scale:g} ({ws.get('latency_s', 0) * 1000 / scale:.0f} ms latency, {ws.get('rate_limit', [0, 0])[0]} "
        f"requests per {ws.get('rate_limit', [0, 10])[1] / scale:g} s; the client's limiter scaled alike). "
        f"What ran: `dg.materialize` of `hightouch/raw` over the range {year['partitions'][0]} … "
        f"{year['partitions'][1]} in one run (`BackfillPolicy.single_run()`), and the same over the last "
        f"{short['days']} days, each in its own worker process under `ulimit -n {s['open_files_limit']}` "
        "(RLIMIT_NOFILE set in the worker), against a fresh sliding-window simulator. The raw step is the one "
        "that calls the API and the one whose memory could grow with the range (it routes every run of the "
        "range into per-day files); the tables and landing steps, which work a day at a time, are not in this "
        "measurement.",
        "",
        f"| | {short['days']}-day range | {year['days']}-day range |",
        "|---|---|---|",
    ]
    for label, cell in _year_rows(scale):
        lines.append(f"| {label} | {cell(short)} | {cell(year)} |")
    yo, so = year["ours"], short["ours"]
    growth = (yo["peak_rss_bytes"] - so["peak_rss_bytes"]) / MB
    lines += [
        "",
        f"- *API wall ≤ 1.05 × floor*: {_verdict(_goal(results, 's5.api_wall'))}; *requests = minimum + 1 probe*: "
        f"{_verdict(_goal(results, 's5.requests'), unit='')}; *≤ 1 429*: {_verdict(_goal(results, 's5.429'), unit='')} "
        f"(the default settled on {_pacing(yo)}). "
        f"A year costs {year['minimum']['minimum']:,} requests where {short['days']} days cost "
        f"{short['minimum']['minimum']:,}: the lists once, then each sync's runs at 100 a page "
        f"({math.ceil(year['days'] * s['runs_per_sync_per_day'] / 100)} pages a sync for the year)."
        + _year_cpu_note(year, scale),
        f"- *Peak RSS bounded by a day's data, not the range*: {_verdict(_goal(results, 's5.rss_growth'))} — "
        f"{_rss(yo['peak_rss_bytes'])} for {year['days']} days against {_rss(so['peak_rss_bytes'])} for "
        f"{short['days']} days ({growth:+,.0f} MB for {year['minimum']['runs'] / max(1, short['minimum']['runs']):.1f}× "
        "the runs). Runs go to each day's raw writer as each sync's pages arrive, so what is held at once is the "
        "workspace's metadata, the pages of the syncs in flight (8) and each day's write buffer (at most 64 KB, "
        "written as one gzip member when full: a sync's year of runs spreads over every day, and a member per "
        "run made this step CPU-bound); a day's file is open only while its buffer is written, so no file stays "
        "open between writes whatever the range; the metadata is written into every day's file (objects that existed by that day's end), which costs disk "
        "and time per day, not memory.",
        "",
    ]
    return lines


def production_changes() -> list[str]:
    return [
        "## Production changes made for these goals",
        "",
        "- `kada_dagster/core/rate_limit.py`: `AdaptiveRateLimiter`, the new default (`rate_limit_kind: adaptive` on "
        "both vendors' resources). It keeps a window ledger and a bucket ledger of every request sent and paces by "
        "the window until the window is full; then one request goes alone that only a bucket accepts. A 429 "
        "settles it on the window (the run's one 429, retried and counted); an answer while N accepted requests "
        "sent less than one period earlier were counted settles it on the bucket. Any other 429 settles it on the "
        "window. The raw asset's `limiter` metadata says which kind it settled on and why. `sliding` and "
        "`token_bucket` stay for users who know how their vendor counts.",
        "- `kada_dagster/core/rate_limit.py`: one `RateLimiter` base (slots held from send to the end of the response, "
        "a pause after a 429) with kinds chosen by the resource's `rate_limit_kind`: `sliding` (the default "
        "before `adaptive`: a request holds its slot until one period after its response, so no sliding or fixed window "
        "and no token bucket of the same N per P ever sees more than it allows) and `token_bucket` (new: the "
        "requests in flight plus a leaky bucket of response times drained at N / P per second stay under N, so "
        "it takes a bucket's burst and then its refill rate without a 429). `kada_sim/server.py`: "
        "`SimOptions.rate_limit_kind` (`sliding` | `token_bucket`) and the server-side span of each run "
        "(`api_span_s`).",
        "- `kada_dagster/core/extract/writer.py` (`write_csv`): the CSV text is built with Arrow compute kernels "
        "per batch (`_csv_fields`: cast to text, quote fields holding `,` `\"` CR or LF with quotes doubled, null "
        "as empty; `_csv_lines`: join fields with `,` and end each row with `\\n`) and the batch's UTF-8 buffer is "
        "written to the gzip stream in one call, instead of `csv.writer` over Python lists through a "
        "`TextIOWrapper`. Output is byte-identical to the old writer for every value except a field holding a bare "
        "CR, which is now quoted (the old writer left it unquoted, which CSV readers split as a line break). The "
        "compressed bytes differ from the old writer's only in the final deflate block (the old path flushed the "
        "text wrapper into the gzip stream before closing); they remain reproducible run to run.",
        "- `deploy/workspace.yaml` and docs/DEPLOY.md: a deployment runs one `dagster code-server start` and points "
        "the daemon and the webserver at it (`grpc_server`), as the three deployment tests now do. The earlier "
        "recipe, `dagster-daemon run -w` a `python_module` workspace, has the daemon replace its code server "
        "every 60 s (Dagster's `RELOAD_WORKSPACE_INTERVAL`), and each replacement loads every instance again "
        "(scenario 8, daemon-spawned column).",
        "",
    ]
