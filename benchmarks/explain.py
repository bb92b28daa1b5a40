"""The prose of BENCHMARKS.md: per scenario, its figures and, per goal, met or missed, by how much, why,
and what would close a gap. Every number is read from the run's results."""

from __future__ import annotations

from typing import Any

from benchmarks.explain_common import _get
from benchmarks.explain_hightouch import method, scenario1, scenario2
from benchmarks.explain_scale import production_changes, scenario3, scenario4, scenario5


def explanations(results: dict[str, Any]) -> list[str]:
    return [*method(results), *scenario1(results), *scenario2(results), *scenario3(results), *scenario4(results),
            *scenario5(results), *scenario6(results), *scenario7(results), *scenario8(results),
            *production_changes()]


def scenario6(results: dict[str, Any]) -> list[str]:
    from benchmarks.lineage_bench import explain

    return explain(_get(results, "scenarios", "s6_lineage", default={}))


def scenario8(results: dict[str, Any]) -> list[str]:
    from benchmarks.idle_bench import explain

    return explain(_get(results, "scenarios", "s8_idle", default={}))


def scenario7(results: dict[str, Any]) -> list[str]:
    from benchmarks.pages_bench import explain

    return explain(_get(results, "scenarios", "s7_pages", default={}))
