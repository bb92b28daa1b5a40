"""The suite's fixtures (helpers live in the *_helpers modules, one per concern; no test module imports
another test module, test_shape checks it).

Real local servers, session-scoped, on 127.0.0.1 free ports (service_helpers has their plumbing):

- ``postgres_url``       throwaway PostgreSQL cluster (initdb + pg_ctl) -> ``postgresql://...`` URL
- ``dagster_pg_instance`` ``DagsterInstance`` whose run/event/schedule storage is that cluster
- ``moto_s3``            moto's S3-compatible server + fake AWS credentials in the environment
- ``azurite_blob``       Azurite's Blob service, with the well-known dev account and key
- ``dagster_deployment`` dagster-daemon + dagster-webserver on PostgreSQL

Why real servers: the landing targets (S3, Azure Blob) and Dagster's PostgreSQL storage are
exercised over the wire with the real client libraries (boto3, azure-storage-blob, psycopg2), so
auth, SAS and storage behaviour are tested rather than mocked. The servers are installed by
``scripts/test_services.sh install`` (``make test`` runs it). When one is missing, its fixture SKIPS
locally but FAILS under CI (env CI=true): a silently skipped suite in CI would prove nothing.

The simulated APIs: ``make_sim`` (start any number, stopped after the test), ``sim`` (the module's
Hightouch workspace, configured by the module's ``SIM_OPTIONS``) and ``sim_endpoint`` (its URL and token).
The landing stores: ``clean_landing_env``, ``extracted``, ``s3``, ``blob_admin``. The fault matrix:
``served`` (a collector against its simulator, per the module's ``COLLECTORS_SERVED``), ``collector`` and
``clean``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kada_dagster_tests.cloud_helpers import S3_KEY_ID, S3_SECRET
from kada_dagster_tests.fault_helpers import COLLECTORS, Collector, failure_text, landed_csvs, serving
from kada_dagster_tests.landing_helpers import hightouch_defs, run_daily, yesterday
from kada_dagster_tests.service_helpers import (
    AWS_ENV_TO_CLEAR,
    AZURITE_ACCOUNT_KEY,
    AZURITE_ACCOUNT_NAME,
    PG_DATABASE,
    PG_PASSWORD,
    PG_USER,
    SERVER_START_TIMEOUT_S,
    azurite_answers,
    find_azurite_blob,
    find_pg_bindir,
    free_port,
    pg_run_user,
    run_pg_tool,
    stop_process,
    unavailable,
    wait_for_port,
)
from kada_dagster_tests.sim_helpers import sim_starter
from kada_sim.hevo import HevoSimConfig, HevoSimulator
from kada_sim.hightouch import HightouchSimConfig, HightouchSimulator

# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1:<free port>, torn down at session end.

    Yields ``postgresql://kada:<pw>@127.0.0.1:<port>/kada_test`` (superuser ``kada``, password auth
    over TCP). fsync is off: the data is disposable and this keeps the suite fast.
    """
    bindir = find_pg_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found")
    run_as = pg_run_user()

    # Not under pytest's tmp dir: that is 0700 root-owned, and the server runs as another user.
    base = Path(tempfile.mkdtemp(prefix="kada-pg-"))
    base.chmod(0o755)
    data, sock, logs = base / "data", base / "sock", base / "log"
    server_log = logs / "server.log"
    pwfile = base / "pwfile"
    pwfile.write_text(PG_PASSWORD + "\n")
    for d in (data, sock, logs):
        d.mkdir(mode=0o700)
    if run_as:  # everything the server (running as run_as) writes or reads must be its own
        ent = pwd.getpwnam(run_as)
        for p in (data, sock, logs, pwfile):
            os.chown(p, ent.pw_uid, ent.pw_gid)

    pg_ctl = str(bindir / "pg_ctl")
    started = False
    try:
        r = run_pg_tool(
            [str(bindir / "initdb"), "-D", str(data), "-U", PG_USER, f"--pwfile={pwfile}",
             "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
            run_as, base,
        )  # fmt: skip
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")

        port = 0
        for _attempt in range(3):  # retry: another process may grab the free port first
            port = free_port()
            opts = (
                f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            r = run_pg_tool([pg_ctl, "-D", str(data), "-l", str(server_log), "-o", opts,
                      "-w", "-t", str(int(SERVER_START_TIMEOUT_S)), "start"], run_as, base)  # fmt: skip
            if r.returncode == 0:
                started = True
                break
        if not started:
            log = server_log.read_text(errors="replace") if server_log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{r.stdout}\n{r.stderr}\n{log[-4000:]}")

        import psycopg2  # dagster-postgres dependency

        admin = psycopg2.connect(
            host="127.0.0.1", port=port, user=PG_USER, password=PG_PASSWORD, dbname="postgres"
        )
        try:
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(f"CREATE DATABASE {PG_DATABASE}")
        finally:
            admin.close()

        yield f"postgresql://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{port}/{PG_DATABASE}"
    finally:
        if started:
            run_pg_tool([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], run_as, base)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def dagster_pg_instance(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A ``dagster.DagsterInstance`` whose run, event-log and schedule storage is the
    ``postgres_url`` cluster (dagster-postgres), the same storage a production deployment uses.

    Session-scoped: tests share one database, so assert on the runs/assets you create (by id or
    unique name), not on global counts. DAGSTER_HOME is not changed.
    """
    from dagster import instance_for_test

    home = tmp_path_factory.mktemp("dagster_pg_home")
    overrides = {"storage": {"postgres": {"postgres_url": postgres_url}}}
    with instance_for_test(overrides=overrides, set_dagster_home=False, temp_dir=str(home)) as instance:
        yield instance


# --------------------------------------------------------------------------------------------
# S3 (moto)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[dict[str, str]]:
    """moto's server (S3 and the other AWS APIs) on 127.0.0.1:<free port>.

    Yields ``{endpoint_url, region, access_key, secret_key}``. For the rest of the session the
    environment holds those fake credentials, AWS_ENDPOINT_URL points at moto, and config files,
    profiles and the instance-metadata service are disabled, so nothing can reach real AWS with
    real credentials; the environment is restored at session end. State is shared across tests:
    use unique bucket names.
    """
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - moto[server] is a test dependency
        unavailable(f"moto[server] is not installed: {exc}")

    region, access_key, secret_key = "us-east-1", "testing", "testing"
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as mp:
        for name in AWS_ENV_TO_CLEAR:
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", access_key)
        mp.setenv("AWS_SECRET_ACCESS_KEY", secret_key)
        mp.setenv("AWS_DEFAULT_REGION", region)
        mp.setenv("AWS_REGION", region)
        mp.setenv("AWS_ENDPOINT_URL", endpoint)
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        try:
            wait_for_port(port, None, SERVER_START_TIMEOUT_S, "moto server")
            yield {
                "endpoint_url": endpoint,
                "region": region,
                "access_key": access_key,
                "secret_key": secret_key,
            }
        finally:
            server.stop()


# --------------------------------------------------------------------------------------------
# Azure Blob (Azurite)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def azurite_blob() -> Iterator[dict[str, str]]:
    """Azurite's Blob service on 127.0.0.1:<free port>, data in a temp dir, telemetry off.

    Yields ``{account_url, account_name, account_key, connection_string}`` for the well-known dev
    account. Azurite checks Shared Key and SAS signatures, so auth failures are real. State is
    shared across tests: use unique container names.
    """
    exe = find_azurite_blob()
    if exe is None:
        unavailable("azurite-blob not found (expected .tools/azurite/node_modules/.bin/azurite-blob)")

    location = Path(tempfile.mkdtemp(prefix="kada-azurite-"))
    log_path = location / "azurite.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(3):  # retry: another process may grab the free port first
            port = free_port()
            cmd = [
                str(exe), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(location),
                "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
            ]  # fmt: skip
            with open(log_path, "ab") as log:
                proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            account_url = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT_NAME}"
            try:
                wait_for_port(port, proc, SERVER_START_TIMEOUT_S, "azurite-blob")
            except RuntimeError:
                continue  # exited early, most likely the port was taken: try another
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            while not azurite_answers(account_url):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"azurite-blob on port {port} accepts TCP but does not answer HTTP")
                time.sleep(0.1)
            break
        else:
            raise RuntimeError(
                f"azurite-blob failed to start:\n{log_path.read_text(errors='replace')[-4000:]}"
            )

        yield {
            "account_url": account_url,
            "account_name": AZURITE_ACCOUNT_NAME,
            "account_key": AZURITE_ACCOUNT_KEY,
            "connection_string": (
                f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT_NAME};"
                f"AccountKey={AZURITE_ACCOUNT_KEY};BlobEndpoint={account_url};"
            ),
        }
    finally:
        if proc is not None:
            stop_process(proc)
        shutil.rmtree(location, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# A production-shaped deployment: dagster-daemon + dagster-webserver on PostgreSQL
# --------------------------------------------------------------------------------------------

DEPLOY_INSTANCES = ["ht_pooled", "ht_unpooled", "hightouch_pg", "ht_days"]
"""Collector instances of the deployment: the pool test's instance and its control (pool raised), and
the PostgreSQL backfill test's instance, and the per-day pages test's; each has its own rate-limited simulator
and API pool."""


@pytest.fixture(scope="session")
def dagster_deployment(postgres_url: str) -> Iterator[Any]:
    """``daemon_helpers.Deployment``: dagster-daemon and dagster-webserver (real subprocesses, loopback)
    on the shipped deploy/dagster.postgres.yaml with a fresh database of the ``postgres_url`` server."""
    from kada_dagster_tests.daemon_helpers import run_deployment

    base = Path(tempfile.mkdtemp(prefix="kada-deploy-"))
    try:
        with run_deployment(postgres_url, base, DEPLOY_INSTANCES, free_port) as deployment:
            yield deployment
    finally:
        if os.environ.get("KADA_KEEP_DEPLOY_LOGS"):  # daemon.log and webserver.log, to debug a failure
            print(f"deployment logs kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


# --- tiers: `make check` runs the `check` tier (under two minutes), `make test` everything ------------------
CHECK_MODULES = {"test_api_fields_doc", "test_definitions_snapshot", "test_extract", "test_http", "test_settings",
                 "test_shape", "test_writer_csv", "test_properties", "test_freshness", "test_alerts", "test_ui",
                 "test_lineage_corpus", "test_story"}
# one end-to-end run per vendor on the documented profile
CHECK_TESTS = {"test_every_profile_lands_the_ground_truth[documented]",
               "test_lineage_events_and_counts_match_the_ground_truth[standard-documented]",
               "test_lineage_events_and_counts_match_the_ground_truth[edge-documented]"}
SERVICE_MODULES = {"test_postgres_backfill", "test_daemon_pools", "test_backfill_days", "test_landing_cloud",
                   "test_storage_faults", "test_infra"}


# The longest modules (fresh-clone CI, two workers) go first, so the two workers share them and the short
# modules fill in after them, instead of one long module starting last while the other worker sits idle.
LONGEST_FIRST = ["test_long_range", "test_bench_smoke", "test_daemon_pools", "test_postgres_backfill", "test_secrets",
                 "test_backfill_days", "test_openlineage_settings", "test_hightouch", "test_crash_recovery"]


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks each test with its tier, by module: `check`, `services` (real PostgreSQL, Azurite or moto); runs
    the longest modules first (a stable sort: the order within and among the other modules is kept)."""
    for item in items:
        module = _module(item)
        if module in CHECK_MODULES or item.name in CHECK_TESTS:
            item.add_marker(pytest.mark.check)
        if module in SERVICE_MODULES:
            item.add_marker(pytest.mark.services)
    rank = {module: n for n, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_module(item), len(rank)))


# --------------------------------------------------------------------------------------------
# The simulated APIs
# --------------------------------------------------------------------------------------------

SIMULATORS: dict[str, Callable[..., Any]] = {
    "hightouch": lambda **options: HightouchSimulator(HightouchSimConfig(**options)),
    "hevo": lambda **options: HevoSimulator(HevoSimConfig(**options)),
}


@pytest.fixture
def make_sim() -> Iterator[Callable[..., tuple[Any, str]]]:
    """``make_sim(vendor="hightouch", **config)``: a simulator of ``vendor`` (``seed`` 7 and ``end``
    sim_helpers.END unless given), started; returns (sim, url). All are stopped after the test."""
    starters = {vendor: sim_starter(make) for vendor, make in SIMULATORS.items()}
    start = {vendor: next(starter) for vendor, starter in starters.items()}

    def make(vendor: str = "hightouch", /, **options: Any) -> tuple[Any, str]:
        return start[vendor](**options)

    yield make
    for starter in starters.values():
        next(starter, None)


@pytest.fixture(scope="module")
def sim(request: pytest.FixtureRequest) -> Iterator[HightouchSimulator]:
    """The module's simulated Hightouch workspace, started: ``HightouchSimConfig(**SIM_OPTIONS)`` with the
    module's ``SIM_OPTIONS`` (the defaults without one)."""
    simulator = HightouchSimulator(HightouchSimConfig(**getattr(request.module, "SIM_OPTIONS", {})))
    with simulator.serve():
        yield simulator


@pytest.fixture(scope="module")
def sim_endpoint(sim: HightouchSimulator) -> tuple[str, str]:
    """(base URL, token) of the module's ``sim``."""
    return sim.url, sim.config.token


# --------------------------------------------------------------------------------------------
# The landing stores
# --------------------------------------------------------------------------------------------

LANDING_ENV = ("KADA_LANDING_URL", "KADA_AUTO_PUSH", "KADA_HIGHTOUCH_CONFIG", "HIGHTOUCH_API_TOKEN",
               "HIGHTOUCH_API_BASE_URL", "AZURE_STORAGE_ACCOUNT_URL", "AZURE_STORAGE_SAS_TOKEN",
               "AZURE_STORAGE_KEY", "AWS_ENDPOINT_URL_S3")


@pytest.fixture
def clean_landing_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No landing or Hightouch setting from the environment (a landing test module's ``usefixtures``)."""
    for name in LANDING_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def extracted(sim_endpoint: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """raw + tables + checks of one partition, once, by the daily job in manual-push mode."""
    intermediate = tmp_path_factory.mktemp("intermediate")
    day = yesterday()
    result = run_daily(hightouch_defs(*sim_endpoint, intermediate, auto_push=False), day)
    assert result.success, failure_text(result)
    return intermediate, day


@pytest.fixture
def s3(moto_s3: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """An admin client on moto; the code under test gets sentinel credentials (moto accepts any)."""
    import boto3

    client = boto3.client("s3", endpoint_url=moto_s3["endpoint_url"], region_name=moto_s3["region"],
                          aws_access_key_id=moto_s3["access_key"], aws_secret_access_key=moto_s3["secret_key"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    return client


@pytest.fixture
def blob_admin(azurite_blob: dict[str, str]) -> Any:
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient(account_url=azurite_blob["account_url"],
                             credential={"account_name": azurite_blob["account_name"],
                                         "account_key": azurite_blob["account_key"]})


# --------------------------------------------------------------------------------------------
# The fault matrix: a collector against its simulator
# --------------------------------------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """In a module naming ``COLLECTORS_SERVED``, ``served`` is one module-scoped collector per name, the test
    ids naming it (elsewhere ``served`` is just a name a test may parametrize itself)."""
    names = getattr(metafunc.module, "COLLECTORS_SERVED", None)
    if names is not None and "served" in metafunc.fixturenames:
        metafunc.parametrize("served", list(names), indirect=True, scope="module")


@pytest.fixture(scope="module")
def served(request: pytest.FixtureRequest) -> Iterator[Collector]:
    """A collector (fault_helpers.COLLECTORS[name]) against its simulator, served for the module."""
    yield from serving(COLLECTORS[request.param])


@pytest.fixture(scope="module")
def clean(served: Collector, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """What a clean run of the partition lands (gunzipped CSVs by name)."""
    tmp = tmp_path_factory.mktemp(f"clean-{served.name}")
    result, _ = served.run(tmp)
    assert result.success, failure_text(result)
    landed = landed_csvs(tmp)
    assert len(landed) == 4 and all(landed.values())
    return landed


@pytest.fixture
def collector(served: Collector) -> Iterator[Collector]:
    """``served`` with no queued fault and fresh statistics (faults cleared again after the test)."""
    served.sim.clear_faults()
    served.sim.reset_stats()
    yield served
    served.sim.clear_faults()
