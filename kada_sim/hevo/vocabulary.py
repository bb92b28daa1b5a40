"""What the generated account is made of: source tables and Salesforce objects, type names per system,
source kinds, model SQL and its hand-labelled column lineage, transformation code."""

from __future__ import annotations

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
