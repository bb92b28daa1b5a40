"""Counted, logged problems: how bad input becomes a warning and a number instead of a crash."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

log = logging.getLogger("kada_dagster")


class ProblemLog:
    """Thread-safe tally of skipped objects and tolerated oddities, with a few examples of each."""

    def __init__(self, logger: Any | None = None, max_examples: int = 5) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._logger = logger or log
        self._max_examples = max_examples

    def record(self, category: str, message: str) -> None:
        """Counts one occurrence; logs the first few of each category, then only counts."""
        with self._lock:
            self.counts[category] += 1
            examples = self.examples.setdefault(category, [])
            first = len(examples) < self._max_examples
            if first:
                examples.append(message)
        if first:
            self._logger.warning("%s: %s", category, message)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {"counts": dict(sorted(self.counts.items())), "examples": self.examples}
