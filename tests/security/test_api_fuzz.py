"""The JSON API answers as /api/openapi.json says, whatever is sent: schemathesis generates
requests from the document, valid and invalid ones, and every answer must be a status the
operation documents, with its content type and body schema, and never a server error.

So that requests get past the front door to the handlers, ids are often ones that exist, the
edit and delete operations often carry the comment's real edit token, and the staff API is
called as a signed-in moderator with the CSRF header (web/security.py csrf_ok), as an editor,
and with no session at all. Numbers and cursors are often hostile ones (fuzzing.py). The
event stream is left out: it never ends (tests/live)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import BASE_URL, client_at, openapi_document, posted, signed_in
from tests.security.fuzzing import CURSOR_KEYS, HOSTILE_NUMBERS, budget, forged_cursor
from tribune.accounts.deps import CSRF_HEADER
from tribune.web.cookies import CSRF_COOKIE, STAFF_COOKIE

pytestmark = pytest.mark.anyio

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# The document as the app builds it; a test checks that the app serves this very document.
DOCUMENT = openapi_document()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT).exclude(operation_id="story_events")
CASES = st.one_of(
    SCHEMA.as_strategy(GenerationMode.POSITIVE), SCHEMA.as_strategy(GenerationMode.NEGATIVE)
)
STORIES = "/api/v1/stories"
THREAD = "/api/v1/stories/{story_id}/comments"
POSTING = ("POST", THREAD)
REPLIES = "/api/v1/comments/{comment_id}/replies"
NUMBERED = {
    ("GET", STORIES): "limit",
    ("GET", THREAD): "limit",
    ("GET", REPLIES): "limit",
    ("GET", "/api/v1/counts"): "story",
}
STAFF_CALLERS = ("moderator", "moderator without the CSRF header", "editor", "nobody")


def _send(case: Case[Any], headers: dict[str, str], cookies: dict[str, str]) -> dict[str, Any]:
    """The case as httpx arguments, with ``headers`` and ``cookies`` over the generated ones.
    Cookies go in the Cookie header: httpx deprecates per-request cookies."""
    sent = case.as_transport_kwargs(base_url=BASE_URL)
    all_headers = {**sent.get("headers", {}), **headers}
    all_cookies = {**sent.get("cookies", {}), **cookies}
    if all_cookies:
        all_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in all_cookies.items())
    kwargs: dict[str, Any] = {"params": sent.get("params"), "headers": all_headers}
    if "json" in sent:
        kwargs["json"] = sent["json"]
    if "data" in sent:
        kwargs["content" if isinstance(sent["data"], bytes | str) else "data"] = sent["data"]
    return {"method": sent["method"], "url": sent["url"], **kwargs}


@dataclass(frozen=True)
class Caller:
    """What a staff API caller sends besides the request itself."""

    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def _staff(client: httpx.AsyncClient, *, csrf: bool) -> Caller:
    cookies = {name: client.cookies[name] for name in (STAFF_COOKIE, CSRF_COOKIE)}
    return Caller(cookies, {CSRF_HEADER: cookies[CSRF_COOKIE]} if csrf else {})


@pytest.fixture
async def staff(app: Any) -> dict[str, Caller]:
    async with signed_in(app, "moderator") as moderator, signed_in(app, "editor") as editor:
        return {
            "moderator": _staff(moderator, csrf=True),
            "moderator without the CSRF header": _staff(moderator, csrf=False),
            "editor": _staff(editor, csrf=True),
            "nobody": Caller(),
        }


@budget(200)
@given(
    case=CASES,
    real_ids=st.booleans(),
    real_token=st.booleans(),
    caller=st.sampled_from(STAFF_CALLERS),
    number=st.none() | HOSTILE_NUMBERS,
    keys=st.none() | CURSOR_KEYS,
    twice=st.booleans(),
)
async def test_every_answer_is_one_the_document_describes(
    app: Any,
    client: httpx.AsyncClient,
    story: dict[str, Any],
    staff: dict[str, Caller],
    case: Case[Any],
    real_ids: bool,
    real_token: bool,
    caller: str,
    number: str | None,
    keys: list[int] | None,
    twice: bool,
) -> None:
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    path = case.path_parameters if case.path_parameters is not None else {}
    if real_ids and "story_id" in path:
        path["story_id"] = story["id"]
    if real_ids and "comment_id" in path:
        comment = await _fresh_comment(app, story)
        path["comment_id"] = comment["id"]
        if real_token:
            headers["Authorization"] = f"Bearer {comment['edit_token']}"
    if case.operation.path == "/api/v1/admin/moderation":
        headers |= staff[caller].headers
        cookies |= staff[caller].cookies
        if real_ids and isinstance(case.body, dict) and isinstance(case.body.get("ids"), list):
            case.body["ids"] = [(await _fresh_comment(app, story))["id"]]
    where = (case.method, case.path)
    if case.query is None:
        case.query = {}
    if number is not None and where in NUMBERED:
        case.query[NUMBERED[where]] = number
    if number is not None and where == POSTING and isinstance(case.body, dict):
        case.body["parent_id"] = number
    if keys is not None and where == ("GET", THREAD):
        case.query["cursor"] = forged_cursor([case.query.get("sort", "oldest"), *keys])
    if keys is not None and where == ("GET", STORIES):
        case.query["cursor"] = forged_cursor(["2026-11-01T00:00:00Z", keys[0]])
    if keys is not None and where == ("GET", REPLIES):
        case.query["cursor"] = forged_cursor(["tree", path.get("comment_id"), *keys])
    # A post is sometimes sent twice, as a retry: with an Idempotency-Key the second answer
    # is the first comment again (200).
    if twice and where == POSTING and "Idempotency-Key" not in (case.headers or {}):
        headers["Idempotency-Key"] = f"retry-{next(_readers)}"
    async with client_at(app, _address()) as http:  # a new reader each time
        for _ in range(2 if twice and where == POSTING else 1):
            response = await http.request(**_send(case, headers, cookies))
            case.validate_response(response, checks=CHECKS)


async def test_the_document_fuzzed_is_the_one_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/openapi.json")).json() == DOCUMENT


async def _fresh_comment(app: Any, story: dict[str, Any]) -> dict[str, Any]:
    """A comment of its own for an example, by a reader of their own: earlier examples may
    have deleted, hidden or rejected other comments and banned their authors."""
    async with client_at(app, _address()) as author:
        return await posted(author, story["id"], "A comment to fuzz")


_readers = count(1)


def _address() -> str:
    n = next(_readers)
    return f"127.1.{n // 250 % 250}.{n % 250 + 1}"
