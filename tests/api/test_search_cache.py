"""Remembered search pages (TRIBUNE_SEARCH_CACHE_SECONDS, on by default), on both databases:
a page asked again is not ranked again, and never shows what has been hidden since; what is
new is found once the page is forgotten."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.api.test_search import comment_ids, found, set_comment_status, set_story_status, titles
from tests.factories import make_comment, make_story
from tests.helpers import client_at
from tribune.app import create_app
from tribune.settings import Settings
from tribune.storage import search as store
from tribune.vocabulary import CommentStatus, StoryStatus

pytestmark = pytest.mark.anyio


@pytest.fixture
async def cached(settings: Settings) -> Any:
    """The app as a user gets it: search pages remembered (here for 1 second)."""
    app = create_app(settings.model_copy(update={"search_cache_seconds": 1}))
    async with client_at(app) as http:
        yield app, http
    await app.state.db.dispose()


async def test_a_remembered_page_is_not_ranked_again_and_hides_at_once(
    cached: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = cached
    db = app.state.db
    story_id = await make_story(db, title="Lighthouse keepers", body="The lamp is lit.")
    comment = await make_comment(db, story_id, "My grandfather kept the lighthouse lamp.")
    ranked = 0
    page = store.page

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal ranked
        ranked += 1
        return await page(*args, **kwargs)

    monkeypatch.setattr(store, "page", counting)
    first = await found(client, "lighthouse")
    assert titles(first) == ["Lighthouse keepers"] and comment_ids(first) == [comment["id"]]
    assert await found(client, "lighthouse") == first
    assert ranked == 1  # the second was remembered
    # A comment rejected and a story unpublished since are gone from the remembered page.
    await set_comment_status(app, comment["id"], CommentStatus.rejected)
    assert comment_ids(await found(client, "lighthouse")) == []
    await set_story_status(app, story_id, StoryStatus.unpublished)
    assert await found(client, "lighthouse") == []
    assert ranked == 1
    # What is new is found once the page is forgotten.
    await set_story_status(app, story_id, StoryStatus.published)
    await set_comment_status(app, comment["id"], CommentStatus.approved)
    await asyncio.sleep(1.1)
    again = await found(client, "lighthouse")
    assert comment_ids(again) == [comment["id"]] and ranked == 2


async def test_without_remembering_every_search_ranks(
    client: httpx.AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_story(app.state.db, title="Lighthouse keepers", body="The lamp is lit.")
    ranked = 0
    page = store.page

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal ranked
        ranked += 1
        return await page(*args, **kwargs)

    monkeypatch.setattr(store, "page", counting)
    for _ in range(3):
        assert titles(await found(client, "lighthouse")) == ["Lighthouse keepers"]
    assert ranked == 3
