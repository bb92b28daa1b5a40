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

Modules: ``config`` (configuration, enums, profiles), ``vocabulary`` (tables, SQL, names), ``blobs``
(configuration blobs), ``state`` / ``runs`` / ``models`` / ``syncs`` / ``workspace`` (generation, one layer
each), ``truth`` (ground truth for tests), ``routes`` (HTTP) and ``simulator`` (:class:`HightouchSimulator`,
``main``). The names below are re-exported, so ``from kada_sim.hightouch import ...`` works as before.
"""

from __future__ import annotations

from kada_sim.hightouch.config import (
    API_PREFIX,
    EVENT_STATUS,
    LIST_ENDPOINTS,
    OBJECT_ORDER_BY,
    PAGE_CAP,
    PROFILES,
    RUN_ORDER_BY,
    SYNC_RUN_STATUSES,
    SYNC_STATUSES,
    HightouchSimConfig,
    _SyncRuntime,
)
from kada_sim.hightouch.simulator import HightouchSimulator, main
from kada_sim.hightouch.vocabulary import (
    AUDIENCE_NAMES,
    DBT_TEMPLATES,
    DEST_CYCLE,
    DEST_NAMES,
    FAILED_ERRORS,
    INTERRUPTED_ERROR,
    RAW_SQL_TEMPLATES,
    SAAS_SOURCE_TYPES,
    SF_FIELDS,
    SOURCE_CYCLE,
    SOURCE_NAMES,
    STATIC_MAPPING,
    TABLE_COLUMNS,
    TEMPLATE_MAPPING,
    slugify,
    sync_id_for,
)

__all__ = [
    "API_PREFIX",
    "AUDIENCE_NAMES",
    "DBT_TEMPLATES",
    "DEST_CYCLE",
    "DEST_NAMES",
    "EVENT_STATUS",
    "FAILED_ERRORS",
    "INTERRUPTED_ERROR",
    "LIST_ENDPOINTS",
    "OBJECT_ORDER_BY",
    "PAGE_CAP",
    "PROFILES",
    "RAW_SQL_TEMPLATES",
    "RUN_ORDER_BY",
    "SAAS_SOURCE_TYPES",
    "SF_FIELDS",
    "SOURCE_CYCLE",
    "SOURCE_NAMES",
    "STATIC_MAPPING",
    "SYNC_RUN_STATUSES",
    "SYNC_STATUSES",
    "TABLE_COLUMNS",
    "TEMPLATE_MAPPING",
    "HightouchSimConfig",
    "HightouchSimulator",
    "_SyncRuntime",
    "main",
    "slugify",
    "sync_id_for",
]
