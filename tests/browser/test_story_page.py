"""A reader on the demo story page, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot
from tribune.comments.validation import EMPTY_BODY, EMPTY_NAME

pytestmark = pytest.mark.browser

TITLE = "Turkey’s Syria op could see ISIS terrorists scattering – Putin"


def open_story(page: Any, site: str) -> None:
    page.goto(site + "/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def test_demo_story_reads_as_a_news_page(page: Any, site: str) -> None:
    open_story(page, site)
    expect(page.locator("ol.comments > li")).to_have_count(5)
    expect(page.locator("ol.comments .author")).to_have_text(["Anonymous"] * 5)
    expect(page.locator(".story-body blockquote")).to_contain_text("They could simply run away")
    expect(page.locator("aside.publisher")).to_contain_text("Follow us on VK")
    screenshot(page, "story-desktop")
    page.locator(".story-body a.hashtag", has_text="#Syria").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stories tagged #Syria")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()


def test_empty_form_shows_both_messages_and_keeps_what_was_typed(
    page: Any, site: str, console_errors: list[str]
) -> None:
    open_story(page, site)
    page.get_by_label("Email (optional)").fill("reader@example.org")
    page.get_by_label("Website (optional)").fill("https://reader.example")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#f-body-error")).to_have_text(EMPTY_BODY)
    expect(page.locator("#f-name-error")).to_have_text(EMPTY_NAME)
    expect(page.locator("#comment-form h2")).to_be_in_viewport()
    expect(page.get_by_label("Email (optional)")).to_have_value("reader@example.org")
    expect(page.get_by_label("Website (optional)")).to_have_value("https://reader.example")
    screenshot(page, "form-errors")
    # The reader adds the comment only: the name message stays, the comment is kept.
    page.get_by_label("Comment (required)").fill("My *considered* view")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#f-name-error")).to_have_text(EMPTY_NAME)
    expect(page.locator("#f-body-error")).to_have_count(0)
    expect(page.get_by_label("Comment (required)")).to_have_value("My *considered* view")
    # A refused post answers 422, which Chromium logs; that is the expected outcome here.
    assert len(console_errors) == 2
    assert all("responded with a status of 422" in error for error in console_errors)
    console_errors.clear()


def test_posting_a_comment_lands_on_it(page: Any, site: str) -> None:
    open_story(page, site)
    count = page.locator("ol.comments > li").count()
    page.get_by_label("Comment (required)").fill("Line one\n\n> a quote\n\n**bold** end")
    page.get_by_label("Name (required)").fill("Browser Reader")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url("**/stories/*#c*")
    anchor = page.url.split("#", 1)[1]
    new = page.locator(f"li#{anchor}")
    expect(new.locator(".number")).to_have_text(str(count + 1))
    expect(new.locator(".author")).to_have_text("Browser Reader")
    expect(new.locator("blockquote")).to_have_text("a quote")
    expect(new.locator("strong")).to_have_text("bold")
    expect(new).to_be_in_viewport()
    screenshot(page, "posted")


def test_works_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        open_story(page, site)
        page.get_by_label("Comment (required)").fill("Posted with JavaScript off")
        page.get_by_label("Name (required)").fill("No Script")
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator("ol.comments")).to_contain_text("Posted with JavaScript off")
    finally:
        context.close()


def test_phone_width_has_no_sideways_scrolling(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    try:
        open_story(page, site)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
        screenshot(page, "story-phone")
    finally:
        context.close()
