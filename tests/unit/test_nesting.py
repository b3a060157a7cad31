"""Nesting replies for display: bounded depth, 'in reply to', and no recursion at any depth."""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.engine import IteratorResult, RowMapping
from sqlalchemy.engine.result import SimpleResultMetaData

from tribune.comments.threads import first_of, nest, outline, shown_replies, thread_order
from tribune.web.templating import ENV

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def row(comment_id: int, parent_id: int | None, depth: int, name: str = "R") -> dict[str, Any]:
    return {
        "id": comment_id,
        "parent_id": parent_id,
        "root_id": None if parent_id is None else 1,
        "depth": depth,
        "number": comment_id,
        "name": f"{name}{comment_id}",
        "website": None,
        "avatar": None,
        "body_html": f"<p>{comment_id}</p>",
        "status": "approved",
        "created_at": NOW,
        "edited_at": None,
        "score": 0,
        "featured": False,
        "reply_count": 1,
        "descendant_count": 0,
    }


def mappings(*rows: dict[str, Any]) -> list[RowMapping]:
    """The rows as a query hands them over, which is what nest() is given."""
    result: IteratorResult[*tuple[Any, ...]] = IteratorResult(
        SimpleResultMetaData(list(rows[0])), (tuple(one.values()) for one in rows)
    )
    return list(result.mappings())


def chain(length: int) -> tuple[list[RowMapping], list[RowMapping]]:
    """A top-level comment 1 with a chain of replies 2 → 3 → ... each answering the last."""
    replies = (row(i, i - 1, i - 1) for i in range(2, length + 2))
    return mappings(row(1, None, 0)), mappings(*replies)


def test_replies_nest_to_the_display_depth_then_show_beside_their_parent() -> None:
    roots, replies = chain(5)  # comments 2..6 at true depths 1..5
    top, shown = nest(roots, replies, max_depth=3)
    c1 = top[0]
    c2 = c1["replies"][0]
    c3 = c2["replies"][0]
    assert [r["id"] for r in c3["replies"]] == [4, 5, 6]  # 4 at depth 3; 5 and 6 beside it
    assert [r["parent_id"] for r in c3["replies"]] == [3, 4, 5]  # real parents are kept
    assert [shown[i].depth for i in range(1, 7)] == [0, 1, 2, 3, 3, 3]
    assert shown[4].in_reply_to is None
    assert shown[5].in_reply_to == {"id": 4, "name": "R4"}
    assert shown[6].in_reply_to == {"id": 5, "name": "R5"}


def test_siblings_keep_posting_order_and_orphans_are_left_out() -> None:
    roots = mappings(row(1, None, 0), row(2, None, 0))
    replies = mappings(row(3, 1, 1), row(4, 2, 1), row(5, 1, 1), row(6, 99, 1))
    top, shown = nest(roots, replies)
    assert [r["id"] for r in top[0]["replies"]] == [3, 5]
    assert [r["id"] for r in top[1]["replies"]] == [4]
    assert 6 not in shown


def test_a_chain_of_ten_thousand_replies_nests_and_renders_without_recursion() -> None:
    roots, replies = chain(10_000)
    limit = sys.getrecursionlimit()
    top, shown = nest(roots, replies, max_depth=3)
    assert len(shown) == 10_001
    assert len(top[0]["replies"][0]["replies"][0]["replies"]) == 9_998
    assert all(shown[i].depth == 3 for i in range(4, 10_002))

    page = SimpleNamespace(comments=top, next_cursor=None, total=10_001, shown=shown)
    html = ENV.get_template("_thread_page.html").render(
        thread=page,
        story={"slug": "s"},
        sort="oldest",
        after=None,
        my_votes={},
        editable={},  # comment id → when its edit window ends, as the pages pass it
        csrf_token="t",
    )
    assert html.count('class="comment"') == 10_001
    assert "in reply to" in html
    assert sys.getrecursionlimit() == limit


def preorder(comments: list[dict[str, Any]]) -> list[int]:
    """The ids of nested comments in the order a page shows them (a loop, not recursion)."""
    ids: list[int] = []
    stack = list(reversed(comments))
    while stack:
        comment = stack.pop()
        ids.append(comment["id"])
        stack.extend(reversed(comment["replies"]))
    return ids


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
@pytest.mark.parametrize("seed", range(4))
def test_thread_order_is_the_order_nest_shows_and_every_start_of_it_nests_alone(
    depth: int, seed: int
) -> None:
    rng = random.Random(seed)
    rows = [row(1, None, 0)]
    for comment_id in range(2, 300):
        parent = rng.choice(rows)
        reply = row(comment_id, parent["id"], parent["depth"] + 1)
        roll = rng.random()
        reply["status"] = "rejected" if roll < 0.04 else "deleted" if roll < 0.08 else "approved"
        rows.append(reply)
    roots = mappings(rows[0])
    everything = mappings(*rows[1:])
    visible = shown_replies(everything)  # as the thread reads them
    top, _ = nest(roots, visible, max_depth=depth)
    shown = preorder(top[0]["replies"])
    steps = thread_order(outline(everything), {1}, depth)[1]
    assert [reply_id for _, reply_id in sorted(steps)] == shown
    # Every approved reply shows; of the others, exactly those holding an approved one.
    approved = {r["id"] for r in everything if r["status"] == "approved"}
    parent_of = {r["id"]: r["parent_id"] for r in everything}
    holding: set[int] = set()
    for reply_id in approved:
        while (reply_id := parent_of[reply_id]) != 1:
            holding.add(reply_id)
    assert set(shown) == approved | holding
    assert holding - approved  # the seeds do make placeholders of held and deleted ones
    assert len(shown) < len(everything)  # branches holding nothing approved are left out
    # A page shows the first n replies in thread order by nesting just those.
    for count in (0, 1, 10, 100):
        first = {reply_id for _, reply_id in first_of(steps, count)}
        part, _ = nest(roots, [r for r in visible if r["id"] in first], max_depth=depth)
        assert preorder(part[0]["replies"]) == shown[:count]
