"""What a comment may be and how it enters, changes in and leaves a thread.

Write path (DESIGN.md): validate → render Markdown and sanitize → one transaction stores it
with its number, the counters and the thread version. Readers need no account: whoever posted
a comment holds a signed edit token for it, good for the edit window.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping

from tribune import public
from tribune.comments.validation import (
    CommentFields,
    check_body,
    normalize_newlines,
    validate_comment,
)
from tribune.exceptions import Failure, FieldErrors, Invalid, NotFound, Unavailable
from tribune.fields import check_email, check_name, check_website, whole_number
from tribune.keys import Keys
from tribune.live.broker import Broker
from tribune.markdown import render_comment
from tribune.moderation import config as moderation_config
from tribune.moderation import names, screening
from tribune.moderation.wording import fingerprint
from tribune.ratelimit import ADDRESS_FACTOR, RateLimited, RateLimiter
from tribune.readers import Reader
from tribune.storage import comments as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Conn, Database, unavailable
from tribune.vocabulary import VISIBLE, CommentStatus, EventKind

NOT_ACCEPTED = "The comment was not accepted"
NO_PREVIEW = "The preview was not made"
# Previews one reader (their voter cookie, else their address) may ask for in a minute, and
# all readers of one address together: a preview re-renders as the reader types.
PREVIEW_PER_MINUTE = 120
PREVIEW_PER_ADDRESS = 1200
AWAITING = "Awaiting moderation"  # a held comment, as its author is told
NOT_PUBLISHED = "Not published"  # a rejected one
SUBMITTED = ("name", "email", "website", "body", "parent_id")  # given back when refused


@dataclass(slots=True)
class ImportedComment:
    """A comment brought by an importer: already validated, stamped with its source key."""

    body: str
    import_key: str
    name: str | None = None
    created_at: datetime | None = None


def _parent_id(data: dict[str, Any]) -> tuple[int | None, FieldErrors]:
    value = data.get("parent_id")
    if value is None or value == "":
        return None, {}
    if isinstance(value, str):
        value = whole_number(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**63:
        return None, {"parent_id": "Parent_id must be the id of a comment"}
    return value, {}


async def _check_parent(
    conn: Conn, story_id: int, parent_id: int, *, imported: bool = False
) -> dict[str, Any]:
    parent = await store.comment_for_update(conn, parent_id)
    if imported and parent is not None and parent["story_id"] == story_id:
        return dict(parent)  # an archive's threading, whatever became of the parent
    if parent is None or parent["status"] not in VISIBLE:  # held ones exist to no one else
        problem = f"There is no comment {parent_id} to reply to"
    elif parent["story_id"] != story_id:
        problem = f"Comment {parent_id} belongs to another story"
    elif parent["status"] != CommentStatus.approved:
        problem = f"Comment {parent_id} cannot be replied to"
    else:
        return dict(parent)
    raise Invalid(NOT_ACCEPTED, {"parent_id": problem})


def _content(fields: CommentFields, keys: Keys | None) -> dict[str, Any]:
    """The columns a comment's fields make. Rendering is the slowest step of a post, so it
    runs before the transaction, not while holding the write lock."""
    return {
        "name": fields.name,
        "email": fields.email,
        "website": fields.website,
        "avatar": keys.avatar(fields.name, fields.email) if keys else None,
        "email_hash": keys.email_hash(fields.email) if keys and fields.email else None,
        "body_md": fields.body,
        "body_html": render_comment(fields.body),
        "fingerprint": fingerprint(fields.body),
    }


@dataclass(slots=True)
class NewComment:
    """A comment ready to store: its columns, and which comment it answers."""

    story_id: int
    content: dict[str, Any]
    created_at: datetime
    parent_id: int | None = None
    client_hash: str | None = None
    import_key: str | None = None
    status: CommentStatus = CommentStatus.approved
    verdicts: list[dict[str, str]] | None = None
    screening: screening.Screening | None = None  # a post's, for the checks made on writing
    idempotency_key: str | None = None  # keyed: the reader's key, hashed with who they are


IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,255}")
REPEATED = object()  # the outcome, until the batch is stored, of a post repeating another


@dataclass(frozen=True, slots=True)
class Replayed:
    """The outcome of a post whose Idempotency-Key was already used: the comment it made."""

    row: RowMapping


async def _store_all(conn: Conn, new: list[NewComment], *, imported: bool = False) -> list[Any]:
    """Store comments together (the posts of one group commit, an import): per story one
    numbering update and one insert. Returns each stored row, Replayed for a post retried
    with its Idempotency-Key, or the exception of a comment that could not be stored (a
    reply to what cannot be replied to, a story gone)."""
    outcomes: list[Any] = [None] * len(new)
    repeats = await _replays(conn, new, outcomes)
    await _hold_late_duplicates(conn, new)
    parents: dict[int, dict[str, Any]] = {}
    for index, item in enumerate(new):
        if item.parent_id is not None and outcomes[index] is None:
            try:
                parents[index] = await _check_parent(
                    conn, item.story_id, item.parent_id, imported=imported
                )
            except Invalid as exc:
                outcomes[index] = exc
    by_story: dict[int, list[int]] = {}
    for index, item in enumerate(new):
        if outcomes[index] is None:
            by_story.setdefault(item.story_id, []).append(index)
    for story_id, indexes in by_story.items():
        visible = [i for i in indexes if new[i].status == CommentStatus.approved]
        last = await story_store.take_comment_numbers(conn, story_id, len(indexes), len(visible))
        if last is None:
            for index in indexes:
                outcomes[index] = NotFound(f"There is no story {story_id}")
            continue
        rows = []
        for number, index in enumerate(indexes, start=last - len(indexes) + 1):
            item, parent = new[index], parents.get(index)
            rows.append(
                {
                    "story_id": story_id,
                    "parent_id": None if parent is None else parent["id"],
                    "root_id": None if parent is None else (parent["root_id"] or parent["id"]),
                    "depth": 0 if parent is None else parent["depth"] + 1,
                    "number": number,
                    **item.content,
                    "status": item.status,
                    "verdicts": item.verdicts,
                    "created_at": item.created_at,
                    "client_hash": item.client_hash,
                    "import_key": item.import_key,
                    "idempotency_key": item.idempotency_key,
                }
            )
        for index, row in zip(indexes, await store.insert_comments(conn, rows), strict=True):
            outcomes[index] = row
        for index in visible:
            if (parent := parents.get(index)) is not None:
                await store.add_to_counts(conn, parent["id"], replies=1)
                await store.add_to_counts(conn, parent["root_id"] or parent["id"], descendants=1)
    for index, first in repeats.items():
        stored = outcomes[first]
        outcomes[index] = Replayed(stored) if not isinstance(stored, Exception) else stored
    return outcomes


async def _replays(conn: Conn, new: list[NewComment], outcomes: list[Any]) -> dict[int, int]:
    """Fill in the outcome of every post whose Idempotency-Key was stored before; returns
    the posts that repeat an earlier one of the same batch (index: index of the first)."""
    keyed = {
        index: (item.story_id, item.idempotency_key)
        for index, item in enumerate(new)
        if item.idempotency_key is not None
    }
    if not keyed:
        return {}
    known = await store.by_idempotency_key(conn, list(keyed.values()))
    first: dict[Any, int] = {}
    repeats = {}
    for index, key in keyed.items():
        if key in known:
            outcomes[index] = Replayed(known[key])
        elif key in first:
            repeats[index] = first[key]
            outcomes[index] = REPEATED
        else:
            first[key] = index
    return repeats


async def _hold_late_duplicates(conn: Conn, new: list[NewComment]) -> None:
    """Screening ran before the write, so two identical posts sent at the same moment both
    passed the duplicate rule. Here, in the one write that stores them, each text that was
    stored since (or comes earlier in this batch) gets the verdict of a duplicate after all."""
    waiting = {
        item.content["fingerprint"]: item.screening.duplicate_since
        for item in new
        if item.screening is not None and item.screening.duplicate_since is not None
    }
    if not waiting:
        return
    seen = await store.fingerprints_since(conn, set(waiting), min(waiting.values()))
    for item in new:
        fingerprint = item.content.get("fingerprint")
        twin = item.screening.if_duplicate if item.screening else None
        if twin is not None and fingerprint in seen:
            item.status, item.verdicts = twin.status, twin.stored()
        if fingerprint is not None:
            seen.add(fingerprint)


async def post_comment(
    db: Database,
    story_id: int,
    data: dict[str, Any],
    *,
    keys: Keys,
    reader: Reader,
    events: Broker,
    limiter: RateLimiter | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Validate, screen and store a reader's comment (a reply when ``parent_id`` is given).
    Returns the public comment with its ``edit_token`` and, when the rules held or rejected
    it, their reasons. Raises Invalid, NotFound, screening's StoryClosed or Banned, or
    RateLimited (counting only valid comments), or Unavailable when the database cannot take
    it now; every refusal carries the submitted fields back under ``comment`` in its
    ``extra``, so nothing the reader typed is lost.

    A post sent again with the same ``idempotency_key`` by the same reader (a retry after a
    lost answer) stores nothing more: the answer is the comment the first one made, with
    ``replayed`` true."""
    try:
        outcome, _ = await _accept(
            db,
            story_id,
            data,
            keys=keys,
            reader=reader,
            limiter=limiter,
            idempotency_key=idempotency_key,
        )
    except Failure as exc:
        exc.extra["comment"] = {k: data[k] for k in SUBMITTED if k in data}
        raise
    except Exception as exc:
        if not unavailable(exc):
            raise
        refused = Unavailable()  # a 503 like any other, but with what the reader typed
        refused.extra["comment"] = {k: data[k] for k in SUBMITTED if k in data}
        raise refused from exc
    if isinstance(outcome, Replayed):
        row = outcome.row
        token = keys.edit_token(row["id"], row["created_at"])
        return public.comment(row) | {"edit_token": token, "replayed": True}
    row = outcome
    if row["status"] == CommentStatus.approved:
        await events.publish(story_id, EventKind.comment, public.comment(row))
    answer = public.comment(row) | {"edit_token": keys.edit_token(row["id"], row["created_at"])}
    if row["status"] != CommentStatus.approved:
        # Which rule held it, and the words it matched, are for staff (the queue shows them):
        # told to the author, they would teach how to get round the filters.
        answer["moderation"] = status_note(row["status"])
    return answer


def status_note(status: str) -> str:
    """What the author of a comment that is not published is told about it."""
    return AWAITING if status == CommentStatus.pending else NOT_PUBLISHED


async def _accept(
    db: Database,
    story_id: int,
    data: dict[str, Any],
    *,
    keys: Keys,
    reader: Reader,
    limiter: RateLimiter | None,
    idempotency_key: str | None,
) -> tuple[RowMapping | Replayed, screening.Screening]:
    """post_comment's checks and the write, raising what refuses the comment."""
    fields, errors = validate_comment(data)
    parent_id, parent_errors = _parent_id(data)
    errors |= parent_errors
    if idempotency_key is not None and not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        errors["Idempotency-Key"] = "Idempotency-Key must be 1–255 printable ASCII characters"
    if fields is None or errors:
        raise Invalid(NOT_ACCEPTED, errors)
    if await names.reserved(db, fields.name):
        raise Invalid(NOT_ACCEPTED, {"name": names.TAKEN})
    story_recent = site_recent = 0
    if limiter is not None:
        config = await moderation_config.rule_config(db)
        # Per reader (their voter cookie, when they have one) and per name at the rate; per
        # address only as a looser bound, since everyone behind one office NAT, carrier or
        # proxy shares it. Posting sets no voter cookie: a reader who drops cookies is held
        # by the address's bound alone whether or not one was given.
        rate = config.rate_per_minute
        await limiter.hit_each(
            [
                (rate, reader.voter_id and f"voter:{reader.voter_id}"),
                (rate, f"name:{fields.name.casefold()}"),
                (rate * ADDRESS_FACTOR, reader.client_hash),
            ]
        )
        story_recent = await limiter.recent(config.surge_story_per_minute, f"surge:{story_id}")
        site_recent = await limiter.recent(config.surge_site_per_minute, "surge")
    content = _content(fields, keys)
    verdict = await screening.screen(
        db,
        story_id,
        body=fields.body,
        body_html=content["body_html"],
        name=fields.name,
        website=fields.website,
        email_hash=content["email_hash"],
        client_hash=reader.client_hash,
        fingerprint=content["fingerprint"],
        story_recent=story_recent,
        site_recent=site_recent,
    )
    if verdict is None:
        raise NotFound(f"There is no story {story_id}")

    row = await db.batched(
        _store_all,
        NewComment(
            story_id=story_id,
            content=content,
            created_at=datetime.now(UTC),
            parent_id=parent_id,
            client_hash=reader.client_hash,
            status=verdict.status,
            verdicts=verdict.stored(),
            screening=verdict,
            idempotency_key=None
            if idempotency_key is None
            else keys.idempotency_key(
                f"{reader.client_hash}\x00{reader.voter_id}", idempotency_key
            ),
        ),
    )
    return row, verdict


async def import_comments(
    conn: Conn, story_id: int, drafts: list[ImportedComment], keys: Keys | None = None
) -> int:
    """Add imported comments the story does not already hold (same import key); returns how
    many were added. Runs inside the importer's transaction."""
    known = await store.import_keys(conn, story_id)
    new = []
    for draft in drafts:
        if draft.import_key in known:
            continue
        fields = CommentFields(name=draft.name or public.ANONYMOUS, body=draft.body)
        new.append(
            NewComment(
                story_id=story_id,
                content=_content(fields, keys),
                created_at=draft.created_at or datetime.now(UTC),
                import_key=draft.import_key,
            )
        )
        known.add(draft.import_key)
    for outcome in await _store_all(conn, new):
        if isinstance(outcome, Exception):
            raise outcome
    return len(new)


@dataclass(slots=True)
class ArchivedComment:
    """A comment of another system's archive (importers/), with its threading by the
    source's own keys. ``body`` is Markdown; the fields are checked as a new comment's are,
    except that an invalid e-mail or website is dropped, not the comment."""

    import_key: str
    body: str
    name: str | None = None
    email: str | None = None
    website: str | None = None
    created_at: datetime | None = None
    parent_key: str | None = None
    status: CommentStatus = CommentStatus.approved
    score: int = 0  # votes the source counted (likes less dislikes)


def archived_fields(comment: ArchivedComment) -> CommentFields | str:
    """The comment's fields as they will be stored, or why it cannot be (its body)."""
    body = normalize_newlines(comment.body).strip()
    if problem := check_body(body):
        return problem
    name = " ".join((comment.name or "").split())[:100]
    if not name or check_name(name):
        name = public.ANONYMOUS
    email = (comment.email or "").strip() or None
    website = (comment.website or "").strip() or None
    return CommentFields(
        name=name,
        body=body,
        email=email if email and not check_email(email) else None,
        website=website if website and not check_website(website) else None,
    )


# Comments an import stores per transaction: rendering happens before the transaction, so
# one holds the write lock for about 10 ms on SQLite and readers' posts wait no longer.
IMPORT_BATCH = 25


async def import_archive(
    transaction: Callable[[], AbstractAsyncContextManager[Conn]],
    story_id: int,
    drafts: list[ArchivedComment],
    *,
    stored: Callable[[list[int]], None],
    keys: Keys | None = None,
    batch: int = IMPORT_BATCH,
) -> tuple[int, int]:
    """Store an archive's comments of one story in short transactions of ``batch``, parents
    before their replies; comments an earlier import brought (the same keys) are skipped.
    ``stored`` hears the ids each committed transaction stored (an import that fails later
    takes them back). A reply whose parent the archive lacks becomes a top-level comment.
    Returns (added, replies placed at the top level)."""
    async with transaction() as conn:
        ids = await store.import_ids(conn, story_id)
    waiting = [draft for draft in drafts if draft.import_key not in ids]
    added = orphans = 0
    keys_here = {draft.import_key for draft in drafts}
    while waiting:
        ready, later = [], []
        for draft in waiting:
            parent = draft.parent_key
            if parent is None or parent in ids or parent not in keys_here:
                ready.append(draft)
            else:
                later.append(draft)
        if not ready:  # a cycle of parents: its first member goes to the top level, and
            # the rest of the cycle, and the replies to it, keep their places below it
            later[0].parent_key = None
            ready, later = later[:1], later[1:]
        for start in range(0, len(ready), batch):
            chunk = ready[start : start + batch]
            new = []
            for draft in chunk:
                fields = archived_fields(draft)
                if isinstance(fields, str):
                    raise Invalid(fields, {"body": fields})
                parent_id = ids.get(draft.parent_key) if draft.parent_key else None
                orphans += draft.parent_key is not None and parent_id is None
                new.append(
                    NewComment(
                        story_id=story_id,
                        content=_content(fields, keys) | {"score": draft.score},
                        created_at=draft.created_at or datetime.now(UTC),
                        parent_id=parent_id,
                        import_key=draft.import_key,
                        status=draft.status,
                    )
                )
            async with transaction() as conn:
                outcomes = await _store_all(conn, new, imported=True)
                for outcome in outcomes:
                    if isinstance(outcome, Exception):
                        raise outcome
            for draft, outcome in zip(chunk, outcomes, strict=True):
                ids[draft.import_key] = int(outcome["id"])
            stored([int(outcome["id"]) for outcome in outcomes])
            added += len(new)
            await asyncio.sleep(0)  # let the readers' requests in between transactions
        waiting = later
    return added, orphans


# Previews -----------------------------------------------------------------------------------


def render_preview(value: object) -> str:
    """The HTML a comment body would be published as (Markdown, sanitized), stored nowhere;
    "" for an empty body. A body that posting would refuse (too long, control characters)
    is refused with the same message."""
    if not isinstance(value, str):
        raise Invalid(NO_PREVIEW, {"body": "Body must be text"})
    body = normalize_newlines(value).strip()
    if not body:
        return ""
    if problem := check_body(body):
        raise Invalid(NO_PREVIEW, {"body": problem})
    return render_comment(body)


async def preview(value: object, *, reader: Reader, limiter: RateLimiter) -> str:
    """render_preview for the JSON API, within the preview rate limits."""
    try:
        who = reader.voter_id or reader.client_hash
        await limiter.hit(PREVIEW_PER_MINUTE, _preview_key("reader", who))
        await limiter.hit(PREVIEW_PER_ADDRESS, _preview_key("address", reader.client_hash))
    except RateLimited as exc:
        exc.detail = f"Too many previews in a minute. Please wait {exc.retry_after} seconds"
        raise
    return render_preview(value)


def _preview_key(kind: str, value: str | None) -> str | None:
    return f"preview:{kind}:{value}" if value else None
