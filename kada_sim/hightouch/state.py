"""The state every part of the Hightouch simulator shares: configuration, the generated workspace (declared
here, built by ``workspace``) and the ground-truth bookkeeping in the warehouse's own spelling."""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from kada_sim.hightouch.config import LIST_ENDPOINTS, PAGE_CAP, PROFILES, HightouchSimConfig, _SyncRuntime
from kada_sim.hightouch.vocabulary import _PLACEHOLDER
from kada_sim.server import HistorySimulator


class _HightouchState(HistorySimulator):
    """Configuration, profile switches and the workspace's collections (filled by :meth:`_build`)."""

    config: HightouchSimConfig
    _sources: list[dict[str, Any]]
    _source_ctx: dict[int, dict[str, Any]]
    _models: list[dict[str, Any]]
    _model_columns: dict[int, list[str]]
    _model_grain: dict[int, str]
    _destinations: list[dict[str, Any]]
    _syncs: list[dict[str, Any]]
    _runtime: dict[int, _SyncRuntime]
    _served: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]
    _by_id: dict[str, dict[Any, dict[str, Any]]]

    def __init__(self, config: HightouchSimConfig | None = None) -> None:
        self.config = config or HightouchSimConfig()
        cfg = self.config
        if cfg.profile not in PROFILES:
            raise ValueError(f"unknown Hightouch simulator profile {cfg.profile!r}; choose one of {PROFILES}")
        self.profile = cfg.profile
        self.documented = cfg.profile != "kada"
        self._string_ids = cfg.string_ids or cfg.profile == "documented-string-ids"
        capped = cfg.profile == "documented-page-cap"
        self._max_limit = min(cfg.max_limit, PAGE_CAP) if capped else cfg.max_limit
        self._omit_has_more = (
            frozenset({*LIST_ENDPOINTS, "runs"}) if capped else cfg.omit_has_more_on
        )
        self._truth_models: dict[int, tuple[str, Any]] = {}
        self._truth_syncs: dict[int, tuple[str | None, list[tuple[str, str]]]] = {}
        self._last_finished: dict[int, int | None] = {}
        self._last_finished_status: dict[int, str] = {}
        super().__init__(cfg, cfg.end, cfg.days, cfg.runs_per_sync_per_day)
        self._day_cache: OrderedDict[tuple[int, int], list[tuple[int, dict[str, Any]]]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.deleted_model_ids: list[int] = []
        self.deleted_destination_ids: list[int] = []
        self._build()

    # ---- presentation helpers ---------------------------------------------------------------------

    def _id(self, value: int) -> int | str:
        return str(value) if self._string_ids else value

    def _build(self) -> None:
        """Generate the workspace (``workspace._HightouchWorkspace``; the corpus simulator replaces it)."""
        raise NotImplementedError

    # ---- workspace generation helpers --------------------------------------------------------------

    def _updated(self, rng: random.Random, created: int) -> int:
        return (
            created + int(rng.random() * (self.end_ms - 3_600_000 - created))
            if created < self.end_ms - 3_600_000
            else created
        )

    # ---- ground truth bookkeeping (the warehouse's own spelling, independent of the collector) ---------

    @staticmethod
    def _truth_host(stype: str, config: dict[str, Any]) -> str:
        """The K host of a source per contract section 5 (Snowflake account host, else its configured host)."""
        if stype == "snowflake":
            return f"{config['account'].lower()}.snowflakecomputing.com"
        if stype == "postgres":
            return str(config["host"])
        if stype == "bigquery":
            return str(config["project"])
        return ""

    def _truth_table(self, source_id: int, text: str) -> tuple[str, str, str]:
        """(database, schema, table) as the source's warehouse stores a name the simulator wrote unquoted."""
        ctx = self._source_ctx[source_id]
        parts = text.strip("`").split(".")
        full = parts if len(parts) == 3 else [ctx["database"], *parts] if len(parts) == 2 else [
            ctx["database"], ctx["schema"], parts[0]]
        fold = {"snowflake": str.upper, "postgres": str.lower}.get(ctx["type"], str)
        return fold(full[0]), fold(full[1]), fold(full[2])

    def _truth_sql(self, source_id: int, template: str, qualified: dict[str, str]) -> set[tuple[str, str, str]]:
        return {self._truth_table(source_id, qualified[t]) for t in _PLACEHOLDER.findall(template)}

    def _qualifier(self, source_id: int, rng: random.Random) -> Callable[[str], str]:
        styles = self._source_ctx[source_id]["styles"]
        return lambda t: rng.choice(styles).format(t=t, T=t.upper())
