"""Reporting a comment without JavaScript, as people expect it: the form, then back at the
comment with "Thank you, a moderator will look at it", which no other reader's page (the
rendering of the thread shared by readers without cookies) ever shows; the thanks again,
with no form, for a reader who already reported; a second reader on the same address can
report too; and no Report link on one's own comment."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.helpers import client_at, csrf_of, posted

pytestmark = pytest.mark.anyio

OFFICE = "198.51.100.7"
THANKS = "Thank you, a moderator will look at it."


async def send_report(client: httpx.AsyncClient, comment_id: int, **form: str) -> httpx.Response:
    token = await csrf_of(client, f"/comments/{comment_id}/report")
    return await client.post(f"/comments/{comment_id}/report", data={"csrf_token": token, **form})


async def test_after_a_report_the_reader_is_back_at_the_comment_and_thanked(
    app: FastAPI, story: dict[str, Any]
) -> None:
    async with client_at(app, "203.0.113.9") as author:
        target = (await posted(author, story["id"], "A rude remark"))["id"]
    page_path = f"/stories/{story['slug']}"
    async with (
        client_at(app, OFFICE) as ana,
        client_at(app, OFFICE) as ben,
        client_at(app, OFFICE) as passer_by,
    ):
        assert THANKS not in (await passer_by.get(page_path)).text  # fills the shared page
        sent = await send_report(ana, target, reason="abuse")
        assert sent.status_code == 303
        assert sent.headers["location"] == f"{page_path}#c{target}"
        back = (await ana.get(sent.headers["location"])).text
        at_comment = back[back.index(f'id="c{target}"') :]
        at_comment = at_comment[: at_comment.index("</li>")]
        assert f"You reported this comment. {THANKS}" in at_comment
        assert f'href="/comments/{target}/report"' not in at_comment
        assert '<span class="reported">Reported</span>' in at_comment
        # Nobody else sees it: not the shared page, not a reader of the same address.
        assert THANKS not in (await passer_by.get(page_path)).text
        assert THANKS not in (await ben.get(page_path)).text
        # The report form again: the thanks, and no form to fill in for nothing.
        again = await ana.get(f"/comments/{target}/report")
        assert again.status_code == 200 and THANKS in again.text
        assert "Send report" not in again.text
        assert f'href="{page_path}#c{target}">Back to the comment</a>' in again.text
        # A second reader on the same address reports too.
        second = await send_report(ben, target, reason="spam")
        assert second.status_code == 303
        # Sending the form twice (a second tab) thanks again, without the form.
        token = await csrf_of(ben, page_path)
        twice = await ben.post(
            f"/comments/{target}/report", data={"csrf_token": token, "reason": "spam"}
        )
        assert twice.status_code == 409
        assert f"You have already reported this comment. {THANKS}" in twice.text
        assert "Send report" not in twice.text


async def test_a_report_that_hides_the_comment_thanks_on_a_page_of_its_own(
    app: FastAPI, story: dict[str, Any]
) -> None:
    async with client_at(app, "203.0.113.9") as author:
        target = (await posted(author, story["id"], "Soon hidden"))["id"]
    for address in ("192.0.2.1", "192.0.2.2"):
        async with client_at(app, address) as other:
            assert (await send_report(other, target, reason="spam")).status_code == 303
    async with client_at(app, "192.0.2.3") as third:
        sent = await send_report(third, target, reason="spam")
        assert sent.headers["location"] == f"/comments/{target}/report"
        thanks = await third.get(sent.headers["location"])
        assert thanks.status_code == 200 and THANKS in thanks.text
        assert "Soon hidden" not in thanks.text  # held now: its text is not shown again
        assert "Back to the discussion</a>" in thanks.text
        assert (await third.get(f"/stories/{story['slug']}")).status_code == 200


async def test_the_report_form_speaks_in_its_own_words(
    app: FastAPI, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    async with client_at(app, "203.0.113.9") as author:
        target = (await posted(author, story["id"], "Hmm"))["id"]
    none = await send_report(client, target)
    assert none.status_code == 422
    assert "Please choose what is wrong with this comment" in none.text
    assert "Reason must be one of" not in none.text
    other = await send_report(client, target, reason="other")
    assert other.status_code == 422
    assert "Please say what is wrong with this comment" in other.text


async def test_no_report_link_on_ones_own_comment(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    page_path = f"/stories/{story['slug']}"
    token = await csrf_of(client, page_path)
    sent = await client.post(
        f"{page_path}/comments",
        data={"csrf_token": token, "name": "Me", "body": "My own words"},
    )
    assert sent.status_code == 303
    mine = int(sent.headers["location"].rpartition("#c")[2])
    page = (await client.get(page_path)).text
    assert f'href="/comments/{mine}/report"' not in page
    others = [c for c in range(1, mine) if f'href="/comments/{c}/report"' in page]
    assert others  # the demo's comments can still be reported
    own = await client.get(f"/comments/{mine}/report")
    assert "This is your own comment" in own.text and "Send report" not in own.text
