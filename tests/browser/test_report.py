"""Reporting a comment in Chromium, without JavaScript: two readers on one address (two
browser contexts, one machine) each report; each is back at the comment and thanked there,
and the report form then thanks instead of asking again. Desktop and phone, light and dark."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

STORY = "/stories/turkeys-syria-op-could-see-isis-terrorists-scattering-putin"
THANKS = "Thank you, a moderator will look at it."
Scheme = Literal["light", "dark"]
SHOTS: list[tuple[str, Scheme]] = [
    ("desktop", "light"),
    ("desktop", "dark"),
    ("phone", "light"),
    ("phone", "dark"),
]
# Each variant reports a comment of its own (1 to 4), from one address.
VARIANTS = [(number, width, scheme) for number, (width, scheme) in enumerate(SHOTS, start=1)]
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}


@pytest.mark.parametrize(("number", "width", "scheme"), VARIANTS)
def test_two_readers_on_one_address_report_and_are_thanked(
    browser: Browser, site: str, number: int, width: str, scheme: Scheme
) -> None:
    contexts = [
        browser.new_context(
            viewport=VIEWPORTS[width], color_scheme=scheme, java_script_enabled=False
        )
        for _ in range(2)
    ]
    try:
        for n, context in enumerate(contexts):
            page: Any = context.new_page()
            page.goto(site + STORY)
            page.get_by_role("link", name=f"Report comment {number}").click()
            if n == 0 and width == "desktop" and scheme == "light":
                page.get_by_role("button", name="Send report").click()
                expect(page.get_by_role("alert")).to_contain_text(
                    "Please choose what is wrong with this comment"
                )
                screenshot(page, f"issue12-report-error-{width}-{scheme}")
            page.get_by_label("Spam or advertising").check()
            page.get_by_role("button", name="Send report").click()
            page.wait_for_url("**#c*")
            comment = page.locator("li#" + page.url.split("#", 1)[1])
            expect(comment.locator(".report-thanks")).to_have_text(
                f"You reported this comment. {THANKS}"
            )
            expect(comment.locator(".comment-actions .reported")).to_have_text("Reported")
            expect(comment.get_by_role("link", name=f"Report comment {number}")).to_have_count(0)
            if n == 0:
                screenshot(page, f"issue12-report-thanks-{width}-{scheme}")
            else:  # the first reader's thanks never reached the second
                expect(page.locator(".report-thanks")).to_have_count(1)
        comment_id = page.url.split("#", 1)[1]  # c{id}
        page.goto(f"{site}/comments/{comment_id[1:]}/report")
        expect(page.get_by_role("status")).to_have_text(THANKS)
        expect(page.get_by_role("button", name="Send report")).to_have_count(0)
        screenshot(page, f"issue12-report-again-{width}-{scheme}")
        page.get_by_role("link", name="Back to the comment").click()
        page.wait_for_url(f"**#{comment_id}")
    finally:
        for context in contexts:
            context.close()
