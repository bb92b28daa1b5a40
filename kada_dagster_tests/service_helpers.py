"""The test servers' plumbing, used by the fixtures in conftest.py: free ports, waiting for and stopping
processes, finding PostgreSQL's and Azurite's binaries, and skipping locally (failing in CI) when one is
missing."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
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


def run_pg_tool(cmd: list[str], run_as: str | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL CLI tool, as ``run_as`` when we are root (via runuser, no login shell)."""
    full = (["runuser", "-u", run_as, "--"] if run_as else []) + cmd
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    env.pop("PGDATA", None)
    return subprocess.run(full, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)



# Every variable through which boto3/botocore could find real credentials, a profile, or a
# non-test endpoint; the moto_s3 fixture replaces or removes them all.
AWS_ENV_TO_CLEAR = (
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


def find_azurite_blob() -> Path | None:
    """azurite-blob from KADA_AZURITE_BLOB, the repo's .tools install, or PATH (in that order)."""
    explicit = os.environ.get("KADA_AZURITE_BLOB")
    candidates = [Path(explicit)] if explicit else []
    candidates.append(REPO_ROOT / ".tools" / "azurite" / "node_modules" / ".bin" / "azurite-blob")
    on_path = shutil.which("azurite-blob")
    if on_path:
        candidates.append(Path(on_path))
    return next((c for c in candidates if os.access(c, os.X_OK)), None)


def azurite_answers(account_url: str) -> bool:
    """True once the Blob service answers HTTP (any status: an auth error means it is up)."""
    try:
        with urllib.request.urlopen(f"{account_url}?comp=list", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False
