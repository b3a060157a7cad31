"""Dependency aliases shared by the routers.

The dependencies are ``async def`` although they never wait: FastAPI runs a plain ``def``
dependency in a worker thread, a hop that cost more than the rest of a post together."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from tribune.comments.service import Reader
from tribune.keys import Keys
from tribune.settings import Settings
from tribune.storage.engine import Database

VOTER_COOKIE = "tribune_voter"


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def keys_of(request: Request) -> Keys:
    keys: Keys = request.app.state.keys
    return keys


async def get_keys(request: Request) -> Keys:
    return keys_of(request)


def client_hash(request: Request) -> str | None:
    """A keyed hash of the client's address: counts one reader without storing the address
    (DESIGN.md: raw IPs are never stored)."""
    if request.client is None:
        return None
    return keys_of(request).client_hash(request.client.host)


def reader_of(request: Request) -> Reader:
    """The anonymous reader: their signed voter cookie (if any) and address hash."""
    voter_id = keys_of(request).unsign("voter", request.cookies.get(VOTER_COOKIE))
    return Reader(
        client_hash=client_hash(request),
        voter_id=voter_id if isinstance(voter_id, str) else None,
    )


async def get_reader(request: Request) -> Reader:
    return reader_of(request)


Db = Annotated[Database, Depends(get_db)]
AppSettings = Annotated[Settings, Depends(get_settings)]
AppKeys = Annotated[Keys, Depends(get_keys)]
CurrentReader = Annotated[Reader, Depends(get_reader)]

# Ids beyond a signed 64-bit integer cannot exist; refusing them early keeps the database
# driver from failing on an out-of-range parameter.
MAX_ID = 2**63 - 1
StoryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The story's id")]
CommentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The comment's id")]
