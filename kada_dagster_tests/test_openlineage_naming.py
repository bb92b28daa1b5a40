"""OpenLineage translation rules, one by one: dataset naming per platform, the SaaS and own-object conventions,
the transformation words, the status mapping, run ids, and that messages and the environment stay clean."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from openlineage.client.serde import Serde

from kada_dagster.core.extract.schema import EVENT_STATUSES
from kada_dagster.core.extract.schema import TRANSFORMATIONS as CONTRACT_WORDS
from kada_dagster.core.openlineage.config import configured_setting
from kada_dagster.core.openlineage.emitter import _error_text, open_client
from kada_dagster.core.openlineage.events import TERMINAL, TRANSFORMATIONS, run_id, translate, written_rows
from kada_dagster.core.openlineage.naming import (
    DataSource,
    own_authority,
    platform_of,
    snowflake_account,
    warehouse_name,
    warehouse_namespace,
)
from kada_dagster.hightouch.openlineage import HightouchOpenLineage
from kada_dagster_tests.openlineage_helpers import clear_openlineage_env, validate_event


@pytest.mark.parametrize("vendor_type,expected", [
    ("SNOWFLAKE", ("snowflake", True)), ("PostgreSQL", ("postgres", True)), ("POSTGRES", ("postgres", True)),
    ("redshift", ("redshift", True)), ("BIGQUERY", ("bigquery", True)), ("MYSQL", ("mysql", True)),
    ("mssql", ("mssql", True)), ("azure_synapse", ("sqlserver", True)), ("databricks", ("databricks", True)),
    ("SALESFORCE_V2", ("salesforce", False)), ("hubspot", ("hubspot", False)),
    ("google_analytics", ("google-analytics", False)), (None, ("", False)),
])
def test_vendor_types_become_the_specs_schemes(vendor_type: str | None, expected: tuple[str, bool]) -> None:
    assert platform_of(vendor_type) == expected


def test_snowflake_accounts_are_named_as_openlineage_integrations_name_them() -> None:
    assert snowflake_account("xy78700.ap-southeast-2.snowflakecomputing.com") == "xy78700.ap-southeast-2.aws"
    assert snowflake_account("xy12345.east-us-2.azure.snowflakecomputing.com") == "xy12345.east-us-2.azure"
    assert snowflake_account("acme-analytics.snowflakecomputing.com") == "acme-analytics"  # orgname-accountname
    assert snowflake_account("xy12345.snowflakecomputing.com") == "xy12345.us-west-1.aws"
    assert snowflake_account("snowflake-prod", account="AB123.us-east-1") == "ab123.us-east-1.aws"  # a mapped host


def test_warehouse_namespaces_and_names_follow_the_naming_spec() -> None:
    assert warehouse_namespace(DataSource("postgres", True), "db.internal") == "postgres://db.internal:5432"
    assert warehouse_namespace(DataSource("postgres", True, port="6543"), "db.internal") == "postgres://db.internal:6543"
    assert warehouse_namespace(DataSource("redshift", True),
                               "acme-dw.cx2057.ap-southeast-2.redshift.amazonaws.com") == \
        "redshift://acme-dw.ap-southeast-2:5439"
    assert warehouse_namespace(DataSource("bigquery", True), "acme-analytics-prod") == "bigquery"
    assert warehouse_namespace(DataSource("mysql", True), "shop-db") == "mysql://shop-db:3306"
    assert warehouse_namespace(DataSource("databricks", True), "dbc-1.cloud.databricks.com") == \
        "databricks://dbc-1.cloud.databricks.com"
    assert warehouse_name("snowflake", "ANALYTICS", "RAW", "CUSTOMERS") == "ANALYTICS.RAW.CUSTOMERS"
    assert warehouse_name("mysql", "shop", "", "orders") == "shop.orders"
    assert warehouse_name("sqlserver", "dw", "dbo", "orders") == "dbo.orders"
    assert own_authority("hightouch:destination:3100", "hightouch://4821") == "hightouch-4821-destination-3100"


def test_every_contract_word_and_status_has_its_openlineage_meaning() -> None:
    assert set(CONTRACT_WORDS) <= set(TRANSFORMATIONS)
    assert TRANSFORMATIONS["INDIRECT"] == ("INDIRECT", None)
    assert {TRANSFORMATIONS[w][0] for w in ("IDENTITY", "TRANSFORMATION", "AGGREGATION")} == {"DIRECT"}
    assert set(TERMINAL) | {"RUNNING", "QUEUED", "UNKNOWN"} == set(EVENT_STATUSES)
    assert written_rows({"rows_added": 3, "rows_changed": 2, "rows_removed": None}) == 5
    assert written_rows({"rows_added": None, "rows_changed": None, "rows_removed": None}) is None


def test_run_ids_are_uuid5_of_the_namespace_and_the_runs_own_id() -> None:
    first = run_id("hightouch://4821", "hightouch:sync_run:40000:1")
    assert first == run_id("hightouch://4821", "hightouch:sync_run:40000:1") and uuid.UUID(first).version == 5
    assert first != run_id("hightouch://4822", "hightouch:sync_run:40000:1")  # another workspace, another run


def _row(**values: Any) -> dict[str, Any]:
    return {"linkage_type": "table", "via_object_id": None, "transformation": None, "mapped": True, **values}


def _tables() -> dict[str, list[dict[str, Any]]]:
    props = json.dumps
    metadata = [
        {"object_id": "hightouch:workspace:7", "object_type": "workspace"},
        {"object_id": "hightouch:source:1", "object_type": "source", "host": "pg.internal",
         "properties": props({"type": "postgres", "configuration": {"port": 6432}})},
        {"object_id": "hightouch:destination:2", "object_type": "destination", "name": "CRM",
         "properties": props({"type": "salesforce"})},
        {"object_id": "hightouch:model:3", "object_type": "model", "name": "Leads", "host": "pg.internal"},
        {"object_id": "hightouch:sync:4", "object_type": "sync", "properties": props({"destinationId": 2})},
    ]
    model = {"downstream_object_type": "model", "downstream_host": "app.hightouch.com",
             "downstream_object": "hightouch:model:3"}
    sync = {"via_object_id": "hightouch:sync:4", "upstream_object_type": "model", "upstream_object": "hightouch:model:3",
            "downstream_object_type": "destination_object", "downstream_host": "crm.example.com",
            "downstream_object": "Lead"}
    linkages = [
        _row(upstream_object_type="table", upstream_host="pg.internal", upstream_database="app", upstream_schema="public",
             upstream_object="leads", **model),
        _row(linkage_type="column", upstream_object_type="table", upstream_host="pg.internal", upstream_database="app",
             upstream_schema="public", upstream_object="leads", upstream_column="status", downstream_column="email",
             transformation="INDIRECT", **model),
        _row(**sync),
        _row(linkage_type="column", upstream_column="email", downstream_column="Email", transformation="IDENTITY", **sync),
        _row(upstream_object_type="table", upstream_host="mystery-host", upstream_object="t", **model),
    ]
    events: list[dict[str, Any]] = [
        {"event_id": "hightouch:sync_run:4:1", "object_id": "hightouch:sync:4", "status": "FAILED",
         "started_at": "2026-11-22T01:00:00.000Z", "finished_at": "2026-11-22T01:05:00.000Z", "rows_added": 4,
         "rows_changed": None, "rows_removed": None, "error_message": "timeout after ? seconds"},
        {"event_id": "hightouch:sync_run:4:2", "object_id": "hightouch:sync:4", "status": "UNKNOWN",
         "started_at": "2026-11-22T02:00:00.000Z", "finished_at": None},
    ]
    sql = [{"object_id": "hightouch:model:3", "query_text": "SELECT email FROM leads WHERE status = '?'"}]
    return {"metadata": metadata, "linkages": linkages, "events": events, "databaselog": sql}


def test_a_small_workspace_translates_as_documented() -> None:
    done = translate(_tables(), HightouchOpenLineage(), "app.hightouch.com", datetime(2026, 11, 23, tzinfo=timezone.utc),
                     "urn:kada_dagster:test")
    events = [json.loads(Serde.to_json(e)) for e in done.events]
    assert [e.get("eventType", "JOB") for e in events] == ["JOB", "JOB", "START", "FAIL", "START"]
    assert [error for e in events for error in validate_event(e)] == []
    model, sync = events[0], events[1]
    assert model["job"] == {**model["job"], "namespace": "hightouch://7", "name": "model:3"}
    assert {(d["namespace"], d["name"]) for d in model["inputs"]} == {
        ("postgres://pg.internal:6432", "app.public.leads"), ("kada://mystery-host", "t")}
    assert done.unplaced == {"endpoint_platform_unknown": 1}  # a host nothing describes: K's name, no guess
    assert [f["name"] for f in model["outputs"][0]["facets"]["schema"]["fields"]] == ["email"]
    assert model["job"]["facets"]["sql"]["dialect"] == "postgres" and model["eventTime"] == "2026-11-23T00:00:00.000Z"
    out = sync["outputs"][0]
    assert (out["namespace"], out["name"]) == ("salesforce://crm.example.com", "Lead") and "schema" not in out["facets"]
    assert out["facets"]["columnLineage"]["fields"]["Email"]["inputFields"][0]["transformations"] == [
        {"type": "DIRECT", "subtype": "IDENTITY"}]
    fail = events[3]
    assert fail["eventTime"] == "2026-11-22T01:05:00.000Z" and fail["run"]["runId"] == events[2]["run"]["runId"]
    assert fail["run"]["facets"]["errorMessage"]["message"] == "timeout after ? seconds"
    assert fail["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == 4
    assert "errorMessage" not in events[2]["run"]["facets"] and events[4]["run"]["runId"] != fail["run"]["runId"]


def test_messages_and_settings_never_show_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_openlineage_env(monkeypatch)
    text = _error_text(ConnectionError("failed: http://user:s3cret@marquez.example:5000/api/v1/lineage?api_key=k3y"))
    assert "s3cret" not in text and "k3y" not in text and "marquez.example:5000" in text
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "http")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__AUTH", '{"type": "api_key", "apiKey": "k3y-in-env"}')
    setting = configured_setting()
    assert setting is not None and "OPENLINEAGE__TRANSPORT__AUTH" in setting.describe()
    assert "k3y-in-env" not in setting.describe()


def test_the_client_leaves_the_environment_as_it_found_it(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_openlineage_env(monkeypatch)
    monkeypatch.setenv("OPENLINEAGE_URL", "http://127.0.0.1:9")
    before = dict(os.environ)
    setting = configured_setting()
    assert setting is not None
    with open_client(setting) as client:
        assert client.transport.kind == "http"
    assert dict(os.environ) == before  # the client's OPENLINEAGE__TRANSPORT__TRANSPORTS__DEFAULT_HTTP__* aliases
