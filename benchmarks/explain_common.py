"""What the prose of BENCHMARKS.md shares: reading the results, goal verdicts and number formats."""

from __future__ import annotations

from typing import Any

MB = 1024**2


def _get(d: Any, *keys: Any, default: Any = None) -> Any:
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return default
        d = d[key]
    return d


def _goal(results: dict[str, Any], gid: str) -> dict[str, Any] | None:
    return next((g for g in results.get("goals", []) if g["id"] == gid), None)


def _verdict(goal: dict[str, Any] | None, unit: str = "×") -> str:
    if goal is None or goal["value"] is None:
        return "not measured"
    value, target = goal["value"], goal["target"]
    if goal["id"].endswith(".rss"):
        state = "**met**" if goal["met"] else "**missed**"
        return f"{state} ({value / MB:,.0f} MB against ≤ {target / MB:,.0f} MB)"
    if goal["id"].endswith(".429"):  # a count, not a ratio
        return f"{'**met**' if goal['met'] else '**missed**'} ({value:g} against ≤ {target:g})"
    if goal["met"]:
        return f"**met** ({value:.3f}{unit} against ≤ {target:g}{unit})"
    return f"**missed** ({value:.3f}{unit} against ≤ {target:g}{unit}: {value / target - 1:+.0%} over the target)"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.2f} %" if whole else "n/a"


def _rss(n: int | None) -> str:
    return "n/a" if n is None else f"{n / MB:,.0f} MB"


def _parts(parts: dict[str, int]) -> str:
    text = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in parts.items() if k not in ("jobs_strict", "jobs_in_window"))
    if "jobs_in_window" in parts:
        text += f" ({parts['jobs_in_window']:,} jobs in the window)"
        if parts["jobs_strict"] != parts["jobs"]:
            text += (f"; {parts['jobs_strict']:,} job pages if a client could also skip the pipelines that turn "
                     "out to have none")
    return text


def _got(got: dict[str, Any] | None) -> str:
    return ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in (got or {}).items())


def _span_ratio(v: dict[str, Any] | None) -> str:
    if not v or not v.get("server", {}).get("api_span_s"):
        return "n/a"
    return f"{v['server']['api_span_s'] / v['floor_s']:.3f}×"


def _pacing(v: dict[str, Any] | None) -> str:
    """What the raw asset's `limiter` metadata said the default settled on."""
    runs = (v or {}).get("runs") or [{}]
    limiter = runs[0].get("limiter") or {}
    return f"`{limiter['pacing']}`" if limiter.get("pacing") else "n/a"
