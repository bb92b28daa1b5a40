"""The base of both vendor simulators: a seeded account with a history of runs or jobs in per-day slots."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime

from kada_sim.server.base import SimulatorBase
from kada_sim.server.helpers import DAY_MS, default_end, fake_secret, from_ms, iso_ms, to_ms, unit_floats
from kada_sim.server.options import SimOptions


class HistorySimulator(SimulatorBase):
    """A seeded vendor account with a history of runs/jobs: the base of both vendor simulators.

    History is ``[end - days, end)``. Each item (a sync, a pipeline) has ``per_day`` slots a UTC day; a
    slot's start and the rest of its run/job are drawn from ``unit_floats(seed, slot_kind, item id, day,
    slot)``, so runs/jobs are generated lazily, in any order. Every fake credential goes through
    :meth:`_secret`, so :meth:`secret_values` lists them all.
    """

    slot_kind = "slot"
    """Salt of the per-slot draws (``"run"``, ``"job"``): part of the seeded output, do not change."""
    created_recent_share = 0.12
    """The share of generated objects that :meth:`_created` places inside the history window."""
    created_min_age_ms = 12 * 3_600_000
    """:meth:`_created` never returns less than this long before ``end``."""
    created_max_age_days = 540
    """How far before the history window :meth:`_created` may go."""

    def __init__(
        self,
        options: SimOptions,
        end: datetime | None,
        days: int,
        per_day: int,
        secret_scope: tuple[object, ...] = (),
    ) -> None:
        """``secret_scope`` is hashed, after the seed, into every fake credential."""
        super().__init__(options)
        self.end_ms = to_ms(end or default_end())
        self.history_start_ms = self.end_ms - days * DAY_MS
        self._per_day = max(0, per_day)
        self._slot_ms = DAY_MS // self._per_day if self._per_day else DAY_MS
        self._secret_scope = (options.seed, *secret_scope)
        self._secrets: list[str] = []

    # ---- generation helpers ------------------------------------------------------------------------

    def _secret(self, *parts: object) -> str:
        """A fake credential value, recorded for :meth:`secret_values`."""
        value = fake_secret(*self._secret_scope, *parts)
        self._secrets.append(value)
        return value

    def _created(self, rng: random.Random) -> int:
        """Creation time: mostly long before the history window, ``created_recent_share`` inside it."""
        latest = self.end_ms - self.created_min_age_ms
        if rng.random() < self.created_recent_share and latest > self.history_start_ms:
            return rng.randint(self.history_start_ms, latest)
        return min(latest, self.history_start_ms - rng.randint(3_600_000, self.created_max_age_days * DAY_MS))

    def _slot_floats(self, item_id: int, day: int, i: int) -> tuple[float, ...]:
        """The draws of slot ``i`` of ``day`` of an item (``[0]`` places its start in the slot)."""
        return unit_floats(self.options.seed, self.slot_kind, item_id, day, i)

    def _slot_time(self, day: int, i: int, u0: float) -> int:
        """Start of slot ``i`` of ``day``: the slot's beginning plus up to 30% of a slot (``u0`` in [0, 1))."""
        return day * DAY_MS + i * self._slot_ms + int(u0 * 0.3 * self._slot_ms)

    def _slot_start(self, item_id: int, day: int, i: int) -> int:
        return self._slot_time(day, i, self._slot_floats(item_id, day, i)[0])

    def _is_last_slot(self, item_id: int, day: int, i: int, until_ms: int) -> bool:
        """Whether the item's next slot after (``day``, ``i``) starts at or after ``until_ms``."""
        nday, ni = (day, i + 1) if i + 1 < self._per_day else (day + 1, 0)
        return self._slot_start(item_id, nday, ni) >= until_ms

    def _clip_window(self, created_ms: int, until_ms: int, lo: int | None, hi: int | None) -> tuple[int, int]:
        """[lo, hi) (None: unbounded) within held history, from ``created_ms`` and before ``until_ms``."""
        low = max(self.history_start_ms, created_ms, lo if lo is not None else self.history_start_ms)
        high = min(until_ms, hi if hi is not None else until_ms)
        return low, high

    def _slots_desc(
        self, item_id: int, lo: int, hi: int, before: tuple[int, int] | None = None
    ) -> Iterator[tuple[int, int]]:
        """(day, slot) of an item's slots starting in [lo, hi), newest first, older than ``before``."""
        if lo >= hi:
            return
        day = (hi - 1) // DAY_MS
        if before is not None:
            day = min(day, before[0])
        while day * DAY_MS + DAY_MS > lo:
            for i in range(self._per_day - 1, -1, -1):
                if before is not None and (day, i) >= before:
                    continue
                start = self._slot_start(item_id, day, i)
                if start >= hi:
                    continue
                if start < lo:
                    return
                yield day, i
            day -= 1

    def _history_text(self) -> str:
        """``history=[start, end)`` for :meth:`describe`."""
        return f"history=[{iso_ms(self.history_start_ms)}, {iso_ms(self.end_ms)})"

    # ---- ground truth for tests --------------------------------------------------------------------

    @property
    def end(self) -> datetime:
        return from_ms(self.end_ms)

    @property
    def history_start(self) -> datetime:
        return from_ms(self.history_start_ms)

    def secret_values(self) -> list[str]:
        """Every fake credential value served, e.g. in configuration blobs (all contain ``SIMSECRET``)."""
        return list(self._secrets)
