"""The state every part of the Hevo simulator shares: configuration, flavour and profile, the generated
account (declared here, built by ``standard`` or ``edge``) and generation helpers."""

from __future__ import annotations

import hashlib
import random
from typing import Any

from kada_sim.hevo.config import (
    EDGE_PREFIX,
    EDGE_PROFILES,
    FLAVOURS,
    STANDARD_PREFIX,
    STANDARD_PROFILES,
    HevoSimConfig,
    _PipelineRuntime,
)
from kada_sim.hevo.vocabulary import DB_TABLES, SF_OBJECTS
from kada_sim.server import HistorySimulator, stable_int


class _HevoState(HistorySimulator):
    """Configuration, flavour, profile switches and the account's collections."""

    config: HevoSimConfig
    _destinations: list[dict[str, Any]]
    _pipelines: list[dict[str, Any]]
    _objects: dict[int, list[dict[str, Any]]]
    _event_types: dict[int, list[dict[str, Any]]]
    _mappings: dict[int, dict[str, dict[str, Any]]]
    _transformations: dict[int, dict[str, Any]]
    _dest_tables: dict[int, dict[str, str]]  # dest id -> base table -> qualified name
    _models: list[dict[str, Any]]
    _workflows: list[dict[str, Any]]
    _object_details: dict[int, dict[str, dict[str, Any]]]
    _runtime: dict[int, _PipelineRuntime]

    def __init__(self, config: HevoSimConfig | None = None) -> None:
        self.config = config or HevoSimConfig()
        cfg = self.config
        if cfg.flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {FLAVOURS}, not {cfg.flavour!r}")
        self.flavour = cfg.flavour
        allowed = STANDARD_PROFILES if cfg.flavour == "standard" else EDGE_PROFILES
        if cfg.profile not in allowed:
            raise ValueError(f"profile {cfg.profile!r} is not one of the {cfg.flavour} profiles {allowed}")
        self.profile = cfg.profile
        self.documented = cfg.profile != "kada"
        self._truth: list[dict[str, Any]] = []
        self.api_path = STANDARD_PREFIX if cfg.flavour == "standard" else EDGE_PREFIX
        self.api_prefix = self.api_path  # fault prefixes and stats templates are relative to it
        super().__init__(cfg, cfg.end, cfg.days, cfg.jobs_per_pipeline_per_day, secret_scope=(cfg.flavour,))
        self._mask = hashlib.blake2b(f"{cfg.seed}|jobmask".encode(), digest_size=8).digest()
        rng = random.Random(stable_int(cfg.seed, "hevo", cfg.flavour))
        if cfg.flavour == "standard":
            self._build_standard(rng)
        else:
            self._build_edge(rng)

    def _build_standard(self, rng: random.Random) -> None:
        """Generate a Standard account (``standard._HevoStandard``; the corpus simulator replaces it)."""
        raise NotImplementedError

    def _build_edge(self, rng: random.Random) -> None:
        """Generate an Edge account (``edge._HevoEdge``)."""
        raise NotImplementedError

    # ---- shared generation helpers ------------------------------------------------------------------

    def _in_history(self, rng: random.Random, not_before: int, near_end: bool = False) -> int:
        lo = max(self.history_start_ms, not_before)
        if near_end:
            lo = max(lo, self.end_ms - 3 * 3_600_000)
        hi = self.end_ms - 60_000
        return rng.randint(lo, hi) if hi > lo else hi

    def _objects_for_source(self, kind: str, p: int) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        """(base table name, columns) for a pipeline's objects, enough for ``objects_per_pipeline``."""
        vocab = SF_OBJECTS if kind in ("SALESFORCE_V2", "Salesforce") else DB_TABLES
        names = list(vocab)
        rot = p % len(names)
        names = names[rot:] + names[:rot]
        out = []
        for j in range(self.config.objects_per_pipeline):
            base = names[j % len(names)]
            suffix = j // len(names)
            out.append((base if suffix == 0 else f"{base}_archive_{suffix}", vocab[base]))
        return out
