"""A reader in Chromium on a story with a byline, an update, a correction and a video, and on
the home and author pages: what they show, that the JSON-LD breaks no policy, that nothing
is asked of the video's site, the short link's Copy button; screenshots at desktop and phone
widths, light and dark, under test-results/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from tests.browser.conftest import screenshot, site_database
from tests.conftest import run_async
from tests.publishing import add_author, byline, change
from tests.server import running_server
from tribune.storage.engine import Database
from tribune.storage.tables import stories

pytestmark = pytest.mark.browser

TITLE = "Turkey’s Syria op could see ISIS terrorists scattering – Putin"
SLUG = "turkeys-syria-op-could-see-isis-terrorists-scattering-putin"
CORRECTION = "An earlier version of this story said the summit was held in Kazakhstan."
VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


async def _publishing(database_url: str) -> None:
    """The demo story as the editor will leave it: two authors, edited, corrected, a video."""
    db = Database(database_url, pool_size=1)
    try:
        ana = await add_author(db, "Ana Petrova", "ana-petrova", "Ana covers Russia.")
        joe = await add_author(db, "Joe Bloggs", "joe-bloggs")
        async with db.read() as conn:
            story = (await conn.execute(select(stories.c.id, stories.c.published_at))).one()
        await byline(db, story.id, ana, joe)
        await change(
            db,
            story.id,
            edited_at=story.published_at + timedelta(hours=2, minutes=5),
            correction=CORRECTION,
            video_url=VIDEO,
        )
    finally:
        await db.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def newsroom(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgresql_ready: str | None,
) -> Iterator[str]:
    """A running Tribune whose demo story has a byline, an update, a correction and a video."""
    workdir: Path = tmp_path_factory.mktemp("newsroom")
    database_url = site_database(request.param, workdir, postgresql_ready)
    with running_server(database_url, workdir) as base:
        run_async(_publishing(database_url))
        yield base


def test_the_story_shows_byline_update_correction_and_video_card(page: Any, newsroom: str) -> None:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(newsroom + f"/stories/{SLUG}")
    header = page.locator("header.story-header")
    expect(header.locator(".byline")).to_have_text("By Ana Petrova and Joe Bloggs")
    expect(header.locator("time")).to_have_count(2)
    expect(header.locator(".meta")).to_contain_text("Updated")
    expect(page.locator("aside.correction")).to_have_text(f"Correction: {CORRECTION}")
    above = page.locator("aside.correction").bounding_box()
    body = page.locator(".story-body").bounding_box()
    assert above is not None and body is not None and above["y"] < body["y"]
    card = page.get_by_role("link", name="Watch the video on youtube.com")
    expect(card).to_have_attribute("href", VIDEO)
    expect(page.locator(".story-links dt").last).to_have_text("Short link")
    expect(page.locator(".short-link a")).to_have_text(f"{newsroom}/s/1")
    page.wait_for_load_state("networkidle")
    # The JSON-LD is there (a CSP violation would be a console error, which the page fixture
    # refuses), and no request went anywhere but the site itself.
    expect(page.locator('script[type="application/ld+json"]')).to_have_count(1)
    assert asked and all(url.startswith(newsroom + "/") for url in asked), asked
    header.get_by_role("link", name="Ana Petrova").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana Petrova")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()


def test_the_short_link_copies_and_leads_to_the_story(browser: Browser, newsroom: str) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=newsroom)
    page = context.new_page()
    page.goto(newsroom + f"/stories/{SLUG}")
    copy = page.get_by_role("button", name="Copy")
    expect(copy).to_be_visible()  # the script shows it where the browser can copy
    copy.click()
    expect(page.locator("button.copy-link")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{newsroom}/s/1"
    page.goto(newsroom + "/s/1")
    assert page.url == newsroom + f"/stories/{SLUG}"
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("size", "width", "height"), [("desktop", 1280, 900), ("phone", 390, 844)])
def test_screenshots_of_the_home_and_story_pages(
    browser: Browser,
    newsroom: str,
    scheme: Literal["light", "dark"],
    size: str,
    width: int,
    height: int,
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    page.goto(newsroom + "/")
    expect(page.locator(".story-list .byline")).to_have_text("By Ana Petrova and Joe Bloggs")
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"publishing-home-{size}-{scheme}")
    page.goto(newsroom + f"/stories/{SLUG}")
    expect(page.locator("aside.correction")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"publishing-story-{size}-{scheme}")
    context.close()
