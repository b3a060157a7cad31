"""Reading every surface a payload can reach, for the oracle: the story page in every sort
and every page of it (the first through the page, the rest through the /thread fragment and
once through the page itself), the API thread in every sort, the Atom feeds, the staff
pages, the live stream, and the identicons. Each function returns findings; none stops at
the first."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.helpers import BASE_URL, csrf_of, rule_form_numbers
from tests.security.oracle import (
    Finding,
    comment_json_findings,
    event_findings,
    feed_findings,
    markup_fragment_findings,
    page_findings,
    parse_fragment,
    parse_page,
    sse_events,
    svg_findings,
)
from tribune.moderation.rules import RULES
from tribune.vocabulary import EventKind, QueueTab, Sort

SORTS = tuple(sort.value for sort in Sort)


def as_parsed(value: str, *, textarea: bool = False) -> str:
    """What a browser shows of a value the server wrote back as typed: HTML parsing turns
    CR LF and CR into LF and NUL into U+FFFD, and drops a textarea's first newline."""
    shown = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    return shown.removeprefix("\n") if textarea else shown


def _where(path: str, findings: list[Finding]) -> list[Finding]:
    return [Finding(f"{path} {f.where}", f.what) for f in findings]


def _next_fragment(html: str, *, fragment: bool = False) -> str | None:
    """The address "Show more comments" loads (its data-fragment), if there is a next page."""
    document = parse_fragment(html) if fragment else parse_page(html)
    for element in document.iter("a"):
        if "more-comments" in (element.get("class") or "").split():
            return element.get("data-fragment")
    return None


async def page(client: httpx.AsyncClient, path: str, status: int = 200) -> list[Finding]:
    answer = await client.get(path)
    assert answer.status_code == status, f"{path}: {answer.status_code}"
    return _where(path, page_findings(answer.text, base_url=BASE_URL))


async def story_pages(client: httpx.AsyncClient, slug: str) -> tuple[list[Finding], list[str]]:
    """The story's discussion: every page in the oldest sort (the first through the page,
    the second through the page and the /thread fragment, the rest through the fragment),
    and the first page of each other sort (the same comment template, other comments first,
    nested otherwise); the findings and the HTML seen."""
    findings: list[Finding] = []
    seen: list[str] = []
    for sort in SORTS:
        query = "" if sort == "oldest" else f"?sort={sort}"
        path = f"/stories/{slug}{query}"
        answer = await client.get(path)
        assert answer.status_code == 200, path
        findings += _where(path, page_findings(answer.text, base_url=BASE_URL))
        seen.append(answer.text)
        following = _next_fragment(answer.text) if sort == "oldest" else None
        if following:
            whole = following.replace("/thread", "", 1)
            answer = await client.get(whole)
            assert answer.status_code == 200, whole
            findings += _where(whole, page_findings(answer.text, base_url=BASE_URL))
        while following:
            answer = await client.get(following)
            assert answer.status_code == 200, following
            findings += _where(following, markup_fragment_findings(answer.text, base_url=BASE_URL))
            seen.append(answer.text)
            following = _next_fragment(answer.text, fragment=True)
    return findings, seen


async def api_thread(
    client: httpx.AsyncClient, story_id: int
) -> tuple[list[Finding], list[dict[str, Any]]]:
    """Every page of the API thread in every sort (the JSON is cheap to check: each
    comment's HTML is judged once); the findings and the comments (oldest sort, replies
    flattened)."""
    findings: list[Finding] = []
    comments: list[dict[str, Any]] = []
    for sort in SORTS:
        cursor: str | None = None
        while True:
            query = {"sort": sort, "limit": 100} | ({"cursor": cursor} if cursor else {})
            path = f"/api/v1/stories/{story_id}/comments?{urlencode(query)}"
            answer = await client.get(path)
            assert answer.status_code == 200, path
            thread = answer.json()
            for comment in [*thread["comments"], *thread["featured"]]:
                findings += comment_json_findings(comment, path)
                if sort == "oldest":
                    comments += _flattened(comment)
            cursor = thread["next_cursor"]
            if not cursor:
                break
    return findings, comments


def _flattened(comment: dict[str, Any]) -> list[dict[str, Any]]:
    found = [comment]
    for reply in comment["replies"]:
        found += _flattened(reply)
    return found


async def feed(
    client: httpx.AsyncClient, path: str, kind: str = "comment"
) -> tuple[int, list[Finding]]:
    """The feed's entry count and findings."""
    answer = await client.get(path)
    assert answer.status_code == 200, path
    assert answer.headers["content-type"].startswith("application/atom+xml")
    entries, findings = feed_findings(answer.content, base_url=BASE_URL, kind=kind)
    return len(entries), _where(path, findings)


async def public_surfaces(
    client: httpx.AsyncClient, story: dict[str, Any], seen: list[str] | None = None
) -> list[Finding]:
    """Everything a reader can read of one story's discussion (the pages' HTML added to
    ``seen``)."""
    findings, html = await story_pages(client, story["slug"])
    if seen is not None:
        seen += html
    found, comments = await api_thread(client, story["id"])
    findings += found
    for path in (f"/feeds/stories/{story['slug']}/comments.atom", "/feeds/comments.atom"):
        findings += (await feed(client, path))[1]
    findings += await identicons(client, comments[:20])
    return findings


async def identicons(client: httpx.AsyncClient, comments: list[dict[str, Any]]) -> list[Finding]:
    findings: list[Finding] = []
    for url in dict.fromkeys(c["avatar_url"] for c in comments if c["avatar_url"]):
        answer = await client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"] == "image/svg+xml"
        findings += _where(url, svg_findings(answer.content))
    return findings


async def staff_surfaces(
    admin: httpx.AsyncClient, *, walk: str = QueueTab.all, by_rule: bool = False
) -> list[Finding]:
    """Every staff page: each queue tab (every page of ``walk``, the first of the others,
    and with ``by_rule`` the queue filtered by each rule), bans, rules, stories, staff and
    every audit page."""
    findings: list[Finding] = []
    for tab in QueueTab:
        path: str | None = f"/admin/moderation?tab={tab}"
        while path:
            answer = await admin.get(path)
            assert answer.status_code == 200, path
            findings += _where(path, page_findings(answer.text, base_url=BASE_URL))
            path = _older(answer.text, "Older comments") if tab == walk else None
    for rule in (*(r.name for r in RULES), "reports") if by_rule else ():
        findings += await page(admin, f"/admin/moderation?tab=all&rule={rule}")
    for path in ("/admin/bans", "/admin/rules", "/admin/stories", "/admin/staff"):
        findings += await page(admin, path)
    path = "/admin/audit"
    while path:
        answer = await admin.get(path)
        assert answer.status_code == 200, path
        findings += _where(path, page_findings(answer.text, base_url=BASE_URL))
        path = _older(answer.text, "Older entries")
    return findings


def _older(html: str, label: str) -> str | None:
    document = parse_page(html)
    for element in document.iter("a"):
        if "".join(element.itertext()).strip() == label:
            return element.get("href")
    return None


async def disable_rules(admin: httpx.AsyncClient) -> None:
    """Every moderation rule off, so every stored payload is published and reaches every
    public surface (the rules get their own hostile run)."""
    token = await csrf_of(admin, "/admin/rules")
    answer = await admin.post(
        "/admin/rules",
        data={
            "csrf_token": token,
            **rule_form_numbers(),
            "banned_words": "",
            "suspect_words": "",
            "blocked_domains": "",
        },
    )
    assert answer.status_code == 303, answer.text


# The live stream ----------------------------------------------------------------------------


class LiveStream:
    """A reader's live stream of one story through the real ASGI app, in process (as
    tests/live/test_sse.py drives it), collecting every byte it sends."""

    def __init__(self, app: Any, story_id: int) -> None:
        self.app = app
        self.story_id = story_id
        path = f"/api/v1/stories/{story_id}/events"
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(b"accept", b"text/event-stream")],
            "http_version": "1.1",
            "scheme": "http",
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 1234),
            "root_path": "",
        }
        self.sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.asked = False
        self.body = b""
        self.task = asyncio.ensure_future(app(scope, self._receive, self.sent.put))

    async def _receive(self) -> dict[str, Any]:
        if not self.asked:
            self.asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def opened(self) -> None:
        start = await asyncio.wait_for(self.sent.get(), 5)
        assert start["status"] == 200
        await self._until(b"retry:")

    async def _until(self, needle: bytes) -> None:
        while needle not in self.body:
            message = await asyncio.wait_for(self.sent.get(), 10)
            self.body += message.get("body", b"")

    async def events(self) -> tuple[list[tuple[str, dict[str, Any]]], list[Finding]]:
        """Everything sent so far, once a marker event published now has arrived, parsed;
        with the oracle's findings on it. Closes the stream."""
        marker = {"id": 0, "score": -424242}
        await self.app.state.broker.publish(self.story_id, EventKind.score, marker)
        await self._until(b'"score":-424242')
        self.gone.set()
        await asyncio.wait_for(self.task, 5)
        events, findings = sse_events(self.body)
        events = [(kind, data) for kind, data in events if data != marker]
        return events, findings + event_findings(events)


def cells(html: str) -> list[str]:
    """The text of every table cell of a page, as a browser shows it."""
    return ["".join(td.itertext()) for td in parse_page(html).iter("td")]
