"""`python -m benchmarks --smoke` runs every benchmark scenario at tiny sizes (seconds), so the benchmark
(`make bench`, BENCHMARKS.md) cannot rot unnoticed: each scenario must still produce its numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # not NaN


def test_bench_smoke_produces_numbers_for_every_scenario(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--out", str(tmp_path)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=480, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    results = json.loads((tmp_path / "results.json").read_text())
    s = results["scenarios"]
    assert set(s) == {"s1_hightouch_daily", "s2_hightouch_backfill", "s3_hevo", "s4_land", "s5_hightouch_year",
                      "s6_lineage", "s7_pages", "s8_idle"}
    assert not [name for name, scenario in s.items() if "error" in scenario or "skipped" in scenario]

    s1 = s["s1_hightouch_daily"]
    assert s1["ours"]["success"] and s1["minimum"]["minimum"] > 0 and s1["floor_s"] > 0
    assert s1["ours"]["server"]["total_requests"] >= s1["minimum"]["minimum"]
    assert _number(s1["ours"]["wall_s"]) and s1["ours"]["peak_rss_bytes"] > 0
    assert s1["naive"]["server"]["total_requests"] > 0 and _number(s1["naive"]["wall_s"])
    # The limiters against both kinds of server: the minimum (+1 probe, +1 retry per 429), a server-side API
    # span; the default (adaptive) draws its one 429 from the window only, and says which kind it settled on.
    expected = {"ours": ("sliding", "adaptive", 1, "sliding"), "ours_vs_bucket": ("token_bucket", "adaptive", 0,
                                                                                  "token_bucket"),
                "sliding_vs_sliding": ("sliding", "sliding", 0, "sliding"),
                "sliding_vs_bucket": ("token_bucket", "sliding", 0, "sliding"),
                "bucket_vs_bucket": ("token_bucket", "token_bucket", 0, "token_bucket")}
    for name, (server_kind, client_kind, refused, pacing) in expected.items():
        variant = s1[name]
        assert variant["success"] and (variant["server_kind"], variant["client_kind"]) == (server_kind, client_kind)
        assert variant["server"]["total_requests"] == s1["minimum"]["minimum"] + 1 + refused
        assert variant["server"]["rate_limited"] == variant["runs"][0]["rate_limited_429"] == refused
        assert variant["runs"][0]["limiter"]["pacing"] == pacing and variant["server"]["api_span_s"] > 0
    assert s1["floors_s"]["token_bucket"] < s1["floors_s"]["sliding"]

    s2 = s["s2_hightouch_backfill"]
    assert s2["range"]["success"] and s2["singles"]["success"]
    assert 0 < s2["range"]["server"]["total_requests"] < s2["singles"]["server"]["total_requests"]
    assert len(s2["singles"]["runs"]) == s2["days"] > 1

    for flavour in ("standard", "edge"):
        f = s["s3_hevo"][flavour]
        assert f["minimum"]["minimum"] > 0 and f["floor_s"] > 0
        for name, server_kind in (("ours", "sliding"), ("ours_vs_bucket", "token_bucket")):
            variant = f[name]
            assert variant["success"] and variant["server_kind"] == server_kind
            assert variant["floor_s"] == f["floors_s"][server_kind] > 0
            assert variant["server"]["total_requests"] >= f["minimum"]["minimum"]
            assert variant["server"]["rate_limited"] <= (1 if server_kind == "sliding" else 0)
        assert f["naive"]["server"]["total_requests"] > 0

    year = s["s5_hightouch_year"]["variants"]
    assert len(year) == 2
    for variant in year.values():
        assert variant["ours"]["success"] and variant["ours"]["peak_rss_bytes"] > 0
        assert variant["ours"]["runs"][0]["partitions_materialised"] == variant["days"]
        server = variant["ours"]["server"]
        assert server["rate_limited"] <= 1  # the default's one deliberate 429 a run, at most
        assert server["total_requests"] == variant["minimum"]["minimum"] + 1 + server["rate_limited"]

    land = s["s4_land"]["land"]
    assert land["rows"] == s["s4_land"]["runs"] > 0
    assert all(_number(land[k]) and land[k] > 0 for k in ("normalise_s", "stage_file_set_s", "rows_per_s",
                                                           "events_vs_gzip6", "peak_rss_bytes"))

    lineage = s["s6_lineage"]
    assert lineage["corpus"]["entries"] >= 80 and lineage["corpus"]["ours"]["timing"]["p95_ms"] > 0
    assert lineage["normalise"]["warm"]["lineage_cache"]["misses"] == 0
    assert lineage["normalise"]["cold"]["lineage_cache"]["misses"] == lineage["normalise"]["distinct_sql_traced"] > 0

    for pages in (v for k, v in s["s7_pages"].items() if k.isdigit()):
        assert pages["success"] and pages["runs"] == 1
        assert pages["materialisations"] >= 6 * pages["days"] and pages["check_evaluations"] >= 8 * pages["days"]

    s8 = s["s8_idle"]
    counts = sorted(int(k) for k in s8 if k.isdigit())
    assert counts[0] == 0 and len(counts) >= 3 and s8["0"]["load"]["sensors"] == 0
    # One sensor per concern, whatever the number of instances: the sensor count does not grow.
    assert len({s8[str(n)]["load"]["sensors"] for n in counts[1:]}) == 1 and s8["1"]["load"]["sensors"] > 0
    assert all(_number(s8[str(n)]["load"]["seconds"]) and s8[str(n)]["load"]["seconds"] > 0 for n in counts)
    assert [n for n in counts if "idle" in s8[str(n)]] == counts[1:]
    assert all(_number(s8[str(n)]["idle"]["cpu_s"]) and s8[str(n)]["idle"]["window_s"] > 0 for n in counts[1:])
    assert {s8[str(n)]["idle"]["topology"] for n in counts[1:]} == {"code_server"}
    # The daemon-spawned topology is measured too (its code server replaced every 60 s), and its CPU counts the
    # processes below the daemon: a daemon with a loaded code server is never near zero.
    spawned = s8["1"]["idle_daemon_spawned"]
    assert spawned["topology"] == "daemon_spawned" and spawned["cpu_s"] > 0 and s8["1"]["idle"]["cpu_s"] > 0

    goals = results["goals"]
    assert {g["id"] for g in goals} >= {"s1.wall", "s1.requests", "s1.429", "s1.naive", "s2.requests", "s4.gzip",
                                        "s4.rss", "s3.standard.wall", "s3.edge.wall", "s3.standard.naive",
                                        "s1.api_wall", "s1.ours_vs_bucket.api_wall", "s1.ours_vs_bucket.429",
                                        "s3.edge.api_wall", "s3.standard.ours_vs_bucket.api_wall",
                                        "s3.edge.ours_vs_bucket.429", "s5.api_wall", "s5.rss_growth",
                                        "s6.precision", "s6.recall", "s6.p95_ms", "s6.warm", "s8.idle",
                                        "s8.load"}
    assert all(_number(g["value"]) for g in goals)
    assert {g["target"] for g in goals if g["id"].endswith(".429")} == {1.0}  # the default's one 429, at most
    assert (tmp_path / "BENCHMARKS.md").read_text().startswith("# Benchmarks")


def test_a_rerun_replaces_its_scenarios_and_its_earlier_rerun_and_keeps_the_full_runs_meta() -> None:
    """`--only sX --update`: the report names the latest rerun of each scenario, and the header's length and
    start stay the full run's (a rerun's own command time once overwrote them)."""
    from benchmarks.__main__ import _merged

    full = {"meta": {"started_at": "T0", "total_s": 100.0, "command_s": 101.0,
                     "reruns": [{"scenarios": ["s5"], "started_at": "T1", "total_s": 5.0},
                                {"scenarios": ["s8"], "started_at": "T2", "total_s": 8.0}]},
            "scenarios": {"s1": {"v": 1}, "s5": {"v": 1}, "s8": {"v": 1}}}
    rerun = {"meta": {"started_at": "T3", "total_s": 9.0, "command_s": 9.5}, "scenarios": {"s8": {"v": 2}}}
    merged = _merged(full, rerun)
    assert merged["scenarios"] == {"s1": {"v": 1}, "s5": {"v": 1}, "s8": {"v": 2}}
    assert merged["meta"]["reruns"] == [{"scenarios": ["s5"], "started_at": "T1", "total_s": 5.0},
                                        {"scenarios": ["s8"], "started_at": "T3", "total_s": 9.0}]
    assert (merged["meta"]["started_at"], merged["meta"]["total_s"], merged["meta"]["command_s"]) == ("T0", 100.0, 101.0)
