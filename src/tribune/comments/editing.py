"""Editing and deleting one's own comment, by its signed edit token, within the edit window.

An edit is screened again as a new comment is, and never publishes text a moderator has not
read; a deletion leaves a placeholder while the comment still has replies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tribune import public
from tribune.comments import personal
from tribune.comments.validation import check_body, normalize_newlines
from tribune.exceptions import Invalid, NotAllowed, NotFound
from tribune.keys import Keys, TokenExpired, TokenInvalid
from tribune.live.broker import Broker
from tribune.markdown import render_comment
from tribune.moderation import config as moderation_config
from tribune.moderation import rules, screening
from tribune.moderation.wording import fingerprint
from tribune.storage import comments as store
from tribune.storage import moderation as moderation_store
from tribune.storage import stories as story_store
from tribune.storage.engine import Conn, Database
from tribune.vocabulary import CommentStatus, EventKind


def window_ends(created_at: datetime, window_minutes: int) -> datetime:
    """When the author's time to edit or delete a comment posted at created_at ends."""
    return created_at + timedelta(minutes=window_minutes)


def window_passed(window_minutes: int) -> str:
    """What the author is told once that time has passed."""
    minutes = "minute" if window_minutes == 1 else "minutes"
    return (
        f"Comments can be changed for {window_minutes:,} {minutes} after posting; "
        "that time has passed"
    )


async def _own_comment(
    conn: Conn,
    keys: Keys,
    comment_id: int,
    token: str | None,
    window_minutes: int,
    extra: tuple[Any, ...] = (),
) -> dict[str, Any]:
    row = await store.comment_for_update(conn, comment_id, *extra)
    if row is None or row["status"] == CommentStatus.deleted:
        raise NotFound(f"There is no comment {comment_id}")
    problem = None
    if not token:
        problem = "Only the author can change this comment: send its edit token"
    else:
        try:
            keys.check_edit_token(token, comment_id, max_age=window_minutes * 60)
        except TokenExpired:
            raise NotAllowed(window_passed(window_minutes)) from None
        except TokenInvalid:
            problem = "This edit token is not valid for this comment"
    if problem is not None:
        if row["status"] != CommentStatus.approved:
            # To anyone but its author, a held or rejected comment does not exist.
            raise NotFound(f"There is no comment {comment_id}")
        raise NotAllowed(problem)
    if datetime.now(UTC) >= window_ends(row["created_at"], window_minutes):
        raise NotAllowed(window_passed(window_minutes))
    return dict(row)


def _status_after_edit(before: str, screened: CommentStatus) -> CommentStatus:
    """An edit never publishes: an approved comment goes where the rules now put it, a held
    one stays held unless the rules now reject it, a rejected one stays rejected."""
    if before == CommentStatus.approved:
        return screened
    if before == CommentStatus.pending and screened == CommentStatus.rejected:
        return screened
    return CommentStatus(before)


async def edit_comment(
    db: Database,
    comment_id: int,
    body: Any,
    *,
    keys: Keys,
    token: str | None,
    window_minutes: int,
    events: Broker,
) -> dict[str, Any]:
    """Replace the body of one's own comment within the edit window."""
    if not isinstance(body, str):
        raise Invalid("The comment was not changed", {"body": "Body must be text"})
    body = normalize_newlines(body)
    if problem := check_body(body):
        raise Invalid("The comment was not changed", {"body": problem})
    text = body.strip()
    html = render_comment(text)
    config = await moderation_config.rule_config(db)
    async with db.transaction() as conn:
        row = await _own_comment(conn, keys, comment_id, token, window_minutes, store.EDIT_COLUMNS)
        story = await story_store.story_by_id(conn, row["story_id"])
        if story is None:
            raise NotFound(f"There is no comment {comment_id}")
        verdict = screening.rescreen_edit(config, row, story, text, html)
        status = _status_after_edit(row["status"], verdict.status)
        changes: dict[str, Any] = {
            "body_md": text,
            "body_html": html,
            "fingerprint": fingerprint(text),
            "edited_at": datetime.now(UTC),
            # What the moderator compares the new text with: the text readers saw, or the
            # text as it was first held, however often it is edited while it waits.
            "previous_body_md": None
            if status == CommentStatus.approved
            else row["previous_body_md"] or row["body_md"],
        }
        if status != CommentStatus.approved:
            # The reasons the rules give the new text; reader reports are about the comment,
            # not its text, and stay.
            reported = [v for v in row["verdicts"] or [] if v["rule"] == rules.REPORTS]
            changes["verdicts"] = [*(verdict.stored() or []), *reported] or None
        if status != row["status"]:
            await moderation_store.set_status(conn, row, status, changes)
        else:
            await store.update_comment(conn, comment_id, changes)
            await story_store.bump_version(conn, row["story_id"])
        updated = await store.comment_by_id(conn, comment_id)
    assert updated is not None
    shown = public.comment(updated)
    if updated["status"] == CommentStatus.approved:
        edit = {k: shown[k] for k in ("id", "body_html", "edited_at")}
        await events.publish(updated["story_id"], EventKind.edit, edit)
    elif row["status"] == CommentStatus.approved:
        await events.publish(updated["story_id"], EventKind.delete, {"id": comment_id})
    return shown


async def delete_comment(
    db: Database,
    comment_id: int,
    *,
    keys: Keys,
    token: str | None,
    window_minutes: int,
    events: Broker,
) -> None:
    """Delete one's own comment within the edit window. With replies it stays as a
    "[deleted]" placeholder holding their place; without, it is removed, and so are the
    placeholders above it that it was the last reply of."""
    async with db.transaction() as conn:
        row = await _own_comment(conn, keys, comment_id, token, window_minutes)
        was_visible = row["status"] == CommentStatus.approved
        await personal.remove(conn, row, was_visible)
    if was_visible:
        await events.publish(row["story_id"], EventKind.delete, {"id": comment_id})


# A reader's own data ---------------------------------------------------------------------
#
# The browser that posted a comment holds its edit token (the tribune_own cookie, or the
# embed's storage): with it, during the edit window, the reader can see everything Tribune
# keeps of that comment and erase it. (Afterwards, proving the e-mail they gave: that waits
# for mail.)

OWN_DATA_MAX = 50  # tokens one request may name


MANAGEABLE = ("id", "number", "status", "created_at", "body_html", "reply_count")


async def manageable(
    db: Database, own: dict[int, str], *, keys: Keys, window_minutes: int
) -> list[dict[str, Any]]:
    """Of the comments a browser posted (comment id → edit token), those its author can
    still download and erase: not deleted, their edit window still open. Newest first, each
    with its story (title, slug), status, time, text as shown, its replies' count and when
    its window ends. The others are left out: what own_data and erase_own would refuse."""
    holding = []
    for comment_id, token in own.items():
        try:
            keys.check_edit_token(token, comment_id, max_age=window_minutes * 60)
        except (TokenExpired, TokenInvalid):
            continue
        holding.append(comment_id)
    if not holding:
        return []
    now = datetime.now(UTC)
    found = []
    async with db.read() as conn:
        titles: dict[int, dict[str, Any] | None] = {}
        for row in await store.comments_by_ids(conn, holding):
            ends = window_ends(row["created_at"], window_minutes)
            if row["status"] == CommentStatus.deleted or now >= ends:
                continue
            if row["story_id"] not in titles:
                titles[row["story_id"]] = await story_store.story_title(conn, row["story_id"])
            story = titles[row["story_id"]]
            found.append(
                {
                    **{key: row[key] for key in MANAGEABLE},
                    "story": story and {"title": story["title"], "slug": story["slug"]},
                    "until": ends,
                }
            )
    return sorted(found, key=lambda c: (c["created_at"], c["id"]), reverse=True)


def _token_ids(keys: Keys, tokens: object) -> list[tuple[int, str]]:
    """(comment id, token) for each token given; Invalid unless they are a list of at most
    OWN_DATA_MAX of our edit tokens."""
    if not isinstance(tokens, list) or not tokens or len(tokens) > OWN_DATA_MAX:
        raise Invalid(
            "Tokens are missing",
            {"tokens": f"Send the edit tokens of your comments, 1–{OWN_DATA_MAX} of them"},
        )
    found = []
    for token in tokens:
        data = keys.unsign("edit", token) if isinstance(token, str) else None
        if not isinstance(data, dict) or not isinstance(data.get("c"), int):
            raise Invalid("A token is not valid", {"tokens": "A token is not one of ours"})
        found.append((int(data["c"]), token))
    return found


async def own_data(
    db: Database, tokens: object, *, keys: Keys, window_minutes: int
) -> list[dict[str, Any]]:
    """Everything kept of the comments these edit tokens are for (within the edit window):
    who wrote it as they gave it, the text as written and as shown, its story, times,
    status and score, and whether a keyed hash of the address it came from is kept."""
    found = []
    async with db.transaction() as conn:  # _own_comment reads FOR UPDATE: not read-only
        for comment_id, token in _token_ids(keys, tokens):
            row = await _own_comment(
                conn, keys, comment_id, token, window_minutes, store.OWN_DATA_COLUMNS
            )
            story = await story_store.story_title(conn, row["story_id"])
            found.append(personal.record(row, story))
    return found


async def erase_own(
    db: Database, tokens: object, *, keys: Keys, window_minutes: int, events: Broker
) -> list[int]:
    """Erase the comments these edit tokens are for: each is removed, or, where replies
    hang from it, left as a placeholder with nothing of its author or text. All or none:
    one token that does not hold (wrong, or its window passed) erases nothing."""
    erased = []
    async with db.transaction() as conn:
        for comment_id, token in _token_ids(keys, tokens):
            row = await _own_comment(conn, keys, comment_id, token, window_minutes)
            was_visible, _removed = await personal.erase(conn, row)
            erased.append((row["story_id"], comment_id, was_visible))
    for story_id, comment_id, was_visible in erased:
        if was_visible:
            await events.publish(story_id, EventKind.delete, {"id": comment_id})
    return [comment_id for _, comment_id, _ in erased]
