"""The README's nginx block with its proxy cache, run as written in front of two `tribune serve`
instances on one database (issue 16): the story page every reader without state of their
own shares is kept by nginx and served from it; a reader with state of their own is never
served from the cache nor stored in it, so no reader gets another's page, token or comment;
and a new comment shows through the cache within the page's s-maxage (2 seconds) and one
revalidation."""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import CSRF_FIELD
from tests.security.test_nginx import (
    NGINX,
    certificate,
    nginx_conf,
    readme_block,
    require_nginx,
    running_nginx,
)
from tests.server import free_port, running_server

SLUG = "turkeys-syria-op-could-see-isis-terrorists-scattering-putin"
PAGE = f"/stories/{SLUG}"
SITE_A, SITE_B = "https://a.example", "https://b.example"


@dataclass
class Proxied:
    base: str
    tls: ssl.SSLContext
    upstreams: list[str]

    def client(self) -> httpx.Client:
        transport = httpx.HTTPTransport(verify=self.tls)
        return httpx.Client(base_url=self.base, transport=transport, timeout=10)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    require_nginx()
    workdir = tmp_path_factory.mktemp("proxy-cache")
    cert, key, tls = certificate(workdir)
    ports, listen = [free_port(), free_port()], free_port()
    base = f"https://127.0.0.1:{listen}"
    database_url = f"sqlite:///{workdir / 'site.db'}"
    settings = {
        "TRIBUNE_TRUSTED_PROXIES": "127.0.0.1",
        "TRIBUNE_BASE_URL": base,
        "TRIBUNE_ALLOWED_ORIGINS": f"{SITE_A},{SITE_B}",
    }
    conf = nginx_conf(workdir, ports, listen, cert, key)
    # Two instances on one database; the second starts once the first has the demo story.
    with (
        running_server(database_url, workdir, port=ports[0], env=settings) as first,
        running_server(database_url, workdir, port=ports[1], env=settings) as second,
        running_nginx(workdir, conf, listen),
    ):
        yield Proxied(base, tls, [first, second])


def cache_status(answer: httpx.Response) -> str:
    return str(answer.headers.get("x-cache", ""))


def test_readers_without_state_of_their_own_are_served_from_the_cache(proxied: Proxied) -> None:
    with proxied.client() as reader:
        statuses = [cache_status(reader.get(PAGE)) for _ in range(4)]
        page = reader.get(PAGE)
    assert "HIT" in statuses, statuses
    assert page.status_code == 200 and "set-cookie" not in page.headers
    assert not CSRF_FIELD.search(page.text)
    # Both instances render the same bytes, so one ETag revalidates on either.
    tags = {httpx.get(base + PAGE).headers["etag"] for base in proxied.upstreams}
    assert len(tags) == 1
    (tag,) = tags
    for base in proxied.upstreams:
        assert httpx.get(base + PAGE, headers={"if-none-match": tag}).status_code == 304


def test_no_reader_gets_another_readers_page_or_comment(proxied: Proxied) -> None:
    same_origin = {"sec-fetch-site": "same-origin", "origin": proxied.base}
    with proxied.client() as ana, proxied.client() as ben:
        ana.get(PAGE)
        posted = ana.post(
            f"{PAGE}/comments",
            data={"name": "Ana Proxy", "body": "Written behind the proxy, mine alone to edit"},
            headers=same_origin,
        )
        assert posted.status_code == 303, posted.text
        hers = ana.get(PAGE)
        assert cache_status(hers) == "BYPASS"
        assert hers.headers["cache-control"] == "private, no-cache"
        assert not CSRF_FIELD.search(hers.text)  # checked by Fetch Metadata, as the shared one
        edit = re.search(r'href="(/comments/\d+/edit)"', hers.text)
        assert edit is not None
        for _ in range(3):
            his = ben.get(PAGE)
            assert edit.group(1) not in his.text
            assert his.headers["etag"] != hers.headers["etag"]
            assert "set-cookie" not in his.headers
        # What Ana was given was never stored: a reader without cookies does not get it.
        with proxied.client() as carol:
            theirs = carol.get(PAGE)
            assert edit.group(1) not in theirs.text
            assert theirs.headers["etag"] != hers.headers["etag"]


def test_a_new_comment_shows_through_the_cache_within_seconds(proxied: Proxied) -> None:
    with proxied.client() as reader, proxied.client() as writer:
        assert cache_status(reader.get(PAGE)) in (
            "MISS",
            "HIT",
            "EXPIRED",
            "UPDATING",
            "REVALIDATED",
        )
        reader.get(PAGE)
        story = writer.get("/api/v1/stories").json()["stories"][0]["id"]
        text = f"Fresh through the cache {time.monotonic_ns()}"
        posted = writer.post(
            f"/api/v1/stories/{story}/comments",
            json={"name": "Writer", "body": text},
            headers={"origin": proxied.base},
        )
        assert posted.status_code == 201, posted.text
        began = time.monotonic()
        while text not in reader.get(PAGE).text:
            assert time.monotonic() - began < 6, "the new comment did not show through the cache"
            time.sleep(0.1)
        shown_after = time.monotonic() - began
    assert shown_after < 4.5, shown_after  # s-maxage 2 s, then one stale answer while updating


def test_the_readme_block_keeps_the_cache(proxied: Proxied) -> None:
    block = readme_block()
    for needed in ("proxy_cache tribune;", "proxy_cache_bypass $tribune_own;", "proxy_no_cache"):
        assert needed in block
    assert Path(NGINX).exists()


def test_an_embed_answer_kept_for_one_site_is_never_given_to_another(proxied: Proxied) -> None:
    """The embed's thread fragment is public and kept; each site's page gets its own Origin
    named back (the cache key holds the Origin), never the other's."""
    path = "/embed/thread?url=https%3A%2F%2Fa.example%2Farticle"
    with proxied.client() as browser:
        for _ in range(3):
            for site in (SITE_A, SITE_B):
                answer = browser.get(path, headers={"origin": site})
                assert answer.status_code in (200, 403), answer.text
                assert answer.headers.get("access-control-allow-origin") == site
        statuses = {cache_status(browser.get(path, headers={"origin": SITE_A})) for _ in range(2)}
    assert "HIT" in statuses, statuses
