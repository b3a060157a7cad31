"""How a comment and the thread look and behave in Chromium (issue 12): the story's comment
mode applied live, the edit countdown, relative times, live removals and edits, tap targets
and contrast, at desktop and phone widths, light and dark."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

import httpx
import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import SHOTS, add_staff, screenshot, site_database
from tests.helpers import PASSWORD, csrf_in
from tests.server import running_server

pytestmark = pytest.mark.browser

STORY = "/stories/turkeys-syria-op-could-see-isis-terrorists-scattering-putin"
ADMIN = "admin@example.org"
SIZES: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ux_site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgresql_ready: str | None,
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("threadux")
    url = site_database(request.param, workdir, postgresql_ready)
    with running_server(url, workdir) as base:
        add_staff(url, workdir, ADMIN, "Ad", "admin")
        yield base


def set_mode(base: str, mode: str) -> None:
    """An admin changes the demo story's comment mode on the stories page."""
    with httpx.Client(base_url=base) as admin:
        token = csrf_in(admin.get("/admin/login").text)
        signed = admin.post(
            "/admin/login", data={"email": ADMIN, "password": PASSWORD, "csrf_token": token}
        )
        assert signed.status_code == 303
        moded = admin.post("/admin/stories/1/mode", data={"mode": mode, "csrf_token": token})
        assert moded.status_code == 303


def open_discussion(page: Any, base: str) -> None:
    """Open the story and scroll to the discussion, whose live stream then opens."""
    page.goto(base + STORY)
    with page.expect_response("**/api/v1/stories/1/events"):
        page.locator("#comments-title").scroll_into_view_if_needed()


def test_a_story_closed_while_the_reader_types_says_so_and_keeps_the_text(
    page: Any, ux_site: str
) -> None:
    open_discussion(page, ux_site)
    body = page.locator("#f-body")
    body.fill("Words I was about to post")
    try:
        set_mode(ux_site, "premoderated")
        note = page.locator(".live-mode.premoderated").first
        expect(note).to_have_text("New comments will be reviewed before they appear.")
        set_mode(ux_site, "closed")
        closed = page.locator(".live-mode.closed").first
        expect(closed).to_contain_text("Comments are now closed.")
        expect(closed).to_contain_text("still here to copy")
        expect(page.locator(".live-mode.premoderated")).to_have_count(0)
        expect(body).to_have_value("Words I was about to post")
        assert body.evaluate("(box) => box.readOnly")
        expect(page.locator("form.comment-form button[type=submit]").first).to_be_disabled()
        closed.scroll_into_view_if_needed()
        screenshot(page, "issue12-live-closed-desktop-light")
        closed.evaluate("(note) => note.scrollIntoView()")  # the viewport, where it shows
        page.screenshot(path=str(SHOTS / "issue12-live-closed-form-desktop-light.png"))
        # The server agrees: a post sent anyway is refused and the text kept.
        set_mode(ux_site, "open")
        expect(page.locator(".live-mode")).to_have_count(0)
        expect(page.locator("form.comment-form button[type=submit]").first).to_be_enabled()
        assert not body.evaluate("(box) => box.readOnly")
    finally:
        set_mode(ux_site, "open")


def test_live_removals_and_edits_show_as_the_page_would(page: Any, ux_site: str) -> None:
    with httpx.Client(base_url=ux_site) as api:
        mine = api.post(
            "/api/v1/stories/1/comments", json={"name": "Elsewhere", "body": "First version"}
        ).json()
        other = api.post(
            "/api/v1/stories/1/comments", json={"name": "Elsewhere", "body": "Going soon"}
        ).json()
        open_discussion(page, ux_site)
        edited = page.locator(f"#c{mine['id']}")
        expect(edited.locator(".edited")).to_have_count(0)
        auth = {"authorization": f"Bearer {mine['edit_token']}"}
        api.patch(f"/api/v1/comments/{mine['id']}", json={"body": "Second version"}, headers=auth)
        expect(edited.locator(".comment-body")).to_have_text("Second version")
        expect(edited.locator(":scope > .comment-head > .edited")).to_contain_text(
            "edited just now"
        )
        removed = page.locator(f"#c{other['id']}")
        expect(removed.locator(".comment-actions")).to_have_count(1)
        gone = {"authorization": f"Bearer {other['edit_token']}"}
        api.delete(f"/api/v1/comments/{other['id']}", headers=gone)
        expect(removed.locator(".comment-body")).to_have_text("This comment was removed.")
        expect(removed.locator(".comment-actions")).to_have_count(0)
        expect(removed).to_have_class(re.compile(r"\bremoved\b"))


def test_times_read_relative_and_the_edit_links_go_when_the_window_ends(
    browser: Browser, ux_site: str
) -> None:
    context = browser.new_context(viewport=SIZES["desktop"], timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.clock.install()
    page.goto(ux_site + STORY)
    page.locator("#f-name").fill("Timed")
    page.locator("#f-body").fill("Posted to watch the clock")
    page.locator("form.comment-form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"#c\d+$"))
    mine = page.locator(page.url[page.url.index("#") :])
    time = mine.locator(":scope > .comment-head .when time")
    expect(time).to_have_text("just now")
    # The exact time on hover, in the reader's zone (Tokyo: GMT+9), not the page's UTC.
    assert re.search(r"GMT\+9|JST", time.get_attribute("title") or "")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", time.get_attribute("datetime") or "")
    note = mine.locator(".edit-left")
    expect(note).to_have_text("You can edit for 15 more minutes")
    page.clock.fast_forward("05:00")
    page.clock.run_for(60_000)
    expect(note).to_have_text(re.compile(r"You can edit for (9|10) more minutes"))
    expect(time).to_have_text(re.compile(r"(5|6) minutes ago"))
    page.clock.fast_forward("10:30")
    page.clock.run_for(5_000)
    expect(mine.get_by_role("link", name=re.compile("Edit comment"))).to_have_count(0)
    expect(mine.get_by_role("link", name=re.compile("Delete comment"))).to_have_count(0)
    expect(mine.locator(".edit-left")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_controls_are_big_enough_and_visible(
    browser: Browser, ux_site: str, size: str, scheme: Literal["light", "dark"]
) -> None:
    context = browser.new_context(
        viewport=SIZES[size], color_scheme=scheme, has_touch=size == "phone"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A thread two replies deep, the last one this reader's own (it can still be edited).
    with httpx.Client(base_url=ux_site) as api:
        top = api.post(
            "/api/v1/stories/1/comments", json={"name": "Maria K.", "body": f"Top, {size} {scheme}"}
        )
        reply = api.post(
            "/api/v1/stories/1/comments",
            json={
                "name": "Jonas B.",
                "body": f"A reply, {size} {scheme}",
                "parent_id": top.json()["id"],
            },
        ).json()
    page.goto(ux_site + STORY + f"?reply_to={reply['id']}")
    page.locator("#f-name").fill("Ana from Lisbon")
    page.locator("#f-body").fill(
        f"A reply at depth two on a {size} in {scheme}, every control beside it."
    )
    page.locator("form.comment-form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"#c\d+$"))
    deep = page.locator(page.url[page.url.index("#") :])
    own = int(page.url.rsplit("#c", 1)[1])

    # main is padded away from the header (.wrap had zeroed it).
    assert (
        page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).paddingTop)")
        >= 24
    )
    # Vote buttons' borders: 3:1 against the page at least (WCAG 1.4.11).
    ratio = page.evaluate(CONTRAST, "form.vote button")
    assert ratio >= 3, f"vote button border contrast {ratio:.2f}:1"
    # The time reads relative, with the exact time on hover.
    expect(deep.locator(".when time")).to_have_text("just now")
    actions = deep.locator(":scope > .comment-actions")
    targets = actions.locator("button, a")
    boxes = [targets.nth(n).bounding_box() for n in range(targets.count())]
    if size == "phone":
        small = [b for b in boxes if b and (b["width"] < 44 or b["height"] < 44)]
        assert small == [], f"tap targets under 44 × 44 px: {small}"
        # Votes and Reply on one line (no Report on one's own comment); the author's Edit
        # and Delete together on the next, with the time left: no lone link wrapped onto a
        # line of its own.
        rows = [round(b["y"] + b["height"] / 2) for b in boxes if b]
        assert len(rows) == 5, rows
        assert len(set(rows[:3])) == 1, rows  # ▲ ▼ Reply
        assert len(set(rows[3:5])) == 1 and rows[3] > rows[0], rows  # Edit Delete
    deep.scroll_into_view_if_needed()
    screenshot(page, f"issue12-thread-{size}-{scheme}")
    thread = page.locator(f"#c{top.json()['id']}")
    thread.screenshot(path=str(SHOTS / f"issue12-thread-depth2-{size}-{scheme}.png"))

    page.goto(ux_site + f"/comments/{reply['id']}/report")
    if size == "phone":
        for n in range(page.locator("label.choice").count()):
            box = page.locator("label.choice").nth(n).bounding_box()
            assert box and box["height"] >= 44
    assert page.evaluate(QUOTE_STYLED)
    screenshot(page, f"issue12-report-{size}-{scheme}")
    page.goto(ux_site + f"/comments/{own}/delete")
    expect(page.locator(".edit-left")).to_have_text(
        re.compile(r"You can delete it for 1[45] more minutes")
    )
    assert page.evaluate(QUOTE_STYLED)
    screenshot(page, f"issue12-delete-{size}-{scheme}")
    context.close()
    assert errors == []


def test_keyboard_only_reaches_every_control_of_a_comment(page: Any, ux_site: str) -> None:
    page.goto(ux_site + STORY)
    first = page.locator("ol.comments > li").first
    first.locator(".when").focus()
    names = []
    for _ in range(5):
        page.keyboard.press("Tab")
        names.append(
            page.evaluate(
                "(e => e.getAttribute('aria-label') || e.textContent)(document.activeElement)"
            )
        )
    assert [n.split(" comment")[0] for n in names[:4]] == [
        "Vote up",
        "Vote down",
        "Reply to",
        "Report",
    ]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # Reply, from the keyboard: the form opens under the comment
    expect(page.locator("li.comment form#comment-form")).to_be_visible()
    expect(page.locator("#f-body")).to_be_focused()


CONTRAST = """(selector) => {
  const rgb = (c) => c.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const border = lum(rgb(getComputedStyle(document.querySelector(selector)).borderTopColor));
  const page = lum(rgb(getComputedStyle(document.body).backgroundColor));
  return (Math.max(border, page) + 0.05) / (Math.min(border, page) + 0.05);
}"""

# A quote with its own background and rule, not the browser's 40 px indent.
QUOTE_STYLED = """() => {
  const quote = getComputedStyle(document.querySelector("blockquote.quoted"));
  return quote.marginLeft === "0px" && quote.borderLeftStyle === "solid"
    && quote.backgroundColor !== "rgba(0, 0, 0, 0)";
}"""
