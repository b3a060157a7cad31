"""The hostile corpus through every way a comment enters or changes (SECURITY.md A1, A2,
A3, A4, A7, A9, A11), and the oracle on every surface that shows it, on SQLite and
PostgreSQL.

- The API takes the whole corpus as body, name, website and e-mail (one story per field,
  posted 50 at a time so each batch is group-committed and each batch's feed holds exactly
  it), and edits (PATCH) every stored comment into a corpus body.
- The forms, which re-render the whole story page on a refusal, take the representative
  sub-corpus (corpus.sample): a post refused for an empty body shows every other field as
  typed; a post refused for an empty name shows the body; accepted posts are stored; the
  edit form takes the same sub-corpus.
- Replies: corpus bodies and names as replies, nested deeper than the display depth so
  "in reply to NAME" shows hostile names.

Each refusal must be a 422 naming exactly the field (the other fields are valid), and
``corpus.refused`` says which must be refused; nothing refused is stored. Everything stored
is checked on the story page (every page of the oldest sort, through the page and the
/thread fragment, and the first page of every other sort), the API in every sort, the
story's comment feed after every batch and the site's at the end, the live stream
(``comment`` and ``edit`` events), the identicons and every staff page.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.factories import make_story
from tests.helpers import BASE_URL, csrf_of, post_comment
from tests.security import corpus, harness
from tests.security.oracle import (
    Finding,
    comment_json_findings,
    field_values,
    page_findings,
    report,
    text_of,
)

pytestmark = pytest.mark.anyio

VALID = {"name": "Reader", "body": "A comment that is fine.", "email": "", "website": ""}
BATCH = 50  # the newest comments a feed holds
FORM_SAMPLE = corpus.sample(3)


async def post_batch(
    client: httpx.AsyncClient, story_id: int, field: str, payloads: list[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Post payloads in the field, concurrently; the comments stored and the problems
    (a refusal that the contract does not predict, or that names other fields)."""
    answers = await asyncio.gather(
        *(post_comment(client, story_id, **(VALID | {field: payload})) for payload in payloads)
    )
    stored, problems = [], []
    for payload, answer in zip(payloads, answers, strict=True):
        expected = corpus.refused(field, payload)
        if answer.status_code == 201:
            stored.append(answer.json() | {"payload": payload})
            if expected:
                problems.append(f"stored but must be refused: {payload!r:.80}")
        elif answer.status_code == 422:
            errors = answer.json().get("errors", {})
            if set(errors) != {field}:
                problems.append(f"422 naming {sorted(errors)}, not {field}: {payload!r:.80}")
            if expected is False:
                problems.append(f"refused but must be stored: {payload!r:.80} {errors}")
        else:
            problems.append(f"{answer.status_code} for {payload!r:.80}: {answer.text:.200}")
    return stored, problems


async def test_the_corpus_through_the_api_as_every_field(
    app: Any, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await harness.disable_rules(admin)
    payloads = {
        "body": list(corpus.ALL),
        "name": list(corpus.ALL),
        "website": list(corpus.websites()),
        "email": [*corpus.EMAILS, *corpus.sample(3)],
    }
    findings: list[Finding] = []
    problems: list[str] = []
    for field, values in payloads.items():
        story_id = await make_story(app.state.db, title=f"Corpus as {field}")
        story = (await client.get(f"/api/v1/stories/{story_id}")).json()
        live = harness.LiveStream(app, story_id)
        await live.opened()
        stored: list[dict[str, Any]] = []
        for start in range(0, len(values), BATCH):
            batch, found = await post_batch(client, story_id, field, values[start : start + BATCH])
            stored += batch
            problems += found
            # The story's feed holds the newest 50: this batch, and nothing else of it.
            path = f"/feeds/stories/{story['slug']}/comments.atom"
            count, in_feed = await harness.feed(client, path)
            findings += in_feed
            assert count == min(len(stored), BATCH), (field, start)
        seen: list[str] = []
        if field != "email":  # never shown: only its keyed hash, to staff
            findings += await harness.public_surfaces(client, story, seen)
        events, in_events = await live.events()
        findings += in_events
        assert sorted(d["id"] for k, d in events if k == "comment") == sorted(
            c["id"] for c in stored
        ), field
        _, shown = await harness.api_thread(client, story_id)
        assert len(shown) == len(stored), f"{field}: refused inputs must store nothing"
        if field == "email":
            # Never shown to anyone (DESIGN.md): in no page, feed or API answer.
            answers = [
                await client.get(path)
                for path in (
                    f"/stories/{story['slug']}",
                    f"/api/v1/stories/{story_id}/comments?limit=100",
                    f"/feeds/stories/{story['slug']}/comments.atom",
                )
            ]
            for comment in stored:
                email = comment["payload"].strip()
                assert not any(email in answer.text for answer in answers), email
                assert "email" not in comment
        if field == "name":
            # Shown as typed (trimmed), as text: "{{7*7}}" stays itself, never 49.
            names = {c["name"] for c in shown}
            assert names == {c["payload"].strip() for c in stored}
            authors = {
                text
                for number, html in enumerate(seen)
                for text in text_of(html, "author", fragment=not html.startswith("<!doctype"))
            }
            assert {c["payload"].strip() for c in stored} <= authors
    findings += await harness.staff_surfaces(admin, by_rule=True)
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)


async def test_every_stored_comment_edited_into_the_corpus_through_the_api(
    app: Any, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await harness.disable_rules(admin)
    story_id = await make_story(app.state.db, title="Edited into the corpus")
    story = (await client.get(f"/api/v1/stories/{story_id}")).json()
    originals = []
    for start in range(0, len(corpus.ALL), BATCH):
        answers = await asyncio.gather(
            *(
                post_comment(client, story_id, f"Original text number {i}")
                for i in range(start, min(start + BATCH, len(corpus.ALL)))
            )
        )
        originals += [answer.json() for answer in answers]
    live = harness.LiveStream(app, story_id)
    await live.opened()
    problems: list[str] = []
    findings: list[Finding] = []
    edited = 0
    for start in range(0, len(corpus.ALL), BATCH):
        chunk = list(zip(originals, corpus.ALL, strict=False))[start : start + BATCH]
        answers = await asyncio.gather(
            *(
                client.patch(
                    f"/api/v1/comments/{original['id']}",
                    json={"body": payload},
                    headers={"Authorization": f"Bearer {original['edit_token']}"},
                )
                for original, payload in chunk
            )
        )
        for (_, payload), answer in zip(chunk, answers, strict=True):
            expected = corpus.refused("body", payload)
            if answer.status_code == 200:
                edited += 1
                findings += comment_json_findings(answer.json(), "PATCH")
                if expected:
                    problems.append(f"edit stored but must be refused: {payload!r:.80}")
            elif answer.status_code == 422:
                if set(answer.json()["errors"]) != {"body"} or not expected:
                    problems.append(f"edit refused: {payload!r:.80} {answer.text:.200}")
            else:
                problems.append(f"{answer.status_code} for {payload!r:.80}")
    findings += await harness.public_surfaces(client, story)
    events, in_events = await live.events()
    findings += in_events
    assert len([kind for kind, _ in events if kind == "edit"]) == edited
    findings += await harness.staff_surfaces(admin, walk="none")
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)


async def test_the_sub_corpus_through_the_comment_form(
    app: Any, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    """A refused form shows the whole story page again with everything typed kept: every
    payload in every field of that page, then every payload stored through the form."""
    await harness.disable_rules(admin)
    # Refusals are shown on a story that stays empty (its page is cheap to check); the
    # posts that may be stored go to another.
    refusals = (await client.get(f"/api/v1/stories/{await make_story(app.state.db)}")).json()
    story_id = await make_story(app.state.db, title="The form")
    story = (await client.get(f"/api/v1/stories/{story_id}")).json()
    token = await csrf_of(client, f"/stories/{story['slug']}")
    findings: list[Finding] = []
    problems: list[str] = []
    for payload in FORM_SAMPLE:
        path = f"/stories/{refusals['slug']}/comments"
        # No body: refused, and the page shows name, e-mail and website as typed.
        typed = {"name": payload, "email": payload, "website": payload, "body": ""}
        answer = await client.post(path, data=typed | {"csrf_token": token})
        findings += _kept(answer, typed, payload, problems)
        # No name: refused, and the page shows the body as typed.
        typed = {"name": "", "email": "", "website": "", "body": payload}
        answer = await client.post(path, data=typed | {"csrf_token": token})
        findings += _kept(answer, typed, payload, problems)
        path = f"/stories/{story['slug']}/comments"
        for field in ("body", "name"):  # the website is stored through the API run
            fields = VALID | {field: payload}
            answer = await client.post(path, data=fields | {"csrf_token": token})
            expected = corpus.refused(field, payload)
            if answer.status_code == 303:
                if expected:
                    problems.append(f"form stored {field} that must be refused: {payload!r:.60}")
            elif answer.status_code == 422:
                findings += _kept(answer, fields, payload, problems, refused={field})
                if expected is False:
                    problems.append(f"form refused {field} {payload!r:.60}")
            else:
                problems.append(f"form {field}: {answer.status_code} for {payload!r:.60}")
    findings += await harness.public_surfaces(client, story)
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)


def _kept(
    answer: httpx.Response,
    typed: dict[str, str],
    payload: str,
    problems: list[str],
    refused: set[str] | None = None,
) -> list[Finding]:
    """A refused form: a 422 page, a message beside each refused field, and every field
    as the reader typed it (as the browser parses the page); the oracle on the page."""
    if answer.status_code != 422:
        problems.append(f"form: {answer.status_code} for {payload!r:.60}")
        return []
    values = field_values(answer.text)
    for field, value in typed.items():
        shown = values.get(f"f-{field}", "")
        if shown != harness.as_parsed(value, textarea=field == "body"):
            problems.append(f"form lost the typed {field}: {value!r:.60} shown as {shown!r:.60}")
    for field in refused or {k for k, v in typed.items() if not v and k in ("name", "body")}:
        if f'id="f-{field}-error"' not in answer.text:
            problems.append(f"form refused {payload!r:.60} without a message beside {field}")
    found = page_findings(answer.text, base_url=BASE_URL)
    return [Finding(f"form refusal {f.where}", f.what) for f in found]


async def test_the_sub_corpus_through_the_edit_form(
    app: Any, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await harness.disable_rules(admin)
    story_id = await make_story(app.state.db, title="The edit form")
    story = (await client.get(f"/api/v1/stories/{story_id}")).json()
    token = await csrf_of(client, f"/stories/{story['slug']}")
    findings: list[Finding] = []
    problems: list[str] = []
    for number, payload in enumerate(FORM_SAMPLE):
        original = (
            await post_comment(client, story_id, f"Before the edit, number {number}")
        ).json()
        client.cookies.set("tribune_own", original["edit_token"])
        form = await client.get(f"/comments/{original['id']}/edit")
        assert form.status_code == 200
        answer = await client.post(
            f"/comments/{original['id']}/edit", data={"body": payload, "csrf_token": token}
        )
        expected = corpus.refused("body", payload)
        if answer.status_code == 303:
            if expected:
                problems.append(f"edit form stored a body that must be refused: {payload!r:.60}")
        elif answer.status_code == 422:
            if not expected:
                problems.append(f"edit form refused {payload!r:.60}")
            if field_values(answer.text).get("f-body", "") != harness.as_parsed(
                payload, textarea=True
            ):
                problems.append(f"edit form lost the text {payload!r:.60}")
            if 'id="f-body-error"' not in answer.text:
                problems.append(f"edit form refused {payload!r:.60} without a message")
            findings += page_findings(answer.text, base_url=BASE_URL)
        else:
            problems.append(f"edit form: {answer.status_code} for {payload!r:.60}")
    client.cookies.delete("tribune_own")
    findings += await harness.public_surfaces(client, story)
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)


async def test_corpus_replies_nested_past_the_display_depth(
    app: Any, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    """Replies carry corpus bodies and names; chains five deep show hostile names in
    "in reply to NAME" and in the reply form's heading."""
    await harness.disable_rules(admin)
    story_id = await make_story(app.state.db, title="Replies")
    story = (await client.get(f"/api/v1/stories/{story_id}")).json()
    names = [p for p in corpus.ALL if not corpus.refused("name", p)][:60]
    bodies = [p for p in corpus.ALL if not corpus.refused("body", p)][:60]
    problems: list[str] = []
    for start in range(0, len(names), 5):
        parent: int | None = None
        for name, body in zip(names[start : start + 5], bodies[start : start + 5], strict=True):
            answer = await post_comment(
                client, story_id, body, name=name, **({"parent_id": parent} if parent else {})
            )
            if answer.status_code != 201:
                problems.append(f"reply {answer.status_code}: {name!r:.40} {body!r:.40}")
                break
            parent = answer.json()["id"]
    findings = await harness.public_surfaces(client, story)
    _, shown = await harness.api_thread(client, story_id)
    for comment in shown[4:40:5]:  # the deepest of each chain: its name heads the form
        findings += await harness.page(client, f"/stories/{story['slug']}?reply_to={comment['id']}")
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)
