"""Every setting Tribune reads, declared once with its type, default and meaning.

Settings are read from ``TRIBUNE_*`` environment variables when ``Settings()`` is built,
never at import time. The README's configuration table is checked against this class.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tribune import urls

INSECURE_SECRETS = {"changeme", "secret", "password", "tribune", "dev"}
SECRET_FILE_NAME = ".tribune-secret"  # noqa: S105  # nosec B105  # a file name, not a secret
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]"}


def host_name(netloc: str) -> str:
    """A Host header's (or URL's) name, without port or trailing dot, lower-cased; IPv6
    addresses keep their brackets."""
    name = netloc.rpartition("@")[2].lower()
    if not name.endswith("]"):
        name = name.rpartition(":")[0] or name
    return name.rstrip(".")


def _host_list(value: str) -> list[str]:
    """`a.example, b.example` or `["a.example", "b.example"]`."""
    items = json.loads(value) if value.lstrip().startswith("[") else value.split(",")
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError("must be host names, comma-separated or a JSON list of strings")
    names = [host_name(item.strip()) for item in items if item.strip()]
    for name in names:
        if not re.fullmatch(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]", name):
            raise ValueError(f"{name!r} is not a host name")
    return names


ProxyNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(value: str | None) -> tuple[ProxyNetwork, ...]:
    """`127.0.0.1, 10.0.0.0/8, ::1`: each an address or a network (CIDR), comma-separated."""
    networks = []
    for item in (value or "").split(","):
        entry = item.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            raise ValueError(
                f"{entry!r} is not an IP address or network: give the proxies' addresses "
                "or networks, comma-separated (127.0.0.1, 10.0.0.0/8, ::1)"
            ) from None
    return tuple(networks)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIBUNE_", extra="ignore")

    database_url: str = Field(
        "sqlite:///./tribune.db",
        description="SQLite file (`sqlite:///path`), or `postgresql://user@host/db`.",
    )
    secret_key: str | None = Field(
        None,
        description="Signs tokens and cookies. Unset: generated once and kept in a 0600 file "
        "`.tribune-secret` beside the SQLite database (or in the working directory).",
    )
    base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Public address of the site, for absolute links in the API and feeds.",
    )
    demo: bool = Field(
        True,
        description="`0`: an empty database stays empty (no demo story is loaded by `serve`).",
    )
    edit_minutes: int = Field(
        15,
        ge=0,
        le=24 * 60,
        description="Minutes during which a reader may edit or delete their own comment.",
    )
    import_upload_mb: int = Field(
        2048,
        ge=1,
        le=1024 * 1024,
        description="Largest file the admin upload page imports, in megabytes (written to the "
        "temporary directory while it is imported; `tribune import` has no limit).",
    )
    search_cache_seconds: int = Field(
        10,
        ge=0,
        le=3600,
        description="Seconds each worker remembers a page of ranked search results (0: never); "
        "what a remembered page shows is checked again, so nothing hidden since is shown.",
    )
    thread_depth: int = Field(
        3,
        ge=1,
        le=10,
        description="Deepest nesting shown; deeper replies show at this depth "
        "with 'in reply to NAME'.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis (`redis://host:6379/0`) to share live events and rate-limit "
        "counters between instances. Unset: both stay in each process.",
    )
    trusted_proxies: str | None = Field(
        None,
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed (X-Forwarded-For right to left). "
        "Unset: the connection's address is the client's.",
    )
    allowed_hosts: str | None = Field(
        None,
        description="Host names the site answers to besides the base URL's, comma-separated "
        "or a JSON list. Unset: the base URL's host only (and the loopback names when it is "
        "a loopback address).",
    )
    allowed_origins: str | None = Field(
        None,
        description="Sites whose pages may embed threads (embed.js), comma-separated origins "
        "(`https://news.example`; a bare host name means https). Unset: none.",
    )
    body_timeout: int = Field(
        30,
        ge=1,
        le=3600,
        description="Seconds a client may take to send a request's whole body, and one more "
        "for each 64 kB it sent (a large upload at a steady pace); then 408.",
    )
    rate_limits: bool = Field(
        True,
        description="`off`: no rate limits on posting (benchmarks, load tests).",
    )
    voters_per_address: int = Field(
        20,
        ge=1,
        le=100_000,
        description="New voters one client address may add to one comment in an hour "
        "(readers behind one NAT or proxy each vote; this bounds ballot stuffing).",
    )
    reporters_per_address: int = Field(
        10,
        ge=1,
        le=100_000,
        description="Readers of one client address who may report one comment in an hour.",
    )
    pool_size: int = Field(
        10, ge=1, le=200, description="PostgreSQL connections per worker process."
    )
    sqlite_lock_timeout_ms: int = Field(
        10_000,
        ge=0,
        le=600_000,
        description="SQLite: milliseconds a write waits for another process's write lock "
        "(another worker, an import, a backup) before answering 503; the worker goes on "
        "answering other requests meanwhile.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Server log level."
    )
    access_log: bool = Field(
        False,
        description="`1`: a line per request in the server's log. Off by default: it cost "
        "about 40% of the fastest reads' throughput, and the proxy in front keeps one.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = value.split(":", 1)[0].split("+", 1)[0]
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("base_url")
    @classmethod
    def _absolute_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str | None) -> str | None:
        if value is not None:
            proxy_networks(value)  # refused at startup, not on the first request
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: str | None) -> str | None:
        if value is not None:
            _host_list(value)  # refused at startup, not on the first request
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: str | None) -> str | None:
        if value is not None:
            urls.allowed_origins(value)  # refused at startup, not on the first request
        return value

    @field_validator("secret_key")
    @classmethod
    def _strong_secret(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.lower() in INSECURE_SECRETS or len(value) < 32:
            raise ValueError("must be at least 32 characters and not a well-known value")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None for PostgreSQL and in-memory databases."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[1] if ":///" in self.database_url else ""
        if not path or path == ":memory:":
            return None
        return Path(path)

    def proxies(self) -> tuple[ProxyNetwork, ...]:
        """The trusted proxies' networks (an address is a network of one)."""
        return proxy_networks(self.trusted_proxies)

    def hosts(self) -> frozenset[str]:
        """The Host names served: the base URL's, loopback names with a loopback base URL
        (what `make run` and the tests reach it by), and ALLOWED_HOSTS."""
        own = host_name(urlsplit(self.base_url).netloc)
        names = {own} | (LOOPBACK_NAMES if own in LOOPBACK_NAMES else set())
        return frozenset(names | set(_host_list(self.allowed_hosts or "")))

    def origins(self) -> frozenset[str]:
        """The origins of the sites that may embed threads."""
        return urls.allowed_origins(self.allowed_origins or "")

    def resolved_secret_key(self) -> str:
        """The configured secret, or the one kept in the secret file (created on first use)."""
        if self.secret_key:
            return self.secret_key
        db_path = self.sqlite_path()
        directory = db_path.parent if db_path else Path.cwd()
        secret_file = directory / SECRET_FILE_NAME
        try:
            return secret_file.read_text().strip()
        except FileNotFoundError:
            pass
        directory.mkdir(parents=True, exist_ok=True)
        # Write a private temporary file, then link it into place: the link either creates the
        # complete file or fails because a concurrently starting worker won the race.
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tribune-secret-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(tmp, secret_file)
        finally:
            os.unlink(tmp)
        return secret_file.read_text().strip()
