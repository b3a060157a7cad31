"""X1: a CSRF cookie planted by a sibling subdomain or another port on the same host is not
our token: it never reaches the page as markup, and it is replaced by a real one."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.helpers import csrf_in

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes

pytestmark = pytest.mark.anyio

# Exactly 43 characters, the length of a real token.
PLANTED = '"><meta http-equiv=refresh content=0,//x.y>'


async def test_a_planted_token_is_never_markup(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    assert len(PLANTED) == 43
    path = f"/stories/{story['slug']}"
    await client.get(path)  # the shared page is now kept, and carries no token at all
    client.cookies.set("tribune_csrf", PLANTED)
    shared = await client.get(path)
    assert shared.status_code == 200 and "<meta http-equiv=refresh" not in shared.text
    assert "set-cookie" not in shared.headers
    # A page of the reader's own carries a token: a real one, never the planted cookie.
    page = await client.get(f"/stories/{story['slug']}?reply_to=1")
    assert page.status_code == 200
    assert "<meta http-equiv=refresh" not in page.text
    token = csrf_in(page.text)
    assert TOKEN.fullmatch(token), token
    assert page.cookies.get("tribune_csrf") == token  # the planted one is replaced


async def test_a_planted_token_does_not_pass_the_csrf_check(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    client.cookies.set("tribune_csrf", PLANTED)
    answer = await client.post(
        f"/stories/{story['slug']}/comments",
        data={"name": "Ana", "body": "Kept", "csrf_token": PLANTED},
    )
    assert answer.status_code == 403
    assert "Kept" in answer.text
