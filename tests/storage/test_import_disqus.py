"""Disqus exports (importers/disqus.py) on both databases: threads become their pages'
discussions, posts keep parents, deleted posts with replies stay as placeholders, spam is
rejected, odd threads and orphan posts are skipped and counted, gzip is read as it is and a
gzip bomb is refused; re-importing adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.storage.test_import_wxr import counts
from tribune.importers.service import ImportRefused, import_disqus
from tribune.storage.engine import Database
from tribune.storage.tables import comments, stories

pytestmark = pytest.mark.anyio

DATA = Path(__file__).parents[1] / "data" / "disqus"


@pytest.mark.parametrize("name", ["export.xml", "export.xml.gz"])
async def test_a_disqus_export_imports_with_its_threads(db: Database, name: str) -> None:
    summary = await import_disqus(db, DATA / name)
    assert (summary.stories_found, summary.stories_created) == (2, 2)
    assert summary.comments_found == summary.comments_added == 5
    assert summary.skipped == {
        "deleted posts without replies": 1,
        "threads without an id or address": 1,
        "posts of threads not in the file": 1,
    }
    assert summary.replies_moved_up == 1  # a parent on another thread
    async with db.read() as conn:
        made = {
            row.title: row.page_url
            for row in await conn.execute(select(stories.c.title, stories.c.page_url))
        }
        said = {
            row.import_key: (row.name, row.status, row.parent_id is not None, row.body_html)
            for row in await conn.execute(select(comments))
        }
    assert made == {
        "Council votes to rebuild the pier": "https://gazette.example/2026/11/pier",
        "https://gazette.example/2026/11/untitled/": "https://gazette.example/2026/11/untitled",
    }
    assert said["disqus:1001"][:3] == ("Ann Müller", "approved", False)
    assert "<strong>falling apart</strong>" in said["disqus:1001"][3]
    assert said["disqus:1002"][1] == "deleted"  # kept: a reply hangs from it
    assert said["disqus:1003"][:3] == ("יעל", "approved", True)
    assert said["disqus:1005"][1] == "rejected" and "<script" not in said["disqus:1005"][3]
    assert "disqus:1004" not in said and "disqus:1007" not in said
    again = await import_disqus(db, DATA / name)
    assert (again.stories_created, again.comments_added) == (0, 0)


async def test_a_gzip_bomb_is_refused(db: Database) -> None:
    with pytest.raises(ImportRefused, match="compression bomb"):
        await import_disqus(db, DATA / "bomb.xml.gz")
    assert await counts(db) == (0, 0)


async def test_what_is_not_a_disqus_export_is_refused(db: Database) -> None:
    wxr = Path(__file__).parents[1] / "data" / "wxr"
    with pytest.raises(ImportRefused, match="not a Disqus export"):
        await import_disqus(db, wxr / "blog.xml")
    with pytest.raises(ImportRefused, match="declares XML entities"):
        await import_disqus(db, wxr / "entity-bomb.xml")
    assert await counts(db) == (0, 0)
