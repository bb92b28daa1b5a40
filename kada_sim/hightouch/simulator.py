"""The Hightouch simulator: a seeded workspace served over HTTP, and its command line."""

from __future__ import annotations

from kada_sim.hightouch.config import API_PREFIX, HightouchSimConfig
from kada_sim.hightouch.routes import _HightouchRoutes
from kada_sim.server import run_cli


class HightouchSimulator(_HightouchRoutes):
    """A Hightouch workspace served over HTTP. ``url`` is the API base (``.../api/v1``)."""

    name = "hightouch-sim"
    api_prefix = API_PREFIX
    slot_kind = "run"
    created_recent_share = 0.12
    created_min_age_ms = 12 * 3_600_000
    created_max_age_days = 540


    def describe(self) -> str:
        cfg = self.config
        return (
            f"token={cfg.token!r} sources={len(self._sources)} models={len(self._models)} "
            f"destinations={len(self._destinations)} syncs={len(self._syncs)} runs/sync/day={self._per_day} "
            f"{self._history_text()}"
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m kada_sim.hightouch --port 8765 --seed 7 ...``"""
    return run_cli(
        HightouchSimulator, HightouchSimConfig, argv, "kada_sim.hightouch", "Hightouch REST API v1 simulator"
    )
