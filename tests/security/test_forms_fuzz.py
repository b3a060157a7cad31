"""Beyond the JSON API: no value a reader or a staff member can put in a page's query or a
form makes Tribune answer with a server error. Forms are posted with the page's valid CSRF
token, so the values reach the handlers (an expired-form 403 would stop them at the door).

The values: any text, digits of every script, numbers beyond 64 bits, forged cursors holding
them (tests/security/fuzzing.py), empty strings, and control and space characters."""

from __future__ import annotations

from itertools import count
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import client_at, csrf_of, posted
from tests.security.fuzzing import (
    CURSOR_KEYS,
    CURSOR_NUMBERS,
    HOSTILE_NUMBERS,
    budget,
    forged_cursor,
)
from tribune.accounts import service as accounts
from tribune.moderation.rules import RuleConfig
from tribune.vocabulary import ModerationAction, QueueTab, ReportReason, Sort
from tribune.web.cookies import CSRF_COOKIE

pytestmark = pytest.mark.anyio

VALUES = st.one_of(
    st.text(max_size=300),
    HOSTILE_NUMBERS,
    st.just(""),
    st.text(st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Zs")), max_size=20),
    st.builds(
        lambda sort, keys: forged_cursor([sort, *keys]),
        st.sampled_from([*Sort, "x"]),
        st.lists(st.one_of(CURSOR_NUMBERS, st.floats(), st.text(max_size=5)), max_size=3),
    ),
)


def form(*fields: str, also: tuple[str, ...] = ()) -> st.SearchStrategy[dict[str, str]]:
    """Values for some of ``fields``, sometimes with one of ``also``'s well-formed choices."""
    choices = st.sampled_from(also) if also else VALUES
    return st.fixed_dictionaries({}, optional={f: st.one_of(VALUES, choices) for f in fields})


async def _story_path(story: dict[str, Any]) -> str:
    return f"/stories/{story['slug']}"


async def _token(client: httpx.AsyncClient, path: str) -> str:
    """The client's CSRF token: its cookie, once a page has set it (cheaper than a page)."""
    return client.cookies.get(CSRF_COOKIE) or await csrf_of(client, path)


def _refusal(answer: httpx.Response, what: object) -> str:
    return f"{answer.status_code} for {what!r}: {answer.text[:300]}"


@budget(40)
@given(
    params=form("sort", "after", "reply_to", also=tuple(Sort)),  # reply_to: also replies' `at`
    sort=st.sampled_from(Sort),
    keys=st.none() | CURSOR_KEYS,
)
async def test_story_page_and_thread_queries(
    client: httpx.AsyncClient,
    story: dict[str, Any],
    params: dict[str, str],
    sort: Sort,
    keys: list[int] | None,
) -> None:
    first = await client.get(f"/api/v1/stories/{story['id']}/comments", params={"limit": 1})
    replies = f"/comments/{first.json()['comments'][0]['id']}/replies"
    lists = {"cursor": params.get("after", "")}
    more = {"after": params.get("after", ""), "at": params.get("reply_to", "")}
    if keys is not None:  # cursors of the right shape, holding any numbers
        params = {"sort": sort, "after": forged_cursor([sort, *keys])}
        lists = {"cursor": forged_cursor(["2026-11-01T00:00:00Z", keys[0]])}
        more = {"after": forged_cursor(["tree", first.json()["comments"][0]["id"], *keys])}
    path = await _story_path(story)
    for page, query in (
        (path, params),
        (f"{path}/thread", params),
        (f"{path}/comments", params),
        (replies, more),
        ("/", lists),
        ("/tags/putin", lists),
    ):
        answer = await client.get(page, params=query)
        assert answer.status_code < 500, _refusal(answer, (page, query))


@budget(40)
@given(fields=form("name", "email", "website", "body", "parent_id", "value"))
async def test_comment_form(
    client: httpx.AsyncClient, story: dict[str, Any], fields: dict[str, str]
) -> None:
    path = await _story_path(story)
    token = await _token(client, path)
    answer = await client.post(f"{path}/comments", data=fields | {"csrf_token": token})
    assert answer.status_code < 500, _refusal(answer, fields)


@budget(40)
@given(fields=form("body", "name", "parent_id"), delete=st.booleans())
async def test_edit_and_delete_forms(
    client: httpx.AsyncClient, story: dict[str, Any], fields: dict[str, str], delete: bool
) -> None:
    path = await _story_path(story)
    token = await _token(client, path)
    posting = {"name": "Ana", "body": "To be changed", "csrf_token": token}
    answer = await client.post(f"{path}/comments", data=posting)  # the browser's own comment
    assert answer.status_code == 303, answer.text
    comment_id = int(answer.headers["location"].rpartition("#c")[2])
    action = f"/comments/{comment_id}/{'delete' if delete else 'edit'}"
    answer = await client.post(action, data=fields | {"csrf_token": token})
    assert answer.status_code < 500, _refusal(answer, (action, fields))


@budget(40)
@given(fields=form("reason", "text", also=tuple(ReportReason)), vote=form("value"))
async def test_report_and_vote_forms(
    app: Any,
    client: httpx.AsyncClient,
    story: dict[str, Any],
    fields: dict[str, str],
    vote: dict[str, str],
) -> None:
    comment = await posted(client, story["id"], "To be reported")
    async with client_at(app, _address()) as reader:  # reports are one per reader
        report = f"/comments/{comment['id']}/report"
        token = await csrf_of(reader, report)
        answer = await reader.post(report, data=fields | {"csrf_token": token})
        assert answer.status_code < 500, _refusal(answer, fields)
        voted = await reader.post(
            f"/comments/{comment['id']}/vote", data=vote | {"csrf_token": token}
        )
        assert voted.status_code < 500, _refusal(voted, vote)


@budget(10)  # each failed login costs an Argon2 verification, about 0.3 s
@given(fields=form("email", "password", "next"), target=VALUES)
async def test_login_form(
    app: Any, monkeypatch: pytest.MonkeyPatch, fields: dict[str, str], target: str
) -> None:
    # Failed logins for one e-mail slow down by seconds (tests/api/test_moderation); the
    # examples repeat e-mails, and need not wait.
    monkeypatch.setattr(accounts, "SLOW_STEP_SECONDS", 0)
    async with client_at(app, _address()) as visitor:  # failed logins slow down per client
        page = await visitor.get("/admin/login", params={"next": target})
        assert page.status_code < 500, _refusal(page, target)
        token = await csrf_of(visitor, "/admin/login")
        answer = await visitor.post("/admin/login", data=fields | {"csrf_token": token})
        assert answer.status_code < 500, _refusal(answer, fields)


@budget(25)
@given(
    queue=form("tab", "story", "rule", "before", "done", also=tuple(QueueTab)),
    action=form("one", "ids", "action", "reason", "ban_days", "back", also=tuple(ModerationAction)),
    ban=form("kind", "value", "reason", "days", also=("email", "client")),
    rules=form(*RuleConfig.model_fields, "enabled"),
    mode=form("mode", "first_comment_hold", also=("open", "premoderated", "closed", "on")),
    member=form("email", "name", "role", "password", also=("admin", "moderator", "editor")),
)
async def test_staff_pages_and_forms(
    admin: httpx.AsyncClient,
    story: dict[str, Any],
    queue: dict[str, str],
    action: dict[str, str],
    ban: dict[str, str],
    rules: dict[str, str],
    mode: dict[str, str],
    member: dict[str, str],
) -> None:
    answer = await admin.get("/admin/moderation", params=queue)
    assert answer.status_code < 500, _refusal(answer, queue)
    token = await csrf_of(admin, "/admin/staff")
    for path, fields in (
        ("/admin/moderation", action),
        ("/admin/bans", ban),
        ("/admin/rules", rules),
        (f"/admin/stories/{story['id']}/mode", mode),
        ("/admin/staff", member),
    ):
        answer = await admin.post(path, data=fields | {"csrf_token": token})
        assert answer.status_code < 500, _refusal(answer, (path, fields))


@budget(15)
@given(
    lookup=form("email", "removed", "kept", also=("ana@example.org", "ANA@example.org", "0")),
    export=form("email", also=("ana@example.org",)),
    erase=form("email", "confirmed", also=("ana@example.org", "yes")),
)
async def test_the_commenters_page_and_forms(
    admin: httpx.AsyncClient,
    story: dict[str, Any],
    lookup: dict[str, str],
    export: dict[str, str],
    erase: dict[str, str],
) -> None:
    answer = await admin.get("/admin/commenters", params=lookup)
    assert answer.status_code < 500, _refusal(answer, lookup)
    token = await _token(admin, "/admin/commenters")
    for path, fields in (
        ("/admin/commenters/export", export),
        ("/admin/commenters/erase", erase),
    ):
        answer = await admin.post(path, data=fields | {"csrf_token": token})
        assert answer.status_code < 500, _refusal(answer, (path, fields))


_visitors = count(1)


def _address() -> str:
    """A new client address (in the ASGI scope only; nothing is sent anywhere)."""
    n = next(_visitors)
    return f"127.2.{n // 250 % 250}.{n % 250 + 1}"
