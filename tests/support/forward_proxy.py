"""A forward HTTP proxy on 127.0.0.1 for tests: what `HTTP_PROXY` points a client at.

It takes requests in absolute form (`POST http://127.0.0.1:PORT/v1/... HTTP/1.1`), one per
connection, records each request line, and relays it to that origin with the line in origin form,
the reply's bytes as they come (so streamed replies stay streamed). Plain HTTP only, which is what
the local upstreams speak; HTTPS (`CONNECT`) is refused with 501.
"""

from __future__ import annotations

import socket
import socketserver
from urllib.parse import urlsplit

from tests.support.in_thread import ServedInThread


class _Relay(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        """One request, then the connection closes (the origin is asked to close it too)."""
        client: socket.socket = self.request
        with client.makefile("rb") as reader:
            line = reader.readline()
            if not line:
                return
            method, target, version = line.decode("latin-1").split(" ", 2)
            if method == "CONNECT":
                client.sendall(b"HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\n\r\n")
                return
            self.server.requests.append(f"{method} {target}")
            url = urlsplit(target)
            head = [f"{method} {url.path}{'?' + url.query if url.query else ''} {version}".encode()]
            length = 0
            while (header := reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name in ("proxy-connection", "connection"):
                    continue
                if name == "content-length":
                    length = int(value)
                head.append(header)
            body = reader.read(length) if length else b""
        with socket.create_connection((url.hostname, url.port or 80), timeout=30) as origin:
            origin.sendall(b"".join(head) + b"connection: close\r\n\r\n" + body)
            while chunk := origin.recv(65536):
                client.sendall(chunk)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    requests: list[str]


class ForwardProxy(ServedInThread):
    """`with ForwardProxy() as proxy:` serves on `proxy.url`; `proxy.requests` lists what it relayed."""

    def __init__(self) -> None:
        server = _Server(("127.0.0.1", 0), _Relay)
        server.requests = self.requests = []
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        super().__init__(server)
