"""Backup and restore (importers/backup.py): the whole site to one file and back, byte for
byte, on SQLite, on PostgreSQL and across them both ways; refusals that change nothing."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]
import pytest
from PIL import Image

from tests.conftest import POSTGRESQL_URL
from tests.helpers import client_at, csrf_of, signed_in
from tribune.accounts import tokens
from tribune.app import create_app
from tribune.importers import backup
from tribune.settings import Settings
from tribune.storage import backup as store
from tribune.storage import migrate
from tribune.storage.engine import Database

pytestmark = pytest.mark.anyio

RESTORED = "tribune_restore_test"


async def fresh_postgresql() -> str | None:
    """An empty, migrated PostgreSQL database of its own (None when there is no server)."""
    parts = urlsplit(POSTGRESQL_URL)
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        connection = await asyncpg.connect(admin)
    except OSError:
        return None
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {RESTORED}")
        await connection.execute(f"CREATE DATABASE {RESTORED}")
    finally:
        await connection.close()
    url = urlunsplit(parts._replace(path=f"/{RESTORED}"))
    db = Database(url, pool_size=1)
    await migrate.upgrade(db)
    await db.dispose()
    return url


async def fresh_sqlite(path: Path) -> str:
    url = f"sqlite:///{path}"
    db = Database(url, pool_size=1)
    await migrate.upgrade(db)
    await db.dispose()
    return url


@pytest.fixture
async def site(settings: Settings, story: dict[str, Any]) -> AsyncIterator[Any]:
    """A site with something in every table a backup holds: the demo story and its
    comments, a reply, votes and a report, an embedded page's thread, a staff member with a
    byline and a story they wrote with a lead image, revisions, a ban, rules, the audit log,
    a site logo and an API token."""
    app = create_app(settings.model_copy(update={"allowed_origins": "https://news.example"}))
    async with client_at(app) as reader, signed_in(app, "admin") as admin:
        first = (await reader.get(f"/api/v1/stories/{story['id']}/comments")).json()
        target = first["comments"][0]["id"]
        reply = await reader.post(
            f"/api/v1/stories/{story['id']}/comments",
            json={"name": "مريم", "body": "A *reply*, with\nlines", "parent_id": target},
        )
        assert reply.status_code == 201
        await reader.post(f"/api/v1/comments/{target}/votes", json={"value": 1})
        await reader.post(f"/api/v1/comments/{target}/reports", json={"reason": "spam"})
        opened = await reader.post(
            "/api/v1/threads", json={"url": "https://news.example/a", "title": "Embedded"}
        )
        await reader.post(
            f"/api/v1/stories/{opened.json()['id']}/comments",
            json={"name": "Ana", "body": "Under another site's article"},
        )
        form = await admin.get("/admin/stories/new")
        token = await csrf_of(admin, "/admin/stories/new")
        author = form.text.split('<option value="')[1].split('"')[0]
        picture = BytesIO()
        Image.new("RGB", (600, 300), (30, 80, 140)).save(picture, "PNG")
        made = await admin.post(
            "/admin/stories/new",
            data={
                "title": "Harbour council votes",
                "body": "The #harbour vote.",
                "lead": "The vote.",
                "action": "publish",
                "lead_image_alt": "The harbour",
                "authors": author,
                "csrf_token": token,
            },
            files={"lead_image": ("pier.png", picture.getvalue(), "image/png")},
        )
        assert made.status_code == 303, made.text
        await admin.post("/admin/rules", data={"banned_words": "spamword", "csrf_token": token})
        banned = await admin.post(
            "/admin/bans",
            data={
                "kind": "client",
                "value": app.state.keys.client_hash("10.1.1.1"),
                "reason": "flood",
                "csrf_token": token,
            },
        )
        assert banned.status_code == 303, banned.text[-3000:]
        await admin.post(
            "/admin/site",
            data={"name": "Harbour News", "accent": "#1a4fa3", "csrf_token": token},
            files={"logo": ("logo.png", picture.getvalue(), "image/png")},
        )
    await tokens.create(app.state.db, "CMS", "stories", None)
    yield app
    await app.state.db.dispose()


async def export_bytes(url: str, path: Path, **options: Any) -> bytes:
    db = Database(url, pool_size=1)
    try:
        await backup.export(db, path, **options)
    finally:
        await db.dispose()
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


async def restore_into(url: str, path: Path, **options: Any) -> backup.Summary:
    db = Database(url, pool_size=1)
    try:
        return await backup.restore(db, path, **options)
    finally:
        await db.dispose()


async def test_export_restore_export_is_byte_identical(
    site: Any, settings: Settings, tmp_path: Path
) -> None:
    first = await export_bytes(settings.database_url, tmp_path / "first.jsonl.gz")
    lines = first.splitlines()
    assert lines[0].startswith(b'{"format":"tribune-backup"')
    tables = {line.split(b'"table":"')[1].split(b'"')[0] for line in lines[1:-1]}
    for name in (
        b"stories",
        b"comments",
        b"votes",
        b"reports",
        b"staff",
        b"story_revisions",
        b"images",
        b"image_renditions",
        b"bans",
        b"audit_log",
        b"site_settings",
        b"site_logos",
        b"tags",
        b"story_tags",
        b"story_authors",
        b"threads",
    ):
        assert name in tables, name
    assert b"api_tokens" not in tables and b"$argon2" not in first  # no secrets by default
    if settings.database_url.startswith("sqlite"):
        target = await fresh_sqlite(tmp_path / "restored.db")
    else:
        found = await fresh_postgresql()
        assert found is not None
        target = found
    summary = await restore_into(target, tmp_path / "first.jsonl.gz")
    assert summary.rows == len(lines) - 2
    again = await export_bytes(target, tmp_path / "again.jsonl")
    assert again == first
    # The restored site serves: the story page, its comments, search.
    app = create_app(settings.model_copy(update={"database_url": target}))
    async with client_at(app) as reader:
        page = await reader.get("/stories/harbour-council-votes")
        assert page.status_code == 200 and "The harbour" in page.text
        found = (await reader.get("/api/v1/search", params={"q": "article"})).json()
        assert found["results"], "the search index follows the restored rows"
        listed = (await reader.get("/api/v1/stories")).json()["stories"]
        story_id = next(s["id"] for s in listed if s["slug"] == "harbour-council-votes")
        posted = await reader.post(  # ids continue after the restored ones
            f"/api/v1/stories/{story_id}/comments", json={"name": "New", "body": "After the move"}
        )
        assert posted.status_code == 201, posted.text
    await app.state.db.dispose()


async def test_sqlite_to_postgresql_and_back(site: Any, settings: Settings, tmp_path: Path) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("starts from SQLite")
    postgresql = await fresh_postgresql()
    if postgresql is None:
        pytest.skip("PostgreSQL unavailable")
    first = await export_bytes(settings.database_url, tmp_path / "sqlite.jsonl")
    await restore_into(postgresql, tmp_path / "sqlite.jsonl")
    moved = await export_bytes(postgresql, tmp_path / "postgresql.jsonl")
    assert moved == first
    back = await fresh_sqlite(tmp_path / "back.db")
    await restore_into(back, tmp_path / "postgresql.jsonl")
    assert await export_bytes(back, tmp_path / "back.jsonl") == first


async def test_secrets_only_when_asked(site: Any, settings: Settings, tmp_path: Path) -> None:
    kept = await export_bytes(settings.database_url, tmp_path / "s.jsonl", with_secrets=True)
    assert b'"table":"api_tokens"' in kept and b"$argon2" in kept
    target = await fresh_sqlite(tmp_path / "s.db")
    await restore_into(target, tmp_path / "s.jsonl")
    assert await export_bytes(target, tmp_path / "s2.jsonl", with_secrets=True) == kept


async def test_refusals_store_nothing(site: Any, settings: Settings, tmp_path: Path) -> None:
    whole = await export_bytes(settings.database_url, tmp_path / "whole.jsonl")
    lines = whole.splitlines(keepends=True)
    target = await fresh_sqlite(tmp_path / "target.db")
    cases = {
        "cut short": b"".join(lines[:-1]),
        "cut mid-line": whole[: len(whole) // 2],
        "not JSON": b"".join([lines[0], b"{nope\n", *lines[1:]]),
        "unknown column": b"".join(
            [lines[0], lines[1].replace(b'"row":{', b'"row":{"extra":1,'), *lines[2:]]
        ),
        "a count that does not match": b"".join([*lines[:3], *lines[4:]]),
        "not a backup": b'{"hello": "world"}\n',
        "empty": b"",
    }
    messages = {}
    for name, data in cases.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(data)
        with pytest.raises(backup.BackupRefused) as refused:
            await restore_into(target, path)
        messages[name] = str(refused.value)
        db = Database(target, pool_size=1)
        async with db.read() as conn:
            assert await store.is_empty(conn), name
        await db.dispose()
    assert messages["cut short"] == "the backup was cut short: its last line is missing"
    assert messages["not JSON"].startswith("line 2: not JSON")
    assert "has no column extra" in messages["unknown column"]
    # Not empty: refused, unless --force replaces it all.
    (tmp_path / "whole.jsonl").write_bytes(whole)
    with pytest.raises(backup.BackupRefused, match="not empty"):
        await restore_into(settings.database_url, tmp_path / "whole.jsonl")
    await restore_into(settings.database_url, tmp_path / "whole.jsonl", force=True)
    assert await export_bytes(settings.database_url, tmp_path / "after.jsonl") == whole
