"""The README's server-side include, run as written in a real nginx: the host site's article
holds the discussion in its HTML (what search engines and readers without JavaScript get),
and embed.js takes that markup over in Chromium without fetching the first page again."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import site_database
from tests.browser.hosts import article
from tests.security.test_nginx import NGINX, README, require_nginx, wait_for_port, whole_conf
from tests.server import free_port, running_server

pytestmark = pytest.mark.browser

INCLUDE = '<!--# include virtual="/tribune-thread" -->'


def ssi_block(tribune: str, www: Path) -> str:
    blocks = re.findall(r"^```nginx ssi\n(.*?)^```", README.read_text(), re.M | re.S)
    assert len(blocks) == 1, "the README should have one nginx ssi block"
    block = str(blocks[0]).replace("# ...the site's own root or proxy_pass", f"root {www};")
    block, count = re.subn(r"proxy_pass https://comments\.example", f"proxy_pass {tribune}", block)
    assert count == 1
    return block


@pytest.fixture(scope="module")
def host_with_include(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """nginx serving the host site with the README's include; Tribune allowing that site."""
    require_nginx()
    workdir = tmp_path_factory.mktemp("ssi")
    www = workdir / "www"
    (www / "news").mkdir(parents=True)
    listen = free_port()
    origin = f"http://127.0.0.1:{listen}"
    database = site_database("sqlite", workdir, None)
    with running_server(database, workdir, TRIBUNE_ALLOWED_ORIGINS=origin) as tribune:
        (www / "news" / "talks.html").write_text(article(tribune, "Talks resume", inside=INCLUDE))
        conf = workdir / "nginx.conf"
        server = f"server {{\n    listen 127.0.0.1:{listen};\n    default_type text/html;\n"
        conf.write_text(whole_conf(workdir, server + ssi_block(tribune, www) + "}"))
        log = workdir / "error.log"
        process = subprocess.Popen(
            [NGINX, "-p", str(workdir), "-c", str(conf), "-e", str(log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(listen, process, log)
            yield tribune, f"{origin}/news/talks.html"
        finally:
            process.terminate()
            process.wait(10)


def test_the_include_puts_the_discussion_in_the_page_and_embed_js_adopts_it(
    browser: Browser, host_with_include: tuple[str, str]
) -> None:
    tribune, page_url = host_with_include
    opened = httpx.post(f"{tribune}/api/v1/threads", json={"url": page_url, "title": "Talks"})
    assert opened.status_code == 201, opened.text
    for name, body in (
        ("Lee", "The first round went better than expected."),
        ("Ana", "Nobody in the region believes the talks will hold."),
        ("Kai", "Crawlers read this one too."),
    ):
        posted = httpx.post(
            f"{tribune}/api/v1/stories/{opened.json()['id']}/comments",
            json={"name": name, "body": body},
        )
        assert posted.status_code == 201 and posted.json()["status"] == "approved", posted.text
    served = httpx.get(page_url)
    assert served.status_code == 200
    assert "Crawlers read this one too." in served.text  # in the HTML itself
    assert INCLUDE not in served.text
    page = browser.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/embed/thread" in r.url else None)
    page.goto(page_url)
    thread = page.locator("#tribune-thread")
    expect(thread.locator("li.t-comment")).to_have_count(3)
    expect(thread.get_by_role("button", name="Post comment")).to_be_visible()
    assert fetched == []
    page.close()
