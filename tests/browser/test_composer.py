"""The composer in Chromium (issue 12): an inline reply quoting the comment it answers, the
form at the top of the discussion and a way to it at the bottom, a Preview the server
renders, and "Remember me on this site" kept in this browser only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

STORY = "/stories/turkeys-syria-op-could-see-isis-terrorists-scattering-putin"
SIZES: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}


def count_comments(page: Any) -> int:
    return int(page.locator("#comments-title").get_attribute("data-total"))


def duplicate_ids(page: Any) -> list[str]:
    ids: list[str] = page.evaluate("[...document.querySelectorAll('[id]')].map((e) => e.id)")
    return sorted({i for i in ids if ids.count(i) > 1})


def test_reply_opens_inline_under_the_comment_with_it_quoted(page: Any, site: str) -> None:
    page.goto(site + STORY)
    second = page.locator("ol.comments > li").nth(1)
    words = second.locator(":scope > .comment-body").inner_text().split()[:4]
    url = page.url
    second.get_by_role("link", name="Reply to comment 2").click()
    form = second.locator("form#comment-form")
    expect(form).to_be_visible()
    assert page.url == url, "no navigation"
    expect(form.get_by_role("heading", name="Reply to Anonymous")).to_be_visible()
    expect(form.locator("blockquote.quoted")).to_contain_text(" ".join(words))
    expect(page.get_by_label("Comment (required)")).to_be_focused()
    assert duplicate_ids(page) == []
    # Another Reply moves the form there; Cancel puts it back at the top as a new comment.
    third = page.locator("ol.comments > li").nth(2)
    third.get_by_role("link", name="Reply to comment 3").click()
    expect(third.locator("form#comment-form")).to_be_visible()
    expect(page.locator("blockquote.quoted")).to_have_count(1)
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#comments > form#comment-form h2")).to_have_text("Leave a comment")
    expect(page.locator('input[name="parent_id"]')).to_have_count(0)
    expect(third.get_by_role("link", name="Reply to comment 3")).to_be_focused()
    # The reply posts as a reply to the comment it quoted.
    second.get_by_role("link", name="Reply to comment 2").click()
    page.get_by_label("Comment (required)").fill("An inline reply")
    page.get_by_label("Name (required)").fill("Inline Replier")
    page.get_by_role("button", name="Post reply").click()
    page.wait_for_url("**#c*")
    expect(second.locator("ol.replies > li .author")).to_have_text(["Inline Replier"])


def test_the_composer_is_at_the_top_and_reached_from_the_bottom(page: Any, site: str) -> None:
    page.goto(site + STORY)
    form_top = page.locator("form#comment-form").bounding_box()["y"]
    assert form_top < page.locator("ol.comments").bounding_box()["y"]
    assert duplicate_ids(page) == []
    bottom = page.locator("p.write-here:not([hidden]) a.write-comment")
    expect(bottom).to_have_count(1)
    bottom.click()
    expect(page.get_by_label("Comment (required)")).to_be_focused()
    assert (
        page.locator("form#comment-form").bounding_box()["y"]
        > (page.locator("ol.comments").bounding_box()["y"])
    )
    # The top now offers the way back, and nothing is duplicated.
    expect(page.locator("p.write-here:not([hidden]) a.write-comment")).to_have_count(1)
    assert duplicate_ids(page) == []


def test_preview_is_rendered_by_the_server_and_posts_nothing(page: Any, site: str) -> None:
    page.goto(site + STORY)
    before = count_comments(page)
    page.get_by_label("Comment (required)").fill("**Bold** words <script>alert(1)</script>")
    preview = page.get_by_role("button", name="Preview")
    preview.click()
    panel = page.locator("#f-preview")
    expect(panel.locator("strong")).to_have_text("Bold")
    expect(panel).to_contain_text("<script>alert(1)</script>")  # shown as text
    expect(panel.locator("script")).to_have_count(0)
    expect(preview).to_have_attribute("aria-pressed", "true")
    # It follows the text as it changes, and hides on a second press.
    page.get_by_label("Comment (required)").fill("Now *leaning*")
    expect(panel.locator("em")).to_have_text("leaning")
    preview.click()
    expect(panel).to_be_hidden()
    page.reload()
    assert count_comments(page) == before


def test_remember_me_keeps_the_fields_in_this_browser_only(browser: Browser, site: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(site + STORY)
        box = page.get_by_label("Remember me on this site")
        expect(box).not_to_be_checked()
        page.get_by_label("Comment (required)").fill("Remember who I am")
        page.get_by_label("Name (required)").fill("Rita Remembered")
        page.get_by_label("Email (optional)").fill("rita@example.org")
        page.get_by_label("Website (optional)").fill("https://rita.example")
        box.check()
        page.get_by_role("button", name="Post comment").click()
        page.wait_for_url("**#c*")
        page.reload()
        expect(page.get_by_label("Name (required)")).to_have_value("Rita Remembered")
        expect(page.get_by_label("Email (optional)")).to_have_value("rita@example.org")
        expect(page.get_by_label("Website (optional)")).to_have_value("https://rita.example")
        expect(page.get_by_label("Remember me on this site")).to_be_checked()
        expect(page.get_by_label("Comment (required)")).to_have_value("")
        # Another browser (another reader) sees none of it, though the page is the same.
        other = browser.new_context()
        try:
            stranger = other.new_page()
            stranger.goto(site + STORY)
            expect(stranger.get_by_label("Name (required)")).to_have_value("")
            expect(stranger.get_by_label("Email (optional)")).to_have_value("")
            expect(stranger.get_by_label("Remember me on this site")).not_to_be_checked()
            assert "Rita Remembered" not in stranger.content().split('id="comments"')[0]
        finally:
            other.close()
        # Unticking forgets at once.
        page.get_by_label("Remember me on this site").uncheck()
        page.reload()
        expect(page.get_by_label("Name (required)")).to_have_value("")
        expect(page.get_by_label("Remember me on this site")).not_to_be_checked()
    finally:
        context.close()


def test_remember_me_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site + STORY)
        page.get_by_label("Comment (required)").fill("No script, remember me")
        page.get_by_label("Name (required)").fill("Nora NoScript")
        page.get_by_label("Remember me on this site").check()
        page.get_by_role("button", name="Post comment").click()
        page.goto(site + STORY)
        expect(page.get_by_label("Name (required)")).to_have_value("Nora NoScript")
        expect(page.get_by_label("Remember me on this site")).to_be_checked()
        # Unticked, the next press of a button forgets (here Preview: nothing is posted).
        page.get_by_label("Remember me on this site").uncheck()
        page.get_by_label("Comment (required)").fill("*Only* a preview")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#f-preview em")).to_have_text("Only")
        expect(page.get_by_label("Comment (required)")).to_have_value("*Only* a preview")
        page.goto(site + STORY)
        expect(page.get_by_label("Name (required)")).to_have_value("")
    finally:
        context.close()


@pytest.fixture
def looks(browser: Browser) -> Iterator[Any]:
    """A page at each size and colour scheme, for the screenshots."""
    contexts: list[Any] = []

    def open_page(size: str, scheme: Literal["light", "dark"]) -> Any:
        context = browser.new_context(viewport=SIZES[size], color_scheme=scheme)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_the_composer(looks: Any, site: str, size: str, scheme: str) -> None:
    page = looks(size, scheme)
    page.goto(site + STORY)
    width = 390 if size == "phone" else 1280
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot_of(page, "#comments", f"issue12-composer-top-{size}-{scheme}")
    item = page.locator("ol.comments > li").nth(1)
    item.get_by_role("link", name="Reply to comment 2").click()
    page.get_by_label("Comment (required)").fill("I **disagree**:\n\n> the quote\n\n- one\n- two")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#f-preview strong")).to_have_text("disagree")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot_of(page, "ol.comments > li:nth-child(2)", f"issue12-reply-inline-{size}-{scheme}")
    screenshot(page, f"issue12-composer-page-{size}-{scheme}")


def screenshot_of(page: Any, selector: str, name: str) -> None:
    from tests.browser.conftest import SHOTS

    SHOTS.mkdir(exist_ok=True)
    page.locator(selector).first.screenshot(path=str(SHOTS / f"{name}.png"))
