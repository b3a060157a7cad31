"""What Tribune keeps of a commenter, given back to them and erased.

A reader reaches their own comments with the edit tokens posting gave them (editing.py);
an admin reaches every comment of one e-mail address, for a reader who asks after their edit
window has passed. Either way the download holds the same record of each comment, and
erasing removes a comment, or, where replies hang from it, leaves a placeholder keeping
nothing of who wrote it or what it said. An admin's lookup, export and erasure are audited
with who did it and how many comments, never the address, a name or a text: the audit log
must not become a second copy of what was erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tribune import public
from tribune.accounts.service import Staff, audit
from tribune.exceptions import Invalid
from tribune.fields import check_email
from tribune.keys import Keys
from tribune.live.broker import Broker
from tribune.storage import comments as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Conn, Database
from tribune.vocabulary import AuditAction, CommentStatus, EventKind

# Who wrote it, every signal about them, and their text (the rules' reasons quote the words
# they matched): what an erasure removes even from a placeholder replies still hang from.
PERSONAL = {
    "name": None,
    "email": None,
    "website": None,
    "avatar": None,
    "email_hash": None,
    "client_hash": None,
    "fingerprint": None,
    "idempotency_key": None,
    "body_md": "",
    "body_html": "",
    "previous_body_md": None,
    "verdicts": None,
}


def record(row: Any, story: Any) -> dict[str, Any]:
    """One comment as a download of one's data gives it: who wrote it as they gave it, the
    text as written and as shown, its story, times, status and score, and whether a keyed
    hash of the address it came from is kept (never the address: it is not stored)."""
    return {
        "id": row["id"],
        "story": story
        and {"id": story["id"], "title": story["title"], "path": public.story_path(story["slug"])},
        "parent_id": row["parent_id"],
        "name": row["name"],
        "email": row["email"],
        "website": row["website"],
        "body": row["body_md"],
        "body_html": row["body_html"],
        "created_at": row["created_at"],
        "edited_at": row["edited_at"],
        "status": row["status"],
        "score": row["score"],
        "address_hash_kept": row["client_hash"] is not None,
    }


# Removing and erasing --------------------------------------------------------------------


async def remove(conn: Conn, row: dict[str, Any], was_visible: bool) -> list[int]:
    """Remove a comment's row, or leave a "[deleted]" placeholder when it has replies; the
    ids of the rows removed (the comment, and the placeholders above it it was the last
    reply of), none when a placeholder stays. A held or rejected comment was never counted
    where readers see counts. ``row`` is the comment as read for update in ``conn``."""
    if was_visible:
        await story_store.change_comment_count(conn, row["story_id"], -1)
        if row["root_id"] is not None:
            await store.add_to_counts(conn, row["root_id"], descendants=-1)
    else:
        await story_store.bump_version(conn, row["story_id"])
    if row["reply_count"] > 0:
        if not was_visible and row["parent_id"] is not None:
            # The placeholder holds its place among its parent's replies again.
            await store.add_to_counts(conn, row["parent_id"], replies=1)
        await store.update_comment(
            conn,
            row["id"],
            {
                "status": CommentStatus.deleted,
                "name": None,
                "email": None,
                "website": None,
                "avatar": None,
                "body_md": "",
                "body_html": "",
            },
        )
        return []
    # Remove the comment, then each placeholder left without replies, walking upwards.
    removed = []
    current: dict[str, Any] | None = row
    counted = was_visible
    while current is not None:
        await store.delete_comment(conn, current["id"])
        removed.append(current["id"])
        parent_id = current["parent_id"]
        if parent_id is None:
            break
        if counted:
            await store.add_to_counts(conn, parent_id, replies=-1)
        counted = True  # every placeholder above was among its parent's replies
        parent = await store.comment_for_update(conn, parent_id)
        placeholder_done = (
            parent is not None
            and parent["status"] == CommentStatus.deleted
            and parent["reply_count"] == 0
        )
        current = dict(parent) if parent is not None and placeholder_done else None
    return removed


async def erase(conn: Conn, row: dict[str, Any]) -> tuple[bool, list[int]]:
    """Erase one comment (read for update in ``conn``): removed, or a placeholder holding
    nothing PERSONAL. Whether readers saw it (they are told it is gone), and the ids of the
    rows removed. A placeholder the author deleted earlier keeps its place and loses the
    hashes it still held."""
    was_visible = row["status"] == CommentStatus.approved
    removed = [] if row["status"] == CommentStatus.deleted else await remove(conn, row, was_visible)
    if row["id"] not in removed:
        await store.update_comment(conn, row["id"], PERSONAL)
    return was_visible, removed


# A commenter's comments by e-mail, for admins --------------------------------------------

SHOWN_MAX = 500  # comments a lookup lists (the export and the erasure take them all)
NOT_LOOKED_UP = "Nothing was looked up"


@dataclass(frozen=True, slots=True)
class Address:
    """An e-mail address as comments are matched by it: as typed, in any case (an imported
    comment keeps no hash), or by its keyed hash (a placeholder keeps that until erased)."""

    lowered: str
    hashed: str


def address(keys: Keys, email: str) -> Address:
    """The address to look up; Invalid naming ``email`` when it is none."""
    typed = email.strip()
    if not typed:
        raise Invalid(NOT_LOOKED_UP, {"email": "Please enter the commenter's e-mail address"})
    if problem := check_email(typed):
        raise Invalid(NOT_LOOKED_UP, {"email": problem})
    return Address(lowered=typed.lower(), hashed=keys.email_hash(typed))


async def commenter_comments(
    db: Database, keys: Keys, email: str, *, by: Staff
) -> tuple[list[dict[str, Any]], int]:
    """The newest SHOWN_MAX comments of that address on every story, with their stories'
    titles and slugs, and how many there are. The lookup itself is audited."""
    found = address(keys, email)
    async with db.transaction() as conn:
        total = await store.count_by_email(conn, found.lowered, found.hashed)
        rows = await store.comments_by_email(conn, found.lowered, found.hashed, SHOWN_MAX)
        await audit(conn, by, AuditAction.commenter_lookup, "", detail={"comments": total})
    return [dict(row) for row in rows], total


async def commenter_export(db: Database, keys: Keys, email: str, *, by: Staff) -> dict[str, Any]:
    """Everything kept of every comment of that address, as a reader's own download gives
    each, newest first; audited with how many."""
    found = address(keys, email)
    async with db.transaction() as conn:
        rows = await store.comments_by_email(conn, found.lowered, found.hashed, None)
        shown = [record(row, _story_of(row)) for row in rows]
        await audit(conn, by, AuditAction.commenter_export, "", detail={"comments": len(shown)})
    return {"comments": shown}


def _story_of(row: Any) -> dict[str, Any]:
    return {"id": row["story_id"], "title": row["story_title"], "slug": row["story_slug"]}


@dataclass(frozen=True, slots=True)
class Erasure:
    """What erasing an address's comments did, in numbers."""

    removed: int  # of their comments, gone
    placeholders: int  # of their comments, kept as empty placeholders for replies


async def erase_commenter(
    db: Database, keys: Keys, email: str, *, by: Staff, events: Broker
) -> Erasure:
    """Erase every comment of that address, in one transaction, as a reader's own erasure
    does each; readers are told of those they saw. Audited with the counts only."""
    found = address(keys, email)
    told = []
    removed: set[int] = set()
    async with db.transaction() as conn:
        # Newest first: a reply of theirs goes before the comment of theirs it answers.
        ids = await store.ids_by_email(conn, found.lowered, found.hashed)
        for comment_id in ids:
            row = await store.comment_for_update(conn, comment_id)
            if row is None:  # removed already: a placeholder its last reply took with it
                continue
            was_visible, gone = await erase(conn, dict(row))
            removed.update(gone)
            if was_visible:
                told.append((row["story_id"], comment_id))
        theirs = set(ids)
        done = Erasure(removed=len(theirs & removed), placeholders=len(theirs - removed))
        detail = {
            "comments": len(theirs),
            "removed": done.removed,
            "placeholders": done.placeholders,
        }
        await audit(conn, by, AuditAction.commenter_erase, "", detail=detail)
    for story_id, comment_id in told:
        await events.publish(story_id, EventKind.delete, {"id": comment_id})
    return done
