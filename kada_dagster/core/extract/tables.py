"""The four K extract tables of one partition, as every source's normaliser builds them.

A source only decides which rows to add; how own objects are addressed, how duplicate edges are
dropped, how unmapped data sources are collected and how the tables are sorted is the same for all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from kada_dagster.core.collector import ExtractResult, NormaliseContext
from kada_dagster.core.extract.column_lineage import ColumnLineageTally
from kada_dagster.core.extract.lineage_types import INDIRECT, QueryLineage, SourceColumn
from kada_dagster.core.extract.references import Reference
from kada_dagster.core.extract.rows import Endpoint, linkage_row, object_id
from kada_dagster.core.extract.schema import KINDS, SORT_KEYS, TableBuilder


class ExtractTables:
    """Row builders for metadata, linkages, events and databaselog, plus the lineage bookkeeping."""

    def __init__(self, ctx: NormaliseContext, source_type: str) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.problems = ctx.problems
        self.source_type = source_type
        self.metadata = TableBuilder("metadata")
        self.linkages = TableBuilder("linkages")
        self.events = TableBuilder("events")
        self.databaselog = TableBuilder("databaselog")
        self.unmapped: dict[str, dict[str, Any]] = {}
        self.edge_counts = {"table": 0, "column": 0}
        self._seen_edges: set[tuple[Any, ...]] = set()
        self.column_lineage = ColumnLineageTally()

    def oid(self, object_type: str, native_id: Any) -> str:
        return object_id(self.source_type, object_type, native_id)

    def own(self, object_type: str, native_id: Any) -> Endpoint:
        """An endpoint that is one of this instance's own objects (contract section 3, linkages)."""
        return Endpoint.own_object(self.settings.host, object_type, self.oid(object_type, native_id))

    def edge(self, upstream: Endpoint, downstream: Endpoint, **kwargs: Any) -> bool:
        """Adds a lineage edge once, however many paths lead to it; True when it is new."""
        row = linkage_row(upstream, downstream, **kwargs)
        identity = tuple(row.values())
        if identity in self._seen_edges:
            return False
        self._seen_edges.add(identity)
        self.linkages.add(row)
        self.edge_counts[row["linkage_type"]] += 1
        return True

    def model_columns(self, model: Endpoint, lineage: QueryLineage,
                      upstream: Callable[[SourceColumn], Endpoint | None], *, via: str | None, label: str,
                      flowing: Collection[str] | None = None) -> None:
        """Column edges into a model (contract v3): each output column's direct sources with their word and
        its INDIRECT ones. A column that cannot be traced gets none and is counted with its reason;
        `flowing` names the columns that go on (a sync maps them; None: all, a table stores them)."""
        tally = self.column_lineage
        tally.models += 1
        traced = False
        for column in lineage.columns:
            tally.columns += 1
            flows = flowing is None or column.name in flowing
            if column.unresolved:
                tally.unresolved[column.unresolved] += 1
                tally.unresolved_columns.append((label, column.name, column.unresolved))
                self.problems.record(f"{self.source_type}.column_lineage.{column.unresolved}",
                                     f"{label} column {column.name!r}: no column edges ({column.unresolved})")
                if flows:
                    tally.without_source.append(f"{label} {column.name}: {column.unresolved}")
                continue
            edges = [(source, word) for source, word in column.direct] + [(s, INDIRECT) for s in column.indirect]
            direct = 0
            for source, word in edges:
                endpoint = upstream(source)
                if endpoint is None:
                    continue
                if self.edge(endpoint, model, via_object_id=via, upstream_column=source.column,
                             downstream_column=column.name, transformation=word):
                    tally.edges[word] += 1
                direct += word != INDIRECT
            if direct:
                tally.columns_with_lineage += 1
                traced = True
            elif flows:
                tally.without_source.append(f"{label} {column.name}: no warehouse column flows into it")
        if lineage.open_star:
            tally.unresolved["star_columns_unknown"] += 1
            tally.unresolved_columns.append((label, "*", "star_columns_unknown"))
            self.problems.record(f"{self.source_type}.column_lineage.star_columns_unknown",
                                 f"{label}: a star whose columns nothing shows; only named columns traced")
        tally.models_with_lineage += traced

    def note_unmapped(self, name: str, source_type: str | None, reference: Reference) -> None:
        """Remembers a data source K may not resolve, for the unmapped-sources warning check."""
        if not reference.mapped:
            self.unmapped[name] = {"name": name, "type": source_type, "host": reference.host,
                                   "database": reference.database}

    def result(self) -> ExtractResult:
        builders = {"metadata": self.metadata, "linkages": self.linkages, "events": self.events,
                    "databaselog": self.databaselog}
        tables = {kind: builders[kind].build(SORT_KEYS[kind]) for kind in KINDS}
        return ExtractResult(tables=tables,
                             unmapped_sources=sorted(self.unmapped.values(), key=lambda u: str(u["name"])),
                             stats={"edges": dict(self.edge_counts), "column_lineage": self.column_lineage.report()})
