"""An admin names the site, gives it a tagline, an accent colour and a logo at /admin/site, in
Chromium; readers then see them in the header at desktop and phone widths, light and dark."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, expect

from tests.browser.conftest import SHOTS, add_staff, screenshot, sign_in, site_database
from tests.server import running_server
from tribune.identity import accent_variants

pytestmark = pytest.mark.browser

EMAIL = "admin@example.org"
NAME = "Harbour Gazette"
TAGLINE = "News from the quays, since 1887"
ACCENT = "#0b6e4f"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def branded_site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgresql_ready: str | None,
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("branded")
    url = site_database(request.param, workdir, postgresql_ready)
    with running_server(url, workdir) as base:
        add_staff(url, workdir, EMAIL, "Ada", "admin")
        yield base


def logo_file(path: Path) -> Path:
    """A wordmark-like logo: a green anchor mark and two bars, on a transparent ground."""
    image = Image.new("RGBA", (720, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((8, 8, 152, 152), radius=28, fill=ACCENT)
    draw.ellipse((56, 30, 104, 78), outline="white", width=10)
    draw.line((80, 78, 80, 130), fill="white", width=10)
    draw.arc((40, 80, 120, 136), 0, 180, fill="white", width=10)
    draw.rounded_rectangle((184, 40, 700, 76), radius=10, fill="#6b6f7a")
    draw.rounded_rectangle((184, 96, 520, 122), radius=8, fill="#9aa0ab")
    out = BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def save_settings(page: Any, base: str, logo: Path | None) -> None:
    page.goto(base + "/admin/site")
    page.get_by_label("Site name").fill(NAME)
    page.get_by_label("Tagline").fill(TAGLINE)
    page.get_by_label("Footer text").fill(
        "Run by volunteers. [About us](https://example.org/about)"
    )
    page.get_by_label("Accent colour").fill(ACCENT)
    if logo is not None:
        page.locator("#f-logo").set_input_files(str(logo))
    else:
        remove = page.get_by_label("Remove the logo")
        if remove.count():
            remove.check()
    page.get_by_role("button", name="Save site settings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")


def _note_error(errors: list[str], message: Any) -> None:
    if message.type == "error":
        errors.append(message.text)


def shoot_header(browser: Browser, base: str, topic: str, logo: bool) -> None:
    light, dark = accent_variants(ACCENT)
    for size, viewport in SIZES.items():
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport=viewport, color_scheme=scheme)  # type: ignore[arg-type]
            tab = context.new_page()
            errors: list[str] = []
            tab.on("console", partial(_note_error, errors))
            tab.goto(base + "/stories/turkeys-syria-op-could-see-isis-terrorists-scattering-putin")
            header = tab.locator(".site-header")
            if logo:
                image = header.get_by_role("img", name=NAME)
                expect(image).to_be_visible()
                assert image.evaluate("i => i.complete && i.naturalWidth > 0")
            else:
                expect(header.get_by_role("link", name=NAME)).to_be_visible()
            expect(header).to_contain_text(TAGLINE)
            expect(tab).to_have_title(re.compile(f" · {NAME}$"))
            button = tab.locator("form.comment-form button[type=submit]:not([name])")  # Post
            colour = button.evaluate("b => getComputedStyle(b).backgroundColor")
            want = light if scheme == "light" else dark
            assert colour == "rgb({}, {}, {})".format(
                *(int(want[i : i + 2], 16) for i in (1, 3, 5))
            ), (scheme, colour)
            expect(tab.locator(".site-footer")).to_contain_text("Run by volunteers.")
            tab.set_viewport_size({"width": viewport["width"], "height": 260})
            SHOTS.mkdir(exist_ok=True)
            tab.screenshot(path=str(SHOTS / f"issue12-{topic}-{size}-{scheme}.png"))
            assert errors == [], errors
            context.close()


def test_an_admin_brands_the_site_and_readers_see_it(
    branded_site: str, browser: Browser, page: Any, tmp_path: Path, console_errors: list[str]
) -> None:
    sign_in(page, branded_site, EMAIL)
    page.get_by_role("link", name="Site", exact=True).click()
    expect(page.get_by_role("heading", name="Site settings")).to_be_visible()

    # A refused save: each wrong field says why, and what was typed stays.
    page.get_by_label("Site name").fill("")
    page.get_by_label("Tagline").fill(TAGLINE)
    page.get_by_label("Accent colour").fill("green")
    page.get_by_role("button", name="Save site settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Please give the site a name")
    expect(page.get_by_role("alert")).to_contain_text("The accent colour must be written as #")
    expect(page.get_by_label("Tagline")).to_have_value(TAGLINE)
    screenshot(page, "issue12-site-admin-refused-desktop-light")
    assert console_errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
    console_errors.clear()  # the refused save's status, as expected

    save_settings(page, branded_site, None)
    shoot_header(browser, branded_site, "site-name", logo=False)
    save_settings(page, branded_site, logo_file(tmp_path / "logo.png"))
    screenshot(page, "issue12-site-admin-desktop-light")
    shoot_header(browser, branded_site, "site-logo", logo=True)
