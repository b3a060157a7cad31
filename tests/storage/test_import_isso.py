"""Isso databases (importers/isso.py) on both databases: threads by path become their pages'
discussions (with --site), replies, modes and votes kept, deleted comments with replies kept
as placeholders, and a file that is not Isso's refused with nothing stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.storage.test_import_wxr import counts
from tribune.importers.service import ImportRefused, import_isso
from tribune.storage.engine import Database
from tribune.storage.tables import comments, stories

pytestmark = pytest.mark.anyio

# Isso 0.13's schema (isso/db/threads.py, comments.py), as its database holds it.
SCHEMA = """
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
    text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);
"""


def isso_file(path: Path) -> Path:
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.execute("INSERT INTO threads VALUES (1, '/blog/pier/', 'The pier')")
    connection.execute("INSERT INTO threads VALUES (2, '/blog/empty/', NULL)")
    rows = [
        (
            1,
            1,
            None,
            1764000000.0,
            1,
            "First, with *Markdown*.",
            "Ann",
            "ann@example.org",
            "https://ann.example",
            3,
            1,
        ),
        (1, 2, 1, 1764000100.0, 4, "", None, None, None, 0, 0),  # deleted, with a reply
        (1, 3, 2, 1764000200.0, 1, "Replying under the deleted one", "עדי", None, None, 0, 0),
        (1, 4, None, 1764000300.0, 2, "Waiting for review", "Pat", None, "not a url", 0, 0),
        (1, 5, None, 1764000400.0, 4, "", None, None, None, 0, 0),  # deleted, no reply
    ]
    connection.executemany(
        "INSERT INTO comments (tid, id, parent, created, mode, text, author, email, website,"
        " likes, dislikes, voters, remote_addr) VALUES (?,?,?,?,?,?,?,?,?,?,?,x'00','10.0.0.1')",
        rows,
    )
    connection.commit()
    connection.close()
    return path


async def test_an_isso_database_imports_with_its_threads(db: Database, tmp_path: Path) -> None:
    source = isso_file(tmp_path / "comments.db")
    summary = await import_isso(db, source, site="https://blog.example")
    assert (summary.stories_found, summary.stories_created, summary.comments_added) == (2, 2, 4)
    assert summary.skipped == {"deleted comments without replies": 1}
    async with db.read() as conn:
        made = {row.page_url: row.title for row in await conn.execute(select(stories))}
        said = {row.import_key: row for row in await conn.execute(select(comments))}
    assert made == {
        "https://blog.example/blog/pier": "The pier",
        "https://blog.example/blog/empty": "/blog/empty/",
    }
    first = said["isso:1"]
    assert (first.name, first.status, first.score, first.website) == (
        "Ann",
        "approved",
        2,
        "https://ann.example",
    )
    assert "<em>Markdown</em>" in first.body_html
    assert said["isso:2"].status == "deleted"
    assert said["isso:3"].parent_id == said["isso:2"].id and said["isso:3"].name == "עדי"
    assert (said["isso:4"].status, said["isso:4"].website) == ("pending", None)
    again = await import_isso(db, source, site="https://blog.example")
    assert (again.stories_created, again.comments_added) == (0, 0)


async def test_what_is_not_an_isso_database_is_refused(db: Database, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    with pytest.raises(ImportRefused, match="not an Isso database"):
        await import_isso(db, text)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(ImportRefused, match="no threads and comments tables"):
        await import_isso(db, other)
    assert await counts(db) == (0, 0)
