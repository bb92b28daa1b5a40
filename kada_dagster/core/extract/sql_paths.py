"""How a column's value reaches a query's output, read from the syntax tree: the contract v3 word of a
path (IDENTITY, TRANSFORMATION, AGGREGATION, or none when it only orders), and the clauses of a SELECT that
act on its rows (the indirect sources)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from kada_dagster.core.extract.lineage_types import AGGREGATION, IDENTITY, TRANSFORMATION

# Window navigation copies a value from another row: a TRANSFORMATION, though sqlglot types it an aggregate.
_NAVIGATION = (exp.Lag, exp.Lead, exp.FirstValue, exp.LastValue, exp.NthValue)
_ANONYMOUS_AGGREGATES = frozenset({
    "BOOLAND_AGG", "BOOLOR_AGG", "BOOLXOR_AGG", "BITAND_AGG", "BITOR_AGG", "BITXOR_AGG", "ARRAY_UNIQUE_AGG",
    "OBJECT_AGG", "HLL", "HLL_ACCUMULATE", "APPROX_TOP_K", "MODE", "KURTOSIS", "SKEW", "BIT_AND", "BIT_OR",
    "EVERY", "BOOL_AND", "BOOL_OR", "JSON_AGG", "JSONB_AGG", "PERCENTILE_CONT", "PERCENTILE_DISC",
})


def walk_columns(node: exp.Expr) -> Iterator[exp.Expr]:
    """Columns and nested queries under `node`, without entering the nested queries."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current is not node and isinstance(current, exp.Query):
            yield current.unnest() if isinstance(current, exp.Subquery) else current
            continue
        if isinstance(current, exp.Column):
            yield current
            continue
        stack.extend(current.iter_expressions())


def _aggregates(node: exp.Expr) -> bool:
    """An aggregate over rows (window navigation such as LAG copies one row's value instead)."""
    if isinstance(node, exp.Anonymous):
        return node.name.upper() in _ANONYMOUS_AGGREGATES
    return isinstance(node, exp.AggFunc) and not isinstance(node, _NAVIGATION)


def path_word(node: exp.Expr, root: exp.Expr) -> str | None:
    """How a value at `node` reaches `root`: its word, or None when it only orders or partitions
    (a window's PARTITION BY / ORDER BY, an aggregate's ORDER BY)."""
    word = IDENTITY
    child, parent = node, node.parent
    while parent is not None and child is not root:
        if isinstance(parent, exp.Ordered) or (isinstance(parent, exp.Window) and child.arg_key != "this"):
            return None
        if isinstance(parent, exp.Filter) and child.arg_key == "expression":
            word = AGGREGATION  # `SUM(x) FILTER (WHERE c)` reads c as `SUM(CASE WHEN c THEN x END)` would
        elif _aggregates(parent):
            word = AGGREGATION
        elif not isinstance(parent, (exp.Alias, exp.Paren, exp.Order, exp.Window, exp.Subquery)) and word == IDENTITY:
            word = TRANSFORMATION
        child, parent = parent, parent.parent
    return word


def row_clauses(select: exp.Select) -> Iterator[tuple[str, exp.Expr]]:
    """(clause, expression) for every row-level clause of a SELECT."""
    for clause, key in (("where", "where"), ("having", "having"), ("qualify", "qualify")):
        node = select.args.get(key)
        if node is not None:
            yield clause, node.this
    for join in select.args.get("joins") or []:
        if join.args.get("on") is not None:
            yield "where", join.args["on"]
    group = select.args.get("group")
    if group is not None:
        for expression in group.expressions:
            yield "group", expression
    order = select.args.get("order")
    if order is not None:
        for ordered in order.expressions:
            yield "order", ordered.this if isinstance(ordered, exp.Ordered) else ordered
    distinct = select.args.get("distinct")
    if isinstance(distinct, exp.Distinct) and distinct.args.get("on") is not None:
        yield "order", distinct.args["on"]


def select_position(expression: exp.Expr) -> int | None:
    """`GROUP BY 2` / `ORDER BY 2`: the 1-based SELECT item it names."""
    if isinstance(expression, exp.Literal) and expression.is_int:
        return int(expression.name)
    return None
