"""What every request meets first: an allowed Host, HEAD answered as GET without a body, and a
bound on the time a client may take to send a request body.

One pure-ASGI layer outside the fast lane, so its answers get the same treatment; a GET
without a body costs one pass over the headers and a set lookup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tribune.settings import host_name
from tribune.web.errors import problem

# Orchestrators and load balancers probe by address, whatever the site's name.
PROBES = frozenset({"/healthz", "/readyz"})
SEEN_MAX = 64  # raw Host values remembered as allowed (with ports and case as sent)


class _HeadDone(Exception):
    """A streamed GET answered to a HEAD: its headers are sent, so the stream is stopped."""


class Edge:
    def __init__(self, app: ASGIApp, *, hosts: Iterable[str], body_timeout: float) -> None:
        self.app = app
        self.hosts = frozenset(hosts)
        self.seen: set[bytes] = set()
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host, hosts, has_body = b"", 0, False
        for name, value in scope["headers"]:
            if name == b"host":
                host, hosts = value, hosts + 1
            elif name == b"content-length":
                has_body = value != b"0"
            elif name == b"transfer-encoding":
                has_body = True
        if scope["method"] == "HEAD":
            scope = dict(scope, method="GET")
            send = _without_body(send)
        app = self.app
        # One Host, the site's (RFC 9112: never two). None at all (HTTP/1.0) names nothing a
        # client chose: the framework falls back to the listening address.
        known = hosts == 0 or (hosts == 1 and (host in self.seen or self._allowed(host)))
        if not known and scope["path"] not in PROBES:
            app = problem(400, "This server does not serve the host the request names")
        elif has_body:
            receive, send = _bounded(scope, receive, send, self.body_timeout)
        try:  # free unless raised, unlike a context manager (contextlib.suppress)
            await app(scope, receive, send)
        except _HeadDone:
            return  # the end of a stream a HEAD stopped

    def _allowed(self, host: bytes) -> bool:
        if host_name(host.decode("latin-1")) not in self.hosts:
            return False
        if len(self.seen) < SEEN_MAX:
            self.seen.add(host)
        return True


def _without_body(send: Send) -> Send:
    """The GET's status and headers (Content-Length included), and an empty body."""
    started = False

    async def send_head(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
            await send(message)
        elif message["type"] == "http.response.body" and started:
            await send({"type": "http.response.body", "body": b""})
            started = False
            if message.get("more_body", False):
                raise _HeadDone  # a stream (live events) would never end by itself
        elif message["type"] != "http.response.body":
            await send(message)

    return send_head


UPLOAD_BYTES_PER_SECOND = 64 * 1024


def _bounded(scope: Scope, receive: Receive, send: Send, timeout: float) -> tuple[Receive, Send]:
    """receive and send for a request with a body: the whole body must arrive within timeout
    seconds (and one more for each UPLOAD_BYTES_PER_SECOND that did arrive), or the client
    gets 408 and the connection is closed (a trickled body would otherwise hold it open for
    as long as the client likes). The app then sees the client
    gone, and what it answers is dropped. An answer sent before the body was read closes
    the connection too."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    receiving, started, answered = True, False, False

    async def bounded_receive() -> Message:
        nonlocal receiving, answered, deadline
        if not receiving:
            return await receive()
        try:
            async with asyncio.timeout_at(deadline):
                message = await receive()
        except TimeoutError:
            receiving = False
            if not started:
                answered = True
                response = problem(
                    408,
                    f"The request body did not arrive within {timeout:g} seconds",
                    headers={"Connection": "close"},
                )
                await response(scope, receive, send)
            return {"type": "http.disconnect"}
        if message["type"] != "http.request" or not message.get("more_body", False):
            receiving = False
        else:  # a large upload arriving at a steady pace gets the time it needs
            deadline += len(message.get("body", b"")) / UPLOAD_BYTES_PER_SECOND
        return message

    async def guarded_send(message: Message) -> None:
        nonlocal started
        if answered:
            return
        if message["type"] == "http.response.start":
            started = True
            if receiving:  # answered before the body was read (404, 413...): the rest of it
                # would keep the connection busy for as long as the client trickles it
                headers = [*message.get("headers", ()), (b"connection", b"close")]
                message = {**message, "headers": headers}
        await send(message)

    return bounded_receive, guarded_send
