"""The import upload page (/admin/imports) under attack (SECURITY.md D29): admins only,
CSRF-protected, the uploaded file's name never used as a path nor shown unescaped, and the
same caps and parser as `tribune import`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.helpers import csrf_of
from tribune.cli import demo_bytes
from tribune.storage.tables import comments, imports, stories

pytestmark = pytest.mark.anyio
GZIP_BOMB = Path(__file__).parents[1] / "data" / "disqus" / "bomb.xml.gz"


async def rows(app: Any) -> tuple[int, int, int]:
    async with app.state.db.read() as conn:
        found = [
            int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
            for table in (stories, comments, imports)
        ]
    return found[0], found[1], found[2]


def upload(name: str, content: bytes) -> dict[str, Any]:
    return {"file": (name, content, "application/octet-stream")}


async def test_only_admins_may_upload(
    app: Any, moderator: httpx.AsyncClient, editor: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    for client in (moderator, editor):
        token = await csrf_of(
            client, "/admin/moderation" if client is moderator else "/admin/stories"
        )
        answer = await client.post(
            "/admin/imports", data={"csrf_token": token}, files=upload("d.txt", demo_bytes())
        )
        assert answer.status_code == 403
    anonymous = await reader.post("/admin/imports", files=upload("d.txt", demo_bytes()))
    assert anonymous.status_code in (303, 401, 403)
    assert await rows(app) == (0, 0, 0)


async def test_a_cross_site_or_tokenless_upload_is_refused(
    app: Any, admin: httpx.AsyncClient
) -> None:
    token = await csrf_of(admin, "/admin/imports")
    forged = await admin.post(
        "/admin/imports",
        data={"csrf_token": token},
        files=upload("d.txt", demo_bytes()),
        headers={"origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    # A browser's word that the form is ours is not enough for a staff form: it needs the token.
    tokenless = await admin.post(
        "/admin/imports",
        files=upload("d.txt", demo_bytes()),
        headers={"sec-fetch-site": "same-origin"},
    )
    assert tokenless.status_code == 403
    assert await rows(app) == (0, 0, 0)


@pytest.mark.parametrize(
    "name",
    ["../../tribune-escaped.txt", "/tmp/tribune-escaped.txt", "..\\..\\tribune-escaped.txt"],
)
async def test_the_files_name_is_never_a_path(
    app: Any, admin: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path / ".")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    answer = await admin.post(
        "/admin/imports",
        data={"csrf_token": await csrf_of(admin, "/admin/imports")},
        files=upload(name, demo_bytes()),
    )
    assert answer.status_code == 303
    await app.state.imports.wait(int(answer.headers["location"].rsplit("/", 1)[1]))
    for where in (tmp_path, nested, Path(tempfile.gettempdir()), Path("/tmp")):
        assert not (where / "tribune-escaped.txt").exists()
    page = (await admin.get(answer.headers["location"])).text
    assert "Import of <bdi>" in page and ".." not in page.split("Import of <bdi>")[1][:40]
    assert await rows(app) == (1, 5, 1)


async def test_the_files_name_is_shown_as_text(app: Any, admin: httpx.AsyncClient) -> None:
    answer = await admin.post(
        "/admin/imports",
        data={"csrf_token": await csrf_of(admin, "/admin/imports")},
        files=upload('<img src=x onerror=alert(1)>".txt', demo_bytes()),
    )
    assert answer.status_code == 303
    await app.state.imports.wait(int(answer.headers["location"].rsplit("/", 1)[1]))
    for path in (answer.headers["location"], "/admin/imports", "/admin/audit"):
        page = (await admin.get(path)).text
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


async def test_a_gzip_bomb_is_refused_as_the_command_refuses_it(
    app: Any, admin: httpx.AsyncClient
) -> None:
    answer = await admin.post(
        "/admin/imports",
        data={"csrf_token": await csrf_of(admin, "/admin/imports"), "kind": "disqus"},
        files=upload("export.xml.gz", GZIP_BOMB.read_bytes()),
    )
    assert answer.status_code == 303
    await app.state.imports.wait(int(answer.headers["location"].rsplit("/", 1)[1]))
    page = (await admin.get(answer.headers["location"])).text
    assert "<h2>Not imported</h2>" in page and "Nothing of this file was stored" in page
    assert await rows(app) == (0, 0, 1)
