"""A reader sees new comments arrive live, without the text moving under their eyes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

STORY = "/stories/turkeys-syria-op-could-see-isis-terrorists-scattering-putin"


def test_new_comments_are_announced_then_shown_on_request(page: Any, site: str) -> None:
    page.goto(site + STORY)
    story_id = page.locator("#comments").get_attribute("data-story")
    first = page.locator("ol.comments > li").first
    first_text = first.inner_text()
    # The stream opens when the reader reaches the discussion; its answer starts once the
    # subscription is active, so what is posted from then on is announced.
    with page.expect_response(f"**/api/v1/stories/{story_id}/events"):
        page.locator("#comments-title").scroll_into_view_if_needed()
    for word in ("alpha", "bravo"):
        answer = httpx.post(
            f"{site}/api/v1/stories/{story_id}/comments",
            json={"name": "Elsewhere", "body": f"Posted from another browser: {word}"},
        )
        assert answer.status_code == 201
    show = page.get_by_role("button", name="2 new comments: show")
    expect(show).to_be_visible()
    assert first.inner_text() == first_text  # nothing moved
    screenshot(page, "live-announced")
    show.click()
    expect(page.get_by_text("Posted from another browser: bravo")).to_be_visible()
    expect(show).to_be_hidden()
    expect(page.locator("#comments-title")).to_have_text("7 comments")

    # A vote elsewhere changes the score in place.
    target = page.locator("ol.comments > li").first
    comment_id = target.get_attribute("id")[1:]
    httpx.post(f"{site}/api/v1/comments/{comment_id}/votes", json={"value": 1})
    expect(target.locator(":scope > .comment-actions .score")).to_have_text("1")
