"""What search engines and link previews read of a page: its canonical address, OpenGraph
and Twitter card tags, and, for a story, the schema.org NewsArticle as JSON-LD.

Every address here is absolute, made from TRIBUNE_BASE_URL (never the request's Host). The
pages embed the JSON-LD with Jinja's ``tojson`` (web/templating.py), which writes ``<``, ``>``,
``&``, ``'`` and the backtick as ``\\u`` escapes: no title can close the script element.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nh3

from tribune import public
from tribune.identity import Site

LANGUAGE = "en"  # the pages' <html lang>; the news sitemap names it too
DESCRIPTION_MAX = 300  # what previews show of a lead at most
_CANDIDATE = re.compile(r"(\S+)\s+(\d+)w")


@dataclass(frozen=True, slots=True)
class Picture:
    url: str  # absolute
    width: int | None
    height: int | None
    alt: str


@dataclass(frozen=True, slots=True)
class PageMeta:
    """One page's canonical address and what previews of it show."""

    url: str
    title: str
    description: str
    site_name: str
    kind: str = "website"  # og:type: website, article or profile
    image: Picture | None = None
    published: datetime | None = None
    modified: datetime | None = None
    authors: list[str] = field(default_factory=list)  # author pages, absolute
    tags: list[str] = field(default_factory=list)
    json_ld: dict[str, Any] | None = None
    photo: bool = False  # the image is the story's own, not the site's logo

    @property
    def twitter_card(self) -> str:
        # A story's picture is shown large; the site's logo small, beside the title.
        return "summary_large_image" if self.image and self.photo else "summary"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def modified_at(story: dict[str, Any]) -> datetime:
    """When the story last changed as readers see it: its publication, or a later edit (the
    page's "Updated", the sitemap's lastmod, dateModified)."""
    published: datetime = story["published_at"]
    edited: datetime | None = story.get("edited_at")
    return edited if edited is not None and edited > published else published


def absolute(base_url: str, url: str) -> str:
    return base_url + url if url.startswith("/") and not url.startswith("//") else url


def shorten(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """Text cut at a word boundary to at most ``limit`` characters, marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def summary(story: dict[str, Any]) -> str:
    """What a story is about, in one paragraph: its lead, or else the start of its text."""
    lead = " ".join(story["lead"].split())
    if lead:
        return lead
    # nh3 with no tags allowed keeps only the text, escaped as HTML.
    return shorten(html.unescape(nh3.clean(story.get("body_html") or "", tags=set())))


def picture(image: dict[str, Any] | None, base_url: str) -> Picture | None:
    """The largest rendition of a lead image ({"src", "srcset", "width", "height", "alt"}),
    for previews, which show images large."""
    if not image:
        return None
    url, width, height = image["src"], image.get("width"), image.get("height")
    ratio = height / width if width and height else None  # width and height: its shape
    best = 0
    for candidate in (image.get("srcset") or "").split(","):
        found = _CANDIDATE.fullmatch(candidate.strip())
        if found and int(found[2]) > best:
            url, best = found[1], int(found[2])
    if best:
        width, height = best, round(best * ratio) if ratio else None
    return Picture(absolute(base_url, url), width, height, image.get("alt") or "")


def _logo_picture(site: Site, base_url: str) -> Picture | None:
    logo = site.logo
    if logo is None:
        return None
    return Picture(base_url + logo.url, logo.width, logo.height, site.name)


def _logo(site: Site, base_url: str) -> dict[str, Any] | None:
    if site.logo is None:
        return None
    return {
        "@type": "ImageObject",
        "url": base_url + site.logo.url,
        "width": site.logo.width,
        "height": site.logo.height,
    }


def publisher(site: Site, base_url: str) -> dict[str, Any]:
    """The site as schema.org Organization: its name, address and logo (when it has one)."""
    found: dict[str, Any] = {"@type": "Organization", "name": site.name, "url": base_url + "/"}
    if (logo := _logo(site, base_url)) is not None:
        found["logo"] = logo
    return found


def news_article(story: dict[str, Any], base_url: str, site: Site) -> dict[str, Any]:
    """The story as a schema.org NewsArticle: what Google's article results read."""
    url = base_url + public.story_path(story["slug"])
    authors: list[dict[str, Any]] = []
    for author in story.get("authors") or []:
        person = {"@type": "Person", "name": author["name"]}
        if author["slug"]:
            person["url"] = base_url + public.author_path(author["slug"])
        authors.append(person)
    article: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story["title"],
        "description": summary(story),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": iso(story["published_at"]),
        "dateModified": iso(modified_at(story)),
        # A story without a byline is the publication's own.
        "author": authors or [publisher(site, base_url)],
        "publisher": publisher(site, base_url),
        "inLanguage": LANGUAGE,
        "commentCount": story["comment_count"],
    }
    if story.get("tags"):
        article["keywords"] = [tag["name"] for tag in story["tags"]]
    if (image := picture(story.get("image"), base_url)) is not None:
        article["image"] = [
            {"@type": "ImageObject", "url": image.url}
            | ({"width": image.width, "height": image.height} if image.width else {})
        ]
    return article


def story_meta(story: dict[str, Any], base_url: str, site: Site) -> PageMeta:
    """A story page's canonical address, OpenGraph article tags and NewsArticle; its lead
    image for previews, or else the site's logo."""
    lead = picture(story.get("image"), base_url)
    return PageMeta(
        url=base_url + public.story_path(story["slug"]),
        title=story["title"],
        description=shorten(summary(story)),
        site_name=site.name,
        kind="article",
        image=lead or _logo_picture(site, base_url),
        photo=lead is not None,
        published=story["published_at"],
        modified=modified_at(story),
        authors=[
            base_url + public.author_path(a["slug"])
            for a in story.get("authors") or []
            if a["slug"]
        ],
        tags=[tag["name"] for tag in story.get("tags") or []],
        json_ld=news_article(story, base_url, site),
    )


def listing_meta(
    base_url: str, site: Site, path: str, title: str, description: str, kind: str = "website"
) -> PageMeta:
    """A page listing stories (home, a tag, an author): its address, its title, and the
    site's logo as its image."""
    return PageMeta(
        url=base_url + path,
        title=title,
        description=shorten(description),
        site_name=site.name,
        kind=kind,
        image=_logo_picture(site, base_url),
    )
