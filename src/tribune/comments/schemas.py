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
    featured: bool = Field(description="Picked by a moderator; highlighted.")
    replies: list[CommentOut]
    more_replies: int | None = Field(
        None,
        description="On a top-level comment whose replies the page cuts: how many more there "
        "are. Absent otherwise.",
    )
    replies_cursor: str | None = Field(
        None,
        description="With `more_replies`: the `cursor` of `GET /api/v1/comments/{id}/replies` "
        "that lists them.",
    )


class ThreadPage(BaseModel):
    comments: list[CommentOut]
    next_cursor: str | None
    total: int
    featured: list[CommentOut] = Field(
        description="Comments moderators picked, above the first page (empty on later pages)."
    )


class RepliesPage(BaseModel):
    comments: list[CommentOut] = Field(
        description="The page's replies in thread order, nested as in the thread; those whose "
        "parent an earlier page holds come first, to be placed under it (beside it when it is "
        "at the display depth)."
    )
    next_cursor: str | None
    total: int = Field(description="The comment's visible replies at every depth.")


class CommentCreated(CommentOut):
    edit_token: str = Field(
        description="Lets the author edit or delete the comment during the edit window: "
        "send it as `Authorization: Bearer TOKEN`. Shown only once."
    )
    moderation: list[str] | None = Field(
        None,
        description="Why the rules held or rejected the comment (its status says which); "
        "absent when it was published.",
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


class ReportIn(BaseModel):
    reason: str = Field(description="spam, abuse, off-topic, misinformation or other.")
    text: str | None = Field(None, description="What is wrong; required for other, 500 max.")


class ReportOut(BaseModel):
    comment_id: int
    reported: bool
    hidden: bool = Field(description="Whether reports now hide it until a moderator looks.")
