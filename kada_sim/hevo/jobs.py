"""Lazy Edge job generation: every job is drawn from its slot's hashed floats; a job id is a UUID that
encodes (pipeline, day, slot), so a lookup by id needs no stored state."""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Iterator
from typing import Any

from kada_sim.hevo.config import (
    _JOB_STATUS_WEIGHTS,
    _JOB_TYPE_WEIGHTS,
    _RARE_JOB_STATUSES,
    _RARE_JOB_TYPES,
    _PipelineRuntime,
)
from kada_sim.hevo.state import _HevoState
from kada_sim.server import DAY_MS, weighted_choice


class _HevoJobs(_HevoState):
    """Jobs per (pipeline, day, slot), newest first, and their UUIDs."""

    def _uuid_mask(self, salt: bytes) -> bytes:
        return hashlib.blake2b(self._mask + salt, digest_size=8).digest()

    def _job_uuid(self, pid: int, day: int, i: int) -> str:
        """A random-looking UUID v4 that encodes (pipeline, day, slot), so job lookups need no state."""
        h = hashlib.blake2b(f"{self.config.seed}|job|{pid}|{day}|{i}".encode(), digest_size=8).digest()
        mask = self._uuid_mask(h[0:4])
        payload = bytes(a ^ b for a, b in zip(struct.pack(">IHH", pid, day & 0xFFFF, i), mask, strict=True))
        raw = (
            h[0:4]
            + payload[0:2]
            + bytes([0x40 | (h[4] & 0x0F), h[5], 0x80 | (h[6] & 0x3F), h[7]])
            + payload[2:8]
        )
        return str(uuid.UUID(bytes=raw))

    def _decode_job_uuid(self, text: str) -> tuple[int, int, int] | None:
        try:
            normalised = str(uuid.UUID(text))
        except ValueError:
            return None
        raw = uuid.UUID(normalised).bytes
        mask = self._uuid_mask(raw[0:4])
        payload = bytes(a ^ b for a, b in zip(raw[4:6] + raw[10:16], mask, strict=True))
        pid, day, i = struct.unpack(">IHH", payload)
        return (pid, day, i) if self._job_uuid(pid, day, i) == normalised else None

    def _job_window(self, rt: _PipelineRuntime, lo: int | None, hi: int | None) -> tuple[int, int]:
        return self._clip_window(rt.created_ms, rt.jobs_until_ms, lo, hi)

    def _make_job(self, rt: _PipelineRuntime, day: int, i: int) -> tuple[int, dict[str, Any]]:
        u = self._slot_floats(rt.id, day, i)
        created = self._slot_time(day, i, u[0])
        duration = int(20_000 + u[1] * max(0.0, min(0.5 * self._slot_ms - 20_000, 2_400_000)))
        end = self.end_ms
        jtype, status, running = self._job_kind(rt, day, i, u, created, duration)
        ingested, loaded, failed, ok_objs, queued, skipped, failed_objs = self._job_counts(rt, u, jtype, status)
        if running:
            updated = min(end - int(u[6] * 60_000), created + duration)
            updated = max(updated, created)
            dur = updated - created
        else:
            updated = created + duration
            dur = duration
        min_lat = int(500 + u[7] * 5_000)
        max_lat = min_lat + int(u[8] * 600_000)
        job = {
            "job_id": self._job_uuid(rt.id, day, i),
            "type": jtype,
            "status": status,
            "created_ts": created,
            "updated_ts": updated,
            "events_ingested": ingested,
            "events_loaded": loaded,
            "events_failed": failed,
            "objects_success": ok_objs,
            "objects_queued": queued,
            "objects_skipped": skipped,
            "objects_failed": failed_objs,
            "duration": dur,
            "min_latency": min_lat,
            "max_latency": max_lat,
            "mean_latency": min_lat + int((max_lat - min_lat) * (0.2 + 0.3 * u[9])),
        }
        return created, job

    def _job_kind(
        self, rt: _PipelineRuntime, day: int, i: int, u: tuple[float, ...], created: int, duration: int
    ) -> tuple[str, str, bool]:
        """(type, status, still running) of a job: the pipeline's first is HISTORICAL, a late one runs."""
        end = self.end_ms
        first_day = rt.created_ms // DAY_MS
        if (
            day == first_day
            and self._slot_start(rt.id, day, i) >= rt.created_ms
            and all(self._slot_start(rt.id, day, k) < rt.created_ms for k in range(i))
        ):
            jtype = "HISTORICAL"
        elif self._per_day >= 3 and i == 2 and (rt.index + day) % 2 == 0:
            jtype = _RARE_JOB_TYPES[(rt.index + day // 2) % len(_RARE_JOB_TYPES)]
        else:
            r = u[2]
            jtype = weighted_choice(r, _JOB_TYPE_WEIGHTS)
        if self._per_day >= 2 and i == 1 and (rt.index + day) % 2 == 0:
            status = _RARE_JOB_STATUSES[(rt.index + day // 2) % len(_RARE_JOB_STATUSES)]
        else:
            r = u[3]
            status = weighted_choice(r, _JOB_STATUS_WEIGHTS)
        running = False
        if created + duration > end:
            running, status = True, "IN_PROGRESS"
        elif (
            rt.last_state
            and rt.jobs_until_ms - created <= 1.3 * self._slot_ms
            and self._is_last_slot(rt.id, day, i, rt.jobs_until_ms)
        ):
            running, status = rt.last_state != "FAILED", rt.last_state
        return jtype, status, running

    def _job_counts(
        self, rt: _PipelineRuntime, u: tuple[float, ...], jtype: str, status: str
    ) -> tuple[int, int, int, int, int, int, int]:
        """(events ingested, loaded, failed, objects succeeded, queued, skipped, failed) of a job."""
        ingested = max(
            1,
            int(
                rt.events_base
                * (0.5 + u[4])
                * (20 if jtype in ("HISTORICAL", "RESYNC", "RESYNC_WITH_DROP_AND_LOAD") else 1)
            ),
        )
        loaded, failed = ingested, 0
        n = rt.n_objects
        ok_objs, queued, skipped, failed_objs = n, 0, 0, 0
        if status == "COMPLETED_WITH_FAILURES":
            failed = max(1, int(ingested * 0.01 * u[5]))
            loaded = ingested - failed
            failed_objs = min(n, 1)
            ok_objs = n - failed_objs
        elif status == "FAILED":
            loaded = int(ingested * u[5] * 0.5)
            failed = ingested - loaded
            failed_objs = max(1, n // 2)
            ok_objs = n - failed_objs
        elif status in ("CANCELLED", "CANCELLING"):
            loaded = int(ingested * u[5])
            skipped = n // 2
            ok_objs = n - skipped
        elif status == "SKIPPED":
            ingested = loaded = 0
            ok_objs, skipped = 0, n
        elif status == "DEFERRED":
            loaded = 0
            ok_objs, queued = 0, n
        elif status == "DEFERRED_WITH_FAILURES":
            failed = max(1, int(ingested * 0.02 * u[5]))
            loaded = 0
            ok_objs, queued, failed_objs = 0, max(0, n - 1), min(n, 1)
        elif status == "IN_PROGRESS":
            loaded = int(ingested * u[5])
            ok_objs = int(n * u[5])
            queued = n - ok_objs
        return ingested, loaded, failed, ok_objs, queued, skipped, failed_objs

    def _jobs_desc(
        self, rt: _PipelineRuntime, lo: int, hi: int, before: tuple[int, int] | None = None
    ) -> Iterator[tuple[tuple[int, int], dict[str, Any]]]:
        """Jobs with created_ts in [lo, hi), newest first, strictly older than slot ``before``."""
        if not rt.has_jobs:
            return
        for day, i in self._slots_desc(rt.id, lo, hi, before):
            yield (day, i), self._make_job(rt, day, i)[1]
