"""Parsers and rules on hostile input stay within a time budget (SECURITY.md part 1 T1,
attack pass X19): with every moderation rule on, each long or pathological comment from
the corpus is answered within a second, through Markdown, the sanitizer and every rule."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.factories import make_story
from tests.helpers import post_comment
from tests.security import corpus

pytestmark = pytest.mark.anyio

PATHOLOGICAL = (
    *corpus.LONG,
    "s p a m " * 1_200,
    "sp@m" * 2_400,
    "a" * 9_000 + "!" * 900,
    "aaaa" * 2_400 + "b",
    "http://" + "a." * 4_900,
    "[a](" * 2_400,
    "*a" * 4_900,
    "_" * 9_999,
    "<" * 9_999,
    "> " * 4_999,
    "1. " * 3_300,
    "é" * 10_000,
    ("WWW.EXAMPLE.ORG " * 600)[:9_999],
    ("#tag " * 2_000)[:9_999],
    ("https://example.org/ " * 450)[:9_999],
)
BUDGET = 1.0  # seconds for one post, on a slow shared machine


async def test_hostile_text_is_screened_within_the_budget(
    app: Any, client: httpx.AsyncClient
) -> None:
    story_id = await make_story(app.state.db, title="Budget")
    slow = []
    for text in PATHOLOGICAL:
        started = time.perf_counter()
        answer = await post_comment(client, story_id, text)
        took = time.perf_counter() - started
        assert answer.status_code in (201, 422), answer.text[:200]
        if took > BUDGET:
            slow.append(f"{took:.2f}s for {text[:40]!r}… ({len(text)} characters)")
    assert not slow, "\n".join(slow)
