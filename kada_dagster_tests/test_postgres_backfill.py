"""Issue 10 item 6: the shipped deploy/dagster.postgres.yaml runs a deployment: dagster-daemon and
dagster-webserver on loopback, run/event-log/schedule storage in a real PostgreSQL server, a 3-partition
backfill launched through the webserver's GraphQL API (launchPartitionBackfill over HTTP, as the UI does),
every run successful and every file set landed.
"""

from __future__ import annotations

import json
from typing import Any

from kada_dagster_tests.daemon_helpers import Deployment, day

INSTANCE = "hightouch_pg"
PARTITIONS = [day(-6), day(-5), day(-4)]
DONE = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


def _stored_in_postgres(d: Deployment, run_ids: list[str]) -> dict[str, int]:
    """Reads the runs and their events straight from PostgreSQL's tables, not through Dagster."""
    import psycopg2

    connection = psycopg2.connect(d.pg_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM runs WHERE run_id = ANY(%s)", (run_ids,))
            runs = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM event_logs WHERE run_id = ANY(%s)", (run_ids,))
            events = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM instigators")
            instigators = cursor.fetchone()[0]
    finally:
        connection.close()
    return {"runs": runs, "events": events, "instigators": instigators}


def test_three_partition_backfill_over_graphql_on_postgres(dagster_deployment: Any) -> None:
    d: Deployment = dagster_deployment
    assert type(d.instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(d.instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(d.instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    assert type(d.instance.run_coordinator).__name__ == "QueuedRunCoordinator"

    backfill_id = d.launch_backfill(INSTANCE, PARTITIONS)
    status = d.wait_for("the backfill to complete",
                        lambda: (s := d.backfill_status(backfill_id)) in DONE and s, 180)
    runs = d.runs("dagster/backfill", backfill_id)
    assert status == "COMPLETED_SUCCESS", (status, runs, d.log_tails())
    assert runs and all(r["status"] == "SUCCESS" for r in runs), runs
    stored = _stored_in_postgres(d, [r["runId"] for r in runs])
    assert stored["runs"] == len(runs) and stored["events"] > 10 * len(runs) and stored["instigators"] > 0

    # every partition's file set is complete in the landing directory: the manifest lists each file
    # with its size, and each is there with that size
    directory = d.landing / "lz" / INSTANCE / "landing"
    manifests = {}
    for path in directory.glob(f"{INSTANCE}_manifest_*.json"):
        body = json.loads(path.read_text())
        manifests[body["window_start"][:10]] = body  # contract section 3: the window's start, UTC
    assert sorted(manifests) == PARTITIONS, sorted(p.name for p in directory.iterdir())
    for partition in PARTITIONS:
        listed = manifests[partition]["files"]
        assert sorted(e["name"].split("_")[-2] for e in listed) == sorted(
            ["metadata", "linkages", "events", "databaselog"])
        for entry in listed:
            assert (directory / entry["name"]).stat().st_size == entry["bytes"]

    # and Dagster recorded the landing of each partition (the UI's asset page reads these)
    from dagster import AssetKey

    landed = d.instance.get_materialized_partitions(AssetKey([INSTANCE, "landing"]))
    assert set(PARTITIONS) <= landed
    assert d.simulators[INSTANCE].stats.rate_limited == 0
