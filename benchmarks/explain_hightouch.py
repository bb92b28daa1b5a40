"""BENCHMARKS.md prose of how it is measured and of the Hightouch scenarios (1: a daily partition, 2: backfills)."""

from __future__ import annotations

import math
from typing import Any

from benchmarks.explain_common import _get, _goal, _got, _pacing, _rss, _span_ratio, _verdict


def method(results: dict[str, Any]) -> list[str]:
    return [
        "## How this is measured",
        "",
        "- **Servers**: the `kada_sim` simulators run in the benchmark's parent process on 127.0.0.1 (a threaded "
        "HTTP/1.1 server; the latency is slept per request in the server's thread, then the request is counted "
        "against the rate limit per credential and answered; a refused request gets a bare 429, no Retry-After, "
        "as the vendors do). The vendors do not say how they count, so the simulators count either way "
        "(`SimOptions.rate_limit_kind`, written independently of the client): `sliding`, at most N *accepted* "
        "requests in any window of P seconds; `token_bucket`, N tokens refilled continuously at N / P per second, "
        "full at first (an initial burst of N, then the refill rate). Every variant gets a freshly built "
        "simulator, so none inherits another's window or bucket.",
        "- **Code under test**: each variant runs in its own worker subprocess (`python -m benchmarks.worker`), so "
        "its peak RSS (`VmHWM` of the process) is its own. Ours is the production path: `dg.materialize` of the "
        "`<instance>/raw` asset with the real resource pointed at the simulator, its `get_client()` (shared "
        "limiter, retries, 8 requests in flight), `Source.fetch`, the EventRouter and the intermediate store.",
        "- **API wall** is the server's own span, from the first request's arrival (our `test_connection` probe) "
        "to the last response: what the rate limit governs. **Run wall** is the whole `dg.materialize` call, "
        "Dagster's run start and the raw store included.",
        "- **Requests made** are the server's count (429s included). **Minimum** is computed from the simulator's "
        "ground truth under the API's own rules (`benchmarks/truth.py`, `benchmarks/hevo_bench.py`), not from the "
        "collector: Hightouch lists that send `hasMore` (syncs, runs) need ceil(n / 100) pages, lists that omit "
        "it (sources, models, destinations) end only on an empty page, ceil(n / 100) + 1; runs are read for every "
        "sync created before the range's end, one page per 100 runs, at least one. Hevo: see scenario 3. Our "
        "Hightouch `test_connection` probe is not in the minimum: it appears as +1 in what we made (Hevo's probe "
        "is the first pipeline page, which the listing reuses, so it costs nothing).",
        "- **Floor**: the soonest any client could have the minimum answered with unlimited concurrency and no "
        "429, under the server's way of counting (`truth.floor_seconds`). Sliding window: N go at once and the "
        "next N a whole window later, so k = ceil(minimum / N) bursts end at (k − 1) × P + one latency. Token "
        "bucket: N at once, then N / P per second, so (minimum − N) × P / N + one latency. (Runs before this one "
        "used minimum × P / N + latency for both, which a client beats by up to one window.)",
        "- **Time scale** (scenarios 2, 3 and 5): the simulator divides its latency and period by the factor; the "
        "client's rate-limit period, margin and backoff base, and the naive client's fixed delay, are divided by "
        "the same factor. Ratios are then what the real-time run would show, as long as CPU does not become the "
        "bottleneck (said below where it does).",
        "- **Naive baseline** (`benchmarks/naive.py`, not production code): one request at a time, no rate "
        "awareness, 3 retries at a fixed 0.25 s (scaled), then it gives up; it refetches everything (every sync's "
        "runs, every mapping, every object detail) and stops paging on a short page.",
        "",
    ]


def _variant_row(label: str, v: dict[str, Any]) -> str:
    sv = v["server"]
    span = sv.get("api_span_s") or float("nan")
    return (f"| {label} | {sv['total_requests']:,} | {sv['rate_limited']} | {span:.1f} s | {v['floor_s']:.1f} s | "
            f"**{span / v['floor_s']:.3f}** | {v['wall_s']:.1f} s | {_rss(v.get('peak_rss_bytes'))} |")


S1_VARIANTS = (("ours", "adaptive (default) vs sliding window"), ("ours_vs_bucket", "adaptive (default) vs token bucket"),
               ("sliding_vs_sliding", "sliding vs sliding window"), ("sliding_vs_bucket", "sliding vs token bucket"),
               ("bucket_vs_bucket", "token_bucket vs token bucket"))


def scenario1(results: dict[str, Any]) -> list[str]:
    s = _get(results, "scenarios", "s1_hightouch_daily", default={})
    if "ours" not in s:
        return ["## 1. Hightouch daily partition", "", f"Not measured: {s.get('error') or s.get('skipped')}", ""]
    ws, m, ours, naive = s["workspace"], s["minimum"], s["ours"], s.get("naive", {})
    sv, nsv = ours["server"], naive.get("server", {})
    reqs = sv["total_requests"]
    n_allowed, period = ws["rate_limit"]
    lines = [
        "## 1. Hightouch daily partition: the default limiter at the floor of both kinds of server",
        "",
        f"{ws['n_syncs']:,} syncs, {ws['n_models']:,} models, {ws['n_destinations']} destinations, "
        f"{ws['n_sources']} sources, {ws['runs_per_sync_per_day']} runs per sync per day ({m['runs']:,} runs in the "
        f"partition {s['partition']}), {ws['latency_s'] * 1000:.0f} ms per request, {n_allowed} requests "
        f"per {period:g} s, time scale {s['time_scale']:g}{' (real time)' if s['time_scale'] == 1 else ''}. The same "
        "client code against a fresh server each time: the default limiter (`rate_limit_kind: adaptive`) against a "
        "sliding-window server and against a token-bucket server, then each explicit kind for comparison "
        "(`sliding` against both, `token_bucket` against a bucket).",
        "",
        "| Client limiter vs server | Requests | 429s | API wall | Floor | API wall / floor | Run wall | Peak RSS |",
        "|---|---|---|---|---|---|---|---|",
        *(_variant_row(label, s[name]) for name, label in S1_VARIANTS if name in s),
        "",
        "| Requests by endpoint | Ours | Naive | Minimum |",
        "|---|---|---|---|",
        f"| Total | {reqs:,} | {nsv.get('total_requests', 0):,} | {m['minimum']:,} |",
    ]
    for endpoint, key in (("GET /sources", "sources"), ("GET /models", "models"),
                          ("GET /destinations", "destinations"), ("GET /syncs", "syncs")):
        lines.append(f"| {endpoint} | {sv['by_endpoint'].get(endpoint, 0)} | "
                     f"{nsv.get('by_endpoint', {}).get(endpoint, 0)} | {m['list_pages'][key]} |")
    lines += [
        f"| GET /syncs/{{id}}/runs | {sv['by_endpoint'].get('GET /syncs/{id}/runs', 0):,} | "
        f"{nsv.get('by_endpoint', {}).get('GET /syncs/{id}/runs', 0):,} | {m['run_requests']:,} "
        f"({m['eligible_syncs']:,} syncs created before the partition's end) |",
        f"| Wall time | {ours['wall_s']:.1f} s | {naive.get('wall_s', float('nan')):.1f} s"
        f"{'' if naive.get('completed', True) else ' (gave up)'} | |",
        "",
    ]
    return [*lines, *_scenario1_goals(results, s), ""]


def _scenario1_goals(results: dict[str, Any], s: dict[str, Any]) -> list[str]:
    """Scenario 1's verdicts: per goal, met or missed, and why."""
    ws, m, ours, bucket = s["workspace"], s["minimum"], s["ours"], s.get("ours_vs_bucket", {})
    floors = s["floors_s"]
    n_allowed, period = ws["rate_limit"]
    lines = [
        f"- *API wall ≤ 1.05 × floor, sliding-window server, default limiter*: "
        f"{_verdict(_goal(results, 's1.api_wall'))}. {m['minimum']:,} requests at {n_allowed} per {period:g} s are "
        f"{math.ceil(m['minimum'] / n_allowed)} bursts, the last starting {math.ceil(m['minimum'] / n_allowed) - 1} "
        "windows in. The default paces by the window (a request holds its slot until one period after its "
        "response, so no window ever holds more than N of ours) until the window is full; then, with nothing else "
        "in flight, it sends one request that only a bucket would accept: the limiter's probe. The window refuses "
        f"it, the one deliberate 429, retried; the raw asset's `limiter` metadata says {_pacing(ours)}, and from "
        "then on it paces as `sliding` does. Nothing else was in flight and the window ledger already holds every "
        "request sent, the probe included, so nothing else is refused. Its cost is one refused request: the "
        f"explicit `sliding` limiter on the same server took {_span_ratio(s.get('sliding_vs_sliding'))} its floor.",
        f"- *API wall ≤ 1.05 × floor, token-bucket server, default limiter*: "
        f"{_verdict(_goal(results, 's1.ours_vs_bucket.api_wall'))}. The bucket accepts the probe although "
        f"{n_allowed} accepted requests sent less than one period before its answer were already counted, which no "
        f"sliding window of {n_allowed} per {period:g} s would allow: the server is a bucket ({_pacing(bucket)}), "
        "and from then on the default takes the refill rate, paced by a bucket ledger fed with every response so "
        "far (so the round trip the probe waited is made up at once). A client that draws no 429 cannot tell the "
        "two servers apart (they answer every request a window accepts identically) and so cannot beat the "
        f"window's floor ({floors['sliding']:.1f} s, {floors['sliding'] / floors['token_bucket']:.3f}× the bucket's "
        f"{floors['token_bucket']:.1f} s): the explicit `sliding` limiter, the default before this one, took "
        f"{_span_ratio(s.get('sliding_vs_bucket'))} the bucket's floor; `token_bucket`, which a user must know to "
        f"set, {_span_ratio(s.get('bucket_vs_bucket'))}.",
        f"- *≤ 1 429 per run*: {_verdict(_goal(results, 's1.429'), unit='')} on the sliding window, "
        f"{_verdict(_goal(results, 's1.ours_vs_bucket.429'), unit='')} on the bucket. The 429 is retried like any other (typed `RateLimitedError`, the `RetryPolicy`), counted in the raw "
        "asset's `rate_limited_429`, and `limiter` says which kind the run settled on and why. "
        "`kada_dagster_tests/test_rate_limit.py` shows the rule over real HTTP, with 1 and 8 requests in flight.",
        f"- *Requests = the minimum*: {_verdict(_goal(results, 's1.requests'), unit='')} — we make the minimum "
        "plus 1 (the `test_connection` probe) plus one retry per 429 in every variant.",
        f"- *Run wall ≤ 1.15 × floor* (Dagster's run start and the raw store included): "
        f"{_verdict(_goal(results, 's1.wall'))}.",
    ]
    return [*lines, *_naive_line(results, ours, s.get("naive", {}))]


def _naive_line(results: dict[str, Any], ours: dict[str, Any], naive: dict[str, Any]) -> list[str]:
    if not naive:
        return []
    nsv, g = naive.get("server", {}), _goal(results, "s1.naive")
    if naive.get("completed"):
        return [f"- *At least as fast as naive*: {_verdict(g)}; ours takes {ours['wall_s'] / naive['wall_s']:.2f}× "
                f"the naive time. The naive client made {nsv['total_requests']:,} requests one at a time, so it is "
                f"bound by latency, ~{naive['wall_s'] / max(1, nsv['total_requests']) * 1000:.0f} ms per request, "
                f"and stays under the limit by being slow ({nsv.get('rate_limited', 0)} 429s)."]
    return [f"- *At least as fast as naive*: {_verdict(g)} — the naive client did not finish: "
            f"{naive.get('error')} after {naive['wall_s']:.1f} s, having read {_got(naive.get('got'))}."]


def _backfill_wall_text(s: dict[str, Any], single_walls: list[float]) -> str:
    """Scenario 2's wall-time bullet: whether the range run was rate- or CPU-bound, and why."""
    rng, sgl, days = s["range"], s["singles"], s["days"]
    cpu_bound = rng["wall_s"] > 1.15 * s["range_floor_s"]
    text = (f"- *Wall time* (reported): the range run takes {rng['wall_s'] / sgl['wall_s']:.2f}× the time of the "
            f"{days} single runs ({sgl['wall_s'] / rng['wall_s']:.1f}× faster); the single runs took "
            f"{sgl['wall_s'] / s['singles_floor_s']:.2f}× their rate floor (median "
            f"{sorted(single_walls)[len(single_walls) // 2]:.1f} s a run against {s['singles_floor_s'] / days:.1f} s, "
            "Dagster's run start included). ")
    if cpu_bound:
        text += (f"The range run is {rng['wall_s'] / s['range_floor_s']:.1f}× its own floor because at this time "
                 f"scale it is bound by CPU, not by the rate limit: it moves {s['range_minimum']['runs']:,} runs, "
                 "which the simulator generates on request (~85 µs each, over a minute of one core) while the "
                 "client decodes, redacts, routes and stores them (~50 µs each) on the other core, on a machine "
                 "other jobs were using too. The single runs move the same runs, spread over runs whose rate floor is "
                 f"{s['singles_floor_s'] / s['range_floor_s']:.1f}× longer, each paying Dagster's run start and its "
                 "share of the same CPU. In real time the rate floor (table) is far above that CPU time, so the range run "
                 "would take about its floor and the wall-time ratio would approach the requests ratio.")
    else:
        text += "Both are rate-bound at this time scale, so the wall-time ratio follows the requests ratio."
    return text


def scenario2(results: dict[str, Any]) -> list[str]:
    s = _get(results, "scenarios", "s2_hightouch_backfill", default={})
    if "range" not in s or "singles" not in s:
        return ["## 2. Hightouch 30-day range backfill", "", f"Not measured: {s.get('error') or s.get('skipped')}", ""]
    rng, sgl = s["range"], s["singles"]
    rq, sq = rng["server"]["total_requests"], sgl["server"]["total_requests"]
    rmin, smin = s["range_minimum"]["minimum"], s["singles_minimum"]["minimum"]
    scale, days = s["time_scale"], s["days"]
    ws = _get(results, "meta", "config", "hightouch", default={})
    per_day = ws.get("runs_per_sync_per_day", 0)
    what_if = s.get("what_if_page_1000", {})
    single_walls = [r["wall_s"] for r in sgl["runs"]]
    lines = [
        f"## 2. Hightouch {days}-day range backfill",
        "",
        f"The same workspace as scenario 1, partitions {s['partitions'][0]} … {s['partitions'][1]}, at time scale "
        f"{scale:g} (latency {ws.get('latency_s', 0) * 1000 / scale:.0f} ms, {ws.get('rate_limit', [0, 0])[0]} "
        f"requests per {ws.get('rate_limit', [0, 10])[1] / scale:g} s; the client's limiter scaled alike). One run "
        f"over the range (`BackfillPolicy.single_run()`: `context.partition_keys` holds all {days}) against {days} "
        f"single-partition runs in a row (one Dagster instance, in-process runs: a deployment's run launcher would "
        f"add a process start per run on top).",
        "",
        "| | One range run | Single-partition runs | Ratio |",
        "|---|---|---|---|",
        f"| Requests (minimum) | {rq:,} ({rmin:,}) | {sq:,} ({smin:,}) | {rq / sq:.3f} ({rmin / smin:.3f}) |",
        f"| Runs fetched | {s['range_minimum']['runs']:,} | {s['singles_minimum']['runs']:,} | |",
        f"| Wall time (floor) | {rng['wall_s']:.1f} s ({s['range_floor_s']:.1f} s) | {sgl['wall_s']:.1f} s "
        f"({s['singles_floor_s']:.1f} s) | {rng['wall_s'] / sgl['wall_s']:.3f} |",
        f"| Rate-limit floor in real time (×{scale:g}) | {s['range_floor_s'] * scale / 60:.1f} min | "
        f"{s['singles_floor_s'] * scale / 60:.1f} min | {s['range_floor_s'] / s['singles_floor_s']:.3f} |",
        f"| 429s | {rng['server']['rate_limited']} | {sgl['server']['rate_limited']} | |",
        f"| Peak RSS | {_rss(rng.get('peak_rss_bytes'))} | {_rss(sgl.get('peak_rss_bytes'))} | |",
        "",
    ]
    g = _goal(results, "s2.requests")
    lines.append(
        f"- *Range ≤ 1/10 of the requests of single runs*: {_verdict(g)}. We make the minimum (+1 probe and the retry of "
        f"the limiter's one 429, a run) in both variants, so the gap is the API's: at {per_day} runs per sync per day a sync has {per_day * days} runs in "
        f"{days} days, and the runs endpoint serves at most 100 per page, so the range still needs "
        f"{-(-per_day * days // 100)} pages per sync where {days} single runs need {days} (one short page a day); "
        f"only the ~{sum(s['range_minimum']['list_pages'].values())} list pages are saved {days} times over. The "
        f"best any client can do here is {rmin / smin:.3f}. What would close it: bigger pages. Hightouch documents "
        f"`limit`'s default (100) but not its maximum; if it accepts 1,000, the minimums become "
        f"{what_if.get('range_minimum', 0):,} against {what_if.get('singles_minimum', 0):,} "
        f"({what_if.get('range_minimum', 0) / max(1, what_if.get('singles_minimum', 1)):.3f}), well under 1/10"
        f"{' (' + what_if['note'] + ')' if what_if.get('note') else ''}; "
        f"`PAGE_SIZE` in `hightouch/resources.py` is the one constant to change once a real workspace confirms it.")
    lines.append(_backfill_wall_text(s, single_walls))
    return [*lines, ""]
