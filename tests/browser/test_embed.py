"""The embed on another site's page, in Chromium: a host on another loopback port (another
origin) embeds a thread; readers post, get the form's two messages, reply, vote, edit and
delete, and a second reader sees it arrive live; by keyboard alone, in dark mode, at phone
width, under a hostile host stylesheet and a strict host CSP; a site not allowed gets no
thread; a server-side include is adopted without fetching the first page again. The embed
never needs a cookie: Tribune's origin ends each run with none in the browser."""

from __future__ import annotations

import random
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ARGS, CHROMIUM, screenshot, site_database
from tests.browser.hosts import Host, article, host_sites
from tests.server import TRIBUNE, running_server, tribune_env

pytestmark = pytest.mark.browser

HOSTILE = """
* { all: unset !important; }
html { font-size: 64px !important; }
div:not(#tribune-thread) { display: none !important; }
p { color: rgb(0, 128, 0) !important; }
"""


@pytest.fixture(scope="module")
def hosts() -> Iterator[tuple[Host, Host]]:
    """Two host sites: the first is allowed to embed, the second is not."""
    with host_sites(2) as made:
        yield made[0], made[1]


@pytest.fixture(scope="module")
def tribune_site(
    hosts: tuple[Host, Host], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """Tribune with the first host allowed: its address, and a staff API token's secret."""
    workdir = tmp_path_factory.mktemp("embed")
    database = site_database("sqlite", workdir, None)
    with running_server(database, workdir, TRIBUNE_ALLOWED_ORIGINS=hosts[0].origin) as base:
        made = subprocess.run(
            [TRIBUNE, "token", "create", "--name", "Staff", "--scope", "stories"],
            env=tribune_env(database),
            cwd=workdir,
            capture_output=True,
            text=True,
            check=True,
        )
        yield base, made.stdout.strip()


@pytest.fixture(scope="module")
def tribune(tribune_site: tuple[str, str]) -> str:
    return tribune_site[0]


def thread(page: Any) -> Any:
    return page.locator("#tribune-thread")


def wait_for_thread(page: Any) -> None:
    expect(thread(page).locator("section.tribune h2")).to_be_visible()


def post(page: Any, body: str, name: str | None = "Ana") -> None:
    form = thread(page).locator("form.t-compose")
    form.get_by_role("textbox", name="Comment").fill(body)
    if name is not None:
        form.get_by_label("Name").fill(name)
    form.get_by_role("button", name="Post comment").click()


def no_cookies_for(page: Any, base: str) -> None:
    assert page.context.cookies([base]) == [], "the embed needs no cookie of Tribune's"


@pytest.fixture(scope="module")
def cookieless(browser: Browser) -> Iterator[Browser]:
    """Chromium with third-party cookies blocked, as Safari, Firefox strict and Chrome's
    setting do."""
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*ARGS, "--test-third-party-cookie-phaseout"]
    )
    yield launched
    launched.close()


@pytest.mark.parametrize("cookies", ["allowed", "blocked"])
def test_a_reader_takes_part_from_another_site_and_a_second_sees_it_live(
    request: pytest.FixtureRequest, tribune: str, hosts: tuple[Host, Host], cookies: str
) -> None:
    browser: Browser = request.getfixturevalue("browser" if cookies == "allowed" else "cookieless")
    path = f"/news/ceasefire-{cookies}"
    url = hosts[0].page(path, article(tribune, "Ceasefire talks resume"))
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    wait_for_thread(page)
    expect(thread(page).get_by_text("No comments yet. Start the discussion.")).to_be_visible()

    # The empty form: both of the demo page's messages, on their fields, nothing lost.
    thread(page).get_by_role("button", name="Post comment").click()
    expect(thread(page).get_by_text("Please enter your comment!", exact=True)).to_be_visible()
    expect(thread(page).get_by_text("Please enter your name here", exact=True)).to_be_visible()
    expect(thread(page).get_by_role("textbox", name="Comment")).to_have_attribute(
        "aria-invalid", "true"
    )
    post(page, "The **first** comment under the article.")
    first = thread(page).locator("li.t-comment").first
    expect(first.locator(".t-body")).to_have_text("The first comment under the article.")
    expect(thread(page).locator("h2")).to_have_text("1 comment")

    # A second reader opens the page: the comment is there, and theirs arrives live.
    other = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    # The stream answers once its subscription is live: what is posted from then on arrives.
    with other.expect_response(lambda response: "/events" in response.url):
        other.goto(url)
    wait_for_thread(other)
    expect(thread(other).locator("li.t-comment")).to_have_count(1)
    first.get_by_role("button", name="Reply to comment by Ana").click()
    expect(thread(page).locator("form.t-compose h3")).to_have_text("Reply to Ana")
    post(page, "And a reply to it.", name=None)
    expect(first.locator("ol.t-replies li.t-comment .t-body")).to_have_text("And a reply to it.")
    show = thread(other).get_by_role("button", name="1 new comment: show")
    expect(show).to_be_visible()
    show.click()
    expect(thread(other).get_by_text("And a reply to it.")).to_be_visible()

    # Votes: one per reader, pressed, and the score changes for the other reader live.
    up = first.get_by_role("button", name="Vote up comment by Ana").first
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(first.locator(":scope > .t-actions .t-score")).to_have_text("1")
    expect(
        thread(other).locator("li.t-comment").first.locator(":scope > .t-actions .t-score")
    ).to_have_text("1")
    up.click()  # pressed again: withdrawn
    expect(first.locator(":scope > .t-actions .t-score")).to_have_text("0")

    # Edit within the window, then delete (with confirmation).
    first.locator(":scope > .t-actions").get_by_role("button", name="Edit").click()
    box = first.get_by_label("Edit your comment")
    expect(box).to_have_value("The **first** comment under the article.")
    box.fill("The *edited* first comment.")
    first.get_by_role("button", name="Save").click()
    expect(first.locator(":scope > .t-body em")).to_have_text("edited")
    expect(thread(other).locator("li.t-comment").first.locator(":scope > .t-body")).to_have_text(
        "The edited first comment."
    )
    reply = first.locator("ol.t-replies li.t-comment").first
    page.once("dialog", lambda dialog: dialog.accept())
    reply.locator(":scope > .t-actions").get_by_role("button", name="Delete").click()
    expect(reply.locator(":scope > .t-body")).to_have_text(
        "This comment was deleted by its author."
    )

    # Reports, from the second reader (not on their own comments).
    theirs = thread(other).locator("li.t-comment").first
    theirs.get_by_role("button", name="Report comment by Ana").click()
    theirs.get_by_label("Why should moderators look at this comment?").select_option("spam")
    theirs.get_by_role("button", name="Send report").click()
    expect(theirs.get_by_text("You reported this comment.")).to_be_visible()

    # After a reload the reader's own controls are still there: the page's storage kept them.
    page.reload()
    wait_for_thread(page)
    expect(
        thread(page).locator("li.t-comment").first.get_by_role("button", name="Edit")
    ).to_be_visible()
    if cookies == "allowed":
        screenshot(page, "embed-light")
    no_cookies_for(page, tribune)
    no_cookies_for(other, tribune)
    assert errors == []
    context.close()
    other.context.close()


def test_by_keyboard_alone_in_dark_mode_and_at_phone_width(
    browser: Browser, tribune: str, hosts: tuple[Host, Host]
) -> None:
    url = hosts[0].page("/news/keyboard", article(tribune, "Typed without a mouse"))
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, color_scheme="dark", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(url)
    wait_for_thread(page)
    page.keyboard.press("Tab")  # the host page has no control of its own: the thread's first
    focused = page.evaluate(
        "document.getElementById('tribune-thread').shadowRoot.activeElement?.name"
    )
    assert focused == "body"
    page.keyboard.type("Posted with the keyboard alone.")
    page.keyboard.press("Tab")
    page.keyboard.type("Kai")
    for _ in range(3):  # e-mail, website, then the button
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    posted = thread(page).locator("li.t-comment").first
    expect(posted.locator(".t-body")).to_have_text("Posted with the keyboard alone.")
    # Focus moved to the new comment, and the live region said so.
    assert page.evaluate(
        "document.getElementById('tribune-thread').shadowRoot.activeElement?.id"
    ) == posted.get_attribute("id")
    expect(thread(page).locator("[aria-live]")).to_have_text("Your comment was posted")
    page.keyboard.press("Tab")  # the comment's time, a link to it
    page.keyboard.press("Tab")  # vote up, by keyboard
    page.keyboard.press("Enter")
    expect(posted.locator(":scope > .t-actions .t-score")).to_have_text("1")
    # Dark, and nothing wider than the phone.
    background = page.evaluate(
        "getComputedStyle(document.getElementById('tribune-thread').shadowRoot"
        ".querySelector('section.tribune')).backgroundColor"
    )
    assert background == "rgb(19, 20, 24)"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "embed-dark-phone")
    no_cookies_for(page, tribune)
    context.close()


def test_a_hostile_host_stylesheet_and_a_strict_host_csp(
    browser: Browser, tribune: str, hosts: tuple[Host, Host]
) -> None:
    csp = (
        f"default-src 'none'; script-src {tribune}; style-src {tribune} 'self'; "
        f"connect-src {tribune}; img-src {tribune} data:"
    )
    hostile = article(
        tribune,
        "A hostile host",
        head='<link rel="stylesheet" href="/hostile.css">',
        extra='<div class="host-box">Host box</div>',
    )
    hosts[0].page("/hostile.css", HOSTILE, Content_Type="text/css")
    url = hosts[0].page("/news/hostile", hostile, Content_Security_Policy=csp)
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.goto(url)
    wait_for_thread(page)
    post(page, "Still readable under a hostile stylesheet.")
    posted = thread(page).locator("li.t-comment").first
    expect(posted.locator(".t-body")).to_have_text("Still readable under a hostile stylesheet.")
    sizes = page.evaluate(
        "(() => { const root = document.getElementById('tribune-thread').shadowRoot;"
        " const body = root.querySelector('li.t-comment .t-body');"
        " const s = getComputedStyle(body);"
        " return [s.fontSize, s.display, getComputedStyle(root.querySelector('section')).display,"
        " getComputedStyle(root.querySelector('p.t-head')).color]; })()"
    )
    assert sizes[0] == "16px" and sizes[1] == "block" and sizes[2] == "block"
    assert sizes[3] != "rgb(0, 128, 0)"  # the host's p rule stops at the shadow root
    # ...and Tribune's rules stop there too: the host's own elements keep the host's styles.
    assert (
        page.evaluate("getComputedStyle(document.querySelector('p.host-text')).color")
        == "rgb(0, 128, 0)"
    )
    assert page.evaluate("getComputedStyle(document.querySelector('.host-box')).display") == "none"
    # The host's CSP names only Tribune's origin: nothing was refused.
    violations = page.evaluate("window.__violations")
    assert violations == [], violations
    screenshot(page, "embed-hostile-host")
    page.close()


def test_a_site_not_allowed_gets_no_thread(
    browser: Browser, tribune: str, hosts: tuple[Host, Host]
) -> None:
    url = hosts[1].page("/copied", article(tribune, "A site that is not allowed"))
    page = browser.new_page()
    refused: list[int] = []
    page.on("response", lambda r: refused.append(r.status) if "/embed/thread" in r.url else None)
    page.on("console", lambda m: None)
    page.goto(url)
    expect(thread(page).get_by_text("The discussion could not be loaded just now.")).to_be_visible()
    assert thread(page).locator("form").count() == 0
    # From that page, an allowed site's address is refused too: no answer it may read, and
    # no thread made.
    address = hosts[0].origin + "/news/not-yours"
    outcome = page.evaluate(
        f"""fetch("{tribune}/api/v1/threads", {{method: "POST",
        headers: {{"content-type": "application/json"}},
        body: JSON.stringify({{url: "{address}", title: "x"}})}})
        .then(r => "read " + r.status, e => e.name)"""
    )
    assert outcome == "TypeError"
    assert (
        'data-tribune-story=""'
        in httpx.get(f"{tribune}/embed/thread", params={"url": address}).text
    )
    page.close()


def test_a_server_side_include_is_adopted_without_fetching_the_page_again(
    browser: Browser, tribune: str, hosts: tuple[Host, Host]
) -> None:
    address = hosts[0].origin + "/news/included"
    opened = httpx.post(
        f"{tribune}/api/v1/threads", json={"url": address, "title": "Included"}
    ).json()
    for n in range(3):
        httpx.post(
            f"{tribune}/api/v1/stories/{opened['id']}/comments",
            json={"name": "Lee", "body": f"Included comment {n}"},
        )
    included = httpx.get(f"{tribune}/embed/thread", params={"url": address}).text
    counted = f'<p><a href="/news/included" data-tribune-count-url="{address}">comments</a></p>'
    hosts[0].page("/news/included", article(tribune, "Included", inside=included, extra=counted))
    page = browser.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/embed/thread" in r.url else None)
    page.goto(address)
    wait_for_thread(page)
    expect(thread(page).locator("li.t-comment")).to_have_count(3)
    expect(thread(page).get_by_role("button", name="Post comment")).to_be_visible()
    assert fetched == [], fetched  # adopted in place, not fetched and rendered twice
    # embed.js brings count.js for the page's count links: one request for all of them.
    expect(page.locator("[data-tribune-count-url]")).to_have_text("3 comments")
    # The include, as search engines read it: the comments are in the host page's HTML.
    assert "Included comment 2" in httpx.get(address).text
    page.close()


def test_a_held_comment_shows_to_its_author_alone(
    browser: Browser, tribune_site: tuple[str, str], hosts: tuple[Host, Host]
) -> None:
    base, token = tribune_site
    url = hosts[0].page("/news/held", article(base, "Held for review"))
    opened = httpx.post(f"{base}/api/v1/threads", json={"url": url, "title": "Held"}).json()
    staff = {"authorization": f"Bearer {token}"}
    changed = httpx.patch(
        f"{base}/api/v1/stories/{opened['id']}",
        json={"comment_mode": "premoderated"},
        headers=staff,
    )
    assert changed.status_code == 200, changed.text
    page = browser.new_page()
    page.goto(url)
    wait_for_thread(page)
    expect(
        thread(page).get_by_text("New comments will be reviewed before they appear.")
    ).to_be_visible()
    post(page, "Waiting for a moderator.")
    held = thread(page).locator("li.t-comment.t-pending")
    expect(held.locator(".t-body")).to_have_text("Waiting for a moderator.")
    expect(held.get_by_text("Awaiting moderation")).to_be_visible()
    expect(thread(page).locator("[aria-live]")).to_contain_text("Awaiting moderation")
    page.reload()  # kept by this browser: still shown to its author
    wait_for_thread(page)
    expect(thread(page).locator("li.t-comment.t-pending .t-body")).to_have_text(
        "Waiting for a moderator."
    )
    stranger = browser.new_page()
    stranger.goto(url)
    wait_for_thread(stranger)
    expect(thread(stranger).get_by_text("No comments yet. Start the discussion.")).to_be_visible()
    expect(thread(stranger).locator("li.t-comment")).to_have_count(0)
    page.close()
    stranger.close()


def test_more_replies_load_in_place(
    browser: Browser, tribune: str, hosts: tuple[Host, Host]
) -> None:
    url = hosts[0].page("/news/replies", article(tribune, "Many replies"))
    opened = httpx.post(f"{tribune}/api/v1/threads", json={"url": url}).json()
    comments = f"{tribune}/api/v1/stories/{opened['id']}/comments"
    top = httpx.post(comments, json={"name": "Top", "body": "Start here."}).json()
    vocabulary = [
        "harbour",
        "ceasefire",
        "border",
        "summit",
        "minister",
        "envoy",
        "treaty",
        "ballot",
        "river",
        "bridge",
        "council",
        "market",
        "winter",
        "railway",
        "harvest",
        "election",
        "coast",
        "mayor",
        "festival",
        "museum",
        "budget",
        "school",
        "hospital",
        "tunnel",
        "airport",
        "forest",
        "strike",
        "orchestra",
        "library",
        "stadium",
    ]
    rng = random.Random(14)
    for n in range(14):
        body = " ".join(rng.sample(vocabulary, 9)).capitalize() + f", reply {n}."
        reply = httpx.post(comments, json={"name": f"R{n}", "body": body, "parent_id": top["id"]})
        assert reply.status_code == 201 and reply.json()["status"] == "approved", reply.text
    page = browser.new_page()
    page.goto(url)
    wait_for_thread(page)
    first = thread(page).locator("li.t-comment").first
    shown = first.locator("ol.t-replies > li.t-comment")
    count = shown.count()
    assert 0 < count < 14
    more = first.get_by_role("link", name=re.compile(r"Show \d+ more repl"))
    more.click()
    expect(shown).to_have_count(14)
    expect(first.get_by_text(", reply 13.")).to_be_visible()
    assert page.url == url  # loaded in place, the reader never left the article
    # The loaded replies work like the others.
    last = shown.last
    last.get_by_role("button", name="Vote up comment by R13").click()
    expect(last.locator(":scope > .t-actions .t-score")).to_have_text("1")
    page.close()
