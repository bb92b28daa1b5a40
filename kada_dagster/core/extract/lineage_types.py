"""The vocabulary of column lineage: a warehouse column, the sources of one column and a query's result.

Words and reasons are contract v3's (section 3): `IDENTITY`, `TRANSFORMATION`, `AGGREGATION` are direct
edges, `INDIRECT` an edge of a column that only filters, joins, groups, orders or partitions the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

IDENTITY, TRANSFORMATION, AGGREGATION, INDIRECT = "IDENTITY", "TRANSFORMATION", "AGGREGATION", "INDIRECT"
_RANK = {IDENTITY: 0, TRANSFORMATION: 1, AGGREGATION: 2}

# Why a column has no edges (one word, one meaning; the UI counts them under these names).
STAR_UNKNOWN = "star_unknown_relations"
AMBIGUOUS = "ambiguous_column"
PARSE_ERROR = "parse_error"
UNSUPPORTED = "unsupported_construct"
UNNAMED = "unnamed_expression"
NOT_IN_QUERY = "column_not_in_query"

@dataclass(frozen=True, order=True)
class SourceColumn:
    """A warehouse column, each part spelled as the warehouse stores it."""

    database: str
    schema: str
    table: str
    column: str


@dataclass
class Sources:
    """The sources of one column while it is traced; `unresolved` is set when its value's sources
    cannot all be determined (then it gets no edges)."""

    direct: dict[SourceColumn, str] = field(default_factory=dict)
    indirect: set[SourceColumn] = field(default_factory=set)
    unresolved: str | None = None

    def add_direct(self, column: SourceColumn, word: str) -> None:
        known = self.direct.get(column)
        if known is None or _RANK[word] > _RANK[known]:
            self.direct[column] = word

    def take(self, other: Sources, word: str | None) -> None:
        """Adds `other` as reached through a path of `word` (None: the path only filters, joins ...)."""
        if word is None:
            self.indirect.update(other.direct)
            self.indirect.update(other.indirect)
            return
        if other.unresolved and not self.unresolved:
            self.unresolved = other.unresolved
        for column, inner in other.direct.items():
            self.add_direct(column, inner if _RANK[inner] > _RANK[word] else word)
        self.indirect.update(other.indirect)

    def take_as(self, other: Sources, word: str) -> Sources:
        """`other` reached through a path of `word` (at least that word on every direct edge); returns self."""
        self.take(other, word)
        return self


@dataclass(frozen=True)
class OutputColumn:
    """One output column of a query: its name as the warehouse returns it, and its sources."""

    name: str
    quoted: bool
    direct: tuple[tuple[SourceColumn, str], ...] = ()
    indirect: tuple[SourceColumn, ...] = ()
    unresolved: str | None = None


@dataclass(frozen=True)
class QueryLineage:
    """A query's output columns; `error` says why none could be traced; `open_star` that a star left
    some of its columns unknown (only the API's names for them can be resolved); `unresolved_references`
    how many column references in the query no table could be found for."""

    columns: tuple[OutputColumn, ...] = ()
    error: str | None = None
    open_star: bool = False
    unresolved_references: int = 0
