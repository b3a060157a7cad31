"""A real `tribune serve` against clients that trickle their request (E33), and HEAD as a
real HTTP server frames it (X13)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.server import running_server

BODY_TIMEOUT = 2  # seconds, TRIBUNE_BODY_TIMEOUT for these servers
TRICKLE = 0.25  # seconds between two bytes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("slow")
    url = f"sqlite:///{workdir / 'site.db'}"
    with running_server(url, workdir, TRIBUNE_BODY_TIMEOUT=str(BODY_TIMEOUT)) as base:
        yield base


def story_id(base: str) -> int:
    return int(httpx.get(f"{base}/api/v1/stories").json()["stories"][0]["id"])


def trickle(base: str, head: bytes, byte: bytes, limit: float) -> tuple[float, bytes]:
    """Send head, then one byte (or chunk) every TRICKLE seconds until the server answers and
    closes; how long that took after the head, and what it sent."""
    port = int(base.rsplit(":", 1)[1])
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=TRICKLE) as sock:
        sock.sendall(head)
        start = time.monotonic()
        while time.monotonic() - start < limit:
            with contextlib.suppress(OSError):  # closed by the server while we trickle
                sock.sendall(byte)
            try:
                data = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                return time.monotonic() - start, answer
            answer += data
    return time.monotonic() - start, answer


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_trickled_body_is_answered_408_and_closed(site: str, framing: str) -> None:
    path = f"/api/v1/stories/{story_id(site)}/comments"
    length = (
        b"Content-Length: 5000" if framing == "content-length" else b"Transfer-Encoding: chunked"
    )
    head = (
        b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n%s\r\n\r\n"
        % (
            path.encode(),
            length,
        )
    )
    byte = b"{" if framing == "content-length" else b"1\r\n{\r\n"
    normal: list[float] = []

    def meanwhile() -> None:
        """A reader who posts and reads normally while the trickle goes on."""
        time.sleep(TRICKLE * 2)
        with httpx.Client(base_url=site) as reader:
            for n in range(3):
                start = time.monotonic()
                post = reader.post(path, json={"name": "Quick", "body": f"Normal post {n}"})
                assert post.status_code == 201, post.text
                assert reader.get(path).status_code == 200
                normal.append(time.monotonic() - start)

    other = threading.Thread(target=meanwhile)
    other.start()
    took, answer = trickle(site, head, byte, limit=BODY_TIMEOUT + 10)
    other.join()
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"application/problem+json" in answer and b"connection: close" in answer.lower()
    assert BODY_TIMEOUT - 0.5 < took < BODY_TIMEOUT + 2, f"closed after {took:.1f} s"
    assert len(normal) == 3 and max(normal) < 1, normal


@pytest.mark.parametrize("path", ["/nowhere", "/api/v1/stories/1/comments/x"])
def test_an_answer_before_the_body_closes_the_connection(site: str, path: str) -> None:
    """A route that answers without reading the body (here 404 and 405) does not leave the
    connection to the rest of a trickled body."""
    head = b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n" % path.encode()
    took, answer = trickle(site, head, b"x", limit=BODY_TIMEOUT + 10)
    assert answer.startswith((b"HTTP/1.1 404 ", b"HTTP/1.1 405 ")), answer[:200]
    assert took < 1, f"closed after {took:.1f} s"


def test_a_body_sent_in_time_is_served(site: str) -> None:
    path = f"/api/v1/stories/{story_id(site)}/comments"
    body = b'{"name": "Patient", "body": "Typed slowly but in time"}'
    head = (
        b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (path.encode(), len(body))
    )
    port = int(site.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head + body[:10])
        time.sleep(BODY_TIMEOUT / 2)
        sock.sendall(body[10:])
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:200]


@pytest.mark.parametrize("path", ["/", "/feeds/stories.atom", "/healthz", "/api/v1/counts?story=1"])
def test_head_over_http_has_the_get_headers_and_no_body(site: str, path: str) -> None:
    with httpx.Client(base_url=site) as client:
        client.get(f"/stories/{client.get('/api/v1/stories').json()['stories'][0]['slug']}")
        get = client.get(path)
        head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.headers["content-length"] == get.headers["content-length"]
    assert {k: v for k, v in head.headers.items() if k != "date"} == {
        k: v for k, v in get.headers.items() if k != "date"
    }
    assert head.content == b""
