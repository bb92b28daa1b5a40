"""Simulated Hightouch and Hevo APIs for tests, the demo and benchmarks (stdlib only, plus PyYAML for the
lineage corpus). A dev-only distribution (``kada_sim/pyproject.toml``): never in the production wheel.

Packages: ``kada_sim.server`` (the shared HTTP server, rate limiting, faults, history base),
``kada_sim.hightouch`` and ``kada_sim.hevo`` (one per vendor; ``python -m kada_sim.<vendor>`` runs one).
The vendor packages are imported lazily, so ``import kada_sim`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "HevoSimConfig",
    "HevoSimulator",
    "HightouchSimConfig",
    "HightouchSimulator",
    "SimOptions",
]

_LAZY = {
    "HightouchSimulator": "kada_sim.hightouch",
    "HightouchSimConfig": "kada_sim.hightouch",
    "HevoSimulator": "kada_sim.hevo",
    "HevoSimConfig": "kada_sim.hevo",
    "SimOptions": "kada_sim.server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kada_sim' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
