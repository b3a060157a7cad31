"""Atom feeds: the site's stories, recent comments site-wide, and one story's comments.

Links are absolute, from TRIBUNE_BASE_URL, never from the request's Host header. Ids are not
links: they are ``urn:uuid:`` names made from the site's own identity (kept in the database)
and the story's or comment's id, so a feed reader sees the same entries when the base URL,
the host name or a slug changes. XML is built with ElementTree, which escapes text;
characters XML 1.0 cannot carry are dropped.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET  # nosec B405  # only writes feeds, never parses

from fastapi import APIRouter, Request
from starlette.responses import Response

from tribune import __version__, public
from tribune.comments import threads
from tribune.exceptions import NotFound
from tribune.identity import GENERATOR, Site
from tribune.stories import service as stories
from tribune.web import shared
from tribune.web.deps import Db, get_db, settings_of, site_cache_of

router = APIRouter(prefix="/feeds", include_in_schema=False)

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
ATOM_TYPE = b"application/atom+xml; charset=utf-8"
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ET.register_namespace("", ATOM)


def _text(value: str) -> str:
    return NOT_XML.sub("", value)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _urn(site: uuid.UUID, name: str) -> str:
    """A permanent Atom id: the same for the same site and name, whatever the base URL."""
    return f"urn:uuid:{uuid.uuid5(site, name)}"


async def _site(request: Request) -> uuid.UUID:
    """The site's identity, read once per process."""
    site: uuid.UUID | None = getattr(request.app.state, "site_id", None)
    if site is None:
        site = request.app.state.site_id = await stories.site_id(await get_db(request))
    return site


class Feed:
    def __init__(
        self,
        base_url: str,
        site_id: uuid.UUID,
        name: str,
        title: str,
        path: str,
        page_path: str,
        site: Site,
    ) -> None:
        self.base_url = base_url
        self.site_id = site_id
        self.root = ET.Element(f"{{{ATOM}}}feed")
        self._add(self.root, "title", title)
        if site.tagline:
            self._add(self.root, "subtitle", site.tagline)
        self._add(ET.SubElement(self.root, f"{{{ATOM}}}author"), "name", site.name)
        self._add(self.root, "generator", GENERATOR, version=__version__)
        self._add(self.root, "id", _urn(site_id, name))
        ET.SubElement(self.root, f"{{{ATOM}}}link", rel="self", href=base_url + path)
        ET.SubElement(self.root, f"{{{ATOM}}}link", rel="alternate", href=base_url + page_path)
        self.updated = self._add(self.root, "updated", _iso(datetime(2000, 1, 1, tzinfo=UTC)))

    @staticmethod
    def _add(parent: ET.Element, name: str, text: str, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
        element.text = _text(text)
        return element

    def entry(
        self,
        *,
        entry_id: str,
        title: str,
        link: str,
        published: datetime,
        updated: datetime,
        authors: list[tuple[str, str | None]],
        html: str,
        summary: str | None = None,
    ) -> None:
        """One entry; authors are (name, page link or None)."""
        entry = ET.SubElement(self.root, f"{{{ATOM}}}entry")
        self._add(entry, "id", entry_id)
        self._add(entry, "title", title)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=self.base_url + link)
        self._add(entry, "published", _iso(published))
        self._add(entry, "updated", _iso(updated))
        for name, uri in authors:
            person = ET.SubElement(entry, f"{{{ATOM}}}author")
            self._add(person, "name", name)
            if uri:
                self._add(person, "uri", self.base_url + uri)
        if summary:
            self._add(entry, "summary", summary)
        self._add(entry, "content", html, type="html")
        if _iso(updated) > (self.updated.text or ""):
            self.updated.text = _iso(updated)

    def body(self) -> bytes:
        written: bytes = ET.tostring(self.root, encoding="utf-8", xml_declaration=True)
        return written


def _comment_entry(feed: Feed, comment: dict[str, Any], story_title: str) -> None:
    name = comment["name"] or public.ANONYMOUS
    feed.entry(
        entry_id=_urn(feed.site_id, f"comment/{comment['id']}"),
        title=f"{name} on “{story_title}” (comment {comment['number']})",
        link=f"/comments/{comment['id']}",
        published=comment["created_at"],
        updated=comment["edited_at"] or comment["created_at"],
        authors=[(name, None)],
        html=comment["body_html"],
    )


# Every feed is the same for every reader: kept for what it lists (web/shared.py).
SHARED_PATHS = ("/feeds/stories.atom", "/feeds/comments.atom", "/feeds/stories/[^/]+/comments.atom")


@router.get("/stories.atom")
async def stories_feed(request: Request, db: Db) -> Response:
    async def version() -> Hashable:
        return await stories.listing_version(db, FEED_SIZE)

    async def make() -> bytes:
        base_url = settings_of(request).base_url
        site_id = await _site(request)
        site = site_cache_of(request).current
        feed = Feed(
            base_url,
            site_id,
            "feed/stories",
            f"{site.name}: latest stories",
            "/feeds/stories.atom",
            "/",
            site,
        )
        for story in await stories.recent_for_feed(db, FEED_SIZE):
            feed.entry(
                entry_id=_urn(site_id, f"story/{story['id']}"),
                title=story["title"],
                link=public.story_path(story["slug"]),
                published=story["published_at"],
                updated=story["updated_at"],
                # The byline; a story without one is the site's own.
                authors=[
                    (a["name"], public.author_path(a["slug"]) if a["slug"] else None)
                    for a in story["authors"]
                ]
                or [(site.name, None)],
                summary=story["lead"] or None,
                html=story["body_html"],
            )
        return feed.body()

    return await shared.kept(request, version, make, ATOM_TYPE)


@router.get("/comments.atom")
async def comments_feed(request: Request, db: Db) -> Response:
    async def version() -> Hashable:
        return await threads.recent_version(db, FEED_SIZE)

    async def make() -> bytes:
        base_url = settings_of(request).base_url
        site_id = await _site(request)
        site = site_cache_of(request).current
        feed = Feed(
            base_url,
            site_id,
            "feed/comments",
            f"{site.name}: latest comments",
            "/feeds/comments.atom",
            "/",
            site,
        )
        for row in await threads.recent(db, FEED_SIZE):
            _comment_entry(feed, row, row["story_title"])
        return feed.body()

    return await shared.kept(request, version, make, ATOM_TYPE)


@router.get("/stories/{slug}/comments.atom")
async def story_comments_feed(request: Request, db: Db, slug: str) -> Response:
    found = await stories.story_by_slug(db, slug)
    if found is None:
        raise NotFound
    story_id = found["id"]

    async def version() -> Hashable | None:
        # Every comment and every save of the story moves its thread's version.
        meta = await threads.version(db, story_id)
        return None if meta is None else meta[0]

    async def make() -> bytes:
        # Read again after the version: its title is at least as new as the version.
        story = await stories.story_by_slug(db, slug)
        if story is None:
            raise NotFound
        base_url = settings_of(request).base_url
        site_id = await _site(request)
        path = public.story_path(story["slug"])
        feed = Feed(
            base_url,
            site_id,
            f"feed/story/{story['id']}/comments",
            f"Comments on “{story['title']}”",
            f"/feeds{path}/comments.atom",
            path,
            site_cache_of(request).current,
        )
        for row in await threads.newest_of_story(db, story["id"], FEED_SIZE):
            _comment_entry(feed, row, story["title"])
        return feed.body()

    return await shared.kept(request, version, make, ATOM_TYPE)
