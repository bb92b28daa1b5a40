"""K references: how a tool's data source becomes (host, database) in K, and tables found in SQL.

Contract section 5: `mapping` keyed by the data source name wins; Snowflake sources resolve
automatically to `<account>.snowflakecomputing.com`; anything else is a best guess from the tool's
own configuration and is reported as unmapped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from kada_dagster.core.extract.masking import dialect_for


@dataclass(frozen=True)
class WarehouseLocation:
    """What a tool's configuration says about where one of its data sources lives.

    Each vendor reads its own configuration keys (with their evidence) into this; core never guesses
    at a vendor's keys.
    """

    host: str = ""
    database: str = ""
    schema: str = ""
    account: str = ""  # Snowflake: account identifier, or the account URL
    region: str = ""  # Snowflake: region, when the account identifier does not carry it


def config_text(config: Mapping[str, Any], *keys: str) -> str:
    """The first of `keys` that holds a non-empty string or number in a configuration blob."""
    for key in keys:
        value = config.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


@dataclass(frozen=True)
class Reference:
    """Where a data source lives in K."""

    host: str
    database: str
    schema: str
    mapped: bool


@dataclass(frozen=True)
class TableName:
    """A table as the SQL or the tool spells it, qualified with the defaults where parts were missing."""

    database: str
    schema: str
    name: str


def is_snowflake(source_type: str | None) -> bool:
    return bool(source_type) and "snowflake" in str(source_type).lower()


def snowflake_host(location: WarehouseLocation) -> str:
    """`<account>[.<region>].snowflakecomputing.com` from the host, the account (or its URL) and region."""
    host = location.host.split("://")[-1].strip("/")
    if host.endswith("snowflakecomputing.com"):
        return host
    account = location.account.split("://")[-1].strip("/")
    if account.endswith("snowflakecomputing.com"):
        return account
    if not account:
        return ""
    if location.region and "." not in account:
        account = f"{account}.{location.region}"
    return f"{account.lower()}.snowflakecomputing.com"


def resolve_reference(
    name: str | None,
    source_type: str | None,
    location: WarehouseLocation,
    mapping: Mapping[str, Mapping[str, str]],
) -> Reference:
    """The K reference of a data source named `name` of type `source_type` (contract section 5)."""
    schema = fold_identifier(location.schema, source_type)
    entry = mapping.get(name or "") if name else None
    if entry is not None:
        return Reference(
            host=entry.get("host", ""),
            database=fold_identifier(entry.get("database", "") or location.database, source_type),
            schema=fold_identifier(entry.get("schema", ""), source_type) or schema,
            mapped=True,
        )
    database = fold_identifier(location.database, source_type)
    if is_snowflake(source_type):
        host = snowflake_host(location)
        return Reference(host=host, database=database, schema=schema, mapped=bool(host and database))
    return Reference(host=location.host, database=database, schema=schema, mapped=False)


# Contract v2, section 3: warehouse identifiers are written as the warehouse stores them. Unquoted
# identifiers fold to upper case in Snowflake and to lower case in PostgreSQL and Redshift; quoted ones,
# and every identifier of the other platforms (BigQuery, MySQL, SQL Server, ...), stay as written.
_UPPER_FOLDING = frozenset({"snowflake"})
_LOWER_FOLDING = frozenset({"postgres", "redshift"})


def fold_identifier(name: str, platform: str | None, quoted: bool = False) -> str:
    """`name` as the warehouse `platform` (a tool's source/destination type) stores it."""
    if quoted or not name:
        return name
    dialect = dialect_for(platform)
    if dialect in _UPPER_FOLDING:
        return name.upper()
    if dialect in _LOWER_FOLDING:
        return name.lower()
    return name


def _name_part(part: str, platform: str | None) -> str:
    """One dotted part of a table name: quoted parts keep their spelling, bare ones fold."""
    part = part.strip()
    if len(part) >= 2 and part[0] == part[-1] and part[0] in '"`':
        return part[1:-1]
    if len(part) >= 2 and part[0] == "[" and part[-1] == "]":
        return part[1:-1]
    return fold_identifier(part, platform)


def split_table_name(name: str, default_database: str, default_schema: str,
                     platform: str | None = None) -> TableName:
    """`db.schema.table`, `schema.table` or `table`, filled from the defaults and folded as `platform`
    stores unquoted identifiers (the defaults are folded too)."""
    parts = [_name_part(p, platform) for p in name.split(".") if p.strip()]
    database = fold_identifier(default_database, platform)
    schema = fold_identifier(default_schema, platform)
    if len(parts) >= 3:
        return TableName(parts[-3], parts[-2], parts[-1])
    if len(parts) == 2:
        return TableName(database, parts[0], parts[1])
    return TableName(database, schema, parts[0] if parts else name)


class SqlParseError(ValueError):
    """The SQL could not be parsed into statements."""


def tables_in_sql(sql: str, source_type: str | None, default_database: str, default_schema: str) -> list[TableName]:
    """Tables a query reads, parsed with sqlglot in the source's dialect; CTE names are not tables.

    Names are folded as the warehouse stores them (quoted identifiers as written, defaults as unquoted).

    Raises SqlParseError when the SQL cannot be parsed, so the caller can count and report it.
    """
    dialect = dialect_for(source_type)
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as exc:
        raise SqlParseError(str(exc).splitlines()[0][:200]) from None
    found: dict[tuple[str, str, str], TableName] = {}
    for statement in statements:
        cte_names = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
        written = set()
        for node in statement.find_all(exp.Insert, exp.Create, exp.Merge):
            target = node.this.find(exp.Table) if node.this else None
            if target is not None:
                written.add(id(target))
        for table in statement.find_all(exp.Table):
            if id(table) in written or not table.name:
                continue
            if not table.db and not table.catalog and table.name.lower() in cte_names:
                continue
            ref = TableName(
                _sql_part(table.args.get("catalog"), default_database, source_type),
                _sql_part(table.args.get("db"), default_schema, source_type),
                _sql_part(table.this, "", source_type),
            )
            found[(ref.database, ref.schema, ref.name)] = ref
    return sorted(found.values(), key=lambda t: (t.database, t.schema, t.name))


def _sql_part(node: Any, default: str, platform: str | None) -> str:
    """A table-name part from sqlglot (an Identifier, with its `quoted` flag), or the folded default."""
    if isinstance(node, exp.Identifier) and node.name:
        return fold_identifier(node.name, platform, quoted=bool(node.args.get("quoted")))
    if isinstance(node, exp.Expression) and node.name:
        return fold_identifier(node.name, platform)
    return fold_identifier(default, platform)
