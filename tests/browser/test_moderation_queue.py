"""A moderator works a queue of 500 held comments from the keyboard, in Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import add_staff, screenshot, sign_in, site_database
from tests.helpers import PASSWORD, csrf_in
from tests.server import running_server

pytestmark = pytest.mark.browser

EMAIL = "moderator@example.org"
HELD = 500
# The story's comments are held (pre-moderated); some also trip rules, so reasons vary.
BODIES = [
    "A thoughtful comment about the operation, number {n}.",
    "Links https://a.example/{n} https://b.example/{n} https://c.example/{n}",
    "WHY DOES NOBODY TALK ABOUT THIS, COMMENT NUMBER {n}?",
    "You idiot, comment {n} says it all",
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def queue_site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgresql_ready: str | None,
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("queue")
    url = site_database(request.param, workdir, postgresql_ready)
    with running_server(url, workdir) as base:
        add_staff(url, workdir, EMAIL, "Mo", "moderator")
        seed(base, url, workdir)
        yield base


def seed(base: str, url: str, workdir: Path) -> None:
    """Pre-moderate the demo story as an admin would, then post 500 comments to it."""
    add_staff(url, workdir, "admin@example.org", "Ad", "admin")
    with httpx.Client(base_url=base) as admin:
        token = csrf_in(admin.get("/admin/login").text)
        signed = admin.post(
            "/admin/login",
            data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token},
        )
        assert signed.status_code == 303
        moded = admin.post(
            "/admin/stories/1/mode", data={"mode": "premoderated", "csrf_token": token}
        )
        assert moded.status_code == 303
    with httpx.Client(base_url=base) as readers:
        for n in range(HELD):
            answer = readers.post(
                "/api/v1/stories/1/comments",
                json={"name": f"Reader {n % 37}", "body": BODIES[n % 4].format(n=n)},
            )
            assert answer.json()["status"] == "pending"


def test_a_moderator_works_the_queue_from_the_keyboard(page: Any, queue_site: str) -> None:
    sign_in(page, queue_site, EMAIL)
    expect(page.locator(".tabs .count").first).to_have_text(str(HELD))
    expect(page.locator("#keys-hint")).to_contain_text("approve")
    items = page.locator(".queue .item")
    expect(items).to_have_count(50)
    ids = [int(i) for i in items.evaluate_all("(els) => els.map((e) => e.dataset.id)")]
    assert ids == sorted(ids, reverse=True)  # newest first
    # Every item says why it is held.
    expect(items.first.locator(".why")).to_contain_text("held: the story is pre-moderated")

    # j/k move the focus; a approves, r rejects, b bans; each item leaves the pending tab.
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator(f"#q{ids[0]}")).to_have_class(re.compile(r"\bcurrent\b"))
    decided: dict[str, list[int]] = {"approved": [], "rejected": []}
    for n, comment_id in enumerate(ids):
        key = "r" if n % 10 == 3 else "b" if n == 7 else "a"
        page.keyboard.press(key)
        expect(page.locator(f"#q{comment_id}")).to_be_hidden()
        decided["approved" if key == "a" else "rejected"].append(comment_id)
    expect(page.locator(".tabs .count").first).to_have_text(str(HELD - 50))
    screenshot(page, "moderation-queue")

    # The next page of the queue holds the next 50, the tabs hold what was decided.
    page.reload()
    expect(items).to_have_count(50)
    page.goto(queue_site + "/admin/moderation?tab=rejected")
    expect(page.locator(".queue .item")).to_have_count(len(decided["rejected"]))
    with httpx.Client(base_url=queue_site) as reader:
        thread = reader.get("/api/v1/stories/1/comments?limit=100").json()
    shown = {c["id"] for c in thread["comments"]}
    assert set(decided["approved"]) <= shown
    assert not set(decided["rejected"]) & shown
    assert thread["total"] == 5 + len(decided["approved"])


def test_the_queue_works_without_javascript(browser: Any, queue_site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, queue_site, EMAIL)
        first = page.locator(".queue .item").first
        comment_id = first.get_attribute("data-id")
        first.get_by_role("button", name="Approve").click()
        page.wait_for_url("**done=*")
        expect(page.locator(".notice")).to_contain_text("approve: 1 comment")
        expect(page.locator(f"#q{comment_id}")).to_have_count(0)
    finally:
        context.close()
