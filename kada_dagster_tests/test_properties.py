"""Property-based tests (hypothesis) of the record parsers, the normalisers and masking (issue 11, deliverable 5).

Arbitrary JSON within the APIs' shapes (the documented keys present, with any JSON value; other keys added)
never crashes a parser or a normaliser; the tables a normaliser builds keep their ids unique and pass the
contract check; a masked SQL text or error message never contains an original literal. Bounded
(max_examples, deadline) so the whole file runs in seconds.
"""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kada_dagster.core.checks import contract_check
from kada_dagster.core.collector import NormaliseContext, PartitionWindow, RawPartition
from kada_dagster.core.extract.masking import mask_sql, mask_text
from kada_dagster.core.extract.schema import KINDS
from kada_dagster.core.problems import ProblemLog
from kada_dagster.core.settings import resolve_settings
from kada_dagster.core.storage import IntermediateStore
from kada_dagster.hevo import objects as hevo_obj
from kada_dagster.hevo import records as hevo
from kada_dagster.hevo.definitions import HevoCollector
from kada_dagster.hevo.resources import HevoResource
from kada_dagster.hightouch import records as ht
from kada_dagster.hightouch.definitions import HightouchCollector
from kada_dagster.hightouch.resources import HIGHTOUCH_PROFILE

BOUNDED = settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
NORMALISE = settings(max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
DAY = "2026-11-22"
WINDOW = PartitionWindow(DAY, datetime(2026, 11, 22, tzinfo=timezone.utc), datetime(2026, 11, 23, tzinfo=timezone.utc))

scalars = st.none() | st.booleans() | st.integers(-10**12, 10**15) | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)
ids = st.integers(1, 40) | st.text("abc123-", min_size=1, max_size=6) | st.none()
timestamps = st.sampled_from(["2026-11-22T01:02:03Z", "2026-11-22T23:59:59.999Z", "yesterday", "", None]) \
    | st.integers(1_700_000_000_000, 1_800_000_000_000)


def shaped(**keys: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """An object with the API's keys (each maybe absent), any JSON under them, extra keys; or any JSON."""
    fixed = st.fixed_dictionaries({}, optional={k: v | json_values for k, v in keys.items()})
    extra = st.dictionaries(st.text(max_size=10), json_values, max_size=3)
    return st.builds(lambda a, b: {**b, **a}, fixed, extra) | json_values


ht_sources = shaped(id=ids, name=st.text(max_size=20), type=st.sampled_from(["postgres", "snowflake", "bigquery"]),
                    configuration=json_values, createdAt=timestamps)
ht_models = shaped(id=ids, name=st.text(max_size=20), sourceId=ids, parentId=ids,
                   queryType=st.sampled_from(["table", "raw_sql", "dbt", "visual", "custom", "weird"]),
                   raw=st.fixed_dictionaries({"sql": st.text(max_size=60)}), table=json_values, dbt=json_values,
                   createdAt=timestamps)
ht_destinations = shaped(id=ids, name=st.text(max_size=20), type=st.text(max_size=10), configuration=json_values)
ht_syncs = shaped(id=ids, modelId=ids, destinationId=ids, configuration=json_values, lastRunAt=timestamps,
                  status=st.text(max_size=10), createdAt=timestamps)
ht_runs = shaped(id=ids, syncId=ids, status=st.sampled_from(["success", "failed", "queued", "exploded"]),
                 startedAt=timestamps, finishedAt=timestamps, createdAt=timestamps, error=json_values,
                 plannedRows=json_values, successfulRows=json_values, failedRows=json_values)

hevo_pipelines = shaped(id=ids, name=st.text(max_size=20), status=st.text(max_size=10), created_ts=timestamps,
                        source=json_values, destination=json_values)
hevo_objects = shaped(_pipeline_id=ids, object_id=ids, name=st.text(max_size=20), status=st.text(max_size=10),
                      last_run_ts=timestamps, fields=json_values, source_namespace=json_values)
hevo_models = shaped(id=ids, name=st.text(max_size=20), source_query=st.text(max_size=60), output_table=json_values,
                     destination=json_values, last_run_ts=timestamps)
hevo_jobs = shaped(_pipeline_id=ids, job_id=ids, status=st.text(max_size=12), created_ts=timestamps,
                   ended_ts=timestamps, stats=json_values)
hevo_mappings = shaped(_pipeline_id=ids, _event_type=st.text(max_size=12), destination_table=json_values,
                       field_mappings=json_values, mapping_status=st.text(max_size=10))


# --- parsers ----------------------------------------------------------------------------------------
@BOUNDED
@given(st.lists(st.tuples(st.sampled_from(["source", "model", "destination", "sync", "run"]),
                          ht_sources | ht_models | ht_syncs | ht_runs), max_size=6))
def test_hightouch_parsers_never_crash_and_return_a_record_or_none(items: list[tuple[str, Any]]) -> None:
    problems = ProblemLog()
    parsers = {"source": ht.parse_source, "model": ht.parse_model, "destination": ht.parse_destination,
               "sync": ht.parse_sync, "run": lambda d, p: ht.parse_run(d, "7", p)}
    for kind, data in items:
        record = parsers[kind](data, problems)
        assert record is None or (isinstance(record.id, str) and record.id)


@BOUNDED
@given(st.lists(hevo_pipelines | hevo_objects | hevo_models | hevo_jobs, max_size=6), st.text(max_size=10))
def test_hevo_parsers_never_crash_and_return_a_record_or_none(items: list[Any], event_type: str) -> None:
    problems = ProblemLog()
    for data in items:
        for parse in (hevo.parse_pipeline, hevo.parse_destination, hevo.parse_model, hevo.parse_workflow,
                      lambda d, p: hevo_obj.parse_object(d, p, "1"), lambda d, p: hevo.parse_job(d, p, "1"),
                      lambda d, p: hevo_obj.parse_event_type(d, "pipeline 1", p)):
            record = parse(data, problems)
            assert record is None or dataclasses.is_dataclass(record)
        if isinstance(data, dict):
            assert dataclasses.is_dataclass(hevo_obj.parse_mapping(data, event_type, problems))


# --- normalisers ------------------------------------------------------------------------------------
def _normalise(source: Any, instance: str, collections: dict[str, list[Any]], settings_: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = IntermediateStore(Path(tmp))
        writer = store.raw_writer(instance, DAY)
        for name, records in collections.items():
            writer.add_many(name, records)
        writer.commit({})
        ctx = NormaliseContext(settings_, WINDOW, ProblemLog())
        return source.normalise(RawPartition(store, instance, WINDOW), ctx).tables


def assert_valid_tables(tables: dict[str, Any]) -> None:
    for kind in KINDS:
        outcome = contract_check(kind, tables[kind])
        assert outcome.passed, (kind, outcome.problems)  # columns, enums, non-null unique ids
    ids = tables["metadata"].column("object_id").to_pylist()
    assert len(ids) == len(set(ids))


@NORMALISE
@given(st.lists(ht_sources, max_size=4), st.lists(ht_models, max_size=5), st.lists(ht_destinations, max_size=3),
       st.lists(ht_syncs, max_size=5), st.lists(ht_runs, max_size=6))
def test_the_hightouch_normaliser_never_crashes_and_keeps_ids_unique(
    sources: list[Any], models: list[Any], destinations: list[Any], syncs: list[Any], runs: list[Any],
) -> None:
    settings_ = resolve_settings(HIGHTOUCH_PROFILE, env={})
    tables = _normalise(HightouchCollector(), "hightouch", {"sources": sources, "models": models,
                        "destinations": destinations, "syncs": syncs, "sync_runs": runs}, settings_)
    assert_valid_tables(tables)


@NORMALISE
@given(st.sampled_from(["standard", "edge"]), st.lists(hevo_pipelines, max_size=4),
       st.lists(hevo_objects, max_size=5), st.lists(hevo_models, max_size=3), st.lists(hevo_jobs, max_size=5),
       st.lists(hevo_mappings, max_size=4))
def test_the_hevo_normaliser_never_crashes_and_keeps_ids_unique(
    flavour: str, pipelines: list[Any], objects: list[Any], models: list[Any], jobs: list[Any],
    mappings: list[Any],
) -> None:
    settings_ = HevoResource(base_url="http://127.0.0.1:1", flavour=flavour).settings()
    collections = {"pipelines": pipelines, "pipeline_objects": objects, "destinations": [], "models": models,
                   "workflows": [], "schema_mappings": mappings, "jobs": jobs,
                   "last_runs": [{"kind": "model", "record": m} for m in models if isinstance(m, dict)]}
    assert_valid_tables(_normalise(HevoCollector(), "hevo", collections, settings_))


# --- masking ----------------------------------------------------------------------------------------
literals = st.text("abcdefghijklmnopqrstuvwxyz0123456789@._-", min_size=3, max_size=16).map(lambda s: "zq" + s)
numbers = st.integers(10_000, 10**12).map(str)


@BOUNDED
@given(st.lists(literals, min_size=1, max_size=4), st.lists(numbers, min_size=1, max_size=3),
       st.sampled_from(["snowflake", "postgres", "bigquery", None]))
def test_masked_sql_never_contains_an_original_literal(texts: list[str], nums: list[str], dialect: str | None) -> None:
    conditions = [f"c{i} = '{t}'" for i, t in enumerate(texts)] + [f"n{i} > {n}" for i, n in enumerate(nums)]
    sql = f"SELECT a, b FROM raw.orders WHERE {' AND '.join(conditions)}"
    masked = mask_sql(sql, dialect)
    assert masked is not None and "raw.orders" in masked
    for literal in [*texts, *nums]:
        assert literal not in masked, (literal, masked)


@BOUNDED
@given(st.lists(literals | numbers, min_size=1, max_size=4))
def test_a_masked_error_text_never_contains_an_original_value(values: list[str]) -> None:
    text = "NON_UNIQUE_KEY: " + ", ".join(f"column \"c{i}\" value '{v}'" for i, v in enumerate(values))
    masked = mask_text(text)
    assert masked is not None and "NON_UNIQUE_KEY" in masked
    for value in values:
        assert value not in masked, (value, masked)
