"""Comment shapes of the JSON API (for the OpenAPI document; responses are built as dicts)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CommentIn(BaseModel):
    name: str = Field(description="1–100 characters after trimming; no control characters.")
    body: str = Field(description="Markdown, 1–10,000 characters after trimming.")
    email: str | None = Field(None, description="Optional; never shown to anyone.")
    website: str | None = Field(None, description="Optional http:// or https:// address.")


class CommentOut(BaseModel):
    id: int
    parent_id: int | None
    number: int
    name: str | None
    website: str | None
    avatar_url: str | None
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    score: int
    status: str
    replies: list[CommentOut]


class ThreadPage(BaseModel):
    comments: list[CommentOut]
    next_cursor: str | None
    total: int


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: dict[str, str] | None = None
