"""What the generated workspace is made of: warehouse tables, model SQL, names, destination fields, error
texts, mapping shapes, and the slug and unique-name helpers."""

from __future__ import annotations

import re
from typing import Any

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
