"""Literal masking for SQL and error text (contract section 4).

SQL is masked token by token with sqlglot's tokenizer for the source's dialect, so only string,
number and date literals change and the text keeps its layout, table and column names. Text the
tokenizer cannot read (templated SQL, free-form errors) falls back to a conservative regex pass that
masks quoted strings, numbers, dates and e-mail addresses.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sqlglot
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

STRING_PLACEHOLDER = "'?'"
NUMBER_PLACEHOLDER = "?"

_LITERAL_TOKENS = {
    TokenType.STRING: STRING_PLACEHOLDER,
    TokenType.NUMBER: NUMBER_PLACEHOLDER,
    TokenType.NATIONAL_STRING: STRING_PLACEHOLDER,
    TokenType.RAW_STRING: STRING_PLACEHOLDER,
    TokenType.HEREDOC_STRING: STRING_PLACEHOLDER,
    TokenType.BIT_STRING: STRING_PLACEHOLDER,
    TokenType.HEX_STRING: STRING_PLACEHOLDER,
    TokenType.BYTE_STRING: STRING_PLACEHOLDER,
    TokenType.UNICODE_STRING: STRING_PLACEHOLDER,
}

_QUOTED = re.compile(r"'(?:[^'\\]|''|\\.)*'|\$\$.*?\$\$", re.S)
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_NUMBER = re.compile(r"(?<![\w.$])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w])")

# Hightouch source types and Hevo connector names → sqlglot dialects.
DIALECTS = {
    "snowflake": "snowflake", "postgres": "postgres", "postgresql": "postgres", "redshift": "redshift",
    "bigquery": "bigquery", "databricks": "databricks", "mysql": "mysql", "mariadb": "mysql", "aurora": "mysql",
    "mssql": "tsql", "ms_sql": "tsql", "sqlserver": "tsql", "synapse": "tsql", "azure_synapse": "tsql",
    "oracle": "oracle", "trino": "trino", "presto": "presto", "athena": "athena", "clickhouse": "clickhouse",
    "duckdb": "duckdb", "spark": "spark", "teradata": "teradata",
}


def dialect_for(source_type: str | None) -> str | None:
    """sqlglot dialect name for a vendor's source/destination type, or None (generic SQL)."""
    if not source_type:
        return None
    key = str(source_type).strip().lower().replace(" ", "_").replace("-", "_")
    if key in DIALECTS:
        return DIALECTS[key]
    for name, dialect in DIALECTS.items():
        if key.startswith(name):
            return dialect
    return None


@lru_cache(maxsize=32)
def _dialect(name: str | None) -> sqlglot.Dialect:
    return sqlglot.Dialect.get_or_raise(name)


def mask_text(text: str | None) -> str | None:
    """Masks literals in free text such as an error message; identifiers in double quotes stay."""
    if not text:
        return text
    text = _QUOTED.sub(STRING_PLACEHOLDER, text)
    text = _EMAIL.sub(STRING_PLACEHOLDER, text)
    text = _DATE.sub(STRING_PLACEHOLDER, text)
    return _NUMBER.sub(NUMBER_PLACEHOLDER, text)


def mask_sql(sql: str | None, dialect: str | None = None) -> str | None:
    """Masks string, number and date literals in SQL, keeping everything else byte for byte."""
    if not sql:
        return sql
    try:
        tokens = _dialect(dialect).tokenize(sql)
    except (SqlglotError, ValueError, KeyError, IndexError):
        return mask_text(sql)
    pieces: list[str] = []
    cursor = 0
    for token in tokens:
        placeholder = _LITERAL_TOKENS.get(token.token_type)
        if placeholder is None:
            continue
        start, end = token.start, token.end + 1
        if start < cursor or end > len(sql):
            return mask_text(sql)  # offsets we cannot trust: be conservative
        pieces.append(sql[cursor:start])
        pieces.append(placeholder)
        cursor = end
    pieces.append(sql[cursor:])
    masked = "".join(pieces)
    # Jinja and other templating survive tokenization as identifiers; catch any literal they hid.
    return mask_text(masked) if "{{" in masked or "{%" in masked else masked
