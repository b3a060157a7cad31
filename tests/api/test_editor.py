"""The story editor's rules on both databases: every state transition, the schedule (two
instances racing), slug changes and their redirects, revisions and restore, two editors
saving at once, and every refused input leaving nothing behind."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from tests.helpers import staff_member
from tribune.exceptions import Conflict, Invalid, NotAllowed
from tribune.live.broker import MemoryBroker
from tribune.storage.engine import Database
from tribune.storage.tables import audit_log, staff, stories, story_redirects, story_revisions
from tribune.stories import editor, scheduler
from tribune.stories import service as public_stories
from tribune.stories.editor import By, SaveConflict
from tribune.vocabulary import StoryStatus

pytestmark = pytest.mark.anyio

STORY = {
    "title": "Turkey’s Syria op could see ISIS terrorists scattering – Putin",
    "lead": "Russian President Vladimir Putin has warned.",
    "body": "The Russian leader spoke on Tuesday. #Putin #Syria\n\n> a pull quote",
    "tags": "Turkey",
    "source_url": "https://on.rt.com/a37e",
}


async def _count(db: Database, table: Any) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


@pytest.fixture
async def by(app: Any) -> By:
    return By.member(await staff_member(app, "editor"))


async def _status(db: Database, story_id: int) -> str:
    found = await editor.story(db, story_id)
    assert found is not None
    return str(found["status"])


async def test_a_draft_is_nowhere_public_until_published(db: Database, by: By) -> None:
    story_id = await editor.create(db, STORY, by=by)
    found = await editor.story(db, story_id)
    assert found is not None and found["status"] == StoryStatus.draft
    assert found["slug"] == "turkeys-syria-op-could-see-isis-terrorists-scattering-putin"
    assert found["content"].authors == [by.staff.id]  # type: ignore[union-attr]
    assert await public_stories.story_by_id(db, story_id) is None
    assert await public_stories.story_by_slug(db, found["slug"]) is None
    assert (await public_stories.recent(db, None, 20))[0] == []
    # A tag only a draft carries has no page: it would give the draft away.
    assert await public_stories.tagged(db, "putin", None, 20) is None
    await editor.save(db, story_id, {}, base_revision=1, status=StoryStatus.published, by=by)
    published = await public_stories.story_by_id(db, story_id)
    assert published is not None
    assert [t["slug"] for t in published["tags"]] == ["turkey", "putin", "syria"]
    assert "<blockquote>" in published["body_html"]


async def test_every_transition(db: Database, by: By) -> None:
    story_id = await editor.create(db, STORY, by=by)
    later = datetime.now(UTC) + timedelta(hours=1)
    steps = [
        (StoryStatus.scheduled, later),
        (StoryStatus.draft, None),
        (StoryStatus.published, None),
        (StoryStatus.unpublished, None),
        (StoryStatus.published, None),
    ]
    revision = 1
    for status, when in steps:
        revision = await editor.save(
            db, story_id, {}, base_revision=revision, status=status, publish_at=when, by=by
        )
        assert await _status(db, story_id) == status
        visible = await public_stories.story_by_id(db, story_id) is not None
        assert visible is (status == StoryStatus.published)
    # A published story cannot go back to being a draft or scheduled: it is unpublished.
    for refused in (StoryStatus.draft, StoryStatus.scheduled):
        with pytest.raises(Invalid) as caught:
            await editor.save(
                db, story_id, {}, base_revision=revision, status=refused, publish_at=later, by=by
            )
        assert "status" in caught.value.errors
    assert await _status(db, story_id) == StoryStatus.published
    notes = [r["note"] for r in await editor.revisions(db, story_id)]
    assert notes == [
        "Published",
        "Unpublished",
        "Published",
        "Saved as a draft",
        "Scheduled",
        "Saved as a draft",
    ]


async def test_republishing_keeps_the_first_publication_time(db: Database, by: By) -> None:
    story_id = await editor.create(db, STORY, status=StoryStatus.published, by=by)
    first = (await editor.story(db, story_id) or {})["published_at"]
    await editor.save(db, story_id, {}, base_revision=1, status=StoryStatus.unpublished, by=by)
    await editor.save(db, story_id, {}, base_revision=2, status=StoryStatus.published, by=by)
    assert (await editor.story(db, story_id) or {})["published_at"] == first


async def test_edits_of_a_published_story_are_marked_updated(db: Database, by: By) -> None:
    story_id = await editor.create(db, STORY, status=StoryStatus.published, by=by)
    assert (await editor.story(db, story_id) or {})["edited_at"] is None
    await editor.save(db, story_id, {"comment_mode": "closed"}, base_revision=1, by=by)
    assert (await editor.story(db, story_id) or {})["edited_at"] is None  # not the text
    await editor.save(
        db, story_id, {"correction": "An earlier version misquoted him."}, base_revision=2, by=by
    )
    found = await public_stories.story_by_id(db, story_id)
    assert found is not None and found["edited_at"] is not None
    assert found["correction"] == "An earlier version misquoted him."


async def test_the_schedule_publishes_once_with_two_instances_racing(
    db: Database, settings: Any, by: By
) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=1)
    story_id = await editor.create(db, STORY, status=StoryStatus.scheduled, publish_at=soon, by=by)
    assert await scheduler.publish_due(db) == []  # not yet
    await asyncio.sleep(1.1)
    other = Database(settings.database_url, pool_size=2)
    try:
        events = MemoryBroker()
        first, second = await asyncio.gather(
            scheduler.publish_due(db, events), scheduler.publish_due(other, events)
        )
    finally:
        await other.dispose()
    assert sorted(first + second) == [story_id]
    found = await public_stories.story_by_id(db, story_id)
    assert found is not None
    assert abs((found["published_at"] - soon).total_seconds()) < 0.01
    async with db.read() as conn:
        published = await conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.action == "story.publish", audit_log.c.actor == "Schedule")
        )
        assert published.scalar_one() == 1
    notes = [r["note"] for r in await editor.revisions(db, story_id)]
    assert notes == ["Published on schedule", "Scheduled"]
    # The schedule's revision is the story's current one and keeps the scheduled text.
    assert (await editor.story(db, story_id) or {})["revision"] == 2
    kept = [await editor.revision(db, story_id, n) for n in (1, 2)]
    assert kept[0] is not None and kept[1] is not None
    assert kept[1]["content"] == kept[0]["content"]


async def test_the_schedule_runs_without_any_request(db: Database, by: By) -> None:
    soon = datetime.now(UTC) + timedelta(milliseconds=300)
    story_id = await editor.create(db, STORY, status=StoryStatus.scheduled, publish_at=soon, by=by)
    task = asyncio.create_task(scheduler.run(db, MemoryBroker(), poll=0.1))
    try:
        for _ in range(50):
            if await _status(db, story_id) == StoryStatus.published:
                break
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
    assert await _status(db, story_id) == StoryStatus.published


async def test_scheduling_needs_a_future_time(db: Database, by: By) -> None:
    for when, words in ((None, "Please give the date"), (datetime.now(UTC), "already passed")):
        with pytest.raises(Invalid) as caught:
            await editor.create(db, STORY, status=StoryStatus.scheduled, publish_at=when, by=by)
        assert words in caught.value.errors["publish_at"]
    assert await _count(db, stories) == 0


async def test_a_changed_slug_keeps_the_old_address(db: Database, by: By) -> None:
    story_id = await editor.create(db, STORY, status=StoryStatus.published, by=by)
    old = (await editor.story(db, story_id) or {})["slug"]
    await editor.save(db, story_id, {"slug": "putin-on-syria"}, base_revision=1, by=by)
    assert await public_stories.moved_to(db, old) == "putin-on-syria"
    await editor.save(db, story_id, {"slug": "putin-warns"}, base_revision=2, by=by)
    assert await public_stories.moved_to(db, old) == "putin-warns"
    assert await public_stories.moved_to(db, "putin-on-syria") == "putin-warns"
    # Back to a slug it had: that address is the story again, not a redirect to itself.
    await editor.save(db, story_id, {"slug": old}, base_revision=3, by=by)
    assert await public_stories.moved_to(db, old) is None
    assert await public_stories.moved_to(db, "putin-warns") == old


async def test_a_draft_that_never_published_leaves_no_redirects(db: Database, by: By) -> None:
    story_id = await editor.create(db, STORY, by=by)
    await editor.save(db, story_id, {"slug": "another"}, base_revision=1, by=by)
    assert await _count(db, story_redirects) == 0


async def test_a_slug_in_use_is_a_conflict_naming_the_story(db: Database, by: By) -> None:
    await editor.create(db, {**STORY, "slug": "taken"}, by=by)
    with pytest.raises(Conflict) as caught:
        await editor.create(db, {**STORY, "title": "Another", "slug": "taken"}, by=by)
    assert "already used by “Turkey’s Syria op" in caught.value.errors["slug"]
    assert await _count(db, stories) == 1


async def test_refused_input_names_every_field_and_stores_nothing(db: Database, by: By) -> None:
    bad = {
        "title": "",
        "slug": "Not a slug!",
        "lead": "x" * 1001,
        "body": "nul \x00 here",
        "tags": "fine, not a tag!",
        "source_url": "javascript:alert(1)",
        "video_url": "ftp://example.org/v",
        "correction": "\x1b[31m",
        "comment_mode": "sometimes",
        "authors": "12345",
        "lead_image_id": "999",
    }
    with pytest.raises(Invalid) as caught:
        await editor.create(db, bad, by=by)
    errors = caught.value.errors
    assert set(errors) == set(bad) | {"lead_image_alt"}
    assert errors["title"] == "Please give the story a title."
    assert errors["source_url"].startswith("Read more link: ")
    assert await _count(db, stories) == 0
    assert await _count(db, story_revisions) == 0
    long_title = {**STORY, "title": "t" * 201}
    with pytest.raises(Invalid) as caught:
        await editor.create(db, long_title, by=by)
    assert caught.value.errors["title"].startswith("The title can be at most 200 characters")


async def test_publishing_needs_a_body(db: Database, by: By) -> None:
    story_id = await editor.create(db, {"title": "Just a title"}, by=by)
    with pytest.raises(Invalid) as caught:
        await editor.save(db, story_id, {}, base_revision=1, status=StoryStatus.published, by=by)
    assert caught.value.errors == {"body": "Please write the story before publishing it."}


async def test_two_editors_saving_the_second_gets_a_conflict(db: Database, app: Any) -> None:
    ana = By.member(await staff_member(app, "editor", "ana@example.org"))
    ben = By.member(await staff_member(app, "admin", "ben@example.org"))
    story_id = await editor.create(db, STORY, by=ana)
    await editor.save(
        db, story_id, {"title": "Ana's title", "body": "Ana's body"}, base_revision=1, by=ana
    )
    with pytest.raises(SaveConflict) as caught:
        await editor.save(db, story_id, {"lead": "Ben's lead"}, base_revision=1, by=ben)
    conflict = caught.value
    assert conflict.changed == ["title", "body"]
    assert "Editor saved this story while you were editing" in conflict.detail
    assert "title, body" in conflict.detail
    assert conflict.current["revision"] == 2
    found = await editor.story(db, story_id)
    assert found is not None and found["lead"] == STORY["lead"]  # nothing of Ben's written
    # Saving again from the revision the conflict showed succeeds.
    assert await editor.save(db, story_id, {"lead": "Ben's lead"}, base_revision=2, by=ben) == 3


async def test_revisions_compare_and_restore(db: Database, by: By) -> None:
    story_id = await editor.create(db, STORY, by=by)
    await editor.save(db, story_id, {"body": "A new body."}, base_revision=1, by=by)
    first = await editor.revision(db, story_id, 1)
    assert first is not None and first["content"].body == STORY["body"]
    number = await editor.restore(db, story_id, 1, by=by, base_revision=2)
    assert number == 3
    found = await editor.story(db, story_id)
    assert found is not None and found["body_md"] == STORY["body"]
    latest = (await editor.revisions(db, story_id))[0]
    assert latest["note"] == "Restored revision 1"
    with pytest.raises(SaveConflict):
        await editor.restore(db, story_id, 1, by=by, base_revision=2)


async def test_deleting_a_story_with_comments_needs_a_second_yes(
    app: Any, db: Database, by: By, story: dict[str, Any]
) -> None:
    with pytest.raises(NotAllowed) as caught:
        await editor.delete(db, story["id"], with_comments=False, by=by)
    assert "This story has 5 comments" in caught.value.detail
    assert await editor.story(db, story["id"]) is not None
    await editor.delete(db, story["id"], with_comments=True, by=by)
    assert await editor.story(db, story["id"]) is None


async def test_bylines_give_authors_a_page_slug(db: Database, app: Any) -> None:
    ana = await staff_member(app, "editor", "ana@example.org")
    ben = await staff_member(app, "admin", "ben@example.org")
    story_id = await editor.create(db, {**STORY, "authors": [ben.id, ana.id]}, by=By.member(ana))
    found = await editor.story(db, story_id)
    assert found is not None and found["content"].authors == [ben.id, ana.id]
    async with db.read() as conn:
        rows = (await conn.execute(select(staff.c.id, staff.c.slug))).all()
    slugs = {int(row[0]): row[1] for row in rows}
    assert slugs[ana.id] == "editor" and slugs[ben.id] == "admin"


async def test_a_token_saves_without_a_staff_member(db: Database) -> None:
    story_id = await editor.create(db, STORY, by=By("API token “CMS”"))
    found = await editor.story(db, story_id)
    assert found is not None and found["content"].authors == []
    assert (await editor.revisions(db, story_id))[0]["actor"] == "API token “CMS”"


@pytest.mark.parametrize("status", [StoryStatus.draft, StoryStatus.scheduled, "unpublished"])
async def test_an_unpublished_story_is_on_no_public_path(
    db: Database, by: By, reader: Any, status: str
) -> None:
    story_id = await editor.create(db, STORY, status=StoryStatus.published, by=by)
    slug = (await editor.story(db, story_id) or {})["slug"]
    if status == "unpublished":
        await editor.save(db, story_id, {}, base_revision=1, status=StoryStatus.unpublished, by=by)
    else:
        async with db.transaction() as conn:  # as if it had never been published
            await conn.execute(
                update(stories).where(stories.c.id == story_id).values(status=status)
            )
    paths = [
        f"/stories/{slug}",
        f"/api/v1/stories/{story_id}",
        f"/api/v1/stories/{story_id}/comments",
        f"/api/v1/stories/{story_id}/events",
        f"/stories/{slug}/thread",
        f"/feeds/stories/{slug}/comments.atom",
    ]
    for path in paths:
        assert (await reader.get(path)).status_code == 404, path
    counts = (await reader.get(f"/api/v1/counts?story={story_id}")).json()["counts"]
    assert counts == {}
    posted = await reader.post(
        f"/api/v1/stories/{story_id}/comments", json={"name": "Ana", "body": "Hello"}
    )
    assert posted.status_code == 404
    for listing in ("/", "/tags/putin", "/feeds/stories.atom", "/sitemap.xml"):
        assert STORY["title"] not in (await reader.get(listing)).text, listing
