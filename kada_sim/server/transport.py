"""HTTP plumbing: the request and response a handler sees, the threaded loopback server and its handler."""

from __future__ import annotations

import re
import socket
import struct
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from kada_sim.server.helpers import json_bytes

if TYPE_CHECKING:
    from kada_sim.server.base import SimulatorBase


@dataclass
class Response:
    """A complete HTTP response (body already encoded)."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


def json_response(status: int, obj: Any, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, json_bytes(obj), headers=headers)


class HTTPError(Exception):
    """Raised by handlers to return an error response from deep inside parameter parsing."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class Request:
    """What a handler sees of an HTTP request."""

    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: Message

    def arg(self, name: str) -> str | None:
        """First value of a query parameter (None when absent)."""
        values = self.query.get(name)
        return values[0] if values else None

    @property
    def target(self) -> str:
        return self.path + ("?" + self.raw_query if self.raw_query else "")


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Callable[..., Response]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], sim: SimulatorBase) -> None:
        self.sim = sim
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, benchmarks stopping) are normal; anything else is printed."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def drop_all_connections(self) -> None:
        """Wake handler threads parked on idle keep-alive connections so they exit promptly."""
        with self.sockets_lock:
            socks = list(self.open_sockets)
        for sock in socks:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections are closed after this many seconds
    server: _Server
    _headers_buffer: list[bytes]  # set by BaseHTTPRequestHandler.send_header (not in its stubs)

    def setup(self) -> None:
        super().setup()
        # Responses go out in one write; without this, Nagle + delayed ACK add ~40 ms per keep-alive request.
        with suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return "kada-sim"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the default one-line-per-request stderr log."""

    def _dispatch(self) -> None:
        self.server.sim._handle(self)

    do_GET = _dispatch
    do_POST = _dispatch
    do_PUT = _dispatch
    do_PATCH = _dispatch
    do_DELETE = _dispatch
    do_HEAD = _dispatch


def int_arg(
    req: Request, name: str, default: int | None, error: Callable[[str, str, str], Response]
) -> int | None:
    """An integer query parameter; ``error(name, message, value)`` builds the vendor's 4xx."""
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise HTTPError(error(name, "invalid float number", raw)) from None
    if value != int(value):
        raise HTTPError(error(name, "invalid integer number", raw))
    return int(value)


def write_response(
    handler: _Handler, resp: Response, extra_headers: tuple[tuple[str, str], ...], head_only: bool = False
) -> None:
    """Send ``resp`` (after ``extra_headers``, the simulator's common ones) as one write."""
    try:
        handler.send_response(resp.status)
        handler.send_header("Content-Type", resp.content_type)
        handler.send_header("Content-Length", str(len(resp.body)))
        for key, value in extra_headers + resp.headers:
            handler.send_header(key, value)
        # end_headers() would write the head on its own; send head and body in a single write instead.
        head = b"".join(handler._headers_buffer) + b"\r\n"
        handler._headers_buffer = []
        handler.wfile.write(head if head_only else head + resp.body)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True


def drop_connection(handler: _Handler, abortive: bool) -> None:
    """Close the connection without any response; ``abortive`` sends a TCP RST."""
    handler.close_connection = True
    sock = handler.connection
    try:
        if abortive:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass
