"""Hightouch REST API v1 simulator (reference: /work/shared/reference/hightouch-api.md, 1.2-1.8).

Documented behaviour modelled
- Base URL ``http://127.0.0.1:<port>/api/v1``; ``Authorization: Bearer <token>``. Missing header ->
  401 ``{"message":"Authentication error","details":"No authorization header found"}``; wrong token or
  scheme -> 401 with ``"details":"Token is invalid"``.
- GET /sources, /models, /destinations, /syncs (+ ``/{id}``) and /syncs/{id}/runs. ``limit`` (default
  100, capped at ``max_limit``), ``offset`` (default 0), ``orderBy`` per endpoint enum (anything else ->
  422 ``{"message":"Validation failed","details":{...}}``, tsoa style), ``name``/``slug`` filters,
  ``tags=k:v`` (repeatable, all must match) on /models, ``slug``/``modelId``/``after``/``before`` on /syncs
  (``after``/``before`` filter on ``lastRunAt``), ``runId``/``after``/``before``/``within`` on runs
  (filter on ``startedAt``). List body ``{"data": [...], "hasMore": bool}``; ``hasMore`` is omitted on the
  endpoints in ``omit_has_more_on`` (default sources/models/destinations, where the spec does not
  require it). Unknown ids -> 404 ``{"message":"Not found"}``; non-numeric path ids -> 422.
- Object shapes of section 1.3: numeric ids (strings with ``string_ids``, SPEC22 style), millisecond
  ``Z`` timestamps, every model ``queryType`` (raw_sql, table, dbt, visual -> ``isSchema`` parent,
  custom), ``lastRunSize``/``primaryKey``/``schedule``/``lastRunAt`` null where the spec allows,
  ``model.syncs``/``destination.syncs`` consistent with the syncs, secrets in configuration blobs
  (all contain ``SIMSECRET``).
- Sync runs are generated lazily and deterministically from (seed, sync id, day, slot): nothing is
  materialised, so 2,000 syncs x 20 runs/day x 30 days costs no memory. ``createdAt <= startedAt``;
  ``finishedAt`` null and status querying/processing/reporting/queued for runs in progress at ``end``;
  ``error`` null except on failed/interrupted runs.
- Rate limit per token when ``rate_limit`` is set (the documented one is ``(200, 10.0)``; default off):
  429 ``{"error": "Too many requests"}`` with no Retry-After (or any rate-limit) header; 500 body is the
  JSON string ``"Internal Server Error"``; 502/503 are load-balancer HTML pages.

Choices made where the reference is UNCONFIRMED
- ``after`` is inclusive and ``before`` exclusive (runs: on ``startedAt``; syncs: on ``lastRunAt``).
  ``within`` counts minutes back from the simulator's ``end`` ("now" of the simulated history).
- Ordering is ascending. Run ids grow with ``startedAt`` and runs never overlap within a sync, so all
  four run ``orderBy`` values give the same order (a running run's null ``finishedAt`` sorts last).
  ``orderBy=name`` on /syncs sorts by ``slug`` (syncs have no name).
- Run ids are unique across the workspace and increase with time; there is no ``syncId`` on a run.
- Schedule ``type`` strings for cron and visual schedules are ``"cron"`` and ``"visual"``.
- ``table.name`` is either bare (``customers``) or schema-qualified (``analytics.customers``).
- A queued run has ``startedAt == createdAt`` (the spec requires ``startedAt``) and null ``finishedAt``.
- Disabled syncs and never-run syncs have no runs in the held history (``lastRunAt: null``); other
  syncs have ``runs_per_sync_per_day`` runs per UTC day from their creation (so a workspace holds a
  little less than syncs x runs/day x days). ``lastRunAt`` is the ``startedAt`` of the latest run.
- The simulated "now" is ``end`` (default: the current time floored to the minute; pass it for
  byte-identical runs). History is ``[end - days, end)``; runs in progress at ``end`` are reported as
  such. About 12% of objects are created inside the history window.
- 404 body ``{"message": "Not found"}`` (schema unspecified); non-GET methods get 404 too.
- ``lastRunSize`` is the ``querySize`` of the newest ``success`` run of any of the model's syncs within
  the held history, else null.

Profiles (``SimOptions.profile``, see ``PROFILES``): every profile serves the same workspace (same ids,
runs and statuses); they differ in what the public record leaves open.
- ``kada``: our own richest assumptions, unchanged (unique destination names, every sync names its object).
- ``documented``: only fields the reference marks OFFICIAL or 3P, in their documented shapes. Destination
  names are not made unique (two "Salesforce Production" destinations of the same type), destination
  configurations are free-form vendor-style blobs, some with misleading host-ish keys (Braze ``endpoint``
  URL, Mixpanel ``projectId``); webhook syncs name no destination object; some syncs map no columns; one
  dbt model is a dbt Cloud model (a ``dbt_cloud`` object without database/schema, queryType ``dbt``: the
  string is UNCONFIRMED); table models start on the first (Snowflake) source, so one table is named by a
  table model (bare, lower case) and by SQL (qualified, upper or lower case). Sync mappings are the SPEC26 GetSync shape. ``hasMore`` only where required.
  Every filter the client sends (``orderBy``, ``limit``/``offset``, runs ``after``/``before``) is OFFICIAL
  (SPEC26), so none is ignored.
- ``documented-string-ids``: SPEC22 string ids.
- ``documented-page-cap``: the server caps ``limit`` at ``PAGE_CAP`` (below 100) and omits ``hasMore`` on
  every list (the maximum page size is undocumented).
- ``documented-last-finished``: ``lastRunAt`` is the finish of the latest *finished* run (null if none)
  and ``status`` that run's status, so a running or queued run started after both say.
- ``documented-no-last-run-at``: syncs have no ``lastRunAt`` key.
- ``documented-datahub-mappings``: sync column mappings in the older shapes DataHub reads
  (``fieldMappings[{sourceField, destinationField}]``, ``columnMappings{dest: source}``, ``columns[{from,
  to}]``, ``mappings`` entries without ``type``) plus non-column ``static``/``template`` entries.
- ``documented-sparse-runs``: queued runs have ``startedAt: null`` (the ``after``/``before`` filters then
  use their ``createdAt``), running runs have no ``finishedAt`` key and a ``failedRows`` with only
  ``addedCount``.
- ``documented-dbt-cloud-type``: the dbt Cloud model's queryType is ``dbt_cloud``.
- ``documented-opaque-filter``: visual models' ``filter`` (OFFICIAL ``any``) in a shape other than the
  ``{"type": "property", "property": <column>}`` conditions the others use (that shape is UNCONFIRMED).
"""

from __future__ import annotations

import copy
import random
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
    int_arg,
    iso_ms,
    json_response,
    parse_iso,
    run_cli,
    stable_int,
    unit_floats,
    weighted_choice,
)
from kada_sim.story import CONTACT_MAPPINGS, hightouch_story
from kada_sim.story import SNOWFLAKE_HOST as STORY_SNOWFLAKE_HOST

API_PREFIX = "/api/v1"
SYNC_RUN_STATUSES = (
    "cancelled",
    "failed",
    "queued",
    "success",
    "warning",
    "querying",
    "processing",
    "reporting",
    "interrupted",
)
SYNC_STATUSES = ("disabled", "pending", *SYNC_RUN_STATUSES)
OBJECT_ORDER_BY = ("id", "name", "slug", "createdAt", "updatedAt")
RUN_ORDER_BY = ("id", "createdAt", "startedAt", "finishedAt")
LIST_ENDPOINTS = ("sources", "models", "destinations", "syncs")
PROFILES = (
    "kada",
    "documented",
    "documented-string-ids",
    "documented-page-cap",
    "documented-last-finished",
    "documented-no-last-run-at",
    "documented-datahub-mappings",
    "documented-sparse-runs",
    "documented-dbt-cloud-type",
    "documented-opaque-filter",
)
PAGE_CAP = 25  # documented-page-cap: the server's own page size limit
# SyncRunStatus -> contract event status (the simulator's ground truth for tests)
EVENT_STATUS = {
    "success": "SUCCESS",
    "warning": "WARNING",
    "failed": "FAILED",
    "interrupted": "FAILED",
    "cancelled": "CANCELLED",
    "queued": "QUEUED",
    "querying": "RUNNING",
    "processing": "RUNNING",
    "reporting": "RUNNING",
}

_DAY0 = 16436  # 2015-01-01 in days since the epoch: origin of run ids
_RUN_ID_BASE = 100_000_000
_RARE_RUN_STATUSES = ("warning", "failed", "cancelled", "interrupted")
_RUN_STATUS_WEIGHTS = (
    (0.88, "success"),
    (0.94, "warning"),
    (0.975, "failed"),
    (0.988, "cancelled"),
    (1.0, "interrupted"),
)


@dataclass
class HightouchSimConfig(SimOptions):
    """Workspace shape and behaviour switches. ``end`` None means 'now, floored to the minute'."""

    token: str = "sim-hightouch-token"
    workspace_id: int = 4821
    n_sources: int = 5
    n_models: int = 14
    n_destinations: int = 7
    n_syncs: int = 18
    runs_per_sync_per_day: int = 4
    days: int = 7
    end: datetime | None = None
    omit_has_more_on: frozenset[str] = frozenset({"sources", "models", "destinations"})
    max_limit: int = 100
    string_ids: bool = False
    dangling_references: bool = False
    story: bool = False
    """Add the cross-tool story of ``kada_sim.story`` (a model reading the mart a Hevo model builds)."""


# --------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------

TABLE_COLUMNS: dict[str, list[str]] = {
    "customers": [
        "id",
        "email",
        "first_name",
        "last_name",
        "country_code",
        "lifetime_value",
        "created_at",
        "updated_at",
    ],
    "orders": ["id", "customer_id", "status", "total_amount", "currency", "created_at"],
    "order_items": ["id", "order_id", "product_id", "quantity", "unit_price"],
    "accounts": ["id", "name", "domain", "industry", "tier", "owner_email", "created_at"],
    "subscriptions": ["id", "account_id", "plan", "seats", "mrr", "status", "started_at", "cancelled_at"],
    "users": ["id", "account_id", "email", "role", "last_seen_at", "created_at"],
    "leads": ["id", "email", "company", "score", "region", "created_at"],
    "events": ["id", "user_id", "event_name", "occurred_at", "properties"],
}

# (name, grain table, output columns, primary key, SQL with {table} placeholders)
RAW_SQL_TEMPLATES: list[tuple[str, str, list[str], str, str]] = [
    (
        "High-value customers",
        "customers",
        ["id", "email", "first_name", "last_name", "country_code", "revenue_90d", "order_count"],
        "id",
        """WITH recent_orders AS (
    SELECT o.customer_id,
           SUM(o.total_amount) AS revenue_90d,
           COUNT(*) AS order_count
    FROM {orders} o
    WHERE o.created_at >= '2026-08-01'
      AND o.status NOT IN ('cancelled', 'refunded')
    GROUP BY o.customer_id
)
SELECT c.id, c.email, c.first_name, c.last_name, c.country_code,
       COALESCE(r.revenue_90d, 0) AS revenue_90d, r.order_count
FROM {customers} c
LEFT JOIN recent_orders r ON r.customer_id = c.id
WHERE c.country_code IN ('AU', 'NZ', 'SG')
  AND c.lifetime_value > 250.50""",
    ),
    (
        "Active enterprise accounts",
        "accounts",
        ["account_id", "name", "domain", "tier", "plan", "seats", "mrr"],
        "account_id",
        """SELECT a.id AS account_id, a.name, a.domain, a.tier, s.plan, s.seats, s.mrr
FROM {accounts} a
JOIN {subscriptions} s ON s.account_id = a.id
WHERE s.status = 'active'
  AND s.seats >= 25
  AND a.tier <> 'free'""",
    ),
    (
        "Recently active admins",
        "users",
        ["id", "email", "role", "last_seen_at", "account_name"],
        "id",
        """SELECT u.id, u.email, u.role, u.last_seen_at, a.name AS account_name
FROM {users} u
INNER JOIN {accounts} a ON a.id = u.account_id
WHERE u.last_seen_at >= DATE '2026-10-01'
  AND u.role = 'admin'""",
    ),
    (
        "Qualified leads",
        "leads",
        ["id", "email", "company", "score", "lead_source"],
        "id",
        """SELECT l.id, l.email, l.company, l.score, 'inbound' AS lead_source
FROM {leads} l
WHERE l.score >= 80 AND l.region = 'APAC'
UNION ALL
SELECT u.id, u.email, a.name AS company, 50 AS score, 'product' AS lead_source
FROM {users} u
JOIN {accounts} a ON a.id = u.account_id
WHERE a.tier = 'trial' AND u.created_at > '2026-09-15 00:00:00'""",
    ),
    (
        "Top spenders H1",
        "customers",
        ["id", "email", "total_spend", "spend_rank"],
        "id",
        """SELECT customer_id AS id, email, total_spend, spend_rank
FROM (
    SELECT c.id AS customer_id, c.email,
           SUM(oi.quantity * oi.unit_price) AS total_spend,
           RANK() OVER (ORDER BY SUM(oi.quantity * oi.unit_price) DESC) AS spend_rank
    FROM {customers} c
    JOIN {orders} o ON o.customer_id = c.id
    JOIN {order_items} oi ON oi.order_id = o.id
    WHERE o.created_at BETWEEN '2026-01-01' AND '2026-06-30'
    GROUP BY c.id, c.email
) ranked
WHERE spend_rank <= 1000""",
    ),
]

# (dbt model name, grain, columns, pk, compiled SQL with {table} placeholders, raw SQL)
DBT_TEMPLATES: list[tuple[str, str, list[str], str, str, str]] = [
    (
        "dim_customers",
        "customers",
        ["id", "email", "first_name", "last_name", "country_code", "lifetime_value"],
        "id",
        """select
    c.id,
    c.email,
    c.first_name,
    c.last_name,
    c.country_code,
    coalesce(sum(o.total_amount), 0) as lifetime_value
from {customers} as c
left join {orders} as o
    on o.customer_id = c.id and o.status = 'completed'
where c.email not like '%@example.com'
  and c.created_at >= '2019-01-01'
group by 1, 2, 3, 4, 5""",
        """select
    c.id,
    c.email,
    c.first_name,
    c.last_name,
    c.country_code,
    coalesce(sum(o.total_amount), 0) as lifetime_value
from {{ ref('stg_customers') }} as c
left join {{ ref('stg_orders') }} as o
    on o.customer_id = c.id and o.status = 'completed'
where c.email not like '%@example.com'
  and c.created_at >= '{{ var("history_start", "2019-01-01") }}'
group by 1, 2, 3, 4, 5""",
    ),
    (
        "fct_account_health",
        "accounts",
        ["account_id", "name", "health_score", "seats", "mrr"],
        "account_id",
        """select
    a.id as account_id,
    a.name,
    case when s.seats > 100 then 'A' when s.seats > 10 then 'B' else 'C' end as health_score,
    s.seats,
    s.mrr
from {accounts} a
join {subscriptions} s on s.account_id = a.id
where s.status in ('active', 'past_due')
  and s.mrr > 99.0""",
        """select
    a.id as account_id,
    a.name,
    {{ health_bucket('s.seats') }} as health_score,
    s.seats,
    s.mrr
from {{ source('app', 'accounts') }} a
join {{ ref('stg_subscriptions') }} s on s.account_id = a.id
where s.status in ('active', 'past_due')
  and s.mrr > 99.0""",
    ),
]

AUDIENCE_NAMES = [
    "High LTV Australians",
    "Churn-risk accounts",
    "Newsletter subscribers",
    "Cart abandoners (7d)",
    "Zürich VIPs",
    "Dormant admins",
]

SOURCE_CYCLE = [
    "snowflake",
    "postgres",
    "bigquery",
    "airtable",
    "snowflake",
    "postgres",
    "googlesheet",
    "bigquery",
]
SOURCE_NAMES = {
    "snowflake": ["Snowflake Production", "Snowflake Marketing"],
    "postgres": ["App Postgres (read replica)", "Billing Postgres"],
    "bigquery": ["BigQuery Analytics", "BigQuery Events"],
    "airtable": ["Airtable Sales Ops"],
    "googlesheet": ["Google Sheets – Targets"],
}
SAAS_SOURCE_TYPES = {"airtable", "googlesheet"}

DEST_CYCLE = ["salesforce", "hubspot", "braze", "webhook", "postgres", "mixpanel", "iterable", "google_ads"]
DEST_NAMES = {
    "salesforce": "Salesforce Production",
    "hubspot": "HubSpot Marketing",
    "braze": "Braze",
    "webhook": "Webhook – CDP relay",
    "postgres": "Ops Postgres",
    "mixpanel": "Mixpanel",
    "iterable": "Iterable",
    "google_ads": "Google Ads Customer Match",
}
SF_FIELDS = {
    "email": "Email",
    "first_name": "FirstName",
    "last_name": "LastName",
    "name": "Name",
    "company": "Company",
    "domain": "Website",
}

FAILED_ERRORS = [
    "Cannot generate sync plan due to unmet dependencies.",
    'QUERY_COLUMN_MISSING: Column "{col}" is referenced by the sync but missing from the query results.',
    "WAREHOUSE_TABLE_MISSING: SQL compilation error: Object 'ANALYTICS.MARTS.{table_upper}' does not exist or not authorized.",
    "NON_UNIQUE_PRIMARY_KEY: Found {n} rows with duplicate primary key values, e.g. '{pk_value}' appears {k} times in column \"{pk}\".",
    "DESTINATION_RATE_LIMIT: {dest} returned HTTP 429 after 5 retries (daily limit of {limit} API calls exceeded).",
    "Query timed out after 3600 seconds: SELECT * FROM {table} WHERE updated_at > '2026-11-01 00:00:00'",
    "Failed to upsert {n} rows: INVALID_EMAIL_ADDRESS: invalid email address: 'jane.doe@@example.com'",
]
INTERRUPTED_ERROR = (
    "Run was interrupted because the Hightouch worker restarted; {n} rows will be retried on the next run."
)


def sync_id_for(i: int) -> int:
    return 40_000 + 7 * i


_PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")
STATIC_MAPPING = {"type": "static", "from": "customer", "to": "lifecycle_stage"}
TEMPLATE_MAPPING = {"type": "template", "from": "{{ row.first_name }} {{ row.last_name }}", "to": "full_name"}


def _datahub_shapes(config: dict[str, Any], i: int) -> None:
    """documented-datahub-mappings: the same column mappings in the older shapes DataHub reads, plus
    entries that map a value rather than a column."""
    maps = config.pop("mappings")
    shape = i % 4
    if not maps:
        config["mappings"] = [dict(STATIC_MAPPING)]
    elif shape == 0:
        config["fieldMappings"] = [{"sourceField": m["from"], "destinationField": m["to"]} for m in maps]
    elif shape == 1:
        config["columnMappings"] = {m["to"]: m["from"] for m in maps}
    elif shape == 2:
        config["columns"] = [{"from": m["from"], "to": m["to"]} for m in maps]
    else:
        untyped = [{"from": m["from"], "to": m["to"]} if j % 2 else m for j, m in enumerate(maps)]
        config["mappings"] = [*untyped, dict(STATIC_MAPPING), dict(TEMPLATE_MAPPING)]


def slugify(text: str) -> str:
    """Hightouch-style slug: lower case ASCII words joined by dashes."""
    ascii_text = text.replace("ü", "u").replace("é", "e").replace("–", "-")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


class _Unique:
    """Makes names/slugs unique by appending a counter, as a UI would."""

    def __init__(self, sep: str) -> None:
        self.sep = sep
        self.seen: dict[str, int] = {}

    def __call__(self, text: str) -> str:
        n = self.seen.get(text, 0) + 1
        self.seen[text] = n
        return text if n == 1 else f"{text}{self.sep}{n}"


@dataclass
class _SyncRuntime:
    """What run generation needs to know about a sync."""

    index: int
    id: int
    created_ms: int
    has_runs: bool
    rows_base: int
    event: bool
    last_state: str | None  # None, "running" or "queued": forced state of the latest run
    columns: list[str]
    pk: str
    table: str
    dest_name: str


# --------------------------------------------------------------------------------------------------
# Simulator
# --------------------------------------------------------------------------------------------------


class HightouchSimulator(HistorySimulator):
    """A Hightouch workspace served over HTTP. ``url`` is the API base (``.../api/v1``)."""

    name = "hightouch-sim"
    api_prefix = API_PREFIX
    slot_kind = "run"
    created_recent_share = 0.12
    created_min_age_ms = 12 * 3_600_000
    created_max_age_days = 540

    def __init__(self, config: HightouchSimConfig | None = None) -> None:
        self.config = config or HightouchSimConfig()
        cfg = self.config
        if cfg.profile not in PROFILES:
            raise ValueError(f"unknown Hightouch simulator profile {cfg.profile!r}; choose one of {PROFILES}")
        self.profile = cfg.profile
        self.documented = cfg.profile != "kada"
        self._string_ids = cfg.string_ids or cfg.profile == "documented-string-ids"
        capped = cfg.profile == "documented-page-cap"
        self._max_limit = min(cfg.max_limit, PAGE_CAP) if capped else cfg.max_limit
        self._omit_has_more = (
            frozenset({*LIST_ENDPOINTS, "runs"}) if capped else cfg.omit_has_more_on
        )
        self._truth_models: dict[int, tuple[str, Any]] = {}
        self._truth_syncs: dict[int, tuple[str | None, list[tuple[str, str]]]] = {}
        self._last_finished: dict[int, int | None] = {}
        self._last_finished_status: dict[int, str] = {}
        super().__init__(cfg, cfg.end, cfg.days, cfg.runs_per_sync_per_day)
        self._day_cache: OrderedDict[tuple[int, int], list[tuple[int, dict[str, Any]]]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.deleted_model_ids: list[int] = []
        self.deleted_destination_ids: list[int] = []
        self._build()

    # ---- presentation helpers ---------------------------------------------------------------------

    def _id(self, value: int) -> int | str:
        return str(value) if self._string_ids else value

    # ---- workspace generation ---------------------------------------------------------------------

    def _updated(self, rng: random.Random, created: int) -> int:
        return (
            created + int(rng.random() * (self.end_ms - 3_600_000 - created))
            if created < self.end_ms - 3_600_000
            else created
        )

    def _build(self) -> None:
        cfg = self.config
        rng = random.Random(stable_int(cfg.seed, "hightouch-objects"))
        self._sources: list[dict[str, Any]] = []
        self._source_ctx: dict[int, dict[str, Any]] = {}
        names = _Unique(" ")
        slugs = _Unique("-")
        for i in range(cfg.n_sources):
            stype = SOURCE_CYCLE[i % len(SOURCE_CYCLE)]
            choices = SOURCE_NAMES[stype]
            name = names(choices[(i // len(SOURCE_CYCLE)) % len(choices)])
            sid = 1200 + 3 * i
            created = self._created(rng)
            config, ctx = self._source_configuration(stype, i, rng)
            ctx["type"] = stype
            ctx["name"] = name
            ctx["host"] = self._truth_host(stype, config)
            self._source_ctx[sid] = ctx
            self._sources.append(
                {
                    "id": sid,
                    "name": name,
                    "slug": slugs(slugify(name)),
                    "workspaceId": cfg.workspace_id,
                    "createdAt": created,
                    "updatedAt": self._updated(rng, created),
                    "configuration": config,
                    "type": stype,
                }
            )
        self._build_models(rng)
        self._build_destinations(rng)
        self._build_syncs(rng)
        if cfg.story:
            self._add_story()
        self._finish_relations()

    def _add_story(self) -> None:
        """The Hightouch end of ``kada_sim.story``: source, model, Salesforce destination and sync."""
        salesforce = next((d["id"] for d in self._destinations if d["type"] == "salesforce"), None)
        created = self.history_start_ms - 30 * DAY_MS
        story = hightouch_story(self.config.workspace_id, created, salesforce)
        self._sources.append(story["source"])
        self._source_ctx[1999] = {"type": "snowflake", "name": story["source"]["name"], "database": "ANALYTICS",
                                  "schema": "MARTS", "host": STORY_SNOWFLAKE_HOST, "styles": []}
        self._models.append(story["model"])
        self._model_columns[5999], self._model_grain[5999] = [c for c, _f in CONTACT_MAPPINGS], "customers"
        self._truth_models[5999] = ("tables", {("ANALYTICS", "MARTS", "DIM_CUSTOMERS")})
        if story["destination"] is not None:
            self._destinations.append(story["destination"])
        sync = story["sync"]
        self._syncs.append(sync)
        self._truth_syncs[sync["id"]] = ("Contact", sorted(CONTACT_MAPPINGS))
        self._runtime[sync["id"]] = _SyncRuntime(
            index=len(self._syncs) - 1, id=sync["id"], created_ms=created, has_runs=False, rows_base=100, event=False,
            last_state=None, columns=[c for c, _f in CONTACT_MAPPINGS], pk="CUSTOMER_ID", table="customers",
            dest_name="Salesforce")

    def _source_configuration(
        self, stype: str, i: int, rng: random.Random
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Type-specific configuration blob plus the qualification context SQL generation needs."""
        if stype == "snowflake":
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
                config["password"] = self._secret("source", i, "password")
            else:
                config["authMethod"] = "keyPair"
                config["privateKey"] = (
                    f"-----BEGIN PRIVATE KEY-----\n{self._secret('source', i, 'pk')}\n-----END PRIVATE KEY-----\n"
                )
                config["privateKeyPassphrase"] = self._secret("source", i, "passphrase")
            return config, {
                "database": db,
                "schema": schema,
                "styles": [f"{db}.{schema}.{{T}}", f"{schema.lower()}.{{t}}", "{t}"],
            }
        if stype == "postgres":
            db = "app" if i % 2 else "billing"
            config = {
                "host": f"{db}-replica.c8x1k2{rng.randint(1000, 9999)}.ap-southeast-2.rds.amazonaws.com",
                "port": "5432",
                "user": "hightouch",
                "database": db,
                "schema": "public",
                "password": self._secret("source", i, "password"),
                "sslMode": "require",
            }
            return config, {
                "database": db,
                "schema": "public",
                "styles": ["analytics.{t}", "public.{t}", "{t}"],
            }
        if stype == "bigquery":
            project = "acme-analytics-prod"
            dataset = "marts" if i % 2 == 0 else "events"
            config = {
                "project": project,
                "dataset": dataset,
                "location": "US",
                "credentials": {
                    "type": "service_account",
                    "project_id": project,
                    "private_key_id": self._secret("source", i, "keyid"),
                    "private_key": f"-----BEGIN PRIVATE KEY-----\\n{self._secret('source', i, 'sa')}\\n-----END PRIVATE KEY-----\\n",
                    "client_email": f"hightouch@{project}.iam.gserviceaccount.com",
                    "client_id": str(rng.randint(10**20, 10**21 - 1)),
                },
            }
            return config, {
                "database": project,
                "schema": dataset,
                "styles": [f"`{project}.{dataset}.{{t}}`", f"{dataset}.{{t}}", "{t}"],
            }
        if stype == "airtable":
            config = {
                "baseId": f"app{rng.randint(10**9, 10**10 - 1)}SIM",
                "apiKey": self._secret("source", i, "apikey"),
            }
            return config, {}
        config = {
            "spreadsheetId": f"1Sim{rng.randint(10**12, 10**13 - 1)}xQ",
            "refreshToken": self._secret("source", i, "refresh"),
        }
        return config, {}

    # ---- ground truth bookkeeping (the warehouse's own spelling, independent of the collector) ---------

    @staticmethod
    def _truth_host(stype: str, config: dict[str, Any]) -> str:
        """The K host of a source per contract section 5 (Snowflake account host, else its configured host)."""
        if stype == "snowflake":
            return f"{config['account'].lower()}.snowflakecomputing.com"
        if stype == "postgres":
            return str(config["host"])
        if stype == "bigquery":
            return str(config["project"])
        return ""

    def _truth_table(self, source_id: int, text: str) -> tuple[str, str, str]:
        """(database, schema, table) as the source's warehouse stores a name the simulator wrote unquoted."""
        ctx = self._source_ctx[source_id]
        parts = text.strip("`").split(".")
        full = parts if len(parts) == 3 else [ctx["database"], *parts] if len(parts) == 2 else [
            ctx["database"], ctx["schema"], parts[0]]
        fold = {"snowflake": str.upper, "postgres": str.lower}.get(ctx["type"], str)
        return fold(full[0]), fold(full[1]), fold(full[2])

    def _truth_sql(self, source_id: int, template: str, qualified: dict[str, str]) -> set[tuple[str, str, str]]:
        return {self._truth_table(source_id, qualified[t]) for t in _PLACEHOLDER.findall(template)}

    def _qualifier(self, source_id: int, rng: random.Random) -> Callable[[str], str]:
        styles = self._source_ctx[source_id]["styles"]
        return lambda t: rng.choice(styles).format(t=t, T=t.upper())

    def _build_models(self, rng: random.Random) -> None:
        cfg = self.config
        warehouse = [s["id"] for s in self._sources if s["type"] not in SAAS_SOURCE_TYPES]
        dbt_capable = [s["id"] for s in self._sources if s["type"] in ("snowflake", "bigquery")] or warehouse
        saas = [s["id"] for s in self._sources if s["type"] in SAAS_SOURCE_TYPES]
        kinds = [
            "raw_sql",
            "table",
            "dbt",
            "parent",
            "visual",
            "custom",
            "raw_sql",
            "visual",
            "table",
            "raw_sql",
            "dbt",
            "custom",
        ]
        names = _Unique(" ")
        slugs = _Unique("-")
        self._models: list[dict[str, Any]] = []
        self._model_columns: dict[int, list[str]] = {}
        self._model_grain: dict[int, str] = {}
        parents: list[dict[str, Any]] = []
        counters = {"raw": 0, "table": 0, "dbt": 0, "visual": 0, "custom": 0, "parent": 0}
        for i in range(cfg.n_models):
            kind = kinds[i % len(kinds)]
            if not warehouse:
                kind = "custom" if saas else "none"
            if kind == "visual" and not parents:
                kind = "parent"
            if kind == "custom" and not saas:
                kind = "raw_sql"
            if kind == "none":
                break
            mid = 5300 + 2 * i
            created = self._created(rng)
            model: dict[str, Any] = {"id": mid}
            extra: dict[str, Any] = {}
            is_schema = False
            pk: str | None
            if kind == "raw_sql":
                source_id = warehouse[counters["raw"] % len(warehouse)]
                title, grain, columns, pk, sql = RAW_SQL_TEMPLATES[counters["raw"] % len(RAW_SQL_TEMPLATES)]
                counters["raw"] += 1
                q = self._qualifier(source_id, rng)
                qualified = {t: q(t) for t in TABLE_COLUMNS}
                self._truth_models[mid] = ("tables", self._truth_sql(source_id, sql, qualified))
                sql = sql.format(**qualified)
                name, query_type, extra = title, "raw_sql", {"raw": {"sql": sql}}
            elif kind == "table":
                # documented: the first table model reads the first (Snowflake) source, which SQL models read too
                shift = 0 if self.documented else 1
                source_id = warehouse[(counters["table"] + shift) % len(warehouse)]
                grain = list(TABLE_COLUMNS)[counters["table"] % len(TABLE_COLUMNS)]
                counters["table"] += 1
                columns, pk = TABLE_COLUMNS[grain], "id"
                schema = self._source_ctx[source_id]["schema"]
                table_name = (
                    grain
                    if counters["table"] % 2
                    else f"{schema.lower() if schema.isupper() else 'analytics'}.{grain}"
                )
                self._truth_models[mid] = ("tables", {self._truth_table(source_id, table_name)})
                name, query_type, extra = (
                    f"{grain.replace('_', ' ').title()} table",
                    "table",
                    {"table": {"name": table_name}},
                )
            elif kind == "dbt":
                source_id = dbt_capable[counters["dbt"] % len(dbt_capable)]
                dbt_name, grain, columns, pk, compiled, raw = DBT_TEMPLATES[
                    counters["dbt"] % len(DBT_TEMPLATES)
                ]
                template = compiled
                counters["dbt"] += 1
                ctx = self._source_ctx[source_id]
                staging = "STAGING" if ctx["database"].isupper() else "staging"
                db = ctx["database"]
                compiled = compiled.format(**{t: f"{db}.{staging}.stg_{t}" for t in TABLE_COLUMNS})
                name, query_type = f"dbt: {dbt_name}", "dbt"
                extra = {
                    "dbt": {
                        "dbtUniqueId": f"model.acme_analytics.{dbt_name}",
                        "compiledSql": compiled,
                        "rawSql": raw,
                        "database": db,
                        "schema": ctx["schema"],
                        "name": dbt_name,
                        "modelId": 88000 + counters["dbt"],
                    }
                }
                self._truth_models[mid] = ("tables", {self._truth_table(source_id, f"{db}.{ctx['schema']}.{dbt_name}")})
                if self.documented and counters["dbt"] == 2:  # a dbt Cloud model: no database/schema (OFFICIAL)
                    cloud = {k: v for k, v in extra["dbt"].items() if k not in ("database", "schema")}
                    extra = {"dbt_cloud": cloud}
                    if self.profile == "documented-dbt-cloud-type":
                        query_type = "dbt_cloud"
                    staged = {t: f"{db}.{staging}.stg_{t}" for t in TABLE_COLUMNS}
                    self._truth_models[mid] = ("tables", self._truth_sql(source_id, template, staged))
            elif kind == "parent":
                source_id = warehouse[counters["parent"] % len(warehouse)]
                grain = ("customers", "users", "accounts")[counters["parent"] % 3]
                counters["parent"] += 1
                columns, pk, is_schema = TABLE_COLUMNS[grain], "id", True
                name = f"All {grain} (parent model)"
                if counters["parent"] % 2:
                    q = self._qualifier(source_id, rng)
                    qualified_grain = q(grain)
                    self._truth_models[mid] = ("tables", {self._truth_table(source_id, qualified_grain)})
                    query_type, extra = (
                        "raw_sql",
                        {"raw": {"sql": f"SELECT * FROM {qualified_grain} WHERE deleted_at IS NULL"}},
                    )
                else:
                    self._truth_models[mid] = ("tables", {self._truth_table(source_id, grain)})
                    query_type, extra = "table", {"table": {"name": grain}}
            elif kind == "visual":
                parent = parents[counters["visual"] % len(parents)]
                counters["visual"] += 1
                source_id, grain = parent["sourceId"], self._model_grain[parent["id"]]
                columns, pk = self._model_columns[parent["id"]], "id"
                name = AUDIENCE_NAMES[(counters["visual"] - 1) % len(AUDIENCE_NAMES)]
                threshold = rng.choice([250, 500, 1000])
                extra = {
                    "visual": {
                        "parentId": parent["id"],
                        "filter": {
                            "type": "and",
                            "conditions": [
                                {
                                    "type": "property",
                                    "property": columns[1],
                                    "operator": "isNotNull",
                                    "value": None,
                                },
                                {
                                    "type": "property",
                                    "property": "created_at",
                                    "operator": "after",
                                    "value": "2025-06-30",
                                },
                                {
                                    "type": "event",
                                    "eventModelId": parent["id"],
                                    "operator": "count",
                                    "value": threshold,
                                },
                            ],
                        },
                        "primaryLabel": columns[1],
                        "secondaryLabel": columns[2],
                    }
                }
                if self.profile == "documented-opaque-filter":
                    extra["visual"]["filter"] = {
                        "operator": "and",
                        "clauses": [{"column": columns[1], "comparator": "exists"},
                                    {"column": "created_at", "comparator": "gt", "operand": "2025-06-30"}],
                    }
                query_type = "visual"
                self._truth_models[mid] = ("model", parent["id"])
            else:  # custom
                source_id = saas[counters["custom"] % len(saas)]
                counters["custom"] += 1
                grain = "leads"
                columns, pk = ["id", "Name", "Email", "Company", "Score", "Region"], "id"
                if self._source_ctx[source_id]["type"] == "airtable":
                    query = {
                        "table": "Leads",
                        "view": "Qualified leads",
                        "filterByFormula": "AND({Score} > 80, {Region} = 'APAC')",
                        "fields": columns[1:],
                    }
                    name = "Airtable qualified leads"
                else:
                    query = {"sheet": "Q4 targets", "range": "A1:F500", "headerRow": 1}
                    name = "Sheet: Q4 targets"
                query_type, extra = "custom", {"custom": {"query": query}}
                self._truth_models[mid] = ("source", source_id)
            name = names(name)
            model.update(
                {
                    "name": name,
                    "slug": slugs(slugify(name)),
                    "description": "" if i % 3 else f"{name}: maintained by the growth data team.",
                    "workspaceId": cfg.workspace_id,
                    "primaryKey": pk,
                    "createdAt": created,
                    "updatedAt": self._updated(rng, created),
                    "sourceId": source_id,
                    "queryType": query_type,
                    "tags": [{}, {"team": "growth"}, {"team": "marketing", "pii": "true"}, {"team": "sales"}][
                        i % 4
                    ],
                    "isSchema": is_schema,
                    "syncs": [],
                    "lastRunSize": None,
                }
            )
            if i % 4 == 1:
                model["folderId"] = f"fld_{stable_int(cfg.seed, 'folder', i % 3) % 10**8:08d}"
            model.update(extra)
            self._model_columns[mid] = columns
            self._model_grain[mid] = grain
            self._models.append(model)
            if is_schema:
                parents.append(model)
        # a visual model must be created after its parent
        by_id = {m["id"]: m for m in self._models}
        for m in self._models:
            if m["queryType"] == "visual":
                parent = by_id[m["visual"]["parentId"]]
                if m["createdAt"] < parent["createdAt"]:
                    m["createdAt"] = (
                        parent["createdAt"] + (self.end_ms - 6 * 3_600_000 - parent["createdAt"]) // 4
                    )
                    m["updatedAt"] = max(m["updatedAt"], m["createdAt"])

    def _build_destinations(self, rng: random.Random) -> None:
        cfg = self.config
        # names are unique in the UI of our own assumption only; the reference says nothing of it
        names: Callable[[str], str] = (lambda n: n) if self.documented else _Unique(" ")
        slugs = _Unique("-")
        self._destinations: list[dict[str, Any]] = []
        for i in range(cfg.n_destinations):
            dtype = DEST_CYCLE[i % len(DEST_CYCLE)]
            name = names(DEST_NAMES[dtype])
            created = self._created(rng)
            self._destinations.append(
                {
                    "id": 3100 + 5 * i,
                    "name": name,
                    "slug": slugs(slugify(name)),
                    "workspaceId": cfg.workspace_id,
                    "createdAt": created,
                    "updatedAt": self._updated(rng, created),
                    "type": dtype,
                    "configuration": self._destination_configuration(dtype, i, rng),
                    "syncs": [],
                }
            )

    def _destination_configuration(self, dtype: str, i: int, rng: random.Random) -> dict[str, Any]:
        if dtype == "salesforce":
            return {
                "instanceUrl": "https://acme.my.salesforce.com",
                "authMethod": "oauth",
                "clientId": f"3MVG9{rng.randint(10**9, 10**10 - 1)}SIM",
                "clientSecret": self._secret("dest", i, "clientSecret"),
                "refreshToken": self._secret("dest", i, "refreshToken"),
                "sandbox": False,
            }
        if dtype == "hubspot":
            return {
                "portalId": str(rng.randint(1_000_000, 9_999_999)),
                "accessToken": self._secret("dest", i, "accessToken"),
            }
        if dtype == "braze":
            return {
                ("endpoint" if self.documented else "restEndpoint"): "https://rest.iad-03.braze.com",
                "apiKey": self._secret("dest", i, "apiKey"),
            }
        if dtype == "webhook":
            return {
                "url": "https://hooks.example.com/hightouch/ingest",
                "method": "POST",
                "headers": {
                    "Authorization": f"Bearer {self._secret('dest', i, 'bearer')}",
                    "X-Source": "hightouch",
                },
                "signingSecret": self._secret("dest", i, "signing"),
            }
        if dtype == "postgres":
            return {
                "host": "ops-db.internal.example.com",
                "port": "5432",
                "user": "ht_writer",
                "database": "ops",
                "password": self._secret("dest", i, "password"),
            }
        if dtype == "mixpanel":
            return {
                "projectId": str(rng.randint(100000, 999999)),
                "region": "US",
                "serviceAccountSecret": self._secret("dest", i, "sa"),
            }
        if dtype == "iterable":
            return {"apiKey": self._secret("dest", i, "apiKey"), "dataCenter": "US"}
        return {
            "customerId": f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            "developerToken": self._secret("dest", i, "devToken"),
        }

    def _sync_configuration(
        self, dtype: str, columns: list[str], pk: str, i: int
    ) -> tuple[dict[str, Any], str, bool]:
        """(configuration, destination object name, is-event-sync) for a destination type."""
        data_cols = [c for c in columns if c != pk][:4]

        def maps(to: Callable[[str], str]) -> list[dict[str, str]]:
            return [{"from": c, "to": to(c), "type": "standard"} for c in data_cols]

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
        if dtype == "hubspot":
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
        if dtype == "postgres":
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

    def _schedule(self, i: int) -> dict[str, Any] | None:
        minutes = 1440 // self._per_day if self._per_day else 1440
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

    def _build_syncs(self, rng: random.Random) -> None:
        cfg = self.config
        syncable = [m for m in self._models if not m["isSchema"]]
        self._syncs: list[dict[str, Any]] = []
        self._runtime: dict[int, _SyncRuntime] = {}
        if not syncable or not self._destinations:
            return
        usable = syncable[: max(1, int(len(syncable) * 0.85 + 0.5))]
        by_type: dict[str, list[dict[str, Any]]] = {}
        for m in usable:
            by_type.setdefault(m["queryType"], []).append(m)
        type_order = [t for t in ("raw_sql", "table", "dbt", "visual", "custom") if t in by_type]
        slugs = _Unique("-")
        models_by_id = {m["id"]: m for m in self._models}
        dests_by_id = {d["id"]: d for d in self._destinations}
        next_model_id = max(m["id"] for m in self._models) + 17
        next_dest_id = max(d["id"] for d in self._destinations) + 23
        for i in range(cfg.n_syncs):
            model = by_type[type_order[i]][0] if i < len(type_order) else usable[rng.randrange(len(usable))]
            dest = self._destinations[(i + rng.randrange(2)) % len(self._destinations)]
            model_id, dest_id = model["id"], dest["id"]
            if cfg.dangling_references and i == cfg.n_syncs - 1:
                model_id = next_model_id
                self.deleted_model_ids.append(model_id)
            if cfg.dangling_references and i == cfg.n_syncs - 2:
                dest_id = next_dest_id
                self.deleted_destination_ids.append(dest_id)
            columns = self._model_columns[model["id"]]
            pk = model["primaryKey"] or columns[0]
            configuration, obj, event = self._sync_configuration(dest["type"], columns, pk, i)
            if self.documented and dest["type"] == "webhook":  # a webhook sync names no object
                configuration.pop("type", None)
                configuration.pop("eventName", None)
                obj = None
            if self.documented and i % 7 == 4:  # a sync that maps no column
                configuration["mappings"] = []
                configuration.pop("externalIdMapping", None)
            parent_created = max(model["createdAt"], dest["createdAt"])
            room = max(0, self.end_ms - 2 * 3_600_000 - parent_created)
            created = parent_created + int(min(60 * DAY_MS, room * (0.05 + 0.45 * rng.random())))
            sync_id = sync_id_for(i)
            disabled = i % 17 == 5
            never_run = i % 13 == 11
            schedule = None if never_run else self._schedule(i)
            referenced = []
            for m in configuration["mappings"]:
                if m["from"] not in referenced:
                    referenced.append(m["from"])
            ext = configuration.get("externalIdMapping")
            if ext and ext["from"] not in referenced:
                referenced.append(ext["from"])
            pairs = [(m["from"], m["to"]) for m in configuration["mappings"]] + ([(ext["from"], ext["to"])] if ext else [])
            self._truth_syncs[sync_id_for(i)] = (obj, sorted(set(pairs)))
            if self.profile == "documented-datahub-mappings":
                _datahub_shapes(configuration, i)
            sync = {
                "id": sync_id,
                "slug": slugs(slugify(f"{model['slug']}-to-{dest['slug']}")),
                "workspaceId": cfg.workspace_id,
                "createdAt": created,
                "updatedAt": self._updated(rng, created),
                "destinationId": dest_id,
                "modelId": model_id,
                "configuration": configuration,
                "schedule": schedule,
                "status": "pending",
                "disabled": disabled,
                "lastRunAt": None,
                "referencedColumns": referenced,
                "primaryKey": pk,
                "externalSegment": {"id": f"{stable_int(cfg.seed, 'seg', i) % 10**10}"}
                if dest["type"] in ("google_ads", "braze")
                else {},
                "tags": [{}, {"owner": "growth-eng"}, {"priority": "high", "owner": "revops"}][i % 3],
            }
            self._syncs.append(sync)
            last_state = "running" if i % 6 == 1 else ("queued" if i % 12 == 9 else None)
            self._runtime[sync_id] = _SyncRuntime(
                index=i,
                id=sync_id,
                created_ms=created,
                has_runs=self._per_day > 0 and not disabled and not never_run,
                rows_base=int(10 ** (2 + 4 * unit_floats(cfg.seed, "rows", model_id)[0])),
                event=event,
                last_state=last_state,
                columns=columns,
                pk=pk,
                table=self._model_grain[model["id"]],
                dest_name=dest["name"],
            )
        del models_by_id, dests_by_id

    def _finish_relations(self) -> None:
        """Fill the derived fields: model/destination ``syncs``, sync status/lastRunAt, lastRunSize."""
        models = {m["id"]: m for m in self._models}
        dests = {d["id"]: d for d in self._destinations}
        last_success: dict[int, tuple[int, int]] = {}
        for sync in self._syncs:
            rt = self._runtime[sync["id"]]
            if sync["modelId"] in models:
                models[sync["modelId"]]["syncs"].append(sync["id"])
            if sync["destinationId"] in dests:
                dests[sync["destinationId"]]["syncs"].append(sync["id"])
            if sync["disabled"]:
                sync["status"] = "disabled"
            latest = None
            self._last_finished[sync["id"]] = None
            for start, run in self._iter_runs_desc(rt):
                if self._last_finished[sync["id"]] is None and run.get("finishedAt"):
                    self._last_finished[sync["id"]] = parse_iso(run["finishedAt"])
                    self._last_finished_status[sync["id"]] = run["status"]
                if latest is None:
                    latest = (start, run)
                    sync["lastRunAt"] = start
                    if not sync["disabled"]:
                        sync["status"] = run["status"]
                if run["status"] == "success":
                    prev = last_success.get(sync["modelId"])
                    if prev is None or prev[0] < start:
                        last_success[sync["modelId"]] = (start, run["querySize"])
                    break
        for mid, (_, size) in last_success.items():
            if mid in models:
                models[mid]["lastRunSize"] = size
        unsynced = [
            m
            for m in self._models
            if not m["syncs"] and not m["isSchema"] and m["queryType"] in ("custom", "raw_sql")
        ]
        for m in unsynced[::2]:  # "null if the query doesn't get directly synced"
            m["primaryKey"] = None
        self._present_all()

    def _present_all(self) -> None:
        """Freeze served representations (timestamps as strings, ids per ``string_ids``)."""
        sid = self._id

        def common(obj: dict[str, Any]) -> dict[str, Any]:
            out = dict(obj)
            out["id"] = sid(obj["id"])
            out["workspaceId"] = sid(obj["workspaceId"])
            out["createdAt"] = iso_ms(obj["createdAt"])
            out["updatedAt"] = iso_ms(obj["updatedAt"])
            return out

        self._served: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        rows = []
        for s in self._sources:
            rows.append((s, common(s)))
        self._served["sources"] = rows
        rows = []
        for m in self._models:
            out = common(m)
            out["sourceId"] = sid(m["sourceId"])
            out["syncs"] = [sid(x) for x in m["syncs"]]
            if "visual" in m:
                out["visual"] = dict(m["visual"], parentId=sid(m["visual"]["parentId"]))
            if "dbt" in m:
                out["dbt"] = dict(m["dbt"], modelId=sid(m["dbt"]["modelId"]))
            rows.append((m, out))
        self._served["models"] = rows
        rows = []
        for d in self._destinations:
            out = common(d)
            out["syncs"] = [sid(x) for x in d["syncs"]]
            rows.append((d, out))
        self._served["destinations"] = rows
        rows = []
        for s in self._syncs:
            out = common(s)
            out["destinationId"] = sid(s["destinationId"])
            out["modelId"] = sid(s["modelId"])
            last = self._last_finished.get(s["id"]) if self.profile == "documented-last-finished" else s["lastRunAt"]
            out["lastRunAt"] = iso_ms(last) if last is not None else None
            if self.profile == "documented-last-finished" and not s["disabled"]:
                out["status"] = self._last_finished_status.get(s["id"], "pending")
            if self.profile == "documented-no-last-run-at":
                del out["lastRunAt"]
            rows.append((s, out))
        self._served["syncs"] = rows
        self._by_id = {kind: {raw["id"]: out for raw, out in rows_} for kind, rows_ in self._served.items()}

    # ---- lazy run generation ----------------------------------------------------------------------

    def _run_id(self, rt: _SyncRuntime, day: int, i: int) -> int:
        return _RUN_ID_BASE + ((day - _DAY0) * self._per_day + i) * max(1, self.config.n_syncs) + rt.index

    def _make_run(self, rt: _SyncRuntime, day: int, i: int) -> tuple[int, dict[str, Any]]:
        """The run in slot ``i`` of ``day`` for a sync, as of the simulator's ``end``."""
        u = self._slot_floats(rt.id, day, i)
        slot = self._slot_ms
        start = self._slot_time(day, i, u[0])
        queue = min(int((u[1] ** 4) * 0.2 * slot), 1_800_000) + int(u[12] * 900)
        created = start - queue
        duration = int(4000 + u[2] * max(0.0, min(0.45 * slot - 4000, 1_200_000)))
        end = self.end_ms
        if self._per_day >= 2 and i == 1 and (rt.index + day) % 3 == 0:
            status = _RARE_RUN_STATUSES[(rt.index + day // 3) % len(_RARE_RUN_STATUSES)]
        else:
            r = u[3]
            status = weighted_choice(r, _RUN_STATUS_WEIGHTS)
        phase: float | None = None
        if start + duration > end:
            phase = (end - start) / duration
        elif rt.last_state and end - start <= 1.3 * slot and self._is_last_slot(rt.id, day, i, self.end_ms):
            if rt.last_state == "queued":
                status, created, phase = "queued", start, None
            else:
                phase = 0.15 + 0.8 * u[4]
        if phase is not None:
            status = "querying" if phase < 0.45 else "processing" if phase < 0.85 else "reporting"

        drift = 1.0 + 0.0005 * (day - _DAY0 - 3000)
        query_size = max(1, int(rt.rows_base * drift * (0.97 + 0.06 * u[5])))
        if rt.event:
            planned = [max(1, int(query_size * (0.02 + 0.1 * u[6]))), 0, 0]
            query_size = planned[0]
        else:
            planned = [
                int(query_size * 0.01 * u[6]),
                int(query_size * 0.04 * u[7]),
                int(query_size * 0.003 * u[8]),
            ]
        failed = [0, 0, 0]
        ok = list(planned)
        ratio = 1.0
        error: str | None = None
        if status == "warning":
            failed = [int(p * 0.02 * u[9]) for p in planned]
            if not any(failed):
                planned[0] += 1
                failed[0] = 1
            ok = [p - f for p, f in zip(planned, failed, strict=True)]
        elif status == "failed":
            error = self._error_text(rt, u)
            if u[10] < 0.5 or error.startswith(
                ("Cannot generate", "QUERY_", "WAREHOUSE_", "NON_UNIQUE", "Query timed")
            ):
                query_size, planned, ok, ratio = 0, [0, 0, 0], [0, 0, 0], 0.0
            else:
                frac = u[11]
                done = [int(p * frac) for p in planned]
                ok = [int(d * 0.9) for d in done]
                failed = [d - o for d, o in zip(done, ok, strict=True)]
                ratio = round(frac, 4)
        elif status in ("cancelled", "interrupted"):
            frac = u[11]
            ok = [int(p * frac) for p in planned]
            ratio = round(frac, 4)
            if status == "interrupted":
                error = INTERRUPTED_ERROR.format(n=sum(planned) - sum(ok))
        elif status in ("queued", "querying"):
            query_size, planned, ok, ratio = 0, [0, 0, 0], [0, 0, 0], 0.0
        elif status in ("processing", "reporting"):
            frac = min(1.0, max(0.0, ((phase or 0.5) - 0.45) / 0.4)) if status == "processing" else 0.99
            ok = [int(p * frac) for p in planned]
            ratio = round(frac, 4)
        finished = None if phase is not None or status == "queued" else start + duration

        def counts(c: list[int]) -> dict[str, int]:
            return {"addedCount": c[0], "changedCount": c[1], "removedCount": c[2]}

        run = {
            "id": self._id(self._run_id(rt, day, i)),
            "createdAt": iso_ms(created),
            "startedAt": iso_ms(start),
            "finishedAt": iso_ms(finished) if finished is not None else None,
            "querySize": query_size,
            "status": status,
            "completionRatio": ratio,
            "plannedRows": counts(planned),
            "successfulRows": counts(ok),
            "failedRows": counts(failed),
            "error": error,
        }
        if self.profile == "documented-sparse-runs":
            if status == "queued":
                run["startedAt"] = None
            if finished is None:
                del run["finishedAt"]
                run["failedRows"] = {"addedCount": failed[0]}
        return start, run

    def _error_text(self, rt: _SyncRuntime, u: tuple[float, ...]) -> str:
        template = FAILED_ERRORS[int(u[13] * len(FAILED_ERRORS))]
        return template.format(
            col=rt.columns[-1],
            table_upper=rt.table.upper(),
            table=rt.table,
            n=1 + int(u[14] * 400),
            k=2 + int(u[15] * 5),
            pk=rt.pk,
            pk_value=f"cus_{int(u[14] * 90000) + 10000}",
            dest=rt.dest_name,
            limit=[15000, 100000, 250000][int(u[15] * 3)],
        )

    def _window(self, rt: _SyncRuntime, lo: int | None, hi: int | None) -> tuple[int, int]:
        """Effective [lo, hi) on startedAt: within held history, after the sync was created."""
        return self._clip_window(rt.created_ms, self.end_ms, lo, hi)

    def _day_runs(self, rt: _SyncRuntime, day: int) -> list[tuple[int, dict[str, Any]]]:
        key = (rt.id, day)
        with self._cache_lock:
            cached = self._day_cache.get(key)
            if cached is not None:
                self._day_cache.move_to_end(key)
                return cached
        runs = [self._make_run(rt, day, i) for i in range(self._per_day)]
        with self._cache_lock:
            self._day_cache[key] = runs
            if len(self._day_cache) > 256:
                self._day_cache.popitem(last=False)
        return runs

    def _day_count(self, rt: _SyncRuntime, day: int, lo: int, hi: int) -> int:
        if day * DAY_MS >= lo and (day + 1) * DAY_MS <= hi:
            return self._per_day
        return sum(1 for start, _ in self._day_runs(rt, day) if lo <= start < hi)

    def _runs_page(
        self, rt: _SyncRuntime, lo: int, hi: int, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Runs with startedAt in [lo, hi) ascending: (page at offset/limit, total). Lazy per day."""
        if not rt.has_runs or lo >= hi:
            return [], 0
        first, last = lo // DAY_MS, (hi - 1) // DAY_MS
        counts = [(day, self._day_count(rt, day, lo, hi)) for day in range(first, last + 1)]
        total = sum(c for _, c in counts)
        page: list[dict[str, Any]] = []
        seen = 0
        for day, count in counts:
            if len(page) >= limit:
                break
            if seen + count <= offset:
                seen += count
                continue
            for start, run in self._day_runs(rt, day):
                if not lo <= start < hi:
                    continue
                if seen >= offset and len(page) < limit:
                    page.append(run)
                seen += 1
        return page, total

    def _iter_runs_desc(self, rt: _SyncRuntime) -> Iterator[tuple[int, dict[str, Any]]]:
        """Runs newest first within held history (generated slot by slot, stops when the caller does)."""
        if not rt.has_runs:
            return
        lo, hi = self._window(rt, None, None)
        for day, i in self._slots_desc(rt.id, lo, hi):
            yield self._make_run(rt, day, i)

    def _run_by_id(self, rt: _SyncRuntime, run_id: int) -> tuple[int, dict[str, Any]] | None:
        k = run_id - _RUN_ID_BASE
        n = max(1, self.config.n_syncs)
        if k < 0 or not self._per_day or k % n != rt.index:
            return None
        slot = k // n
        day, i = _DAY0 + slot // self._per_day, slot % self._per_day
        start, run = self._make_run(rt, day, i)
        lo, hi = self._window(rt, None, None)
        return (start, run) if rt.has_runs and lo <= start < hi else None

    # ---- HTTP --------------------------------------------------------------------------------------

    def _route_table(self) -> list[tuple[str, str, Callable[..., Response]]]:
        p = API_PREFIX
        return [
            ("GET", f"{p}/sources", lambda r: self._list(r, "sources")),
            ("GET", f"{p}/sources/{{sourceId}}", lambda r, x: self._get(r, "sources", "sourceId", x)),
            ("GET", f"{p}/models", lambda r: self._list(r, "models")),
            ("GET", f"{p}/models/{{modelId}}", lambda r, x: self._get(r, "models", "modelId", x)),
            ("GET", f"{p}/destinations", lambda r: self._list(r, "destinations")),
            (
                "GET",
                f"{p}/destinations/{{destinationId}}",
                lambda r, x: self._get(r, "destinations", "destinationId", x),
            ),
            ("GET", f"{p}/syncs", lambda r: self._list(r, "syncs")),
            ("GET", f"{p}/syncs/{{syncId}}", lambda r, x: self._get(r, "syncs", "syncId", x)),
            ("GET", f"{p}/syncs/{{syncId}}/runs", self._runs),
        ]

    def _common_headers(self) -> tuple[tuple[str, str], ...]:
        return (("X-Powered-By", "Express"),)

    def _authenticate(self, req: Request) -> tuple[str | None, Response | None]:
        header = req.headers.get("Authorization")
        if not header:
            return None, json_response(
                401, {"message": "Authentication error", "details": "No authorization header found"}
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.config.token:
            return None, json_response(
                401, {"message": "Authentication error", "details": "Token is invalid"}
            )
        return token.strip(), None

    @staticmethod
    def _invalid(name: str, message: str, value: object) -> Response:
        return json_response(
            422, {"message": "Validation failed", "details": {name: {"message": message, "value": value}}}
        )

    def _path_id(self, name: str, raw: str) -> int:
        try:
            value = float(raw)
        except ValueError:
            raise HTTPError(self._invalid(name, "invalid float number", raw)) from None
        if value != int(value):
            raise HTTPError(self._invalid(name, "invalid float number", raw))
        return int(value)

    def _paging(self, req: Request, order_by: tuple[str, ...]) -> tuple[int, int, str]:
        limit = int_arg(req, "limit", 100, self._invalid)
        offset = int_arg(req, "offset", 0, self._invalid)
        assert limit is not None and offset is not None
        if limit < 1:
            raise HTTPError(self._invalid("limit", "min 1", req.arg("limit")))
        if offset < 0:
            raise HTTPError(self._invalid("offset", "min 0", req.arg("offset")))
        order = req.arg("orderBy") or "id"
        if order not in order_by:
            allowed = ",".join(f"'{o}'" for o in order_by)
            raise HTTPError(self._invalid("orderBy", f"should be one of the following; [{allowed}]", order))
        return min(limit, self._max_limit), offset, order

    def _time_arg(self, req: Request, name: str) -> int | None:
        raw = req.arg(name)
        if raw is None or raw == "":
            return None
        value = parse_iso(raw)
        if value is None:
            raise HTTPError(
                self._invalid(name, "invalid ISO 8601 datetime format, i.e. YYYY-MM-DDTHH:mm:ss", raw)
            )
        return value

    def _envelope(self, kind: str, data: list[Any], has_more: bool) -> Response:
        body: dict[str, Any] = {"data": data}
        if kind not in self._omit_has_more:
            body["hasMore"] = has_more
        return json_response(200, body)

    def _list(self, req: Request, kind: str) -> Response:
        limit, offset, order = self._paging(req, OBJECT_ORDER_BY)
        rows = self._served[kind]
        for key in ("name", "slug"):
            value = req.arg(key)
            if value is not None and not (kind == "syncs" and key == "name"):
                rows = [r for r in rows if r[0].get(key) == value]
        if kind == "models" and req.query.get("tags"):
            wanted = []
            for tag in req.query["tags"]:
                k, sep, v = tag.partition(":")
                if not sep:
                    raise HTTPError(self._invalid("tags", "tags must be key:value", tag))
                wanted.append((k, v))
            rows = [r for r in rows if all(r[0]["tags"].get(k) == v for k, v in wanted)]
        if kind == "syncs":
            model_id = int_arg(req, "modelId", None, self._invalid)
            if model_id is not None:
                rows = [r for r in rows if r[0]["modelId"] == model_id]
            after, before = self._time_arg(req, "after"), self._time_arg(req, "before")
            if after is not None:
                rows = [r for r in rows if r[0]["lastRunAt"] is not None and r[0]["lastRunAt"] >= after]
            if before is not None:
                rows = [r for r in rows if r[0]["lastRunAt"] is not None and r[0]["lastRunAt"] < before]
        if order != "id":
            field_name = "slug" if (kind == "syncs" and order == "name") else order
            rows = sorted(rows, key=lambda r: (r[0][field_name], r[0]["id"]))
        page = [out for _, out in rows[offset : offset + limit]]
        return self._envelope(kind, page, offset + len(page) < len(rows))

    def _get(self, req: Request, kind: str, param: str, raw: str) -> Response:
        obj = self._by_id[kind].get(self._path_id(param, raw))
        return json_response(200, obj) if obj is not None else self._not_found(req)

    def _runs(self, req: Request, raw: str) -> Response:
        rt = self._runtime.get(self._path_id("syncId", raw))
        if rt is None:
            return self._not_found(req)
        limit, offset, _order = self._paging(req, RUN_ORDER_BY)
        run_id = int_arg(req, "runId", None, self._invalid)
        within = int_arg(req, "within", None, self._invalid)
        after, before = self._time_arg(req, "after"), self._time_arg(req, "before")
        if within is not None:
            after = max(after or 0, self.end_ms - within * 60_000)
        lo, hi = self._window(rt, after, before)
        if run_id is not None:
            found = self._run_by_id(rt, run_id)
            matches = [found[1]] if found and lo <= found[0] < hi else []
            page = matches[offset : offset + limit]
            return self._envelope("runs", page, offset + len(page) < len(matches))
        page, total = self._runs_page(rt, lo, hi, offset, limit)
        return self._envelope("runs", page, offset + len(page) < total)

    def describe(self) -> str:
        cfg = self.config
        return (
            f"token={cfg.token!r} sources={len(self._sources)} models={len(self._models)} "
            f"destinations={len(self._destinations)} syncs={len(self._syncs)} runs/sync/day={self._per_day} "
            f"{self._history_text()}"
        )

    # ---- ground truth for tests ---------------------------------------------------------------------

    def sources(self) -> list[dict[str, Any]]:
        """Every source exactly as served, ordered by id."""
        return copy.deepcopy([out for _, out in self._served["sources"]])

    def models(self) -> list[dict[str, Any]]:
        return copy.deepcopy([out for _, out in self._served["models"]])

    def destinations(self) -> list[dict[str, Any]]:
        return copy.deepcopy([out for _, out in self._served["destinations"]])

    def syncs(self) -> list[dict[str, Any]]:
        return copy.deepcopy([out for _, out in self._served["syncs"]])

    def runs_for(
        self,
        sync_id: int | str,
        start: datetime | str | int | None = None,
        end: datetime | str | int | None = None,
    ) -> list[dict[str, Any]]:
        """All runs of a sync with startedAt in [start, end), ascending by id, as served."""
        rt = self._runtime[int(sync_id)]
        lo, hi = self._window(rt, as_ms(start), as_ms(end))
        page, _ = self._runs_page(rt, lo, hi, 0, 1 << 62)
        return copy.deepcopy(page)

    def expected_object_ids(self, end: datetime | str | int) -> set[str]:
        """The metadata object ids of a partition ending at ``end`` (objects created before it)."""
        hi = as_ms(end)
        ids = {f"hightouch:workspace:{self.config.workspace_id}"}
        for kind, collection in (("source", self._sources), ("model", self._models),
                                 ("destination", self._destinations), ("sync", self._syncs)):
            ids |= {f"hightouch:{kind}:{o['id']}" for o in collection if o["createdAt"] < hi}
        return ids

    def expected_lineage(self, host: str, end: datetime | str | int) -> set[tuple[Any, ...]]:
        """Every edge of a partition ending at ``end``, as (linkage_type, via, upstream type, host, database,
        schema, object, column, downstream type, host, database, schema, object, column), None for empty.

        Own objects are at ``host``; a destination object is at host ``hightouch:destination:<id>`` (no
        mapping); a sync naming no object flows into its destination itself."""
        hi = as_ms(end)
        models = {m["id"]: m for m in self._models if m["createdAt"] < hi}
        sources = {s["id"]: s for s in self._sources if s["createdAt"] < hi}
        dests = {d["id"]: d for d in self._destinations if d["createdAt"] < hi}

        def own(kind: str, native: int) -> tuple[Any, ...]:
            return (kind, host, None, None, f"hightouch:{kind}:{native}")

        edges: set[tuple[Any, ...]] = set()
        for mid, model in models.items():
            kind, value = self._truth_models[mid]
            if model["sourceId"] not in sources:
                raise ValueError(f"model {mid} is older than its source: pick another seed")
            down = own("model", mid)
            if kind == "tables":
                ctx = self._source_ctx[model["sourceId"]]
                for db, schema, name in value:
                    edges.add(("table", None, "table", ctx["host"] or None, db, schema, name, None, *down, None))
            elif kind == "model":
                edges.add(("table", None, *own("model", value), None, *down, None))
            else:
                edges.add(("table", None, *own("source", value), None, *down, None))
        for sync in self._syncs:
            if sync["createdAt"] >= hi or sync["modelId"] not in models or sync["destinationId"] not in dests:
                continue
            obj, pairs = self._truth_syncs[sync["id"]]
            via = f"hightouch:sync:{sync['id']}"
            dest = sync["destinationId"]
            target = own("destination", dest) if obj is None else (
                "destination_object", f"hightouch:destination:{dest}", None, None, obj)
            up = own("model", sync["modelId"])
            edges.add(("table", via, *up, None, *target, None))
            for column, field_name in pairs:
                edges.add(("column", via, *up, column, *target, field_name))
        return edges

    def expected_events(self, start: datetime | str | int, end: datetime | str | int) -> dict[str, str]:
        """event id -> contract status of every run created/started in [start, end)."""
        out = {}
        for sync in self._syncs:
            for run in self.runs_for(sync["id"], start, end):
                out[f"hightouch:sync_run:{sync['id']}:{run['id']}"] = EVENT_STATUS[run["status"]]
        return out

    def run_count(
        self, start: datetime | str | int | None = None, end: datetime | str | int | None = None
    ) -> int:
        """Total runs across all syncs with startedAt in [start, end) (cheap: counts, mostly no generation)."""
        total = 0
        for rt in self._runtime.values():
            lo, hi = self._window(rt, as_ms(start), as_ms(end))
            if rt.has_runs and lo < hi:
                total += sum(
                    self._day_count(rt, d, lo, hi) for d in range(lo // DAY_MS, (hi - 1) // DAY_MS + 1)
                )
        return total


def main(argv: list[str] | None = None) -> int:
    """``python -m kada_sim.hightouch --port 8765 --seed 7 ...``"""
    return run_cli(
        HightouchSimulator, HightouchSimConfig, argv, "kada_sim.hightouch", "Hightouch REST API v1 simulator"
    )


if __name__ == "__main__":
    sys.exit(main())
