"""The moderation queue's tabs and its filter by rule, read as data on both databases."""

from __future__ import annotations

import pytest

from tests.factories import make_comment, make_story
from tribune.live.broker import MemoryBroker
from tribune.moderation import queue, reports
from tribune.readers import Reader
from tribune.storage.engine import Database
from tribune.vocabulary import QueueTab

pytestmark = pytest.mark.anyio

LINKS = "See https://a.example https://b.example and https://c.example for more"
SHOUT = "THIS IS ALL IN CAPITAL LETTERS AND VERY LOUD INDEED"


async def ids_in(db: Database, tab: QueueTab, rule: str | None = None) -> list[int]:
    items, _, _ = await queue.queue(db, tab, rule=rule)
    return [item["id"] for item in items]


async def test_the_rule_filter_finds_exactly_the_comments_that_rule_held(db: Database) -> None:
    story_id = await make_story(db)
    fine = await make_comment(db, story_id, "An ordinary remark about the story")
    linked = await make_comment(db, story_id, LINKS)
    loud = await make_comment(db, story_id, SHOUT)
    # Loud enough to stay mostly capitals with three lower-case links in it.
    both = await make_comment(db, story_id, f"{SHOUT} {SHOUT} {SHOUT} {LINKS}")
    assert [linked["status"], loud["status"], both["status"]] == ["pending"] * 3
    # The pending tab is oldest first: a queue is worked in order.
    assert await ids_in(db, QueueTab.pending, "links") == [linked["id"], both["id"]]
    assert await ids_in(db, QueueTab.pending, "shouting") == [loud["id"], both["id"]]
    assert await ids_in(db, QueueTab.all, "duplicate") == []
    assert await ids_in(db, QueueTab.approved) == [fine["id"]]
    assert set(await ids_in(db, QueueTab.pending)) == {linked["id"], loud["id"], both["id"]}


async def test_comments_hidden_by_reports_are_found_by_the_reports_rule(db: Database) -> None:
    story_id = await make_story(db)
    target = await make_comment(db, story_id, "Something some readers dislike")
    events = MemoryBroker()
    for n in range(3):
        reader = Reader(client_hash=f"{n:032x}", voter_id=f"voter-{n}")
        await reports.report(db, target["id"], {"reason": "abuse"}, reader=reader, events=events)
    assert await ids_in(db, QueueTab.reported, "reports") == [target["id"]]
    assert await ids_in(db, QueueTab.pending, "reports") == [target["id"]]
    assert await ids_in(db, QueueTab.pending, "links") == []
    _, _, counts = await queue.queue(db, QueueTab.pending)
    assert counts == {QueueTab.pending: 1, QueueTab.reported: 1}


async def test_a_held_comment_whose_text_names_a_rule_is_not_taken_for_it(db: Database) -> None:
    # The filter reads the stored verdicts as data, not the row as text.
    story_id = await make_story(db)
    named = await make_comment(db, story_id, 'My text says "rule": "links" ' + SHOUT)
    assert await ids_in(db, QueueTab.pending, "shouting") == [named["id"]]
    assert await ids_in(db, QueueTab.pending, "links") == []
