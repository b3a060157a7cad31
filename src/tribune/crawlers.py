"""What crawlers read: /robots.txt, /sitemap.xml and the Google News sitemap.

Addresses are absolute, from TRIBUNE_BASE_URL. A sitemap holds at most 50,000 addresses
(sitemaps.org); a site with more gets a sitemap index at /sitemap.xml naming one sitemap per
50,000 stories or tags, and one of its home and author pages. XML is built with ElementTree
(written, never parsed), which escapes text; characters XML 1.0 cannot carry are dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from xml.etree import ElementTree as ET  # nosec B405  # only writes sitemaps, never parses

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from tribune import public
from tribune.exceptions import NotFound
from tribune.feeds import NOT_XML
from tribune.fields import whole_number
from tribune.stories import seo
from tribune.stories import sitemap as service
from tribune.web.deps import Db, settings_of, site_cache_of

router = APIRouter(include_in_schema=False)

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
URLS_MAX = 50_000  # addresses in one sitemap, by the protocol
CHUNKS_MAX = 50_000  # sitemaps in one index, by the protocol
ET.register_namespace("news", NEWS)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, name: str, text: str, namespace: str = SITEMAP) -> None:
    ET.SubElement(parent, f"{{{namespace}}}{name}").text = NOT_XML.sub("", text)


def _xml(root: ET.Element) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=SITEMAP)
    return Response(body, media_type="application/xml; charset=utf-8")


def _urlset(base_url: str, entries: Iterable[service.Entry]) -> Response:
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for entry in entries:
        url = ET.SubElement(root, f"{{{SITEMAP}}}url")
        _add(url, "loc", base_url + entry.path)
        if entry.lastmod is not None:
            _add(url, "lastmod", _iso(entry.lastmod))
    return _xml(root)


def _chunks(count: int) -> range:
    return range(1, math.ceil(count / URLS_MAX) + 1)


def _offset(number: str) -> int:
    """Where the number-th sitemap of a kind starts; 404 for what no index names."""
    n = whole_number(number)
    if n is None or not 1 <= n <= CHUNKS_MAX:
        raise NotFound
    return (n - 1) * URLS_MAX


@router.get("/robots.txt")
async def robots(request: Request) -> Response:
    base_url = settings_of(request).base_url
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "Disallow: /api/",
        "",
        f"Sitemap: {base_url}/sitemap.xml",
        f"Sitemap: {base_url}/sitemap-news.xml",
    ]
    return PlainTextResponse("\n".join(lines) + "\n")


@router.get("/sitemap.xml")
async def sitemap(request: Request, db: Db) -> Response:
    """Every page worth crawling, or (past 50,000) the index of the sitemaps that hold them."""
    base_url = settings_of(request).base_url
    story_count, tag_count = await service.counts(db)
    pages = await service.pages(db)
    if len(pages) + tag_count + story_count <= URLS_MAX:
        tags = await service.tags(db, 0, URLS_MAX)
        stories = await service.stories(db, 0, URLS_MAX)
        return _urlset(base_url, [*pages, *tags, *stories])
    root = ET.Element(f"{{{SITEMAP}}}sitemapindex")
    names = ["pages.xml"]
    names += [f"tags-{n}.xml" for n in _chunks(tag_count)]
    names += [f"stories-{n}.xml" for n in _chunks(story_count)]
    for name in names:
        _add(ET.SubElement(root, f"{{{SITEMAP}}}sitemap"), "loc", f"{base_url}/sitemaps/{name}")
    return _xml(root)


@router.get("/sitemaps/pages.xml")
async def pages_sitemap(request: Request, db: Db) -> Response:
    """The home page and the author pages (of a sitemap index)."""
    return _urlset(settings_of(request).base_url, (await service.pages(db))[:URLS_MAX])


@router.get("/sitemaps/tags-{number}.xml")
async def tags_sitemap(request: Request, db: Db, number: str) -> Response:
    """The number-th 50,000 tag pages (of a sitemap index)."""
    entries = await service.tags(db, _offset(number), URLS_MAX)
    if not entries:
        raise NotFound
    return _urlset(settings_of(request).base_url, entries)


@router.get("/sitemaps/stories-{number}.xml")
async def stories_sitemap(request: Request, db: Db, number: str) -> Response:
    """The number-th 50,000 published stories (of a sitemap index)."""
    entries = await service.stories(db, _offset(number), URLS_MAX)
    if not entries:
        raise NotFound
    return _urlset(settings_of(request).base_url, entries)


@router.get("/sitemap-news.xml")
async def news_sitemap(request: Request, db: Db) -> Response:
    """Google News: the stories published in the last two days."""
    base_url = settings_of(request).base_url
    site = site_cache_of(request).current
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for story in await service.news(db):
        url = ET.SubElement(root, f"{{{SITEMAP}}}url")
        _add(url, "loc", base_url + public.story_path(story["slug"]))
        news = ET.SubElement(url, f"{{{NEWS}}}news")
        publication = ET.SubElement(news, f"{{{NEWS}}}publication")
        _add(publication, "name", site.name, NEWS)
        _add(publication, "language", seo.LANGUAGE, NEWS)
        _add(news, "publication_date", _iso(story["published_at"]), NEWS)
        _add(news, "title", story["title"], NEWS)
    return _xml(root)
