"""The API tokens pages and a story showing an uploaded image validate with the W3C Nu HTML
checker, as the reader pages do (tests/pages/test_html_valid.py), and carry nothing the
security oracle would flag."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from tests.factories import make_story
from tests.helpers import BASE_URL, csrf_of
from tests.pages.test_html_valid import checked_html, vnu
from tests.security.oracle import page_findings
from tribune.accounts import tokens

pytestmark = pytest.mark.anyio


async def test_token_pages_and_a_story_with_an_image_are_valid_html(
    app: FastAPI, admin: httpx.AsyncClient, reader: httpx.AsyncClient, tmp_path: Path
) -> None:
    command = vnu()
    picture = BytesIO()
    Image.new("RGB", (900, 600), "#1a4fa3").save(picture, "PNG")
    made = await admin.post(
        "/admin/images",
        data={"csrf_token": await csrf_of(admin, "/admin/tokens")},
        files={"image": ("p.png", picture.getvalue(), "image/png")},
    )
    src = made.json()["src"]
    await make_story(
        app.state.db, title="With a picture", body=f"Text.\n\n![A blue field]({src})\n\nMore."
    )
    row, _ = await tokens.create(app.state.db, "Old CMS", "moderation", None)
    await tokens.revoke(app.state.db, row["id"], None)
    token = await csrf_of(admin, "/admin/tokens")
    pages = {
        "tokens-empty-form": await admin.get("/admin/tokens"),
        "token-made": await admin.post(
            "/admin/tokens", data={"name": "Newsroom CMS", "scope": "stories", "csrf_token": token}
        ),
        "token-refused": await admin.post(
            "/admin/tokens", data={"name": "", "scope": "", "csrf_token": token}
        ),
        "token-revoke": await admin.get(f"/admin/tokens/{row['id'] + 1}/revoke"),
        "token-revoked": await admin.get(f"/admin/tokens?revoked={row['id']}"),
        "story": await reader.get("/stories/with-a-picture"),
    }
    files = []
    for name, answer in pages.items():
        assert answer.status_code in (200, 201, 422), (name, answer.status_code)
        assert page_findings(answer.text, base_url=BASE_URL) == [], name
        file = tmp_path / f"{name}.html"
        file.write_text(answer.text)
        files.append(str(file))
    assert '<img src="/media/' in pages["story"].text
    problems = checked_html(command, files)
    assert problems == [], "\n".join(problems)
