"""``python -m kada_sim.<vendor>``: an argparse parser from a config dataclass and the foreground runner."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import types
import typing
from collections.abc import Callable
from dataclasses import MISSING, fields
from datetime import datetime
from typing import Any

from kada_sim.server.base import SimulatorBase
from kada_sim.server.helpers import from_ms, parse_iso


def _parse_rate_limit(text: str) -> tuple[int, float] | None:
    if text.lower() in ("", "none", "off"):
        return None
    count, _, period = text.partition("/")
    return (int(count), float(period or 1))


def _parse_datetime(text: str) -> datetime | None:
    if text.lower() in ("", "none", "now"):
        return None
    ms = parse_iso(text)
    if ms is None:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}")
    return from_ms(ms)


def _parse_set(text: str) -> frozenset[str]:
    return frozenset(p.strip() for p in text.split(",") if p.strip())


def build_parser(config_cls: type, prog: str, description: str) -> argparse.ArgumentParser:
    """An argparse parser with one ``--option`` per config dataclass field."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    hints = typing.get_type_hints(config_cls)
    for f in fields(config_cls):
        hint = hints[f.name]
        flag = "--" + f.name.replace("_", "-")
        default = (
            f.default
            if f.default is not MISSING
            else (f.default_factory() if f.default_factory is not MISSING else None)
        )
        origin = typing.get_origin(hint)
        args = set(typing.get_args(hint))
        if hint is bool:
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=default)
        elif hint in (int, float, str):
            choices = f.metadata.get("choices")
            parser.add_argument(
                flag, dest=f.name, type=hint, default=default, choices=choices, help=f"default: {default}"
            )
        elif datetime in args:
            parser.add_argument(
                flag, dest=f.name, type=_parse_datetime, default=default, help="ISO 8601 UTC; default: now"
            )
        elif origin in (typing.Union, types.UnionType) and any(typing.get_origin(a) is tuple for a in args):
            parser.add_argument(
                flag, dest=f.name, type=_parse_rate_limit, default=default, help="N/SECONDS or none"
            )
        elif origin is frozenset:
            parser.add_argument(
                flag,
                dest=f.name,
                type=_parse_set,
                default=default,
                help=f"comma separated; default: {','.join(sorted(default or []))}",
            )
    return parser


def run_cli(
    make_sim: Callable[[Any], SimulatorBase],
    config_cls: type,
    argv: list[str] | None,
    prog: str,
    description: str,
) -> int:
    """Run a simulator in the foreground: print its base URL, serve until SIGTERM/SIGINT."""
    ns = build_parser(config_cls, prog, description).parse_args(argv)
    config = config_cls(**vars(ns))
    sim = make_sim(config)
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    url = sim.start()
    print(url, flush=True)
    print(f"{prog}: {sim.describe()}", file=sys.stderr, flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        sim.stop()
    return 0
