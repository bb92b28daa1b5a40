"""Counted, logged problems: how bad input becomes a warning and a number instead of a crash.

One vocabulary, in the UI, the logs and docs/USAGE.md:
- **skipped**: an object or record left out of the extract (a 404, an entry without an id, ...);
- **tolerated**: an oddity read with a fallback; the row is there (a timestamp in another format, ...);
- **missing**: a value or an edge the API data (or a model's SQL) does not give: written empty or
  `UNKNOWN`, or left out, never guessed (categories `<vendor>.unresolved.*`, `<vendor>.column_lineage.*`);
- **unmapped**: a data source without a `mapping` entry, which K may not resolve (the `unmapped_sources` check).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

log = logging.getLogger("kada_dagster")

KINDS = ("skipped", "tolerated", "missing")
_SKIPPED_ENDINGS = ("not_found", "invalid", "not_an_object", "missing_id", "no_name", "no_source", "bad_entry",
                    "_missing", "unavailable")


def kind_of(category: str) -> str:
    """The vocabulary word of a problem category (`<vendor>.<what>.<why>`)."""
    if ".unresolved." in category or ".column_lineage." in category:
        return "missing"
    return "skipped" if category.endswith(_SKIPPED_ENDINGS) else "tolerated"


class ProblemLog:
    """Thread-safe tally of skipped objects and tolerated oddities, with a few examples of each."""

    def __init__(self, logger: Any | None = None, max_examples: int = 5, parent: ProblemLog | None = None) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._logger = logger or log
        self._max_examples = max_examples
        self._parent = parent

    def record(self, category: str, message: str) -> None:
        """Counts one occurrence; logs the first few of each category, then only counts. A day's log
        (with a `parent`, the run's) leaves the logging to the parent, so a range logs each example once."""
        if self._parent is not None:
            self._parent.record(category, message)
            with self._lock:
                self.counts[category] += 1
                examples = self.examples.setdefault(category, [])
                if len(examples) < self._max_examples:
                    examples.append(message)
            return
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

    def by_kind(self) -> dict[str, int]:
        totals = dict.fromkeys(KINDS, 0)
        for category, count in self.counts.items():
            totals[kind_of(category)] += count
        return totals

    def summary(self) -> str:
        """`2 skipped, 0 tolerated, 5 missing` (the words of the vocabulary above)."""
        return ", ".join(f"{n} {kind}" for kind, n in self.by_kind().items())

    def as_dict(self) -> dict[str, Any]:
        return {"by_kind": self.by_kind(), "counts": dict(sorted(self.counts.items())), "examples": self.examples}
