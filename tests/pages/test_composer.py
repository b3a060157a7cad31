"""The composer without JavaScript (issue 12): the form at the top of the discussion, the
comment being answered right above the reply form, a Preview that stores nothing, and
"Remember me on this site" kept in the reader's own cookie, out of every shared rendering."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.helpers import client_at, csrf_of
from tests.pages.test_story_page import parse, text_of

pytestmark = pytest.mark.anyio


def first_comment_id(html: str) -> str:
    found = re.search(r'<ol class="comments">\s*<li id="c(\d+)"', html)
    assert found
    return found.group(1)


async def send(client: httpx.AsyncClient, story: dict[str, Any], **fields: str) -> httpx.Response:
    token = await csrf_of(client, f"/stories/{story['slug']}")
    return await client.post(
        f"/stories/{story['slug']}/comments", data={"csrf_token": token, **fields}
    )


async def total(client: httpx.AsyncClient, story: dict[str, Any]) -> int:
    thread = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
    return int(thread["total"])


async def test_the_form_opens_the_discussion_and_the_bottom_leads_to_it(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    html = (await client.get(f"/stories/{story['slug']}")).text
    section = html[html.index('<section id="comments"') :]
    assert section.index('<form id="comment-form"') < section.index('<ol class="comments">')
    bottom = section[section.index('<ol class="comments">') :]
    assert '<a class="write-comment" href="#comment-form">Write a comment</a>' in bottom
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "no id twice"


async def test_the_reply_page_shows_the_answered_comment_right_above_the_form(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    page = await client.get(f"/stories/{story['slug']}")
    first_id = first_comment_id(page.text)
    replying = await client.get(f"/stories/{story['slug']}", params={"reply_to": first_id})
    doc = parse(replying.text)
    form = doc.find(".//form[@id='comment-form']")
    quote = form.find(".//blockquote[@class='quoted reply-context']")
    assert text_of(quote).startswith("Once Putin kept eyes closed")
    assert len(text_of(quote)) <= 281
    # Inside the form, after its heading and before the text box: no scrolling between them.
    children = [child.tag for child in form]
    assert children.index("h2") < children.index("blockquote") < children.index("div")
    assert text_of(form.find("h2")) == "Reply to Anonymous"
    html = replying.text
    assert html.index("Once Putin kept eyes closed", html.index('<form id="comment-form"')) < (
        html.index('<ol class="comments">')
    )


async def test_preview_without_javascript_stores_nothing_and_keeps_every_field(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    page = await client.get(f"/stories/{story['slug']}")
    first_id = first_comment_id(page.text)
    typed = {
        "body": "**Bold** and <script>alert(1)</script>",
        "name": "Pia Preview",
        "email": "pia@example.org",
        "website": "https://pia.example",
        "parent_id": first_id,
    }
    answer = await send(client, story, preview="1", **typed)
    assert answer.status_code == 200
    doc = parse(answer.text)
    panel = doc.find(".//section[@id='f-preview']")
    assert panel.get("hidden") is None
    assert text_of(panel.find(".//strong")) == "Bold"
    assert panel.find(".//script") is None
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    assert doc.find(".//textarea[@id='f-body']").text == typed["body"]
    for field in ("name", "email", "website"):
        assert doc.find(f".//input[@id='f-{field}']").get("value") == typed[field]
    assert doc.find(".//input[@name='parent_id']").get("value") == first_id  # still a reply
    assert text_of(doc.find(".//form[@id='comment-form']/h2")) == "Reply to Anonymous"
    assert await total(client, story) == 5
    # Too long to post is said before posting, with the text kept.
    long = await send(client, story, preview="1", name="Pia", body="x" * 10_001)
    assert long.status_code == 422
    assert "Your comment is 10,001 characters long" in long.text
    assert await total(client, story) == 5


async def test_remember_me_is_this_readers_own_and_forgotten_when_unticked(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    me = {"name": "Rui Remembered", "email": "rui@example.org", "website": "https://rui.example"}
    posted = await send(client, story, body="Remember me", remember="1", **me)
    assert posted.status_code == 303
    assert "tribune_commenter=" in posted.headers["set-cookie"]
    again = await client.get(path)
    doc = parse(again.text)
    for field, value in me.items():
        assert doc.find(f".//input[@id='f-{field}']").get("value") == value
    assert doc.find(".//input[@id='f-remember']").get("checked") is not None
    assert "private" in again.headers["cache-control"]
    # Another reader gets the page with the thread rendered for everyone, and none of it.
    async with client_at(app, "10.1.2.3") as other:
        for _ in range(2):  # the second is the shared rendering
            page = await other.get(path)
            assert "rui@example.org" not in page.text
            form = parse(page.text).find(".//form[@id='comment-form']")
            assert form.find(".//input[@id='f-name']").get("value") == ""
            assert page.headers["cache-control"].startswith("public")  # the shared page
    # Unticked, any press of the form forgets, even a preview.
    forgot = await send(client, story, body="Just a look", preview="1", **me)
    assert forgot.status_code == 200
    assert 'tribune_commenter=""' in forgot.headers["set-cookie"]
    fresh = parse((await client.get(path)).text)
    assert fresh.find(".//input[@id='f-name']").get("value") == ""
    assert fresh.find(".//input[@id='f-remember']").get("checked") is None


async def test_a_forged_remember_cookie_is_ignored(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    client.cookies.set("tribune_commenter", "not base64 json!")
    page = await client.get(f"/stories/{story['slug']}")
    assert page.status_code == 200
    assert parse(page.text).find(".//input[@id='f-name']").get("value") == ""
