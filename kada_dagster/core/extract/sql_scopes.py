"""What columns each FROM source of a query has, as far as the SQL and the API show (for the tracer).

A source's columns are *known* when nothing else can be there: a CTE or derived table with an explicit
SELECT list, a table whose complete column list the API shows, an UNNEST / FLATTEN alias. Otherwise a
column *may* be there, and a name is placed only when exactly one source can hold it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

_FLATTEN_COLUMNS = ("SEQ", "KEY", "PATH", "INDEX", "VALUE", "THIS")  # Snowflake FLATTEN's output columns
YES, MAYBE, NO = "yes", "maybe", "no"
# Dialects whose warehouse folds unquoted names (contract v2); the others keep names as written and
# compare them case-insensitively.
FOLDING_DIALECTS = frozenset({"snowflake", "postgres", "redshift"})
# Where a SELECT-list alias may be used by a later item of the same list (a lateral alias).
LATERAL_ALIAS_DIALECTS = frozenset({"snowflake", "bigquery", "redshift", "databricks", "duckdb", "spark"})
# ... and in WHERE.
WHERE_ALIAS_DIALECTS = frozenset({"snowflake", "redshift", "duckdb", "databricks"})


def is_star(node: exp.Expr) -> bool:
    return isinstance(node, exp.Star) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star))


def projection_name(node: exp.Expr) -> tuple[str, bool] | None:
    """A SELECT item's output name and whether it was quoted; None for an unnamed expression."""
    if isinstance(node, exp.Alias):
        ident = node.args.get("alias")
        return node.alias, bool(isinstance(ident, exp.Identifier) and ident.quoted)
    if isinstance(node, exp.Column) and not is_star(node):
        return node.name, bool(node.this.quoted) if isinstance(node.this, exp.Identifier) else False
    return None


def projections(scope: Scope) -> list[exp.Expr]:
    """The SELECT items of a scope; of a set operation, its leftmost branch's."""
    node = scope.expression
    while isinstance(node, exp.SetOperation):
        node = node.this
        if isinstance(node, exp.Subquery):
            node = node.unnest()
    return list(node.expressions) if isinstance(node, exp.Select) else []


def branches(scope: Scope) -> list[Scope]:
    """The SELECT scopes of a set operation, left to right."""
    if not isinstance(scope.expression, exp.SetOperation):
        return [scope]
    return [branch for child in scope.set_operation_scopes for branch in branches(child)]


def alias_columns(scope: Scope) -> list[str]:
    """The column list of a CTE or derived table alias (`r(n)`, `AS x(a, b)`), which renames by position."""
    parent = scope.expression.parent
    alias = parent.args.get("alias") if isinstance(parent, (exp.CTE, exp.Subquery)) else None
    return [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []


def star_parts(star: exp.Expr) -> tuple[str | None, exp.Star]:
    if isinstance(star, exp.Column):
        return star.table or None, star.this
    assert isinstance(star, exp.Star)
    return None, star


class ScopeColumns:
    """Name matching (folded or case-insensitive per dialect) and the columns of a query's FROM sources."""

    def __init__(self, root: Scope, dialect: str | None, table_columns: Mapping[tuple[str, str, str], Collection[str]]):
        self.root = root
        self.dialect = dialect
        self.fold = dialect in FOLDING_DIALECTS
        self.tables = {tuple(self.key(p) for p in name): list(cols) for name, cols in table_columns.items()}
        self.by_query: dict[int, Scope] = {id(s.expression): s for s in root.traverse()}

    def stored(self, name: str) -> str:
        """A name from outside the SQL (the API's) as the warehouse stores it unquoted."""
        if self.dialect == "snowflake":
            return name.upper()
        return name.lower() if self.fold else name

    def key(self, name: str) -> str:
        return name if self.fold else name.casefold()

    def same(self, a: str, b: str) -> bool:
        return self.key(a) == self.key(b)

    def real(self, scope: Scope) -> Scope:
        """A recursive CTE's reference to itself stands for the CTE (sqlglot gives it a scope of its own)."""
        if scope.scope_type.name == "CTE" and not isinstance(scope.expression.parent, exp.CTE):
            cte = scope.expression.find_ancestor(exp.CTE)
            if cte is not None and id(cte.this) in self.by_query:
                return self.by_query[id(cte.this)]
        return scope

    def star_names(self, scope: Scope, stars: list[exp.Expr]) -> list[str] | None:
        """Every name the stars of `scope` produce, when every relation's columns are known; else None."""
        names: list[str] = []
        for item in stars:
            table, star = star_parts(item)
            excluded = {self.key(c.name) for c in star.args.get("except_") or []}
            renames = {self.key(a.this.name): a.alias for a in star.args.get("rename") or []}
            for alias, (_node, source) in scope.selected_sources.items():
                if table and not self.same(alias, table):
                    continue
                columns = self.column_names(source)
                if columns is None:
                    return None
                names += [renames.get(self.key(c), c) for c in columns if self.key(c) not in excluded]
        return names

    def column_names(self, source: object) -> list[str] | None:
        """All the columns a FROM source has, or None when nothing shows them all."""
        if isinstance(source, Scope):
            source = self.real(source)
        if isinstance(source, exp.Table):
            return self.tables.get(self._table_key(source))
        if not isinstance(source, Scope):
            return None
        if source.is_udtf:
            return self._udtf_names(source)
        renamed = alias_columns(source)
        if renamed:
            return renamed
        names: list[str] = []
        stars = []
        for item in projections(source):
            if is_star(item):
                stars.append(item)
                continue
            named = projection_name(item)
            if named is None:
                return None
            names.append(named[0])
        if stars:
            expanded = self.star_names(branches(source)[0], stars)
            return None if expanded is None else names + expanded
        return names

    def has_column(self, source: object, name: str) -> str:
        columns = self.column_names(source)
        if columns is None:
            if isinstance(source, Scope) and not source.is_udtf:
                named = [projection_name(i) for i in projections(source)]
                if any(n and self.same(n[0], name) for n in named):
                    return YES
            return MAYBE
        return YES if any(self.same(c, name) for c in columns) else NO

    def candidates(self, scope: Scope, name: str, only: str | None = None) -> list[tuple[object, str]]:
        found: list[tuple[object, str]] = []
        for alias, (_node, source) in scope.selected_sources.items():
            if only and not self.same(alias, only):
                continue
            has = self.has_column(source, name)
            if has != NO:
                found.append((source, has))
        return found

    def _udtf_names(self, udtf: Scope) -> list[str] | None:
        node = udtf.expression
        if isinstance(node, exp.Lateral) and isinstance(node.this, exp.Subquery):
            inner = self.by_query.get(id(node.this.unnest()))
            return self.column_names(inner) if inner else None
        alias = node.args.get("alias")
        columns = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
        if isinstance(node, exp.Unnest):
            names = columns or ([alias.name] if isinstance(alias, exp.TableAlias) and alias.name else [])
            offset = node.args.get("offset")
            return names + ([offset.name] if isinstance(offset, exp.Expression) and offset.name else [])
        if self._flattens(node):
            return columns or list(_FLATTEN_COLUMNS)
        return None

    @staticmethod
    def _flattens(node: exp.Expr) -> bool:
        return any(isinstance(f, (exp.Explode, exp.Posexplode)) or (isinstance(f, exp.Anonymous)
                   and f.name.upper() == "FLATTEN") for f in node.find_all(exp.Func))

    def _table_key(self, table: exp.Table) -> tuple[str, ...]:
        return (self.key(table.catalog), self.key(table.db), self.key(table.name))

    def lookup(self, scope: Scope | None, alias: str, db: str) -> tuple[Scope, object] | None:
        """The FROM source named `alias` in `scope` or, for a correlated reference, an enclosing scope."""
        while scope is not None:
            for name, (node, source) in scope.selected_sources.items():
                if self.same(name, alias) and (not db or not isinstance(node, exp.Table) or self.same(node.db, db)):
                    return scope, source
            scope = scope.parent
        return None

    def _alias_position(self, scope: Scope, name: str, clause: str, position: int | None) -> int | None:
        """Where a SELECT alias `name` that this clause may read is defined (dialect rules), if any."""
        allowed = (clause == "order" or clause in ("group", "having", "qualify")
                   or (clause == "select" and self.dialect in LATERAL_ALIAS_DIALECTS)
                   or (clause == "where" and self.dialect in WHERE_ALIAS_DIALECTS))
        if not allowed or not isinstance(scope.expression, exp.Select):
            return None
        for at, item in enumerate(scope.expression.expressions):
            if clause == "select" and (position is None or at >= position):
                break
            if isinstance(item, exp.Alias) and self.same(item.alias, name):
                return at
        return None

    def _fed_by(self, source: Scope) -> Scope | None:
        """The query whose rows a FROM source passes on (a LATERAL subquery's), or None for UNNEST/FLATTEN."""
        if not source.is_udtf:
            return source
        node = source.expression
        if isinstance(node, exp.Lateral) and isinstance(node.this, exp.Subquery):
            return self.by_query.get(id(node.this.unnest()))
        return None
