"""Hevo Data public API simulator, Standard (/api/public/v2.0) or Edge (/api/v1) flavour.

Reference: /work/shared/reference/hevo-api.md. One simulator serves one flavour; its base URL is the
host root (``http://127.0.0.1:<port>``) and the client adds the API path. The other flavour's paths,
like any unknown path, answer 404 ``{"error_code":"NOT_FOUND","message":...}`` so a client configured
with the wrong flavour fails clearly.

Documented behaviour modelled
- HTTP Basic auth (API key as user, secret as password); missing or wrong -> 401
  ``{"error_code":"UNAUTHORIZED","message":"The API key and secret is not valid"}``.
- Rate limit per API key, 429 ``{"error_code":"RATE_LIMIT_EXCEEDED","message":"Request rate limit
  exceeded"}``, no Retry-After. 500 ``{"error_code":"INTERNAL_SERVER_ERROR",...}``; 502/503 HTML.
- Standard: cursor pagination with ``limit`` (1..100) and ``starting_after`` (opaque); envelope
  ``{"data":[...],"pagination":{"starting_after":"<cursor>","count":<n in page>}}`` where
  ``pagination`` is ABSENT on the last page (also when the last page is exactly full). Pipelines have no
  top-level name (``source.name``/``source.display_name``); ``source.type`` is a string or, with
  ``source_type_as_object``, ``{"name","display_name"}``; objects are addressed by name; schema
  mappings per event type (URL-encoded); transformations; destinations, models, workflows.
- Edge: ``limit`` + ``cursor``, envelope ``{"data":[...],"has_more":bool,"next_cursor":str|null}``;
  single GETs unwrapped; pipeline/object/job shapes and enums of section 4; jobs are generated lazily and
  deterministically per (seed, pipeline, day, slot) and every job status and type appears.
- Every fake credential contains ``SIMSECRET`` (see ``secret_values()``).

Choices made where the reference is UNCONFIRMED
- Default page size 10 (both flavours), maximum 100; ``limit`` outside 1..100 or an unknown cursor
  -> 400 ``{"error_code":"BAD_REQUEST","message":...}``. Cursors are url-safe base64 JSON; treat them
  as opaque.
- Standard single GETs are wrapped in ``{"data": ...}`` (``wrap_single_objects``, default True, as the
  Hevo-authored sample reads ``['data']``); False serves them bare.
- GET lists answer 200 with ``"data": []`` when empty; ``empty_lists_as_204=True`` answers 204 with no
  body instead (the docs list 204 for "no data").
- Standard pipeline: ``schedule {"type":"FREQUENCY","schedule":<minutes>}``, ``destination.schedule
  {"schedule":<minutes>}``, plus ``created_ts``/``updated_ts`` (epoch ms). Objects carry ``name``,
  ``status``, ``last_run_ts`` (epoch ms or null) and ``namespace {"database","schema"}`` (null values
  for SaaS objects). ``/event-types`` is a paginated list of ``{"name","object_name","mapping_status"}``;
  one pipeline in three has a Python transformation that emits an extra event type whose name contains
  a space (``"<table> enriched"``) and no source object. SKIPPED objects have no event type and their
  mapping 404s; PERMISSION_DENIED objects have an UNMAPPED mapping with ``destination_table: null``.
  Ignored fields have ``destination_field``/``destination_field_type`` null. ``/transformations`` is a
  single object ``{"pipeline_id","enabled","language","code","updated_ts"}``.
- Standard models: ``{id,name,status,source_query,output_table,load_type,primary_keys,last_run_ts,
  last_run_status,destination{id,name,type,config},schedule,created_ts}``. Workflows:
  ``{id,name,status,last_run_status,last_run_ts,schedule,nodes[{node_id,type:"MODEL",model_id,name,
  depends_on[]}],created_ts}``.
- Edge jobs: ``GET /pipelines/{id}/jobs`` newest first; filters ``created_after`` (inclusive) and
  ``created_before`` (exclusive) on ``created_ts``, each epoch ms or ISO 8601. The cursor carries the
  window, so later pages need only ``cursor`` (re-sending the filters is harmless). ``job_id`` is a
  UUID that encodes its slot, so ``/jobs/{job_id}`` needs no stored state. Jobs of a DISABLED or
  ENABLE_FAILED pipeline stop at its ``updated_ts``; INITIALIZING pipelines have none.
- Edge ``/destinations`` (and ``/destinations/{id}``) follow the provider fixture:
  ``{id,name,type:"SNOWFLAKE",config,status,created_at,updated_at}`` with ISO timestamps.

Profiles (``profile``; ``STANDARD_PROFILES`` / ``EDGE_PROFILES``, anything else is a ValueError)
- ``kada`` (default): everything above, as the collector's own tests and the benchmarks expect.
- ``documented``: only what the reference marks OFFICIAL or 3P. Standard: event types ``{name,
  mapping_status}`` (no ``object_name``), objects ``{name, status, last_run_ts}`` (no ``namespace``),
  pipelines without ``destination_table_prefix`` (a create-body field), models with ``destination
  {config}`` and ``source_destination_id`` but no ``last_run_status`` (one model in five names no
  destination at all), mapping tables in mixed case (``CUSTOMERS`` / ``customers``) while model SQL says
  ``Public.Pg_Customers``, and one hand-mapped table without the prefix. Edge: MySQL namespaces without
  ``k1``, ``k0`` without the prefix (``destination_table_name`` = ``destination_prefix + k0``), a field
  status no client knows (``DROPPED``), job filters ignored, jobs of disabled and initialising pipelines
  (a disabled pipeline's last job FAILED, after its ``updated_ts``).
- Variants, one UNCONFIRMED alternative each: Standard ``documented-unwrapped`` (bare single GETs),
  ``documented-string-ids``, ``documented-iso-timestamps`` (``*_ts`` as ISO 8601),
  ``documented-prefixed-mapping`` (pipelines carry ``destination_table_prefix``; the tables already
  have it). Edge ``documented-no-pipeline-name``, ``documented-jobs-oldest-first``,
  ``documented-jobs-unordered``, ``documented-strict-params`` (400 on any query parameter but ``limit``
  and ``cursor``), ``documented-seconds-filters`` (``created_after``/``created_before`` read as epoch
  seconds), ``documented-no-destinations`` (``/destinations`` 404), ``documented-no-table-name``.
- Ground truth for tests, computed by the generator: ``truth_lineage()``, ``truth_last_runs()``,
  ``jobs_for()``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import random
import struct
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kada_sim.server import (
    DAY_MS,
    HistorySimulator,
    HTTPError,
    Request,
    Response,
    SimOptions,
    as_ms,
    decode_cursor,
    encode_cursor,
    iso_ms,
    json_response,
    parse_iso,
    run_cli,
    stable_int,
    unit_floats,
    weighted_choice,
)
from kada_sim.story import hevo_story

# What each profile serves (see the module docstring). "kada" is our own, richest shape; "documented" only
# what the reference marks OFFICIAL or 3P; each "documented-<variant>" one UNCONFIRMED alternative.
STANDARD_PROFILES = (
    "kada", "documented", "documented-unwrapped", "documented-string-ids", "documented-iso-timestamps",
    "documented-prefixed-mapping",
)  # fmt: skip
EDGE_PROFILES = (
    "kada", "documented", "documented-no-pipeline-name", "documented-jobs-oldest-first",
    "documented-jobs-unordered", "documented-strict-params", "documented-seconds-filters",
    "documented-no-destinations", "documented-no-table-name",
)  # fmt: skip
PROFILES = tuple(dict.fromkeys(STANDARD_PROFILES + EDGE_PROFILES))
# Edge field statuses the documented profiles serve; the reference names the key but no values, so only
# ACTIVE is "loaded" in the ground truth (DROPPED stands for a value no client knows).
LOADED_FIELD_STATUS = "ACTIVE"

STANDARD_PREFIX = "/api/public/v2.0"
EDGE_PREFIX = "/api/v1"
FLAVOURS = ("standard", "edge")

EDGE_PIPELINE_STATUSES = (
    "INITIALIZING", "INITIALIZED", "INITIALIZE_FAILED", "DISABLING", "DISABLED", "DISABLE_FAILED", "ENABLING",
    "ENABLED", "ENABLE_FAILED", "DELETING", "DELETED", "DELETE_FAILED", "RESTARTING", "RESTART_FAILED",
)  # fmt: skip
EDGE_OBJECT_STATUSES = (
    "ACTIVE",
    "BLOCKED",
    "DISABLED",
    "DELETED",
    "INACCESSIBLE",
    "INACTIVE",
    "INCONSISTENT",
    "RESETTING",
)
EDGE_REPLICATION_STATUSES = ("PENDING", "REPLICATED", "CANCELLED", "BLOCKED", "FAILED", "INCONSISTENT")
JOB_TYPES = ("INCREMENTAL", "HISTORICAL", "RESYNC", "RESYNC_WITH_DROP_AND_LOAD", "REFRESHER")
JOB_STATUSES = (
    "IN_PROGRESS", "CANCELLING", "COMPLETED", "COMPLETED_WITH_FAILURES", "FAILED", "CANCELLED", "SKIPPED",
    "DEFERRED", "DEFERRED_WITH_FAILURES",
)  # fmt: skip
STANDARD_OBJECT_STATUSES = ("ACTIVE", "SKIPPED", "PAUSED", "FINISHED", "PERMISSION_DENIED", "FAILED")
MAPPING_STATUSES = ("MAPPED", "UNMAPPED", "INCOMPLETE", "IGNORED", "MAPPING_IN_PROGRESS")
_RARE_JOB_STATUSES = (
    "COMPLETED_WITH_FAILURES",
    "FAILED",
    "CANCELLED",
    "SKIPPED",
    "DEFERRED",
    "DEFERRED_WITH_FAILURES",
)
_RARE_JOB_TYPES = ("HISTORICAL", "RESYNC", "RESYNC_WITH_DROP_AND_LOAD", "REFRESHER")
_JOB_TYPE_WEIGHTS = (
    (0.93, "INCREMENTAL"),
    (0.96, "REFRESHER"),
    (0.985, "RESYNC"),
    (1.0, "RESYNC_WITH_DROP_AND_LOAD"),
)
_JOB_STATUS_WEIGHTS = (
    (0.9, "COMPLETED"), (0.95, "COMPLETED_WITH_FAILURES"), (0.97, "FAILED"), (0.98, "SKIPPED"), (0.99, "DEFERRED"), (1.0, "CANCELLED"),
)  # fmt: skip


@dataclass
class HevoSimConfig(SimOptions):
    """Account shape and behaviour switches. ``end`` None means 'now, floored to the minute'."""

    flavour: str = field(default="standard", metadata={"choices": FLAVOURS})
    api_key: str = "sim-hevo-key"
    api_secret: str = "sim-hevo-secret"
    n_pipelines: int = 6
    objects_per_pipeline: int = 6
    n_destinations: int = 3
    n_models: int = 5
    n_workflows: int = 2
    jobs_per_pipeline_per_day: int = 6
    days: int = 7
    end: datetime | None = None
    story: bool = False
    """Standard: add the cross-tool story of ``kada_sim.story`` (a pipeline from PostgreSQL and a mart model)."""
    wrap_single_objects: bool = True
    source_type_as_object: bool = False
    default_limit: int = 10
    max_limit: int = 100
    empty_lists_as_204: bool = False


# --------------------------------------------------------------------------------------------------
# Vocabulary: source tables as (column, category, is primary key); categories map to type names
# --------------------------------------------------------------------------------------------------

DB_TABLES: dict[str, list[tuple[str, str, bool]]] = {
    "orders": [
        ("id", "int", True),
        ("customer_id", "int", False),
        ("status", "str", False),
        ("total_amount", "dec", False),
        ("currency", "str", False),
        ("created_at", "ts", False),
        ("updated_at", "ts", False),
    ],
    "customers": [
        ("id", "int", True),
        ("email", "str", False),
        ("first_name", "str", False),
        ("last_name", "str", False),
        ("marketing_opt_in", "bool", False),
        ("created_at", "ts", False),
        ("updated_at", "ts", False),
    ],
    "order_items": [
        ("id", "int", True),
        ("order_id", "int", False),
        ("product_id", "int", False),
        ("quantity", "int", False),
        ("unit_price", "dec", False),
        ("updated_at", "ts", False),
    ],
    "products": [
        ("id", "int", True),
        ("sku", "str", False),
        ("name", "str", False),
        ("price", "dec", False),
        ("attributes", "json", False),
        ("updated_at", "ts", False),
    ],
    "payments": [
        ("id", "int", True),
        ("order_id", "int", False),
        ("provider", "str", False),
        ("amount", "dec", False),
        ("card_last4", "str", False),
        ("paid_at", "ts", False),
        ("updated_at", "ts", False),
    ],
    "refunds": [
        ("id", "int", True),
        ("order_id", "int", False),
        ("amount", "dec", False),
        ("reason", "str", False),
        ("created_at", "ts", False),
        ("updated_at", "ts", False),
    ],
    "shipments": [
        ("id", "int", True),
        ("order_id", "int", False),
        ("carrier", "str", False),
        ("tracking_number", "str", False),
        ("shipped_at", "ts", False),
        ("updated_at", "ts", False),
    ],
    "inventory_levels": [
        ("product_id", "int", True),
        ("warehouse_code", "str", True),
        ("on_hand", "int", False),
        ("updated_at", "ts", False),
    ],
}
SF_OBJECTS: dict[str, list[tuple[str, str, bool]]] = {
    "Account": [
        ("Id", "id", True),
        ("Name", "string", False),
        ("Industry", "picklist", False),
        ("AnnualRevenue", "currency", False),
        ("OwnerId", "reference", False),
        ("CreatedDate", "datetime", False),
        ("LastModifiedDate", "datetime", False),
    ],
    "Contact": [
        ("Id", "id", True),
        ("AccountId", "reference", False),
        ("Email", "email", False),
        ("FirstName", "string", False),
        ("LastName", "string", False),
        ("HasOptedOutOfEmail", "boolean", False),
        ("LastModifiedDate", "datetime", False),
    ],
    "Opportunity": [
        ("Id", "id", True),
        ("AccountId", "reference", False),
        ("StageName", "picklist", False),
        ("Amount", "currency", False),
        ("CloseDate", "date", False),
        ("LastModifiedDate", "datetime", False),
    ],
    "Lead": [
        ("Id", "id", True),
        ("Email", "email", False),
        ("Company", "string", False),
        ("Status", "picklist", False),
        ("LeadSource", "picklist", False),
        ("LastModifiedDate", "datetime", False),
    ],
    "Case": [
        ("Id", "id", True),
        ("AccountId", "reference", False),
        ("Status", "picklist", False),
        ("Priority", "picklist", False),
        ("Subject", "string", False),
        ("LastModifiedDate", "datetime", False),
    ],
    "Campaign": [
        ("Id", "id", True),
        ("Name", "string", False),
        ("Type", "picklist", False),
        ("BudgetedCost", "currency", False),
        ("StartDate", "date", False),
        ("LastModifiedDate", "datetime", False),
    ],
}
SF_CATEGORY = {
    "id": "str",
    "string": "str",
    "picklist": "str",
    "reference": "str",
    "email": "str",
    "currency": "dec",
    "datetime": "ts",
    "date": "ts",
    "boolean": "bool",
}
SOURCE_TYPE_NAMES = {
    "POSTGRES": {
        "int": "integer",
        "str": "character varying",
        "dec": "numeric",
        "ts": "timestamp without time zone",
        "bool": "boolean",
        "json": "jsonb",
    },
    "MYSQL": {
        "int": "int",
        "str": "varchar",
        "dec": "decimal",
        "ts": "datetime",
        "bool": "tinyint",
        "json": "json",
    },
}
DEST_TYPE_NAMES = {
    "SNOWFLAKE": {
        "int": "NUMBER",
        "str": "VARCHAR",
        "dec": "NUMBER",
        "ts": "TIMESTAMP_NTZ",
        "bool": "BOOLEAN",
        "json": "VARIANT",
    },
    "BIGQUERY": {
        "int": "INT64",
        "str": "STRING",
        "dec": "NUMERIC",
        "ts": "TIMESTAMP",
        "bool": "BOOL",
        "json": "JSON",
    },
    "REDSHIFT": {
        "int": "BIGINT",
        "str": "VARCHAR",
        "dec": "DECIMAL",
        "ts": "TIMESTAMP",
        "bool": "BOOLEAN",
        "json": "SUPER",
    },
    "POSTGRES": {
        "int": "bigint",
        "str": "varchar",
        "dec": "numeric",
        "ts": "timestamp",
        "bool": "boolean",
        "json": "jsonb",
    },
}

# Standard source kinds: (type id, display name, schema, name prefix)
STANDARD_SOURCES = [
    ("POSTGRES", "PostgreSQL", "public"),
    ("MYSQL", "MySQL", "shop"),
    ("SALESFORCE_V2", "Salesforce", None),
]
EDGE_SOURCES = [
    ("PostgreSQL", "postgresql", "public"),
    ("MySQL", "mysql", "shop"),
    ("Salesforce", "salesforce", None),
]

# (model name, output table, required base tables, SQL with {table} placeholders, primary keys)
MODEL_TEMPLATES: list[tuple[str, str, list[str], str, list[str]]] = [
    (
        "Daily revenue by currency",
        "daily_revenue",
        ["orders"],
        """SELECT DATE_TRUNC('day', o.created_at) AS order_date, o.currency,
       SUM(o.total_amount) AS revenue, COUNT(*) AS order_count
FROM {orders} o
WHERE o.status = 'completed'
  AND o.created_at >= '2026-01-01'
  AND o.__hevo__marked_deleted = FALSE
GROUP BY 1, 2""",
        ["order_date", "currency"],
    ),
    (
        "Customer lifetime value",
        "customer_ltv",
        ["orders", "customers"],
        """SELECT c.id AS customer_id, c.email, SUM(o.total_amount) AS ltv, MAX(o.created_at) AS last_order_at
FROM {customers} c
JOIN {orders} o ON o.customer_id = c.id
WHERE o.status NOT IN ('cancelled', 'refunded')
  AND o.total_amount > 0.5
GROUP BY c.id, c.email""",
        ["customer_id"],
    ),
    (
        "Open pipeline by industry",
        "pipeline_by_industry",
        ["Opportunity", "Account"],
        """SELECT a.industry, COUNT(o.id) AS open_opportunities, SUM(o.amount) AS pipeline_amount
FROM {Opportunity} o
LEFT JOIN {Account} a ON a.id = o.accountid
WHERE o.stagename <> 'Closed Lost'
  AND o.closedate >= '2026-07-01'
GROUP BY a.industry""",
        ["industry"],
    ),
    (
        "Refund rate by reason",
        "refund_rate",
        ["refunds", "orders"],
        """WITH totals AS (
    SELECT COUNT(*) AS orders FROM {orders} WHERE created_at >= '2026-01-01'
)
SELECT r.reason, COUNT(*) AS refunds, COUNT(*) * 1.0 / MAX(t.orders) AS refund_rate
FROM {refunds} r
CROSS JOIN totals t
WHERE r.amount > 10
GROUP BY r.reason""",
        ["reason"],
    ),
    (
        "Open high-priority cases",
        "open_cases",
        ["Case"],
        """SELECT c.id, c.accountid, c.subject, c.priority
FROM {Case} c
WHERE c.status <> 'Closed' AND c.priority IN ('High', 'Critical')""",
        ["id"],
    ),
]

# Each template's column lineage, labelled by hand from its SQL (kada_dagster_tests/lineage_corpus/README.md
# rules): output column -> (direct [(table placeholder, column, word)], indirect [(table placeholder, column)]).
MODEL_COLUMN_TRUTH: dict[str, dict[str, tuple[list[tuple[str, str, str]], list[tuple[str, str]]]]] = {
    "daily_revenue": {
        "order_date": ([("orders", "created_at", "TRANSFORMATION")],
                       [("orders", "status"), ("orders", "__hevo__marked_deleted"), ("orders", "currency")]),
        "currency": ([("orders", "currency", "IDENTITY")],
                     [("orders", "status"), ("orders", "created_at"), ("orders", "__hevo__marked_deleted")]),
        "revenue": ([("orders", "total_amount", "AGGREGATION")],
                    [("orders", "status"), ("orders", "created_at"), ("orders", "__hevo__marked_deleted"),
                     ("orders", "currency")]),
        "order_count": ([], [("orders", "status"), ("orders", "created_at"), ("orders", "__hevo__marked_deleted"),
                             ("orders", "currency")]),
    },
    "customer_ltv": {
        "customer_id": ([("customers", "id", "IDENTITY")],
                        [("orders", "customer_id"), ("orders", "status"), ("orders", "total_amount"),
                         ("customers", "email")]),
        "email": ([("customers", "email", "IDENTITY")],
                  [("orders", "customer_id"), ("customers", "id"), ("orders", "status"), ("orders", "total_amount")]),
        "ltv": ([("orders", "total_amount", "AGGREGATION")],
                [("orders", "customer_id"), ("customers", "id"), ("orders", "status"), ("customers", "email")]),
        "last_order_at": ([("orders", "created_at", "AGGREGATION")],
                          [("orders", "customer_id"), ("customers", "id"), ("orders", "status"),
                           ("orders", "total_amount"), ("customers", "email")]),
    },
    "pipeline_by_industry": {
        "industry": ([("Account", "industry", "IDENTITY")],
                     [("Account", "id"), ("Opportunity", "accountid"), ("Opportunity", "stagename"),
                      ("Opportunity", "closedate")]),
        "open_opportunities": ([("Opportunity", "id", "AGGREGATION")],
                               [("Account", "id"), ("Opportunity", "accountid"), ("Opportunity", "stagename"),
                                ("Opportunity", "closedate"), ("Account", "industry")]),
        "pipeline_amount": ([("Opportunity", "amount", "AGGREGATION")],
                            [("Account", "id"), ("Opportunity", "accountid"), ("Opportunity", "stagename"),
                             ("Opportunity", "closedate"), ("Account", "industry")]),
    },
    "refund_rate": {
        "reason": ([("refunds", "reason", "IDENTITY")], [("refunds", "amount"), ("orders", "created_at")]),
        "refunds": ([], [("refunds", "amount"), ("orders", "created_at"), ("refunds", "reason")]),
        "refund_rate": ([], [("refunds", "amount"), ("orders", "created_at"), ("refunds", "reason")]),
    },
    "open_cases": {
        "id": ([("Case", "id", "IDENTITY")], [("Case", "status"), ("Case", "priority")]),
        "accountid": ([("Case", "accountid", "IDENTITY")], [("Case", "status"), ("Case", "priority")]),
        "subject": ([("Case", "subject", "IDENTITY")], [("Case", "status"), ("Case", "priority")]),
        "priority": ([("Case", "priority", "IDENTITY")], [("Case", "status")]),
    },
}

TRANSFORMATION_CODE = """from io.hevo.api import Event


def transform(event):
    event_name = event.getEventName()
    properties = event.getProperties()
    if event_name == '{event}' and properties.get('currency') == 'AUD':
        properties['total_amount_usd'] = round(properties['total_amount'] * 0.65, 2)
        return [event, Event('{derived}', properties)]
    if properties.get('email', '').endswith('@example.com'):
        return None
    return event
"""
DEFAULT_TRANSFORMATION_CODE = """from io.hevo.api import Event


def transform(event):
    # Default template: events pass through unchanged.
    return event
"""


@dataclass
class _PipelineRuntime:
    """What job generation needs to know about an Edge pipeline."""

    index: int
    id: int
    created_ms: int
    jobs_until_ms: int
    has_jobs: bool
    events_base: int
    n_objects: int
    last_state: str | None  # forced status of the latest job: IN_PROGRESS / CANCELLING / None


_FOLDING_DESTINATIONS = ("SNOWFLAKE", "POSTGRES", "REDSHIFT")


def _stored(name: str | None, kind: str) -> str | None:
    """How the simulated warehouse ``kind`` stores an unquoted identifier: Snowflake upper case,
    PostgreSQL and Redshift lower case, others (BigQuery, MySQL, SaaS) as written."""
    if name is None:
        return None
    key = kind.upper()
    if key.startswith("SNOWFLAKE"):
        return name.upper()
    if key.startswith(("POSTGRES", "REDSHIFT")):
        return name.lower()
    return name


def _source_truth(kind: str, base: str, schema: str | None, db: str | None) -> tuple[str | None, ...]:
    """A source table as its database stores it: MySQL has databases and tables only."""
    if schema is None:  # a SaaS object
        return (None, None, base)
    if kind.upper().startswith("MYSQL"):
        return (db, None, base)
    return (_stored(db, kind), _stored(schema, kind), _stored(base, kind))


_ID_KEYS = frozenset({"id", "source_destination_id", "model_id", "pipeline_id"})


def _convert(value: Any, fn: Callable[[str, Any], Any]) -> Any:
    if isinstance(value, dict):
        return {k: fn(k, _convert(v, fn)) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert(v, fn) for v in value]
    return value


def _table_parts(
    source_kind: str, base: str, schema: str | None, db: str | None
) -> tuple[str, str | None, str | None]:
    """(object name, schema, database) for a source object."""
    if schema is None:
        return base, None, None
    return f"{schema}.{base}", schema, db


class HevoSimulator(HistorySimulator):
    """A Hevo account served over HTTP; ``url`` is the host root (the client adds the API path)."""

    name = "hevo-sim"
    slot_kind = "job"
    created_recent_share = 0.15
    created_min_age_ms = 2 * 3_600_000
    created_max_age_days = 400

    def __init__(self, config: HevoSimConfig | None = None) -> None:
        self.config = config or HevoSimConfig()
        cfg = self.config
        if cfg.flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {FLAVOURS}, not {cfg.flavour!r}")
        self.flavour = cfg.flavour
        allowed = STANDARD_PROFILES if cfg.flavour == "standard" else EDGE_PROFILES
        if cfg.profile not in allowed:
            raise ValueError(f"profile {cfg.profile!r} is not one of the {cfg.flavour} profiles {allowed}")
        self.profile = cfg.profile
        self.documented = cfg.profile != "kada"
        self._truth: list[dict[str, Any]] = []
        self.api_path = STANDARD_PREFIX if cfg.flavour == "standard" else EDGE_PREFIX
        self.api_prefix = self.api_path  # fault prefixes and stats templates are relative to it
        super().__init__(cfg, cfg.end, cfg.days, cfg.jobs_per_pipeline_per_day, secret_scope=(cfg.flavour,))
        self._mask = hashlib.blake2b(f"{cfg.seed}|jobmask".encode(), digest_size=8).digest()
        rng = random.Random(stable_int(cfg.seed, "hevo", cfg.flavour))
        if cfg.flavour == "standard":
            self._build_standard(rng)
        else:
            self._build_edge(rng)

    # ---- shared generation helpers ------------------------------------------------------------------

    def _in_history(self, rng: random.Random, not_before: int, near_end: bool = False) -> int:
        lo = max(self.history_start_ms, not_before)
        if near_end:
            lo = max(lo, self.end_ms - 3 * 3_600_000)
        hi = self.end_ms - 60_000
        return rng.randint(lo, hi) if hi > lo else hi

    def _objects_for_source(self, kind: str, p: int) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        """(base table name, columns) for a pipeline's objects, enough for ``objects_per_pipeline``."""
        vocab = SF_OBJECTS if kind in ("SALESFORCE_V2", "Salesforce") else DB_TABLES
        names = list(vocab)
        rot = p % len(names)
        names = names[rot:] + names[:rot]
        out = []
        for j in range(self.config.objects_per_pipeline):
            base = names[j % len(names)]
            suffix = j // len(names)
            out.append((base if suffix == 0 else f"{base}_archive_{suffix}", vocab[base]))
        return out

    def _dest_config(
        self, dtype: str, i: int, rng: random.Random, edge: bool = False
    ) -> tuple[dict[str, Any], str, str]:
        """(config, database, schema) of a destination."""
        if dtype == "SNOWFLAKE":
            db, schema = ("HEVO_RAW", "PUBLIC") if i % 3 != 2 else ("HEVO_SALES", "RAW")
            if edge:
                return (
                    {
                        "account": f"hv{rng.randint(10000, 99999)}.ap-southeast-2",
                        "database": db,
                        "warehouse": "HEVO_WH",
                        "schema": schema,
                        "user": "HEVO_EDGE",
                        "private_key": self._secret("dest", i, "pk"),
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
                    "db_password": self._secret("dest", i, "password"),
                    "authentication_type": "PASSWORD",
                    "populate_loaded_timestamp": True,
                },
                db,
                schema,
            )
        if dtype == "BIGQUERY":
            key = {
                "type": "service_account",
                "project_id": "acme-warehouse",
                "private_key": self._secret("dest", i, "sa"),
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
                    "password": self._secret("dest", i, "password"),
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
                "db_password": self._secret("dest", i, "password"),
            },
            db,
            schema,
        )

    def _source_config(self, kind: str, p: int, rng: random.Random) -> dict[str, Any]:
        if kind in ("SALESFORCE_V2", "Salesforce"):
            return {
                "instance_url": "https://acme.my.salesforce.com",
                "username": "integration@acme.com",
                "oauth_refresh_token": self._secret("src", p, "refresh"),
                "environment": "PRODUCTION",
            }
        is_pg = kind in ("POSTGRES", "PostgreSQL")
        return {
            "host": f"{'orders' if is_pg else 'shop'}-db-{p}.c{rng.randint(1000, 9999)}.ap-southeast-2.rds.amazonaws.com",
            "port": 5432 if is_pg else 3306,
            "database": "commerce" if is_pg else "shop",
            "user": "hevo_replication",
            "password": self._secret("src", p, "password"),
        }

    # ---- Standard account ---------------------------------------------------------------------------

    def _build_standard(self, rng: random.Random) -> None:
        cfg = self.config
        dtypes = ["SNOWFLAKE", "BIGQUERY", "REDSHIFT", "POSTGRES"]
        self._destinations: list[dict[str, Any]] = []
        dest_ctx: dict[int, tuple[str, str, str]] = {}
        for i in range(cfg.n_destinations):
            dtype = dtypes[i % len(dtypes)]
            config, db, schema = self._dest_config(dtype, i, rng)
            did = 8100 + 11 * i
            created = self._created(rng)
            self._destinations.append(
                {
                    "id": did,
                    "name": f"{dtype.title()} {db.lower()}" + (f" {i + 1}" if i >= len(dtypes) else ""),
                    "type": dtype,
                    "status": "ACTIVE",
                    "config": config,
                    "created_ts": created,
                }
            )
            dest_ctx[did] = (dtype, db, schema)
        self._pipelines: list[dict[str, Any]] = []
        self._objects: dict[int, list[dict[str, Any]]] = {}
        self._event_types: dict[int, list[dict[str, Any]]] = {}
        self._mappings: dict[int, dict[str, dict[str, Any]]] = {}
        self._transformations: dict[int, dict[str, Any]] = {}
        self._dest_tables: dict[int, dict[str, str]] = {}  # dest id -> base table -> qualified name
        for p in range(cfg.n_pipelines):
            kind, display, schema = STANDARD_SOURCES[p % len(STANDARD_SOURCES)]
            dest = self._destinations[p % len(self._destinations)] if self._destinations else None
            pid = 9458 + 7 * p
            created = self._created(rng)
            if dest:
                created = max(created, dest["created_ts"] + 3_600_000)
                created = min(created, self.end_ms - 3_600_000)
            status = "PAUSED" if p % 7 == 3 else ("DRAFT" if p % 11 == 5 else "ACTIVE")
            prefix = ["pg_", "mysql_", "sf_"][p % 3] if p % 2 == 0 else ""
            stype: Any = kind if not cfg.source_type_as_object else {"name": kind, "display_name": display}
            src_name = f"{display} {['orders', 'shop', 'crm', 'billing', 'support'][p % 5]} {p + 1}"
            source_config = self._source_config(kind, p, rng)
            pipeline = {
                "id": pid,
                "status": status,
                "source": {
                    "name": src_name.lower().replace(" ", "-"),
                    "display_name": src_name,
                    "type": stype,
                    "config": source_config,
                },
                "destination": (
                    {
                        "id": dest["id"],
                        "name": dest["name"],
                        "type": dest["type"],
                        "config": dest["config"],
                        "schedule": {"schedule": 15},
                    }
                    if dest
                    else None
                ),
                "schedule": {"type": "FREQUENCY", "schedule": [30, 60, 360][p % 3]},
                "auto_mapping": "ENABLED" if p % 4 else "DISABLED",
                "json_parsing_strategy": "FLAT",
                "created_ts": created,
                "updated_ts": self._in_history(rng, created) if created < self.end_ms - 120_000 else created,
            }
            if prefix and (not self.documented or self.profile == "documented-prefixed-mapping"):
                pipeline["destination_table_prefix"] = prefix  # a create-body field (3P); on reads UNCONFIRMED
            self._pipelines.append(pipeline)
            dtype, ddb, dschema = dest_ctx[dest["id"]] if dest else ("SNOWFLAKE", "HEVO_RAW", "PUBLIC")
            objects, event_types, mappings = [], [], {}
            columns_by_event: dict[str, list[tuple[str, str, bool]]] = {}
            db = source_config.get("database")
            for j, (base, columns) in enumerate(self._objects_for_source(kind, p)):
                name, ns_schema, ns_db = _table_parts(kind, base, schema, db)
                r = (p + j) % 9
                ostatus = {4: "SKIPPED", 6: "PAUSED", 7: "FINISHED", 8: "PERMISSION_DENIED"}.get(r, "ACTIVE")
                if (p + j) % 13 == 10:
                    ostatus = "FAILED"
                if status == "DRAFT" or ostatus in ("SKIPPED", "PERMISSION_DENIED"):
                    last_run = None
                else:
                    last_run = self._in_history(
                        rng, created, near_end=ostatus == "ACTIVE" and status == "ACTIVE"
                    )
                obj: dict[str, Any] = {"name": name, "status": ostatus, "last_run_ts": last_run}
                if not self.documented:  # the namespace field's name is UNCONFIRMED (§3b)
                    obj["namespace"] = {"database": ns_db, "schema": ns_schema}
                objects.append(obj)
                if ostatus == "SKIPPED":
                    continue
                table = (prefix + base).lower()
                if self.documented:
                    if prefix and pipeline["auto_mapping"] == "DISABLED" and j == 0:
                        table = f"legacy_{base}"  # mapped by hand to an existing table, without the prefix
                    if dtype in _FOLDING_DESTINATIONS and j % 2 == 0:
                        table = table.upper()  # identifier case differs between mappings and model SQL
                if ostatus == "PERMISSION_DENIED":
                    mstatus = "UNMAPPED"
                elif ostatus == "FAILED" or (p + j) % 10 == 3:
                    mstatus = "INCOMPLETE"
                elif (p + j) % 11 == 7:
                    mstatus = "IGNORED"
                elif (p + j) % 12 == 9:
                    mstatus = "MAPPING_IN_PROGRESS"
                else:
                    mstatus = "MAPPED"
                mappings[name] = self._mapping(
                    kind, dtype, table, columns, mstatus, p, j, pipeline["auto_mapping"]
                )
                event_types.append(
                    {"name": name, "mapping_status": mstatus}
                    if self.documented
                    else {"name": name, "object_name": name, "mapping_status": mstatus}
                )
                columns_by_event[name] = columns
                if mstatus in ("MAPPED", "INCOMPLETE", "MAPPING_IN_PROGRESS") and dest:
                    qualified = f"{dschema}.{table}" if p % 2 else table
                    if self.documented and dtype in _FOLDING_DESTINATIONS:
                        qualified = ".".join(part.title() for part in qualified.split("."))  # `Customers`
                    self._dest_tables.setdefault(dest["id"], {}).setdefault(base, qualified)
                    self._truth.append({
                        "kind": "object", "via": f"hevo:pipeline_object:{pid}:{name}", "created": created,
                        "source": src_name.lower().replace(" ", "-"), "destination": dest["name"],
                        "upstream": _source_truth(kind, base, schema, db),
                        "downstream": (_stored(ddb, dtype), _stored(dschema, dtype), _stored(table, dtype)),
                        "columns": {(_stored(f["source_field"], kind), _stored(f["destination_field"], dtype))
                                    for f in mappings[name]["field_mappings"] if not f["ignored"]},
                    })
            if p % 3 == 0 and event_types:
                source_event = event_types[0]["name"]
                base = source_event.split(".")[-1]
                derived = f"{base} enriched"
                columns = list(columns_by_event[source_event]) + [("total_amount_usd", "dec", False)]
                mappings[derived] = self._mapping(
                    kind,
                    dtype,
                    (prefix + base + "_enriched").lower(),
                    columns,
                    "MAPPED",
                    p,
                    99,
                    pipeline["auto_mapping"],
                )
                event_types.append(
                    {"name": derived, "mapping_status": "MAPPED"}
                    if self.documented
                    else {"name": derived, "object_name": None, "mapping_status": "MAPPED"}
                )
                if dest:
                    self._truth.append({
                        "kind": "derived", "via": f"hevo:pipeline:{pid}", "created": created,
                        "source": None, "upstream_own": f"hevo:source:{pid}", "destination": dest["name"],
                        "upstream": None, "columns": set(),
                        "downstream": (_stored(ddb, dtype), _stored(dschema, dtype),
                                       _stored(mappings[derived]["destination_table"], dtype)),
                    })
                code = TRANSFORMATION_CODE.format(event=source_event, derived=derived)
                self._transformations[pid] = {
                    "pipeline_id": pid,
                    "enabled": True,
                    "language": "PYTHON",
                    "code": code,
                    "updated_ts": pipeline["updated_ts"],
                }
            else:
                self._transformations[pid] = {
                    "pipeline_id": pid,
                    "enabled": False,
                    "language": "PYTHON",
                    "code": DEFAULT_TRANSFORMATION_CODE,
                    "updated_ts": created,
                }
            self._objects[pid] = objects
            self._event_types[pid] = event_types
            self._mappings[pid] = mappings
        self._build_standard_models(rng, dest_ctx)
        if cfg.story:
            self._add_story()

    def _add_story(self) -> None:
        """The Hevo end of ``kada_sim.story``: Snowflake destination, pipeline from PostgreSQL, mart model."""
        story = hevo_story(self.history_start_ms - 30 * DAY_MS)
        self._destinations.append(story["destination"])
        pid = story["pipeline"]["id"]
        self._pipelines.append(story["pipeline"])
        self._objects[pid], self._event_types[pid] = [story["object"]], [story["event_type"]]
        self._mappings[pid] = {story["event_type"]["name"]: story["mapping"]}
        self._transformations[pid] = {"pipeline_id": pid, "enabled": False, "language": "PYTHON",
                                      "code": DEFAULT_TRANSFORMATION_CODE, "updated_ts": story["pipeline"]["created_ts"]}
        self._models.append(story["model"])

    def _mapping(
        self,
        kind: str,
        dtype: str,
        table: str,
        columns: list[tuple[str, str, bool]],
        status: str,
        p: int,
        j: int,
        auto: str,
    ) -> dict[str, Any]:
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

    def _build_standard_models(self, rng: random.Random, dest_ctx: dict[int, tuple[str, str, str]]) -> None:
        cfg = self.config
        self._models: list[dict[str, Any]] = []
        dests_with_tables = [d for d in self._destinations if self._dest_tables.get(d["id"])]
        used_names: dict[str, int] = {}
        for m in range(cfg.n_models):
            if not dests_with_tables:
                break
            dest = dests_with_tables[m % len(dests_with_tables)]
            tables = self._dest_tables[dest["id"]]
            candidates = [t for t in MODEL_TEMPLATES if all(b in tables for b in t[2])]
            if candidates:
                name, output, _req, sql, pks = candidates[(m // len(dests_with_tables)) % len(candidates)]
                sql = sql.format(**{b: tables[b] for b in _req})
                template: str | None = output
            else:
                base, qualified = next(iter(tables.items()))
                name, output, pks = f"{base.title()} current state", f"{base.lower()}_current", ["id"]
                template = None
                sql = f"SELECT *\nFROM {qualified}\nWHERE __hevo__marked_deleted = FALSE\n  AND updated_at >= '2026-06-01 00:00:00'"
            n = used_names.get(name, 0) + 1
            used_names[name] = n
            if n > 1:
                name, output = f"{name} {n}", f"{output}_{n}"
            created = max(self._created(rng), dest["created_ts"] + 3_600_000)
            created = min(created, self.end_ms - 3_600_000)
            status = "PAUSED" if m % 4 == 2 else ("DRAFT" if m % 7 == 5 else "ACTIVE")
            last_run = None if status == "DRAFT" else self._in_history(rng, created)
            dtype, ddb, dschema = dest_ctx[dest["id"]]
            model_id = 2100 + 4 * m
            required = _req if candidates else [base]
            self._truth.append({
                "kind": "model", "via": f"hevo:model:{model_id}", "created": created, "source": None,
                "destination": dest["name"], "columns": set(),
                # the star template's columns are those the mappings show: checked by the tests separately
                "model_columns": self._model_column_truth(template, tables, dtype, ddb, dschema) if template else None,
                "upstream": None, "upstreams": {(_stored(ddb, dtype), _stored(dschema, dtype),
                                                 _stored(tables[b].split(".")[-1], dtype)) for b in required},
                "downstream": (_stored(ddb, dtype), _stored(dschema, dtype), _stored(output, dtype)),
            })
            self._models.append(
                {
                    "id": model_id,
                    "name": name,
                    "status": status,
                    "source_query": sql,
                    "output_table": output,
                    "load_type": "TRUNCATE_AND_LOAD" if m % 3 else "INCREMENTAL_LOAD",
                    "primary_keys": pks,
                    "last_run_ts": last_run,
                    "last_run_status": None if last_run is None else ("FAILED" if m % 5 == 4 else "SUCCESS"),
                    "destination": {
                        "id": dest["id"],
                        "name": dest["name"],
                        "type": dest["type"],
                        "config": dest["config"],
                    },
                    "source_destination_id": dest["id"],
                    "schedule": {"type": "FREQUENCY", "frequency": 60}
                    if m % 2 == 0
                    else {"type": "CRON", "cron_expression": "0 2 * * *"},
                    "created_ts": created,
                }
            )
        if self.documented:  # read fields of §3e only: destination.config, no last_run_status
            for k, model in enumerate(self._models):
                model.pop("last_run_status")
                model["destination"] = {"config": model["destination"]["config"]}
                if k % 5 == 3:  # nothing names its destination: its dialect and host are unknowable
                    model.pop("source_destination_id")
                    truth = next(t for t in self._truth if t["via"] == f"hevo:model:{model['id']}")
                    truth["unresolvable"] = True
        self._workflows: list[dict[str, Any]] = []
        for w in range(cfg.n_workflows):
            if not self._models:
                break
            chain = [self._models[(w * 2 + k) % len(self._models)] for k in range(min(3, len(self._models)))]
            nodes = []
            for k, model in enumerate(chain):
                nodes.append(
                    {
                        "node_id": f"n{k + 1}",
                        "type": "MODEL",
                        "model_id": model["id"],
                        "name": model["name"],
                        "depends_on": [f"n{k}"] if k else [],
                    }
                )
            created = max(self._created(rng), max(mo["created_ts"] for mo in chain) + 3_600_000)
            created = min(created, self.end_ms - 3_600_000)
            last = self._in_history(rng, created)
            self._workflows.append(
                {
                    "id": 700 + 3 * w,
                    "name": ["Nightly marts refresh", "Finance close", "Sales analytics"][w % 3]
                    + (f" {w + 1}" if w >= 3 else ""),
                    "status": "PAUSED" if w % 4 == 3 else "ACTIVE",
                    "last_run_status": ["SUCCESS", "FAILED", "RUNNING"][w % 3],
                    "last_run_ts": last,
                    "schedule": {"type": "CRON", "cron_expression": "0 1 * * *"},
                    "nodes": nodes,
                    "created_ts": created,
                }
            )

    @staticmethod
    def _model_column_truth(output: str, tables: dict[str, str], dtype: str, db: str,
                            schema: str) -> set[tuple[tuple[str | None, ...], str | None, str | None, str]]:
        """{((database, schema, table), column, output column, word)} of a template model, as stored."""
        out: set[tuple[tuple[str | None, ...], str | None, str | None, str]] = set()
        for column, (direct, indirect) in MODEL_COLUMN_TRUTH[output].items():
            rows = [(b, c, w) for b, c, w in direct] + [(b, c, "INDIRECT") for b, c in indirect]
            for base, source_column, word in rows:
                table = (_stored(db, dtype), _stored(schema, dtype), _stored(tables[base].split(".")[-1], dtype))
                out.add((table, _stored(source_column, dtype), _stored(column, dtype), word))
        return out

    # ---- Edge account --------------------------------------------------------------------------------

    def _build_edge(self, rng: random.Random) -> None:
        cfg = self.config
        dtypes = [
            ("SNOWFLAKE", "Snowflake", "snowflake"),
            ("BIGQUERY", "BigQuery", "bigquery"),
            ("SNOWFLAKE", "Snowflake", "snowflake"),
            ("REDSHIFT", "Redshift", "redshift"),
        ]
        self._destinations = []
        dest_ctx: dict[int, tuple[str, str, str, str, str]] = {}
        for i in range(cfg.n_destinations):
            dtype, title, connector = dtypes[i % len(dtypes)]
            config, db, schema = self._dest_config(dtype, i, rng, edge=True)
            did = 310 + 2 * i
            created = self._created(rng)
            self._destinations.append(
                {
                    "id": did,
                    "name": f"{title} {db.lower()}" + (f" {i + 1}" if i >= len(dtypes) else ""),
                    "type": dtype,
                    "config": config,
                    "status": "ACTIVE",
                    "created_at": iso_ms(created),
                    "updated_at": iso_ms(created + DAY_MS if created + DAY_MS < self.end_ms else created),
                    "_created": created,
                }
            )
            dest_ctx[did] = (dtype, title, connector, db, schema)
        self._pipelines = []
        self._objects = {}
        self._object_details: dict[int, dict[str, dict[str, Any]]] = {}
        self._runtime: dict[int, _PipelineRuntime] = {}
        for p in range(cfg.n_pipelines):
            stype, connector_id, schema = EDGE_SOURCES[p % len(EDGE_SOURCES)]
            dest = self._destinations[p % len(self._destinations)] if self._destinations else None
            pid = 1200 + 3 * p
            created = self._created(rng)
            if dest:
                created = min(max(created, dest["_created"] + 3_600_000), self.end_ms - 3_600_000)
            status = "ENABLED"
            if p % 6 == 2:
                status = "DISABLED"
            elif p % 6 == 5:
                status = "INITIALIZING"
            elif p % 10 == 7:
                status = "ENABLE_FAILED"
            if status == "INITIALIZING":  # documented: its first (historical) load is running
                created = max(created, self.end_ms - (9 if self.documented else 2) * 3_600_000)
            updated = self._in_history(rng, created) if created < self.end_ms - 120_000 else created
            prefix = "hevo_" if p % 2 == 0 else ""
            src_config = self._source_config(stype, p, rng)
            dtype, dtitle, dconn, ddb, dschema = (
                dest_ctx[dest["id"]]
                if dest
                else ("SNOWFLAKE", "Snowflake", "snowflake", "HEVO_RAW", "PUBLIC")
            )
            src_name = f"{stype} {['orders', 'shop', 'crm', 'billing', 'support'][p % 5]} {p + 1}"
            if self.documented and status == "DISABLED":
                updated = min(updated, max(created, self.end_ms - 3 * DAY_MS))  # not when it was disabled
            pipeline = {
                "id": pid,
                "name": f"{src_name} to {dtitle}",
                "status": status,
                "source": {
                    "name": src_name,
                    "connector_id": connector_id,
                    "source_type": stype,
                    "config": src_config,
                },
                "destination": {
                    "id": dest["id"],
                    "name": dest["name"],
                    "connector_id": dconn,
                    "destination_type": dtitle,
                    "status": "ACTIVE",
                }
                if dest
                else None,
                "destination_prefix": prefix,
                "replication_type": "INCREMENTAL_ONLY" if p % 5 == 4 else "HISTORICAL_AND_INCREMENTAL",
                "load_mode": "APPEND" if p % 4 == 3 else "MERGE",
                "schema_evolution": ["ALLOW_ALL", "BLOCK_ALL", "ALLOW_COLUMN_LEVEL"][p % 3],
                "schedule": {
                    "sync_type": "ON_DEMAND" if p % 9 == 8 else "SCHEDULED",
                    "frequency_minutes": max(1, 1440 // max(1, self._per_day)),
                },
                "failure_handling_policy": {"object_failure_level": "OBJECT", "object_failure_threshold": 10},
                "source_schema_status": {"status": "REFRESHED", "refreshed_ts": updated},
                "latency_alert": {"enabled": p % 2 == 1, "threshold_minutes": 120},
                "created_by_email": "data.eng@acme.example",
                "updated_by_email": ["data.eng@acme.example", "ops.bot@acme.example"][p % 2],
                "created_ts": created,
                "updated_ts": updated,
            }
            if self.profile == "documented-no-pipeline-name":
                pipeline.pop("name")
            self._pipelines.append(pipeline)
            objs, details = [], {}
            db = src_config.get("database")
            for j, (base, columns) in enumerate(self._objects_for_source(stype, p)):
                name, ns_schema, ns_db = _table_parts(stype, base, schema, db)
                oid = str(
                    uuid.UUID(
                        bytes=hashlib.blake2b(f"{cfg.seed}|obj|{pid}|{j}".encode(), digest_size=16).digest(),
                        version=4,
                    )
                )
                r = (p + j) % 10
                ostatus = {3: "INACCESSIBLE", 5: "BLOCKED", 7: "DISABLED", 9: "INACTIVE"}.get(r, "ACTIVE")
                ostatus = {11: "INCONSISTENT", 13: "RESETTING", 15: "DELETED"}.get((p + j) % 17, ostatus)
                if status == "INITIALIZING":
                    rstatus = "PENDING"
                else:
                    rstatus = {
                        "ACTIVE": "PENDING" if (p + j) % 8 == 1 else "REPLICATED",
                        "BLOCKED": "BLOCKED",
                        "INACCESSIBLE": "FAILED",
                        "DISABLED": "CANCELLED",
                        "INCONSISTENT": "INCONSISTENT",
                    }.get(ostatus, "PENDING")
                dest_table = (prefix + base).lower()
                field_rows = []
                for k, (col, cat, pk) in enumerate(columns):
                    src_cat = SF_CATEGORY.get(cat, cat)
                    fstatus = "ACTIVE"
                    if not pk and (p + j + k) % 7 == 3:
                        fstatus = "IGNORED"
                    elif not pk and (p + j + k) % 11 == 5:
                        fstatus = "EXCLUDED"
                    elif self.documented and not pk and (p + j + k) % 13 == 6:
                        fstatus = "DROPPED"
                    field_rows.append(
                        {
                            "source_name": col,
                            "source_type": cat
                            if stype == "Salesforce"
                            else SOURCE_TYPE_NAMES["POSTGRES" if stype == "PostgreSQL" else "MYSQL"][cat],
                            "destination_name": col.lower(),
                            "destination_type": DEST_TYPE_NAMES[dtype][src_cat],
                            "status": fstatus,
                            "primary_key": pk,
                        }
                    )
                k1 = None if self.documented and stype == "MySQL" else ns_schema  # MySQL: no schemas
                listed = {
                    "object_id": oid,
                    "source_namespace": {"k0": base, "k1": k1, "k2": ns_db},
                    # OFFICIAL (provider OpenLineage utils): destination table = destination_prefix + k0
                    "destination_namespace": {"k0": base.lower() if self.documented else dest_table,
                                              "k1": dschema, "k2": ddb},
                    "field_count": len(columns),
                    "status": ostatus,
                    "replication_status": rstatus,
                }
                objs.append(listed)
                details[oid] = dict(
                    listed,
                    object_name=name,
                    destination_table_name=dest_table,
                    load_mode=pipeline["load_mode"],
                    fields=field_rows,
                )
                if self.profile == "documented-no-table-name":
                    details[oid].pop("destination_table_name")
                if ostatus not in ("INACCESSIBLE", "DELETED") and dest:
                    self._truth.append({
                        "kind": "object", "via": f"hevo:pipeline_object:{oid}", "created": created,
                        "source": src_name, "destination": dest["name"],
                        "upstream": _source_truth(stype, base, schema, db),
                        "downstream": (_stored(ddb, dtype), _stored(dschema, dtype), _stored(dest_table, dtype)),
                        "columns": {(_stored(f["source_name"], stype), _stored(f["destination_name"], dtype))
                                    for f in field_rows if f["status"] == LOADED_FIELD_STATUS},
                    })
            self._objects[pid] = objs
            self._object_details[pid] = details
            jobs_until = (
                self.end_ms
                if status == "ENABLED" or self.documented
                else (updated if status in ("DISABLED", "ENABLE_FAILED") else created)
            )
            last_state = (
                ("IN_PROGRESS" if p % 4 == 0 else "CANCELLING" if p % 4 == 1 else None)
                if status == "ENABLED"
                else None
            )
            if self.documented and status == "DISABLED":
                last_state = "FAILED"  # the run that failed before someone disabled the pipeline
            self._runtime[pid] = _PipelineRuntime(
                index=p,
                id=pid,
                created_ms=created,
                jobs_until_ms=jobs_until,
                has_jobs=self._per_day > 0 and (status != "INITIALIZING" or self.documented),
                events_base=int(10 ** (2 + 3 * unit_floats(cfg.seed, "events", pid)[0])),
                n_objects=len(objs),
                last_state=last_state,
            )
        for d in self._destinations:
            d.pop("_created")

    # ---- Edge jobs (lazy) -----------------------------------------------------------------------------

    def _uuid_mask(self, salt: bytes) -> bytes:
        return hashlib.blake2b(self._mask + salt, digest_size=8).digest()

    def _job_uuid(self, pid: int, day: int, i: int) -> str:
        """A random-looking UUID v4 that encodes (pipeline, day, slot), so job lookups need no state."""
        h = hashlib.blake2b(f"{self.config.seed}|job|{pid}|{day}|{i}".encode(), digest_size=8).digest()
        mask = self._uuid_mask(h[0:4])
        payload = bytes(a ^ b for a, b in zip(struct.pack(">IHH", pid, day & 0xFFFF, i), mask, strict=True))
        raw = (
            h[0:4]
            + payload[0:2]
            + bytes([0x40 | (h[4] & 0x0F), h[5], 0x80 | (h[6] & 0x3F), h[7]])
            + payload[2:8]
        )
        return str(uuid.UUID(bytes=raw))

    def _decode_job_uuid(self, text: str) -> tuple[int, int, int] | None:
        try:
            normalised = str(uuid.UUID(text))
        except ValueError:
            return None
        raw = uuid.UUID(normalised).bytes
        mask = self._uuid_mask(raw[0:4])
        payload = bytes(a ^ b for a, b in zip(raw[4:6] + raw[10:16], mask, strict=True))
        pid, day, i = struct.unpack(">IHH", payload)
        return (pid, day, i) if self._job_uuid(pid, day, i) == normalised else None

    def _job_window(self, rt: _PipelineRuntime, lo: int | None, hi: int | None) -> tuple[int, int]:
        return self._clip_window(rt.created_ms, rt.jobs_until_ms, lo, hi)

    def _make_job(self, rt: _PipelineRuntime, day: int, i: int) -> tuple[int, dict[str, Any]]:
        u = self._slot_floats(rt.id, day, i)
        created = self._slot_time(day, i, u[0])
        duration = int(20_000 + u[1] * max(0.0, min(0.5 * self._slot_ms - 20_000, 2_400_000)))
        end = self.end_ms
        first_day = rt.created_ms // DAY_MS
        if (
            day == first_day
            and self._slot_start(rt.id, day, i) >= rt.created_ms
            and all(self._slot_start(rt.id, day, k) < rt.created_ms for k in range(i))
        ):
            jtype = "HISTORICAL"
        elif self._per_day >= 3 and i == 2 and (rt.index + day) % 2 == 0:
            jtype = _RARE_JOB_TYPES[(rt.index + day // 2) % len(_RARE_JOB_TYPES)]
        else:
            r = u[2]
            jtype = weighted_choice(r, _JOB_TYPE_WEIGHTS)
        if self._per_day >= 2 and i == 1 and (rt.index + day) % 2 == 0:
            status = _RARE_JOB_STATUSES[(rt.index + day // 2) % len(_RARE_JOB_STATUSES)]
        else:
            r = u[3]
            status = weighted_choice(r, _JOB_STATUS_WEIGHTS)
        running = False
        if created + duration > end:
            running, status = True, "IN_PROGRESS"
        elif (
            rt.last_state
            and rt.jobs_until_ms - created <= 1.3 * self._slot_ms
            and self._is_last_slot(rt.id, day, i, rt.jobs_until_ms)
        ):
            running, status = rt.last_state != "FAILED", rt.last_state
        ingested = max(
            1,
            int(
                rt.events_base
                * (0.5 + u[4])
                * (20 if jtype in ("HISTORICAL", "RESYNC", "RESYNC_WITH_DROP_AND_LOAD") else 1)
            ),
        )
        loaded, failed = ingested, 0
        n = rt.n_objects
        ok_objs, queued, skipped, failed_objs = n, 0, 0, 0
        if status == "COMPLETED_WITH_FAILURES":
            failed = max(1, int(ingested * 0.01 * u[5]))
            loaded = ingested - failed
            failed_objs = min(n, 1)
            ok_objs = n - failed_objs
        elif status == "FAILED":
            loaded = int(ingested * u[5] * 0.5)
            failed = ingested - loaded
            failed_objs = max(1, n // 2)
            ok_objs = n - failed_objs
        elif status in ("CANCELLED", "CANCELLING"):
            loaded = int(ingested * u[5])
            skipped = n // 2
            ok_objs = n - skipped
        elif status == "SKIPPED":
            ingested = loaded = 0
            ok_objs, skipped = 0, n
        elif status == "DEFERRED":
            loaded = 0
            ok_objs, queued = 0, n
        elif status == "DEFERRED_WITH_FAILURES":
            failed = max(1, int(ingested * 0.02 * u[5]))
            loaded = 0
            ok_objs, queued, failed_objs = 0, max(0, n - 1), min(n, 1)
        elif status == "IN_PROGRESS":
            loaded = int(ingested * u[5])
            ok_objs = int(n * u[5])
            queued = n - ok_objs
        if running:
            updated = min(end - int(u[6] * 60_000), created + duration)
            updated = max(updated, created)
            dur = updated - created
        else:
            updated = created + duration
            dur = duration
        min_lat = int(500 + u[7] * 5_000)
        max_lat = min_lat + int(u[8] * 600_000)
        job = {
            "job_id": self._job_uuid(rt.id, day, i),
            "type": jtype,
            "status": status,
            "created_ts": created,
            "updated_ts": updated,
            "events_ingested": ingested,
            "events_loaded": loaded,
            "events_failed": failed,
            "objects_success": ok_objs,
            "objects_queued": queued,
            "objects_skipped": skipped,
            "objects_failed": failed_objs,
            "duration": dur,
            "min_latency": min_lat,
            "max_latency": max_lat,
            "mean_latency": min_lat + int((max_lat - min_lat) * (0.2 + 0.3 * u[9])),
        }
        return created, job

    def _jobs_desc(
        self, rt: _PipelineRuntime, lo: int, hi: int, before: tuple[int, int] | None = None
    ) -> Iterator[tuple[tuple[int, int], dict[str, Any]]]:
        """Jobs with created_ts in [lo, hi), newest first, strictly older than slot ``before``."""
        if not rt.has_jobs:
            return
        for day, i in self._slots_desc(rt.id, lo, hi, before):
            yield (day, i), self._make_job(rt, day, i)[1]

    # ---- HTTP ----------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Host root: the client appends ``/api/public/v2.0`` or ``/api/v1``."""
        return self.root_url

    @property
    def api_url(self) -> str:
        return self.root_url + self.api_path

    def _route_table(self) -> list[tuple[str, str, Callable[..., Response]]]:
        if self.config.flavour == "standard":
            s = STANDARD_PREFIX
            return [
                ("GET", f"{s}/pipelines", self._std_pipelines),
                ("GET", f"{s}/pipelines/{{id}}", self._std_pipeline),
                ("GET", f"{s}/pipelines/{{id}}/objects", self._std_objects),
                ("GET", f"{s}/pipelines/{{id}}/objects/{{name}}", self._std_object),
                ("GET", f"{s}/pipelines/{{id}}/event-types", self._std_event_types),
                ("GET", f"{s}/pipelines/{{id}}/mappings/{{event_type}}", self._std_mapping),
                ("GET", f"{s}/pipelines/{{id}}/transformations", self._std_transformations),
                ("GET", f"{s}/destinations", lambda r: self._std_list(r, self._destinations)),
                (
                    "GET",
                    f"{s}/destinations/{{id}}",
                    lambda r, x: self._std_single(r, self._find(self._destinations, x)),
                ),
                ("GET", f"{s}/models", lambda r: self._std_list(r, self._models)),
                ("GET", f"{s}/models/{{id}}", lambda r, x: self._std_single(r, self._find(self._models, x))),
                ("GET", f"{s}/workflows", lambda r: self._std_list(r, self._workflows)),
                (
                    "GET",
                    f"{s}/workflows/{{id}}",
                    lambda r, x: self._std_single(r, self._find(self._workflows, x)),
                ),
            ]
        e = EDGE_PREFIX
        return [
            ("GET", f"{e}/pipelines", lambda r: self._edge_list(r, self._pipelines)),
            (
                "GET",
                f"{e}/pipelines/{{id}}",
                lambda r, x: self._edge_single(r, self._find(self._pipelines, x)),
            ),
            ("GET", f"{e}/pipelines/{{id}}/objects", self._edge_objects),
            ("GET", f"{e}/pipelines/{{id}}/objects/{{object_id}}", self._edge_object),
            ("GET", f"{e}/pipelines/{{id}}/jobs", self._edge_jobs),
            ("GET", f"{e}/pipelines/{{id}}/jobs/{{job_id}}", self._edge_job),
            ("GET", f"{e}/destinations", self._edge_destinations),
            (
                "GET",
                f"{e}/destinations/{{id}}",
                lambda r, x: self._edge_single(
                    r, None if self.profile == "documented-no-destinations" else self._find(self._destinations, x)
                ),
            ),
        ]

    def _template_name(self, template: str) -> str:
        rel = template[len(self.api_path) :] if template.startswith(self.api_path) else template
        return (
            rel.replace("{name}", "{id}")
            .replace("{event_type}", "{id}")
            .replace("{object_id}", "{id}")
            .replace("{job_id}", "{id}")
        )

    def _authenticate(self, req: Request) -> tuple[str | None, Response | None]:
        unauthorized = json_response(
            401, {"error_code": "UNAUTHORIZED", "message": "The API key and secret is not valid"}
        )
        header = req.headers.get("Authorization") or ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None, unauthorized
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None, unauthorized
        key, sep, secret = decoded.partition(":")
        if not sep or key != self.config.api_key or secret != self.config.api_secret:
            return None, unauthorized
        return key, None

    def _rate_limited(self) -> Response:
        return json_response(
            429, {"error_code": "RATE_LIMIT_EXCEEDED", "message": "Request rate limit exceeded"}
        )

    def _not_found(self, req: Request) -> Response:
        if not req.path.startswith(self.api_path + "/") and req.path != self.api_path:
            other = EDGE_PREFIX if self.flavour == "standard" else STANDARD_PREFIX
            if req.path.startswith(other):
                return json_response(
                    404, {"error_code": "NOT_FOUND", "message": f"No API found at {req.path}"}
                )
        return json_response(
            404, {"error_code": "NOT_FOUND", "message": "The requested resource was not found"}
        )

    def _server_error(self, status: int) -> Response:
        if status == 500:
            return json_response(
                500,
                {
                    "error_code": "INTERNAL_SERVER_ERROR",
                    "message": "Something went wrong on our side. Please try again later.",
                },
            )
        return super()._server_error(status)

    @staticmethod
    def _bad_request(message: str) -> HTTPError:
        return HTTPError(json_response(400, {"error_code": "BAD_REQUEST", "message": message}))

    def _limit(self, req: Request) -> int:
        raw = req.arg("limit")
        if raw is None or raw == "":
            return self.config.default_limit
        try:
            limit = int(raw)
        except ValueError:
            raise self._bad_request(f"Invalid value for limit: {raw}") from None
        if not 1 <= limit <= self.config.max_limit:
            raise self._bad_request(f"limit must be between 1 and {self.config.max_limit}")
        return limit

    def _find(self, items: list[dict[str, Any]], raw: str) -> dict[str, Any] | None:
        try:
            wanted = int(raw)
        except ValueError:
            return None
        return next((x for x in items if x["id"] == wanted), None)

    def _pipeline_or_404(self, req: Request, raw: str) -> dict[str, Any]:
        pipeline = self._find(self._pipelines, raw)
        if pipeline is None:
            raise HTTPError(self._not_found(req))
        return pipeline

    def _empty(self, body: dict[str, Any]) -> Response:
        if self.config.empty_lists_as_204 and not body["data"]:
            return Response(204, b"", content_type="application/json; charset=utf-8")
        return json_response(200, body)

    # Standard handlers

    def _std_list(self, req: Request, items: list[dict[str, Any]], scope: str = "") -> Response:
        limit = self._limit(req)
        start = 0
        token = req.arg("starting_after")
        if token:
            cursor = decode_cursor(token)
            if cursor is None or not isinstance(cursor.get("i"), int) or cursor.get("s", "") != scope:
                raise self._bad_request("Invalid value for starting_after")
            start = cursor["i"] + 1
        indexed = [(i, x) for i, x in enumerate(items)]
        status_filter = req.arg("status")
        if status_filter:
            indexed = [(i, x) for i, x in indexed if x.get("status") == status_filter]
        statuses = req.arg("statuses")
        if statuses:
            wanted = {s.strip() for s in statuses.split(",")}
            indexed = [(i, x) for i, x in indexed if x.get("status") in wanted]
        remaining = [(i, x) for i, x in indexed if i >= start]
        page = remaining[:limit]
        body: dict[str, Any] = {"data": [self._served(x) for _, x in page]}
        if len(remaining) > limit:
            body["pagination"] = {
                "starting_after": encode_cursor({"s": scope, "i": page[-1][0]}),
                "count": len(page),
            }
        return self._empty(body)

    def _std_single(self, req: Request, obj: dict[str, Any] | None) -> Response:
        if obj is None:
            return self._not_found(req)
        obj = self._served(obj)
        wrap = self.config.wrap_single_objects and self.profile != "documented-unwrapped"
        return json_response(200, {"data": obj} if wrap else obj)

    def _served(self, obj: Any) -> Any:
        """The object as this profile serves it: ids as strings, or timestamps as ISO 8601 (UNCONFIRMED
        alternatives); the stored object (and the ground truth) keeps numbers."""
        if self.profile == "documented-string-ids":
            return _convert(obj, lambda k, v: str(v) if k in _ID_KEYS and isinstance(v, int) else v)
        if self.profile == "documented-iso-timestamps":
            return _convert(obj, lambda k, v: iso_ms(v) if k.endswith("_ts") and isinstance(v, int) else v)
        return obj

    def _std_pipelines(self, req: Request) -> Response:
        return self._std_list(req, self._pipelines, "pipelines")

    def _std_pipeline(self, req: Request, raw: str) -> Response:
        return self._std_single(req, self._pipeline_or_404(req, raw))

    def _std_objects(self, req: Request, raw: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._std_list(req, self._objects[pipeline["id"]], f"objects:{pipeline['id']}")

    def _std_object(self, req: Request, raw: str, name: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._std_single(
            req, next((o for o in self._objects[pipeline["id"]] if o["name"] == name), None)
        )

    def _std_event_types(self, req: Request, raw: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._std_list(req, self._event_types[pipeline["id"]], f"event-types:{pipeline['id']}")

    def _std_mapping(self, req: Request, raw: str, event_type: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._std_single(req, self._mappings[pipeline["id"]].get(event_type))

    def _std_transformations(self, req: Request, raw: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._std_single(req, self._transformations[pipeline["id"]])

    # Edge handlers

    def _edge_page(self, req: Request) -> tuple[int, dict[str, Any] | None]:
        if self.profile == "documented-strict-params":
            unknown = sorted(set(req.query) - {"limit", "cursor"})
            if unknown:
                raise self._bad_request(f"Unknown query parameter(s): {', '.join(unknown)}")
        limit = self._limit(req)
        token = req.arg("cursor")
        if not token:
            return limit, None
        cursor = decode_cursor(token)
        if cursor is None:
            raise self._bad_request("Invalid cursor")
        return limit, cursor

    def _edge_list(self, req: Request, items: list[dict[str, Any]]) -> Response:
        limit, cursor = self._edge_page(req)
        offset = 0
        if cursor is not None:
            if not isinstance(cursor.get("o"), int):
                raise self._bad_request("Invalid cursor")
            offset = cursor["o"]
        page = items[offset : offset + limit]
        has_more = offset + len(page) < len(items)
        return self._empty(
            {
                "data": page,
                "has_more": has_more,
                "next_cursor": encode_cursor({"o": offset + len(page)}) if has_more else None,
            }
        )

    def _edge_destinations(self, req: Request) -> Response:
        if self.profile == "documented-no-destinations":  # fixture-only endpoint (UNCONFIRMED)
            return self._not_found(req)
        return self._edge_list(req, self._destinations)

    def _edge_single(self, req: Request, obj: dict[str, Any] | None) -> Response:
        return json_response(200, obj) if obj is not None else self._not_found(req)

    def _edge_objects(self, req: Request, raw: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._edge_list(req, self._objects[pipeline["id"]])

    def _edge_object(self, req: Request, raw: str, object_id: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        return self._edge_single(req, self._object_details[pipeline["id"]].get(object_id))

    def _time_filter(self, req: Request, name: str) -> int | None:
        """kada: epoch ms or ISO 8601. documented: ignored (no filter is documented). seconds-filters: read
        as epoch seconds, so a client sending ms asks for a time far in the future."""
        raw = req.arg(name)
        if raw is None or raw == "" or self.profile not in ("kada", "documented-seconds-filters"):
            return None
        if self.profile == "documented-seconds-filters":
            if not raw.isdigit():
                raise self._bad_request(f"Invalid value for {name}: expected epoch seconds")
            return int(raw) * 1000
        if raw.isdigit():
            return int(raw)
        value = parse_iso(raw)
        if value is None:
            raise self._bad_request(f"Invalid value for {name}: expected epoch milliseconds or ISO 8601")
        return value

    def _edge_jobs(self, req: Request, raw: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        rt = self._runtime[pipeline["id"]]
        limit, cursor = self._edge_page(req)
        after, before = self._time_filter(req, "created_after"), self._time_filter(req, "created_before")
        if self.profile in ("documented-jobs-oldest-first", "documented-jobs-unordered"):
            return self._edge_jobs_reordered(rt, limit, cursor, *self._job_window(rt, None, None))
        position: tuple[int, int] | None = None
        if cursor is not None:
            try:
                position = (int(cursor["d"]), int(cursor["i"]))
                if cursor.get("p") != rt.id:
                    raise ValueError
            except (KeyError, TypeError, ValueError):
                raise self._bad_request("Invalid cursor") from None
            after = after if after is not None else cursor.get("lo")
            before = before if before is not None else cursor.get("hi")
        lo, hi = self._job_window(rt, after, before)
        page: list[dict[str, Any]] = []
        last_key: tuple[int, int] | None = None
        has_more = False
        for key, job in self._jobs_desc(rt, lo, hi, position):
            if len(page) == limit:
                has_more = True
                break
            page.append(job)
            last_key = key
        next_cursor = (
            encode_cursor({"p": rt.id, "d": last_key[0], "i": last_key[1], "lo": after, "hi": before})
            if has_more and last_key
            else None
        )
        return self._empty({"data": page, "has_more": has_more, "next_cursor": next_cursor})

    def _edge_jobs_reordered(
        self, rt: _PipelineRuntime, limit: int, cursor: dict[str, Any] | None, lo: int, hi: int
    ) -> Response:
        """Jobs oldest first, or in a fixed shuffled order: the reference documents no order for /jobs."""
        jobs = [job for _, job in self._jobs_desc(rt, lo, hi)][::-1]
        if self.profile == "documented-jobs-unordered":
            random.Random(stable_int(self.config.seed, "unordered", rt.id)).shuffle(jobs)
        offset = 0
        if cursor is not None:
            if cursor.get("p") != rt.id or not isinstance(cursor.get("o"), int):
                raise self._bad_request("Invalid cursor")
            offset = cursor["o"]
        page = jobs[offset : offset + limit]
        has_more = offset + len(page) < len(jobs)
        next_cursor = encode_cursor({"p": rt.id, "o": offset + len(page)}) if has_more else None
        return self._empty({"data": page, "has_more": has_more, "next_cursor": next_cursor})

    def _edge_job(self, req: Request, raw: str, job_id: str) -> Response:
        pipeline = self._pipeline_or_404(req, raw)
        rt = self._runtime[pipeline["id"]]
        decoded = self._decode_job_uuid(job_id)
        if decoded is None or decoded[0] != rt.id or not rt.has_jobs:
            return self._not_found(req)
        _, day, i = decoded
        lo, hi = self._job_window(rt, None, None)
        created, job = self._make_job(rt, day, i)
        return json_response(200, job) if lo <= created < hi and i < self._per_day else self._not_found(req)

    def describe(self) -> str:
        cfg = self.config
        return (
            f"flavour={cfg.flavour} api={self.api_path} key={cfg.api_key!r} secret={cfg.api_secret!r} "
            f"pipelines={len(self._pipelines)} {self._history_text()}"
        )

    # ---- ground truth for tests ------------------------------------------------------------------------

    def pipelines(self) -> list[dict[str, Any]]:
        """Every pipeline as served (list shape), ordered as served."""
        return copy.deepcopy(self._pipelines)

    def objects_for(self, pipeline_id: int) -> list[dict[str, Any]]:
        """A pipeline's objects in list shape (Standard or Edge)."""
        return copy.deepcopy(self._objects[int(pipeline_id)])

    def object_details_for(self, pipeline_id: int) -> list[dict[str, Any]]:
        """Edge only: object detail records (with ``fields``)."""
        return copy.deepcopy(list(self._object_details[int(pipeline_id)].values()))

    def event_types_for(self, pipeline_id: int) -> list[dict[str, Any]]:
        return copy.deepcopy(self._event_types[int(pipeline_id)])

    def mapping_for(self, pipeline_id: int, event_type: str) -> dict[str, Any] | None:
        """Standard only: the schema mapping for an event type (None where the API 404s)."""
        mapping = self._mappings[int(pipeline_id)].get(event_type)
        return copy.deepcopy(mapping)

    def transformation_for(self, pipeline_id: int) -> dict[str, Any]:
        return copy.deepcopy(self._transformations[int(pipeline_id)])

    def destinations(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._destinations)

    def models(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._models) if self.flavour == "standard" else []

    def workflows(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._workflows) if self.flavour == "standard" else []

    def truth_lineage(self) -> list[dict[str, Any]]:
        """Ground truth of this account's lineage, from the generator (not from any served payload): one
        entry per object that loads data (``kind`` object), transformation output (``derived``) or model
        (``model``), with ``via`` (the object id the collector writes), the ``source`` / ``destination``
        names a user keys ``mapping`` by, ``upstream`` / ``upstreams`` and ``downstream`` as (database,
        schema, table) as the warehouse stores them, ``columns`` {(source column, destination column)}
        and ``created`` (epoch ms). ``unresolvable`` marks lineage the served payload cannot give (a
        documented model whose destination nothing names)."""
        return copy.deepcopy(self._truth)

    def truth_last_runs(self, start: datetime, end: datetime) -> dict[str, str]:
        """Standard: event id → contract status of every latest run in [start, end), as the public record
        allows: the served ``last_run_status`` where this profile serves one, else UNKNOWN."""
        lo, hi = as_ms(start), as_ms(end)
        outcome = {"SUCCESS": "SUCCESS", "FAILED": "FAILED", "RUNNING": "RUNNING"}
        out: dict[str, str] = {}
        for p in self._pipelines:
            for o in self._objects[p["id"]]:
                if o["last_run_ts"] is not None and lo <= o["last_run_ts"] < hi:
                    out[f"hevo:object_last_run:{p['id']}:{o['name']}:{o['last_run_ts']}"] = "UNKNOWN"
        for kind, records in (("model", self._models), ("workflow", self._workflows)):
            for r in records:
                if r["last_run_ts"] is not None and lo <= r["last_run_ts"] < hi:
                    status = outcome.get(r.get("last_run_status") or "", "UNKNOWN")
                    out[f"hevo:{kind}_last_run:{r['id']}:{r['last_run_ts']}"] = status
        return out

    def jobs_for(
        self,
        pipeline_id: int,
        start: datetime | str | int | None = None,
        end: datetime | str | int | None = None,
    ) -> list[dict[str, Any]]:
        """Edge only: jobs with created_ts in [start, end), newest first, as served."""
        rt = self._runtime[int(pipeline_id)]
        lo, hi = self._job_window(rt, as_ms(start), as_ms(end))
        return [job for _, job in self._jobs_desc(rt, lo, hi)]


def main(argv: list[str] | None = None) -> int:
    """``python -m kada_sim.hevo --flavour standard --port 8766 ...``"""
    return run_cli(
        HevoSimulator,
        HevoSimConfig,
        argv,
        "kada_sim.hevo",
        "Hevo public API simulator (standard or edge flavour)",
    )


if __name__ == "__main__":
    sys.exit(main())
