"""Previews render on the server with the sanitizer that publishing uses (SECURITY.md A6).

Two previews exist: the comment form's (`POST /api/v1/preview`, and `preview=1` without
JavaScript) and the story editor's (`POST /admin/stories/preview`, a whole story page). Both
answer with the server's HTML, never the client's. The corpus goes through each, the oracle
reads every answer, and the story preview is read as a staff member sees it (the Discourse
lesson: staff previews are the sharpest target, since a script there runs with staff power).
Each preview must also store nothing.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from tests.helpers import csrf_of
from tests.security.corpus import sample
from tests.security.oracle import fragment_findings, page_findings, report
from tribune.storage.tables import comments, stories

pytestmark = pytest.mark.anyio

PAYLOADS = sample(3)


async def _count(app: FastAPI, table: Any) -> int:
    async with app.state.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_the_story_preview_is_the_servers_rendering_for_every_payload(
    app: FastAPI, editor: httpx.AsyncClient
) -> None:
    token = await csrf_of(editor, "/admin/stories/new")
    findings = []
    for payload in PAYLOADS:
        form = {
            "title": payload[:200],
            "lead": payload[:1000],
            "body": payload,
            "correction": payload[:2000],
            "tags": payload[:40],
            "source_url": payload,
            "video_url": f"https://example.org/{payload[:100]}",
            "csrf_token": token,
        }
        answer = await editor.post("/admin/stories/preview", data=form)
        assert answer.status_code == 200, (payload[:60], answer.status_code)
        findings += page_findings(answer.text, base_url=str(editor.base_url))
    assert not findings, report(findings)
    assert await _count(app, stories) == 0


async def test_the_comment_preview_is_the_servers_rendering_for_every_payload(
    app: FastAPI, reader: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    before = await _count(app, comments)
    base = str(reader.base_url)
    findings = []
    for payload in PAYLOADS:
        answer = await reader.post(
            "/api/v1/preview", json={"body": payload}, headers={"Origin": base}
        )
        if answer.status_code == 422:  # refused as a comment would be (empty, too long)
            continue
        assert answer.status_code == 200, (payload[:60], answer.text)
        findings += fragment_findings(answer.json()["html"])
    path = f"/stories/{story['slug']}"
    token = await csrf_of(reader, path)
    for payload in PAYLOADS[:40]:
        page = await reader.post(
            f"{path}/comments",
            data={"name": "Pia", "body": payload, "preview": "1", "csrf_token": token},
        )
        if page.status_code == 200:
            findings += page_findings(page.text, base_url=base)
    assert not findings, report(findings)
    assert await _count(app, comments) == before
