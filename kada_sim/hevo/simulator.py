"""The Hevo simulator: a seeded account of either flavour served over HTTP, and its command line."""

from __future__ import annotations

from kada_sim.hevo.config import HevoSimConfig
from kada_sim.hevo.edge_routes import _HevoEdgeRoutes
from kada_sim.server import run_cli


class HevoSimulator(_HevoEdgeRoutes):
    """A Hevo account served over HTTP; ``url`` is the host root (the client adds the API path)."""

    name = "hevo-sim"
    slot_kind = "job"
    created_recent_share = 0.15
    created_min_age_ms = 2 * 3_600_000
    created_max_age_days = 400

    def describe(self) -> str:
        cfg = self.config
        return (
            f"flavour={cfg.flavour} api={self.api_path} key={cfg.api_key!r} secret={cfg.api_secret!r} "
            f"pipelines={len(self._pipelines)} {self._history_text()}"
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m kada_sim.hevo --flavour standard --port 8766 ...``"""
    return run_cli(
        HevoSimulator,
        HevoSimConfig,
        argv,
        "kada_sim.hevo",
        "Hevo public API simulator (standard or edge flavour)",
    )
