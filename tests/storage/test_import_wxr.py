"""WordPress exports (importers/wxr.py) on both databases: posts become stories, comments keep
their threading, statuses and authors; linkbacks and trash are skipped and counted; hostile
markup is sanitized like a new comment's; refused files store nothing; re-importing adds
nothing; a dry run stores nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.helpers import client_at
from tribune.app import create_app
from tribune.importers.service import ImportRefused, import_wxr
from tribune.settings import Settings
from tribune.storage.engine import Database
from tribune.storage.tables import comments, stories

pytestmark = pytest.mark.anyio

DATA = Path(__file__).parents[1] / "data" / "wxr"


async def counts(db: Database) -> tuple[int, int]:
    async with db.read() as conn:
        made = (await conn.execute(select(func.count()).select_from(stories))).scalar_one()
        said = (await conn.execute(select(func.count()).select_from(comments))).scalar_one()
    return int(made), int(said)


async def thread(client: httpx.AsyncClient, slug: str) -> dict[str, Any]:
    listed = (await client.get("/api/v1/stories")).json()["stories"]
    story = next(s for s in listed if s["slug"] == slug)
    return dict((await client.get(f"/api/v1/stories/{story['id']}/comments")).json())


async def test_a_wordpress_blog_imports_with_its_threads(db: Database, settings: Settings) -> None:
    summary = await import_wxr(db, DATA / "blog.xml")
    assert (summary.stories_found, summary.comments_found) == (2, 5)
    assert (summary.stories_created, summary.comments_added) == (2, 5)
    assert summary.skipped == {
        "pingbacks and trackbacks": 1,
        "trashed comments": 1,
        "posts not published": 1,
        "attachments and other items": 1,
    }
    assert summary.replies_moved_up == 1  # the reply to a trashed comment
    app = create_app(settings)
    async with client_at(app) as client:
        found = await thread(client, "council-votes-to-rebuild-the-old-pier")
        # Approved ones show: Maria's, its reply, and the reply whose parent was trashed.
        assert found["total"] == 3
        maria, orphan = found["comments"]
        assert maria["name"] == "Maria Lopes" and maria["website"] == "https://maria.example/"
        assert maria["body_html"] == (
            "<p>Finally! My grandfather fished from that pier.<br>\nHe would be glad.</p>\n"
        )  # a single newline stays a line break
        assert maria["created_at"] == "2026-11-23T10:00:00Z"
        reply = maria["replies"][0]
        assert reply["name"] == "مريم" and reply["website"] is None  # javascript: dropped
        assert "<em>Agreed</em>" in reply["body_html"]
        assert "<script" not in reply["body_html"] and "onerror" not in reply["body_html"]
        assert orphan["name"] == "Ana" and orphan["parent_id"] is None
        page = await client.get("/stories/council-votes-to-rebuild-the-old-pier")
        assert "<strong>ten years</strong>" in page.text
        # Its tags and categories are its tags (one per name, the default category left out).
        assert 'href="/tags/harbour"' in page.text
        assert 'href="/tags/local-politics-council"' in page.text
        assert "uncategorized" not in page.text.lower()
        tagged = await client.get("/tags/local-politics-council")
        assert "Council votes to rebuild the old pier" in tagged.text
        assert 'href="https://gazette.example/minutes"' in page.text
    await app.state.db.dispose()
    async with db.read() as conn:
        held = await conn.execute(
            select(comments.c.name, comments.c.status, comments.c.email).order_by(comments.c.id)
        )
        statuses = {row.name: (row.status, row.email) for row in held}
    assert statuses["Tom"] == ("pending", None)  # an invalid e-mail dropped, not the comment
    assert statuses["Cheap pills"][0] == "rejected"
    assert statuses["Maria Lopes"] == ("approved", "maria@example.org")


async def test_importing_again_adds_nothing(db: Database) -> None:
    await import_wxr(db, DATA / "blog.xml")
    before = await counts(db)
    again = await import_wxr(db, DATA / "blog.xml")
    assert (again.stories_created, again.stories_attached, again.comments_added) == (0, 2, 0)
    assert await counts(db) == before


async def test_a_dry_run_stores_nothing(db: Database) -> None:
    summary = await import_wxr(db, DATA / "blog.xml", dry_run=True)
    assert summary.dry_run and (summary.stories_found, summary.comments_found) == (2, 5)
    assert await counts(db) == (0, 0)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("truncated.xml", "the XML is malformed or cut short"),
        ("entity-bomb.xml", "declares XML entities"),
        ("external-entity.xml", "declares XML entities or refers to outside files"),
    ],
)
async def test_a_hostile_or_broken_file_stores_nothing(
    db: Database, name: str, message: str
) -> None:
    with pytest.raises(ImportRefused, match=message) as refused:
        await import_wxr(db, DATA / name)
    if name == "truncated.xml":
        assert str(refused.value).startswith("line ")
    assert await counts(db) == (0, 0)


async def test_what_is_not_a_wordpress_export_is_refused(db: Database, tmp_path: Path) -> None:
    other = tmp_path / "feed.xml"
    other.write_text('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>')
    with pytest.raises(ImportRefused, match="not a WordPress export"):
        await import_wxr(db, other)
    bad = tmp_path / "bad.xml"
    bad.write_text(
        (DATA / "blog.xml")
        .read_text()
        .replace("<![CDATA[0]]></wp:comment_approved>", "<![CDATA[maybe]]></wp:comment_approved>")
    )
    with pytest.raises(ImportRefused, match=r"item 1 .*comment 13: wp:comment_approved is 'maybe'"):
        await import_wxr(db, bad)
    assert await counts(db) == (0, 0)


async def test_a_cycle_of_parents_is_broken_once_and_its_replies_keep_their_places(
    db: Database, tmp_path: Path
) -> None:
    """1 answers 2 and 2 answers 1 (no WordPress writes that, but a broken export may): 1, the
    first, goes to the top level; 2 stays its reply, and 3 and 4 below 2 keep their places."""
    written = "".join(
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id>"
        f"<wp:comment_author>Reader {n}</wp:comment_author>"
        "<wp:comment_date_gmt>2026-11-23 10:00:00</wp:comment_date_gmt>"
        f"<wp:comment_content>Comment number {n} of the cycle test</wp:comment_content>"
        f"<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>{parent}"
        "</wp:comment_parent></wp:comment>"
        for n, parent in ((1, 2), (2, 1), (3, 2), (4, 3))
    )
    export = tmp_path / "cycle.xml"
    export.write_text(
        '<?xml version="1.0"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">'
        "<channel><item><title>Cycles</title><link>https://blog.example/cycles/</link>"
        "<wp:post_id>7</wp:post_id><wp:status>publish</wp:status>"
        f"<wp:post_type>post</wp:post_type>{written}</item></channel></rss>"
    )
    await import_wxr(db, export)
    async with db.read() as conn:
        rows = (
            await conn.execute(select(comments.c.id, comments.c.name, comments.c.parent_id))
        ).all()
    ids = {name: comment_id for comment_id, name, _ in rows}
    parents = {name: parent for _, name, parent in rows}
    assert parents == {
        "Reader 1": None,
        "Reader 2": ids["Reader 1"],
        "Reader 3": ids["Reader 2"],
        "Reader 4": ids["Reader 3"],
    }
