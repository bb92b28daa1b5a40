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

Modules: ``config`` (configuration, enums, profiles), ``vocabulary`` (tables, types, model SQL),
``identifiers`` (stored spellings), ``blobs`` (configuration blobs, schema mappings), ``state`` / ``jobs`` /
``standard_models`` / ``standard`` / ``edge`` (generation, one layer each), ``truth`` (ground truth for tests),
``routes`` / ``edge_routes`` (HTTP) and ``simulator`` (:class:`HevoSimulator`, ``main``). The names below are
re-exported, so ``from kada_sim.hevo import ...`` works as before.
"""

from __future__ import annotations

from kada_sim.hevo.config import (
    EDGE_OBJECT_STATUSES,
    EDGE_PIPELINE_STATUSES,
    EDGE_PREFIX,
    EDGE_PROFILES,
    EDGE_REPLICATION_STATUSES,
    FLAVOURS,
    JOB_STATUSES,
    JOB_TYPES,
    LOADED_FIELD_STATUS,
    MAPPING_STATUSES,
    PROFILES,
    STANDARD_OBJECT_STATUSES,
    STANDARD_PREFIX,
    STANDARD_PROFILES,
    HevoSimConfig,
    _PipelineRuntime,
)
from kada_sim.hevo.simulator import HevoSimulator, main
from kada_sim.hevo.vocabulary import (
    DB_TABLES,
    DEFAULT_TRANSFORMATION_CODE,
    DEST_TYPE_NAMES,
    EDGE_SOURCES,
    MODEL_COLUMN_TRUTH,
    MODEL_TEMPLATES,
    SF_CATEGORY,
    SF_OBJECTS,
    SOURCE_TYPE_NAMES,
    STANDARD_SOURCES,
    TRANSFORMATION_CODE,
)

__all__ = [
    "DB_TABLES",
    "DEFAULT_TRANSFORMATION_CODE",
    "DEST_TYPE_NAMES",
    "EDGE_OBJECT_STATUSES",
    "EDGE_PIPELINE_STATUSES",
    "EDGE_PREFIX",
    "EDGE_PROFILES",
    "EDGE_REPLICATION_STATUSES",
    "EDGE_SOURCES",
    "FLAVOURS",
    "JOB_STATUSES",
    "JOB_TYPES",
    "LOADED_FIELD_STATUS",
    "MAPPING_STATUSES",
    "MODEL_COLUMN_TRUTH",
    "MODEL_TEMPLATES",
    "PROFILES",
    "SF_CATEGORY",
    "SF_OBJECTS",
    "SOURCE_TYPE_NAMES",
    "STANDARD_OBJECT_STATUSES",
    "STANDARD_PREFIX",
    "STANDARD_PROFILES",
    "STANDARD_SOURCES",
    "TRANSFORMATION_CODE",
    "HevoSimConfig",
    "HevoSimulator",
    "_PipelineRuntime",
    "main",
]
