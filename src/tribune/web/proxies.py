"""Which address and scheme a request comes from: the connection's, or, from a proxy that
TRIBUNE_TRUSTED_PROXIES names, what its X-Forwarded-For and X-Forwarded-Proto say.

X-Forwarded-For is read from the right: each trusted proxy appends the address it saw, so the
first address from the right that is not a trusted proxy is the reader's, whatever a client
put in the header itself.

The header arriving from a peer that is not trusted usually means a reverse proxy the setting
does not name: every reader behind it then counts as one reader (votes, reports, rate limits,
bans), silently. That is logged once per peer and shown on the staff pages
(``recent_peers``). A client may also send the header itself; the warning says so.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from tribune.settings import ProxyNetwork

log = logging.getLogger("tribune.proxies")

PEERS_MAX = 64  # untrusted peers remembered (each warned about once)
SHOWN_FOR = 24 * 3600.0  # seconds a peer stays on the staff pages after its last header
SCHEMES = frozenset({"http", "https", "ws", "wss"})
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(entry: str) -> Address | None:
    """An X-Forwarded-For entry's address: `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]:80`."""
    if entry.startswith("["):
        entry = entry[1:].partition("]")[0]
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    try:
        return ipaddress.ip_address(entry)
    except ValueError:
        return None


class UntrustedForwarders:
    """Peers that sent X-Forwarded-For without being trusted, with when they last did."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        self.full_warned = False

    def saw(self, peer: str) -> None:
        now = time.monotonic()
        if peer in self.seen:
            self.seen[peer] = now
            return
        if len(self.seen) >= PEERS_MAX:
            if not self.full_warned:
                self.full_warned = True
                log.warning(
                    "X-Forwarded-For keeps arriving from peers that TRIBUNE_TRUSTED_PROXIES "
                    "does not name: %d so far; no more are logged",
                    len(self.seen),
                )
            return
        self.seen[peer] = now
        log.warning(
            "X-Forwarded-For arrived from %s, which TRIBUNE_TRUSTED_PROXIES does not name, "
            "so the header was ignored. If %s is your reverse proxy, every reader behind it "
            "counts as one reader (votes, reports, rate limits, bans): add it to "
            "TRIBUNE_TRUSTED_PROXIES. If it is not, a client sent the header itself.",
            peer,
            peer,
        )

    def recent_peers(self) -> list[str]:
        """Peers seen within SHOWN_FOR, most recent first."""
        since = time.monotonic() - SHOWN_FOR
        return [p for p, at in sorted(self.seen.items(), key=lambda i: -i[1]) if at >= since]


class Proxies:
    """Pure ASGI: rewrites the scope's client and scheme for trusted proxies, and watches
    for X-Forwarded-For from the others."""

    def __init__(
        self, app: ASGIApp, *, trusted: Iterable[ProxyNetwork], watch: UntrustedForwarders
    ) -> None:
        self.app = app
        self.trusted = tuple(trusted)
        self.watch = watch

    def _trusted(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        forwarded: list[bytes] = []
        proto: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded.append(value)
            elif name == b"x-forwarded-proto":
                proto = value
        if not forwarded and proto is None:
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        peer_host = peer[0] if peer else None
        if peer_host is None or not self._trusted(_address(peer_host)):
            if forwarded and peer_host is not None:
                self.watch.saw(peer_host)
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        if proto is not None:
            scheme = proto.decode("latin-1").strip().lower()
            if scheme in SCHEMES:
                if scope["type"] == "websocket":
                    scheme = scheme.replace("http", "ws")
                scope["scheme"] = scheme
        if forwarded:
            entries = [
                e.strip() for e in b",".join(forwarded).decode("latin-1").split(",") if e.strip()
            ]
            client = None
            for entry in reversed(entries):
                address = _address(entry)
                if not self._trusted(address):
                    client = str(address) if address is not None else entry
                    break
            if client is None and entries:  # every hop a trusted proxy: the first one
                first = _address(entries[0])
                client = str(first) if first is not None else entries[0]
            if client:
                scope["client"] = (client, 0)
        await self.app(scope, receive, send)


def shown_peers(watch: UntrustedForwarders) -> tuple[list[str], int]:
    """What the staff pages name: loopback and private addresses (a proxy's, on the same
    machine or network), and how many public ones (perhaps a reader's own: only the log
    names them)."""
    named, public = [], 0
    for peer in watch.recent_peers():
        address = _address(peer)
        if address is not None and (address.is_private or address.is_loopback):
            named.append(peer)
        else:
            public += 1
    return named, public
