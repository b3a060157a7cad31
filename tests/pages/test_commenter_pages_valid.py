"""The admins' pages for a commenter's data validate with the W3C Nu HTML checker, as the
reader pages do (tests/pages/test_html_valid.py), and carry nothing the security oracle would
flag: the lookup with its results and with none, a refused address, and the confirmation."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import make_story
from tests.helpers import BASE_URL, csrf_of, posted
from tests.pages.test_html_valid import checked_html, vnu
from tests.security.oracle import page_findings

pytestmark = pytest.mark.anyio


async def test_the_commenter_pages_are_valid_html(
    app: FastAPI, admin: httpx.AsyncClient, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    command = vnu()
    story_id = await make_story(app.state.db, title="A story <with> “quotes”")
    email = "ana@example.org"
    first = await posted(
        client, story_id, "Words & *more*", name="Ana", email=email, website="https://ana.example"
    )
    await posted(client, story_id, "A reply", name="Bo", parent_id=first["id"])
    await posted(client, story_id, "Another of hers", name="Ana", email=email)
    token = await csrf_of(admin, "/admin/commenters")
    pages = {
        "commenters-form": await admin.get("/admin/commenters"),
        "commenters-found": await admin.get("/admin/commenters", params={"email": email}),
        "commenters-none": await admin.get("/admin/commenters", params={"email": "x@example.org"}),
        "commenters-refused": await admin.get("/admin/commenters", params={"email": "no"}),
        "commenters-confirm": await admin.post(
            "/admin/commenters/erase", data={"email": email, "csrf_token": token}
        ),
        "commenters-erased": await admin.get("/admin/commenters?removed=1&kept=1"),
    }
    files = []
    for name, answer in pages.items():
        assert answer.status_code in (200, 422), (name, answer.status_code)
        assert page_findings(answer.text, base_url=BASE_URL) == [], name
        file = tmp_path / f"{name}.html"
        file.write_text(answer.text)
        files.append(str(file))
    problems = checked_html(command, files)
    assert problems == [], "\n".join(problems)
