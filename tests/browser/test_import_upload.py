"""An admin imports a WordPress export through the upload page in Chromium: the import's page
follows it without a reload (checking, storing, done) and readers then find its stories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.archives import write_export
from tests.browser.conftest import add_staff, screenshot, sign_in, site_database
from tests.server import running_server

pytestmark = pytest.mark.browser

EMAIL = "importer@example.org"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def import_site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgresql_ready: str | None,
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("imports")
    url = site_database(request.param, workdir, postgresql_ready)
    with running_server(url, workdir) as base:
        add_staff(url, workdir, EMAIL, "Grace", "admin")
        yield base


def test_an_admin_uploads_an_export_and_watches_it_go_in(
    import_site: str, browser: Browser, page: Any, tmp_path: Path, console_errors: list[str]
) -> None:
    export = tmp_path / "newsroom-archive.xml"
    write_export(export, posts=12, comments=2_400)
    sign_in(page, import_site, EMAIL)
    page.get_by_role("link", name="Imports", exact=True).click()
    expect(page.get_by_role("heading", name="Imports", exact=True)).to_be_visible()
    screenshot(page, "issue15-imports-desktop-light")

    # Without a file: the field says so.
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the file to import")
    console_errors.clear()  # the refused form's 422, as expected

    page.locator("#f-file").set_input_files(str(export))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url("**/admin/imports/*")
    state = page.locator("#import-state h2")
    first = state.inner_text()
    assert first in ("Checking the file", "Storing"), first
    expect(state).to_have_text("Storing", timeout=60_000)
    expect(page.locator("#import-state progress")).to_be_visible()
    screenshot(page, "issue15-import-storing-desktop-light")
    loads = []
    page.on("load", lambda _: loads.append(1))
    expect(state).to_have_text("Imported", timeout=120_000)
    assert loads == []  # the page followed the import in place, not by reloading
    expect(page.locator("#import-state")).to_contain_text(
        "Imported 12 stories with 2,400 comments: 12 new stories"
    )
    for size, viewport in SIZES.items():
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport=viewport, color_scheme=scheme)  # type: ignore[arg-type]
            context.add_cookies(page.context.cookies())
            tab = context.new_page()
            tab.goto(page.url)
            expect(tab.locator("#import-state h2")).to_have_text("Imported")
            screenshot(tab, f"issue15-import-done-{size}-{scheme}")
            tab.goto(import_site + "/admin/imports")
            expect(tab.get_by_role("cell", name="Imported")).to_be_visible()
            screenshot(tab, f"issue15-imports-list-{size}-{scheme}")
            context.close()

    page.goto(import_site + "/")
    expect(page.get_by_role("link", name="Post 11:", exact=False).first).to_be_visible()
