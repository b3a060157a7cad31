"""A moderator works a queue of 500 held comments from the keyboard, in Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS, add_staff, screenshot, sign_in, site_database
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
    assert ids == sorted(ids)  # oldest first: a queue is worked in order
    # Every item says why it is held.
    expect(items.first.locator(".why")).to_contain_text("held: the story is pre-moderated")

    # Every reader posted from one address here: each item says so.
    expect(items.first).to_contain_text("This address is shared by 37 commenters")

    # j/k move the focus; a approves, r rejects, b bans (after asking); each item leaves
    # the pending tab, and a visible notice says what was done.
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator(f"#q{ids[0]}")).to_have_class(re.compile(r"\bcurrent\b"))
    decided: dict[str, list[int]] = {"approved": [], "rejected": []}
    for n, comment_id in enumerate(ids):
        key = "r" if n % 10 == 3 else "b" if n == 7 else "a"
        page.keyboard.press(key)
        if key == "b":
            dialog = page.locator("dialog.confirm")
            expect(dialog).to_contain_text("36 other commenters have posted from this address")
            expect(dialog.locator("#ban-days")).to_have_value("7")
            dialog.get_by_role("button", name="Reject and ban").click()
        expect(page.locator(f"#q{comment_id}")).to_be_hidden()
        if n < 3:
            expect(page.locator(".toast p")).to_contain_text(f"by Reader {n % 37} approved.")
        decided["approved" if key == "a" else "rejected"].append(comment_id)
    expect(page.locator(".tabs .count").first).to_have_text(str(HELD - 50))
    # u undoes the last action while its notice offers it: the comment comes back.
    page.keyboard.press("u")
    expect(page.locator(f"#q{ids[-1]}")).to_be_visible()
    expect(page.locator(".toast p")).to_contain_text("put back as it was")
    expect(page.locator(".tabs .count").first).to_have_text(str(HELD - 49))
    page.keyboard.press("a")
    expect(page.locator(f"#q{ids[-1]}")).to_be_hidden()
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
        expect(page.locator(".notice")).to_contain_text("Approved 1 comment.")
        expect(page.locator(".notice").get_by_role("button", name="Undo")).to_be_visible()
        expect(page.locator(f"#q{comment_id}")).to_have_count(0)
    finally:
        context.close()


VARIANTS = [
    ("desktop", "light", 1280, 900),
    ("desktop", "dark", 1280, 900),
    ("phone", "light", 390, 844),
    ("phone", "dark", 390, 844),
]


def fits(page: Any) -> bool:
    """No sideways scrolling of the page itself (a wide table scrolls inside its box)."""
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


@pytest.mark.parametrize(("size", "scheme", "width", "height"), VARIANTS)
def test_moderating_safely_looks(
    browser: Any, queue_site: str, size: str, scheme: str, width: int, height: int
) -> None:
    """The screens of issue 12's "moderating safely", as an admin sees them."""
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    suffix = f"{size}-{scheme}"
    try:
        sign_in(page, queue_site, "admin@example.org")
        expect(page.locator('.admin-nav a[aria-current="page"]')).to_have_text("Moderation")
        first = page.locator(".queue .item").first
        first.get_by_role("button", name="Approve").click()
        expect(page.locator(".toast p")).to_contain_text("approved.")
        page.screenshot(path=str(SHOTS / f"issue12-queue-{suffix}.png"))
        page.locator(".queue .item.current").get_by_role("button", name="Ban author…").click()
        expect(page.locator("dialog.confirm")).to_be_visible()
        page.screenshot(path=str(SHOTS / f"issue12-ban-confirm-{suffix}.png"))
        page.locator("dialog.confirm").get_by_role("button", name="Reject and ban").click()
        expect(page.locator(".toast p")).to_contain_text("address banned")
        page.goto(queue_site + "/admin/bans")
        expect(page.locator(".bans")).to_contain_text("Shared by 37 commenters")
        assert fits(page), "the bans page is wider than the screen"
        screenshot(page, f"issue12-bans-{suffix}")
        page.goto(queue_site + "/admin/audit")
        expect(page.locator(".audit")).to_contain_text("Rejected a comment and banned its author")
        assert fits(page), "the audit log is wider than the screen"
        screenshot(page, f"issue12-audit-{suffix}")
        page.goto(queue_site + "/admin/staff")
        assert fits(page), "the staff page is wider than the screen"
        page.locator(".staff details summary").first.click()
        screenshot(page, f"issue12-staff-{suffix}")
        page.goto(queue_site + "/admin/rules")
        page.get_by_label("Links allowed in a comment").fill("many")
        page.get_by_role("button", name="Save rules").click()
        expect(page.locator(".form-errors")).to_contain_text("please enter a whole number")
        screenshot(page, f"issue12-rules-{suffix}")
        # Tables scroll sideways on a phone instead of breaking words letter by letter.
        page.goto(queue_site + "/admin/stories")
        header = page.locator(".admin-table th").nth(1).bounding_box()
        assert header is not None and header["height"] < 40
        screenshot(page, f"issue12-stories-{suffix}")
    finally:
        context.close()
