"""What readers and search engines see of published stories, on both databases: bylines and
author pages, short links, canonical and OpenGraph tags, the NewsArticle JSON-LD, the
sitemaps, robots.txt, the stories feed, and the absence of every story that is not published
from all of them.

Bylines and slugs are written straight into the tables here: the editor that assigns them is
built elsewhere. The lead image is filled in by the image service; where a test needs one it
gives stories lead images through the image service (``give_image``).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser  # type: ignore[import-untyped]
import html5lib  # type: ignore[import-untyped]
import httpx
import jsonschema_rs
import pytest
from defusedxml import ElementTree  # type: ignore[import-untyped]

from tests.factories import make_story
from tests.helpers import staff_member
from tests.publishing import add_author, byline, change, give_image, slug_of
from tribune import crawlers
from tribune.branding import service as branding
from tribune.shortlinks import encode_short
from tribune.storage import stories as story_store
from tribune.stories import routes as story_routes
from tribune.vocabulary import StoryStatus

pytestmark = pytest.mark.anyio

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
NOT_PUBLISHED = [StoryStatus.draft, StoryStatus.scheduled, StoryStatus.unpublished]
BREAKOUT = "Alarm </script><script>alert(1)</script> <!-- `tick` & 'quote'"


# Test data ---------------------------------------------------------------------------------


def parse(html: str) -> Any:
    return html5lib.parse(html, namespaceHTMLElements=False)


def text_of(node: Any) -> str:
    return " ".join("".join(node.itertext()).split())


def head_tags(html: str) -> dict[str, list[str]]:
    """The page's <meta property|name> contents and <link rel> hrefs, by name."""
    doc = parse(html)
    found: dict[str, list[str]] = {}
    for meta in doc.iterfind(".//head/meta"):
        key = meta.get("property") or meta.get("name")
        if key:
            found.setdefault(key, []).append(meta.get("content"))
    for link in doc.iterfind(".//head/link"):
        found.setdefault(f"link:{link.get('rel')}", []).append(link.get("href"))
    return found


def json_ld(html: str) -> list[Any]:
    doc = parse(html)
    return [
        json.loads(script.text or "")
        for script in doc.iterfind(".//script")
        if script.get("type") == "application/ld+json"
    ]


def xml(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    return ElementTree.fromstring(response.content)


def locations(root: Any) -> dict[str, str | None]:
    """A sitemap's addresses and their lastmod."""
    return {url.findtext(f"{SM}loc"): url.findtext(f"{SM}lastmod") for url in root.iter(f"{SM}url")}


# The NewsArticle structure Google's article results read (developers.google.com/search/docs/
# appearance/structured-data/article), as a JSON Schema.
ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
ABSOLUTE = r"^http://testserver/"
IMAGE_OBJECT = {
    "type": "object",
    "required": ["@type", "url"],
    "properties": {
        "@type": {"const": "ImageObject"},
        "url": {"type": "string", "pattern": ABSOLUTE},
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
    },
}
ORGANIZATION = {
    "type": "object",
    "required": ["@type", "name", "url"],
    "properties": {
        "@type": {"const": "Organization"},
        "name": {"type": "string", "minLength": 1},
        "url": {"type": "string", "pattern": ABSOLUTE},
        "logo": IMAGE_OBJECT,
    },
}
NEWS_ARTICLE = jsonschema_rs.validator_for(
    {
        "type": "object",
        "required": [
            "@context",
            "@type",
            "headline",
            "description",
            "datePublished",
            "dateModified",
            "author",
            "publisher",
            "mainEntityOfPage",
            "url",
        ],
        "properties": {
            "@context": {"const": "https://schema.org"},
            "@type": {"const": "NewsArticle"},
            "headline": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "datePublished": {"type": "string", "pattern": ISO_UTC},
            "dateModified": {"type": "string", "pattern": ISO_UTC},
            "url": {"type": "string", "pattern": ABSOLUTE},
            "author": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "oneOf": [
                        {
                            "type": "object",
                            "required": ["@type", "name"],
                            "properties": {
                                "@type": {"const": "Person"},
                                "name": {"type": "string", "minLength": 1},
                                "url": {"type": "string", "pattern": ABSOLUTE + "authors/"},
                            },
                        },
                        ORGANIZATION,
                    ]
                },
            },
            "publisher": ORGANIZATION,
            "mainEntityOfPage": {
                "type": "object",
                "required": ["@type", "@id"],
                "properties": {
                    "@type": {"const": "WebPage"},
                    "@id": {"type": "string", "pattern": ABSOLUTE + "stories/"},
                },
            },
            "image": {"type": "array", "minItems": 1, "items": IMAGE_OBJECT},
            "keywords": {"type": "array", "items": {"type": "string"}},
            "commentCount": {"type": "integer", "minimum": 0},
        },
    }
)


def article_of(html: str) -> dict[str, Any]:
    """The page's one NewsArticle, checked against the structure above."""
    found = json_ld(html)
    assert len(found) == 1, found
    errors = [f"{e.instance_path}: {e.message}" for e in NEWS_ARTICLE.iter_errors(found[0])]
    assert errors == [], errors
    article: dict[str, Any] = found[0]
    assert article["dateModified"] >= article["datePublished"]
    return article


# Short links -------------------------------------------------------------------------------


async def test_a_short_link_answers_301_to_the_published_story(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    api = (await client.get(f"/api/v1/stories/{story['id']}")).json()
    assert api["short_url"] == f"http://testserver/s/{encode_short(story['id'])}"
    listed = (await client.get("/api/v1/stories")).json()["stories"][0]
    assert listed["short_url"] == api["short_url"]
    answer = await client.get(api["short_url"].removeprefix("http://testserver"))
    assert answer.status_code == 301
    assert answer.headers["location"] == f"/stories/{story['slug']}"
    page = (await client.get(f"/stories/{story['slug']}")).text
    links = parse(page).find(".//dl[@class='story-links']")
    assert [text_of(dt) for dt in links.iterfind("dt")] == ["Read more", "Short link"]
    shown = links.find("dd[@class='short-link']")
    assert text_of(shown).startswith(api["short_url"])
    assert shown.find("a").get("href") == api["short_url"]


async def test_a_short_link_of_a_big_id_uses_base_62(client: httpx.AsyncClient, app: Any) -> None:
    now = datetime.now(UTC)
    async with app.state.db.transaction() as conn:
        await story_store.insert_story(
            conn,
            {"id": 62**3 + 61, "slug": "numbered", "title": "Numbered"}  # "100Z"
            | {"published_at": now, "updated_at": now},
        )
    answer = await client.get("/s/100Z")
    assert answer.status_code == 301
    assert answer.headers["location"] == "/stories/numbered"
    for near in ("100z", "100Y", "1000Z", "0100Z"):  # case matters; one code per id
        assert (await client.get(f"/s/{near}")).status_code == 404, near


@pytest.mark.parametrize(
    "code",
    [
        "2",  # no such story
        "ZZZZZZZZZZZ",  # 11 characters, beyond any id
        "aaaaaaaaaaaa",  # 12 characters
        "0",
        "01",
        "a-b",
        "a_b",
        "%C3%A9",
        "%00",
        "a%20",
        "%F0%9F%98%80",
    ],
)
async def test_malformed_and_unknown_short_links_are_404(
    client: httpx.AsyncClient, story: dict[str, Any], code: str
) -> None:
    answer = await client.get(f"/s/{code}")
    assert answer.status_code == 404, code
    assert "location" not in answer.headers


@pytest.mark.parametrize("status", NOT_PUBLISHED)
async def test_no_short_link_leads_to_a_story_that_is_not_published(
    client: httpx.AsyncClient, story: dict[str, Any], app: Any, status: StoryStatus
) -> None:
    await change(app.state.db, story["id"], status=status)
    assert (await client.get(f"/s/{encode_short(story['id'])}")).status_code == 404


# Bylines and author pages -------------------------------------------------------------------


async def test_bylines_link_to_author_pages_in_order(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    db = app.state.db
    ana = await add_author(db, "Ana Petrova", "ana-petrova")
    joe = await add_author(db, "Joe Bloggs")  # no slug: named, not linked
    kim = await add_author(db, "Kim Lee", "kim")
    await byline(db, story["id"], ana, joe, kim)
    for path in ("/", f"/stories/{story['slug']}", "/tags/putin", "/authors/kim"):
        line = parse((await client.get(path)).text).find(".//p[@class='byline']")
        assert text_of(line) == "By Ana Petrova, Joe Bloggs and Kim Lee", path
        links = [(a.get("href"), a.get("rel")) for a in line.iterfind(".//a")]
        assert links == [("/authors/ana-petrova", "author"), ("/authors/kim", "author")]
    api = (await client.get(f"/api/v1/stories/{story['id']}")).json()
    assert api["authors"] == [
        {"name": "Ana Petrova", "url": "http://testserver/authors/ana-petrova"},
        {"name": "Joe Bloggs", "url": None},
        {"name": "Kim Lee", "url": "http://testserver/authors/kim"},
    ]
    assert (await client.get("/api/v1/stories")).json()["stories"][0]["authors"] == api["authors"]


async def test_an_author_page_shows_name_bio_and_stories_newest_first(
    client: httpx.AsyncClient, app: Any
) -> None:
    db = app.state.db
    ana = await add_author(db, "Ana Petrova", "ana-petrova", "Covers the Gulf.\n\nIn Doha.")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for n in range(3):
        story_id = await make_story(db, title=f"Ana {n}", published_at=start + timedelta(days=n))
        await byline(db, story_id, ana)
    await make_story(db, title="Someone else's")
    for path in ("/authors/ana-petrova", "/authors/Ana-Petrova", "/authors/ANA-PETROVA"):
        answer = await client.get(path)
        assert answer.status_code == 200, path
        doc = parse(answer.text)
        assert text_of(doc.find(".//h1")) == "Ana Petrova"
        bio = [text_of(p) for p in doc.iterfind(".//div[@class='bio']/p")]
        assert bio == ["Covers the Gulf.", "In Doha."]
        titles = [text_of(h) for h in doc.iterfind(".//ol[@class='story-list']//h2")]
        assert titles == ["Ana 2", "Ana 1", "Ana 0"]
        tags = head_tags(answer.text)
        assert tags["link:canonical"] == ["http://testserver/authors/ana-petrova"]
        assert tags["og:type"] == ["profile"] and tags["og:title"] == ["Ana Petrova"]
        assert tags["og:description"] == ["Covers the Gulf. In Doha."]


async def test_author_pages_that_do_not_exist_are_404(client: httpx.AsyncClient, app: Any) -> None:
    db = app.state.db
    drafts_only = await add_author(db, "Dee Draft", "dee")
    draft = await make_story(db, title="Not yet")
    await byline(db, draft, drafts_only)
    await change(db, draft, status=StoryStatus.draft)
    await add_author(db, "No Stories", "nobody")
    sluggless = await add_author(db, "No Slug")
    await byline(db, await make_story(db, title="Unsigned page"), sluggless)
    for path in (
        "/authors/dee",  # only a draft
        "/authors/nobody",  # nothing at all
        "/authors/no-slug",
        "/authors/unknown",
        "/authors/a%00b",
        "/authors/" + "x" * 500,
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_listings_page_with_next_and_prev_links(
    client: httpx.AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(story_routes, "STORIES_PAGE", 2)
    db = app.state.db
    ana = await add_author(db, "Ana", "ana")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(5):
        story_id = await make_story(
            db, title=f"Story {n}", body="#Paged", published_at=start + timedelta(hours=n)
        )
        await byline(db, story_id, ana)
    for base in ("/", "/tags/paged", "/authors/ana"):
        seen: list[list[str]] = []
        path: str | None = base
        previous: list[str | None] = []
        while path is not None:
            answer = await client.get(path)
            assert answer.status_code == 200
            doc = parse(answer.text)
            seen.append([text_of(h) for h in doc.iterfind(".//ol[@class='story-list']//h2")])
            links = {a.get("rel"): a.get("href") for a in doc.iterfind(".//nav[@class='pager']/a")}
            tags = head_tags(answer.text)
            canonical = tags["link:canonical"][0]
            assert canonical == "http://testserver" + path
            if "next" in links:
                assert tags["link:next"] == ["http://testserver" + base + links["next"]]
            else:
                assert "link:next" not in tags
            previous.append(links.get("prev"))
            if "prev" in links:
                assert tags["link:prev"] == ["http://testserver" + links["prev"]]
                # The previous page is exactly the page this one was reached from.
                back = parse((await client.get(links["prev"])).text)
                shown = [text_of(h) for h in back.iterfind(".//ol[@class='story-list']//h2")]
                assert shown == seen[-2]
            path = base + links["next"] if "next" in links else None
        assert seen == [["Story 4", "Story 3"], ["Story 2", "Story 1"], ["Story 0"]], base
        assert previous[0] is None and previous[1] == base


# Canonical addresses, OpenGraph, Twitter cards ---------------------------------------------


async def test_story_page_has_canonical_opengraph_and_twitter_tags(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    db = app.state.db
    await byline(db, story["id"], await add_author(db, "Ana", "ana"))
    published = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    await change(db, story["id"], published_at=published, edited_at=published + timedelta(hours=3))
    page = (await client.get(f"/stories/{story['slug']}")).text
    tags = head_tags(page)
    url = f"http://testserver/stories/{story['slug']}"
    assert tags["link:canonical"] == [url]
    assert tags["og:type"] == ["article"]
    assert tags["og:url"] == [url]
    assert tags["og:title"] == [story["title"]]
    assert tags["og:description"][0].startswith("Islamic State militants may flee")
    assert tags["og:site_name"] == ["Tribune"]
    assert tags["article:published_time"] == ["2026-05-01T08:00:00Z"]
    assert tags["article:modified_time"] == ["2026-05-01T11:00:00Z"]
    assert tags["article:author"] == ["http://testserver/authors/ana"]
    assert tags["article:tag"] == ["Putin", "Turkey", "Syria"]
    assert tags["twitter:card"] == ["summary"]  # no image
    assert "og:image" not in tags


async def test_a_story_without_a_lead_is_described_by_its_text(
    client: httpx.AsyncClient, app: Any
) -> None:
    story_id = await make_story(
        app.state.db, title="No lead", body="The *first* words &amp; more.\n\nThen more."
    )
    page = (await client.get(f"/stories/{await slug_of(app.state.db, story_id)}")).text
    tags = head_tags(page)
    assert tags["description"] == tags["og:description"] == ["The first words & more. Then more."]
    assert article_of(page)["description"] == "The first words & more. Then more."


async def test_listing_pages_have_canonical_and_opengraph_tags(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    for path, title in (("/", "Tribune"), ("/tags/PUTIN", "Stories tagged #Putin")):
        tags = head_tags((await client.get(path)).text)
        canonical = "http://testserver" + path.lower()
        assert tags["link:canonical"] == [canonical], path
        assert tags["og:url"] == [canonical]
        assert tags["og:type"] == ["website"]
        assert tags["og:title"] == [title]
        assert tags["og:site_name"] == ["Tribune"]
        assert tags["twitter:card"] == ["summary"]
        assert json_ld((await client.get(path)).text) == []


async def test_lead_images_show_with_srcset_and_in_previews(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    second = await make_story(
        app.state.db, title="Older", published_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    mine = await give_image(app.state.db, story["id"], f"Picture of story {story['id']}")
    await give_image(app.state.db, second, f"Picture of story {second}", 800, 450)
    home = parse((await client.get("/")).text)
    shown = list(home.iterfind(".//ol[@class='story-list']//img"))
    assert [i.get("alt") for i in shown] == [
        f"Picture of story {story['id']}",
        f"Picture of story {second}",
    ]
    first, other = shown
    assert first.get("srcset") == mine["srcset"]
    assert [w for w in re.findall(r" (\d+)w", mine["srcset"])] == ["480", "960", "1600"]
    assert (first.get("width"), first.get("height")) == ("1600", "900")
    assert first.get("loading") is None  # the first is what the reader sees at once
    assert other.get("loading") == "lazy"
    page = (await client.get(f"/stories/{story['slug']}")).text
    lead = parse(page).find(".//figure[@class='lead-image']/img")
    assert lead.get("srcset") == mine["srcset"]
    assert lead.get("alt") == f"Picture of story {story['id']}"
    assert lead.get("sizes")
    tags = head_tags(page)
    largest = "http://testserver" + mine["srcset"].split(", ")[-1].split(" ")[0]
    assert tags["og:image"] == [largest]
    assert (tags["og:image:width"], tags["og:image:height"]) == (["1600"], ["900"])
    assert tags["og:image:alt"] == [f"Picture of story {story['id']}"]
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["twitter:image"] == [largest]
    assert article_of(page)["image"] == [
        {"@type": "ImageObject", "url": largest, "width": 1600, "height": 900}
    ]
    assert (await client.get(largest.removeprefix("http://testserver"))).status_code == 200


# The story page ----------------------------------------------------------------------------


async def test_story_page_shows_correction_update_video_card(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    db = app.state.db
    page = parse((await client.get(f"/stories/{story['slug']}")).text)
    assert page.find(".//aside[@class='correction']") is None
    assert "Updated" not in text_of(page.find(".//header[@class='story-header']"))
    assert page.find(".//p[@class='video-card']") is None
    published = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    await change(
        db,
        story["id"],
        published_at=published,
        edited_at=published + timedelta(minutes=90),
        correction="An earlier version gave the wrong <city>.",
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    html = (await client.get(f"/stories/{story['slug']}")).text
    page = parse(html)
    times = [t.get("datetime") for t in page.iterfind(".//header[@class='story-header']//time")]
    assert times == ["2026-05-01T08:00:00Z", "2026-05-01T09:30:00Z"]
    header = page.find(".//header[@class='story-header']")
    assert "Updated 1 May 2026, 09:30 UTC" in text_of(header)
    correction = page.find(".//aside[@class='correction']")
    assert text_of(correction) == "Correction: An earlier version gave the wrong <city>."
    # Above the body, in the article.
    article = page.find(".//article[@class='story']")
    order = [child.get("class") for child in article]
    assert order.index("correction") < order.index("story-body")
    card = page.find(".//p[@class='video-card']/a")
    assert card.get("href") == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert text_of(card) == "Watch the video on youtube.com"
    # No player, nothing loaded from the video's site until the reader follows the link.
    assert "<iframe" not in html and "youtube.com/embed" not in html
    assert not [e for e in page.iter() if "youtube" in (e.get("src") or "")]
    # An edit before publication (or none) is no update.
    await change(db, story["id"], edited_at=published - timedelta(days=1))
    page = parse((await client.get(f"/stories/{story['slug']}")).text)
    assert len(list(page.iterfind(".//header[@class='story-header']//time"))) == 1
    assert article_of((await client.get(f"/stories/{story['slug']}")).text)["dateModified"] == (
        "2026-05-01T08:00:00Z"
    )


# JSON-LD -----------------------------------------------------------------------------------


async def test_story_page_has_a_valid_news_article(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    db = app.state.db
    await byline(
        db, story["id"], await add_author(db, "Ana Petrova", "ana"), await add_author(db, "Joe")
    )
    published = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    await change(db, story["id"], published_at=published, edited_at=published + timedelta(hours=1))
    article = article_of((await client.get(f"/stories/{story['slug']}")).text)
    url = f"http://testserver/stories/{story['slug']}"
    assert article["headline"] == story["title"]
    assert article["description"].startswith("Islamic State militants may flee")
    assert article["datePublished"] == "2026-05-01T08:00:00Z"
    assert article["dateModified"] == "2026-05-01T09:00:00Z"
    assert article["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert article["author"] == [
        {"@type": "Person", "name": "Ana Petrova", "url": "http://testserver/authors/ana"},
        {"@type": "Person", "name": "Joe"},
    ]
    assert article["publisher"] == {
        "@type": "Organization",
        "name": "Tribune",
        "url": "http://testserver/",
    }
    assert article["keywords"] == ["Putin", "Turkey", "Syria"]
    assert article["commentCount"] == 5
    assert "image" not in article


async def test_news_article_names_the_site_and_its_logo_as_publisher(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (600, 200), "#1a4fa3").save(out, "PNG")
    member = await staff_member(app, "admin", "owner@example.org")
    form = {"name": "The Daily Example", "tagline": "", "footer": "", "accent": ""}
    await branding.save_site(app.state.db, app.state.site, form, out.getvalue(), by=member)
    page = (await client.get(f"/stories/{story['slug']}")).text
    article = article_of(page)
    # No byline: the publication itself is the author.
    assert article["author"] == [article["publisher"]]
    publisher = article["publisher"]
    assert publisher["name"] == "The Daily Example"
    logo = publisher["logo"]
    assert re.fullmatch(r"http://testserver/site/logo/[0-9a-f]{64}", logo["url"])
    assert (await client.get(logo["url"])).status_code == 200
    story_tags = head_tags(page)
    assert story_tags["og:site_name"] == ["The Daily Example"]
    # A story without a picture is previewed with the logo, small.
    assert story_tags["og:image"] == [logo["url"]]
    assert story_tags["twitter:card"] == ["summary"]
    assert "image" not in article
    home = head_tags((await client.get("/")).text)
    assert home["og:image"] == [logo["url"]]
    assert home["twitter:card"] == ["summary"]  # a logo is no large picture


async def test_a_title_cannot_break_out_of_the_json_ld(client: httpx.AsyncClient, app: Any) -> None:
    db = app.state.db
    story_id = await make_story(db, title=BREAKOUT, lead=BREAKOUT)
    await byline(db, story_id, await add_author(db, BREAKOUT, "breakout"))
    html = (await client.get(f"/stories/{await slug_of(db, story_id)}")).text
    assert "</script><script>" not in html and "alert(1)</script>" not in html
    doc = parse(html)
    scripts = list(doc.iter("script"))
    # The app's own script and the data block: nothing the title could have opened.
    assert [s.get("type") for s in scripts] == [None, "application/ld+json"]
    assert scripts[0].get("src", "").endswith("/tribune.js")
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert not set(block) & set("<>&'`")
    article = article_of(html)
    assert article["headline"] == BREAKOUT
    assert article["description"] == BREAKOUT
    assert article["author"][0]["name"] == BREAKOUT
    assert head_tags(html)["og:title"] == [BREAKOUT]


async def test_the_csp_lets_no_inline_script_run(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    """The JSON-LD is a data block: the policy needs no 'unsafe-inline' or hash for it."""
    answer = await client.get(f"/stories/{story['slug']}")
    policy = answer.headers["content-security-policy"]
    scripts = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert scripts.split() == ["script-src", "'self'"]
    assert len(json_ld(answer.text)) == 1


# Sitemaps and robots.txt --------------------------------------------------------------------


async def test_sitemap_lists_published_pages_with_lastmod(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    db = app.state.db
    ana = await add_author(db, "Ana", "ana")
    await add_author(db, "Idle", "idle")  # no story: no page
    await byline(db, story["id"], ana)
    published = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    await change(db, story["id"], published_at=published, edited_at=published + timedelta(hours=2))
    plain = await make_story(db, title="Plain", body="#Plain", published_at=published)
    draft = await make_story(db, title="Draft", body="#Hush")
    await byline(db, draft, await add_author(db, "Ghost", "ghost"))
    await change(db, draft, status=StoryStatus.draft)
    urls = locations(xml(await client.get("/sitemap.xml")))
    assert urls == {
        "http://testserver/": "2026-05-01T10:00:00Z",
        "http://testserver/authors/ana": "2026-05-01T10:00:00Z",
        "http://testserver/tags/putin": "2026-05-01T10:00:00Z",
        "http://testserver/tags/turkey": "2026-05-01T10:00:00Z",
        "http://testserver/tags/syria": "2026-05-01T10:00:00Z",
        "http://testserver/tags/plain": "2026-05-01T08:00:00Z",
        f"http://testserver/stories/{story['slug']}": "2026-05-01T10:00:00Z",
        f"http://testserver/stories/{await slug_of(db, plain)}": "2026-05-01T08:00:00Z",
    }


async def test_a_big_sitemap_becomes_an_index(
    client: httpx.AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crawlers, "URLS_MAX", 2)
    db = app.state.db
    ids = [await make_story(db, title=f"S{n}", body=f"#t{n}") for n in range(5)]
    await change(db, ids[4], status=StoryStatus.unpublished)  # neither it nor #t4 counts
    root = xml(await client.get("/sitemap.xml"))
    assert root.tag == f"{SM}sitemapindex"
    named = [s.findtext(f"{SM}loc") for s in root.iter(f"{SM}sitemap")]
    assert named == [
        "http://testserver/sitemaps/pages.xml",
        "http://testserver/sitemaps/tags-1.xml",
        "http://testserver/sitemaps/tags-2.xml",
        "http://testserver/sitemaps/stories-1.xml",
        "http://testserver/sitemaps/stories-2.xml",
    ]
    listed: list[str] = []
    for address in named:
        listed += locations(xml(await client.get(address.removeprefix("http://testserver"))))
    slugs = [await slug_of(db, i) for i in ids[:4]]
    assert listed == [
        "http://testserver/",
        *[f"http://testserver/tags/t{n}" for n in range(4)],
        *[f"http://testserver/stories/{slug}" for slug in slugs],
    ]
    for path in ("/sitemaps/stories-3.xml", "/sitemaps/stories-0.xml", "/sitemaps/tags-x.xml"):
        assert (await client.get(path)).status_code == 404, path


async def test_news_sitemap_holds_the_last_two_days(client: httpx.AsyncClient, app: Any) -> None:
    db = app.state.db
    now = datetime.now(UTC)
    fresh = await make_story(db, title="Fresh & <new>", published_at=now - timedelta(hours=3))
    edge = await make_story(db, title="Yesterday", published_at=now - timedelta(hours=47))
    await make_story(db, title="Old", published_at=now - timedelta(hours=49))
    hidden = await make_story(db, title="Held back", published_at=now - timedelta(hours=1))
    await change(db, hidden, status=StoryStatus.draft)
    root = xml(await client.get("/sitemap-news.xml"))
    entries = list(root.iter(f"{SM}url"))
    assert [e.findtext(f"{NEWS}news/{NEWS}title") for e in entries] == [
        "Fresh & <new>",
        "Yesterday",
    ]
    first = entries[0]
    assert first.findtext(f"{SM}loc") == f"http://testserver/stories/{await slug_of(db, fresh)}"
    publication = first.find(f"{NEWS}news/{NEWS}publication")
    assert publication.findtext(f"{NEWS}name") == "Tribune"
    assert publication.findtext(f"{NEWS}language") == "en"
    date = first.findtext(f"{NEWS}news/{NEWS}publication_date")
    assert datetime.fromisoformat(date) == (now - timedelta(hours=3)).replace(microsecond=0)
    assert edge


async def test_robots_txt_allows_all_but_admin_and_api(client: httpx.AsyncClient) -> None:
    answer = await client.get("/robots.txt")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    lines = answer.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Allow: /", "Disallow: /admin/", "Disallow: /api/"} <= set(lines)
    assert [line for line in lines if line.startswith("Sitemap:")] == [
        "Sitemap: http://testserver/sitemap.xml",
        "Sitemap: http://testserver/sitemap-news.xml",
    ]


# The stories feed --------------------------------------------------------------------------


async def test_stories_feed_has_the_lead_and_the_byline(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    db = app.state.db
    await byline(db, story["id"], await add_author(db, "Ana", "ana"), await add_author(db, "Joe"))
    await make_story(db, title="Unsigned", lead="Who wrote this?")
    parsed = feedparser.parse((await client.get("/feeds/stories.atom")).content)
    assert parsed.bozo == 0
    unsigned, demo = parsed.entries
    assert demo.summary.startswith("Islamic State militants may flee")
    assert [(a.name, a.get("href")) for a in demo.authors] == [
        ("Ana", "http://testserver/authors/ana"),
        ("Joe", None),
    ]
    assert unsigned.summary == "Who wrote this?"
    assert [a.name for a in unsigned.authors] == ["Tribune"]


# Nothing unpublished anywhere public ---------------------------------------------------------


@pytest.mark.parametrize("status", NOT_PUBLISHED)
async def test_a_story_that_is_not_published_appears_nowhere(
    client: httpx.AsyncClient, app: Any, status: StoryStatus
) -> None:
    db = app.state.db
    ana = await add_author(db, "Ana", "ana")
    hal = await add_author(db, "Hal", "hal")
    shown = await make_story(db, title="Shown story", body="Out now. #Shared")
    await byline(db, shown, ana)
    hidden = await make_story(
        db, title="Hidden story", lead="Secret lead", body="Secret. #Shared #Secret"
    )
    await byline(db, hidden, ana, hal)
    await change(db, hidden, status=status)
    slug = await slug_of(db, hidden)
    public_paths = [
        "/",
        "/tags/shared",
        "/authors/ana",
        "/sitemap.xml",
        "/sitemap-news.xml",
        "/feeds/stories.atom",
        "/api/v1/stories",
    ]
    for path in public_paths:
        answer = await client.get(path)
        assert answer.status_code == 200, path
        assert "Hidden story" not in answer.text and slug not in answer.text, path
        assert "Secret" not in answer.text and "/authors/hal" not in answer.text, path
    assert "Shown story" in (await client.get("/authors/ana")).text
    for path in (
        f"/stories/{slug}",
        f"/s/{encode_short(hidden)}",
        f"/api/v1/stories/{hidden}",
        "/tags/secret",  # only the hidden story carries it
        "/authors/hal",  # only the hidden story is theirs
        f"/feeds/stories/{slug}/comments.atom",
    ):
        assert (await client.get(path)).status_code == 404, path
