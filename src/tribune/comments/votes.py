"""A reader's vote on a comment: one per reader (their voter cookie), changed or withdrawn
at will. Readers behind one address each have their own vote; the address only bounds how
many new voters it adds to one comment in an hour (ballot stuffing by clearing cookies)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from tribune.exceptions import Invalid, NotAllowed, NotFound
from tribune.live.broker import Broker
from tribune.ratelimit import CAP_WINDOW, RateLimited, cap_retry_after
from tribune.readers import Reader
from tribune.storage import comments as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.vocabulary import CommentStatus, EventKind

VOTERS_PER_ADDRESS = 20  # the default of TRIBUNE_VOTERS_PER_ADDRESS


class TooManyVoters(RateLimited):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            retry_after,
            "Many people on your network have already voted on this comment in the last "
            "hour, so your vote was not counted. Please try again later",
        )


async def vote(
    db: Database,
    comment_id: int,
    value: Any,
    *,
    reader: Reader,
    events: Broker,
    voters_per_address: int = VOTERS_PER_ADDRESS,
) -> dict[str, int]:
    """Set the reader's vote on a comment to 1, -1, or 0 (withdrawn); returns the score.
    Raises TooManyVoters when the reader's address already added ``voters_per_address``
    new voters to this comment in the last hour."""
    if value not in (1, -1, 0) or isinstance(value, bool):
        errors = {"value": "Value must be 1 (up), -1 (down) or 0 (withdraw)"}
        raise Invalid("The vote was not counted", errors)
    if reader.voter_id is None:
        raise NotAllowed("Votes need a voter cookie: please allow cookies for this site")
    for attempt in range(2):
        try:
            return await _vote_once(db, comment_id, int(value), reader, events, voters_per_address)
        except IntegrityError:
            # The same reader voted twice at once; the other vote committed first.
            if attempt:
                raise
    raise AssertionError("unreachable")


async def _vote_once(
    db: Database, comment_id: int, value: int, reader: Reader, events: Broker, cap: int
) -> dict[str, int]:
    assert reader.voter_id is not None
    async with db.transaction() as conn:
        row = await store.comment_for_update(conn, comment_id)
        if (
            row is None
            or row["status"] != CommentStatus.approved
            or await story_store.story_by_id(conn, row["story_id"]) is None
        ):
            raise NotFound(f"There is no comment {comment_id} to vote on")
        existing = await store.vote_of(conn, comment_id, reader.voter_id)
        before = 0 if existing is None else int(existing["value"])
        now = datetime.now(UTC)
        if existing is None and value:
            if reader.client_hash is not None:
                # The comment's row is locked: new voters on it are counted one at a time.
                count, oldest = await store.recent_voters(
                    conn, comment_id, reader.client_hash, now - CAP_WINDOW
                )
                if count >= cap:
                    raise TooManyVoters(cap_retry_after(oldest, now))
            await store.insert_vote(
                conn, comment_id, reader.voter_id, reader.client_hash, value, now
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
