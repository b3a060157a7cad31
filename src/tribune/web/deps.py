"""Dependency aliases shared by the routers."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Path, Request

from tribune.settings import Settings
from tribune.storage.engine import Database


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_hash(request: Request) -> str | None:
    """A keyed hash of the client's address: lets us count one reader without storing the
    address itself (DESIGN.md: raw IPs are never stored)."""
    if request.client is None:
        return None
    key: bytes = request.app.state.hash_key
    return hmac.new(key, request.client.host.encode(), hashlib.sha256).hexdigest()[:32]


Db = Annotated[Database, Depends(get_db)]
AppSettings = Annotated[Settings, Depends(get_settings)]
ClientHash = Annotated[str | None, Depends(client_hash)]

# Ids beyond a signed 64-bit integer cannot exist; refusing them early keeps the database
# driver from failing on an out-of-range parameter.
MAX_ID = 2**63 - 1
StoryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The story's id")]
CommentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The comment's id")]
