"""OpenLineage end to end, over real sockets: both collectors against the simulators with the cross-tool story
on, `OPENLINEAGE_URL` pointing at a loopback receiver that imitates Marquez's `POST /api/v1/lineage`.

Every event received validates against the OpenLineage JSON schemas of the client's spec version; the counts
per kind follow from the extract tables; the story's column path runs through the columnLineage facets of
both instances' events; a second materialisation re-sends the same events (same run ids); a failing or
unreachable receiver fails only the openlineage asset, naming the setting; no secret and no literal leaves.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow.parquet as pq
import pytest

from kada_dagster.core.extract.masking import mask_sql, mask_text
from kada_dagster_tests import hevo_helpers, ht_helpers
from kada_dagster_tests.openlineage_helpers import (
    DAY,
    MarquezReceiver,
    clear_openlineage_env,
    column_graph,
    kind,
    validate_event,
    walk,
)
from kada_sim.hevo import HevoSimConfig, HevoSimulator
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator
from kada_sim.server import SECRET_MARKER
from kada_sim.story import CONTACTS_SQL

# (seed 42, the story on, the simulators' fixed END): a change here is a change of the simulators or of the
# translation, to be reviewed like a snapshot.
EXPECTED = {"hightouch": {"JOB": 34, "START": 64, "COMPLETE": 56, "FAIL": 2, "ABORT": 2},
            "hevo_standard": {"JOB": 52, "START": 30, "COMPLETE": 5, "FAIL": 2},
            "hevo_edge": {"JOB": 42, "START": 24, "COMPLETE": 18, "FAIL": 1}}
JOB_TYPES = {"hightouch": {"sync", "model"}, "hevo": {"pipeline", "pipeline_object", "model", "workflow"}}
TERMINAL = {"SUCCESS": "COMPLETE", "WARNING": "COMPLETE", "FAILED": "FAIL", "CANCELLED": "ABORT", "SKIPPED": "ABORT"}


@dataclass
class Collected:
    name: str
    instance: str
    tmp: Path
    defs: dg.Definitions
    events: list[dict[str, Any]]
    secrets: list[str]

    def table(self, kind: str) -> list[dict[str, Any]]:
        return pq.read_table(self.tmp / "intermediate" / self.instance / "tables" / DAY / f"{kind}.parquet").to_pylist()


def _run(defs: dg.Definitions, **kwargs: Any) -> dg.ExecuteInProcessResult:
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        partition_key=DAY, raise_on_error=False, instance=dg.DagsterInstance.ephemeral(), **kwargs)


def _collect(receiver: MarquezReceiver, name: str, instance: str, tmp: Path, build: Any) -> Collected:
    before = len(receiver.snapshot())
    defs, secrets = build(tmp)
    assert _run(defs).success
    return Collected(name, instance, tmp, defs, receiver.snapshot()[before:], secrets)


@pytest.fixture(scope="module")
def receiver() -> Iterator[MarquezReceiver]:
    yield MarquezReceiver()


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory, receiver: MarquezReceiver) -> Iterator[dict[str, Collected]]:
    tmp = tmp_path_factory.mktemp("openlineage")
    ht = HightouchSimulator(HightouchSimConfig(seed=42, end=ht_helpers.END, days=3, story=True))
    standard = HevoSimulator(HevoSimConfig(seed=42, end=ht_helpers.END, days=3, flavour="standard", story=True))
    edge = HevoSimulator(HevoSimConfig(seed=42, end=ht_helpers.END, days=3, flavour="edge"))
    with pytest.MonkeyPatch.context() as mp, receiver.serve() as url, ht.serve() as ht_url, standard.serve(), \
            edge.serve():
        clear_openlineage_env(mp)
        mp.setenv("OPENLINEAGE_URL", url)
        found = {
            "hightouch": _collect(receiver, "hightouch", "hightouch", tmp / "ht", lambda d: (
                ht_helpers.build_defs(ht_url, ht.config.token, d), [ht.config.token, *ht.secret_values()])),
            "hevo_standard": _collect(receiver, "hevo_standard", "hevo", tmp / "standard", lambda d: (
                hevo_helpers.build_defs(standard, d), [standard.config.api_secret, *standard.secret_values()])),
            "hevo_edge": _collect(receiver, "hevo_edge", "hevo", tmp / "edge", lambda d: (
                hevo_helpers.build_defs(edge, d), [edge.config.api_secret, *edge.secret_values()])),
        }
        yield found


def test_counts_per_kind_follow_from_the_extract_tables(collected: dict[str, Collected]) -> None:
    for name, run in collected.items():
        counts = Counter(kind(e) for e in run.events)
        assert dict(counts) == EXPECTED[name], name
        metadata, events = run.table("metadata"), run.table("events")
        jobs = [r for r in metadata if r["object_type"] in JOB_TYPES[run.instance]]
        expected = Counter({"JOB": len(jobs), "START": len(events)})
        expected.update(TERMINAL[r["status"]] for r in events if r["status"] in TERMINAL)
        assert counts == expected, name
        # one START per run; a terminal event only for a run whose outcome is known, at its end
        by_run: dict[str, list[dict[str, Any]]] = {}
        for event in run.events:
            if "run" in event:
                by_run.setdefault(event["run"]["runId"], []).append(event)
        assert len(by_run) == len(events) and all(kind(evs[0]) == "START" for evs in by_run.values())
    statuses = Counter(r["status"] for run in collected.values() for r in run.table("events"))
    assert {"SUCCESS", "FAILED", "RUNNING", "QUEUED", "UNKNOWN", "CANCELLED"} <= set(statuses)


def test_every_event_validates_against_the_openlineage_schemas(collected: dict[str, Collected],
                                                               receiver: MarquezReceiver) -> None:
    events = [e for run in collected.values() for e in run.events]
    assert len(events) == sum(sum(c.values()) for c in EXPECTED.values())
    errors = [(kind(e), error) for e in events for error in validate_event(e)]
    assert errors == []
    facets = Counter(name for e in events for name in (e.get("run") or {}).get("facets", {}))
    assert facets["nominalTime"] > 0 and facets["errorMessage"] > 0 and facets["tags"] > 0  # the client's
    job_facets = Counter(name for e in events for name in e["job"]["facets"])
    assert {"jobType", "documentation", "sql"} <= set(job_facets)
    stats = [o["outputFacets"]["outputStatistics"] for e in events for o in e.get("outputs") or []
             if "outputStatistics" in (o.get("outputFacets") or {})]
    assert stats and all(isinstance(s["rowCount"], int) for s in stats)
    assert all(h.get("Content-Type") == "application/json" for h in receiver.headers)


def test_the_story_column_runs_from_postgres_to_salesforce_through_both_instances(
        collected: dict[str, Collected]) -> None:
    events = collected["hightouch"].events + collected["hevo_standard"].events
    start = ("postgres://crm-db.story.internal:5432", "crm.public.customers", "email")
    paths = [p for p in walk(column_graph(events), start) if p[-1][0][1:] == ("Contact", "Email")]
    assert len(paths) == 1, walk(column_graph(events), start)
    hops = [(node, word) for node, word in paths[0][1:]]
    snowflake = "snowflake://acmestory.ap-southeast-2.aws"
    assert hops[0] == ((snowflake, "ANALYTICS.RAW.CUSTOMERS", "EMAIL"), "DIRECT/IDENTITY")  # Hevo pipeline
    assert hops[1] == ((snowflake, "ANALYTICS.MARTS.DIM_CUSTOMERS", "EMAIL"), "DIRECT/TRANSFORMATION")  # Hevo model
    assert hops[2][0][0].startswith("hightouch://") and hops[2][0][1:] == ("model:5999", "EMAIL")  # Hightouch model
    assert hops[3][0][0].startswith("salesforce://hightouch-") and hops[3][1] == "DIRECT/IDENTITY"  # the sync
    jobs = {e["job"]["name"]: e for e in collected["hightouch"].events if kind(e) == "JOB"}
    assert jobs["model:5999"]["job"]["facets"]["sql"]["dialect"] == "snowflake"
    assert [o["name"] for o in jobs["sync:49999"]["outputs"]] == ["Contact"]
    indirect = [f for e in events if kind(e) == "JOB" for o in e["outputs"]
                for col in (o["facets"].get("columnLineage") or {}).get("fields", {}).values()
                for f in col["inputFields"] if f["transformations"] == [{"type": "INDIRECT"}]]
    assert indirect  # WHERE / JOIN columns are sent as INDIRECT input fields of each output column


def test_rematerialising_resends_the_same_events_and_run_ids(collected: dict[str, Collected],
                                                             receiver: MarquezReceiver) -> None:
    run = collected["hightouch"]
    ht = HightouchSimulator(HightouchSimConfig(seed=42, end=ht_helpers.END, days=3, story=True))
    with pytest.MonkeyPatch.context() as mp, receiver.serve() as url, ht.serve():
        clear_openlineage_env(mp)
        mp.setenv("OPENLINEAGE_URL", url)
        before = len(receiver.snapshot())
        result = _run(run.defs, asset_selection=[dg.AssetKey(["hightouch", "openlineage"])])
        again = receiver.snapshot()[before:]
    assert result.success
    run_ids = {e["run"]["runId"] for e in run.events if "run" in e}
    assert len(run_ids) == 64 and run_ids == {e["run"]["runId"] for e in again if "run" in e}
    assert again == run.events  # byte for byte the same events: consumers deduplicate


def test_no_secret_and_no_literal_leaves_in_the_events(collected: dict[str, Collected]) -> None:
    for run in collected.values():
        text = json.dumps(run.events)
        assert len(run.secrets) > 2
        assert SECRET_MARKER not in text and not [s for s in run.secrets if s in text], run.name
        for event in run.events:
            sql = event["job"]["facets"].get("sql")
            if sql:
                assert mask_sql(sql["query"], sql.get("dialect")) == sql["query"]  # masked: no literal left
            error = (event.get("run") or {}).get("facets", {}).get("errorMessage")
            if error:
                assert mask_text(error["message"]) == error["message"]
    text = json.dumps(collected["hightouch"].events)
    assert "'AU'" in CONTACTS_SQL and "'AU'" not in text and "IN ('?', '?')" in text
