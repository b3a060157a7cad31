"""Moderating safely (issue 12): address bans end by themselves unless staff choose
otherwise, ask first and say who else they bar; nothing to ban by is said, not hidden; undo;
the queue oldest first, naming repeats, edits and shared addresses; the bans page and the
audit log in people's words; roles and passwords on the staff page; createadmin's role."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_moderation import moderate, post_pairs
from tests.helpers import PASSWORD, client_at, csrf_of, post_comment, rule_form_numbers
from tests.test_cli import run
from tribune.accounts import service as accounts
from tribune.moderation import bans
from tribune.storage import moderation as moderation_store

pytestmark = pytest.mark.anyio

HELD = "You idiot, {n} is what I think of this story and of you"  # a suspect word holds it


async def held(app: Any, address: str, name: str, n: int, story_id: int, **extra: Any) -> int:
    async with client_at(app, address) as reader:
        answer = await post_comment(reader, story_id, HELD.format(n=n), name=name, **extra)
    assert answer.json()["status"] == "pending", answer.text
    return int(answer.json()["id"])


def days_left(ban: dict[str, Any]) -> float:
    assert ban["expires_at"] is not None
    return float((ban["expires_at"] - datetime.now(UTC)) / timedelta(days=1))


# Address bans ----------------------------------------------------------------------------------


async def test_an_address_ban_ends_after_a_week_unless_no_expiry_is_chosen(
    app: Any, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    first = await held(app, "10.7.0.1", "Pat", 1, story["id"])
    assert (await moderate(admin, [first], "ban")).status_code == 200
    (found,) = await bans.bans_in_force(app.state.db)
    assert 6.9 < days_left(found) <= 7
    second = await held(app, "10.7.0.2", "Kim", 2, story["id"])
    assert (await moderate(admin, [second], "ban", ban_days=0)).status_code == 200
    forever = [b for b in await bans.bans_in_force(app.state.db) if b["id"] != found["id"]]
    assert forever[0]["expires_at"] is None
    # By hand: an address with no days chosen gets the week; an e-mail hash none.
    token = await csrf_of(admin, "/admin/bans")
    for kind, value in (("client", "a" * 32), ("email", "b" * 32)):
        added = await admin.post(
            "/admin/bans", data={"kind": kind, "value": value, "days": "", "csrf_token": token}
        )
        assert added.status_code == 303 and added.headers["location"] == "/admin/bans?done=added"
    by_value = {b["value"]: b for b in await bans.bans_in_force(app.state.db)}
    assert 6.9 < days_left(by_value["a" * 32]) <= 7
    assert by_value["b" * 32]["expires_at"] is None
    page = await admin.get("/admin/bans?done=added")
    assert "The ban was added." in page.text
    assert re.search(r'<option value="7" selected>7 days</option>', page.text)


async def test_ban_author_on_a_comment_with_nothing_to_ban_by_says_so(
    app: Any, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    # The demo story's comments were imported: no e-mail, no address.
    items = (await admin.get("/admin/moderation?tab=approved")).text
    imported = int(re.findall(r'data-id="(\d+)"', items)[0])
    answer = await moderate(admin, [imported], "ban")
    assert answer.status_code == 422
    assert "has no address to ban its author by" in str(answer.json()["errors"])
    assert "nothing was banned" in str(answer.json()["errors"])
    token = await csrf_of(admin, "/admin/moderation")
    form = await admin.post(
        "/admin/moderation",
        data={"csrf_token": token, "one": f"{imported}:ban", "back": "/admin/moderation"},
    )
    assert form.status_code == 422 and "nothing can be banned" in form.text
    confirmed = await post_pairs(
        admin,
        "/admin/moderation",
        [("csrf_token", token), ("action", "ban"), ("ids", str(imported)), ("confirmed", "yes")],
    )
    assert confirmed.status_code == 422
    assert await bans.bans_in_force(app.state.db) == []
    # The queue does not offer it there, and says why.
    assert f'value="{imported}:ban"' not in items
    assert "there is nothing to ban by" in items
    entries = await accounts.audit_entries(app.state.db, None)
    assert not [e for e in entries if e["action"] in ("ban.add", "comment.ban")]


async def test_the_queue_names_a_shared_address_and_ban_asks_first(
    app: Any, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    # Two people behind one office address, a third elsewhere.
    pat = await held(app, "10.8.0.1", "Pat", 1, story["id"], email="pat@example.org")
    await held(app, "10.8.0.1", "Jonas", 2, story["id"])
    alone = await held(app, "10.8.0.9", "Kim", 3, story["id"])
    queue = (await admin.get("/admin/moderation")).text
    assert queue.count("This address is shared by 2 commenters") == 2
    item = queue[queue.index(f'id="q{alone}"') :]
    assert "This address is shared" not in item[: item.index("</li>")]
    token = await csrf_of(admin, "/admin/moderation")
    ask = await admin.post(
        "/admin/moderation",
        data={"csrf_token": token, "one": f"{pat}:ban", "back": "/admin/moderation"},
    )
    assert ask.status_code == 200
    assert "1 other commenter has posted from this address: the ban bars them too" in ask.text
    assert await bans.bans_in_force(app.state.db) == []  # asked, not done
    done = await post_pairs(
        admin,
        "/admin/moderation",
        [
            ("csrf_token", token),
            ("action", "ban"),
            ("ids", str(pat)),
            ("confirmed", "yes"),
            ("ban_days", "7"),
            ("reason", "insults"),
            ("back", "/admin/moderation"),
        ],
    )
    assert done.status_code == 303
    (ban,) = await bans.bans_in_force(app.state.db)
    assert ban["reason"] == "insults" and 6.9 < days_left(ban) <= 7
    # The single buttons never take the bulk bar's reason.
    other = await held(app, "10.8.0.3", "Ana", 4, story["id"])
    await admin.post(
        "/admin/moderation",
        data={"csrf_token": token, "one": f"{other}:reject", "reason": "left over"},
    )
    entry = (await accounts.audit_entries(app.state.db, None))[0]
    assert entry["action"] == "comment.reject" and entry["reason"] == ""


# Undo -------------------------------------------------------------------------------------------


async def test_undo_puts_back_the_status_the_reports_and_the_ban(
    app: Any, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    comment = (await post_comment(admin, story["id"], "A fair remark on the story")).json()
    for n in range(3):
        async with client_at(app, f"10.9.0.{n + 1}") as reader:
            answer = await reader.post(
                f"/api/v1/comments/{comment['id']}/reports", json={"reason": "spam"}
            )
            assert answer.status_code == 201
    # Approving dismisses the three reports; undo brings the comment and them back.
    approved = await moderate(admin, [comment["id"]], "approve")
    assert approved.json()["done"][0]["status"] == "approved"
    undone = await moderate(admin, [comment["id"]], "undo")
    assert undone.status_code == 200, undone.text
    assert undone.json()["done"][0]["status"] == "pending"
    async with app.state.db.read() as conn:
        assert len((await moderation_store.reports_for(conn, [comment["id"]]))[comment["id"]]) == 3
    reported = (await admin.get("/admin/moderation?tab=reported")).text
    assert f'id="q{comment["id"]}"' in reported
    # An undo is not undone, and there is nothing more to undo.
    again = await moderate(admin, [comment["id"]], "undo")
    assert again.status_code == 422 and "no recent action to undo" in str(again.json()["errors"])
    # A ban undone is lifted.
    pat = await held(app, "10.9.1.1", "Pat", 9, story["id"])
    assert (await moderate(admin, [pat], "ban")).status_code == 200
    assert len(await bans.bans_in_force(app.state.db)) == 1
    assert (await moderate(admin, [pat], "undo")).json()["done"][0]["status"] == "pending"
    assert await bans.bans_in_force(app.state.db) == []
    actions = [e["action"] for e in await accounts.audit_entries(app.state.db, None)]
    assert actions.count("comment.undo") == 2
    # Without JavaScript the notice offers the undo of what was just done.
    token = await csrf_of(admin, "/admin/moderation")
    done = await admin.post(
        "/admin/moderation",
        data={"csrf_token": token, "one": f"{pat}:reject", "back": "/admin/moderation"},
    )
    notice = (await admin.get(done.headers["location"])).text
    assert "Rejected 1 comment." in notice
    assert 'name="action" value="undo"' in notice and f'name="ids" value="{pat}"' in notice


async def test_a_moderator_cannot_undo_another_ones_action(
    app: Any, admin: httpx.AsyncClient, moderator: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    pat = await held(app, "10.9.2.1", "Pat", 1, story["id"])
    assert (await moderate(admin, [pat], "reject")).status_code == 200
    assert (await moderate(moderator, [pat], "undo")).status_code == 422


# The queue -------------------------------------------------------------------------------------


async def test_the_pending_tab_is_oldest_first_and_names_repeats_and_edits(
    app: Any, admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    original = (await post_comment(client, story["id"], "The same long text, said twice")).json()
    repeat = (await post_comment(client, story["id"], "The same long text, said twice")).json()
    assert repeat["status"] == "pending"
    edited = (await post_comment(client, story["id"], "A calm and fair remark")).json()
    change = await client.patch(
        f"/api/v1/comments/{edited['id']}",
        json={"body": "A calm remark, you idiot"},
        headers={"Authorization": f"Bearer {edited['edit_token']}"},
    )
    assert change.json()["status"] == "pending"
    page = (await admin.get("/admin/moderation")).text
    assert [int(i) for i in re.findall(r'data-id="(\d+)"', page)] == [repeat["id"], edited["id"]]
    item = page[page.index(f'id="q{repeat["id"]}"') :]
    assert f'a repeat of <a href="/comments/{original["id"]}">#{original["number"]}</a>' in item
    assert "not public yet" in item[: item.index("</li>")]
    item = page[page.index(f'id="q{edited["id"]}"') :]
    assert '<span class="badge edited">edited</span>' in item
    assert "<ins>you idiot</ins>" in item or "<ins>" in item
    approved = (await admin.get("/admin/moderation?tab=approved")).text
    assert f'<a href="/comments/{original["id"]}">in its thread</a>' in approved


# The bans page and the audit log ---------------------------------------------------------------


async def test_bans_and_the_audit_log_speak_of_people(
    app: Any, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    pat = await held(app, "10.6.0.1", "Pat Quick", 1, story["id"])
    await moderate(admin, [pat], "ban", reason="insults")
    page = (await admin.get("/admin/bans")).text
    assert "Pat Quick" in page and "You idiot, 1 is what I think" in page
    assert "Lift ban 1" not in page and 'aria-label="Lift the ban on Pat Quick"' in page
    ban_id = (await bans.bans_in_force(app.state.db))[0]["id"]
    token = await csrf_of(admin, "/admin/bans")
    lifted = await admin.post(f"/admin/bans/{ban_id}/lift", data={"csrf_token": token})
    assert "The ban was lifted." in (await admin.get(lifted.headers["location"])).text
    # A rules change says what changed; a failed login which account it tried.
    token = await csrf_of(admin, "/admin/rules")
    saved = await post_pairs(
        admin,
        "/admin/rules",
        [
            ("csrf_token", token),
            *(rule_form_numbers() | {"rate_per_minute": "30"}).items(),
            ("banned_words", "viagra"),
        ],
    )
    assert saved.status_code == 303
    async with client_at(app, "10.6.0.9") as stranger:
        login_token = await csrf_of(stranger, "/admin/login")
        await stranger.post(
            "/admin/login",
            data={
                "email": "<b>boss</b>@example.org",
                "password": "hunter2-secret",
                "csrf_token": login_token,
            },
        )
    log = (await admin.get("/admin/audit")).text
    assert "Comments a minute, per commenter 5 → 30" in log
    assert "Banned words (reject): removed cialis" in log
    assert "Failed sign-in" in log and "&lt;b&gt;boss&lt;/b&gt;@example.org" in log
    assert "hunter2-secret" not in log
    assert "Rejected a comment and banned its author" in log and "Lifted a ban" in log
    assert "comment #" in log and "by Pat Quick" in log
    assert "staff.add" not in log and "comment.ban" not in log


# Staff -------------------------------------------------------------------------------------------


async def test_admins_change_roles_and_set_passwords_but_keep_an_admin(
    app: Any, admin: httpx.AsyncClient, moderator: httpx.AsyncClient
) -> None:
    page = (await admin.get("/admin/staff")).text
    assert '<option value="" selected>Choose a role</option>' in page
    token = await csrf_of(admin, "/admin/staff")
    no_role = await admin.post(
        "/admin/staff",
        data={"email": "e@example.org", "name": "Ed", "password": PASSWORD, "csrf_token": token},
    )
    assert no_role.status_code == 422 and "Please choose a role" in no_role.text
    members = {m.email: m for m in await accounts.all_staff(app.state.db)}
    mod, me = members["moderator@example.org"], members["admin@example.org"]
    assert (
        await admin.post(f"/admin/staff/{mod.id}/role", data={"role": "editor"})
    ).status_code == 403  # no CSRF token
    changed = await admin.post(
        f"/admin/staff/{mod.id}/role", data={"role": "editor", "csrf_token": token}
    )
    assert changed.status_code == 303
    assert "The role was changed." in (await admin.get(changed.headers["location"])).text
    assert (await moderator.get("/admin/moderation")).status_code == 403  # an editor now
    last = await admin.post(
        f"/admin/staff/{me.id}/role", data={"role": "moderator", "csrf_token": token}
    )
    assert last.status_code == 422 and "is the last admin" in last.text
    reset = await admin.post(
        f"/admin/staff/{mod.id}/password",
        data={"password": "a brand new long password", "csrf_token": token},
    )
    assert reset.status_code == 303
    assert (await moderator.get("/admin/stories")).status_code in (303, 401)  # signed out
    async with client_at(app, "10.5.0.5") as fresh:
        login_token = await csrf_of(fresh, "/admin/login")
        signed = await fresh.post(
            "/admin/login",
            data={
                "email": mod.email,
                "password": "a brand new long password",
                "csrf_token": login_token,
            },
        )
        assert signed.status_code == 303
        assert (
            await fresh.post(
                f"/admin/staff/{me.id}/role", data={"role": "editor", "csrf_token": login_token}
            )
        ).status_code == 403  # only admins
    log = (await admin.get("/admin/audit")).text
    assert "Changed a role" in log and "moderator → editor" in log and "Set a password" in log


def test_createadmin_asks_for_the_role_or_refuses_without_one(tmp_path: Path) -> None:
    account = ["--email", "a@example.org", "--name", "Ad", "--password-stdin"]
    refused = run("createadmin", *account, db=tmp_path / "t.db", stdin=PASSWORD.encode())
    assert refused.returncode == 2 and "--role is required" in refused.stderr
    made = run(
        "createadmin",
        *account,
        "--role",
        "moderator",
        db=tmp_path / "t.db",
        stdin=PASSWORD.encode(),
    )
    assert made.returncode == 0 and "Created moderator" in made.stdout
