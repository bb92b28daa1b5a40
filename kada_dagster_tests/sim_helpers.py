"""Shared helpers for the tests of the simulators themselves (test_sim_hightouch.py, test_sim_hevo.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TypeVar

from kada_dagster_tests.service_helpers import REPO_ROOT
from kada_sim.server import SimulatorBase

END = datetime(2026, 11, 23, tzinfo=timezone.utc)
"""The simulated 'now' of the tests (fixed, so served bytes are reproducible)."""

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy

S = TypeVar("S", bound=SimulatorBase)


def http_get(url: str, headers: dict[str, str], timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """GET; returns (status, headers, raw body) for any status."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def json_200(response: tuple[int, dict[str, str], bytes]) -> Any:
    """The parsed body of an ``http_get`` response that must be a 200."""
    status, _, body = response
    assert status == 200, (status, body[:300])
    return json.loads(body)


def sim_starter(make: Callable[..., S]) -> Iterator[Callable[..., tuple[S, str]]]:
    """Body of a ``make_sim`` fixture: ``make_sim(**config)`` builds a simulator with ``make(**config)``
    (``seed`` 7 and ``end`` END unless given), starts it and returns (sim, url); all are stopped after."""
    sims: list[S] = []

    def start(**options: Any) -> tuple[S, str]:
        options.setdefault("seed", 7)
        options.setdefault("end", END)
        sim = make(**options)
        sims.append(sim)
        return sim, sim.start()

    yield start
    for sim in sims:
        sim.stop()


@contextmanager
def cli_process(*module_args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Run ``python -m <module_args>`` (a simulator CLI) from the repo root; yields (process, the URL it
    printed first); kills the process if it is still running at the end."""
    proc = subprocess.Popen(
        [sys.executable, "-m", *module_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert proc.stdout is not None
        yield proc, proc.stdout.readline().strip()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
