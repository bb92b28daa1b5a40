"""OpenLineage test helpers: a loopback receiver that imitates Marquez, and validation against the spec.

`MarquezReceiver` answers `POST /api/v1/lineage` as Marquez does (201 Created for an accepted event, 400
for a body that is not a JSON event), or with a fixed error status to test failures; it keeps every body.

`validate_event` checks an event against the OpenLineage JSON schemas of the client's spec version, vendored
in `data/openlineage/` (the client package ships none; see data/openlineage/SOURCES.md): the event against
`OpenLineage.json` (RunEvent or JobEvent, by its `schemaURL`), and every facet against the schema its
`_schemaURL` names. A facet whose schema is not vendored is an error, so nothing goes unvalidated.
"""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).parent / "data" / "openlineage"
EVENT_SCHEMAS = {"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
                 "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent"}
LINEAGE_PATH = "/api/v1/lineage"


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


@lru_cache(maxsize=1)
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def _format_checker() -> FormatChecker:
    """jsonschema's checkers (date-time, uuid), plus `uri`, which it checks only with an optional package."""
    checker = FormatChecker()

    @checker.checks("uri", raises=ValueError)
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and bool(parts.netloc or parts.path) and " " not in value

    return checker


FORMATS = _format_checker()


def _errors(instance: Any, schema_url: str) -> list[str]:
    validator = Draft202012Validator({"$ref": schema_url}, registry=_registry(), format_checker=FORMATS)
    return [f"{schema_url}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def _facets(event: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from (event.get("run") or {}).get("facets", {}).items()
    yield from (event.get("job") or {}).get("facets", {}).items()
    for side, extra in (("inputs", "inputFacets"), ("outputs", "outputFacets")):
        for dataset in event.get(side) or []:
            yield from (dataset.get("facets") or {}).items()
            yield from (dataset.get(extra) or {}).items()


def validate_event(event: dict[str, Any]) -> list[str]:
    """Every way `event` breaks the spec (empty when it validates)."""
    if event.get("schemaURL") not in EVENT_SCHEMAS:
        return [f"unexpected event schemaURL {event.get('schemaURL')!r}"]
    errors = _errors(event, event["schemaURL"])
    known = {str(uri) for uri in _registry()}
    for name, facet in _facets(event):
        url = str(facet.get("_schemaURL", ""))
        if url.split("#")[0] not in known:
            errors.append(f"facet {name}: schema {url!r} is not vendored, so it cannot be validated")
            continue
        errors += [f"facet {name}: {e}" for e in _errors(facet, url)]
    if "run" in event:
        uuid.UUID(event["run"]["runId"])
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
