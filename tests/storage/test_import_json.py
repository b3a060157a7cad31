"""Remark42 backups and Commento exports (importers/jsonarchives.py) on both databases."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.storage.test_import_wxr import counts
from tribune.importers.service import ImportRefused, import_commento, import_remark42
from tribune.storage.engine import Database
from tribune.storage.tables import comments, stories

pytestmark = pytest.mark.anyio

PAGE = "https://blog.example/2026/pier/"


def remark42_file(path: Path) -> Path:
    meta = {"version": 1, "users": [], "posts": [{"url": PAGE, "count": 3}]}
    lines = [
        meta,
        {
            "id": "c1",
            "pid": "",
            "text": "<p>Hello <b>there</b></p>",
            "orig": "Hello **there**",
            "user": {"name": "Ann", "id": "github_1", "ip": "x"},
            "locator": {"site": "remark", "url": PAGE},
            "score": 4,
            "time": "2026-11-20T10:00:00Z",
            "delete": False,
            "title": "The pier",
        },
        {
            "id": "c2",
            "pid": "c1",
            "text": "",
            "user": {"name": ""},
            "locator": {"site": "remark", "url": PAGE},
            "time": "2026-11-20T11:00:00Z",
            "delete": True,
        },
        {
            "id": "c3",
            "pid": "c2",
            "text": "<p>Under a deleted one <script>x</script></p>",
            "user": {"name": "بشير"},
            "locator": {"site": "remark", "url": PAGE},
            "time": "2026-11-20T12:00:00Z",
        },
    ]
    path.write_bytes(gzip.compress(b"".join(json.dumps(x).encode() + b"\n" for x in lines)))
    return path


def commento_file(path: Path) -> Path:
    document = {
        "version": 1,
        "comments": [
            {
                "commentHex": "a1",
                "domain": "blog.example",
                "path": "/2026/pier/",
                "commenterHex": "p1",
                "markdown": "Nice *pier*",
                "parentHex": "root",
                "score": 2,
                "state": "approved",
                "creationDate": "2026-11-20T10:00:00Z",
                "deleted": False,
            },
            {
                "commentHex": "a2",
                "domain": "blog.example",
                "path": "/2026/pier/",
                "commenterHex": "anonymous",
                "markdown": "Spam spam",
                "parentHex": "a1",
                "score": 0,
                "state": "flagged",
                "creationDate": "2026-11-20T11:00:00Z",
                "deleted": False,
            },
            {
                "commentHex": "a3",
                "domain": "blog.example",
                "path": "/2026/other/",
                "commenterHex": "p1",
                "markdown": "Waiting",
                "parentHex": "root",
                "state": "unapproved",
                "creationDate": "2026-11-21T11:00:00Z",
            },
        ],
        "commenters": [
            {"commenterHex": "p1", "email": "p@example.org", "name": "Pia", "link": "undefined"}
        ],
    }
    path.write_text(json.dumps(document))
    return path


async def test_a_remark42_backup(db: Database, tmp_path: Path) -> None:
    source = remark42_file(tmp_path / "backup.gz")
    summary = await import_remark42(db, source)
    assert (summary.stories_created, summary.comments_added) == (1, 3)
    async with db.read() as conn:
        page = (await conn.execute(select(stories.c.title, stories.c.page_url))).one()
        said = {row.import_key: row for row in await conn.execute(select(comments))}
    assert tuple(page) == ("The pier", "https://blog.example/2026/pier")
    assert (
        said["remark42:c1"].score == 4 and "<strong>there</strong>" in said["remark42:c1"].body_html
    )
    assert said["remark42:c2"].status == "deleted"
    assert said["remark42:c3"].parent_id == said["remark42:c2"].id
    assert "<script" not in said["remark42:c3"].body_html
    assert (await import_remark42(db, source)).comments_added == 0
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(b'{"version": 1, "posts": []}\n{nope\n'))
    with pytest.raises(ImportRefused, match="line 2: not JSON"):
        await import_remark42(db, broken)


async def test_a_commento_export(db: Database, tmp_path: Path) -> None:
    source = commento_file(tmp_path / "commento.json")
    summary = await import_commento(db, source)
    assert (summary.stories_created, summary.comments_added) == (2, 3)
    async with db.read() as conn:
        said = {row.import_key: row for row in await conn.execute(select(comments))}
    assert (said["commento:a1"].name, said["commento:a1"].email) == ("Pia", "p@example.org")
    assert said["commento:a1"].website is None  # Commento's "undefined"
    assert said["commento:a2"].status == "rejected" and said["commento:a2"].name == "Anonymous"
    assert said["commento:a3"].status == "pending"
    (tmp_path / "x.json").write_text('{"version": 2}')
    with pytest.raises(ImportRefused, match="not a Commento export"):
        await import_commento(db, tmp_path / "x.json")


async def test_a_refused_json_file_stores_nothing(db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    document = json.loads(commento_file(tmp_path / "c.json").read_text())
    document["comments"][2]["state"] = "weird"
    bad.write_text(json.dumps(document))
    with pytest.raises(ImportRefused, match="comment 3: state 'weird'"):
        await import_commento(db, bad)
    assert await counts(db) == (0, 0)
