"""The reader-facing pages, rendered on the server, and the comment form without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import html5lib  # type: ignore[import-untyped]
import httpx
import pytest

from tests.factories import make_story
from tests.helpers import CSRF_FIELD, csrf_in, csrf_of
from tribune.comments.validation import EMPTY_BODY, EMPTY_NAME

pytestmark = pytest.mark.anyio


def parse(html: str) -> Any:
    return html5lib.parse(html, namespaceHTMLElements=False)


def text_of(node: Any) -> str:
    return " ".join("".join(node.itertext()).split())


def find_all(doc: Any, xpath: str) -> list[Any]:
    return list(doc.iterfind(xpath))


async def test_home_lists_stories_with_counts(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    doc = parse(response.text)
    items = find_all(doc, ".//ol[@class='story-list']/li")
    assert len(items) == 1
    assert story["title"] in text_of(items[0])
    assert "5 comments" in text_of(items[0])


async def test_story_page_renders_the_news_page(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    response = await client.get(f"/stories/{story['slug']}")
    assert response.status_code == 200
    doc = parse(response.text)
    article = doc.find(".//article[@class='story']")
    assert [text_of(h) for h in find_all(doc, ".//h1")] == [story["title"]]  # once
    body = article.find(".//div[@class='story-body']")
    paragraphs = [text_of(p) for p in body.findall("p")]
    assert paragraphs[0].startswith("Islamic State militants may flee")
    assert len(paragraphs) == 3
    hashtags = {a.get("href"): text_of(a) for a in body.iterfind(".//a[@class='hashtag']")}
    assert hashtags == {"/tags/putin": "#Putin", "/tags/turkey": "#Turkey", "/tags/syria": "#Syria"}
    quote = body.find("blockquote")
    assert text_of(quote).startswith("They could simply run away.")
    assert text_of(quote).endswith("— Putin")
    source = article.find(".//dl[@class='story-links']//a")
    assert source.get("href") == "https://on.rt.com/a37e"
    # The publisher's material is set apart from the story text.
    publisher = doc.find(".//aside[@class='publisher']")
    assert publisher is not None
    assert "Subscribe to RT!" in text_of(publisher)
    assert "Follow us on Twitter" in text_of(publisher)
    assert "Russia Today" in text_of(publisher)
    assert "Subscribe" not in text_of(article) and "Russia Today" not in text_of(article)
    assert "Please enter" not in text_of(doc.find(".//ol[@class='comments']"))


async def test_story_page_shows_the_five_comments_numbered_as_anonymous(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    doc = parse((await client.get(f"/stories/{story['slug']}")).text)
    comments = find_all(doc, ".//ol[@class='comments']/li")
    assert len(comments) == 5
    for number, comment in enumerate(comments, start=1):
        assert text_of(comment.find(".//span[@class='number']")) == str(number)
        assert text_of(comment.find(".//span[@class='author']")) == "Anonymous"
        assert comment.find(".//time").get("datetime").endswith("Z")
    assert text_of(comments[0].find(".//div[@class='comment-body']")).startswith("Once Putin")
    assert "5 comments" in text_of(doc.find(".//section[@id='comments']/h2"))


async def test_form_has_the_four_fields(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    doc = parse((await client.get(f"/stories/{story['slug']}")).text)
    form = doc.find(".//form[@id='comment-form']")
    assert form.get("method") == "post"
    labels = {label.get("for"): text_of(label) for label in form.iterfind(".//label")}
    assert labels == {
        "f-body": "Comment (required)",
        "f-name": "Name (required)",
        "f-email": "Email (optional)",
        "f-website": "Website (optional)",
        "f-remember": "Remember me on this site",  # issue 12: the reader's choice, off at first
    }
    assert form.find(".//input[@id='f-remember']").get("checked") is None
    assert "Never shown to anyone." in text_of(form)


@pytest.mark.parametrize(
    ("fields", "messages"),
    [
        ({"name": "Ana", "body": ""}, {"body": EMPTY_BODY}),
        ({"name": "", "body": "My view"}, {"name": EMPTY_NAME}),
        ({"name": "", "body": "   "}, {"body": EMPTY_BODY, "name": EMPTY_NAME}),
    ],
)
async def test_empty_fields_show_the_demo_messages_next_to_them_and_keep_the_input(
    client: httpx.AsyncClient,
    story: dict[str, Any],
    fields: dict[str, str],
    messages: dict[str, str],
) -> None:
    typed = {"email": "ana@example.org", "website": "https://ana.example", **fields}
    response = await client.post(
        f"/stories/{story['slug']}/comments",
        data={**typed, "csrf_token": await csrf_of(client, f"/stories/{story['slug']}")},
    )
    assert response.status_code == 422
    doc = parse(response.text)
    for field in ("body", "name", "email", "website"):
        error = doc.find(f".//p[@id='f-{field}-error']")
        if field in messages:
            assert text_of(error) == messages[field]
            control = doc.find(f".//*[@id='f-{field}']")
            assert control.get("aria-invalid") == "true"
            assert f"f-{field}-error" in control.get("aria-describedby")
        else:
            assert error is None
    # Everything the reader typed is still in the form.
    assert doc.find(".//input[@id='f-email']").get("value") == "ana@example.org"
    assert doc.find(".//input[@id='f-website']").get("value") == "https://ana.example"
    assert doc.find(".//input[@id='f-name']").get("value") == fields["name"]
    assert (doc.find(".//textarea[@id='f-body']").text or "") == fields["body"]
    comments = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
    assert comments["total"] == 5


async def test_valid_post_redirects_to_the_new_numbered_comment(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    response = await client.post(
        f"/stories/{story['slug']}/comments",
        data={
            "name": "Ana",
            "body": "Line one\nLine **two**",
            "email": "ana@example.org",
            "website": "",
            "csrf_token": await csrf_of(client, f"/stories/{story['slug']}"),
        },
    )
    assert response.status_code == 303
    location = response.headers["location"]
    match = re.fullmatch(rf"/stories/{story['slug']}#c(\d+)", location)
    assert match
    page = await client.get(location.split("#")[0])
    doc = parse(page.text)
    new = doc.find(f".//li[@id='c{match.group(1)}']")
    assert text_of(new.find(".//span[@class='number']")) == "6"
    assert text_of(new.find(".//span[@class='author']")) == "Ana"
    assert "<strong>two</strong>" in page.text
    assert "ana@example.org" not in page.text  # never shown, not even to its author


async def test_post_without_csrf_token_keeps_the_text_and_asks_again(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    await client.get(f"/stories/{story['slug']}")
    response = await client.post(
        f"/stories/{story['slug']}/comments",
        data={"name": "Ana", "body": "Please keep me"},
    )
    assert response.status_code == 403
    assert "This form had expired" in response.text
    assert "Please keep me" in response.text
    again = await client.post(
        f"/stories/{story['slug']}/comments",
        data={"name": "Ana", "body": "Please keep me", "csrf_token": csrf_in(response.text)},
    )
    assert again.status_code == 303


async def test_cross_site_post_is_refused(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    token = await csrf_of(client, f"/stories/{story['slug']}")
    response = await client.post(
        f"/stories/{story['slug']}/comments",
        data={"name": "Ana", "body": "x", "csrf_token": token},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()["total"] == 5


async def test_form_post_with_bad_encoding_is_400(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    token = await csrf_of(client, f"/stories/{story['slug']}")
    for content in (f"name=A&body=%ff&csrf_token={token}".encode(), b"name=A&body=\xff"):
        response = await client.post(
            f"/stories/{story['slug']}/comments",
            content=content,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 400
        assert "text/html" in response.headers["content-type"]


async def test_comments_beyond_the_first_page_are_reached_by_link(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    for i in range(50):
        await client.post(
            f"/api/v1/stories/{story['id']}/comments", json={"name": "R", "body": f"n{i}"}
        )
    doc = parse((await client.get(f"/stories/{story['slug']}")).text)
    assert len(find_all(doc, ".//ol[@class='comments']/li")) == 50
    more = [a for a in doc.iterfind(".//p[@class='more']/a") if text_of(a) == "Show more comments"]
    assert len(more) == 1
    second = parse((await client.get(more[0].get("href").split("#")[0])).text)
    numbers = [text_of(n) for n in second.iterfind(".//span[@class='number']")]
    assert numbers == ["51", "52", "53", "54", "55"]
    # A permalink to comment 53 leads to that second page.
    last = (
        await client.get(
            f"/api/v1/stories/{story['id']}/comments", params={"sort": "newest", "limit": 3}
        )
    ).json()
    target = last["comments"][2]
    assert target["number"] == 53
    redirect = await client.get(f"/comments/{target['id']}")
    assert redirect.status_code == 302
    assert redirect.headers["location"].endswith(f"#c{target['id']}")
    assert "?after=" in redirect.headers["location"]


async def test_tag_page_lists_tagged_stories_ignoring_case(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    await make_story(app.state.db, title="Unrelated", body="No tags here.")
    for path in ("/tags/putin", "/tags/PUTIN"):
        response = await client.get(path)
        assert response.status_code == 200
        doc = parse(response.text)
        assert "#Putin" in text_of(doc.find(".//h1"))
        titles = [text_of(a) for a in doc.iterfind(".//ol[@class='story-list']//h2/a")]
        assert titles == [story["title"]]


async def test_unknown_pages_are_404_pages(client: httpx.AsyncClient) -> None:
    for path in (
        "/stories/nope",
        "/tags/nope",
        "/comments/999",
        "/static/abc/tribune.css",
        "/stories/%00",  # PostgreSQL refuses NUL in text: found by the property tests
        "/tags/a%00b",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["content-type"]


async def test_every_html_page_carries_a_strict_csp(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    for path in ("/", f"/stories/{story['slug']}", "/tags/putin", "/stories/missing"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        scripts = re.findall(r"<script[^>]*>", response.text)
        # The app's own script, and a story's JSON-LD: a data block, which no browser runs.
        assert all(
            re.fullmatch(r'<script src="/static/[0-9a-f]+/tribune\.js" defer>', s)
            or s == '<script type="application/ld+json">'
            for s in scripts
        )
        assert " style=" not in response.text
        assert not re.search(r"\son[a-z]+=", response.text)


async def test_static_files_are_immutable(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    page = await client.get("/")
    href = re.search(r'href="(/static/[0-9a-f]+/tribune\.css)"', page.text)
    assert href
    css = await client.get(href.group(1))
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "immutable" in css.headers["cache-control"]


async def test_get_on_the_form_address_leads_back_to_the_story(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    response = await client.get(f"/stories/{story['slug']}/comments")
    assert response.status_code == 303
    assert response.headers["location"] == f"/stories/{story['slug']}#comments"


async def test_pages_are_compressed_for_clients_that_accept_it(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    response = await client.get(f"/stories/{story['slug']}", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "Please enter your name here" not in response.text  # no error shown on a fresh page
    plain = await client.get(f"/stories/{story['slug']}", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == response.text


async def test_the_shared_page_is_never_stale_and_carries_no_readers_token(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    first = await client.get(f"/stories/{story['slug']}")
    assert app.state.page_cache._entries  # the anonymous page was kept
    await client.post(
        f"/api/v1/stories/{story['id']}/comments", json={"name": "Late", "body": "Just in"}
    )
    second = await client.get(f"/stories/{story['slug']}")
    assert "Just in" not in first.text and "Just in" in second.text
    assert "6 comments" in second.text
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        theirs = await other.get(f"/stories/{story['slug']}")
    assert theirs.content == second.content  # one page for both: no token, no cookie
    assert not CSRF_FIELD.findall(theirs.text) and "set-cookie" not in theirs.headers
    assert "\x00" not in theirs.text
