"""Moderation queries: authors' history, duplicates, bans, reports, settings, the queue, and
moving a comment between approved and hidden with every counter kept in step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    cast,
    delete,
    distinct,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import aliased

from tribune.storage import stories as story_store
from tribune.storage.comments import PUBLIC_COLUMNS, add_to_counts, any_of, since_query
from tribune.storage.engine import Conn
from tribune.storage.tables import UTCDateTime, bans, comments, reports, site_settings, stories
from tribune.vocabulary import BanKind, CommentStatus


def _by_author(email_hash: str | None, client_hash: str | None) -> Any:
    return any_of((comments.c.email_hash, email_hash), (comments.c.client_hash, client_hash))


async def author_history(
    conn: Conn, email_hash: str | None, client_hash: str | None
) -> tuple[int, int]:
    """(comments posted, comments rejected) by the author."""
    who = _by_author(email_hash, client_hash)
    if who is None:
        return 0, 0
    query = select(
        func.count(), func.count().filter(comments.c.status == CommentStatus.rejected)
    ).where(who)
    posted, rejected = (await conn.execute(query)).one()
    return int(posted), int(rejected)


def _screening_query() -> Any:
    """What the rules need to know about a new comment, in one query: the published story's
    comment settings, whether the same text was posted since ``since``, whether the author
    has an approved comment, and the id of a ban in force on them (None: not banned)."""
    email: Any = bindparam("email")
    client: Any = bindparam("client")
    now = bindparam("now", type_=UTCDateTime())
    # Only the address has posted before: an e-mail address is unverified, so anyone could
    # type a regular's to skip the first-comment hold. (A NULL hash never equals anything.)
    approved: Any = bindparam("approved")
    posted = exists().where(comments.c.client_hash == client, comments.c.status == approved)
    ban = (
        select(bans.c.id)
        .where(
            or_(
                and_(bans.c.kind == BanKind.email, bans.c.value == email),
                and_(bans.c.kind == BanKind.client, bans.c.value == client),
            ),
            bans.c.lifted_at.is_(None),
            or_(bans.c.expires_at.is_(None), bans.c.expires_at > now),
        )
        .limit(1)
        .scalar_subquery()
    )
    return select(
        stories.c.comment_mode,
        stories.c.first_comment_hold,
        exists()
        .where(
            comments.c.fingerprint == bindparam("fingerprint"),
            comments.c.created_at >= bindparam("since", type_=UTCDateTime()),
        )
        .label("duplicate"),
        posted.label("has_posted"),
        ban.label("ban_id"),
    ).where(stories.c.id == bindparam("story"), stories.c.status == bindparam("published"))


# Run on every post through the raw path (storage/raw.py), which names its results so.
SCREENING = _screening_query()
SCREENING_FACTS = ("comment_mode", "first_comment_hold", "duplicate", "has_posted", "ban_id")


# Bans ------------------------------------------------------------------------------------------


async def active_ban(
    conn: Conn, hashes: dict[BanKind, str | None], now: datetime
) -> RowMapping | None:
    """A ban in force on any of the given {kind: hash}."""
    named = [
        and_(bans.c.kind == kind, bans.c.value == value) for kind, value in hashes.items() if value
    ]
    if not named:
        return None
    query = (
        select(bans)
        .where(
            or_(*named),
            bans.c.lifted_at.is_(None),
            or_(bans.c.expires_at.is_(None), bans.c.expires_at > now),
        )
        .order_by(bans.c.expires_at.is_(None).desc(), bans.c.expires_at.desc())
        .limit(1)
    )
    return (await conn.execute(query)).mappings().first()


async def insert_ban(conn: Conn, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(bans).values(**values).returning(bans.c.id))
    return int(result.scalar_one())


async def lift_ban(conn: Conn, ban_id: int, now: datetime) -> bool:
    result = await conn.execute(
        update(bans).where(bans.c.id == ban_id, bans.c.lifted_at.is_(None)).values(lifted_at=now)
    )
    return bool(result.rowcount)


async def bans_in_force(conn: Conn, now: datetime) -> Sequence[RowMapping]:
    query = (
        select(bans)
        .where(
            bans.c.lifted_at.is_(None), or_(bans.c.expires_at.is_(None), bans.c.expires_at > now)
        )
        .order_by(bans.c.id.desc())
    )
    return (await conn.execute(query)).mappings().all()


# Reports ---------------------------------------------------------------------------------------


async def report_of(conn: Conn, comment_id: int, voter_id: str | None) -> bool:
    """Whether this reader (by their voter cookie, never by address) reported a comment."""
    if voter_id is None:
        return False
    query = select(
        exists().where(reports.c.comment_id == comment_id, reports.c.voter_id == voter_id)
    )
    return bool((await conn.execute(query)).scalar())


async def reported_story(conn: Conn, comment_id: int, voter_id: str) -> RowMapping | None:
    """The story (slug and title) and number of a comment this reader reported, whatever
    became of the comment since, or None."""
    query = (
        select(comments.c.id, comments.c.number, stories.c.slug, stories.c.title)
        .join(stories, stories.c.id == comments.c.story_id)
        .where(
            comments.c.id == comment_id,
            exists().where(reports.c.comment_id == comment_id, reports.c.voter_id == voter_id),
        )
    )
    return (await conn.execute(query)).mappings().first()


async def recent_reporters(
    conn: Conn, comment_id: int, client_hash: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many readers of one address reported a comment since a time, and when the oldest
    of them did."""
    query = since_query(reports, comment_id, client_hash, since)
    count, oldest = (await conn.execute(query)).one()
    return int(count), oldest


async def reporting_addresses(conn: Conn, comment_id: int) -> int:
    """How many addresses reported a comment (a report without one counts alone): what the
    reports rule counts, so that readers of one address cannot hide a comment by
    themselves."""
    query = select(
        func.count(func.distinct(reports.c.client_hash))
        + func.count().filter(reports.c.client_hash.is_(None))
    ).where(reports.c.comment_id == comment_id)
    return int((await conn.execute(query)).scalar_one())


async def insert_report(conn: Conn, values: dict[str, Any]) -> int:
    """Store a report and count it on the comment; returns the comment's report count."""
    await conn.execute(insert(reports).values(**values))
    result = await conn.execute(
        update(comments)
        .where(comments.c.id == values["comment_id"])
        .values(report_count=comments.c.report_count + 1)
        .returning(comments.c.report_count)
    )
    return int(result.scalar_one())


async def reports_for(conn: Conn, comment_ids: Sequence[int]) -> dict[int, list[RowMapping]]:
    if not comment_ids:
        return {}
    query = (
        select(reports.c.comment_id, reports.c.reason, reports.c.text, reports.c.created_at)
        .where(reports.c.comment_id.in_(list(comment_ids)))
        .order_by(reports.c.id)
    )
    found: dict[int, list[RowMapping]] = {}
    for row in (await conn.execute(query)).mappings():
        found.setdefault(row["comment_id"], []).append(row)
    return found


async def clear_reports(conn: Conn, comment_id: int) -> None:
    await conn.execute(delete(reports).where(reports.c.comment_id == comment_id))
    await conn.execute(update(comments).where(comments.c.id == comment_id).values(report_count=0))


# Site settings ---------------------------------------------------------------------------------


async def setting(conn: Conn, key: str) -> Any:
    query = select(site_settings.c.value).where(site_settings.c.key == key)
    return (await conn.execute(query)).scalar_one_or_none()


async def add_setting(conn: Conn, key: str, value: Any, now: datetime) -> None:
    """A setting that must not exist yet (IntegrityError when another writer added it)."""
    await conn.execute(insert(site_settings).values(key=key, value=value, updated_at=now))


async def put_setting(conn: Conn, key: str, value: Any, now: datetime) -> None:
    await conn.execute(delete(site_settings).where(site_settings.c.key == key))
    await conn.execute(insert(site_settings).values(key=key, value=value, updated_at=now))


# The queue -------------------------------------------------------------------------------------

MODERATION_COLUMNS = [
    *PUBLIC_COLUMNS,
    comments.c.body_md,
    comments.c.email_hash,
    comments.c.client_hash,
    comments.c.verdicts,
    comments.c.featured,
    comments.c.report_count,
    comments.c.moderated_at,
    comments.c.moderated_by,
    comments.c.moderation_note,
    comments.c.previous_body_md,
]


def _names_rule(conn: Conn, rule: str) -> Any:
    """Whether a comment's stored verdicts ([{"rule": ..., ...}]) include one by ``rule``."""
    if conn.dialect.name == "postgresql":
        return cast(comments.c.verdicts, JSONB).contains([{"rule": rule}])
    verdict = func.json_each(comments.c.verdicts).table_valued("value")
    return exists().select_from(verdict).where(func.json_extract(verdict.c.value, "$.rule") == rule)


async def queue_page(
    conn: Conn,
    *,
    statuses: tuple[CommentStatus, ...],
    reported: bool,
    story_id: int | None,
    rule: str | None,
    before: int | None,
    limit: int,
    oldest_first: bool = False,
) -> Sequence[RowMapping]:
    """Comments in any of ``statuses`` (and with reports, when ``reported``), newest first
    by id before a keyset cursor, or oldest first after it; each with its story and the
    comment it answers."""
    parent = aliased(comments)
    query = (
        select(
            *MODERATION_COLUMNS,
            stories.c.title.label("story_title"),
            stories.c.slug.label("story_slug"),
            stories.c.page_url.label("story_page_url"),
            parent.c.name.label("parent_name"),
            parent.c.body_html.label("parent_body_html"),
        )
        .join(stories, stories.c.id == comments.c.story_id)
        .outerjoin(parent, parent.c.id == comments.c.parent_id)
        .where(comments.c.status.in_(statuses))
    )
    if reported:
        query = query.where(comments.c.report_count > 0)
    if story_id is not None:
        query = query.where(comments.c.story_id == story_id)
    if rule:
        query = query.where(_names_rule(conn, rule))
    if before is not None:
        query = query.where(comments.c.id > before if oldest_first else comments.c.id < before)
    order = comments.c.id.asc() if oldest_first else comments.c.id.desc()
    return (await conn.execute(query.order_by(order).limit(limit))).mappings().all()


def _commenter() -> Any:
    """Who a comment's author is, as far as the queue can tell apart people on one address:
    their e-mail hash, or else the name they typed."""
    return func.coalesce(comments.c.email_hash, literal("name:") + func.lower(comments.c.name))


async def commenters_at(conn: Conn, client_hashes: Sequence[str]) -> dict[str, int]:
    """How many different commenters (names or e-mail hashes) posted from each address."""
    if not client_hashes:
        return {}
    query = (
        select(comments.c.client_hash, func.count(distinct(_commenter())))
        .where(comments.c.client_hash.in_(sorted(set(client_hashes))))
        .group_by(comments.c.client_hash)
    )
    return {str(h): int(n) for h, n in (await conn.execute(query)).all()}


async def earlier_twins(conn: Conn, ids: Sequence[int]) -> dict[int, RowMapping]:
    """For each comment, the first earlier comment with the same text fingerprint (what a
    duplicate hold copies), with its story."""
    if not ids:
        return {}
    later = aliased(comments)
    first = (
        select(func.min(comments.c.id))
        .where(comments.c.fingerprint == later.c.fingerprint, comments.c.id < later.c.id)
        .scalar_subquery()
    )
    twin = aliased(comments)
    query = (
        select(
            later.c.id.label("of"),
            twin.c.id,
            twin.c.number,
            twin.c.name,
            twin.c.status,
            stories.c.slug.label("story_slug"),
        )
        .select_from(later)
        .join(twin, twin.c.id == first)
        .join(stories, stories.c.id == twin.c.story_id)
        .where(later.c.id.in_(list(ids)), later.c.fingerprint.is_not(None))
    )
    return {row["of"]: row for row in (await conn.execute(query)).mappings()}


async def latest_comment_by(conn: Conn, kind: BanKind, value: str) -> RowMapping | None:
    """The newest comment whose author hash of that kind is value, with its story."""
    column = comments.c.email_hash if kind == BanKind.email else comments.c.client_hash
    query = (
        select(
            comments.c.id,
            comments.c.number,
            comments.c.name,
            comments.c.body_md,
            comments.c.status,
            stories.c.slug.label("story_slug"),
            stories.c.title.label("story_title"),
        )
        .join(stories, stories.c.id == comments.c.story_id)
        .where(column == value)
        .order_by(comments.c.id.desc())
        .limit(1)
    )
    return (await conn.execute(query)).mappings().first()


async def comment_labels(conn: Conn, ids: Sequence[int]) -> dict[int, RowMapping]:
    """Who wrote each comment and where (the audit log, a ban's confirmation)."""
    if not ids:
        return {}
    query = (
        select(
            comments.c.id,
            comments.c.number,
            comments.c.name,
            comments.c.body_md,
            comments.c.status,
            comments.c.client_hash,
            stories.c.slug.label("story_slug"),
            stories.c.title.label("story_title"),
        )
        .join(stories, stories.c.id == comments.c.story_id)
        .where(comments.c.id.in_(sorted(set(ids))))
    )
    return {row["id"]: row for row in (await conn.execute(query)).mappings()}


async def bans_by_id(conn: Conn, ids: Sequence[int]) -> dict[int, RowMapping]:
    if not ids:
        return {}
    query = select(bans).where(bans.c.id.in_(sorted(set(ids))))
    return {row["id"]: row for row in (await conn.execute(query)).mappings()}


async def report_rows(conn: Conn, comment_id: int) -> list[dict[str, Any]]:
    """A comment's reports, every column, to put back when an approval is undone."""
    query = select(reports).where(reports.c.comment_id == comment_id).order_by(reports.c.id)
    return [dict(row) for row in (await conn.execute(query)).mappings()]


async def restore_reports(conn: Conn, comment_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """Put back reports saved by report_rows (times may come back as ISO text, from JSON)."""
    times = {c.name for c in reports.c if isinstance(c.type, UTCDateTime)}
    for row in rows:
        values = {
            k: datetime.fromisoformat(v) if k in times and isinstance(v, str) else v
            for k, v in row.items()
            if k != "id" and k in reports.c
        }
        await conn.execute(insert(reports).values(**values))
    await conn.execute(
        update(comments).where(comments.c.id == comment_id).values(report_count=len(rows))
    )


async def waiting_counts(conn: Conn) -> tuple[int, int]:
    """How many comments are held, and how many reported ones are not rejected."""
    query = select(
        func.count().filter(comments.c.status == CommentStatus.pending),
        func.count().filter(
            and_(comments.c.report_count > 0, comments.c.status != CommentStatus.rejected)
        ),
    )
    pending, reported = (await conn.execute(query)).one()
    return int(pending), int(reported)


async def comments_for_update(conn: Conn, ids: Sequence[int]) -> Sequence[RowMapping]:
    query = select(*MODERATION_COLUMNS).where(comments.c.id.in_(list(ids))).with_for_update()
    return (await conn.execute(query.order_by(comments.c.id))).mappings().all()


async def set_status(
    conn: Conn,
    row: RowMapping | dict[str, Any],
    status: CommentStatus,
    values: dict[str, Any],
) -> None:
    """Move a comment to a status, keeping the story's count, its parent's reply count and
    its root's descendant count in step with what readers can see, and bump the version."""
    was_visible = row["status"] == CommentStatus.approved
    now_visible = status == CommentStatus.approved
    await conn.execute(
        update(comments).where(comments.c.id == row["id"]).values(status=status, **values)
    )
    delta = int(now_visible) - int(was_visible)
    if delta:
        await story_store.change_comment_count(conn, row["story_id"], delta)
        if row["parent_id"] is not None:
            await add_to_counts(conn, row["parent_id"], replies=delta)
            await add_to_counts(conn, row["root_id"], descendants=delta)
    else:
        await story_store.bump_version(conn, row["story_id"])


async def set_featured(conn: Conn, row: RowMapping | dict[str, Any], featured: bool) -> None:
    await conn.execute(update(comments).where(comments.c.id == row["id"]).values(featured=featured))
    await story_store.bump_version(conn, row["story_id"])
