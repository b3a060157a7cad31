"""A reader's vote on a comment: one per reader, changed or withdrawn at will."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from tribune.exceptions import Invalid, NotAllowed, NotFound
from tribune.live.broker import Broker
from tribune.readers import Reader
from tribune.storage import comments as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.vocabulary import CommentStatus, EventKind


async def vote(
    db: Database, comment_id: int, value: Any, *, reader: Reader, events: Broker
) -> dict[str, int]:
    """Set the reader's vote on a comment to 1, -1, or 0 (withdrawn); returns the score."""
    if value not in (1, -1, 0) or isinstance(value, bool):
        errors = {"value": "Value must be 1 (up), -1 (down) or 0 (withdraw)"}
        raise Invalid("The vote was not counted", errors)
    if reader.voter_id is None and reader.client_hash is None:
        raise NotAllowed("Votes need a voter cookie or a client address")
    for attempt in range(2):
        try:
            return await _vote_once(db, comment_id, int(value), reader, events)
        except IntegrityError:
            # The same reader voted twice at once; the other vote committed first.
            if attempt:
                raise
    raise AssertionError("unreachable")


async def _vote_once(
    db: Database, comment_id: int, value: int, reader: Reader, events: Broker
) -> dict[str, int]:
    async with db.transaction() as conn:
        row = await store.comment_for_update(conn, comment_id)
        if (
            row is None
            or row["status"] != CommentStatus.approved
            or await story_store.story_by_id(conn, row["story_id"]) is None
        ):
            raise NotFound(f"There is no comment {comment_id} to vote on")
        existing = await store.vote_of(conn, comment_id, reader.voter_id, reader.client_hash)
        before = 0 if existing is None else int(existing["value"])
        if existing is None and value:
            await store.insert_vote(
                conn, comment_id, reader.voter_id, reader.client_hash, value, datetime.now(UTC)
            )
        elif existing is not None and value != before:
            await store.change_vote(conn, existing["id"], value)
        if value != before:
            await store.add_to_counts(conn, comment_id, score=value - before)
            await story_store.bump_version(conn, row["story_id"])
    score = int(row["score"]) + value - before
    if value != before:
        await events.publish(row["story_id"], EventKind.score, {"id": comment_id, "score": score})
    return {"score": score, "value": value}
