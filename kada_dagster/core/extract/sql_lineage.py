"""Column lineage through one SQL query: each output column → the warehouse columns it comes from.

A *direct* source's value flows into the column (`IDENTITY`, `TRANSFORMATION`, `AGGREGATION`); an
*indirect* source only filters, joins, groups, orders or partitions its rows (contract v3, section 3).
The rules are written out in `docs/LINEAGE.md` and `kada_dagster_tests/lineage_corpus/README.md`.

sqlglot parses, folds identifiers as the warehouse does, qualifies tables and builds the scopes. Columns
are resolved here rather than by sqlglot's `qualify_columns`: without a schema that step raises on a
lateral alias and leaves an unqualified column of a join to a guess, where a column edge must be true or
absent. What cannot be determined is returned unresolved with its reason, never guessed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify_tables import qualify_tables
from sqlglot.optimizer.scope import Scope, build_scope

from kada_dagster.core.extract.lineage_types import (
    AMBIGUOUS,
    IDENTITY,
    NOT_IN_QUERY,
    PARSE_ERROR,
    STAR_UNKNOWN,
    TRANSFORMATION,
    UNNAMED,
    UNSUPPORTED,
    OutputColumn,
    QueryLineage,
    SourceColumn,
    Sources,
)
from kada_dagster.core.extract.sql_paths import path_word, row_clauses, select_position, walk_columns
from kada_dagster.core.extract.sql_scopes import (
    FOLDING_DIALECTS,
    MAYBE,
    YES,
    ScopeColumns,
    alias_columns,
    branches,
    is_star,
    projection_name,
    projections,
    star_parts,
)


class QueryError(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def parse_query(sql: str, dialect: str | None) -> exp.Query:
    """The query a model runs: the last statement, or the SELECT of a CREATE ... AS / INSERT."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as exc:
        raise QueryError(PARSE_ERROR, str(exc).splitlines()[0][:200]) from None
    if not statements:
        raise QueryError(PARSE_ERROR, "no statement")
    query = statements[-1]
    if isinstance(query, (exp.Create, exp.Insert)):
        query = query.expression
    if isinstance(query, exp.Subquery):
        query = query.unnest()
    if not isinstance(query, exp.Query):
        raise QueryError(UNSUPPORTED, f"{type(statements[-1]).__name__} is not a query")
    return query


def trace_query(
    sql: str,
    dialect: str | None,
    default_database: str = "",
    default_schema: str = "",
    api_columns: Collection[str] = (),
    table_columns: Mapping[tuple[str, str, str], Collection[str]] | None = None,
) -> QueryLineage:
    """Traces every output column of `sql`; `api_columns` are the column names the tool's API shows
    for the query's result (they name what a star produces); `table_columns` the complete column lists
    the API shows for tables, keyed by (database, schema, table) as stored."""
    try:
        query = parse_query(sql, dialect)
        if dialect in FOLDING_DIALECTS:
            _fold_unquoted(query, dialect)
        query = qualify_tables(query, catalog=default_database or None, db=default_schema or None,
                               dialect=dialect)
        root = build_scope(query)
    except QueryError as exc:
        return _failed(exc.reason, api_columns)
    except (SqlglotError, RecursionError, ValueError, KeyError, AttributeError):
        return _failed(UNSUPPORTED, api_columns)
    if root is None:
        return _failed(UNSUPPORTED, api_columns)
    tracer = Tracer(root, dialect, table_columns or {})
    try:
        return query_lineage(tracer, api_columns)
    except (SqlglotError, RecursionError, ValueError, KeyError, AttributeError):
        return _failed(UNSUPPORTED, api_columns)


def _failed(reason: str, api_columns: Collection[str]) -> QueryLineage:
    """A query that could not be traced: the columns the API names are unresolved for `reason`."""
    return QueryLineage(tuple(OutputColumn(name, True, unresolved=reason) for name in api_columns), error=reason)


def _fold_unquoted(query: exp.Expr, dialect: str) -> None:
    """Folds unquoted identifiers as the warehouse stores them (contract v2); quoted ones stay as written.
    (sqlglot's own normalisation also folds quoted names on Redshift, which the contract keeps.)"""
    fold = str.upper if dialect == "snowflake" else str.lower
    for identifier in query.find_all(exp.Identifier):
        if not identifier.quoted:
            identifier.set("this", fold(identifier.this))


class Tracer(ScopeColumns):
    """Traces the output columns of one parsed query, memoising each scope's columns and row-level sources."""

    def __init__(self, root: Scope, dialect: str | None, table_columns: Mapping[tuple[str, str, str], Collection[str]]):
        super().__init__(root, dialect, table_columns)
        self._outputs: dict[tuple[int, str], Sources] = {}
        self._rows: dict[int, Sources] = {}
        self._busy: set[tuple[int, str]] = set()
        self._cycled: set[tuple[int, str]] = set()
        self._partial: dict[tuple[int, str], Sources] = {}
        self.unresolved_refs: set[int] = set()

    def output(self, scope: Scope, name: str) -> Sources:
        """The sources of the column `name` that `scope` produces (its row-level sources included).

        A recursive CTE reads itself: the cycle is answered with the result so far, and the column is
        traced again until it stops changing (its recursive path can only strengthen a word)."""
        scope = self.real(scope)
        memo = (id(scope), self.key(name))
        if memo in self._outputs:
            return self._outputs[memo]
        if memo in self._busy:
            self._cycled.add(memo)
            return self._partial.get(memo, Sources())
        self._busy.add(memo)
        try:
            rows_before, outputs_before = set(self._rows), set(self._outputs)
            result = self._output(scope, name)
            for _ in range(3):
                if memo not in self._cycled or self._partial.get(memo) == result:
                    break
                self._partial[memo] = result
                # What was worked out from the partial answer is worked out again from the fuller one.
                for key in set(self._rows) - rows_before:
                    del self._rows[key]
                for out in set(self._outputs) - outputs_before:
                    del self._outputs[out]
                result = self._output(scope, name)
        finally:
            self._busy.discard(memo)
        self._outputs[memo] = result
        return result

    def _output(self, scope: Scope, name: str) -> Sources:
        renamed = alias_columns(scope)
        if renamed:
            positions = [i for i, column in enumerate(renamed) if self.same(column, name)]
            return self.output_at(scope, positions[0]) if positions else Sources(unresolved=NOT_IN_QUERY)
        for position, item in enumerate(projections(scope)):
            named = projection_name(item)
            if named and self.same(named[0], name):
                return self.output_at(scope, position)
        if isinstance(scope.expression, exp.SetOperation):
            return Sources(unresolved=STAR_UNKNOWN)  # a star in a set operation: positions unknown
        result = self.from_star(scope, name)
        result.take(self.row_level(scope), None)
        return result

    def output_at(self, scope: Scope, position: int) -> Sources:
        """The sources of a scope's `position`-th column, through every branch of a set operation."""
        result = Sources()
        every = branches(scope)
        for branch in every:
            items = projections(branch)
            # Branches meet by position, which a star before it leaves unknown.
            if position >= len(items) or is_star(items[position]) or (
                    len(every) > 1 and any(is_star(i) for i in items[:position])):
                return Sources(unresolved=STAR_UNKNOWN)
            result.take(self.expr_sources(branch, items[position], "select", position), IDENTITY)
            result.take(self.row_level(branch), None)
        return result

    # --- stars -------------------------------------------------------------------------------------
    def from_star(self, scope: Scope, name: str) -> Sources:
        """`name` produced by a star of `scope`: the one relation that has it, or unresolved."""
        reason = NOT_IN_QUERY
        for item in projections(scope):
            if not is_star(item):
                continue
            table, star = star_parts(item)
            wanted = name
            renames = {self.key(a.alias): a.this for a in star.args.get("rename") or []}
            if self.key(name) in renames:
                wanted = renames[self.key(name)].name
            elif any(self.same(c.name, name) for c in star.args.get("except_") or []) or any(self.same(r.name, name) for r in renames.values()):
                continue
            for replace in star.args.get("replace") or []:
                if self.same(replace.alias, name):
                    return self.expr_sources(scope, replace, "select", None)
            found = self.candidates(scope, wanted, only=table)
            yes = [c for c, has in found if has == YES]
            maybe = [c for c, has in found if has == MAYBE]
            if len(yes) == 1 or (not yes and len(maybe) == 1):
                return self.source_column(scope, (yes or maybe)[0], wanted, IDENTITY)
            if yes or maybe:
                reason = STAR_UNKNOWN
        return Sources(unresolved=reason)

    # --- expressions and columns -------------------------------------------------------------------
    def expr_sources(self, scope: Scope, root: exp.Expr, clause: str, position: int | None) -> Sources:
        """The sources of the columns and subqueries an expression of `scope` reads, each by its path's word."""
        result = Sources()
        for node in walk_columns(root):
            word = path_word(node, root)
            if isinstance(node, exp.Query):
                child = self.by_query.get(id(node))
                result.take(self.subquery_sources(child) if child else Sources(unresolved=UNSUPPORTED), word)
            elif isinstance(node, exp.Column) and not is_star(node):
                result.take(self.resolve(scope, node, clause, position), word)
        return result

    def subquery_sources(self, child: Scope) -> Sources:
        """Everything a nested query reads: its columns' sources as direct, its row-level ones as indirect."""
        result = Sources()
        for position, item in enumerate(projections(child)):
            if not is_star(item):
                result.take(self.output_at(child, position), IDENTITY)
        result.take(self.row_level(child), None)
        return result

    def resolve(self, scope: Scope, column: exp.Column, clause: str, position: int | None) -> Sources:
        """One column reference: through its table alias, or a struct/variant field of a column."""
        parts = [p.name for p in column.parts]
        if column.table:
            found = self.lookup(scope, column.table, column.db)
            if found is not None:
                return self.source_column(found[0], found[1], column.name, IDENTITY)
            base = self.lookup(scope, parts[0], "") if len(parts) >= 3 else None
            if base is not None:  # `t.address.city`: a field of t's column `address`
                return self.source_column(base[0], base[1], parts[1], TRANSFORMATION)
            field_of = self.resolve_name(scope, parts[0], column, clause, position)
            return Sources().take_as(field_of, TRANSFORMATION)  # `address.city`, `item.sku`
        return self.resolve_name(scope, column.name, column, clause, position)

    def resolve_name(self, scope: Scope, name: str, column: exp.Column, clause: str, position: int | None) -> Sources:
        """An unqualified column: a lateral alias, the one relation that has it, or an outer query's column."""
        alias_at = self._alias_position(scope, name, clause, position)
        if alias_at is not None and clause == "order":
            return self.expr_sources(scope, projections(scope)[alias_at], "select", alias_at)
        found = self.candidates(scope, name)
        yes = [s for s, has in found if has == YES]
        maybe = [s for s, has in found if has == MAYBE]
        if not yes and alias_at is not None:
            return self.expr_sources(scope, projections(scope)[alias_at], "select", alias_at)
        if len(yes) == 1 or (not yes and len(maybe) == 1):
            return self.source_column(scope, (yes or maybe)[0], name, IDENTITY)
        if not found and scope.parent is not None and scope.scope_type.name in ("SUBQUERY", "UDTF"):
            return self.resolve_name(scope.parent, name, column, "where", None)
        self.unresolved_refs.add(id(column))
        return Sources(unresolved=AMBIGUOUS)

    def source_column(self, owner: Scope, source: object, name: str, word: str) -> Sources:
        """Column `name` of a FROM source of `owner`: a warehouse column, or a column of a nested query."""
        if isinstance(source, exp.Table):
            if source.args.get("pivots"):
                return Sources(unresolved=UNSUPPORTED)
            result = Sources()
            result.add_direct(SourceColumn(source.catalog, source.db, source.name, name), word)
            return result
        if not isinstance(source, Scope):
            return Sources()  # VALUES: literals, no warehouse column
        if source.is_udtf:
            return Sources().take_as(self.udtf_column(owner, source, name), word)
        return Sources().take_as(self.output(source, name), word)

    def udtf_column(self, owner: Scope, udtf: Scope, name: str) -> Sources:
        """A column of UNNEST / FLATTEN (an element of its input column) or of a LATERAL subquery."""
        node = udtf.expression
        if isinstance(node, exp.Lateral) and isinstance(node.this, exp.Subquery):
            inner = self.by_query.get(id(node.this.unnest()))
            return self.output(inner, name) if inner else Sources(unresolved=UNSUPPORTED)
        offset = node.args.get("offset") if isinstance(node, exp.Unnest) else None
        if isinstance(offset, exp.Expression) and self.same(offset.name, name):
            return Sources()  # WITH OFFSET: a position, no value of the input
        if not isinstance(node, exp.Unnest) and not self._flattens(node):
            return Sources(unresolved=UNSUPPORTED)
        inputs = node.expressions if isinstance(node, exp.Unnest) else [node.this]
        result = Sources()
        for expression in inputs:
            result.take(self.expr_sources(owner, expression, "from", None), TRANSFORMATION)
        return result

    # --- rows --------------------------------------------------------------------------------------
    def row_level(self, scope: Scope) -> Sources:
        """Columns that decide which rows `scope` returns (and how grouped or ordered), with those of
        every query that feeds its FROM; all indirect."""
        memo = id(scope)
        if memo in self._rows:
            return self._rows[memo]
        if (memo, "") in self._busy:
            return Sources()
        self._busy.add((memo, ""))
        try:
            result = self._row_level(scope)
        finally:
            self._busy.discard((memo, ""))
        self._rows[memo] = result
        return result

    def _row_level(self, scope: Scope) -> Sources:
        result = Sources()
        node = scope.expression
        if isinstance(node, exp.SetOperation):
            for branch in branches(scope):
                result.take(self.row_level(branch), None)
            return result
        if not isinstance(node, exp.Select):
            return result
        for clause, expression in row_clauses(node):
            if clause in ("group", "order") and select_position(expression) is not None:
                at = select_position(expression)
                items = node.expressions
                if at is not None and 0 < at <= len(items):
                    result.take(self.expr_sources(scope, items[at - 1], "select", at - 1), None)
                continue
            result.take(self.expr_sources(scope, expression, clause, None), None)
        group = node.args.get("group")
        if isinstance(group, exp.Group) and group.args.get("all"):
            for at, item in enumerate(node.expressions):
                if not item.find(exp.AggFunc) and not is_star(item):
                    result.take(self.expr_sources(scope, item, "select", at), None)
        for join in node.args.get("joins") or []:
            for identifier in join.args.get("using") or []:
                for source, _has in self.candidates(scope, identifier.name):
                    result.take(self.source_column(scope, source, identifier.name, IDENTITY), None)
        for _alias, (_node, source) in scope.selected_sources.items():
            if isinstance(source, Scope):
                inner = self._fed_by(source)
                if inner is not None:
                    result.take(self.row_level(inner), None)
        return result


def _matches(api: str, name: str, quoted: bool) -> bool:
    """A name the API shows for a column meets the SQL's name: exactly when quoted, else ignoring case."""
    return api == name if quoted else api.casefold() == name.casefold()


def _output(named: tuple[str, bool], sources: Sources) -> OutputColumn:
    name, quoted = named
    if sources.unresolved:
        return OutputColumn(name, quoted, unresolved=sources.unresolved)
    indirect = tuple(sorted(c for c in sources.indirect if c not in sources.direct))
    return OutputColumn(name, quoted, tuple(sorted(sources.direct.items())), indirect)


def query_lineage(self: Tracer, api_columns: Collection[str]) -> QueryLineage:
    """The query's output columns: the SELECT's own, then the ones a star produces that the API names."""
    columns: list[OutputColumn] = []
    explicit: list[tuple[str, bool]] = []
    items = projections(self.root)
    for position, item in enumerate(items):
        if is_star(item):
            continue
        named = projection_name(item)
        if named is None:
            columns.append(OutputColumn(f"#{position + 1}", False, unresolved=UNNAMED))
            continue
        explicit.append(named)
        spelled = next((api for api in api_columns if _matches(api, *named)), named[0])
        columns.append(_output((spelled, named[1]), self.output_at(self.root, position)))
    stars = [item for item in items if is_star(item)]
    star_names = self.star_names(self.root, stars) if stars else []
    names = [(n, True) for n in star_names or ()]
    for api in api_columns:
        if not any(_matches(api, name, quoted) for name, quoted in explicit + names):
            names.append((api, True))
    for name, quoted in names:
        if any(_matches(name, e, q) for e, q in explicit):
            continue
        if stars:
            # An API name carries no quoting: it is read as the warehouse stores an unquoted name.
            columns.append(_output((name, quoted), self.output(self.root, self.stored(name))))
        else:
            columns.append(OutputColumn(name, quoted, unresolved=NOT_IN_QUERY))
    return QueryLineage(columns=tuple(columns), open_star=bool(stars) and star_names is None,
                        unresolved_references=len(self.unresolved_refs))
