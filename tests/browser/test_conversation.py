"""A reader replying, voting, editing and paging through comments in Chromium."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

STORY = "/stories/turkeys-syria-op-could-see-isis-terrorists-scattering-putin"


def test_reply_vote_and_edit(page: Any, site: str) -> None:
    page.goto(site + STORY)
    first = page.locator("ol.comments > li").first
    first.get_by_role("link", name="Reply to comment 1").click()
    expect(page.get_by_role("heading", name="Reply to Anonymous")).to_be_visible()
    page.get_by_label("Comment (required)").fill("A reply from the browser")
    page.get_by_label("Name (required)").fill("Replier")
    page.get_by_role("button", name="Post reply").click()
    page.wait_for_url("**#c*")
    reply = page.locator("li#" + page.url.split("#", 1)[1])
    expect(reply.locator(".author")).to_have_text("Replier")
    expect(first.locator("ol.replies > li")).to_have_count(1)

    # Votes update in place: no navigation happens.
    url = page.url
    up = first.get_by_role("button", name="Vote up comment 1")
    up.click()
    expect(first.locator(".vote .score").first).to_have_text("1")
    expect(up).to_have_attribute("aria-pressed", "true")
    up.click()
    expect(first.locator(".vote .score").first).to_have_text("0")
    assert page.url == url

    # The author edits the reply from the same browser.
    reply.get_by_role("link", name="Edit").click()
    page.get_by_label("Comment (required)").fill("An *edited* reply")
    page.get_by_role("button", name="Save changes").click()
    expect(reply.locator("em")).to_have_text("edited")
    expect(reply.locator(".edited")).to_be_visible()
    screenshot(page, "conversation")


def test_show_more_loads_in_place(page: Any, site: str) -> None:
    stories = httpx.get(site + "/api/v1/stories").json()["stories"]
    story_id = stories[-1]["id"]
    for i in range(60):
        httpx.post(
            f"{site}/api/v1/stories/{story_id}/comments", json={"name": "Bulk", "body": f"n{i}"}
        )
    page.goto(site + STORY)
    before = page.locator("ol.comments > li").count()
    assert before == 50
    page.get_by_role("link", name="Show more comments").click()
    top_level = httpx.get(
        f"{site}/api/v1/stories/{story_id}/comments", params={"limit": 100}
    ).json()["comments"]
    expect(page.locator("ol.comments > li")).to_have_count(len(top_level))
    assert "after=" not in page.url  # loaded in place, no navigation
    # A vote on a comment that came in with the new page works in place too.
    last = page.locator("ol.comments > li").last
    last.locator("button[data-dir='1']").click()
    expect(last.locator(".vote .score")).to_have_text("1")


def test_show_more_replies_loads_them_under_the_comments_they_answer(page: Any, site: str) -> None:
    story_id = httpx.get(site + "/api/v1/stories").json()["stories"][-1]["id"]
    path = f"{site}/api/v1/stories/{story_id}/comments"
    root = httpx.get(path).json()["comments"][2]["id"]

    def reply(parent: int, n: int) -> int:
        body = {"name": "Replier", "body": f"reply {n} to {parent}", "parent_id": parent}
        response = httpx.post(path, json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    # In thread order: the first reply, its 25 replies, then 39 more replies to the comment.
    first = [reply(root, n) for n in range(40)]
    for n in range(25):
        reply(first[0], n)
    page.goto(site + STORY)
    item = page.locator(f"#c{root}")
    expect(item.locator("li.comment")).to_have_count(10)
    item.get_by_role("link", name="Show 55 more replies").click()
    expect(item.locator("li.comment")).to_have_count(60)
    # The 16 replies to the first reply that the story page had no room for joined the 9 it
    # showed, under it, without saying whom they answer, as if they had been there at first.
    under_first = page.locator(f"#c{first[0]} > ol.replies > li")
    expect(under_first).to_have_count(25)
    expect(item.locator(".in-reply-to")).to_have_count(0)
    item.get_by_role("link", name="Show 5 more replies").click()
    expect(item.locator("li.comment")).to_have_count(65)
    expect(item.locator(":scope > ol.replies > li")).to_have_count(40)
    expect(item.locator("a.more-replies")).to_have_count(0)
    assert "replies" not in page.url  # loaded in place, no navigation
    # A vote on a reply that came in with them works in place too.
    last = page.locator(f"#c{first[-1]}")
    last.locator("button[data-dir='1']").click()
    expect(last.locator(".vote .score")).to_have_text("1")
    screenshot(page, "more-replies")
