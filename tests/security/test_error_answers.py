"""A 500 or 503 is one answer and one log line: the keep-alive connection it came on goes on
serving (behind nginx `keepalive 32`, a dropped upstream connection fails the next request
sent on it), and the server does not log the error a second time with a traceback (F39d)."""

from __future__ import annotations

import http.client
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from tests.server import running_server
from tests.write_lock import write_lock_held

POST = b'{"name": "Reader", "body": "Sent while the database is locked"}'


def exchange(
    connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None
) -> http.client.HTTPResponse:
    headers = {"Content-Type": "application/json"} if body else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    return response


def test_error_answers_keep_the_connection_and_log_once(tmp_path: Path) -> None:
    database = tmp_path / "site.db"
    with running_server(
        f"sqlite:///{database}", tmp_path, TRIBUNE_SQLITE_LOCK_TIMEOUT_MS="200"
    ) as base:
        address = urlsplit(base)
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
        assert exchange(connection, "GET", "/healthz").status == 200
        socket = connection.sock

        with write_lock_held(database):  # the database is busy: 503
            busy = exchange(connection, "POST", "/api/v1/stories/1/comments", POST)
        assert busy.status == 503 and busy.getheader("Retry-After") == "5"
        assert busy.getheader("Connection") != "close"
        assert exchange(connection, "GET", "/healthz").status == 200
        assert connection.sock is socket  # the same connection served it

        # A stored value the code cannot read: an unexpected error, 500.
        with sqlite3.connect(database) as broken:
            broken.execute("UPDATE stories SET published_at = 'soon'")
        failed = exchange(connection, "GET", "/api/v1/stories")
        assert failed.status == 500
        assert exchange(connection, "GET", "/healthz").status == 200
        assert connection.sock is socket
        connection.close()
        log = (tmp_path / f"server-{address.port}.log").read_text()

    assert "Exception in ASGI application" not in log
    unavailable = [line for line in log.splitlines() if "database unavailable" in line]
    assert len(unavailable) == 1, log
    assert unavailable[0].startswith("WARNING ")
    assert "POST /api/v1/stories/1/comments" in unavailable[0]
    failures = [line for line in log.splitlines() if line.startswith("ERROR ")]
    assert len(failures) == 1, log
    assert "GET /api/v1/stories" in failures[0] and "ValueError" in failures[0]
    assert log.count("Traceback") == 1, log  # the 500's, once
