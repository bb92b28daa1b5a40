"""Scores column lineage against the hand-labelled corpus (`kada_dagster_tests/lineage_corpus/`).

The labels are read here and nowhere else; the code under test never sees them. A prediction is the set of
(model column, warehouse column, word) edges a tool gives for one corpus entry, plus the columns it leaves
unresolved. The scores:

- precision: predicted edges whose class (direct or INDIRECT) matches a labelled edge of the same model
  column and warehouse column; a value source marked INDIRECT, or a filter/join column marked as a value
  source, is wrong. `word_agreement`: matched direct edges whose exact word also matches.
- recall of value sources: labelled direct edges of columns the SQL alone determines, predicted as direct.
- columns that need the API's column lists (`needs_api`): right (the same edges) or unresolved, else wrong.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CORPUS_DIR = Path(__file__).resolve().parent.parent / "kada_dagster_tests" / "lineage_corpus"
# The corpus workspace's defaults per dialect (the corpus README's table).
DEFAULTS = {
    "snowflake": ("ANALYTICS", "PUBLIC"),
    "bigquery": ("acme-analytics", "analytics"),
    "postgres": ("app", "public"),
    "redshift": ("dw", "public"),
}
GOAL_PRECISION = 0.99
GOAL_RECALL = 0.95

Up = tuple[str, str, str, str]  # database, schema, table, column
Edge = tuple[str, Up, str]  # model column, warehouse column, word


@dataclass(frozen=True)
class Entry:
    id: str
    dialect: str
    vendor: str
    sql: str
    patterns: tuple[str, ...]
    api_columns: tuple[str, ...]
    table_columns: dict[tuple[str, str, str], tuple[str, ...]]
    output_table: str | None
    labels: dict[str, dict[str, Any]]

    @property
    def defaults(self) -> tuple[str, str]:
        return DEFAULTS[self.dialect]


def _table_key(name: str) -> tuple[str, str, str]:
    parts = name.split(".")
    if len(parts) != 3:
        raise ValueError(f"table_columns key {name!r} is not database.schema.table")
    return parts[0], parts[1], parts[2]


def load_corpus(directory: Path = CORPUS_DIR) -> list[Entry]:
    entries: list[Entry] = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            entries.append(Entry(
                id=str(raw["id"]), dialect=str(raw["dialect"]), vendor=str(raw.get("vendor", "hightouch")),
                sql=str(raw["sql"]), patterns=tuple(raw.get("patterns") or ()),
                api_columns=tuple(str(c) for c in raw.get("api_columns") or ()),
                table_columns={_table_key(k): tuple(str(c) for c in v)
                               for k, v in (raw.get("table_columns") or {}).items()},
                output_table=raw.get("output_table"),
                labels={str(k): dict(v or {}) for k, v in (raw.get("columns") or {}).items()}))
    ids = [e.id for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"corpus ids used twice: {duplicates}")
    return entries


def label_edges(entry: Entry) -> set[Edge]:
    edges: set[Edge] = set()
    for column, label in entry.labels.items():
        for up in label.get("direct") or []:
            edges.add((column, (str(up[0]), str(up[1]), str(up[2]), str(up[3])), str(up[4])))
        for up in label.get("indirect") or []:
            edges.add((column, (str(up[0]), str(up[1]), str(up[2]), str(up[3])), "INDIRECT"))
    return edges


@dataclass
class Prediction:
    edges: set[Edge] = field(default_factory=set)
    unresolved: dict[str, str] = field(default_factory=dict)  # "*": a star whose columns nothing shows
    seconds: float = 0.0


def _cls(word: str) -> str:
    return "indirect" if word == "INDIRECT" else "direct"


@dataclass
class Tally:
    predicted: int = 0
    correct: int = 0
    words_matched: int = 0
    words_same: int = 0
    value_sources: int = 0
    value_found: int = 0
    indirect_labelled: int = 0
    indirect_found: int = 0

    def add(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.correct / self.predicted, 4) if self.predicted else 1.0,
            "recall_value_sources": round(self.value_found / self.value_sources, 4) if self.value_sources else 1.0,
            "recall_indirect": round(self.indirect_found / self.indirect_labelled, 4) if self.indirect_labelled else 1.0,
            "word_agreement": round(self.words_same / self.words_matched, 4) if self.words_matched else 1.0,
            "edges_predicted": self.predicted, "edges_correct": self.correct,
            "value_sources": self.value_sources, "value_sources_found": self.value_found,
        }


def score_entry(entry: Entry, prediction: Prediction) -> tuple[Tally, list[str], dict[str, int]]:
    """The entry's tally, its mismatches (for a person to read) and its needs_api outcomes."""
    labelled = label_edges(entry)
    by_class = {(c, up, _cls(w)): w for c, up, w in labelled}
    tally, wrong = Tally(), []
    for column, up, word in sorted(prediction.edges):
        tally.predicted += 1
        match = by_class.get((column, up, _cls(word)))
        if match is None:
            wrong.append(f"{entry.id} {column}: unexpected {word} edge from {'.'.join(up)}")
            continue
        tally.correct += 1
        if word != "INDIRECT":
            tally.words_matched += 1
            tally.words_same += match == word
            if match != word:
                wrong.append(f"{entry.id} {column}: {'.'.join(up)} is {match}, predicted {word}")
    predicted_class = {(c, up, _cls(w)) for c, up, w in prediction.edges}
    schema_outcome: Counter[str] = Counter()
    for column, label in entry.labels.items():
        if label.get("unresolved"):
            continue
        mine = {(c, up, w) for c, up, w in labelled if c == column}
        if label.get("needs_api"):
            got = {(c, up, _cls(w)) for c, up, w in prediction.edges if c == column}
            if got == {(c, up, _cls(w)) for c, up, w in mine}:
                schema_outcome["right"] += 1
            elif not got and (column in prediction.unresolved or "*" in prediction.unresolved):
                schema_outcome["unresolved"] += 1
            else:
                schema_outcome["wrong"] += 1
                wrong.append(f"{entry.id} {column}: needs the API's columns; neither right nor unresolved")
            continue
        for c, up, w in mine:
            if w == "INDIRECT":
                tally.indirect_labelled += 1
                tally.indirect_found += (c, up, "indirect") in predicted_class
                if (c, up, "indirect") not in predicted_class:
                    wrong.append(f"{entry.id} {column}: missing INDIRECT source {'.'.join(up)}")
            else:
                tally.value_sources += 1
                found = (c, up, "direct") in predicted_class
                tally.value_found += found
                if not found:
                    wrong.append(f"{entry.id} {column}: missing {w} source {'.'.join(up)}"
                                 + (f" (unresolved: {prediction.unresolved[column]})"
                                    if column in prediction.unresolved else ""))
    return tally, wrong, dict(schema_outcome)


def score(entries: Iterable[Entry], predictions: dict[str, Prediction]) -> dict[str, Any]:
    total, mismatches = Tally(), []
    per_pattern: defaultdict[str, Tally] = defaultdict(Tally)
    schema: Counter[str] = Counter()
    for entry in entries:
        prediction = predictions.get(entry.id, Prediction())
        tally, wrong, outcome = score_entry(entry, prediction)
        total.add(tally)
        for pattern in entry.patterns:
            per_pattern[pattern].add(tally)
        schema.update(outcome)
        mismatches += wrong
    return {"overall": total.as_dict(), "needs_api_columns": dict(schema),
            "per_pattern": {p: t.as_dict() for p, t in sorted(per_pattern.items())}, "mismatches": mismatches}


def timing(predictions: dict[str, Prediction]) -> dict[str, float]:
    ms = sorted(p.seconds * 1000 for p in predictions.values())
    if not ms:
        return {}
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2),
            "max_ms": round(ms[-1], 2), "models": len(ms)}


# --- predictors -----------------------------------------------------------------------------------------
def predict_ours(entry: Entry) -> Prediction:
    """kada_dagster's tracer on the entry's SQL, as the collectors call it."""
    from kada_dagster.core.extract.sql_lineage import trace_query

    started = time.perf_counter()
    lineage = trace_query(entry.sql, entry.dialect, *entry.defaults, entry.api_columns, entry.table_columns)
    seconds = time.perf_counter() - started
    prediction = Prediction(seconds=seconds)
    if lineage.open_star:
        prediction.unresolved["*"] = "star_columns_unknown"
    for column in lineage.columns:
        if column.unresolved:
            prediction.unresolved[column.name] = column.unresolved
            continue
        for source, word in column.direct:
            prediction.edges.add((column.name, (source.database, source.schema, source.table, source.column), word))
        for source in column.indirect:
            prediction.edges.add((column.name, (source.database, source.schema, source.table, source.column),
                                  "INDIRECT"))
    return prediction


def predict_sqlglot_lineage(entry: Entry) -> Prediction:
    """sqlglot's plain `lineage()` per labelled column: its leaf table columns, taken as value sources."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.lineage import lineage

    schema: dict[str, Any] = {}
    for (db, sc, table), cols in entry.table_columns.items():
        schema.setdefault(db, {}).setdefault(sc, {})[table] = {c: "VARCHAR" for c in cols}
    started = time.perf_counter()
    prediction = Prediction()
    db, sc = entry.defaults
    for column in entry.labels:
        if column.startswith("#"):
            continue
        try:
            # sqlglot reads schema=None as no schema (the default before it became a required argument)
            node = lineage(column, entry.sql, schema=schema or None, dialect=entry.dialect)  # type: ignore[arg-type]
        except (sqlglot.errors.SqlglotError, KeyError, ValueError, AttributeError, IndexError, TypeError,
                RecursionError):
            prediction.unresolved[column] = "error"
            continue
        for leaf in node.walk():
            if leaf.downstream or not isinstance(leaf.source, exp.Table):
                continue
            source = leaf.source
            name = leaf.name.split(".")[-1]
            up = (source.catalog or db, source.db or sc, source.name, name)
            prediction.edges.add((column, up, "TRANSFORMATION"))
    prediction.seconds = time.perf_counter() - started
    return prediction


def evaluate(predictor: Callable[[Entry], Prediction], entries: list[Entry]) -> dict[str, Any]:
    predictions = {e.id: predictor(e) for e in entries}
    result = score(entries, predictions)
    result["timing"] = timing(predictions)
    return result


if __name__ == "__main__":
    import json
    import sys

    corpus = load_corpus()
    which = sys.argv[1] if len(sys.argv) > 1 else "ours"
    result = evaluate(predict_ours if which == "ours" else predict_sqlglot_lineage, corpus)
    print(json.dumps({k: v for k, v in result.items() if k != "mismatches"}, indent=1))
    print("\n".join(result["mismatches"]))
    print(f"{len(corpus)} entries")
