"""POST /api/v1/preview: the comment form's Preview, rendered by the server as a comment
would be published, stored nowhere (issue 12)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_schemas import exactly
from tests.helpers import BASE_URL, client_at
from tribune.app import create_app
from tribune.comments import schemas
from tribune.comments.service import PREVIEW_PER_MINUTE
from tribune.comments.validation import BODY_MAX
from tribune.settings import Settings
from tribune.web.errors import Problem

pytestmark = pytest.mark.anyio

HOSTILE = (
    "<script>alert(1)</script> **bold** and [a link](javascript:alert(2))\n\n"
    '<img src=x onerror="alert(3)"> > quoted'
)


async def test_preview_is_the_sanitized_html_a_comment_would_get(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    answer = await client.post("/api/v1/preview", json={"body": HOSTILE})
    assert answer.status_code == 200
    exactly(schemas.PreviewOut, answer.json())
    html = answer.json()["html"]
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, as the page does
    # The very HTML posting stores.
    posted = await client.post(
        f"/api/v1/stories/{story['id']}/comments", json={"name": "Ana", "body": HOSTILE}
    )
    assert posted.json()["body_html"] == html


async def test_preview_stores_nothing(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    for _ in range(3):
        assert (await client.post("/api/v1/preview", json={"body": "Just looking"})).is_success
    thread = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
    assert thread["total"] == 5
    assert "Just looking" not in str(thread)


async def test_an_empty_body_previews_as_nothing(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/v1/preview", json={"body": "  \n "})
    assert answer.status_code == 200 and answer.json() == {"html": ""}


async def test_a_body_too_long_to_post_is_422_naming_body(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/v1/preview", json={"body": "x" * (BODY_MAX + 1)})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    exactly(Problem, answer.json())
    assert answer.json()["errors"] == {
        "body": "Your comment is 10,001 characters long, and the limit is 10,000. "
        "Please shorten it."
    }
    missing = await client.post("/api/v1/preview", json={})
    assert missing.status_code == 422 and set(missing.json()["errors"]) == {"body"}


async def test_only_this_sites_pages_and_json_get_previews(client: httpx.AsyncClient) -> None:
    elsewhere = await client.post(
        "/api/v1/preview", json={"body": "hi"}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403
    # A cross-site form cannot send JSON without a preflight, which nothing here allows.
    form = await client.post("/api/v1/preview", data={"body": "hi"})
    assert form.status_code == 415
    own = await client.post("/api/v1/preview", json={"body": "hi"}, headers={"Origin": BASE_URL})
    assert own.status_code == 200


async def test_previews_are_rate_limited_per_reader(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"rate_limits": True}))
    try:
        async with client_at(app) as client:
            for _ in range(PREVIEW_PER_MINUTE):
                assert (await client.post("/api/v1/preview", json={"body": "a"})).is_success
            refused = await client.post("/api/v1/preview", json={"body": "a"})
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert refused.json()["detail"].startswith("Too many previews in a minute")
        async with client_at(app, "10.9.9.9") as other:  # another reader is not held back
            assert (await other.post("/api/v1/preview", json={"body": "a"})).is_success
    finally:
        await app.state.db.dispose()
