"""A real `tribune serve` process on a free loopback port, for browser and CLI tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

TRIBUNE = str(Path(sys.executable).with_name("tribune"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tribune_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIBUNE_")}
    base = {
        "TRIBUNE_DATABASE_URL": database_url,
        "TRIBUNE_SECRET_KEY": "s" * 40,
        # Tests post faster than any reader; the rate-limit tests turn limits back on.
        "TRIBUNE_RATE_LIMITS": "off",
    }
    return env | base | extra


@contextmanager
def server_process(
    database_url: str,
    cwd: Path,
    *,
    workers: int = 1,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    own_base_url: bool = True,
    **variables: str,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start `tribune serve`, wait until /readyz answers, yield its base URL and process;
    stop it (or reap it, when the test killed it) afterwards. Its TRIBUNE_* variables come as
    keywords, or as env when a test builds them up (a dict cannot be spread into keywords
    that include workers and port); TRIBUNE_BASE_URL is the server's own address unless they
    name another (the proxy's, in front of it), or own_base_url is False (serve's default).
    Its output is in cwd/server-PORT.log."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {"TRIBUNE_BASE_URL": base} if own_base_url else {}
    settings |= {**(env or {}), **variables}
    log = cwd / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [TRIBUNE, "serve", "--port", str(port), "--workers", str(workers)],
            cwd=cwd,
            env=tribune_env(database_url, **settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tribune serve did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_server(
    database_url: str,
    cwd: Path,
    *,
    workers: int = 1,
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    **variables: str,
) -> Iterator[str]:
    """Start `tribune serve`, wait until /readyz answers, yield its base URL, stop it."""
    served = server_process(
        database_url, cwd, workers=workers, port=port, env={**(env or {}), **variables}
    )
    with served as (base, _):
        yield base
