"""The staff pages' warning about X-Forwarded-For from a peer TRIBUNE_TRUSTED_PROXIES does not
name, as a moderator sees it (desktop and phone, light and dark)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import add_staff, screenshot, sign_in
from tests.server import running_server


@pytest.fixture(scope="module")
def untrusted_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("proxy")
    url = f"sqlite:///{workdir / 'site.db'}"
    with running_server(url, workdir) as base:
        add_staff(url, workdir, "mod@example.org", "Mo Mod", "moderator")
        # A proxy on this machine that the setting leaves out.
        httpx.get(base + "/", headers={"X-Forwarded-For": "203.0.113.7"})
        yield base


@pytest.mark.parametrize(
    ("width", "height", "device"), [(1280, 900, "desktop"), (390, 844, "phone")]
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_staff_see_the_untrusted_proxy_warning(
    browser: Browser,
    untrusted_site: str,
    width: int,
    height: int,
    device: str,
    scheme: Literal["light", "dark"],
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page: Any = context.new_page()
    try:
        sign_in(page, untrusted_site, "mod@example.org")
        warning = page.locator("#proxy-warning")
        assert warning.is_visible()
        text = warning.inner_text()
        assert "127.0.0.1" in text and "TRIBUNE_TRUSTED_PROXIES" in text
        assert "203.0.113.7" not in text
        box = warning.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width  # no sideways scrolling
        screenshot(page, f"issue12-proxy-warning-{device}-{scheme}")
    finally:
        context.close()


def test_no_warning_without_the_header(browser: Browser, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'quiet.db'}"
    with running_server(url, tmp_path) as base:
        add_staff(url, tmp_path, "mod@example.org", "Mo Mod", "moderator")
        page: Any = browser.new_page()
        try:
            sign_in(page, base, "mod@example.org")
            assert page.locator("#proxy-warning").count() == 0
        finally:
            page.close()
