"""Story shapes of the JSON API (for the OpenAPI document; responses are built as dicts)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class TagOut(BaseModel):
    slug: str
    name: str
    url: str


class AuthorOut(BaseModel):
    name: str
    url: str | None = Field(description="The author's page; null for staff without one")


class PromoLinkOut(BaseModel):
    text: str
    url: str


class StoryOut(BaseModel):
    id: int
    slug: str
    title: str
    url: str
    source_url: str | None
    tags: list[TagOut]
    published_at: datetime
    comment_count: int
    short_url: str = Field(description="The story's short link, /s/{code}: 301 to its page")
    authors: list[AuthorOut] = Field(description="The byline, in order")


class StoryDetail(StoryOut):
    lead: str
    body_html: str
    video_url: str | None
    promo_links: list[PromoLinkOut]
    about: str


class StoryList(BaseModel):
    stories: list[StoryOut]
    next_cursor: str | None
