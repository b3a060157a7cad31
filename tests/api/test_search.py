"""Search through the API and the page, on both databases: ranking and word forms, what
is never found (drafts, scheduled and unpublished stories; pending, rejected and deleted
comments) and moderation taking effect at once, snippets escaped with only <mark> as
markup, any query text at all, pages of results, the type filter and the refusals."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.api.test_moderation import moderate
from tests.factories import make_comment, make_story
from tests.helpers import posted
from tribune import cursor
from tribune.storage.tables import comments, stories
from tribune.stories.search import MAX_RESULTS
from tribune.vocabulary import CommentStatus, StoryStatus

pytestmark = pytest.mark.anyio

# What no test may ever get: a 5xx, whatever it typed.
WEIRD_QUERIES = [
    '"',
    '"unbalanced quote',
    'close" only',
    '""',
    "*",
    "elect*",
    "NEAR(",
    "NEAR(a b, 2)",
    "a AND",
    "AND",
    "OR",
    "OR OR OR",
    "NOT",
    "a NOT b",
    "-",
    "--",
    "-only",
    "a -",
    "(",
    ")",
    "((a)",
    "^a",
    "a:b",
    "title:a",
    "{a b}",
    "a + b",
    "a & b | !c",
    "a <-> b",
    "'",
    "\\",
    '\\"',
    "%",
    "_",
    "\x00",
    "a\x00b",
    "\x1b[31mred",
    "tab\there\nnewline",
    "\u202eevil",
    "\ue000marker\ue001",
    "😀",
    "🏳️‍🌈 flag",
    "…!?.,;",
    "日本語",
    "x" * 600,
    "word " * 200,
    '"' * 501,
    "-" * 501,
]


async def search(client: httpx.AsyncClient, q: str, **params: Any) -> httpx.Response:
    return await client.get("/api/v1/search", params={"q": q, **params})


async def found(client: httpx.AsyncClient, q: str, **params: Any) -> list[dict[str, Any]]:
    answer = await search(client, q, **params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["results"])


def titles(results: list[dict[str, Any]]) -> list[str]:
    return [r["story"]["title"] for r in results if r["type"] == "story"]


def comment_ids(results: list[dict[str, Any]]) -> list[int]:
    return [r["comment"]["id"] for r in results if r["type"] == "comment"]


async def set_story_status(app: Any, story_id: int, status: StoryStatus) -> None:
    """What the editor will do (publish, schedule, unpublish), until it exists."""
    async with app.state.db.transaction() as conn:
        await conn.execute(sa.update(stories).where(stories.c.id == story_id).values(status=status))


async def set_comment_status(app: Any, comment_id: int, status: CommentStatus) -> None:
    async with app.state.db.transaction() as conn:
        await conn.execute(
            sa.update(comments).where(comments.c.id == comment_id).values(status=status)
        )


# Ranking and word forms ------------------------------------------------------------------------


async def test_a_title_match_outranks_a_body_only_match(
    client: httpx.AsyncClient, app: Any
) -> None:
    db = app.state.db
    await make_story(db, title="Budget talks", body="The referendum is next week.")
    await make_story(db, title="Referendum called", body="Voters go to the polls.")
    await make_story(db, title="Weather", body="Sun, then rain.")
    assert titles(await found(client, "referendum")) == ["Referendum called", "Budget talks"]
    assert titles(await found(client, "referendum", type="stories")) == [
        "Referendum called",
        "Budget talks",
    ]


async def test_a_lead_match_outranks_a_body_only_match(client: httpx.AsyncClient, app: Any) -> None:
    db = app.state.db
    await make_story(db, title="One", body="A word on the harbour today.")
    await make_story(db, title="Two", lead="The harbour reopens.", body="Ships came in.")
    assert titles(await found(client, "harbour")) == ["Two", "One"]


async def test_other_forms_of_a_word_match(client: httpx.AsyncClient, app: Any) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Vote count", body="The election was close.")
    comment = await make_comment(db, story_id, "Everyone I know voted in it.")
    assert titles(await found(client, "elections")) == ["Vote count"]
    assert titles(await found(client, "Election")) == ["Vote count"]
    assert comment_ids(await found(client, "voting")) == [comment["id"]]


async def test_every_word_must_match_phrases_or_and_exclusions(
    client: httpx.AsyncClient, app: Any
) -> None:
    db = app.state.db
    await make_story(db, title="Red", body="The river bank flooded.")
    await make_story(db, title="Blue", body="The bank by the river closed.")
    await make_story(db, title="Green", body="The river rose.")
    assert sorted(titles(await found(client, "river bank"))) == ["Blue", "Red"]
    assert titles(await found(client, '"river bank"')) == ["Red"]
    assert titles(await found(client, "river -bank")) == ["Green"]
    assert sorted(titles(await found(client, "flooded OR closed"))) == ["Blue", "Red"]
    assert await found(client, "-river") == []  # only exclusions: nothing asked for
    assert sorted(titles(await found(client, 'river -"river bank"'))) == ["Blue", "Green"]


async def test_the_commonest_words_are_left_out_on_both_databases(
    client: httpx.AsyncClient, app: Any
) -> None:
    db = app.state.db
    await make_story(db, title="The tide", body="The tide is high.")
    await make_story(db, title="Other", body="Nothing of the sort.")
    assert await found(client, "the") == []
    assert await found(client, "The IS of") == []
    assert titles(await found(client, "the tide")) == ["The tide"]
    assert titles(await found(client, '"the tide is high"')) == ["The tide"]


# What is never found ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [StoryStatus.draft, StoryStatus.scheduled, StoryStatus.unpublished]
)
async def test_stories_not_published_and_their_comments_are_never_found(
    client: httpx.AsyncClient, app: Any, status: StoryStatus
) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Secret zeppelin plans", body="A zeppelin.")
    await make_comment(db, story_id, "What a zeppelin!")
    assert len(await found(client, "zeppelin")) == 2
    await set_story_status(app, story_id, status)
    for kind in ("both", "stories", "comments"):
        assert await found(client, "zeppelin", type=kind) == []
    page = await client.get("/search", params={"q": "zeppelin"})
    assert page.status_code == 200 and "Secret zeppelin" not in page.text
    assert "No results for" in page.text
    await set_story_status(app, story_id, StoryStatus.published)
    assert len(await found(client, "zeppelin")) == 2


@pytest.mark.parametrize(
    "status", [CommentStatus.pending, CommentStatus.rejected, CommentStatus.deleted]
)
async def test_comments_not_approved_are_never_found(
    client: httpx.AsyncClient, app: Any, status: CommentStatus
) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Harvest", body="Crops are in.")
    comment = await make_comment(db, story_id, "The marmalade was superb.")
    assert comment_ids(await found(client, "marmalade")) == [comment["id"]]
    await set_comment_status(app, comment["id"], status)
    assert await found(client, "marmalade") == []
    assert await found(client, "marmalade", type="comments") == []
    page = await client.get("/search", params={"q": "marmalade", "type": "comments"})
    assert "superb" not in page.text


async def test_a_moderation_decision_counts_from_its_commit(
    client: httpx.AsyncClient, moderator: httpx.AsyncClient, app: Any
) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Parade", body="Floats and bands.")
    comment = await make_comment(db, story_id, "The trombones were glorious.")
    await set_comment_status(app, comment["id"], CommentStatus.pending)  # held by a rule
    assert await found(client, "trombones") == []
    assert (await moderate(moderator, [comment["id"]], "approve")).status_code == 200
    assert comment_ids(await found(client, "trombones")) == [comment["id"]]
    assert (await moderate(moderator, [comment["id"]], "reject")).status_code == 200
    assert await found(client, "trombones") == []


async def test_an_authors_edit_and_delete_change_what_is_found(
    client: httpx.AsyncClient, app: Any
) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Market", body="Stalls.")
    comment = await posted(client, story_id, "Lovely apricots today.")
    auth = {"Authorization": f"Bearer {comment['edit_token']}"}
    edited = await client.patch(
        f"/api/v1/comments/{comment['id']}", json={"body": "Lovely quinces today."}, headers=auth
    )
    assert edited.status_code == 200, edited.text
    assert await found(client, "apricots") == []
    assert comment_ids(await found(client, "quinces")) == [comment["id"]]
    deleted = await client.delete(f"/api/v1/comments/{comment['id']}", headers=auth)
    assert deleted.status_code == 204
    assert await found(client, "quinces") == []


async def test_a_story_edit_and_delete_change_what_is_found(
    client: httpx.AsyncClient, app: Any
) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Bridge opens", body="A suspension bridge.")
    await make_comment(db, story_id, "Finally a suspension bridge here.")
    async with db.transaction() as conn:
        await conn.execute(
            sa.update(stories).where(stories.c.id == story_id).values(body_md="A cable bridge.")
        )
    assert titles(await found(client, "cable")) == ["Bridge opens"]
    assert titles(await found(client, "suspension")) == []  # the comment still says it
    assert len(await found(client, "suspension", type="comments")) == 1
    async with db.transaction() as conn:
        await conn.execute(sa.delete(stories).where(stories.c.id == story_id))
    assert await found(client, "bridge") == []


# Snippets --------------------------------------------------------------------------------------


async def test_snippets_are_escaped_with_only_marks_as_markup(
    client: httpx.AsyncClient, app: Any
) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Zoo", body="Animals.")
    body = (
        "<script>alert('penguin')</script> the penguin <img src=x onerror=alert(1)> "
        "&amp; <b>penguin</b> \ue001 stray \ue000 markers \ue000"
    )
    await make_comment(db, story_id, body)
    [result] = await found(client, "penguin")
    snippet = result["snippet_html"]
    assert re.findall(r"<[^>]*>", snippet) and set(re.findall(r"<[^>]*>", snippet)) <= {
        "<mark>",
        "</mark>",
    }
    assert snippet.count("<mark>") == snippet.count("</mark>") >= 3
    # The text's own markup shows as text (PostgreSQL's snippet may start after <script>).
    assert "&lt;img src=x onerror=alert(1)&gt;" in snippet and "&amp;amp;" in snippet
    page = await client.get("/search", params={"q": "penguin"})
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


async def test_snippets_show_text_without_markdown(client: httpx.AsyncClient, app: Any) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Notes", body="Plain.")
    await make_comment(
        db, story_id, "> quoted line\n\nSee **the walrus** [here](https://example.org/w) now"
    )
    [result] = await found(client, "walrus")
    snippet = result["snippet_html"]
    assert "**" not in snippet and "example.org" not in snippet and "&gt;" not in snippet
    assert "<mark>walrus</mark>" in snippet and "here" in snippet


async def test_a_story_snippet_shows_its_matches(client: httpx.AsyncClient, app: Any) -> None:
    db = app.state.db
    await make_story(
        db,
        title="Town news",
        lead="What happened in town.",
        body="Many words first. " * 20 + "Then the lighthouse keeper retired.",
    )
    [result] = await found(client, "lighthouse")
    assert "<mark>lighthouse</mark> keeper" in result["snippet_html"]


# Any query text --------------------------------------------------------------------------------


@pytest.mark.parametrize("q", WEIRD_QUERIES, ids=range(len(WEIRD_QUERIES)))
async def test_any_query_text_answers_200(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any], q: str
) -> None:
    api = await search(client, q)
    assert api.status_code == 200, api.text
    assert isinstance(api.json()["results"], list)
    for kind in ("stories", "comments"):
        assert (await search(client, q, type=kind)).status_code == 200
    page = await client.get("/search", params={"q": q})
    assert page.status_code == 200, page.text
    assert "\x00" not in page.text


async def test_query_syntax_is_taken_as_words(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    db = app.state.db
    await make_story(db, title="Near and far", body="The NEAR side AND the other side.")
    assert titles(await found(client, "NEAR(")) == ["Near and far"]
    assert titles(await found(client, "near AND")) == ["Near and far"]
    assert titles(await found(client, '"far')) == ["Near and far"]
    assert titles(await found(client, "side*")) == ["Near and far"]
    assert titles(await found(client, "x" * 400 + " near")) == []  # every word must match


# Pages, the filter, refusals -------------------------------------------------------------------


async def test_results_come_in_pages_with_next_cursor(client: httpx.AsyncClient, app: Any) -> None:
    db = app.state.db
    for n in range(25):
        await make_story(db, title=f"Lantern {n}", body="A lantern festival.")
    first = (await search(client, "lantern")).json()
    assert len(first["results"]) == 20 and first["next_cursor"]
    second = (await search(client, "lantern", cursor=first["next_cursor"])).json()
    assert len(second["results"]) == 5 and second["next_cursor"] is None
    seen = titles(first["results"]) + titles(second["results"])
    assert sorted(seen) == sorted(f"Lantern {n}" for n in range(25))
    small = (await search(client, "lantern", limit=10)).json()
    assert titles(small["results"]) == seen[:10]
    page = await client.get("/search", params={"q": "lantern"})
    assert page.text.count('class="snippet"') == 20
    more = re.search(r'<p class="more"><a href="([^"]+)">More results</a>', page.text)
    assert more, "no link to the next page"
    following = await client.get(more[1].replace("&amp;", "&"))
    assert following.text.count('class="snippet"') == 5
    assert "More results" not in following.text


async def test_pages_end_at_the_depth_limit(client: httpx.AsyncClient, app: Any) -> None:
    await make_story(app.state.db, title="Deep", body="Deep.")
    last = cursor.encode([MAX_RESULTS - 1])
    answer = await search(client, "deep", cursor=last)
    assert answer.status_code == 200 and answer.json()["next_cursor"] is None
    assert (await search(client, "deep", cursor=cursor.encode([MAX_RESULTS]))).status_code == 422


async def test_type_filters_stories_or_comments(client: httpx.AsyncClient, app: Any) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Volcano erupts", body="Ash everywhere.")
    comment = await make_comment(db, story_id, "I saw the volcano from my window.")
    both = await found(client, "volcano")
    assert sorted(r["type"] for r in both) == ["comment", "story"]
    assert await found(client, "volcano", type="both") == both
    assert [r["type"] for r in await found(client, "volcano", type="stories")] == ["story"]
    only = await found(client, "volcano", type="comments")
    assert comment_ids(only) == [comment["id"]] and len(only) == 1


async def test_results_name_the_story_and_the_comment(client: httpx.AsyncClient, app: Any) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Glacier melts", body="Ice.")
    comment = await make_comment(db, story_id, "The glacier was huge once.", name="Ana")
    results = await found(client, "glacier")
    story_hit = next(r for r in results if r["type"] == "story")
    comment_hit = next(r for r in results if r["type"] == "comment")
    assert set(story_hit) == {"type", "story", "snippet_html"}
    assert story_hit["story"]["id"] == story_id
    assert story_hit["story"]["url"] == f"http://testserver/stories/{story_hit['story']['slug']}"
    assert story_hit["story"]["published_at"].endswith("Z")
    assert comment_hit["story"] == story_hit["story"]
    assert comment_hit["comment"] == {
        "id": comment["id"],
        "number": comment["number"],
        "name": "Ana",
        "url": f"http://testserver/comments/{comment['id']}",
    }
    went = await client.get(f"/comments/{comment['id']}")
    assert went.status_code == 302
    assert went.headers["location"].startswith(f"/stories/{story_hit['story']['slug']}")


async def test_an_empty_query_finds_nothing(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    assert (await search(client, "")).json() == {"results": [], "next_cursor": None}
    assert (await client.get("/api/v1/search")).json()["results"] == []
    page = await client.get("/search")
    assert page.status_code == 200 and "No results" not in page.text


async def test_bad_type_cursor_and_limit_are_422_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    for params, field in [
        ({"type": "videos"}, "type"),
        ({"type": "STORIES"}, "type"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": cursor.encode(["2026-01-01T00:00:00Z", 5])}, "cursor"),
        ({"cursor": cursor.encode([-20])}, "cursor"),
        ({"cursor": cursor.encode([True])}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
    ]:
        answer = await search(client, "anything", **params)
        assert answer.status_code == 422, params
        assert answer.headers["content-type"] == "application/problem+json"
        assert field in answer.json()["errors"], params
    page = await client.get("/search", params={"q": "anything", "type": "videos"})
    assert page.status_code == 422 and "Type must be" in page.text


async def test_the_api_is_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/openapi.json")).json()
    operation = document["paths"]["/api/v1/search"]["get"]
    assert operation["operationId"] == "search"
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"q", "type", "cursor", "limit"}
    kind = next(p for p in operation["parameters"] if p["name"] == "type")
    assert kind["schema"]["enum"] == ["both", "stories", "comments"]
    assert {"200", "422", "503"} <= set(operation["responses"])
    result = document["components"]["schemas"]["SearchResultOut"]
    assert {"type", "story", "comment", "snippet_html"} <= set(result["properties"])
