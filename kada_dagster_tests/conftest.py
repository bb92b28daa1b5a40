"""Session-scoped fixtures that start REAL local servers for the tests, on 127.0.0.1 free ports.

Why real servers: the landing targets (S3, Azure Blob) and Dagster's PostgreSQL storage are
exercised over the wire with the real client libraries (boto3, azure-storage-blob, psycopg2), so
auth, SAS and storage behaviour are tested rather than mocked.

- ``postgres_url``       throwaway PostgreSQL cluster (initdb + pg_ctl) -> ``postgresql://...`` URL
- ``dagster_pg_instance`` ``DagsterInstance`` whose run/event/schedule storage is that cluster
- ``moto_s3``            moto's S3-compatible server + fake AWS credentials in the environment
- ``azurite_blob``       Azurite's Blob service, with the well-known dev account and key

The servers are installed by ``scripts/test_services.sh install`` (``make test`` runs it). When one
is missing, its fixture SKIPS locally but FAILS under CI (env CI=true): a silently skipped suite
in CI would prove nothing.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Azurite's documented, public development account (same for every Azurite/Storage Emulator).
AZURITE_ACCOUNT_NAME = "devstoreaccount1"
AZURITE_ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

PG_USER = "kada"
PG_PASSWORD = "kada-test-pw"
PG_DATABASE = "kada_test"

SERVER_START_TIMEOUT_S = 60.0


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def in_ci() -> bool:
    """True under CI, where a missing server must fail the run instead of skipping tests."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Skip locally, fail loudly in CI (see module docstring)."""
    hint = " (run `scripts/test_services.sh install` or `make test`)"
    if in_ci():
        pytest.fail(f"CI=true and a required test server is unavailable: {reason}{hint}", pytrace=False)
    pytest.skip(reason + hint)


def free_port() -> int:
    """An unused TCP port on 127.0.0.1 (small race until the server binds it; callers retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def wait_for_port(port: int, proc: subprocess.Popen[Any] | None, timeout: float, what: str) -> None:
    """Wait until something accepts connections on 127.0.0.1:port; fail early if proc died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before listening on {port}")
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def stop_process(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """Terminate a server we started, escalating to kill; never leaves it running."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def find_pg_bindir() -> Path | None:
    """Directory holding initdb/pg_ctl/postgres: Debian's /usr/lib/postgresql/<ver>/bin (newest
    first), else whatever pg_ctl on PATH resolves to (on this image /usr/local/bin/pg_ctl is a
    symlink into /usr/lib/postgresql/15/bin)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
        reverse=True,
    )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for d in candidates:
        if all(os.access(d / exe, os.X_OK) for exe in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


def pg_run_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, pick an unprivileged account to run it as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and neither 'postgres' nor 'nobody' exists to run PostgreSQL")


def _run(cmd: list[str], run_as: str | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL CLI tool, as ``run_as`` when we are root (via runuser, no login shell)."""
    full = (["runuser", "-u", run_as, "--"] if run_as else []) + cmd
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    env.pop("PGDATA", None)
    return subprocess.run(full, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


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
        r = _run(
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
            r = _run([pg_ctl, "-D", str(data), "-l", str(server_log), "-o", opts,
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
            _run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], run_as, base)
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

# Every variable through which boto3/botocore could find real credentials, a profile, or a
# non-test endpoint; the fixture replaces or removes them all.
_AWS_ENV_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_ENDPOINT_URL_S3",  # would win over the AWS_ENDPOINT_URL set below
    "AWS_REQUEST_CHECKSUM_CALCULATION",
)


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
        for name in _AWS_ENV_TO_CLEAR:
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


def find_azurite_blob() -> Path | None:
    """azurite-blob from KADA_AZURITE_BLOB, the repo's .tools install, or PATH (in that order)."""
    explicit = os.environ.get("KADA_AZURITE_BLOB")
    candidates = [Path(explicit)] if explicit else []
    candidates.append(REPO_ROOT / ".tools" / "azurite" / "node_modules" / ".bin" / "azurite-blob")
    on_path = shutil.which("azurite-blob")
    if on_path:
        candidates.append(Path(on_path))
    return next((c for c in candidates if os.access(c, os.X_OK)), None)


def _azurite_answers(account_url: str) -> bool:
    """True once the Blob service answers HTTP (any status: an auth error means it is up)."""
    try:
        with urllib.request.urlopen(f"{account_url}?comp=list", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


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
            while not _azurite_answers(account_url):
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks each test with its tier, by module: `check`, `services` (real PostgreSQL, Azurite or moto)."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module in CHECK_MODULES or item.name in CHECK_TESTS:
            item.add_marker(pytest.mark.check)
        if module in SERVICE_MODULES:
            item.add_marker(pytest.mark.services)
