"""Lazy run generation: every run of a sync is drawn from its slot's hashed floats, day by day, on demand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kada_sim.hightouch.config import (
    _DAY0,
    _RARE_RUN_STATUSES,
    _RUN_ID_BASE,
    _RUN_STATUS_WEIGHTS,
    _SyncRuntime,
)
from kada_sim.hightouch.state import _HightouchState
from kada_sim.hightouch.vocabulary import FAILED_ERRORS, INTERRUPTED_ERROR
from kada_sim.server import DAY_MS, iso_ms, weighted_choice


class _HightouchRuns(_HightouchState):
    """Runs per (sync, day, slot), the per-day cache, paging and lookup by run id."""

    def _run_id(self, rt: _SyncRuntime, day: int, i: int) -> int:
        return _RUN_ID_BASE + ((day - _DAY0) * self._per_day + i) * max(1, self.config.n_syncs) + rt.index

    def _make_run(self, rt: _SyncRuntime, day: int, i: int) -> tuple[int, dict[str, Any]]:
        """The run in slot ``i`` of ``day`` for a sync, as of the simulator's ``end``."""
        u = self._slot_floats(rt.id, day, i)
        slot = self._slot_ms
        start = self._slot_time(day, i, u[0])
        queue = min(int((u[1] ** 4) * 0.2 * slot), 1_800_000) + int(u[12] * 900)
        created = start - queue
        duration = int(4000 + u[2] * max(0.0, min(0.45 * slot - 4000, 1_200_000)))
        status, created, phase = self._run_status(rt, day, i, u, start, created, duration)
        query_size, planned, ok, failed, ratio, error = self._run_rows(rt, day, u, status, phase)
        finished = None if phase is not None or status == "queued" else start + duration

        def counts(c: list[int]) -> dict[str, int]:
            return {"addedCount": c[0], "changedCount": c[1], "removedCount": c[2]}

        run = {
            "id": self._id(self._run_id(rt, day, i)),
            "createdAt": iso_ms(created),
            "startedAt": iso_ms(start),
            "finishedAt": iso_ms(finished) if finished is not None else None,
            "querySize": query_size,
            "status": status,
            "completionRatio": ratio,
            "plannedRows": counts(planned),
            "successfulRows": counts(ok),
            "failedRows": counts(failed),
            "error": error,
        }
        if self.profile == "documented-sparse-runs":
            if status == "queued":
                run["startedAt"] = None
            if finished is None:
                del run["finishedAt"]
                run["failedRows"] = {"addedCount": failed[0]}
        return start, run

    def _run_status(
        self, rt: _SyncRuntime, day: int, i: int, u: tuple[float, ...], start: int, created: int, duration: int
    ) -> tuple[str, int, float | None]:
        """(status, createdAt, phase) of a run: a run still going at ``end`` is in a phase of [0, 1)."""
        slot = self._slot_ms
        end = self.end_ms
        if self._per_day >= 2 and i == 1 and (rt.index + day) % 3 == 0:
            status = _RARE_RUN_STATUSES[(rt.index + day // 3) % len(_RARE_RUN_STATUSES)]
        else:
            r = u[3]
            status = weighted_choice(r, _RUN_STATUS_WEIGHTS)
        phase: float | None = None
        if start + duration > end:
            phase = (end - start) / duration
        elif rt.last_state and end - start <= 1.3 * slot and self._is_last_slot(rt.id, day, i, self.end_ms):
            if rt.last_state == "queued":
                status, created, phase = "queued", start, None
            else:
                phase = 0.15 + 0.8 * u[4]
        if phase is not None:
            status = "querying" if phase < 0.45 else "processing" if phase < 0.85 else "reporting"
        return status, created, phase

    def _run_rows(
        self, rt: _SyncRuntime, day: int, u: tuple[float, ...], status: str, phase: float | None
    ) -> tuple[int, list[int], list[int], list[int], float, str | None]:
        """(querySize, planned, successful, failed row counts, completionRatio, error) of a run."""
        drift = 1.0 + 0.0005 * (day - _DAY0 - 3000)
        query_size = max(1, int(rt.rows_base * drift * (0.97 + 0.06 * u[5])))
        if rt.event:
            planned = [max(1, int(query_size * (0.02 + 0.1 * u[6]))), 0, 0]
            query_size = planned[0]
        else:
            planned = [
                int(query_size * 0.01 * u[6]),
                int(query_size * 0.04 * u[7]),
                int(query_size * 0.003 * u[8]),
            ]
        failed = [0, 0, 0]
        ok = list(planned)
        ratio = 1.0
        error: str | None = None
        if status == "warning":
            failed = [int(p * 0.02 * u[9]) for p in planned]
            if not any(failed):
                planned[0] += 1
                failed[0] = 1
            ok = [p - f for p, f in zip(planned, failed, strict=True)]
        elif status == "failed":
            error = self._error_text(rt, u)
            if u[10] < 0.5 or error.startswith(
                ("Cannot generate", "QUERY_", "WAREHOUSE_", "NON_UNIQUE", "Query timed")
            ):
                query_size, planned, ok, ratio = 0, [0, 0, 0], [0, 0, 0], 0.0
            else:
                frac = u[11]
                done = [int(p * frac) for p in planned]
                ok = [int(d * 0.9) for d in done]
                failed = [d - o for d, o in zip(done, ok, strict=True)]
                ratio = round(frac, 4)
        elif status in ("cancelled", "interrupted"):
            frac = u[11]
            ok = [int(p * frac) for p in planned]
            ratio = round(frac, 4)
            if status == "interrupted":
                error = INTERRUPTED_ERROR.format(n=sum(planned) - sum(ok))
        elif status in ("queued", "querying"):
            query_size, planned, ok, ratio = 0, [0, 0, 0], [0, 0, 0], 0.0
        elif status in ("processing", "reporting"):
            frac = min(1.0, max(0.0, ((phase or 0.5) - 0.45) / 0.4)) if status == "processing" else 0.99
            ok = [int(p * frac) for p in planned]
            ratio = round(frac, 4)
        return query_size, planned, ok, failed, ratio, error

    def _error_text(self, rt: _SyncRuntime, u: tuple[float, ...]) -> str:
        template = FAILED_ERRORS[int(u[13] * len(FAILED_ERRORS))]
        return template.format(
            col=rt.columns[-1],
            table_upper=rt.table.upper(),
            table=rt.table,
            n=1 + int(u[14] * 400),
            k=2 + int(u[15] * 5),
            pk=rt.pk,
            pk_value=f"cus_{int(u[14] * 90000) + 10000}",
            dest=rt.dest_name,
            limit=[15000, 100000, 250000][int(u[15] * 3)],
        )

    def _window(self, rt: _SyncRuntime, lo: int | None, hi: int | None) -> tuple[int, int]:
        """Effective [lo, hi) on startedAt: within held history, after the sync was created."""
        return self._clip_window(rt.created_ms, self.end_ms, lo, hi)

    def _day_runs(self, rt: _SyncRuntime, day: int) -> list[tuple[int, dict[str, Any]]]:
        key = (rt.id, day)
        with self._cache_lock:
            cached = self._day_cache.get(key)
            if cached is not None:
                self._day_cache.move_to_end(key)
                return cached
        runs = [self._make_run(rt, day, i) for i in range(self._per_day)]
        with self._cache_lock:
            self._day_cache[key] = runs
            if len(self._day_cache) > 256:
                self._day_cache.popitem(last=False)
        return runs

    def _day_count(self, rt: _SyncRuntime, day: int, lo: int, hi: int) -> int:
        if day * DAY_MS >= lo and (day + 1) * DAY_MS <= hi:
            return self._per_day
        return sum(1 for start, _ in self._day_runs(rt, day) if lo <= start < hi)

    def _runs_page(
        self, rt: _SyncRuntime, lo: int, hi: int, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Runs with startedAt in [lo, hi) ascending: (page at offset/limit, total). Lazy per day."""
        if not rt.has_runs or lo >= hi:
            return [], 0
        first, last = lo // DAY_MS, (hi - 1) // DAY_MS
        counts = [(day, self._day_count(rt, day, lo, hi)) for day in range(first, last + 1)]
        total = sum(c for _, c in counts)
        page: list[dict[str, Any]] = []
        seen = 0
        for day, count in counts:
            if len(page) >= limit:
                break
            if seen + count <= offset:
                seen += count
                continue
            for start, run in self._day_runs(rt, day):
                if not lo <= start < hi:
                    continue
                if seen >= offset and len(page) < limit:
                    page.append(run)
                seen += 1
        return page, total

    def _iter_runs_desc(self, rt: _SyncRuntime) -> Iterator[tuple[int, dict[str, Any]]]:
        """Runs newest first within held history (generated slot by slot, stops when the caller does)."""
        if not rt.has_runs:
            return
        lo, hi = self._window(rt, None, None)
        for day, i in self._slots_desc(rt.id, lo, hi):
            yield self._make_run(rt, day, i)

    def _run_by_id(self, rt: _SyncRuntime, run_id: int) -> tuple[int, dict[str, Any]] | None:
        k = run_id - _RUN_ID_BASE
        n = max(1, self.config.n_syncs)
        if k < 0 or not self._per_day or k % n != rt.index:
            return None
        slot = k // n
        day, i = _DAY0 + slot // self._per_day, slot % self._per_day
        start, run = self._make_run(rt, day, i)
        lo, hi = self._window(rt, None, None)
        return (start, run) if rt.has_runs and lo <= start < hi else None
