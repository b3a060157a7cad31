"""Other sites for the embed's tests: pages served from their own loopback ports (other
origins than Tribune's), each page with the headers a test gives it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.server import free_port

# A host page's own icon: without one the browser asks for /favicon.ico and logs the 404.
NO_ICON = '<link rel="icon" href="data:,">'


@dataclass
class Host:
    """A site: pages by path, each with its own headers, on its own port."""

    origin: str
    pages: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    def page(self, path: str, html: str, **headers: str) -> str:
        """Serve html at path (header names with _ for -); returns the page's address."""
        self.pages[path] = (html, headers)
        return self.origin + path


@contextmanager
def host_sites(count: int) -> Iterator[list[Host]]:
    made: list[Host] = []
    servers = []
    for _ in range(count):
        host = Host(f"http://127.0.0.1:{free_port()}")

        class Pages(BaseHTTPRequestHandler):
            site = host

            def do_GET(self) -> None:
                found = self.site.pages.get(self.path.split("?")[0])
                if found is None:
                    self.send_error(404)
                    return
                html, headers = found
                body = html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", int(host.origin.rsplit(":", 1)[1])), Pages)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        made.append(host)
        servers.append(server)
    try:
        yield made
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def article(base: str, title: str, *, head: str = "", inside: str = "", extra: str = "") -> str:
    """A host's article page with Tribune's two lines (and ``inside`` the div: an include)."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">{NO_ICON}
<meta name="description" content="A host article with a Tribune discussion">{head}</head>
<body><main><h1>{title}</h1><p class="host-text">The article's own text.</p>{extra}
<div id="tribune-thread">{inside}</div>
<script src="{base}/embed.js" async></script></main></body></html>"""
