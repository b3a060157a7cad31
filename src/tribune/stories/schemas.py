"""Story shapes of the JSON API (for the OpenAPI document; responses are built as dicts)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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


# The staff stories API (a newsroom's CMS, with a staff API token) --------------------------


class StoryFields(BaseModel):
    """What a story holds, as the editor takes it (the same checks and messages)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, description="At most 200 characters", max_length=200)
    body: str | None = Field(None, description="Markdown; #hashtags become tags")
    lead: str | None = Field(None, description="One or two sentences, at most 1,000 characters")
    slug: str | None = Field(
        None, description="Lower-case words joined by hyphens; made from the title when absent"
    )
    tags: list[str] | None = Field(None, description="Tags besides the body's #hashtags")
    source_url: str | None = Field(None, description="The Read more link (http or https)")
    video_url: str | None = Field(None, description="Shown as a link card (http or https)")
    correction: str | None = Field(None, description="Shown above the body")
    comment_mode: Literal["open", "premoderated", "closed"] | None = None
    lead_image_id: int | None = Field(None, description="An image uploaded at /admin/images")
    lead_image_alt: str | None = Field(None, description="Required with a lead image")
    status: Literal["draft", "scheduled", "published", "unpublished"] | None = None
    publish_at: datetime | None = Field(
        None, description="RFC 3339 with its offset; required with status scheduled"
    )


class StoryIn(StoryFields):
    title: str = Field(description="At most 200 characters", max_length=200)
    body: str = Field(description="Markdown; #hashtags become tags")


class StoryPatch(StoryFields):
    revision: int | None = Field(
        None,
        description="The `revision` the change was made from: if the story was saved since, "
        "409 names what changed and nothing is written",
    )


class StaffStory(StoryDetail):
    status: Literal["draft", "scheduled", "published", "unpublished"]
    publish_at: datetime | None = Field(description="When a scheduled story publishes")
    revision: int = Field(description="Send it back with PATCH to be told of others' saves")
    body: str = Field(description="The Markdown as saved")
    correction: str
    comment_mode: str
    edited_at: datetime | None
