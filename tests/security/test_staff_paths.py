"""The hostile corpus through what staff and reporters type (SECURITY.md A2, A9, T3 of part
1: staff-authored text goes through the same escaping): report text, reject and ban
reasons, the rules' word and domain lists, staff names (the staff form and
``tribune createadmin``), and the oracle on every page that shows them: the queue in every
tab, bans, rules, staff, the audit log, the reported comment's report form, the banned
author's refusal and the author's own "not published" notes with the rules' reasons.

Only staff read these texts, on the queue and audit pages, which are the slowest to render
and check (every item with its reports, history and context): reports and reject reasons
take a larger representative sub-corpus (corpus.sample(12), about a third of the corpus)
through the API, and the forms that re-render a page per submission (report form, bans,
rules, staff) and the CLI a smaller one, as the comment forms do.
"""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.factories import make_story
from tests.helpers import BASE_URL, PASSWORD, client_at, csrf_of, post_comment, rule_form_numbers
from tests.security import corpus, harness
from tests.security.oracle import Finding, field_values, page_findings, report
from tests.server import TRIBUNE, tribune_env
from tribune.moderation.rules import RULES

pytestmark = pytest.mark.anyio

BATCH = 50
API_SAMPLE = corpus.sample(12)
SAMPLE = corpus.sample(3)
RULE_FIELDS = rule_form_numbers()


async def many_comments(client: httpx.AsyncClient, story_id: int, count: int) -> list[int]:
    ids: list[int] = []
    for start in range(0, count, BATCH):
        answers = await asyncio.gather(
            *(
                post_comment(client, story_id, f"Comment to act on, number {i}")
                for i in range(start, min(start + BATCH, count))
            )
        )
        ids += [answer.json()["id"] for answer in answers]
    return ids


async def moderate(admin: httpx.AsyncClient, ids: list[int], action: str, **extra: Any) -> Any:
    token = admin.cookies.get("tribune_csrf") or await csrf_of(admin, "/admin/moderation")
    return await admin.post(
        "/api/v1/admin/moderation",
        json={"ids": ids, "action": action, **extra},
        headers={"X-CSRF-Token": token},
    )


async def test_report_texts_through_the_api_and_the_report_form(
    app: Any, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await harness.disable_rules(admin)
    story_id = await make_story(app.state.db, title="Reported")
    story = (await client.get(f"/api/v1/stories/{story_id}")).json()
    ids = await many_comments(client, story_id, len(API_SAMPLE) + len(SAMPLE))
    problems: list[str] = []
    reported = 0
    for start in range(0, len(API_SAMPLE), BATCH):
        chunk = list(zip(ids, API_SAMPLE, strict=False))[start : start + BATCH]
        answers = await asyncio.gather(
            *(
                client.post(
                    f"/api/v1/comments/{comment_id}/reports",
                    json={"reason": "other", "text": text},
                )
                for comment_id, text in chunk
            )
        )
        for (_, text), answer in zip(chunk, answers, strict=True):
            expected = corpus.refused("text", text)
            if answer.status_code == 201:
                reported += 1
                if expected:
                    problems.append(f"report stored, must be refused: {text!r:.60}")
            elif answer.status_code == 422:
                if set(answer.json()["errors"]) != {"text"} or not expected:
                    problems.append(f"report refused: {text!r:.60} {answer.text:.160}")
            else:
                problems.append(f"report {answer.status_code}: {text!r:.60}")
    findings: list[Finding] = []
    token = await csrf_of(client, f"/stories/{story['slug']}")
    for comment_id, text in zip(ids[len(API_SAMPLE) :], SAMPLE, strict=True):
        path = f"/comments/{comment_id}/report"
        form = {"reason": "other", "text": text, "csrf_token": token}
        first = await client.post(path, data=form)
        if first.status_code == 303:
            # Already reported: the thanks, without a form to fill in for nothing.
            again = await client.post(path, data=form)
            assert again.status_code == 409
            assert "You have already reported this comment." in again.text
            assert "f-text" not in field_values(again.text)
        else:
            again = first
            if first.status_code != 422 or not corpus.refused("text", text):
                problems.append(f"report form {first.status_code}: {text!r:.60}")
            if field_values(again.text).get("f-text") != harness.as_parsed(text, textarea=True):
                problems.append(f"report form lost the text {text!r:.60}")
        findings += page_findings(again.text, base_url=BASE_URL)
    findings += await harness.staff_surfaces(admin, walk="reported")
    assert reported > len(API_SAMPLE) // 2
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)


REASONS = API_SAMPLE
REASON_SAMPLE = SAMPLE


@pytest.mark.parametrize("reason", ["a\x00b", "a\x1bb", "a\x85b", "a\u2028b"])
async def test_control_characters_in_a_reason_are_refused_naming_it(
    app: Any, client: httpx.AsyncClient, admin: httpx.AsyncClient, reason: str
) -> None:
    """N2: a NUL in a staff reason was a 500 on PostgreSQL (and stored on SQLite)."""
    story_id = await make_story(app.state.db)
    comment = (await post_comment(client, story_id, "To reject")).json()
    for action in ("reject", "ban"):
        answer = await moderate(admin, [comment["id"]], action, reason=reason)
        assert answer.status_code == 422 and "reason" in answer.json()["errors"], answer.text
    token = await csrf_of(admin, "/admin/bans")
    value = app.state.keys.client_hash("10.3.3.3")
    form = await admin.post(
        "/admin/bans",
        data={"kind": "client", "value": value, "reason": reason, "csrf_token": token},
    )
    assert form.status_code == 422 and "Reason must not contain control characters" in form.text


async def test_reject_and_ban_reasons(
    app: Any, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    """Reject reasons (the API sub-corpus through the staff API, a sample through the queue
    form), ban reasons (the staff API and the bans form), shown in the queue's notes, the
    bans page, the audit log, and to the banned author on the refused comment form."""
    await harness.disable_rules(admin)
    story_id = await make_story(app.state.db, title="Moderated")
    story = (await client.get(f"/api/v1/stories/{story_id}")).json()
    ids = await many_comments(client, story_id, len(REASONS) + len(REASON_SAMPLE))
    problems: list[str] = []
    for comment_id, reason in zip(ids, REASONS, strict=False):
        answer = await moderate(admin, [comment_id], "reject", reason=reason)
        if answer.status_code != 200 and not (
            answer.status_code == 422 and "reason" in answer.json().get("errors", {})
        ):
            problems.append(
                f"reject reason {answer.status_code}: {reason!r:.60} {answer.text:.100}"
            )
    token = await csrf_of(admin, "/admin/moderation")
    for comment_id, reason in zip(ids[len(REASONS) :], REASON_SAMPLE, strict=True):
        answer = await admin.post(
            "/admin/moderation",
            data={"one": f"{comment_id}:reject", "reason": reason, "csrf_token": token},
        )
        if answer.status_code not in (303, 422):
            problems.append(f"queue form reason {answer.status_code}: {reason!r:.60}")
    findings: list[Finding] = []
    for number, reason in enumerate(REASON_SAMPLE):
        address = f"10.9.{number // 250}.{number % 250 + 1}"
        value = app.state.keys.client_hash(address)
        if number % 2:  # through the bans form
            answer = await admin.post(
                "/admin/bans",
                data={"kind": "client", "value": value, "reason": reason, "csrf_token": token},
            )
            ok = answer.status_code == 303
        else:  # through the queue: ban the author of a comment from that address
            async with client_at(app, address) as author:
                posted = (await post_comment(author, story_id, f"Before the ban {number}")).json()
            answer = await moderate(admin, [posted["id"]], "ban", reason=reason)
            ok = answer.status_code == 200
        if corpus.refused("reason", reason):
            if ok or answer.status_code != 422 or "reason" not in answer.text:
                problems.append(f"ban reason must be refused: {answer.status_code} {reason!r:.60}")
            continue
        if not ok:
            problems.append(f"ban reason {answer.status_code}: {reason!r:.60} {answer.text:.100}")
            continue
        async with client_at(app, address) as banned:
            form_token = await csrf_of(banned, f"/stories/{story['slug']}")
            refused = await banned.post(
                f"/stories/{story['slug']}/comments",
                data={"name": "Banned", "body": "Let me back in", "csrf_token": form_token},
            )
            assert refused.status_code == 403, refused.status_code
            assert "You are banned" in refused.text
            findings += page_findings(refused.text, base_url=BASE_URL)
            api = await post_comment(banned, story_id, "Let me back in")
            assert api.status_code == 403 and api.json()["comment"]["body"] == "Let me back in"
    findings += await harness.staff_surfaces(admin, walk="rejected")
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)


async def save_rules(admin: httpx.AsyncClient, token: str, lists: dict[str, str]) -> httpx.Response:
    """The rules form with every rule on, the default thresholds and these lists."""
    enabled = [("enabled", rule.name) for rule in RULES]
    return await admin.post(
        "/admin/rules",
        content=urlencode([("csrf_token", token), *RULE_FIELDS.items(), *lists.items(), *enabled]),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


async def test_rule_lists_and_the_reasons_they_give(
    app: Any, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    """Each payload as a banned word, a suspect word and a blocked domain (saved, or refused
    with the form shown again); then comments the saved lists reject or hold, whose reasons
    quote the payloads to staff in the queue and to the author on the story page."""
    story_id = await make_story(app.state.db, title="Ruled")
    story = (await client.get(f"/api/v1/stories/{story_id}")).json()
    token = await csrf_of(admin, "/admin/rules")
    findings: list[Finding] = []
    problems: list[str] = []
    saved: dict[str, list[str]] = {"banned_words": [], "suspect_words": [], "blocked_domains": []}
    for field, values in saved.items():
        for payload in (*corpus.sample(2), f"{corpus.M}.example", "<img.example"):
            lists = {name: "" for name in saved} | {field: payload}
            answer = await save_rules(admin, token, lists)
            if answer.status_code == 303:
                values.append(payload)  # shown below, with all the others saved at once
            elif answer.status_code == 422:
                if f'id="f-{field}"' not in answer.text or field not in answer.text:
                    problems.append(f"rules refused {field} without naming it: {payload!r:.60}")
                findings += page_findings(answer.text, base_url=BASE_URL)
            else:
                problems.append(f"rules {answer.status_code} for {field}: {payload!r:.60}")
    assert all(saved.values()), saved
    # All saved at once, then comments that name them: rejected or held, with reasons.
    lists = {name: "\n".join(v for v in values if "\n" not in v) for name, values in saved.items()}
    answer = await save_rules(admin, token, lists)
    assert answer.status_code == 303, answer.text
    findings += await harness.page(admin, "/admin/rules")
    tokens: list[str] = []
    screened = 0
    for field, values in saved.items():
        for value in values[:9]:
            body = f"See https://{value}/ now" if field == "blocked_domains" else f"Say {value}."
            posted = await post_comment(client, story_id, body)
            if posted.status_code == 201 and posted.json().get("moderation"):
                screened += 1
                tokens.append(posted.json()["edit_token"])
    assert screened >= 6, "the saved lists must screen the comments that name them"
    for start in range(0, len(tokens), 10):  # the author's browser keeps its last 10 tokens
        client.cookies.set("tribune_own", "~".join(tokens[start : start + 10]))
        findings += await harness.page(client, f"/stories/{story['slug']}")
    client.cookies.delete("tribune_own")
    findings += await harness.staff_surfaces(admin, walk="all", by_rule=True)
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)


async def test_staff_names_on_the_staff_pages(app: Any, admin: httpx.AsyncClient) -> None:
    """Staff names from the staff form: listed on the staff page and in the audit log,
    and shown in the staff navigation once that member signs in."""
    token = await csrf_of(admin, "/admin/staff")
    findings: list[Finding] = []
    problems: list[str] = []
    added: list[tuple[str, str]] = []
    for number, name in enumerate(corpus.sample(1)):  # each one hashes a password
        email = f"staff{number}@example.org"
        answer = await admin.post(
            "/admin/staff",
            data={
                "email": email,
                "name": name,
                "role": "moderator",
                "password": PASSWORD,
                "csrf_token": token,
            },
        )
        expected = corpus.refused("name", name)
        if answer.status_code == 303:
            added.append((email, name))
            if expected:
                problems.append(f"staff name stored, must be refused: {name!r:.60}")
        elif answer.status_code == 422:
            if not expected or 'id="f-name-error"' not in answer.text:
                problems.append(f"staff name refused: {name!r:.60}")
            if field_values(answer.text).get("f-name") != harness.as_parsed(name):
                problems.append(f"staff form lost the name {name!r:.60}")
            findings += page_findings(answer.text, base_url=BASE_URL)
        else:
            problems.append(f"staff form {answer.status_code}: {name!r:.60}")
    for email, _ in added[:2]:
        async with client_at(app) as member:
            login = await csrf_of(member, "/admin/login")
            answer = await member.post(
                "/admin/login", data={"email": email, "password": PASSWORD, "csrf_token": login}
            )
            assert answer.status_code == 303
            findings += await harness.page(member, "/admin/moderation")
    findings += await harness.staff_surfaces(admin, walk="none")
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)


CLI_NAME = f"\"><img src=x onerror=alert('{corpus.M}')> {{{{7*7}}}} ${{7*7}} `x` שלום admin"


async def test_createadmin_names(app: Any, admin: httpx.AsyncClient, database_url: str) -> None:
    """``tribune createadmin`` with a hostile name: stored as typed, escaped on every page."""
    command = [TRIBUNE, "createadmin", "--email", "cli@example.org", "--name", CLI_NAME]
    result = await asyncio.to_thread(
        subprocess.run,
        [*command, "--role", "moderator", "--password-stdin"],
        env=tribune_env(database_url),
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    staff = await admin.get("/admin/staff")
    assert CLI_NAME in harness.cells(staff.text)
    reversed_name = [*command[:-1], "\u202eadmin", "--role", "moderator", "--password-stdin"]
    refused = await asyncio.to_thread(
        subprocess.run,
        [part.replace("cli@", "rlo@") for part in reversed_name],
        env=tribune_env(database_url),
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "turn the text around" in refused.stderr
    findings = page_findings(staff.text, base_url=BASE_URL)
    findings += await harness.staff_surfaces(admin, walk="none")
    assert not findings, report(findings)
