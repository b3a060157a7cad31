"""Moderation through the HTTP interface: staff sign-in and roles, CSRF, login throttling,
the rules on posting, the queue's actions, reports, bans with expiry, closed and
pre-moderated stories, rate limits, and the audit trail."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.helpers import (
    PASSWORD,
    client_at,
    csrf_of,
    held_for,
    post_comment,
    rule_form_numbers,
    signed_in,
    staff_member,
)
from tribune.accounts import service as accounts
from tribune.app import create_app
from tribune.exceptions import Invalid
from tribune.moderation import bans
from tribune.settings import Settings
from tribune.storage import moderation as moderation_store
from tribune.vocabulary import Role

pytestmark = pytest.mark.anyio


async def moderate(
    client: httpx.AsyncClient, ids: list[int], action: str, **extra: Any
) -> httpx.Response:
    token = client.cookies.get("tribune_csrf") or await csrf_of(client, "/admin/moderation")
    return await client.post(
        "/api/v1/admin/moderation",
        json={"ids": ids, "action": action, **extra},
        headers={"X-CSRF-Token": token},
    )


async def post_pairs(
    client: httpx.AsyncClient, path: str, pairs: list[tuple[str, str]]
) -> httpx.Response:
    """A form with repeated fields (checkboxes), as a browser sends it."""
    return await client.post(
        path,
        content=urlencode(pairs),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


# Staff accounts --------------------------------------------------------------------------------


async def test_sign_in_and_out(app: Any, client: httpx.AsyncClient) -> None:
    member = await staff_member(app, "moderator")
    assert (await client.get("/admin/moderation")).status_code == 303
    token = await csrf_of(client, "/admin/login")
    answer = await client.post(
        "/admin/login",
        data={
            "email": "MODERATOR@example.org ",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/admin/moderation",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/moderation"
    cookie = answer.headers["set-cookie"]
    assert "tribune_staff=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert (await client.get("/admin/moderation")).status_code == 200
    token = await csrf_of(client, "/admin/moderation")
    out = await client.post("/admin/logout", data={"csrf_token": token})
    assert out.status_code == 303
    assert (await client.get("/admin/moderation")).status_code == 303
    entries = await accounts.audit_entries(app.state.db, None)
    assert [e["action"] for e in entries][:2] == ["logout", "login"]
    assert entries[0]["actor"] == member.name


async def test_wrong_logins_say_the_same_whether_or_not_the_account_exists(
    app: Any, client: httpx.AsyncClient
) -> None:
    await staff_member(app, "admin")
    token = await csrf_of(client, "/admin/login")
    texts = []
    for email in ("admin@example.org", "nobody@example.org"):
        answer = await client.post(
            "/admin/login",
            data={"email": email, "password": "wrong password!", "csrf_token": token},
        )
        assert answer.status_code == 401
        alert = re.search(r'role="alert"><p>([^<]+)<', answer.text)
        assert alert, answer.text
        texts.append(alert.group(1))
        assert email in answer.text  # the e-mail typed is kept, the password is not
    assert texts[0] == texts[1] == accounts.WRONG_LOGIN


async def test_failed_logins_slow_down_then_lock(
    app: Any, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "SLOW_STEP_SECONDS", 0.2)
    await staff_member(app, "admin")
    token = await csrf_of(client, "/admin/login")
    wrong = {"email": "admin@example.org", "password": "not the password", "csrf_token": token}
    timings = []
    for _ in range(accounts.LOCK_AFTER):
        started = time.monotonic()
        assert (await client.post("/admin/login", data=wrong)).status_code == 401
        timings.append(time.monotonic() - started)
    assert timings[accounts.SLOW_AFTER] >= 0.2  # slowed after SLOW_AFTER failures
    # Locked now: even the right password is refused, with the time to wait.
    right = wrong | {"password": PASSWORD}
    locked = await client.post("/admin/login", data=right)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 60
    assert "Too many failed logins. Try again in 15 minutes." in locked.text
    # Another client is locked out of this account too (per account), and this client out of
    # any account (per client).
    async with client_at(app, "10.9.9.9") as other:
        token2 = await csrf_of(other, "/admin/login")
        assert (
            await other.post("/admin/login", data=right | {"csrf_token": token2})
        ).status_code == 429


async def test_login_form_needs_its_csrf_token(app: Any, client: httpx.AsyncClient) -> None:
    await staff_member(app, "admin")
    await client.get("/admin/login")
    answer = await client.post(
        "/admin/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": "x"}
    )
    assert answer.status_code == 403
    assert "tribune_staff" not in answer.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("moderator", "/admin/staff", 403),
        ("moderator", "/admin/audit", 403),
        ("moderator", "/admin/rules", 403),
        ("moderator", "/admin/moderation", 200),
        ("moderator", "/admin/bans", 200),
        ("editor", "/admin/moderation", 403),
        ("editor", "/admin/bans", 403),
        ("editor", "/admin/stories", 200),
        ("admin", "/admin/staff", 200),
        ("admin", "/admin/audit", 200),
        ("admin", "/admin/rules", 200),
    ],
)
async def test_each_role_reaches_only_its_pages(
    app: Any, role: str, path: str, status: int
) -> None:
    async with signed_in(app, role) as client:
        assert (await client.get(path)).status_code == status


@pytest.mark.parametrize(
    "path",
    [
        "/admin/moderation",
        "/admin/staff",
        "/admin/audit",
        "/admin/bans",
        "/admin/rules",
        "/admin/stories",
        "/admin",
    ],
)
async def test_readers_are_sent_to_sign_in(client: httpx.AsyncClient, path: str) -> None:
    answer = await client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/admin/login?next=")


async def test_the_staff_api_refuses_readers_and_wrong_roles(
    client: httpx.AsyncClient, editor: httpx.AsyncClient
) -> None:
    answer = await client.post("/api/v1/admin/moderation", json={"ids": [1], "action": "approve"})
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert (await moderate(editor, [1], "approve")).status_code == 403


async def test_the_staff_api_needs_the_csrf_header(app: Any, admin: httpx.AsyncClient) -> None:
    answer = await admin.post("/api/v1/admin/moderation", json={"ids": [1], "action": "approve"})
    assert answer.status_code == 403
    assert "x-csrf-token" in answer.json()["detail"]


async def test_admins_add_and_remove_staff_but_not_the_last_admin(
    app: Any, admin: httpx.AsyncClient
) -> None:
    token = await csrf_of(admin, "/admin/staff")
    added = await admin.post(
        "/admin/staff",
        data={
            "email": "mod2@example.org",
            "name": "Mod Two",
            "role": "moderator",
            "password": "short",
            "csrf_token": token,
        },
    )
    assert added.status_code == 422
    assert "Password must be at least 12 characters" in added.text
    assert 'value="mod2@example.org"' in added.text
    added = await admin.post(
        "/admin/staff",
        data={
            "email": "mod2@example.org",
            "name": "Mod Two",
            "role": "moderator",
            "password": PASSWORD,
            "csrf_token": token,
        },
    )
    assert added.status_code == 303
    members = {m.email: m for m in await accounts.all_staff(app.state.db)}
    assert members["mod2@example.org"].role == Role.moderator
    gone = await admin.post(
        f"/admin/staff/{members['mod2@example.org'].id}/remove", data={"csrf_token": token}
    )
    assert gone.status_code == 303
    me = members["admin@example.org"]
    with pytest.raises(Invalid) as refused:
        await accounts.remove_staff(app.state.db, me.id, by=me)
    assert refused.value.errors == {"staff": "The last admin cannot be removed"}
    actions = [e["action"] for e in await accounts.audit_entries(app.state.db, None)]
    assert "staff.add" in actions and "staff.remove" in actions


# Rules on posting ------------------------------------------------------------------------------


async def test_rules_hold_and_reject_with_their_reasons(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    links = await post_comment(
        client,
        story["id"],
        "See https://a.example/1 and https://b.example/2 and https://c.example/3",
    )
    assert links.status_code == 201
    assert links.json()["status"] == "pending"
    # The author is told what became of it; which rule, and why, is for staff alone.
    assert links.json()["moderation"] == "Awaiting moderation"
    assert await held_for(app, links.json()["id"]) == ["held: 3 links, limit 2"]
    spam = await post_comment(client, story["id"], "Cheap v i a g r a here")
    assert spam.json()["status"] == "rejected"
    assert spam.json()["moderation"] == "Not published"
    assert "viagra" not in spam.text
    assert await held_for(app, spam.json()["id"]) == ['rejected: banned word "viagra"']
    fine = await post_comment(client, story["id"], "A calm, reasoned reply about the article.")
    assert fine.json()["status"] == "approved" and "moderation" not in fine.json()
    page = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
    shown = [c["id"] for c in page["comments"]]
    assert fine.json()["id"] in shown
    assert links.json()["id"] not in shown and spam.json()["id"] not in shown
    assert page["total"] == 6
    counts = (await client.get(f"/api/v1/counts?story={story['id']}")).json()
    assert counts["counts"][str(story["id"])] == 6


async def test_the_author_sees_their_held_comment_and_others_do_not(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    token = await csrf_of(client, f"/stories/{story['slug']}")
    answer = await client.post(
        f"/stories/{story['slug']}/comments",
        data={
            "name": "Reader",
            "body": "Links: https://a.example https://b.example https://c.example",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 303
    mine = await client.get(f"/stories/{story['slug']}")
    assert '<p class="status-note">Awaiting moderation</p>' in mine.text
    assert "3 links" not in mine.text  # the rule that held it is for staff alone
    async with client_at(app, "10.1.1.1") as other:
        theirs = await other.get(f"/stories/{story['slug']}")
    assert "Awaiting moderation" not in theirs.text
    assert "https://c.example" not in theirs.text


async def test_duplicates_are_held(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    first = await post_comment(client, story["id"], "Great article, thanks!")
    again = await post_comment(client, story["id"], "great   ARTICLE, thanks")
    assert first.json()["status"] == "approved"
    assert again.json()["status"] == "pending"
    assert again.json()["moderation"] == "Awaiting moderation"
    assert await held_for(app, again.json()["id"]) == [
        "held: the same text was posted in the last 60 minutes"
    ]


# The queue -------------------------------------------------------------------------------------


async def test_approving_a_held_comment_publishes_it(
    app: Any, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    async with client_at(app, "10.2.2.2") as someone:
        held = (
            await post_comment(
                someone, story["id"], "Links https://a.example https://b.example https://c.example"
            )
        ).json()
    queue = await admin.get("/admin/moderation?tab=pending")
    assert "held: 3 links, limit 2" in queue.text
    assert f'id="q{held["id"]}"' in queue.text
    answer = await moderate(admin, [held["id"]], "approve", reason="links are fine")
    assert answer.status_code == 200
    assert answer.json()["done"] == [{"id": held["id"], "status": "approved", "featured": False}]
    page = (await admin.get(f"/api/v1/stories/{story['id']}/comments")).json()
    assert held["id"] in [c["id"] for c in page["comments"]]
    assert page["total"] == 6
    entry = (await accounts.audit_entries(app.state.db, None))[0]
    assert (entry["action"], entry["target"], entry["reason"]) == (
        "comment.approve",
        f"comment {held['id']}",
        "links are fine",
    )


async def test_rejecting_and_featuring_without_javascript(
    app: Any, admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    one = (await post_comment(client, story["id"], "First view on this")).json()
    two = (await post_comment(client, story["id"], "Second view on that")).json()
    token = await csrf_of(admin, "/admin/moderation?tab=approved")
    answer = await post_pairs(
        admin,
        "/admin/moderation",
        [
            ("csrf_token", token),
            ("back", "/admin/moderation?tab=approved"),
            ("action", "reject"),
            ("reason", "off topic"),
            ("ids", str(one["id"])),
            ("ids", str(two["id"])),
        ],
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/admin/moderation?tab=approved&done=")
    page = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
    assert page["total"] == 5
    featured = await admin.post(
        "/admin/moderation",
        data={"csrf_token": token, "one": f"{page['comments'][0]['id']}:feature"},
    )
    assert featured.status_code == 303
    rejected = await admin.get("/admin/moderation?tab=rejected")
    assert "Second view on that" in rejected.text and "First view on this" in rejected.text
    assert (
        await admin.post("/admin/moderation", data={"one": f"{one['id']}:approve"})
    ).status_code == 403


# Reports ---------------------------------------------------------------------------------------


async def test_three_reports_hide_a_comment_until_a_moderator_looks(
    app: Any, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    async with client_at(app, "10.3.0.1") as author:
        target = (await post_comment(author, story["id"], "Something people dislike")).json()
    path = f"/api/v1/comments/{target['id']}/reports"
    for n in range(3):
        async with client_at(app, f"10.3.1.{n}") as someone:
            answer = await someone.post(path, json={"reason": "abuse"})
            assert answer.status_code == 201
            assert answer.json()["hidden"] == (n == 2)
            if n == 0:
                again = await someone.post(path, json={"reason": "spam"})
                assert again.status_code == 409
    async with client_at(app, "10.3.2.1") as someone:
        # Hidden now: readers cannot report it any more.
        assert (await someone.post(path, json={"reason": "spam"})).status_code == 404
    page = (await admin.get(f"/api/v1/stories/{story['id']}/comments")).json()
    assert target["id"] not in [c["id"] for c in page["comments"]]
    reported = await admin.get("/admin/moderation?tab=reported")
    assert "held: 3 reader reports" in reported.text
    assert "reported: abuse" in reported.text


async def test_report_reasons_are_checked(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    target = (await post_comment(client, story["id"], "A comment to report")).json()
    path = f"/api/v1/comments/{target['id']}/reports"
    answer = await client.post(path, json={"reason": "boring"})
    assert answer.status_code == 422
    assert "reason" in answer.json()["errors"]
    answer = await client.post(path, json={"reason": "other"})
    assert answer.json()["errors"] == {"text": "Please say what is wrong with this comment"}
    assert (
        await client.post("/api/v1/comments/999999/reports", json={"reason": "spam"})
    ).status_code == 404


# Bans ------------------------------------------------------------------------------------------


async def test_a_banned_author_is_told_and_keeps_their_text(
    app: Any, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    async with client_at(app, "10.4.4.4") as troll:
        first = (
            await post_comment(
                troll, story["id"], "Provocation number one", email="troll@example.org"
            )
        ).json()
        assert (
            await moderate(admin, [first["id"]], "ban", reason="trolling", ban_days=7)
        ).status_code == 200
        refused = await post_comment(troll, story["id"], "Provocation number two")
        assert refused.status_code == 403
        problem = refused.json()
        assert problem["detail"].startswith("You are banned from commenting until ")
        assert "Reason: trolling" in problem["detail"]
        assert problem["comment"]["body"] == "Provocation number two"
        # The form keeps the text too.
        token = await csrf_of(troll, f"/stories/{story['slug']}")
        form = await troll.post(
            f"/stories/{story['slug']}/comments",
            data={"name": "Troll", "body": "Provocation number three", "csrf_token": token},
        )
        assert form.status_code == 403
        assert "Provocation number three" in form.text and "You are banned" in form.text
    # The ban is the address's: an e-mail anyone can type is no one's identity (X9).
    async with client_at(app, "10.4.4.5") as elsewhere:
        assert (
            await post_comment(elsewhere, story["id"], "Hi", email="TROLL@example.org")
        ).status_code == 201
    bans = await admin.get("/admin/bans")
    assert "trolling" in bans.text


async def test_bans_expire(app: Any, client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    keys = app.state.keys
    past = datetime.now(UTC) - timedelta(minutes=1)
    async with app.state.db.transaction() as conn:
        await moderation_store.insert_ban(
            conn,
            {
                "kind": "client",
                "value": keys.client_hash("127.0.0.1"),
                "reason": "cool off",
                "created_at": past - timedelta(days=1),
                "expires_at": past,
            },
        )
    assert (await post_comment(client, story["id"], "Back again, calmer")).status_code == 201
    async with app.state.db.transaction() as conn:
        await moderation_store.insert_ban(
            conn,
            {
                "kind": "client",
                "value": keys.client_hash("127.0.0.1"),
                "reason": "again",
                "created_at": past,
                "expires_at": datetime.now(UTC) + timedelta(minutes=5),
            },
        )
    assert (await post_comment(client, story["id"], "And once more")).status_code == 403


async def test_lifting_a_ban(app: Any, admin: httpx.AsyncClient, story: dict[str, Any]) -> None:
    value = app.state.keys.client_hash("10.5.5.5")
    token = await csrf_of(admin, "/admin/bans")
    bad = await admin.post(
        "/admin/bans", data={"kind": "client", "value": "nope", "csrf_token": token}
    )
    assert bad.status_code == 422 and "Hash must be" in bad.text
    assert (
        await admin.post(
            "/admin/bans", data={"kind": "client", "value": value, "days": "", "csrf_token": token}
        )
    ).status_code == 303
    async with client_at(app, "10.5.5.5") as banned:
        assert (await post_comment(banned, story["id"], "Let me in")).status_code == 403
        ban_id = (await bans.bans_in_force(app.state.db))[0]["id"]
        assert (
            await admin.post(f"/admin/bans/{ban_id}/lift", data={"csrf_token": token})
        ).status_code == 303
        assert (await post_comment(banned, story["id"], "Let me in")).status_code == 201
    actions = [e["action"] for e in await accounts.audit_entries(app.state.db, None)]
    assert actions[:2] == ["ban.lift", "ban.add"]


# Story modes, rate limits, rule settings -------------------------------------------------------


async def test_closed_and_premoderated_stories(
    app: Any, admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    token = await csrf_of(admin, "/admin/stories")
    path = f"/admin/stories/{story['id']}/mode"
    assert (
        await admin.post(path, data={"mode": "premoderated", "csrf_token": token})
    ).status_code == 303
    held = await post_comment(client, story["id"], "Premoderated words")
    assert held.json()["status"] == "pending"
    assert held.json()["moderation"] == "Awaiting moderation"
    assert await held_for(app, held.json()["id"]) == ["held: the story is pre-moderated"]
    assert (await admin.post(path, data={"mode": "closed", "csrf_token": token})).status_code == 303
    closed = await post_comment(client, story["id"], "Too late")
    assert (
        closed.status_code == 403 and closed.json()["detail"] == "Comments are closed on this story"
    )
    assert closed.json()["comment"] == {"name": "Reader", "body": "Too late"}  # nothing lost
    page = await client.get(f"/stories/{story['slug']}")
    assert "Comments are closed." in page.text and 'name="body"' not in page.text
    assert (await admin.post(path, data={"mode": "shut", "csrf_token": token})).status_code == 422


async def test_rate_limits_answer_429_and_keep_the_text(settings: Settings, story_db: Any) -> None:
    app = create_app(settings.model_copy(update={"rate_limits": True}))
    try:
        async with client_at(app) as client:
            story_id = story_db
            for _ in range(3):  # invalid comments do not count
                assert (await post_comment(client, story_id, " ")).status_code == 422
            for n in range(5):
                assert (
                    await post_comment(client, story_id, f"Comment {n} of a burst")
                ).status_code == 201
            refused = await post_comment(client, story_id, "One too many")
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert refused.json()["comment"]["body"] == "One too many"
            # The name is limited too, from any address.
        async with client_at(app, "10.6.6.6") as elsewhere:
            assert (
                await post_comment(elsewhere, story_id, "Same name, other address")
            ).status_code == 429
            assert (
                await elsewhere.post(
                    f"/api/v1/stories/{story_id}/comments", json={"name": "Someone", "body": "Fine"}
                )
            ).status_code == 201
    finally:
        await app.state.db.dispose()


@pytest.fixture
async def story_db(app: Any, story: dict[str, Any]) -> int:
    return int(story["id"])


async def test_rule_settings_are_validated_saved_and_audited(
    app: Any, admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    token = await csrf_of(admin, "/admin/rules")
    form = await admin.get("/admin/rules")
    assert "viagra" in form.text
    bad = await admin.post(
        "/admin/rules", data={"csrf_token": token, "links_max": "-1", "enabled": "links"}
    )
    # The field by its label, in people's words (not "Links max", not Pydantic's wording).
    assert bad.status_code == 422
    assert "Links allowed in a comment: must be 0 or more" in bad.text
    assert "Links max" not in bad.text and "Input should be" not in bad.text
    words = await admin.post(
        "/admin/rules",
        data={"csrf_token": token, **(rule_form_numbers() | {"rate_per_minute": "many"})},
    )
    assert words.status_code == 422
    assert "Comments a minute, per commenter: please enter a whole number" in words.text
    assert 'value="many"' in words.text
    good = await post_pairs(
        admin,
        "/admin/rules",
        [
            ("csrf_token", token),
            *(rule_form_numbers() | {"links_max": "0"}).items(),
            ("banned_words", "forbidden"),
            ("suspect_words", ""),
            ("blocked_domains", ""),
            ("enabled", "links"),
            ("enabled", "banned_words"),
        ],
    )
    assert good.status_code == 303
    one_link = await post_comment(client, story["id"], "See https://a.example for forbidden things")
    assert one_link.json()["moderation"] == "Not published"
    assert set(await held_for(app, one_link.json()["id"])) == {
        'rejected: banned word "forbidden"',
        "held: 1 link, limit 0",
    }
    assert one_link.json()["status"] == "rejected"
    entry = (await accounts.audit_entries(app.state.db, None))[0]
    assert entry["action"] == "rules.change"
    assert entry["detail"]["after"]["links_max"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"ids": [2**70], "action": "approve"},
        {"ids": [0], "action": "approve"},
        {"ids": [], "action": "approve"},
        {"ids": [1], "action": "explode"},
        {"ids": "1", "action": "approve"},
        {"ids": [1], "action": "ban", "ban_days": 99999},
        {"ids": [424242], "action": "reject"},
    ],
)
async def test_bad_staff_api_calls_get_a_clear_422(admin: httpx.AsyncClient, body: Any) -> None:
    token = admin.cookies.get("tribune_csrf") or await csrf_of(admin, "/admin/moderation")
    answer = await admin.post(
        "/api/v1/admin/moderation", json=body, headers={"X-CSRF-Token": token}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"]


async def test_reports_have_a_rate_limit_of_their_own(settings: Settings, story_db: int) -> None:
    app = create_app(settings.model_copy(update={"rate_limits": True}))
    try:
        targets = []
        for n in range(11):
            async with client_at(app, f"10.7.0.{n}") as author:
                letter = "abcdefghijk"[n]
                body = f"Opinion {letter} here"
                targets.append(
                    (await post_comment(author, story_db, body, name=f"Author {letter}")).json()
                )
        async with client_at(app, "10.7.1.1") as reporter:
            for target in targets[:10]:
                answer = await reporter.post(
                    f"/api/v1/comments/{target['id']}/reports", json={"reason": "spam"}
                )
                assert answer.status_code == 201
            refused = await reporter.post(
                f"/api/v1/comments/{targets[10]['id']}/reports", json={"reason": "spam"}
            )
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) >= 1
    finally:
        await app.state.db.dispose()


async def test_an_edit_is_screened_again(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    posted = (await post_comment(client, story["id"], "A perfectly calm opinion")).json()
    path = f"/api/v1/comments/{posted['id']}"
    auth = {"Authorization": f"Bearer {posted['edit_token']}"}
    edited = await client.patch(path, json={"body": "Now buy v1agra here"}, headers=auth)
    assert edited.status_code == 200
    assert edited.json()["status"] == "rejected"
    page = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
    assert posted["id"] not in [c["id"] for c in page["comments"]]
    assert page["total"] == 5
    counts = (await client.get(f"/api/v1/counts?story={story['id']}")).json()
    assert counts["counts"][str(story["id"])] == 5


async def test_deleting_a_held_comment_leaves_the_counts_alone(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    held = (
        await post_comment(
            client, story["id"], "See https://a.example https://b.example https://c.example"
        )
    ).json()
    assert held["status"] == "pending"
    gone = await client.delete(
        f"/api/v1/comments/{held['id']}",
        headers={"Authorization": f"Bearer {held['edit_token']}"},
    )
    assert gone.status_code == 204
    page = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
    assert page["total"] == 5
    assert [c["number"] for c in page["comments"]] == [1, 2, 3, 4, 5]
