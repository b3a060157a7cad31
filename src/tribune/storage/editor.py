"""The story editor's queries: any story whatever its status, revisions, bylines, redirects,
the schedule. Functions take a connection and plain values, return rows or None."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import RowMapping

from tribune.storage.engine import Conn
from tribune.storage.tables import (
    comments,
    images,
    staff,
    stories,
    story_authors,
    story_redirects,
    story_revisions,
    story_tags,
    tags,
    threads,
)
from tribune.vocabulary import StoryStatus


async def story(conn: Conn, story_id: int) -> RowMapping | None:
    """A story whatever its status, with its comment count."""
    query = (
        select(*stories.c, threads.c.comment_count)
        .select_from(stories.join(threads, threads.c.story_id == stories.c.id))
        .where(stories.c.id == story_id)
    )
    return (await conn.execute(query)).mappings().first()


async def story_for_update(conn: Conn, story_id: int) -> RowMapping | None:
    """The story row, locked until the transaction ends (PostgreSQL; SQLite's writer is one)."""
    query = select(stories).where(stories.c.id == story_id).with_for_update()
    return (await conn.execute(query)).mappings().first()


async def slug_owner(conn: Conn, slug: str) -> RowMapping | None:
    """The story whose current address is this slug."""
    query = select(stories.c.id, stories.c.title).where(stories.c.slug == slug)
    return (await conn.execute(query)).mappings().first()


async def insert_story(conn: Conn, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(stories).values(**values).returning(stories.c.id))
    story_id = int(result.scalar_one())
    await conn.execute(insert(threads).values(story_id=story_id))
    return story_id


async def update_story(
    conn: Conn, story_id: int, base_revision: int, values: dict[str, Any]
) -> bool:
    """Write a save made from ``base_revision``; False when someone saved since (a conflict)."""
    result = await conn.execute(
        update(stories)
        .where(stories.c.id == story_id, stories.c.revision == base_revision)
        .values(**values, revision=stories.c.revision + 1)
    )
    return bool(result.rowcount)


async def delete_story(conn: Conn, story_id: int) -> bool:
    result = await conn.execute(delete(stories).where(stories.c.id == story_id))
    return bool(result.rowcount)


async def comment_total(conn: Conn, story_id: int) -> int:
    """Every comment of the story, whatever its status (what deleting it would remove)."""
    query = select(func.count()).select_from(comments).where(comments.c.story_id == story_id)
    return int((await conn.execute(query)).scalar_one())


# Tags and bylines ------------------------------------------------------------------------------


async def clear_tags(conn: Conn, story_id: int) -> None:
    await conn.execute(delete(story_tags).where(story_tags.c.story_id == story_id))


async def set_authors(conn: Conn, story_id: int, staff_ids: Sequence[int]) -> None:
    await conn.execute(delete(story_authors).where(story_authors.c.story_id == story_id))
    if staff_ids:
        await conn.execute(
            insert(story_authors),
            [
                {"story_id": story_id, "staff_id": staff_id, "position": position}
                for position, staff_id in enumerate(staff_ids)
            ],
        )


async def author_ids(conn: Conn, story_id: int) -> list[int]:
    query = (
        select(story_authors.c.staff_id)
        .where(story_authors.c.story_id == story_id)
        .order_by(story_authors.c.position)
    )
    return [int(i) for i in (await conn.execute(query)).scalars()]


async def staff_people(conn: Conn) -> Sequence[RowMapping]:
    """Every staff member who can have a byline: id, name, slug."""
    query = select(staff.c.id, staff.c.name, staff.c.slug).order_by(staff.c.name, staff.c.id)
    return (await conn.execute(query)).mappings().all()


async def existing_staff(conn: Conn, staff_ids: Sequence[int]) -> set[int]:
    if not staff_ids:
        return set()
    query = select(staff.c.id).where(staff.c.id.in_(list(staff_ids)))
    return {int(i) for i in (await conn.execute(query)).scalars()}


async def unslugged_staff(conn: Conn, staff_ids: Sequence[int]) -> Sequence[RowMapping]:
    query = select(staff.c.id, staff.c.name).where(
        staff.c.id.in_(list(staff_ids)), staff.c.slug.is_(None)
    )
    return (await conn.execute(query)).mappings().all()


async def staff_slug_taken(conn: Conn, slug: str) -> bool:
    query = select(staff.c.id).where(staff.c.slug == slug)
    return (await conn.execute(query)).first() is not None


async def set_staff_slug(conn: Conn, staff_id: int, slug: str) -> None:
    await conn.execute(update(staff).where(staff.c.id == staff_id).values(slug=slug))


async def image_exists(conn: Conn, image_id: int) -> bool:
    query = select(images.c.id).where(images.c.id == image_id)
    return (await conn.execute(query)).first() is not None


# Revisions -------------------------------------------------------------------------------------


async def add_revision(conn: Conn, values: dict[str, Any]) -> None:
    await conn.execute(insert(story_revisions).values(**values))


async def revisions(conn: Conn, story_id: int) -> Sequence[RowMapping]:
    """The story's revisions, newest first, without their content."""
    query = (
        select(
            story_revisions.c.number,
            story_revisions.c.saved_at,
            story_revisions.c.actor,
            story_revisions.c.note,
        )
        .where(story_revisions.c.story_id == story_id)
        .order_by(story_revisions.c.number.desc())
    )
    return (await conn.execute(query)).mappings().all()


async def revision(conn: Conn, story_id: int, number: int) -> RowMapping | None:
    query = select(story_revisions).where(
        story_revisions.c.story_id == story_id, story_revisions.c.number == number
    )
    return (await conn.execute(query)).mappings().first()


# Old addresses ---------------------------------------------------------------------------------


async def add_redirect(conn: Conn, slug: str, story_id: int) -> None:
    """Keep an old slug answering for the story (taking it over from any other story)."""
    await conn.execute(delete(story_redirects).where(story_redirects.c.slug == slug))
    await conn.execute(insert(story_redirects).values(slug=slug, story_id=story_id))


async def drop_redirect(conn: Conn, slug: str) -> None:
    """A slug that is some story's address again answers for that story itself."""
    await conn.execute(delete(story_redirects).where(story_redirects.c.slug == slug))


async def redirect_target(conn: Conn, slug: str) -> str | None:
    """The current slug of the published story that once lived at this one."""
    query = (
        select(stories.c.slug)
        .join(story_redirects, story_redirects.c.story_id == stories.c.id)
        .where(story_redirects.c.slug == slug, stories.c.status == StoryStatus.published)
    )
    found = (await conn.execute(query)).scalar_one_or_none()
    return None if found is None else str(found)


# The staff list and the schedule -------------------------------------------------------------


async def story_list(
    conn: Conn,
    *,
    status: StoryStatus | None,
    tag: str | None,
    title: str | None,
    offset: int,
    limit: int,
) -> Sequence[RowMapping]:
    """Every story for /admin/stories, newest change first, filtered."""
    query = select(
        stories.c.id,
        stories.c.slug,
        stories.c.title,
        stories.c.status,
        stories.c.published_at,
        stories.c.publish_at,
        stories.c.updated_at,
        threads.c.comment_count,
    ).select_from(stories.join(threads, threads.c.story_id == stories.c.id))
    if status is not None:
        query = query.where(stories.c.status == status)
    if tag:
        query = query.where(
            stories.c.id.in_(
                select(story_tags.c.story_id)
                .join(tags, tags.c.id == story_tags.c.tag_id)
                .where(tags.c.slug == tag)
            )
        )
    if title:
        escaped = title.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(stories.c.title).like(f"%{escaped.lower()}%", escape="\\"))
    query = query.order_by(stories.c.updated_at.desc(), stories.c.id.desc())
    return (await conn.execute(query.offset(offset).limit(limit))).mappings().all()


async def bylines_of(conn: Conn, story_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each story's author names in order (the staff list shows them)."""
    found: dict[int, list[str]] = {story_id: [] for story_id in story_ids}
    if not story_ids:
        return found
    query = (
        select(story_authors.c.story_id, staff.c.name)
        .join(staff, staff.c.id == story_authors.c.staff_id)
        .where(story_authors.c.story_id.in_(list(story_ids)))
        .order_by(story_authors.c.story_id, story_authors.c.position)
    )
    for row in (await conn.execute(query)).mappings():
        found[row["story_id"]].append(row["name"])
    return found


async def next_due(conn: Conn) -> datetime | None:
    """When the earliest scheduled story is due."""
    query = select(func.min(stories.c.publish_at)).where(stories.c.status == StoryStatus.scheduled)
    found: datetime | None = (await conn.execute(query)).scalar_one_or_none()
    return found


async def publish_due(conn: Conn, now: datetime) -> Sequence[RowMapping]:
    """Publish every scheduled story whose time has come; returns them, each with its new
    revision number (the one the schedule's publication is kept as). The status condition
    makes each story publish once however many instances run this at the same moment: the
    second UPDATE of a row finds it published already (PostgreSQL re-checks the condition
    after waiting for the first's row lock; SQLite has one writer)."""
    query = (
        update(stories)
        .where(stories.c.status == StoryStatus.scheduled, stories.c.publish_at <= now)
        .values(
            status=StoryStatus.published,
            published_at=stories.c.publish_at,
            publish_at=None,
            updated_at=now,
            revision=stories.c.revision + 1,  # the schedule's own revision
        )
        .returning(stories.c.id, stories.c.title, stories.c.revision, stories.c.comment_mode)
    )
    return (await conn.execute(query)).mappings().all()
