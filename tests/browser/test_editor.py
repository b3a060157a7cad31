"""An editor writes, previews and schedules a story in Chromium; it publishes by itself and
reaches the home page, its tag page and the feed; the editor moves its address and the old
one follows; a reader comments on it. The editor by keyboard alone, and at phone width."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, expect

from tests.browser.conftest import add_staff, screenshot, site_database
from tests.helpers import PASSWORD
from tests.server import running_server

pytestmark = pytest.mark.browser

EMAIL = "ana@example.org"
TITLE = "Harbour council votes to rebuild the old pier"
BODY = (
    "The council voted 7 to 2 on Tuesday night. #Harbour\n\n"
    "> We owe the fishermen a pier that stands.\n\n"
    "Work starts in the spring."
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def newsroom(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgresql_ready: str | None,
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("newsroom")
    url = site_database(request.param, workdir, postgresql_ready)
    with running_server(url, workdir) as base:
        add_staff(url, workdir, EMAIL, "Ana Reyes", "editor")
        yield base


def sign_in(page: Any, base: str) -> None:
    page.goto(base + "/admin/stories/new")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/stories/new")


def picture(folder: Path) -> Path:
    """A photo as a phone takes it: a JPEG with the place it was taken in its EXIF."""
    image = Image.new("RGB", (2000, 1200), (30, 80, 140))
    ImageDraw.Draw(image).rectangle((300, 700, 1700, 800), fill=(120, 90, 60))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (57.0, 9.0, 0.0)}  # GPSInfo
    path = folder / "pier.jpg"
    image.save(path, "JPEG", exif=exif)
    return path


def test_an_editor_schedules_a_story_that_publishes_by_itself(
    browser: Browser, newsroom: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, newsroom)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Lead (optional)", exact=True).fill("The vote ends ten years of argument.")
    page.get_by_label("Story", exact=True).fill(BODY)
    page.get_by_label("Lead image (optional)").set_input_files(str(picture(tmp_path)))
    page.get_by_label("Image description").fill("The old pier at low tide")
    # The live preview beside the form follows what is typed.
    preview = page.frame_locator('iframe[name="story-preview"]')
    expect(preview.get_by_role("heading", name=TITLE)).to_be_visible(timeout=10_000)
    expect(preview.get_by_text("We owe the fishermen a pier that stands.")).to_be_visible()
    screenshot(page, "editor-desktop")
    # Schedule a few seconds ahead, in the editor's own time zone (the browser's).
    when = datetime.now(UTC) + timedelta(seconds=8)
    local = page.evaluate(
        "(ms) => { const d = new Date(ms); d.setMinutes(d.getMinutes() - d.getTimezoneOffset());"
        " return d.toISOString().slice(0, 19); }",
        when.timestamp() * 1000,
    )
    page.get_by_label("Publish at").fill(local)
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("Scheduled: it publishes by itself at its time.")).to_be_visible()
    story_url = page.url
    # Not public until its time; then public without any request making it so.
    assert TITLE not in httpx.get(newsroom + "/").text
    deadline = time.monotonic() + 60
    while TITLE not in httpx.get(newsroom + "/").text:
        assert time.monotonic() < deadline, "the scheduled story did not publish by itself"
        time.sleep(0.5)
    assert datetime.now(UTC) >= when - timedelta(seconds=1)
    assert TITLE in httpx.get(newsroom + "/tags/harbour").text
    assert TITLE in httpx.get(newsroom + "/feeds/stories.atom").text
    slug = re.search(r'href="/stories/([^"]+)"', httpx.get(newsroom + "/").text)
    assert slug is not None
    assert f"/stories/{slug[1]}" in httpx.get(newsroom + "/sitemap.xml").text
    # The lead image is there, in several widths, without the place it was taken.
    home = context.new_page()
    home.goto(newsroom + "/")
    lead = home.get_by_role("img", name="The old pier at low tide")
    expect(lead).to_be_visible()
    srcset = lead.get_attribute("srcset") or ""
    assert (
        re.findall(r" (\d+)w", srcset) == ["480", "960", "1600", "2000"][: srcset.count("w,") + 1]
    )
    served = httpx.get(newsroom + srcset.split(" ")[0])
    assert served.headers["content-type"] == "image/webp"
    assert b"Exif" not in served.content and b"GPS" not in served.content
    screenshot(home, "editor-home-with-lead-image")
    home.close()
    # The editor moves its address; the old one follows.
    page.goto(story_url)
    expect(page.get_by_text("Published", exact=True).first).to_be_visible()
    old = page.get_by_label("Address (slug)").input_value()
    page.get_by_label("Address (slug)").fill("old-pier-rebuilt")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    screenshot(page, "editor-published")
    reader = context.new_page()
    reader.goto(f"{newsroom}/stories/{old}")
    assert reader.url.endswith("/stories/old-pier-rebuilt")
    expect(reader.get_by_role("heading", name=TITLE)).to_be_visible()
    # A reader comments on it.
    reader.get_by_label("Comment (required)").fill("About time.")
    reader.get_by_label("Name (required)").fill("Maria")
    reader.get_by_role("button", name="Post comment").click()
    expect(reader.get_by_text("About time.")).to_be_visible()
    screenshot(reader, "editor-published-story")
    assert errors == []
    context.close()


def test_the_editor_by_keyboard_alone(browser: Browser, newsroom: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, newsroom)
    page.get_by_label("Title").focus()
    page.keyboard.type("Keyboard only story")
    page.keyboard.press("Tab")  # the slug
    page.keyboard.press("Tab")  # the lead
    page.keyboard.type("Written without a mouse.")
    page.keyboard.press("Tab")
    page.keyboard.type("Every field is reachable. #Access")
    focused = ""
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent || ''").strip()
        if focused == "Save draft":
            break
    assert focused == "Save draft"
    page.keyboard.press("Enter")
    expect(page.get_by_text("Saved as a draft.")).to_be_visible()
    context.close()


def test_the_editor_at_phone_width(browser: Browser, newsroom: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, newsroom)
    # No live preview beside the form on a phone: the Preview button opens it.
    expect(page.locator("[data-live-preview]")).to_be_hidden()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the editor is {width}px wide at 390"
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Please give the story a title.").first).to_be_visible()
    screenshot(page, "editor-phone-refused")
    page.emulate_media(color_scheme="dark")
    screenshot(page, "editor-phone-dark")
    assert re.search(r"/admin/stories/new$", page.url)
    context.close()
