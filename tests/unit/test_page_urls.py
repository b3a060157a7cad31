"""Page addresses and site origins as embedded threads key on them (tribune/urls.py)."""

from __future__ import annotations

import pytest

from tribune.urls import allowed_origins, origin, page_url

SAME_PAGE = [
    "https://news.example/world/story",
    "HTTPS://News.Example/world/story",
    "https://news.example:443/world/story",
    "https://news.example/world/story/",
    "https://news.example/world/story#comments",
    "https://news.example/world/story?utm_source=feed&utm_medium=rss",
    "https://news.example/world/story?fbclid=abc&gclid=def",
    "  https://news.example./world/story  ",
]


@pytest.mark.parametrize("spelling", SAME_PAGE)
def test_one_page_has_one_address_however_it_is_spelled(spelling: str) -> None:
    assert page_url(spelling) == "https://news.example/world/story"


def test_what_tells_pages_apart_is_kept() -> None:
    assert page_url("https://news.example/story?id=3&utm_campaign=x") == (
        "https://news.example/story?id=3"
    )
    assert page_url("http://news.example/story") == "http://news.example/story"
    assert page_url("https://news.example:8443/a") == "https://news.example:8443/a"
    assert page_url("https://news.example/Story") == "https://news.example/Story"
    assert page_url("https://news.example") == "https://news.example/"


def test_addresses_are_ascii_with_one_spelling_of_each_escape() -> None:
    assert page_url("https://bücher.example/é?q=ü") == (
        "https://xn--bcher-kva.example/%C3%A9?q=%C3%BC"
    )
    assert page_url("https://news.example/a%2fb") == page_url("https://news.example/a%2Fb")


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://news.example/file",
        "https://user:secret@news.example/",
        "https:///nohost",
        "https://news.example/\x00",
        "https://news.example/a\nb",
        "https://exa mple.com/",
        "https://news.example:99999/",
        "/relative/path",
        "",
        "https://news.example/" + "a" * 2000,
    ],
)
def test_anything_but_a_page_address_is_none(address: str) -> None:
    assert page_url(address) is None


def test_origins_are_as_browsers_send_them() -> None:
    assert origin("HTTPS://News.Example:443/path?q#f") == "https://news.example"
    assert origin("http://127.0.0.1:9001/a") == "http://127.0.0.1:9001"
    assert origin("javascript:alert(1)") is None


def test_the_allowed_origins_setting() -> None:
    assert allowed_origins("https://a.example, b.example:8080\nhttp://127.0.0.1:9") == {
        "https://a.example",
        "https://b.example:8080",
        "http://127.0.0.1:9",
    }
    assert allowed_origins("") == frozenset()
    for bad in ("*", "https://a.example/path", "javascript:x", "https://u@a.example"):
        with pytest.raises(ValueError, match="is not a site's origin"):
            allowed_origins(bad)
