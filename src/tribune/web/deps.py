"""Dependency aliases and parameter types shared by the routers.

The dependencies are ``async def`` although they never wait: FastAPI runs a plain ``def``
dependency in a worker thread, a hop that cost more than the rest of a post together."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import WithJsonSchema

from tribune.cursor import LIMIT_MAX
from tribune.identity import SiteCache
from tribune.keys import Keys
from tribune.ratelimit import RateLimiter
from tribune.readers import Reader
from tribune.settings import Settings
from tribune.storage.engine import Database
from tribune.web.cookies import voter_of


def db_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_db(request: Request) -> Database:
    return db_of(request)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_settings(request: Request) -> Settings:
    return settings_of(request)


def site_cache_of(request: Request) -> SiteCache:
    """The worker's copy of the site settings (identity.py): ``.current`` is what pages show."""
    cache: SiteCache = request.app.state.site
    return cache


def keys_of(request: Request) -> Keys:
    keys: Keys = request.app.state.keys
    return keys


async def get_keys(request: Request) -> Keys:
    return keys_of(request)


def limiter_of(request: Request) -> RateLimiter:
    """The rate limiter (a plain function: see live/deps.py's events_of)."""
    limiter: RateLimiter = request.app.state.limiter
    return limiter


def client_hash(request: Request) -> str | None:
    """A keyed hash of the client's address: counts one reader without storing the address
    (DESIGN.md: raw IPs are never stored)."""
    if request.client is None:
        return None
    return keys_of(request).client_hash(request.client.host)


def reader_of(request: Request) -> Reader:
    """The anonymous reader: their signed voter cookie (if any) and address hash."""
    return Reader(client_hash=client_hash(request), voter_id=voter_of(request, keys_of(request)))


async def get_reader(request: Request) -> Reader:
    return reader_of(request)


def with_voter(reader: Reader, keys: Keys) -> Reader:
    """The reader, given a new voter id when they have none yet (a first vote or report);
    the response remembers it (web.cookies.remember_voter)."""
    return reader if reader.voter_id else Reader(reader.client_hash, keys.new_voter_id(), True)


Db = Annotated[Database, Depends(get_db)]
AppSettings = Annotated[Settings, Depends(get_settings)]
AppKeys = Annotated[Keys, Depends(get_keys)]
CurrentReader = Annotated[Reader, Depends(get_reader)]

# Ids beyond a signed 64-bit integer cannot exist; refusing them early keeps the database
# driver from failing on an out-of-range parameter.
MAX_ID = 2**63 - 1
StoryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The story's id")]
CommentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The comment's id")]
Cursor = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "maxLength": 500}),  # absent, not null, for none
    Query(
        max_length=500,
        description="`next_cursor` of the page before, as given: any other text answers 422",
    ),
]
# The routes check the range themselves (a message of their own), so the schema only states it.
Limit = Annotated[
    int,
    Query(
        description=f"How many per page, 1–{LIMIT_MAX}",
        json_schema_extra={"minimum": 1, "maximum": LIMIT_MAX},
    ),
]
