"""Reply, edit, delete and vote without JavaScript: forms that post and redirect."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.helpers import csrf_of

pytestmark = pytest.mark.anyio


def first_comment_id(page: httpx.Response) -> str:
    found = re.search(r'<li id="c(\d+)"', page.text)
    assert found, "the page shows a comment"
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, story: dict[str, Any], **fields: str
) -> httpx.Response:
    token = await csrf_of(client, f"/stories/{story['slug']}")
    return await client.post(
        f"/stories/{story['slug']}/comments", data={"name": "Ana", "csrf_token": token, **fields}
    )


async def test_reply_link_opens_the_form_as_a_reply_and_posts_one(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    page = await client.get(f"/stories/{story['slug']}")
    first_id = first_comment_id(page)
    assert f'href="?reply_to={first_id}#comment-form"' in page.text
    replying = await client.get(f"/stories/{story['slug']}", params={"reply_to": first_id})
    assert "Reply to <bdi>Anonymous</bdi>" in replying.text
    assert f'name="parent_id" value="{first_id}"' in replying.text
    response = await post_form(client, story, body="A reply", parent_id=first_id)
    assert response.status_code == 303
    reply_id = response.headers["location"].rsplit("#c", 1)[1]
    html = (await client.get(response.headers["location"].split("#")[0])).text
    nested = html.split(f'<li id="c{first_id}"')[1].split(f'<li id="c{int(first_id) + 1}"')[0]
    assert f'<li id="c{reply_id}"' in nested
    assert '<ol class="replies">' in nested


async def test_a_refused_reply_stays_a_reply(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    page = await client.get(f"/stories/{story['slug']}")
    first_id = first_comment_id(page)
    response = await post_form(client, story, body="", parent_id=first_id)
    assert response.status_code == 422
    assert f'name="parent_id" value="{first_id}"' in response.text
    assert "Please enter your comment!" in response.text


async def test_author_edits_and_deletes_from_the_same_browser(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    posted = await post_form(client, story, body="Frist!")
    comment_id = posted.headers["location"].rsplit("#c", 1)[1]
    page = (await client.get(f"/stories/{story['slug']}")).text
    assert f'href="/comments/{comment_id}/edit"' in page
    assert page.count('/edit"') == 1  # only the reader's own comment offers editing

    edit_page = await client.get(f"/comments/{comment_id}/edit")
    assert edit_page.status_code == 200 and "Frist!" in edit_page.text
    token = await csrf_of(client, f"/comments/{comment_id}/edit")
    saved = await client.post(
        f"/comments/{comment_id}/edit", data={"body": "First!", "csrf_token": token}
    )
    assert saved.status_code == 303
    assert "First!" in (await client.get(f"/stories/{story['slug']}")).text

    empty = await client.post(
        f"/comments/{comment_id}/edit", data={"body": " ", "csrf_token": token}
    )
    assert empty.status_code == 422 and "Please enter your comment!" in empty.text

    token = await csrf_of(client, f"/comments/{comment_id}/delete")
    gone = await client.post(f"/comments/{comment_id}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    assert f'id="c{comment_id}"' not in (await client.get(f"/stories/{story['slug']}")).text


async def test_another_browser_cannot_edit(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    posted = await post_form(client, story, body="mine")
    comment_id = posted.headers["location"].rsplit("#c", 1)[1]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as stranger:
        page = await stranger.get(f"/stories/{story['slug']}")
        assert f"/comments/{comment_id}/edit" not in page.text
        assert (await stranger.get(f"/comments/{comment_id}/edit")).status_code == 403
        token = await csrf_of(stranger, f"/stories/{story['slug']}")
        attempt = await stranger.post(f"/comments/{comment_id}/delete", data={"csrf_token": token})
        assert attempt.status_code == 403
    assert f'id="c{comment_id}"' in (await client.get(f"/stories/{story['slug']}")).text


async def test_vote_buttons_work_without_javascript(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    page = await client.get(f"/stories/{story['slug']}")
    first_id = first_comment_id(page)
    token = await csrf_of(client, f"/stories/{story['slug']}")
    response = await client.post(
        f"/comments/{first_id}/vote", data={"value": "1", "csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"#c{first_id}")
    html = (await client.get(f"/stories/{story['slug']}")).text
    item = html.split(f'<li id="c{first_id}"')[1]
    assert (
        '<span class="visually-hidden">Score</span><span class="score">1</span>'
        in item.split("</form>")[0]
    )
    assert 'value="0" data-dir="1" aria-pressed="true"' in item  # pressing again withdraws
    refused = await client.post(f"/comments/{first_id}/vote", data={"value": "1"})
    assert refused.status_code == 403


async def test_sort_links_and_sorted_pages(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    html = (await client.get(f"/stories/{story['slug']}", params={"sort": "newest"})).text
    numbers = re.findall(r'<span class="number" title="Comment (\d+)">', html)
    assert numbers == ["5", "4", "3", "2", "1"]
    assert 'href="/stories/' + story["slug"] + '?sort=newest#comments" aria-current="true"' in html
    # An unknown order is the default one on pages (the API answers 422: see below).
    bad = await client.get(f"/stories/{story['slug']}", params={"sort": "loudest"})
    assert bad.status_code == 200
    numbers = re.findall(r'<span class="number" title="Comment (\d+)">', bad.text)
    assert numbers == ["1", "2", "3", "4", "5"]
    assert 'href="/stories/' + story["slug"] + '#comments" aria-current="true"' in (bad.text)


def shown(html: str) -> list[str]:
    return re.findall(r'<span class="number" title="Comment (\d+)">', html)


@pytest.mark.parametrize("sort", ["bogus", "", "NEWEST", "top ", "x" * 300])
async def test_an_unknown_sort_falls_back_to_the_default_order_on_every_page(
    app: Any,
    client: httpx.AsyncClient,
    reader: httpx.AsyncClient,
    story: dict[str, Any],
    sort: str,
) -> None:
    slug = story["slug"]
    first = first_comment_id(await client.get(f"/stories/{slug}"))
    # Asked first, by a reader who shares the cached rendering: it must not be kept under
    # the order asked, nor served for another order afterwards.
    page = await reader.get(f"/stories/{slug}", params={"sort": sort, "after": "junk"})
    assert page.status_code == 200
    assert shown(page.text) == ["1", "2", "3", "4", "5"]
    fragment = await reader.get(f"/stories/{slug}/thread", params={"sort": sort})
    assert fragment.status_code == 200
    assert shown(fragment.text) == ["1", "2", "3", "4", "5"]
    replies = await reader.get(f"/comments/{first}/replies", params={"sort": sort})
    assert replies.status_code == 200
    newest = await reader.get(f"/stories/{slug}", params={"sort": "newest"})
    assert shown(newest.text) == ["5", "4", "3", "2", "1"]
    default = await reader.get(f"/stories/{slug}")
    assert shown(default.text) == ["1", "2", "3", "4", "5"]
    assert {key[1] for key in app.state.page_cache._entries} == {"oldest", "newest"}
    api = await reader.get(f"/api/v1/stories/{story['id']}/comments", params={"sort": sort})
    assert api.status_code == 422
    assert api.json()["errors"]["sort"] == "Sort must be one of oldest, newest, top, replies"


async def test_next_page_fragment_for_javascript(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    for i in range(50):
        await client.post(
            f"/api/v1/stories/{story['id']}/comments", json={"name": "R", "body": f"{i}"}
        )
    page = (await client.get(f"/stories/{story['slug']}")).text
    link = re.search(r'data-fragment="([^"]+)"', page)
    assert link, "the page links the next page's fragment"
    fragment_url = link.group(1).replace("&amp;", "&")
    fragment = await client.get(fragment_url)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert re.findall(r'title="Comment (\d+)"', fragment.text) == ["51", "52", "53", "54", "55"]
