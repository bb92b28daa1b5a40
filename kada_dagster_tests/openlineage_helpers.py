"""OpenLineage test helpers: a loopback receiver that imitates Marquez, and validation against the spec.

`MarquezReceiver` answers `POST /api/v1/lineage` as Marquez does (201 Created for an accepted event, 400
for a body that is not a JSON event), or with a fixed error status to test failures; it keeps every body.

`validate_event` checks an event against the OpenLineage spec of the client's version through the client's
own generated classes (`openlineage.client.generated`, generated from the spec's JSON schemas): the event is
rebuilt as the RunEvent or JobEvent its `schemaURL` names, and every facet as the class whose schema its
`_schemaURL` names, field by field, so a missing required field, an unknown field, a value of the wrong type
or one the classes' validators refuse (date-times, URIs, UUIDs, enums) is an error. A facet whose schema no
generated class has is an error too, so nothing goes unvalidated.
"""

from __future__ import annotations

import gzip
import importlib
import json
import os
import pkgutil
import tempfile
import threading
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attr
import pytest

LINEAGE_PATH = "/api/v1/lineage"


DAY = "2026-11-22"
OL_ENV = ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG", "OPENLINEAGE_DISABLED", "OPENLINEAGE_API_KEY",
          "OPENLINEAGE_ENDPOINT", "OPENLINEAGE__TRANSPORT__TYPE")


def clear_openlineage_env(mp: pytest.MonkeyPatch) -> None:
    """No OpenLineage setting but the test's own: none in the environment, no openlineage.yml where the client
    looks (the working directory, ~/.openlineage)."""
    for name in [*OL_ENV, *(k for k in os.environ if k.startswith("OPENLINEAGE__"))]:
        mp.delenv(name, raising=False)
    mp.chdir(Path(__file__).parent)
    mp.setenv("HOME", tempfile.mkdtemp(prefix="no-openlineage-home-"))


class MarquezReceiver:
    """A threading HTTP server on 127.0.0.1 with Marquez's lineage endpoint."""

    def __init__(self, status: int = 201) -> None:
        self.status = status
        self.events: list[dict[str, Any]] = []
        self.attempts = 0
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                with receiver._lock:
                    receiver.attempts += 1
                    receiver.headers.append(dict(self.headers))
                if urlsplit(self.path).path != LINEAGE_PATH:
                    return self._answer(404, {"error": "not found"})
                if receiver.status >= 400:
                    return self._answer(receiver.status, {"error": "the receiver is failing on purpose"})
                try:
                    event = json.loads(body)
                except ValueError:
                    return self._answer(400, {"error": "body is not JSON"})
                if not isinstance(event, dict) or "eventTime" not in event:
                    return self._answer(400, {"error": "not an OpenLineage event"})
                with receiver._lock:
                    receiver.events.append(event)
                return self._answer(201, {})

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    @contextmanager
    def serve(self) -> Iterator[str]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.events)


EVENT_CLASSES = {"RunEvent", "JobEvent"}


@lru_cache(maxsize=1)
def _classes_by_schema() -> dict[str, type]:
    """Every generated class by the schema URL it states (`_get_schema()`)."""
    import openlineage.client.generated as generated

    found: dict[str, type] = {}
    for module_info in pkgutil.iter_modules(generated.__path__):
        module = importlib.import_module(f"openlineage.client.generated.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and attr.has(value) and hasattr(value, "_get_schema"):
                found.setdefault(value._get_schema(), value)
    return found


def _check(value: Any, hint: Any, path: str, errors: list[str]) -> Any:
    """`value` rebuilt as `hint` (a generated class, a container or a scalar); problems appended to `errors`."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return _check(value, next(a for a in args if a is not type(None)), path, errors)
    if origin is list:
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return []
        return [_check(v, args[0], f"{path}[{i}]", errors) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object, got {type(value).__name__}")
            return {}
        return {k: _facet(v, f"{path}.{k}", errors) if _is_facet(args[1]) else _check(v, args[1], f"{path}.{k}", errors)
                for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Enum):
        if value not in {m.value for m in hint}:
            errors.append(f"{path}: {value!r} is not one of {[m.value for m in hint]}")
        return value
    if isinstance(hint, type) and attr.has(hint):
        return _build(value, hint, path, errors)
    primitives: dict[object, type | tuple[type, ...]] = {str: str, int: int, float: (int, float), bool: bool}
    expected = primitives.get(hint)
    if expected is not None and (not isinstance(value, expected) or (hint is not bool and isinstance(value, bool))):
        errors.append(f"{path}: expected {hint.__name__}, got {type(value).__name__}")
    return value


def _is_facet(hint: Any) -> bool:
    return isinstance(hint, type) and any(base.__name__ == "BaseFacet" for base in hint.__mro__)


def _facet(value: Any, path: str, errors: list[str]) -> Any:
    url = value.get("_schemaURL") if isinstance(value, dict) else None
    cls = _classes_by_schema().get(str(url))
    if cls is None:
        errors.append(f"{path}: no generated class for the facet schema {url!r}: it cannot be validated")
        return None
    return _build(value, cls, path, errors)


def _build(value: Any, cls: type, path: str, errors: list[str]) -> Any:
    """Rebuilds a generated class from JSON: required fields present, no unknown field, each field checked,
    and the class's own validators run by constructing it."""
    if not isinstance(value, dict):
        errors.append(f"{path}: expected an object for {cls.__name__}, got {type(value).__name__}")
        return None
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in attr.fields(cls)}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        errors.append(f"{path}: {cls.__name__} has no field {unknown}")
    kwargs: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in value:
            if field.default is attr.NOTHING:
                errors.append(f"{path}: {cls.__name__}.{name} is required")
            continue
        checked = _check(value[name], hints[name], f"{path}.{name}", errors)
        if field.init:
            kwargs[field.alias or name] = checked
    if "schemaURL" in fields or "_schemaURL" in fields:
        stated = value.get("schemaURL", value.get("_schemaURL"))
        if stated != cls._get_schema():  # type: ignore[attr-defined]
            errors.append(f"{path}: schemaURL {stated!r} is not {cls.__name__}'s {cls._get_schema()!r}")  # type: ignore[attr-defined]
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        errors.append(f"{path}: {cls.__name__}: {exc}")
        return None


def validate_event(event: dict[str, Any]) -> list[str]:
    """Every way `event` breaks the spec of the client's version (empty when it validates)."""
    cls = _classes_by_schema().get(str(event.get("schemaURL")))
    if cls is None or cls.__name__ not in EVENT_CLASSES:
        return [f"unexpected event schemaURL {event.get('schemaURL')!r}"]
    errors: list[str] = []
    _build(event, cls, cls.__name__, errors)
    return errors


def kind(event: dict[str, Any]) -> str:
    """JOB for a job event (static lineage), else the run event's type."""
    return str(event.get("eventType") or "JOB")


Node = tuple[str, str, str]  # (namespace, dataset name, column)


def column_graph(events: list[dict[str, Any]]) -> dict[Node, list[tuple[Node, str]]]:
    """Every direct column edge of the job events' columnLineage facets: input column -> output column
    with its `TYPE/SUBTYPE`, as a consumer reads them."""
    graph: dict[Node, list[tuple[Node, str]]] = {}
    for event in events:
        if kind(event) != "JOB":
            continue
        for output in event.get("outputs") or []:
            fields = (output.get("facets") or {}).get("columnLineage", {}).get("fields", {})
            for column, lineage in fields.items():
                for source in lineage["inputFields"]:
                    for word in source.get("transformations") or []:
                        edge = ((output["namespace"], output["name"], column), f"DIRECT/{word.get('subtype')}")
                        nexts = graph.setdefault((source["namespace"], source["name"], source["field"]), [])
                        if word["type"] == "DIRECT" and edge not in nexts:  # a pipeline and its object both say it
                            nexts.append(edge)
    return graph


def walk(graph: dict[Node, list[tuple[Node, str]]], start: Node) -> list[list[tuple[Node, str]]]:
    """Every path of direct edges from `start` to a column that feeds nothing further."""
    paths: list[list[tuple[Node, str]]] = []

    def step(node: Node, path: list[tuple[Node, str]]) -> None:
        nexts = [n for n in graph.get(node, []) if n[0] not in [p[0] for p in path]]
        if not nexts:
            paths.append(path)
        for nxt in nexts:
            step(nxt[0], [*path, nxt])

    step(start, [(start, "")])
    return paths
