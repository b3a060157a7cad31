"""The search page and the header's search box: what a reader sees, that the markup is
valid HTML (the Nu checker), and that every reader page offers the box."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import make_comment, make_story
from tests.pages.test_html_valid import checked_html, vnu

pytestmark = pytest.mark.anyio


async def test_the_header_offers_search_on_reader_pages(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    for path in ("/", f"/stories/{story['slug']}", "/tags/putin"):
        page = (await client.get(path)).text
        form = re.search(r'<form class="site-search" role="search" action="/search"[^>]*>', page)
        assert form and 'method="get"' in form[0], path
        assert '<label class="visually-hidden" for="site-search-q">' in page
        assert '<input id="site-search-q" type="search" name="q"' in page


async def test_the_search_page_shows_results_with_marked_snippets(
    client: httpx.AsyncClient, app: Any
) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Comet sighted", body="A bright comet tonight.")
    comment = await make_comment(db, story_id, "I saw the comet too!", name="Bo")
    page = await client.get("/search", params={"q": "comet"})
    assert page.status_code == 200
    html = page.text
    assert "<title>Search: comet · " in html
    assert 'name="robots"' not in html  # Lighthouse's SEO audit asks that it be crawlable
    assert 'class="site-search"' not in html  # the page's own box is the one
    assert '<label for="search-q">Search stories and comments</label>' in html
    assert 'name="q" value="comet"' in html
    assert re.search(r'<h2><a href="/stories/comet-sighted">Comet sighted</a></h2>', html)
    assert f'<a href="/comments/{comment["id"]}">Comment 1 by Bo</a>' in html
    assert "<mark>comet</mark>" in html
    assert '<a href="/search?q=comet" aria-current="page">All</a>' in html
    assert '<a href="/search?q=comet&amp;type=stories">Stories</a>' in html
    only = (await client.get("/search", params={"q": "comet", "type": "comments"})).text
    assert '<a href="/search?q=comet&amp;type=comments" aria-current="page">Comments</a>' in only
    assert "Comet sighted</a></h2>" not in only
    assert '<input type="hidden" name="type" value="comments">' in only


async def test_the_search_page_says_when_nothing_matches(client: httpx.AsyncClient) -> None:
    page = (await client.get("/search", params={"q": "<b>nothing</b>"})).text
    assert 'No results for <q class="query">&lt;b&gt;nothing&lt;/b&gt;</q>.' in page
    assert "<b>nothing" not in page
    empty = (await client.get("/search")).text
    assert "<title>Search · " in empty
    assert "No results" not in empty and "autofocus" in empty


async def test_search_pages_are_valid_html(
    client: httpx.AsyncClient, app: Any, tmp_path: Path
) -> None:
    command = vnu()
    db = app.state.db
    for n in range(22):
        story_id = await make_story(db, title=f"Eclipse {n}", body="The *eclipse* [map](/m).")
    await make_comment(db, story_id, "<script>eclipse</script> \ue000 > quote **bold** eclipse")
    pages = {
        "empty": "/search",
        "results": "/search?q=eclipse",
        "next": None,
        "comments": "/search?q=eclipse&type=comments",
        "none": "/search?q=%22nothing+here",
        "weird": "/search?q=%00%1b%E2%80%AE%22%3C%2F",
    }
    first = await client.get(str(pages["results"]))
    more = re.search(r'<p class="more"><a href="([^"]+)">', first.text)
    assert more
    pages["next"] = more[1].replace("&amp;", "&")
    files = []
    for name, address in pages.items():
        assert address is not None
        answer = await client.get(address)
        assert answer.status_code == 200, address
        file = tmp_path / f"search-{name}.html"
        file.write_text(answer.text)
        files.append(str(file))
    problems = checked_html(command, files)
    assert problems == [], "\n".join(problems)
