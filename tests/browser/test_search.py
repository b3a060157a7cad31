"""A reader searches from the header's box with the keyboard alone, in Chromium, at desktop
and phone widths, light and dark: the header stays tidy, the results page highlights the
matches and filters them. Screenshots under test-results/."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

SIZES: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}


def tab_to(page: Any, selector: str, most: int = 12) -> None:
    """Press Tab until the element is focused, as a keyboard user gets there."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} is not reached with Tab")


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found, selector
    return dict(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_reader_searches_from_the_header_with_the_keyboard(
    browser: Browser,
    site: str,
    size: str,
    scheme: Literal["light", "dark"],
    console_errors: list[str],
) -> None:
    context = browser.new_context(viewport=SIZES[size], color_scheme=scheme)
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(site + "/")
    width = SIZES[size]["width"]
    # The header holds the brand, the nav and the box without running off the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    header = box(page, ".site-header")
    assert header["height"] < (140 if size == "phone" else 90), header
    field, button, brand = (
        box(page, "#site-search-q"),
        box(page, ".site-search button"),
        box(page, ".brand"),
    )
    assert field["x"] >= 0 and button["x"] + button["width"] <= width
    assert field["height"] >= (44 if size == "phone" else 36)
    assert field["y"] >= brand["y"] + brand["height"] or field["x"] >= brand["x"] + brand["width"]
    screenshot(page, f"search-header-{size}-{scheme}")

    tab_to(page, "#site-search-q")
    page.keyboard.type("putin")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=putin")
    expect(page).to_have_title("Search: putin · Tribune")
    expect(page.locator("#search-q")).to_have_value("putin")
    results = page.locator(".search-results > li")
    assert results.count() >= 1
    expect(page.locator(".search-results mark").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"search-results-{size}-{scheme}")

    tab_to(page, '.search-kinds a[href$="type=comments"]', most=20)
    page.keyboard.press("Enter")
    page.wait_for_url("**type=comments")
    expect(page.locator('.search-kinds a[aria-current="page"]')).to_have_text("Comments")
    assert page.locator(".search-results h2 a").first.inner_text().startswith("Comment ")
    page.locator(".search-results h2 a").first.click()
    page.wait_for_url("**/stories/**")
    assert "#c" in page.url
    assert console_errors == []
    context.close()


def test_no_results_says_so(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport=SIZES["phone"])
    page = context.new_page()
    page.goto(site + "/search?q=zzzqqq")
    expect(page.locator(".empty")).to_have_text("No results for zzzqqq.")
    screenshot(page, "search-no-results-phone")
    context.close()
