"""The configuration blobs and schema mappings the account serves: destinations, sources and mappings.

Fake credentials come from ``secret`` (the simulator's ``_secret``, which records them); the order of ``rng``
draws and ``secret`` calls is part of the seeded output."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from kada_sim.hevo.vocabulary import DEST_TYPE_NAMES, SF_CATEGORY, SOURCE_TYPE_NAMES

Secret = Callable[..., str]
DestConfig = tuple[dict[str, Any], str, str]


def dest_config(dtype: str, i: int, rng: random.Random, secret: Secret, edge: bool = False) -> DestConfig:
    """(config, database, schema) of a destination."""
    if dtype == "SNOWFLAKE":
        return _snowflake_dest(i, rng, secret, edge)
    if dtype == "BIGQUERY":
        return _bigquery_dest(i, secret, edge)
    return _sql_dest(dtype, i, rng, secret, edge)


def _snowflake_dest(i: int, rng: random.Random, secret: Secret, edge: bool) -> DestConfig:
    db, schema = ("HEVO_RAW", "PUBLIC") if i % 3 != 2 else ("HEVO_SALES", "RAW")
    if edge:
        return (
            {
                "account": f"hv{rng.randint(10000, 99999)}.ap-southeast-2",
                "database": db,
                "warehouse": "HEVO_WH",
                "schema": schema,
                "user": "HEVO_EDGE",
                "private_key": secret("dest", i, "pk"),
            },
            db,
            schema,
        )
    return (
        {
            "account_name": f"hv{rng.randint(10000, 99999)}",
            "region": "ap-southeast-2",
            "db_name": db,
            "schema_name": schema,
            "warehouse": "HEVO_WH",
            "db_user": "HEVO_LOADER",
            "db_password": secret("dest", i, "password"),
            "authentication_type": "PASSWORD",
            "populate_loaded_timestamp": True,
        },
        db,
        schema,
    )


def _bigquery_dest(i: int, secret: Secret, edge: bool) -> DestConfig:
    key = {
        "type": "service_account",
        "project_id": "acme-warehouse",
        "private_key": secret("dest", i, "sa"),
        "client_email": "hevo@acme-warehouse.iam.gserviceaccount.com",
    }
    if edge:
        return (
            {"project_id": "acme-warehouse", "dataset": "hevo_raw", "service_account_key": key},
            "acme-warehouse",
            "hevo_raw",
        )
    return (
        {
            "project_id": "acme-warehouse",
            "dataset_name": "hevo_raw",
            "service_account_key": key,
            "populate_loaded_timestamp": True,
        },
        "acme-warehouse",
        "hevo_raw",
    )


def _sql_dest(dtype: str, i: int, rng: random.Random, secret: Secret, edge: bool) -> DestConfig:
    """Redshift, else PostgreSQL."""
    db = "dw" if dtype == "REDSHIFT" else "analytics"
    schema = "hevo_raw" if dtype == "REDSHIFT" else "public"
    host = (
        f"acme-dw.cx{rng.randint(1000, 9999)}.ap-southeast-2.redshift.amazonaws.com"
        if dtype == "REDSHIFT"
        else "analytics-db.internal.example.com"
    )
    port = 5439 if dtype == "REDSHIFT" else 5432
    if edge:
        return (
            {
                "host": host,
                "port": port,
                "database": db,
                "schema": schema,
                "user": "hevo",
                "password": secret("dest", i, "password"),
            },
            db,
            schema,
        )
    return (
        {
            "db_host": host,
            "db_port": port,
            "db_user": "hevo",
            "db_name": db,
            "schema_name": schema,
            "db_password": secret("dest", i, "password"),
        },
        db,
        schema,
    )


def source_config(kind: str, p: int, rng: random.Random, secret: Secret) -> dict[str, Any]:
    """A pipeline source's configuration blob (Salesforce, else a PostgreSQL or MySQL database)."""
    if kind in ("SALESFORCE_V2", "Salesforce"):
        return {
            "instance_url": "https://acme.my.salesforce.com",
            "username": "integration@acme.com",
            "oauth_refresh_token": secret("src", p, "refresh"),
            "environment": "PRODUCTION",
        }
    is_pg = kind in ("POSTGRES", "PostgreSQL")
    return {
        "host": f"{'orders' if is_pg else 'shop'}-db-{p}.c{rng.randint(1000, 9999)}.ap-southeast-2.rds.amazonaws.com",
        "port": 5432 if is_pg else 3306,
        "database": "commerce" if is_pg else "shop",
        "user": "hevo_replication",
        "password": secret("src", p, "password"),
    }


def field_mapping(
    kind: str,
    dtype: str,
    table: str,
    columns: list[tuple[str, str, bool]],
    status: str,
    p: int,
    j: int,
    auto: str,
) -> dict[str, Any]:
    """A Standard schema mapping: the destination table and each field's mapping (ignored, incompatible)."""
    if status in ("UNMAPPED", "IGNORED"):
        return {
            "destination_table": None,
            "auto_mapping": auto,
            "mapping_status": status,
            "field_mappings": [],
        }
    fields = []
    for k, (col, cat, _pk) in enumerate(columns):
        src_cat = SF_CATEGORY.get(cat, cat)
        src_type = cat if kind == "SALESFORCE_V2" else SOURCE_TYPE_NAMES[kind][cat]
        ignored = k > 0 and (p + j + k) % 7 == 3
        incompatible = status == "INCOMPLETE" and k == len(columns) - 1
        dest_type = DEST_TYPE_NAMES[dtype][src_cat]
        fields.append(
            {
                "source_field": col,
                "source_field_type": src_type,
                "destination_field": None if ignored else col.lower(),
                "destination_field_type": None
                if ignored
                else ("BOOLEAN" if incompatible and src_cat != "bool" else dest_type),
                "ignored": ignored,
                "incompatible": incompatible,
            }
        )
    return {
        "destination_table": table,
        "auto_mapping": auto,
        "mapping_status": status,
        "field_mappings": fields,
    }
