"""Across tools, end to end: from a PostgreSQL column to a Salesforce field through both instances'
landed linkages alone (contract v2 and v3 spellings), as K would walk them.

The simulators serve `kada_sim.story`: a Hevo pipeline loads crm.public.customers into Snowflake, a Hevo
model builds ANALYTICS.MARTS.DIM_CUSTOMERS from it, a Hightouch model reads the mart and a sync writes
Salesforce Contact fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg
import pytest

from kada_dagster_tests import hevo_helpers, ht_helpers
from kada_sim.hevo import HevoSimConfig, HevoSimulator
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator
from kada_sim.story import POSTGRES_COLUMN, SALESFORCE_FIELD, SNOWFLAKE_HOST, walk

DAY, STAMP = "2026-11-22", "20261123000000"
@pytest.fixture(scope="module")
def linkages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, str]]]:
    rows: list[dict[str, str]] = []
    tmp = tmp_path_factory.mktemp("story")
    hightouch = HightouchSimulator(HightouchSimConfig(seed=42, end=ht_helpers.END, days=3, story=True))
    with hightouch.serve() as url:
        result = ht_helpers.materialise(ht_helpers.build_defs(url, hightouch.config.token, tmp / "ht"),
                                        partition=DAY)
    assert result.success
    rows += hevo_helpers.read_csv(tmp / "ht" / "landing" / "lz" / "hightouch" / "landing"
                                  / f"hightouch_linkages_{STAMP}.csv.gz")
    hevo = HevoSimulator(HevoSimConfig(seed=42, end=ht_helpers.END, days=3, flavour="standard", story=True))
    with hevo.serve():
        job = hevo_helpers.build_defs(hevo, tmp / "hevo").resolve_implicit_global_asset_job_def()
        assert job.execute_in_process(partition_key=DAY, raise_on_error=False,
                                      instance=dg.DagsterInstance.ephemeral()).success
    rows += hevo_helpers.read_csv(hevo_helpers.landed_dir(tmp / "hevo") / f"hevo_linkages_{STAMP}.csv.gz")
    yield rows


def test_a_postgres_column_reaches_its_salesforce_field_through_both_tools(linkages: list[dict[str, str]]) -> None:
    paths = walk(linkages, POSTGRES_COLUMN)
    ends = {path[-1][0][3:] for path in paths}
    assert SALESFORCE_FIELD in ends, paths
    path = next(p for p in paths if p[-1][0][3:] == SALESFORCE_FIELD)
    hops: list[Any] = [(node[0], node[1], node[2], node[3], node[4], word) for node, word in path]
    # Hevo pipeline: crm.public.customers.email → Snowflake RAW.CUSTOMERS.EMAIL (copied)
    assert hops[1][:5] == (SNOWFLAKE_HOST, "ANALYTICS", "RAW", "CUSTOMERS", "EMAIL")
    # Hevo model: LOWER(c.email) → MARTS.DIM_CUSTOMERS.EMAIL (computed)
    assert hops[2] == (SNOWFLAKE_HOST, "ANALYTICS", "MARTS", "DIM_CUSTOMERS", "EMAIL", "TRANSFORMATION")
    # Hightouch model: the mart's EMAIL → the model column the sync maps (same host, database, table spelling)
    assert hops[3][0] == "app.hightouch.com" and hops[3][3].startswith("hightouch:model:") and hops[3][4] == "EMAIL"
    assert hops[3][5] == "IDENTITY" and len(hops) == 5


def test_the_walk_never_names_a_column_neither_tool_shows(linkages: list[dict[str, str]]) -> None:
    ends = {path[-1][0] for path in walk(linkages, POSTGRES_COLUMN)}
    # email feeds only the Salesforce Email field (LOWER(email) → EMAIL → Email): no other end is reached
    assert {end[3:] for end in ends} == {SALESFORCE_FIELD}
    first_name = walk(linkages, (*POSTGRES_COLUMN[:4], "first_name"))
    assert {p[-1][0][3:] for p in first_name} == {("Contact", "Name")}
