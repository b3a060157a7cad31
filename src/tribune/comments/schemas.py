"""Comment shapes of the JSON API (for the OpenAPI document; responses are built as dicts)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class CommentIn(BaseModel):
    name: str = Field(description="1–100 characters after trimming; no control characters.")
    body: str = Field(description="Markdown, 1–10,000 characters after trimming.")
    email: str | None = Field(None, description="Optional; never shown to anyone.")
    website: str | None = Field(None, description="Optional http:// or https:// address.")
    parent_id: int | None = Field(None, description="The comment this one replies to.")


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


class CommentCreated(CommentOut):
    edit_token: str = Field(
        description="Lets the author edit or delete the comment during the edit window: "
        "send it as `Authorization: Bearer TOKEN`. Shown only once."
    )


class CommentEdit(BaseModel):
    body: str


class VoteIn(BaseModel):
    value: int = Field(description="1 up, -1 down, 0 withdraws the reader's vote.")


class VoteOut(BaseModel):
    score: int
    value: int


class Counts(BaseModel):
    counts: dict[str, int]
