"""Cross-origin reads and redirects (SECURITY.md B15, B20).

- CORS: no origin, however close to ours, is ever granted access: no
  Access-Control-Allow-Origin on the API, the pages or a preflight, whatever Origin says.
- Redirects: the sign-in ``next`` and the queue's ``back`` only ever lead to a path of this
  site, whatever they hold.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.helpers import PASSWORD, csrf_of, staff_member

pytestmark = pytest.mark.anyio

ORIGINS = [
    "https://evil.example",
    "null",
    "http://testserver.evil.example",
    "http://eviltestserver",
    "http://testserver",
]
TARGETS = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "/admin/..//evil.example",
    "/admin\r\nSet-Cookie: x=y",
    "/admin@evil.example",
    "http://testserver@evil.example/admin",
]


async def test_no_origin_is_granted_cross_origin_access(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    granted = []
    for origin in ORIGINS:
        for method, path in [
            ("GET", f"/api/v1/stories/{story['id']}/comments"),
            ("GET", f"/api/v1/counts?story={story['id']}"),
            ("GET", f"/stories/{story['slug']}"),
            ("POST", f"/api/v1/stories/{story['id']}/comments"),
            ("OPTIONS", f"/api/v1/stories/{story['id']}/comments"),
        ]:
            headers = {"origin": origin, "access-control-request-method": "POST"}
            answer = await client.request(method, path, headers=headers, json={})
            allowed = [k for k in answer.headers if k.lower().startswith("access-control-")]
            if allowed:
                granted.append(f"{origin} {method} {path}: {allowed}")
    assert not granted, "\n".join(granted)


def _stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and not any(c in location for c in "\r\n\t\\")
    )


async def test_sign_in_and_the_queue_lead_only_to_this_site(
    app: Any, client: httpx.AsyncClient
) -> None:
    """Signing in (one password check: they are slow by design), then every target as the
    signed-in member's ``next`` and as the queue's ``back``."""
    member = await staff_member(app, "moderator")
    token = await csrf_of(client, "/admin/login")
    answer = await client.post(
        "/admin/login",
        data={"email": member.email, "password": PASSWORD, "next": TARGETS[0], "csrf_token": token},
    )
    assert answer.status_code == 303
    left = [] if _stays_here(answer.headers["location"]) else [answer.headers["location"]]
    queue_token = await csrf_of(client, "/admin/moderation")
    for target in TARGETS:
        again = await client.get("/admin/login", params={"next": target})
        assert again.status_code == 303
        if not _stays_here(again.headers["location"]):
            left.append(f"next={target!r}: {again.headers['location']}")
        back = await client.post(
            "/admin/moderation",
            data={"back": target, "action": "approve", "csrf_token": queue_token},
        )
        assert back.status_code in (303, 422), back.status_code
        location = back.headers.get("location", "/admin/moderation")
        if not (_stays_here(location) and location.startswith("/admin/moderation")):
            left.append(f"back={target!r}: {location}")
    assert not left, "\n".join(left)
