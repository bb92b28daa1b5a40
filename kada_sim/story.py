"""One story across both tools (`story=True` on either simulator; `make demo` turns it on):

    PostgreSQL crm.public.customers --Hevo pipeline--> Snowflake ANALYTICS.RAW.CUSTOMERS
        --Hevo model "Customer mart"--> ANALYTICS.MARTS.DIM_CUSTOMERS
        --Hightouch model "Salesforce contacts" (raw SQL)--> sync --> Salesforce Contact fields

Both simulators name the same Snowflake account, so the two instances' landed linkages meet on one host,
database, schema, table and column, and K can walk from a Postgres column to a Salesforce field.
"""

from __future__ import annotations

from typing import Any

SNOWFLAKE_ACCOUNT, SNOWFLAKE_REGION = "acmestory", "ap-southeast-2"
SNOWFLAKE_HOST = f"{SNOWFLAKE_ACCOUNT}.{SNOWFLAKE_REGION}.snowflakecomputing.com"
POSTGRES_HOST = "crm-db.story.internal"
SOURCE_COLUMNS = ["id", "email", "first_name", "last_name", "country_code", "created_at"]
MART_SQL = """SELECT c.id AS customer_id,
       LOWER(c.email) AS email,
       c.first_name || ' ' || c.last_name AS full_name,
       c.country_code
FROM ANALYTICS.RAW.CUSTOMERS c
WHERE c.email IS NOT NULL"""
CONTACTS_SQL = """SELECT m.customer_id, m.email, m.full_name
FROM ANALYTICS.MARTS.DIM_CUSTOMERS m
WHERE m.country_code IN ('AU', 'NZ')"""
# (model column, Salesforce field)
CONTACT_MAPPINGS = [("CUSTOMER_ID", "External_Id__c"), ("EMAIL", "Email"), ("FULL_NAME", "Name")]
# The hop a K user asks about, as the landed linkages must spell it end to end.
POSTGRES_COLUMN = (POSTGRES_HOST, "crm", "public", "customers", "email")
SALESFORCE_FIELD = ("Contact", "Email")


def hightouch_story(workspace_id: int, created: int, salesforce_id: int | None) -> dict[str, Any]:
    """The Hightouch side: a Snowflake source, the contacts model, a Salesforce destination (unless the
    workspace has one: `salesforce_id`) and the sync."""
    common = {"workspaceId": workspace_id, "createdAt": created, "updatedAt": created}
    source = {"id": 1999, "name": "Snowflake (story)", "slug": "snowflake-story", "type": "snowflake",
              "configuration": {"account": f"{SNOWFLAKE_ACCOUNT}.{SNOWFLAKE_REGION}", "database": "ANALYTICS",
                                "schema": "MARTS", "warehouse": "HIGHTOUCH_WH", "user": "HIGHTOUCH_SVC"}, **common}
    model: dict[str, Any] = {"id": 5999, "name": "Salesforce contacts (story)", "slug": "salesforce-contacts-story",
             "description": "Contacts from the customer mart Hevo builds.", "primaryKey": "CUSTOMER_ID",
             "sourceId": 1999, "queryType": "raw_sql", "tags": {}, "isSchema": False, "syncs": [],
             "lastRunSize": None, "raw": {"sql": CONTACTS_SQL}, **common}
    destination = None
    if salesforce_id is None:
        salesforce_id = 3999
        destination = {"id": salesforce_id, "name": "Salesforce (story)", "slug": "salesforce-story",
                       "type": "salesforce", "configuration": {}, "syncs": [], **common}
    mappings = [{"from": c, "to": f, "type": "standard"} for c, f in CONTACT_MAPPINGS]
    sync = {"id": 49999, "slug": "salesforce-contacts-story", "destinationId": salesforce_id, "modelId": 5999,
            "configuration": {"object": "Contact", "mode": "upsert", "mappings": mappings}, "schedule": None,
            "status": "pending", "disabled": False, "lastRunAt": None,
            "referencedColumns": [c for c, _f in CONTACT_MAPPINGS], "primaryKey": "CUSTOMER_ID",
            "externalSegment": {}, "tags": {}, **common}
    return {"source": source, "model": model, "destination": destination, "sync": sync}


def hevo_story(created: int) -> dict[str, Any]:
    """The Hevo (Standard) side: the Snowflake destination, the pipeline from PostgreSQL with its object,
    event type and mapping, and the mart model."""
    destination = {"id": 8999, "name": "Snowflake analytics (story)", "type": "SNOWFLAKE", "status": "ACTIVE",
                   "config": {"account_name": SNOWFLAKE_ACCOUNT, "region": SNOWFLAKE_REGION, "db_name": "ANALYTICS",
                              "schema_name": "RAW", "warehouse": "HEVO_WH"},
                   "created_ts": created}
    pipeline = {"id": 9999, "status": "ACTIVE", "created_ts": created, "updated_ts": created,
                "source": {"name": "crm-postgres-story", "display_name": "CRM Postgres (story)", "type": "POSTGRES",
                           "config": {"host": POSTGRES_HOST, "port": 5432, "database": "crm", "schema": "public"}},
                "destination": {"id": 8999, "name": destination["name"], "type": "SNOWFLAKE",
                                "config": destination["config"]},
                "schedule": {"type": "FREQUENCY", "schedule": 60}, "auto_mapping": "ENABLED"}
    mapping = {"destination_table": "customers", "auto_mapping": "ENABLED", "mapping_status": "MAPPED",
               "field_mappings": [{"source_field": c, "source_field_type": "varchar", "destination_field": c,
                                   "destination_field_type": "VARCHAR", "ignored": False, "incompatible": False}
                                  for c in SOURCE_COLUMNS]}
    model = {"id": 2999, "name": "Customer mart (story)", "status": "ACTIVE", "source_query": MART_SQL,
             "output_table": "MARTS.DIM_CUSTOMERS", "load_type": "TRUNCATE_AND_LOAD", "primary_keys": ["customer_id"],
             "last_run_ts": None, "source_destination_id": 8999,
             "destination": {"id": 8999, "name": destination["name"], "type": "SNOWFLAKE",
                             "config": destination["config"]},
             "schedule": {"type": "FREQUENCY", "frequency": 60}, "created_ts": created}
    return {"destination": destination, "pipeline": pipeline,
            "object": {"name": "public.customers", "status": "ACTIVE", "last_run_ts": None},
            "event_type": {"name": "public.customers", "mapping_status": "MAPPED"},
            "mapping": mapping, "model": model}


Node = tuple[str | None, ...]  # (host, database, schema, object, column)


def _ends(row: dict[str, str], side: str) -> Node:
    return tuple(row[f"{side}_{part}"] or None for part in ("host", "database", "schema", "object", "column"))


def walk(rows: list[dict[str, str]], start: Node) -> list[list[tuple[Node, str]]]:
    """Every path of direct (value) column edges in landed linkages from `start` to an end that feeds
    nothing further, each hop with its transformation word: what K walks across the instances' files."""
    downstream: dict[Node, list[tuple[Node, str]]] = {}
    for row in rows:
        if row["linkage_type"] == "column" and row["transformation"] != "INDIRECT":
            downstream.setdefault(_ends(row, "upstream"), []).append((_ends(row, "downstream"), row["transformation"]))
    paths: list[list[tuple[Node, str]]] = []

    def step(node: Node, path: list[tuple[Node, str]]) -> None:
        nexts = [n for n in downstream.get(node, []) if n[0] not in [p[0] for p in path]]
        if not nexts:
            paths.append(path)
        for nxt in nexts:
            step(nxt[0], [*path, nxt])

    step(start, [(start, "")])
    return paths


def describe(path: list[tuple[Node, str]]) -> list[str]:
    """A path as lines a person reads: `host database.schema.table.column  (WORD)`."""
    return [f"{node[0]}  {'.'.join(p for p in node[1:] if p)}" + (f"  ({word})" if word else "")
            for node, word in path]
