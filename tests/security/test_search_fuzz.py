"""No query makes search fail: any text (with query syntax of both databases' full-text
search mixed in), any type and any cursor get results, none, or a 422; never a server error.
The snippets of whatever is found hold no markup but <mark>."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_comment, make_story
from tests.security.fuzzing import CURSOR_NUMBERS, budget, forged_cursor

pytestmark = pytest.mark.anyio

# Bits of FTS5 and tsquery syntax, and of HTML, for the generated text to be made of.
SYNTAX = st.sampled_from(
    [
        '"',
        "*",
        "-",
        "+",
        "^",
        ":",
        "(",
        ")",
        "{",
        "}",
        "NEAR",
        "NEAR(",
        "AND",
        "OR",
        "NOT",
        "&",
        "|",
        "!",
        "<->",
        "<2>",
        "'",
        "\\",
        "\x00",
        "\ue000",
        "\ue001",
        "<b>",
        "</mark>",
        "<script>",
        "rain",
        "rains",
        "storm",
        " ",
    ]
)
QUERIES = st.one_of(
    st.text(max_size=600),
    st.lists(SYNTAX, max_size=40).map("".join),
    st.lists(st.one_of(SYNTAX, st.text(max_size=5)), max_size=20).map(" ".join),
)
KINDS = st.one_of(st.none(), st.sampled_from(["both", "stories", "comments"]), st.text(max_size=9))
CURSORS = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.lists(CURSOR_NUMBERS, min_size=1, max_size=2).map(forged_cursor),
)
TAG = re.compile(r"<[^>]*>")


@pytest.fixture
async def rainy(app: Any) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Rain <b>storm</b>", body="Rains & storms & *rain*.")
    await make_comment(db, story_id, "<script>rain</script> \ue000storm\ue001 \ue001 NEAR(rain)")


@budget(60)
@given(q=QUERIES, kind=KINDS, cursor=CURSORS)
async def test_no_query_fails(
    client: httpx.AsyncClient, rainy: None, q: str, kind: str | None, cursor: str | None
) -> None:
    params = {"q": q} | ({"type": kind} if kind is not None else {})
    params |= {"cursor": cursor} if cursor is not None else {}
    api = await client.get("/api/v1/search", params=params)
    assert api.status_code in (200, 422), f"{api.status_code} for {params!r}: {api.text[:300]}"
    if api.status_code == 200:
        for result in api.json()["results"]:
            assert set(TAG.findall(result["snippet_html"])) <= {"<mark>", "</mark>"}
    page = await client.get("/search", params=params)
    assert page.status_code == api.status_code, f"{page.status_code} for {params!r}"
