"""Threads under other sites' pages: opening one by its address, who may, the fragment that
embed.js and server-side includes show, counts by address, CORS, and the cookie-less
reader (SECURITY.md B15 for the origins; the browser side is tests/browser/test_embed.py)."""

from __future__ import annotations

import gzip
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import client_at, csrf_of, signed_in
from tests.pages.test_html_valid import checked_html, vnu
from tribune.accounts import tokens
from tribune.app import create_app
from tribune.settings import Settings

pytestmark = pytest.mark.anyio

SITE = "https://news.example"
OTHER = "https://blog.example"
ARTICLE = f"{SITE}/world/2026/ceasefire-talks"
FROM_SITE = {"origin": SITE}


@pytest.fixture
async def embedding(settings: Settings) -> AsyncIterator[Any]:
    """The app, with news.example and blog.example allowed to embed."""
    app = create_app(settings.model_copy(update={"allowed_origins": f"{SITE}, {OTHER}"}))
    yield app
    await app.state.db.dispose()


@pytest.fixture
async def http(embedding: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_at(embedding) as client:
        yield client


async def open_thread(http: httpx.AsyncClient, url: str = ARTICLE, **extra: Any) -> httpx.Response:
    body = {"url": url, "title": "Ceasefire talks resume"} | extra
    return await http.post("/api/v1/threads", json=body, headers=FROM_SITE)


async def comment_on(http: httpx.AsyncClient, story_id: int, body: str, **extra: Any) -> Any:
    answer = await http.post(
        f"/api/v1/stories/{story_id}/comments",
        json={"name": "Ana", "body": body, **extra},
        headers=FROM_SITE,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_page_opens_its_thread_once_however_its_address_is_spelled(
    http: httpx.AsyncClient,
) -> None:
    first = await open_thread(http)
    assert first.status_code == 201, first.text
    made = first.json()
    assert made["page_url"] == ARTICLE
    assert made["title"] == "Ceasefire talks resume"
    assert made["comment_count"] == 0 and made["comment_mode"] == "open"
    for spelling in (
        ARTICLE.upper().replace("/WORLD/2026/CEASEFIRE-TALKS", "/world/2026/ceasefire-talks"),
        f"{ARTICLE}/",
        f"{ARTICLE}?utm_source=newsletter&fbclid=x#comments",
        "https://news.example:443/world/2026/ceasefire-talks",
    ):
        again = await open_thread(http, spelling, title="Another title")
        assert again.status_code == 200, (spelling, again.text)
        assert again.json()["id"] == made["id"]
        assert again.json()["title"] == "Ceasefire talks resume"  # the first title stays
    # Tribune's own page of the discussion answers, for readers without JavaScript, and
    # tells search engines that the article is the page to show.
    page = await http.get(made["url"].removeprefix("http://testserver"))
    assert page.status_code == 200
    assert f'<link rel="canonical" href="{ARTICLE}">' in page.text
    assert '<meta name="robots" content="noindex, follow">' in page.text
    assert "<dt>The article</dt>" in page.text  # the discussion's page names its article


async def test_a_title_is_one_line_of_plain_text_cut_to_length(http: httpx.AsyncClient) -> None:
    title = "<b>Talks</b>\n\tresume\u202e\x00 " + "x" * 400
    made = (await open_thread(http, title=title)).json()
    assert made["title"].startswith("<b>Talks</b> resume xxx")
    assert len(made["title"]) == 200 and made["title"].endswith("…")
    untitled = (await open_thread(http, f"{SITE}/untitled", title="  ")).json()
    assert untitled["title"] == "news.example/untitled"
    page = await http.get(made["url"].removeprefix("http://testserver"))
    assert "<b>Talks</b>" not in page.text and "&lt;b&gt;Talks&lt;/b&gt;" in page.text


async def test_only_allowed_sites_may_open_threads_and_only_for_their_own_pages(
    http: httpx.AsyncClient,
) -> None:
    refused = await http.post(
        "/api/v1/threads",
        json={"url": "https://evil.example/page"},
        headers={"origin": "https://evil.example"},
    )
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    # An allowed site's page asking for another allowed site's address.
    crossed = await http.post("/api/v1/threads", json={"url": f"{OTHER}/post"}, headers=FROM_SITE)
    assert crossed.status_code == 403
    assert crossed.json()["detail"] == (
        "A page may open a discussion only for an address of its own site"
    )
    # A server (no Origin) may open threads of allowed sites only.
    unlisted = await http.post("/api/v1/threads", json={"url": "https://evil.example/page"})
    assert unlisted.status_code == 403
    listed = await http.post("/api/v1/threads", json={"url": f"{OTHER}/post"})
    assert listed.status_code == 201
    for bad in ("javascript:alert(1)", "/relative", "https://u:p@news.example/", 7, None):
        answer = await http.post("/api/v1/threads", json={"url": bad}, headers=FROM_SITE)
        assert answer.status_code == 422, bad
        assert set(answer.json()["errors"]) == {"url"}


async def test_nothing_but_the_allowed_sites_gets_a_cors_answer(http: httpx.AsyncClient) -> None:
    made = (await open_thread(http)).json()
    path = f"/api/v1/stories/{made['id']}/comments"
    preflight = await http.options(
        path,
        headers={
            "origin": SITE,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, x-tribune-voter, idempotency-key",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == SITE
    assert "X-Tribune-Voter" in preflight.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in preflight.headers
    for method, target in [
        ("GET", path),
        ("GET", f"/api/v1/counts?story={made['id']}"),  # a fast lane
        ("GET", f"/embed/thread?url={ARTICLE}"),
        ("GET", f"/api/v1/stories/{made['id']}/comments?sort=newest"),
    ]:
        answer = await http.request(method, target, headers=FROM_SITE)
        assert answer.status_code == 200, target
        assert answer.headers["access-control-allow-origin"] == SITE
        assert "Origin" in answer.headers.get_list("vary")
        own = await http.request(method, target)
        assert "access-control-allow-origin" not in own.headers
        assert "Origin" in own.headers.get_list("vary"), target  # a shared cache keeps them apart
    for origin in (
        "https://evil.example",
        "null",
        "http://news.example",
        "https://news.example:8443",
    ):
        for method in ("GET", "POST", "OPTIONS"):
            answer = await http.request(
                method, path, headers={"origin": origin, "access-control-request-method": "POST"}
            )
            assert answer.status_code == 403, (origin, method)
            assert answer.headers["content-type"] == "application/problem+json"
            assert not [k for k in answer.headers if k.startswith("access-control-")]


async def test_the_fragment_is_the_first_page_for_every_reader_and_shows_nothing_hidden(
    http: httpx.AsyncClient, embedding: Any
) -> None:
    empty = await http.get("/embed/thread", params={"url": ARTICLE})
    assert empty.status_code == 200
    assert 'data-tribune-story=""' in empty.text and "No comments yet" in empty.text
    assert "public" in empty.headers["cache-control"] and "set-cookie" not in empty.headers
    made = (await open_thread(http)).json()
    first = await comment_on(http, made["id"], "The *first* word")
    await comment_on(http, made["id"], "A reply", parent_id=first["id"])
    fragment = await http.get("/embed/thread", params={"url": f"{ARTICLE}#comments"})
    assert f'data-tribune-story="{made["id"]}"' in fragment.text
    assert "<em>first</em>" in fragment.text and "A reply" in fragment.text
    assert 'class="t-replies"' in fragment.text and "2 comments" in fragment.text
    assert "<form" not in fragment.text and "csrf" not in fragment.text
    assert "set-cookie" not in fragment.headers
    newest = await http.get("/embed/thread", params={"url": ARTICLE, "sort": "newest"})
    assert 'data-sort="newest"' in newest.text
    bad_sort = await http.get("/embed/thread", params={"url": ARTICLE, "sort": "random"})
    assert bad_sort.status_code == 422
    unlisted = await http.get("/embed/thread", params={"url": "https://evil.example/a"})
    assert unlisted.status_code == 403
    missing = await http.get("/embed/thread")
    assert missing.status_code == 422


async def test_a_later_page_and_the_cache_follow_the_thread(http: httpx.AsyncClient) -> None:
    made = (await open_thread(http)).json()
    for n in range(52):
        await comment_on(http, made["id"], f"Comment number {n}")
    first = await http.get("/embed/thread", params={"url": ARTICLE})
    assert first.text.count('class="t-comment"') == 50
    cursor = first.text.split('data-cursor="')[1].split('"')[0]
    second = await http.get("/embed/thread", params={"url": ARTICLE, "after": cursor})
    assert second.text.count('class="t-comment"') == 2 and "Comment number 51" in second.text
    await comment_on(http, made["id"], "Posted after the page was cached")
    again = await http.get("/embed/thread", params={"url": ARTICLE, "sort": "newest"})
    assert "Posted after the page was cached" in again.text
    assert "53 comments" in (await http.get("/embed/thread", params={"url": ARTICLE})).text


async def test_counts_by_page_address(http: httpx.AsyncClient) -> None:
    made = (await open_thread(http)).json()
    await comment_on(http, made["id"], "One")
    other = f"{SITE}/no-thread-yet"
    answer = await http.get(
        "/embed/counts", params=[("url", f"{ARTICLE}?utm_source=x"), ("url", other), ("url", "x")]
    )
    assert answer.status_code == 200
    assert answer.json() == {"counts": {f"{ARTICLE}?utm_source=x": 1}}
    too_many = await http.get("/embed/counts", params=[("url", ARTICLE)] * 101)
    assert too_many.status_code == 422 and set(too_many.json()["errors"]) == {"url"}


async def test_a_reader_without_cookies_is_known_by_the_voter_token(
    embedding: Any, http: httpx.AsyncClient
) -> None:
    made = (await open_thread(http)).json()
    target = await comment_on(http, made["id"], "Vote on me")
    votes = f"/api/v1/comments/{target['id']}/votes"
    async with client_at(embedding) as browser:  # a third-party context: no cookie is kept
        first = await browser.post(votes, json={"value": 1}, headers=FROM_SITE)
        assert first.status_code == 200 and first.json() == {"score": 1, "value": 1}
        token = first.headers["x-tribune-voter"]
        browser.cookies.clear()
        again = await browser.post(
            votes, json={"value": 1}, headers=FROM_SITE | {"x-tribune-voter": token}
        )
        assert again.json() == {"score": 1, "value": 1}  # the same reader: one vote
        assert "x-tribune-voter" not in again.headers
        report = f"/api/v1/comments/{target['id']}/reports"
        reported = await browser.post(
            report, json={"reason": "spam"}, headers=FROM_SITE | {"x-tribune-voter": token}
        )
        assert reported.status_code == 201
        twice = await browser.post(
            report, json={"reason": "spam"}, headers=FROM_SITE | {"x-tribune-voter": token}
        )
        assert twice.status_code == 409
        forged = await browser.post(
            votes, json={"value": -1}, headers=FROM_SITE | {"x-tribune-voter": token + "x"}
        )
        assert forged.json()["score"] == 0  # a new reader's vote, not the first one changed
    assert "X-Tribune-Voter" in first.headers["access-control-expose-headers"]


async def test_embedded_threads_stay_off_the_newsroom_listings(
    http: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    made = (await open_thread(http)).json()
    await comment_on(http, made["id"], "Listed where comments are")
    slug = made["url"].rsplit("/", 1)[1]
    for path in ("/", "/sitemap.xml", "/feeds/stories.atom", "/api/v1/stories"):
        answer = await http.get(path)
        assert answer.status_code == 200, path
        assert story["slug"] in answer.text, path
        assert slug not in answer.text, path
    comments_feed = await http.get("/feeds/comments.atom")
    assert "Listed where comments are" in comments_feed.text


async def test_the_embed_keeps_to_its_budget(http: httpx.AsyncClient) -> None:
    """30 kB uncompressed and 10 kB gzipped, its stylesheet included, as served."""
    script = await http.get("/embed.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    css_path = re.search(r'"(/static/[0-9a-f]+/embed\.css)"', script.text)
    assert css_path is not None, "embed.js names its stylesheet's content-hash address"
    sheet = await http.get(css_path.group(1))
    assert sheet.status_code == 200 and "immutable" in sheet.headers["cache-control"]
    both = script.content + sheet.content
    assert len(both) <= 30_000, len(both)
    assert len(gzip.compress(both, 9)) <= 10_000
    counts = await http.get("/count.js")
    assert len(counts.content) <= 2_000


async def test_the_fragment_validates_as_html(http: httpx.AsyncClient, tmp_path: Path) -> None:
    command = vnu()
    made = (await open_thread(http)).json()
    first = await comment_on(http, made["id"], "A *first* [link](https://example.org)")
    await comment_on(http, made["id"], "> quoted\n\nA reply", parent_id=first["id"])
    fragment = (await http.get("/embed/thread", params={"url": ARTICLE})).text
    empty = (await http.get("/embed/thread", params={"url": f"{SITE}/empty"})).text
    files = []
    for name, inside in (("thread", fragment), ("empty", empty)):
        page = tmp_path / f"embed-{name}.html"
        page.write_text(
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title>'
            f'</head><body><main><div id="tribune-thread">{inside}</div></main></body></html>'
        )
        files.append(str(page))
    assert checked_html(command, files) == []


async def test_staff_moderate_and_close_an_embedded_thread_like_any_other(
    embedding: Any, http: httpx.AsyncClient
) -> None:
    made = (await open_thread(http)).json()
    await comment_on(http, made["id"], "Seen by the moderators")
    async with signed_in(embedding, "moderator") as moderator:
        queue = await moderator.get("/admin/moderation", params={"tab": "all"})
        assert "Seen by the moderators" in queue.text
        assert "Ceasefire talks resume" in queue.text
        assert f'href="{ARTICLE}"' in queue.text  # where it is embedded
        token = await csrf_of(moderator, "/admin/stories")
        closed = await moderator.post(
            f"/admin/stories/{made['id']}/mode", data={"mode": "closed", "csrf_token": token}
        )
        assert closed.status_code == 303
    fragment = await http.get("/embed/thread", params={"url": ARTICLE})
    assert 'data-mode="closed"' in fragment.text and "Comments are closed." in fragment.text
    refused = await http.post(
        f"/api/v1/stories/{made['id']}/comments",
        json={"name": "Ana", "body": "Too late"},
        headers=FROM_SITE,
    )
    assert refused.status_code == 403
    assert refused.json()["comment"]["body"] == "Too late"  # nothing typed is lost


async def test_staff_retitle_an_embedded_thread(embedding: Any, http: httpx.AsyncClient) -> None:
    made = (await open_thread(http)).json()
    secret = (await tokens.create(embedding.state.db, "CMS", "stories", None))[1]
    renamed = await http.patch(
        f"/api/v1/stories/{made['id']}",
        json={"title": "Talks resume in Geneva"},
        headers={"authorization": f"Bearer {secret}"},
    )
    assert renamed.status_code == 200, renamed.text  # no story text needed: the page has it
    thread = (await open_thread(http, title="What the page says now")).json()
    assert thread["title"] == "Talks resume in Geneva"
