"""A commenter's data by e-mail, for admins (issue 15): an admin finds every comment given
one address, downloads them and erases them; the audit log says who did it and how many
comments, never the address, a name or a text."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.factories import make_story
from tests.helpers import client_at, csrf_of, posted
from tribune.comments.service import ArchivedComment, import_archive
from tribune.storage.tables import audit_log, comments, threads

pytestmark = pytest.mark.anyio

ANA = "ana@example.org"
ANA_SITE = "https://ana.example"
PAGE = "/admin/commenters"


async def by_ana(
    client: httpx.AsyncClient, story_id: int, body: str, email: str = ANA, **fields: Any
) -> dict[str, Any]:
    return await posted(
        client, story_id, body, name="Ana Lyse", email=email, website=ANA_SITE, **fields
    )


async def by_bo(client: httpx.AsyncClient, story_id: int, body: str, **fields: Any) -> Any:
    return await posted(client, story_id, body, name="Bo", email="bo@example.org", **fields)


async def audit_rows(app: FastAPI, prefix: str = "commenter.") -> list[dict[str, Any]]:
    async with app.state.db.read() as conn:
        rows = await conn.execute(select(audit_log).order_by(audit_log.c.id))
        return [dict(row) for row in rows.mappings() if row["action"].startswith(prefix)]


async def comment_rows(app: FastAPI) -> dict[int, Any]:
    async with app.state.db.read() as conn:
        return {row.id: row for row in await conn.execute(select(comments))}


def assert_keeps_nothing_of_ana(rows: list[dict[str, Any]], *texts: str) -> None:
    """The raw audit rows, every column, hold no address, name, website or text of hers."""
    raw = repr(rows).casefold()
    for secret in ("ana@", "example.org", "ana lyse", "ana.example", *texts):
        assert secret.casefold() not in raw, secret


async def test_only_admins_reach_a_commenters_data(
    app: FastAPI,
    admin: httpx.AsyncClient,
    moderator: httpx.AsyncClient,
    editor: httpx.AsyncClient,
    client: httpx.AsyncClient,
) -> None:
    story_id = await make_story(app.state.db)
    mine = await by_ana(client, story_id, "Only admins may find this")
    for member in (moderator, editor):
        assert (await member.get(PAGE, params={"email": ANA})).status_code == 403
        token = await csrf_of(member, "/admin/stories")
        for action in ("export", "erase"):
            data = {"email": ANA, "confirmed": "yes", "csrf_token": token}
            assert (await member.post(f"{PAGE}/{action}", data=data)).status_code == 403
        assert 'href="/admin/commenters"' not in (await member.get("/admin/stories")).text
    async with client_at(app) as stranger:
        answer = await stranger.get(PAGE, params={"email": ANA})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/admin/login")
    assert mine["id"] in await comment_rows(app) and await audit_rows(app) == []
    home = await admin.get("/admin/staff")
    assert 'href="/admin/commenters"' in home.text
    assert (await admin.get(PAGE)).status_code == 200
    assert await audit_rows(app) == []  # the empty form looks nothing up


async def test_an_admin_finds_every_comment_of_an_address_in_any_case(
    app: FastAPI, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    first = await make_story(app.state.db, title="Harbour reopens")
    second = await make_story(app.state.db, title="Council votes")
    await by_ana(client, first, "First thoughts on the harbour")
    await by_ana(client, second, "On the council, in capitals", email="ANA@Example.ORG")
    await by_bo(client, first, "Someone else entirely")
    # Imported comments keep the address but no hash of it: found by the address itself.
    archived = ArchivedComment(
        import_key="wp-1", body="Imported from the old blog", name="Ana L.", email="Ana@example.org"
    )
    await import_archive(app.state.db.transaction, second, [archived], stored=lambda ids: None)

    page = await admin.get(PAGE, params={"email": "  ANA@example.org "})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"  # the address is in its URL
    assert "3 comments" in page.text
    for shown in ("Harbour reopens", "Council votes", "First thoughts on the harbour"):
        assert shown in page.text
    assert "Imported from the old blog" in page.text and "Ana L." in page.text
    assert ANA_SITE in page.text and "Someone else entirely" not in page.text
    (entry,) = await audit_rows(app)
    assert entry["action"] == "commenter.lookup" and entry["actor"] == "Admin"
    assert entry["detail"] == {"comments": 3} and entry["target"] == ""
    assert_keeps_nothing_of_ana([entry], "harbour", "council", "ana l.")

    nobody = await admin.get(PAGE, params={"email": "nobody@example.org"})
    assert nobody.status_code == 200 and "No comments" in nobody.text
    refused = await admin.get(PAGE, params={"email": "not an address"})
    assert refused.status_code == 422 and 'id="f-email-error"' in refused.text
    assert [row["detail"] for row in await audit_rows(app)] == [{"comments": 3}, {"comments": 0}]
    log = await admin.get("/admin/audit")
    assert "Looked up a commenter&#39;s comments by e-mail" in log.text
    assert "3 comments found" in log.text


async def test_the_forms_are_refused_without_their_csrf_token(
    app: FastAPI, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    story_id = await make_story(app.state.db)
    mine = await by_ana(client, story_id, "Kept, since the form was forged")
    await admin.get(PAGE)  # the admin's browser holds a CSRF cookie; the forged form has no token
    for action in ("export", "erase"):
        for token in ({}, {"csrf_token": "forged"}):
            data = {"email": ANA, "confirmed": "yes"} | token
            assert (await admin.post(f"{PAGE}/{action}", data=data)).status_code == 403
    assert (await comment_rows(app))[mine["id"]].email == ANA
    assert await audit_rows(app) == []


async def test_the_export_holds_everything_kept_as_a_readers_own_download_does(
    app: FastAPI, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    story_id = await make_story(app.state.db, title="Exported story")
    first = await by_ana(client, story_id, "My *first* words")
    reply = await by_ana(client, story_id, "And a reply of mine", parent_id=first["id"])
    await by_bo(client, story_id, "Not hers")
    token = await csrf_of(admin, PAGE)
    answer = await admin.post(f"{PAGE}/export", data={"email": ANA.upper(), "csrf_token": token})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.headers["cache-control"] == "no-store"
    exported = answer.json()["comments"]
    assert [c["id"] for c in exported] == [reply["id"], first["id"]]  # newest first
    own = await client.post("/api/v1/comments/mine", json={"tokens": [first["edit_token"]]})
    (readers,) = own.json()["comments"]
    assert exported[1] == readers  # the same record as the reader's own download
    assert exported[1]["body"] == "My *first* words" and "<em>first</em>" in readers["body_html"]
    assert exported[1]["email"] == ANA and exported[1]["website"] == ANA_SITE
    assert exported[1]["name"] == "Ana Lyse" and exported[1]["address_hash_kept"] is True
    assert exported[1]["story"]["id"] == story_id
    assert exported[1]["story"]["title"] == "Exported story"
    assert exported[0]["parent_id"] == first["id"] and exported[0]["status"] == "approved"
    (entry,) = await audit_rows(app)
    assert entry["action"] == "commenter.export" and entry["detail"] == {"comments": 2}
    assert_keeps_nothing_of_ana([entry], "first words", "reply of mine")
    assert "2 comments exported" in (await admin.get("/admin/audit")).text


async def test_erasing_keeps_placeholders_for_replies_and_removes_the_rest(
    app: FastAPI, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    story_id = await make_story(app.state.db, title="Erased story")
    # Held for its links, then approved: the rules' reasons stay on it, quoting her text.
    links = "https://a.example https://b.example https://c.example"
    answered = await by_ana(client, story_id, f"Answered by Bo, see {links}")
    assert answered["status"] == "pending"
    approved = await admin.post(
        "/api/v1/admin/moderation",
        json={"ids": [answered["id"]], "action": "approve"},
        headers={"X-CSRF-Token": await csrf_of(admin, PAGE)},
    )
    assert approved.status_code == 200, approved.text
    bo_reply = await by_bo(client, story_id, "Bo answers Ana", parent_id=answered["id"])
    alone = await by_ana(client, story_id, "Nobody answered this")
    bo_top = await by_bo(client, story_id, "Bo starts a thread")
    to_bo = await by_ana(client, story_id, "Ana answers Bo", parent_id=bo_top["id"])
    # Her own chain: her reply to herself, and the comment it answers, both go.
    chain_top = await by_ana(client, story_id, "Ana starts a chain")
    chain_reply = await by_ana(client, story_id, "Ana continues it", parent_id=chain_top["id"])
    # A placeholder she deleted herself keeps her e-mail's hash until erased.
    deleted = await by_ana(client, story_id, "Deleted by Ana herself")
    await by_bo(client, story_id, "Bo answered before she deleted", parent_id=deleted["id"])
    gone = await client.delete(
        f"/api/v1/comments/{deleted['id']}",
        headers={"Authorization": f"Bearer {deleted['edit_token']}"},
    )
    assert gone.status_code == 204
    before = await comment_rows(app)
    assert before[deleted["id"]].status == "deleted" and before[deleted["id"]].email_hash
    assert before[answered["id"]].verdicts
    events_before = await app.state.broker.backlog(story_id, "0-0") or []

    token = await csrf_of(admin, PAGE)
    ask = await admin.post(f"{PAGE}/erase", data={"email": ANA, "csrf_token": token})
    assert ask.status_code == 200 and "Erase 6 comments?" in ask.text
    assert 'name="confirmed" value="yes"' in ask.text
    assert await comment_rows(app) == before  # asking erases nothing

    done = await admin.post(
        f"{PAGE}/erase", data={"email": ANA, "confirmed": "yes", "csrf_token": token}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{PAGE}?removed=4&kept=2"  # no address in it
    notice = await admin.get(done.headers["location"])
    assert "Erased 6 comments: 4 removed, 2 kept as empty placeholders" in notice.text

    rows = await comment_rows(app)
    for leaf in (alone, to_bo, chain_top, chain_reply):
        assert leaf["id"] not in rows
    for kept in (answered, deleted):
        placeholder = rows[kept["id"]]
        assert placeholder.status == "deleted" and placeholder.reply_count == 1
        for column in (
            "name",
            "email",
            "website",
            "avatar",
            "email_hash",
            "client_hash",
            "fingerprint",
            "idempotency_key",
            "previous_body_md",
            "verdicts",
        ):
            assert getattr(placeholder, column) is None, column
        assert placeholder.body_md == "" and placeholder.body_html == ""
    assert rows[bo_reply["id"]].name == "Bo" and rows[bo_reply["id"]].parent_id == answered["id"]
    assert rows[bo_top["id"]].reply_count == 0

    # Counts: the story's, and the thread's, say what readers now see.
    thread = (await client.get(f"/api/v1/stories/{story_id}/comments?sort=oldest")).json()
    visible = [row for row in rows.values() if row.status == "approved"]
    assert thread["total"] == len(visible) == 3
    async with app.state.db.read() as conn:
        count = (
            await conn.execute(
                select(threads.c.comment_count).where(threads.c.story_id == story_id)
            )
        ).scalar_one()
    assert count == 3
    counts = (await client.get(f"/api/v1/counts?story={story_id}")).json()["counts"]
    assert counts[str(story_id)] == 3
    tops = {c["id"]: c for c in thread["comments"]}
    assert tops[answered["id"]]["status"] == "deleted" and tops[answered["id"]]["name"] is None
    assert [r["id"] for r in tops[answered["id"]]["replies"]] == [bo_reply["id"]]
    shown = str(thread)
    assert "Ana Lyse" not in shown and "Nobody answered" not in shown and "chain" not in shown

    # Readers watching the story were told of each comment of hers they could see.
    events = await app.state.broker.backlog(story_id, "0-0") or []
    told = {e.data["id"] for e in events[len(events_before) :] if e.type == "delete"}
    assert told == {c["id"] for c in (answered, alone, to_bo, chain_top, chain_reply)}

    after = await admin.get(PAGE, params={"email": ANA})
    assert "No comments" in after.text and "Nobody answered this" not in after.text
    entries = await audit_rows(app)
    assert [e["action"] for e in entries] == [
        "commenter.lookup",  # the confirmation page's
        "commenter.erase",
        "commenter.lookup",
    ]
    assert entries[1]["detail"] == {"comments": 6, "removed": 4, "placeholders": 2}
    assert entries[1]["actor"] == "Admin" and entries[1]["target"] == ""
    assert_keeps_nothing_of_ana(entries, "answered", "chain", "deleted by")
    log = await admin.get("/admin/audit")
    assert "Erased a commenter&#39;s comments" in log.text
    assert "6 comments erased: 4 removed, 2 kept as empty placeholders" in log.text
