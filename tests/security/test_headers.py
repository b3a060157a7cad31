"""Security headers on every route and the flags of every cookie (SECURITY.md A12, B18).

Every route the app serves (its route table flattened, plus the fast lane's paths, answered
by the lane itself, and the live stream) is requested with valid parameters, as the actor
that may see it: GET routes with a GET, the others with their method (refused for want of
a CSRF token, so nothing changes: an error page must carry the headers too). Each answer
must carry a Content-Security-Policy whose scripts allow no 'unsafe-inline' or
'unsafe-eval' (nor any host, data: or blob:), object-src 'none', base-uri 'none' and
frame-ancestors; nosniff; a strict Referrer-Policy. JSON routes answer JSON, never script.

Cookies: tribune_csrf, tribune_voter, tribune_own and the staff session are HttpOnly,
SameSite=Lax or Strict, on path /, and Secure exactly when the site is reached over https.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from io import BytesIO
from typing import Any

import fastapi.routing
import httpx
import pytest
import sqlalchemy as sa
from PIL import Image
from starlette.datastructures import Headers

from tests.helpers import PASSWORD, client_at, csrf_of, post_comment, signed_in, staff_member
from tests.security.harness import LiveStream
from tribune.accounts import tokens
from tribune.cli import demo_bytes
from tribune.importers.service import import_page
from tribune.shortlinks import encode_short
from tribune.storage.tables import staff, story_authors
from tribune.web.fastlane import FastLane
from tribune.web.templating import STATIC

pytestmark = pytest.mark.anyio

STRICT_REFERRERS = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
SCRIPT_SOURCES = re.compile(
    r"'self'|'none'|'strict-dynamic'|'nonce-[\w+/=-]+'|'sha(256|384|512)-[\w+/=]+'"
)


def header_problems(path: str, headers: httpx.Headers | dict[str, str]) -> list[str]:
    """What the response's headers lack, for a route."""
    problems = []
    csp = headers.get("content-security-policy", "")
    directives = {
        name.lower(): value.split()
        for name, _, value in (part.strip().partition(" ") for part in csp.split(";"))
        if name
    }
    scripts = directives.get("script-src", directives.get("default-src"))
    if scripts is None:
        problems.append("no script-src or default-src")
    else:
        for source in scripts:
            if not SCRIPT_SOURCES.fullmatch(source):
                problems.append(f"script source {source}")
    for name, wanted in (("object-src", ["'none'"]), ("base-uri", ["'none'"])):
        if directives.get(name) != wanted:
            problems.append(f"{name} is {directives.get(name)}")
    if not directives.get("frame-ancestors"):
        problems.append("no frame-ancestors")
    elif path.startswith(("/admin", "/api/v1/admin")) and directives["frame-ancestors"] != [
        "'none'"
    ]:
        problems.append(f"staff page framable: {directives['frame-ancestors']}")
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("no nosniff")
    if headers.get("referrer-policy") not in STRICT_REFERRERS:
        problems.append(f"referrer-policy {headers.get('referrer-policy')}")
    return [f"{path}: {p}" for p in problems]


@asynccontextmanager
async def actors(app: Any) -> AsyncIterator[dict[str, Any]]:
    """A reader who posted a comment (its own edit token in a cookie), an admin, and the
    ids every path parameter needs."""
    story = await import_page(app.state.db, demo_bytes())
    async with client_at(app) as reader, signed_in(app, "admin") as admin:
        token = await csrf_of(reader, f"/stories/{story.slug}")
        posted = await reader.post(
            f"/stories/{story.slug}/comments",
            data={"name": "Reader", "body": "A fine comment here", "csrf_token": token},
        )
        assert posted.status_code == 303
        comments = (await reader.get(f"/api/v1/stories/{story.story_id}/comments")).json()
        comment_id = max(c["id"] for c in comments["comments"])
        other = await staff_member(app, "moderator")
        # A byline on the story, so that its author has a page.
        async with app.state.db.transaction() as conn:
            await conn.execute(sa.update(staff).where(staff.c.id == other.id).values(slug="mod"))
            await conn.execute(
                sa.insert(story_authors).values(story_id=story.story_id, staff_id=other.id)
            )
        admin_token = await csrf_of(admin, "/admin/bans")
        await admin.post(
            "/admin/bans",
            data={
                "kind": "client",
                "value": app.state.keys.client_hash("10.1.1.1"),
                "csrf_token": admin_token,
            },
        )
        ban_id = re.search(r"/admin/bans/(\d+)/lift", (await admin.get("/admin/bans")).text)
        assert ban_id is not None
        # A site with an accent colour and a logo: their stylesheet and logo are served.
        logo = BytesIO()
        Image.new("RGB", (40, 20), "#1a4fa3").save(logo, "PNG")
        await admin.post(
            "/admin/site",
            data={"name": "Site", "accent": "#1a4fa3", "csrf_token": admin_token},
            files={"logo": ("logo.png", logo.getvalue(), "image/png")},
        )
        # An uploaded story image and an API token: their pages and files are served.
        uploaded = await admin.post(
            "/admin/images",
            data={"csrf_token": admin_token},
            files={"image": ("photo.png", logo.getvalue(), "image/png")},
        )
        rendition = re.fullmatch(r"/media/([0-9a-f]{64})\.webp", uploaded.json()["src"])
        assert rendition is not None
        api_token, _secret = await tokens.create(app.state.db, "CMS", "stories", None)
        # An import from the upload page: its page is served.
        started = await admin.post(
            "/admin/imports",
            data={"csrf_token": admin_token, "kind": "auto"},
            files={"file": ("story.txt", demo_bytes(), "text/plain")},
        )
        import_id = int(started.headers["location"].rsplit("/", 1)[1])
        await app.state.imports.wait(import_id)
        home = (await reader.get("/")).text
        sheet = re.search(r'href="/site/([0-9a-f]{16})\.css"', home)
        logo_digest = re.search(r'src="/site/logo/([0-9a-f]{64})"', home)
        assert sheet is not None and logo_digest is not None
        yield {
            "reader": reader,
            "admin": admin,
            "story_id": story.story_id,
            "slug": story.slug,
            "comment_id": comment_id,
            "staff_id": other.id,
            "ban_id": int(ban_id[1]),
            "key": "0123456789abcdef0123",
            "digest": STATIC["tribune.css"].digest,
            "name": "tribune.css",
            "sheet": sheet[1],
            "logo": logo_digest[1],
            "code": encode_short(story.story_id),
            "number": 1,
            "rendition": rendition[1],
            "token_id": api_token["id"],
            "import_id": import_id,
        }


def filled(path: str, values: dict[str, Any]) -> str:
    if path.startswith("/tags/"):
        return path.replace("{slug}", "putin")
    if path.startswith("/authors/"):
        return path.replace("{slug}", "mod")
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


QUERIES = {
    "/api/v1/counts": "?story={story_id}",
    # A page of a site the test app does not list: a refusal, with the same headers.
    "/embed/thread": "?url=http://testserver/page",
    "/embed/counts": "?url=http://testserver/page",
    "/admin/moderation": "?tab=all",
    "/admin/commenters": "?email=reader@example.org",
    "/admin/stories/{story_id}/compare": "?a=1&b=1",
}


async def test_every_route_carries_the_security_headers(app: Any) -> None:
    routes = list(fastapi.routing.iter_route_contexts(app.routes))
    assert len(routes) > 30
    problems: list[str] = []
    seen = 0
    async with actors(app) as values:
        for route in routes:
            assert route.path is not None
            if route.path == "/api/v1/stories/{story_id}/events":
                continue  # a stream: below
            path = filled(route.path, values)
            path += QUERIES.get(route.path, "").format(**values)
            staff = route.path.startswith(("/admin", "/api/v1/admin"))
            client = values["admin" if staff else "reader"]
            for method in sorted((route.methods or set()) - {"HEAD"}):
                if route.path == "/admin/login" and method == "GET":
                    client = values["reader"]
                answer = await client.request(method, path)
                seen += 1
                if answer.status_code >= 500:
                    problems.append(f"{method} {path}: {answer.status_code}")
                refusal = route.path == "/embed/thread" and answer.status_code == 403
                if method == "GET" and answer.status_code >= 400 and not refusal:
                    problems.append(f"GET {path} with valid parameters: {answer.status_code}")
                problems += header_problems(f"{method} {path}", answer.headers)
                if path.startswith("/api/") and answer.status_code != 204:
                    kind = answer.headers.get("content-type", "")
                    if not kind.startswith(("application/json", "application/problem+json")):
                        problems.append(f"{method} {path}: JSON route answers {kind}")
        # The fast lane answers its paths before the framework: the same headers there.
        lanes = next(m.kwargs["lanes"] for m in app.user_middleware if m.cls is FastLane)
        async with client_at(app) as anonymous:  # the shared story page is for readers like it
            for lane, path, client in zip(
                lanes,
                (
                    f"/api/v1/stories/{values['story_id']}/comments",
                    f"/api/v1/counts?story={values['story_id']}",
                    f"/stories/{values['slug']}",
                    "/",  # the listings and the feeds: one lane
                ),
                (values["reader"], values["reader"], anonymous, values["reader"]),
                strict=True,
            ):
                bare, _, query = path.partition("?")
                match = lane.path.fullmatch(bare)
                assert match is not None
                await client.get(path)  # the route fills the cache
                params = [tuple(q.split("=")) for q in query.split("&") if q]
                asked = Headers({"cookie": client.headers.get("cookie", "")})
                assert await lane.answer(match, params, asked) is not None, "the lane answers it"
                problems += header_problems(f"lane {path}", (await client.get(path)).headers)
                seen += 1
        stream = LiveStream(app, values["story_id"])
        start = await stream.sent.get()
        problems += header_problems(
            "GET events",
            {k.decode(): v.decode() for k, v in start["headers"]},
        )
        await stream.events()
    assert seen > 40
    assert not problems, "\n".join(problems)


def cookie_flags(response: httpx.Response) -> dict[str, set[str]]:
    """Each cookie the response sets, with its attributes (lower-cased, values kept)."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0].strip()
        found[name] = {part.strip().lower() for part in header.split(";")[1:]}
    return found


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_every_cookie_is_httponly_samesite_and_secure_under_https(
    app: Any, scheme: str
) -> None:
    story = await import_page(app.state.db, demo_bytes())
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1234))
    member = await staff_member(app, "admin")
    cookies: dict[str, set[str]] = {}
    async with httpx.AsyncClient(transport=transport, base_url=f"{scheme}://testserver") as web:
        page = await web.get("/admin/login")  # a form of the reader's own: a CSRF cookie
        cookies |= cookie_flags(page)
        token = web.cookies["tribune_csrf"]
        posted = await web.post(
            f"/stories/{story.slug}/comments",
            data={"name": "Reader", "body": "Cookie check comment", "csrf_token": token},
        )
        assert posted.status_code == 303
        cookies |= cookie_flags(posted)
        comment = (await post_comment(web, story.story_id, "Another comment here")).json()
        vote = await web.post(f"/api/v1/comments/{comment['id']}/votes", json={"value": 1})
        cookies |= cookie_flags(vote)
        login = await web.post(
            "/admin/login",
            data={"email": member.email, "password": PASSWORD, "csrf_token": token},
        )
        assert login.status_code == 303
        cookies |= cookie_flags(login)
    assert set(cookies) >= {"tribune_csrf", "tribune_own", "tribune_voter", "tribune_staff"}
    for name, flags in cookies.items():
        assert "httponly" in flags, name
        assert flags & {"samesite=lax", "samesite=strict"}, name
        assert "path=/" in flags, name
        assert ("secure" in flags) == (scheme == "https"), name
