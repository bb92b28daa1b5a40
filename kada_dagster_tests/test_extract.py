"""The shared K extract module: masking, redaction, references, CSV and manifest writing."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from kada_dagster.core.checks import contract_check, linkage_endpoints_check
from kada_dagster.core.extract.masking import mask_sql, mask_text
from kada_dagster.core.extract.redaction import REDACTED, is_secret_key, redact
from kada_dagster.core.extract.references import (
    WarehouseLocation,
    fold_identifier,
    resolve_reference,
    split_table_name,
    tables_in_sql,
)
from kada_dagster.core.extract.schema import KINDS, SCHEMAS, TableBuilder, empty_table
from kada_dagster.core.extract.writer import stage_file_set, write_csv

UTC = timezone.utc

LITERALS = ["Zanzibar-77", "o'brien@example.com", "31337", "2024-02-29", "4.2e7", "0.000123"]
SQL = f"""
WITH recent AS (
  SELECT o.id, o.amount FROM raw.orders o
  WHERE o.created_at >= DATE '{LITERALS[3]}' AND o.amount > {LITERALS[2]} AND o.ratio < {LITERALS[5]}
)
SELECT c.email, r.amount * {LITERALS[4]} AS scaled, 'Zanzibar-77' AS tag
FROM recent r JOIN analytics.public.customers c ON c.id = r.id
WHERE c.email <> 'o''brien@example.com'
"""


@pytest.mark.parametrize("dialect", ["snowflake", "postgres", "bigquery", None])
def test_masked_sql_contains_no_original_literal_and_keeps_names(dialect: str | None) -> None:
    masked = mask_sql(SQL, dialect)
    assert masked is not None
    for literal in ["Zanzibar-77", "brien@example.com", "31337", "2024-02-29", "4.2e7", "0.000123"]:
        assert literal not in masked, (literal, masked)
    for name in ["raw.orders", "analytics.public.customers", "created_at", "amount", "email", "recent"]:
        assert name in masked


def test_masked_error_text_keeps_identifiers_drops_values() -> None:
    text = 'NON_UNIQUE_PRIMARY_KEY: column "email" value \'alice@corp.io\' duplicated 42 times since 2026-11-20T10:00:00Z'
    masked = mask_text(text)
    assert masked is not None
    assert "alice@corp.io" not in masked and " 42 " not in masked and "2026-11-20" not in masked
    assert '"email"' in masked and "NON_UNIQUE_PRIMARY_KEY" in masked


def test_unparseable_sql_still_masked() -> None:
    masked = mask_sql("select * from {{ ref('orders') }} where id = 99173 and s = 'secretish'", "snowflake")
    assert masked is not None and "99173" not in masked and "secretish" not in masked


@pytest.mark.parametrize(
    ("key", "secret"),
    [("password", True), ("db_password", True), ("clientSecret", True), ("privateKey", True), ("apiKey", True),
     ("accessToken", True), ("sasToken", True), ("key", True), ("connection_string", True), ("credentials", True),
     ("primaryKey", False), ("isPrimaryKey", False), ("token_type", False), ("authType", False), ("host", False),
     ("database", False), ("dbtUniqueId", False), ("externalIdMapping", False)],
)
def test_secret_keys(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_redact_is_deep_and_leaves_structure() -> None:
    sentinel = "SENTINEL-5ecret-value"
    blob = {"configuration": {"host": "h", "password": sentinel, "nested": [{"apiKey": sentinel}],
                              "url": f"postgres://me:{sentinel}@db:5432/x"}, "primaryKey": "id"}
    out = redact(blob)
    assert sentinel not in json.dumps(out)
    assert out["configuration"]["password"] == REDACTED and out["primaryKey"] == "id"
    assert out["configuration"]["host"] == "h"


def test_references_mapping_snowflake_and_unmapped() -> None:
    mapping = {"Prod PG": {"host": "k-pg.internal", "database": "app"}}
    mapped = resolve_reference("Prod PG", "postgres", WarehouseLocation(host="pg.aws", database="x"), mapping)
    assert (mapped.host, mapped.database, mapped.mapped) == ("k-pg.internal", "app", True)
    snow = resolve_reference("SF", "snowflake", WarehouseLocation(account="AB12345", database="PROD"), mapping)
    assert (snow.host, snow.database, snow.mapped) == ("ab12345.snowflakecomputing.com", "PROD", True)
    guess = resolve_reference("Other", "postgres", WarehouseLocation(host="pg.aws", database="x"), mapping)
    assert (guess.host, guess.database, guess.mapped) == ("pg.aws", "x", False)


def test_tables_in_sql_skips_ctes_and_qualifies() -> None:
    tables = tables_in_sql(SQL, "snowflake", "DB", "PUBLIC")
    # Snowflake stores unquoted identifiers upper case (contract v2): the SQL's spelling is folded.
    assert {(t.database, t.schema, t.name) for t in tables} == {("DB", "RAW", "ORDERS"), ("ANALYTICS", "PUBLIC", "CUSTOMERS")}
    assert split_table_name("analytics.customers", "DB", "PUBLIC").schema == "analytics"
    assert tuple(vars(split_table_name("analytics.customers", "db", "public", "snowflake")).values()) == ("DB", "ANALYTICS", "CUSTOMERS")


def test_identifiers_are_spelled_as_the_warehouse_stores_them() -> None:
    assert fold_identifier("Orders", "SNOWFLAKE") == "ORDERS"
    assert fold_identifier("Orders", "postgres") == "orders" == fold_identifier("Orders", "Redshift")
    assert fold_identifier("Orders", "bigquery") == "Orders" == fold_identifier("Orders", "MYSQL")
    assert fold_identifier("Orders", "snowflake", quoted=True) == "Orders"
    sql = 'select * from "MixedCase"."Tbl" join raw.orders o on true join "lower_q" on true'
    assert {(t.schema, t.name) for t in tables_in_sql(sql, "snowflake", "db", "public")} == {
        ("MixedCase", "Tbl"), ("RAW", "ORDERS"), ("PUBLIC", "lower_q")}
    assert {(t.schema, t.name) for t in tables_in_sql(sql, "postgres", "db", "Public")} == {
        ("MixedCase", "Tbl"), ("raw", "orders"), ("public", "lower_q")}
    assert tuple(vars(split_table_name('"Sales"."Orders"', "db", "s", "snowflake")).values()) == ("DB", "Sales", "Orders")
    ref = resolve_reference("SF", "snowflake", WarehouseLocation(account="ab1", database="prod", schema="raw"), {})
    assert (ref.database, ref.schema) == ("PROD", "RAW")


def _events(n: int) -> pa.Table:
    builder = TableBuilder("events", chunk_rows=7)
    for i in range(n):
        builder.add({"event_id": f"e{i}", "object_id": "o", "event_type": "sync_run", "status": "SUCCESS",
                     "started_at": f"2026-11-22T00:00:{i % 60:02d}Z", "rows_added": i,
                     "error_message": 'comma, "quote"\nnewline' if i == 3 else None, "duration_seconds": 1.5})
    return builder.build()


def test_csv_is_rfc4180_with_header_null_as_empty(tmp_path: Path) -> None:
    table = _events(20)
    written = write_csv(table, tmp_path / "e.csv", compress=False)
    raw = (tmp_path / "e.csv").read_bytes()
    assert b"\r\n" not in raw
    assert written.bytes == len(raw) and written.sha256 == hashlib.sha256(raw).hexdigest()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0] == SCHEMAS["events"].names and len(rows) == 21 and written.rows == 20
    assert rows[4][13] == 'comma, "quote"\nnewline' and rows[1][13] == "" and rows[1][7] == "1.5"


def test_empty_tables_still_have_headers_and_gzip_is_reproducible(tmp_path: Path) -> None:
    kwargs: dict[str, Any] = dict(instance="hightouch", source_type="hightouch",
                  window_start=datetime(2026, 11, 22, tzinfo=UTC), window_end=datetime(2026, 11, 23, tzinfo=UTC),
                  extracted_at=datetime(2026, 11, 23, 1, tzinfo=UTC), mask=True, compress=True,
                  producer={"name": "kada_dagster", "version": "test"})
    tables = {kind: empty_table(kind) for kind in KINDS}
    tables["events"] = _events(5)
    first = stage_file_set(tables, tmp_path / "a", **kwargs)
    second = stage_file_set(tables, tmp_path / "b", **kwargs)
    assert [f.name for f in first.files] == [f"hightouch_{k}_20261123000000.csv.gz" for k in KINDS]
    assert first.manifest_name == "hightouch_manifest_20261123000000.json"
    assert [f.sha256 for f in first.files] == [f.sha256 for f in second.files]
    manifest = json.loads((tmp_path / "a" / first.manifest_name).read_text())
    assert {"format_version", "instance", "source_type", "window_start", "window_end", "extracted_at", "mask",
            "compress", "producer", "files"} <= set(manifest)
    for entry in manifest["files"]:
        data = (tmp_path / "a" / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
        records = list(csv.reader(io.StringIO(gzip.decompress(data).decode())))
        assert len(records) - 1 == entry["rows"]
    assert manifest["window_start"] == "2026-11-22T00:00:00Z" and manifest["window_end"] == "2026-11-23T00:00:00Z"


def test_contract_check_catches_duplicates_nulls_and_bad_status() -> None:
    builder = TableBuilder("events")
    for event_id, status in [("a", "SUCCESS"), ("a", "SUCCESS"), (None, "DONE")]:
        builder.add({"event_id": event_id, "object_id": "o", "status": status})
    outcome = contract_check("events", builder.build())
    assert not outcome.passed
    text = " ".join(outcome.problems)
    assert "duplicate" in text and "empty event_id" in text and "DONE" in text
    assert contract_check("events", _events(3)).passed
    wrong_order = _events(1).select(list(reversed(SCHEMAS["events"].names)))
    assert not contract_check("events", wrong_order).passed


def test_linkage_endpoint_check_flags_unknown_own_objects() -> None:
    metadata = TableBuilder("metadata")
    metadata.add({"object_id": "hightouch:model:1", "object_type": "model"})
    links = TableBuilder("linkages")
    links.add({"linkage_type": "table", "upstream_host": "app.hightouch.com", "upstream_object": "hightouch:model:1",
               "downstream_host": "app.hightouch.com", "downstream_object": "hightouch:model:2", "mapped": True})
    outcome = linkage_endpoints_check(links.build(), metadata.build(), "app.hightouch.com")
    assert not outcome.passed and "hightouch:model:2" in outcome.problems[0]
