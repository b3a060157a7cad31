"""A reader's own data in the embed, in Chromium (readers' data rights): once this browser
holds edit tokens, "Your data" downloads everything kept of its comments as a JSON file and,
after a confirmation, erases them, from the server and from the widget; a placeholder stays
where another reader's reply hangs from one. A reader without tokens is offered nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot, site_database
from tests.browser.hosts import Host, article, host_sites
from tests.server import running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    with host_sites(1) as made:
        yield made[0]


@pytest.fixture(scope="module")
def tribune(host: Host, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("embed-own")
    database = site_database("sqlite", workdir, None)
    with running_server(database, workdir, TRIBUNE_ALLOWED_ORIGINS=host.origin) as base:
        yield base


def thread(page: Any) -> Any:
    return page.locator("#tribune-thread")


def post(page: Any, body: str, name: str) -> None:
    form = thread(page).locator("form.t-compose")
    form.get_by_role("textbox", name="Comment").fill(body)
    form.get_by_label("Name").fill(name)
    form.get_by_role("button", name="Post comment").click()
    expect(thread(page).locator(".t-body", has_text=body)).to_be_visible()


def open_page(browser: Browser, url: str) -> Any:
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    page.goto(url)
    expect(thread(page).locator("section.tribune h2")).to_be_visible()
    return page


def test_a_reader_downloads_and_erases_their_comments_from_the_embed(
    browser: Browser, tribune: str, host: Host, tmp_path: Path
) -> None:
    url = host.page("/news/own-data", article(tribune, "Harbour council votes"))
    ana = open_page(browser, url)
    errors: list[str] = []
    ana.on("pageerror", lambda e: errors.append(str(e)))
    yours = thread(ana).locator("p.t-foot")
    expect(yours).to_have_count(0)  # no tokens yet: nothing to offer
    post(ana, "Answered by someone else", "Ana")
    expect(yours).to_be_visible()
    post(ana, "Nobody answers this", "Ana")

    # Another reader answers the first; a third, who posted nothing, is offered nothing.
    bo = open_page(browser, url)
    first = thread(bo).locator("li.t-comment", has_text="Answered by someone else")
    first.get_by_role("button", name="Reply to comment by Ana").click()
    post(bo, "Bo's answer", "Bo")
    stranger = open_page(browser, url)
    expect(thread(stranger).locator("li.t-comment")).to_have_count(3)
    expect(thread(stranger).locator("p.t-foot")).to_have_count(0)

    ana.reload()
    expect(thread(ana).locator("section.tribune h2")).to_have_text("3 comments")
    screenshot(ana, "embed-your-data")
    with ana.expect_download() as made:
        yours.get_by_role("button", name="Download").click()
    download = made.value
    assert download.suggested_filename == "my-comments.json"
    saved = tmp_path / "my-comments.json"
    download.save_as(saved)
    kept = json.loads(saved.read_text())["comments"]
    assert sorted(c["body"] for c in kept) == ["Answered by someone else", "Nobody answers this"]
    assert {c["name"] for c in kept} == {"Ana"} and all(c["story"]["title"] for c in kept)

    asked: list[str] = []

    def confirm(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    ana.once("dialog", confirm)
    yours.get_by_role("button", name="Erase").click()
    expect(thread(ana).get_by_text("Nobody answers this")).to_have_count(0)
    assert asked == ["Erase your 2 comments? This cannot be undone."]
    answered = thread(ana).locator("li.t-comment", has_text="Bo's answer").first
    expect(answered.locator(":scope > .t-body")).to_have_text(
        "This comment was deleted by its author."
    )
    expect(thread(ana).get_by_text("Answered by someone else")).to_have_count(0)
    expect(thread(ana).locator("section.tribune h2")).to_have_text("1 comment")
    expect(yours).to_have_count(0)
    own = ana.evaluate("(base) => JSON.parse(localStorage.getItem(`tribune:${base}`))", tribune)
    assert own.get("own") == {}, "the erased comments' tokens are forgotten"

    # Erased on the server: a fresh page shows only the reply and its placeholder.
    stranger.reload()
    expect(thread(stranger).get_by_text("Bo's answer")).to_be_visible()
    expect(thread(stranger).get_by_text("Nobody answers this")).to_have_count(0)
    expect(thread(stranger).get_by_text("Answered by someone else")).to_have_count(0)
    expect(thread(stranger).get_by_text("[deleted]")).to_be_visible()
    assert errors == []
