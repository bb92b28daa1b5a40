"""The configuration blobs the workspace serves: sources, destinations, syncs and sync schedules.

Fake credentials come from ``secret`` (the simulator's ``_secret``, which records them for
``secret_values()``); the order of ``rng`` draws and ``secret`` calls is part of the seeded output."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from kada_sim.hightouch.vocabulary import SF_FIELDS, SOURCE_CYCLE, slugify

Secret = Callable[..., str]
Maps = Callable[[Callable[[str], str]], list[dict[str, str]]]
SyncConfiguration = tuple[dict[str, Any], str, bool]


def source_configuration(
    stype: str, i: int, rng: random.Random, secret: Secret
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Type-specific configuration blob plus the qualification context SQL generation needs."""
    if stype == "snowflake":
        return _snowflake_source(i, rng, secret)
    if stype == "postgres":
        return _postgres_source(i, rng, secret)
    if stype == "bigquery":
        return _bigquery_source(i, rng, secret)
    if stype == "airtable":
        config = {
            "baseId": f"app{rng.randint(10**9, 10**10 - 1)}SIM",
            "apiKey": secret("source", i, "apikey"),
        }
        return config, {}
    config = {
        "spreadsheetId": f"1Sim{rng.randint(10**12, 10**13 - 1)}xQ",
        "refreshToken": secret("source", i, "refresh"),
    }
    return config, {}


def _snowflake_source(i: int, rng: random.Random, secret: Secret) -> tuple[dict[str, Any], dict[str, Any]]:
    db, schema = (("ANALYTICS", "MARTS"), ("MARKETING", "PUBLIC"))[
        (i // len(SOURCE_CYCLE) + (i // 4)) % 2
    ]
    account = f"xy{rng.randint(10000, 99999)}.ap-southeast-2"
    config: dict[str, Any] = {
        "account": account,
        "warehouse": "HIGHTOUCH_WH",
        "database": db,
        "schema": schema,
        "user": "HIGHTOUCH_SVC",
        "role": "HIGHTOUCH_ROLE",
    }
    if i % 2 == 0:
        config["authMethod"] = "password"
        config["password"] = secret("source", i, "password")
    else:
        config["authMethod"] = "keyPair"
        config["privateKey"] = (
            f"-----BEGIN PRIVATE KEY-----\n{secret('source', i, 'pk')}\n-----END PRIVATE KEY-----\n"
        )
        config["privateKeyPassphrase"] = secret("source", i, "passphrase")
    return config, {
        "database": db,
        "schema": schema,
        "styles": [f"{db}.{schema}.{{T}}", f"{schema.lower()}.{{t}}", "{t}"],
    }


def _postgres_source(i: int, rng: random.Random, secret: Secret) -> tuple[dict[str, Any], dict[str, Any]]:
    db = "app" if i % 2 else "billing"
    config = {
        "host": f"{db}-replica.c8x1k2{rng.randint(1000, 9999)}.ap-southeast-2.rds.amazonaws.com",
        "port": "5432",
        "user": "hightouch",
        "database": db,
        "schema": "public",
        "password": secret("source", i, "password"),
        "sslMode": "require",
    }
    return config, {
        "database": db,
        "schema": "public",
        "styles": ["analytics.{t}", "public.{t}", "{t}"],
    }


def _bigquery_source(i: int, rng: random.Random, secret: Secret) -> tuple[dict[str, Any], dict[str, Any]]:
    project = "acme-analytics-prod"
    dataset = "marts" if i % 2 == 0 else "events"
    config = {
        "project": project,
        "dataset": dataset,
        "location": "US",
        "credentials": {
            "type": "service_account",
            "project_id": project,
            "private_key_id": secret("source", i, "keyid"),
            "private_key": f"-----BEGIN PRIVATE KEY-----\\n{secret('source', i, 'sa')}\\n-----END PRIVATE KEY-----\\n",
            "client_email": f"hightouch@{project}.iam.gserviceaccount.com",
            "client_id": str(rng.randint(10**20, 10**21 - 1)),
        },
    }
    return config, {
        "database": project,
        "schema": dataset,
        "styles": [f"`{project}.{dataset}.{{t}}`", f"{dataset}.{{t}}", "{t}"],
    }


def destination_configuration(
    dtype: str, i: int, rng: random.Random, secret: Secret, documented: bool
) -> dict[str, Any]:
    if dtype == "salesforce":
        return {
            "instanceUrl": "https://acme.my.salesforce.com",
            "authMethod": "oauth",
            "clientId": f"3MVG9{rng.randint(10**9, 10**10 - 1)}SIM",
            "clientSecret": secret("dest", i, "clientSecret"),
            "refreshToken": secret("dest", i, "refreshToken"),
            "sandbox": False,
        }
    if dtype == "hubspot":
        return {
            "portalId": str(rng.randint(1_000_000, 9_999_999)),
            "accessToken": secret("dest", i, "accessToken"),
        }
    if dtype == "braze":
        return {
            ("endpoint" if documented else "restEndpoint"): "https://rest.iad-03.braze.com",
            "apiKey": secret("dest", i, "apiKey"),
        }
    if dtype == "webhook":
        return {
            "url": "https://hooks.example.com/hightouch/ingest",
            "method": "POST",
            "headers": {
                "Authorization": f"Bearer {secret('dest', i, 'bearer')}",
                "X-Source": "hightouch",
            },
            "signingSecret": secret("dest", i, "signing"),
        }
    if dtype == "postgres":
        return {
            "host": "ops-db.internal.example.com",
            "port": "5432",
            "user": "ht_writer",
            "database": "ops",
            "password": secret("dest", i, "password"),
        }
    if dtype == "mixpanel":
        return {
            "projectId": str(rng.randint(100000, 999999)),
            "region": "US",
            "serviceAccountSecret": secret("dest", i, "sa"),
        }
    if dtype == "iterable":
        return {"apiKey": secret("dest", i, "apiKey"), "dataCenter": "US"}
    return {
        "customerId": f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        "developerToken": secret("dest", i, "devToken"),
    }


def sync_configuration(dtype: str, columns: list[str], pk: str, i: int) -> SyncConfiguration:
    """(configuration, destination object name, is-event-sync) for a destination type."""
    data_cols = [c for c in columns if c != pk][:4]

    def maps(to: Callable[[str], str]) -> list[dict[str, str]]:
        return [{"from": c, "to": to(c), "type": "standard"} for c in data_cols]

    if dtype in ("salesforce", "hubspot"):
        return _crm_sync(dtype, maps, columns, pk, i)
    if dtype in ("braze", "webhook", "mixpanel", "postgres"):
        return _engagement_sync(dtype, maps, data_cols, pk, i)
    return _list_sync(dtype, maps, columns, pk)


def _crm_sync(dtype: str, maps: Maps, columns: list[str], pk: str, i: int) -> SyncConfiguration:
    """Salesforce, else HubSpot."""
    if dtype == "salesforce":
        obj = ("Contact", "Lead", "Account")[i % 3]
        return (
            {
                "mode": "upsert",
                "object": obj,
                "mappings": maps(lambda c: SF_FIELDS.get(c, c.title().replace("_", "_") + "__c")),
                "externalIdMapping": {"from": pk, "to": "External_Id__c", "type": "standard"},
                "associationMappings": [
                    {
                        "from": "account_id",
                        "to": "AccountId",
                        "object": "Account",
                        "lookupField": "External_Id__c",
                    }
                ]
                if obj == "Contact"
                else [],
            },
            obj,
            False,
        )
    return (
        {
            "mode": "upsert",
            "object": "contacts",
            "objectId": "0-1",
            "mappings": maps(lambda c: c.replace("_", "")),
            "externalIdMapping": {
                "from": "email" if "email" in columns else pk,
                "to": "email",
                "type": "standard",
            },
            "associationMappings": [],
        },
        "contacts",
        False,
    )


def _engagement_sync(dtype: str, maps: Maps, data_cols: list[str], pk: str, i: int) -> SyncConfiguration:
    """Braze, event destinations (webhook, Mixpanel), else Postgres."""
    if dtype == "braze":
        return (
            {
                "mode": "upsert",
                "object": "user",
                "mappings": maps(str),
                "externalIdMapping": {"from": pk, "to": "external_id", "type": "standard"},
                "associationMappings": [],
            },
            "user",
            False,
        )
    if dtype in ("webhook", "mixpanel"):
        event = "customer_updated" if dtype == "webhook" else "Order Completed"
        return (
            {
                "type": "event",
                "eventName": event,
                "mode": "insert",
                "timestampFrom": "created_at",
                "mappings": maps(str),
                "associationMappings": [],
            },
            event,
            True,
        )
    table = f"public.ht_{slugify(data_cols[0] if data_cols else 'rows').replace('-', '_')}_{i}"
    return (
        {
            "mode": "upsert",
            "tableName": table,
            "mappings": maps(str),
            "externalIdMapping": {"from": pk, "to": "id", "type": "standard"},
            "associationMappings": [],
        },
        table,
        False,
    )


def _list_sync(dtype: str, maps: Maps, columns: list[str], pk: str) -> SyncConfiguration:
    """Iterable, and Google Ads customer match (every other type)."""
    if dtype == "iterable":
        return (
            {
                "mode": "upsert",
                "objectName": "users",
                "mappings": maps(str),
                "externalIdMapping": {
                    "from": "email" if "email" in columns else pk,
                    "to": "email",
                    "type": "standard",
                },
                "associationMappings": [],
            },
            "users",
            False,
        )
    return (
        {
            "object": "customer_match",
            "mode": "mirror",
            "mappings": maps(str),
            "externalIdMapping": {
                "from": "email" if "email" in columns else pk,
                "to": "hashedEmail",
                "type": "standard",
            },
            "associationMappings": [],
        },
        "customer_match",
        False,
    )


def schedule(i: int, per_day: int) -> dict[str, Any] | None:
    """A sync's schedule: interval, cron or visual per ``i``; ``per_day`` runs a day set the interval."""
    minutes = 1440 // per_day if per_day else 1440
    kind = i % 5
    if kind in (0, 3):
        if minutes % 1440 == 0:
            unit, qty = "day", minutes // 1440
        elif minutes % 60 == 0:
            unit, qty = "hour", minutes // 60
        else:
            unit, qty = "minute", minutes
        return {"type": "interval", "schedule": {"interval": {"unit": unit, "quantity": qty}}}
    if kind == 1:
        expr = (
            f"0 */{minutes // 60} * * *"
            if minutes % 60 == 0 and minutes < 1440
            else f"*/{minutes} * * * *"
        )
        return {"type": "cron", "schedule": {"expression": expr}}
    if kind == 2:
        days = {d: True for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}
        days.update({"saturday": False, "sunday": False})
        return {
            "type": "visual",
            "schedule": {
                "expressions": [{"days": days, "time": "09:00"}, {"days": days, "time": "17:30"}]
            },
        }
    return None
