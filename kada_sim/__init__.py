"""Simulated Hightouch and Hevo APIs for tests, the demo and benchmarks (stdlib only).

The vendor modules are imported lazily so that ``python -m kada_sim.hightouch`` does not import the
module twice (once as a package member, once as ``__main__``).
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
