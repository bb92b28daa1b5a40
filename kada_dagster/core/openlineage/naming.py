"""OpenLineage dataset names for the K extract's lineage endpoints.

Warehouse tables are named as OpenLineage's naming conventions say for their platform
(https://openlineage.io/docs/spec/naming, PUBLIC: the spec's `website/docs/spec/naming.md`), so that the
same table named by another producer (dbt, Airflow, Spark) is one dataset for a consumer:

    Snowflake   snowflake://<account identifier>        DATABASE.SCHEMA.TABLE
    BigQuery    bigquery                                project.dataset.table
    PostgreSQL  postgres://<host>:<port>                database.schema.table
    Redshift    redshift://<cluster>.<region>:<port>    database.schema.table
    MySQL       mysql://<host>:<port>                   database.table

The platform of an endpoint is the type of the data source its host belongs to (a Hightouch source or
destination, a Hevo source or destination, in the partition's metadata), never guessed from a name alone
except the two hosts that say it (`*.snowflakecomputing.com`, `*.redshift.amazonaws.com`).

Not in the spec, our documented conventions (docs/OPENLINEAGE.md):
- a SaaS object (a destination's object, a SaaS source's object): `<type>://<instance>` with the object as
  the tool spells it; `<instance>` is the K host (a `mapping` entry's host, a SaaS source's host), or for
  an unmapped destination `<source type>-<workspace or region host>-destination-<id>`;
- an object of the tool itself (a Hightouch model's result, a source): in the instance's job namespace,
  named by its K object_id without the source prefix (`model:5999`);
- a host whose platform nothing in the extract says: `kada://<host>` with K's database.schema.table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kada_dagster.core.extract.masking import dialect_for

# sqlglot dialect -> the OpenLineage namespace scheme (naming spec); tsql is SQL Server's.
_SCHEMES = {"tsql": "mssql", "athena": "awsathena"}
# Ports the platforms listen on unless configured otherwise (the spec's namespaces carry a port).
DEFAULT_PORTS = {"postgres": "5432", "redshift": "5439", "mysql": "3306", "mssql": "1433", "sqlserver": "1433",
                 "oracle": "1521"}
# The spec's name parts per platform (others: database.schema.table); empty parts are left out.
_NAME_PARTS = {"mysql": ("database", "object"), "teradata": ("database", "object"), "hive": ("database", "object"),
               "sqlserver": ("schema", "object")}
_SNOWFLAKE_SUFFIX = ".snowflakecomputing.com"
_REDSHIFT_HOST = re.compile(r"^([^.]+)\.[^.]+\.([a-z0-9-]+)\.redshift(?:-serverless)?\.amazonaws\.com$")
UNKNOWN_SCHEME = "kada"


@dataclass(frozen=True, order=True)
class DatasetName:
    """An OpenLineage dataset identifier."""

    namespace: str
    name: str


@dataclass(frozen=True)
class DataSource:
    """What the extract says about a data source: its platform and how to reach it."""

    platform: str  # a naming-spec scheme (snowflake, postgres, ...) or a SaaS type (salesforce, hubspot, ...)
    warehouse: bool  # a SQL platform (tables in databases) rather than a SaaS application
    port: str = ""
    account: str = ""  # Snowflake: the account as configured, for hosts that do not name it


def platform_of(vendor_type: str | None) -> tuple[str, bool]:
    """A vendor's source/destination type as (scheme, is a warehouse): `SNOWFLAKE` -> snowflake,
    `POSTGRES` -> postgres, `azure_synapse` -> sqlserver, `SALESFORCE_V2` -> salesforce."""
    key = re.sub(r"[^a-z0-9]+", "_", str(vendor_type or "").strip().lower()).strip("_")
    key = re.sub(r"_v\d+$", "", key)
    if not key:
        return "", False
    if "synapse" in key:
        return "sqlserver", True  # the spec's Azure Synapse namespace
    dialect = dialect_for(key)
    if dialect:
        return _SCHEMES.get(dialect, dialect), True
    return key.replace("_", "-"), False


def properties(row: Mapping[str, Any] | None) -> dict[str, Any]:
    """A metadata row's `properties` (the object's API fields, redacted) as a dict; {} when unreadable."""
    if not row:
        return {}
    try:
        value = json.loads(row.get("properties") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _config(props: Mapping[str, Any]) -> dict[str, Any]:
    config = props.get("configuration") or props.get("config") or {}
    return config if isinstance(config, dict) else {}


def _text(config: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = config.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def data_source_of(row: Mapping[str, Any]) -> DataSource | None:
    """The data source a metadata row (a source or destination) describes, from its `type` and config."""
    props = properties(row)
    # Hevo Standard and Hightouch say `type`; Hevo Edge `source_type` / `destination_type` and `connector_id`.
    kind = next((props[k] for k in ("type", "source_type", "destination_type", "connector_id") if props.get(k)), None)
    platform, warehouse = platform_of(kind)
    if not platform:
        return None
    config = _config(props)
    account = _text(config, "account", "account_name")
    region = _text(config, "region")
    if account and region and "." not in account:
        account = f"{account}.{region}"
    return DataSource(platform, warehouse, port=_text(config, "port"), account=account)


class DataSources:
    """The partition's data sources by K host and by object_id, read from its metadata rows."""

    def __init__(self, metadata: Iterable[Mapping[str, Any]]) -> None:
        self._by_key: dict[str, DataSource] = {}
        for row in metadata:
            if row.get("object_type") not in ("source", "destination"):
                continue
            source = data_source_of(row)
            if source is None:
                continue
            self._by_key.setdefault(str(row["object_id"]), source)
            if row.get("host"):
                self._by_key.setdefault(str(row["host"]), source)

    def get(self, key: str | None) -> DataSource | None:
        return self._by_key.get(key or "")

    def for_host(self, host: str) -> DataSource | None:
        """By the host's data source; else the two hosts that name their platform."""
        known = self.get(host)
        if known is not None:
            return known
        lowered = host.lower()
        if lowered.endswith(_SNOWFLAKE_SUFFIX):
            return DataSource("snowflake", True)
        if _REDSHIFT_HOST.match(lowered):
            return DataSource("redshift", True)
        return None


def snowflake_account(host: str, account: str = "") -> str:
    """The account identifier as OpenLineage names Snowflake: `orgname-accountname` as is, a legacy account
    locator as `<locator>.<region>.<cloud>` with AWS the default cloud (and `us-west-1` the default region)
    (PUBLIC: OpenLineage `integration/common` `provider/snowflake.py` fix_account_name, used by its dbt and
    Airflow integrations, so our names meet theirs)."""
    lowered = host.lower()
    ident = lowered[: -len(_SNOWFLAKE_SUFFIX)] if lowered.endswith(_SNOWFLAKE_SUFFIX) else (account or host)
    ident = ident.lower().split("://")[-1].strip("/")
    parts = ident.split(".")
    if "-" in parts[0]:
        return parts[0]
    if len(parts) == 1:
        return f"{parts[0]}.us-west-1.aws"
    if len(parts) == 2:
        return f"{parts[0]}.{parts[1]}.aws"
    return ident


def warehouse_namespace(source: DataSource, host: str) -> str:
    """The naming spec's namespace of a warehouse platform reached at `host`."""
    platform = source.platform
    if platform == "snowflake":
        return f"snowflake://{snowflake_account(host, source.account)}"
    if platform == "bigquery":
        return "bigquery"
    port = source.port or DEFAULT_PORTS.get(platform, "")
    if platform == "redshift":
        match = _REDSHIFT_HOST.match(host.lower())
        if match:
            return f"redshift://{match.group(1)}.{match.group(2)}:{port}"
    if platform == "databricks":
        return f"databricks://{host}"
    return f"{platform}://{host}:{port}" if port else f"{platform}://{host}"


def warehouse_name(platform: str, database: str, schema: str, table: str) -> str:
    parts = {"database": database, "schema": schema, "object": table}
    return ".".join(p for p in (parts[k] for k in _NAME_PARTS.get(platform, ("database", "schema", "object"))) if p)


def own_authority(object_id: str, job_namespace: str) -> str:
    """`hightouch:destination:3100` in `hightouch://4821` -> `hightouch-4821-destination-3100`: a URI
    authority for an unmapped destination that no other workspace or account can also have."""
    source_type, _, rest = object_id.partition(":")
    authority = re.sub(r"[^A-Za-z0-9.-]+", "-", job_namespace.split("://", 1)[-1])
    return f"{source_type}-{authority}-{rest.replace(':', '-')}"
