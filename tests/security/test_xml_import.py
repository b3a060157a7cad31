"""WordPress and Disqus exports through importers/service.py's import_wxr and import_disqus
(wxr.py, disqus.py, and markup.py's defused XML loop and capped gzip reading) and through
``tribune import wxr|disqus``: SECURITY.md A2 (the XML import paths) and D25–D28, on SQLite
and PostgreSQL.

- Entity expansion (D26): billion laughs and a quadratic blowup in each format are refused
  in under a second (EntitiesForbidden, at the declaration), Python's heap (tracemalloc) and
  the process's resident set (sampled every millisecond) growing less than 50 MB, with no
  row in any table and a message naming the entity declarations.
- External entities (D25): a general entity on file:///etc/hostname, on a file holding a
  marker and over HTTP, a parameter entity, and an external DTD (SYSTEM, used or not, and
  PUBLIC), pointed at a canary listener on a loopback port (it answers a direct request, so
  a fetch would be counted): refused, zero hits, no row, the marker in no column.
- Hostile well-formed exports (A2, D27), WXR plain and Disqus gzipped as Disqus mails it:
  the corpus as comment body (HTML, as both formats carry it), author name, author website
  (WXR; Disqus exports have none) and e-mail, CRLF in e-mails (written ``&#13;&#10;``: XML
  reads a raw CR LF as LF), post and thread titles and links; parent cycles (two long and a
  self-parent), parents on another post or thread, dates 0000-00-00, 10^12, years 1 and 9999
  (Disqus: with zones that take them out of UTC's range) and a time without a zone. The
  oracle reads every story made on every reader surface (harness.public_surfaces, the story
  API, the home page and stories feed; the embed fragment for Disqus threads). Invalid
  websites and e-mails are dropped, not the comment (corpus.refused decides); names the API
  would refuse become Anonymous; a cycle is broken at its first member, foreign parents end
  at the top level; unreadable dates become the import's time. A body the API would refuse
  (too long, a control character) refuses the whole file naming the comment, as do
  characters XML cannot carry, duplicate ids and ids longer than the tables keep.
- Size and compression (D28): a gzip bomb (a thousand 1 MB members: 1 GB from 1 MB) refused
  by the ratio rule with the real constants, its cost measured; with MAX_BYTES set to
  256 KB, a gzip file and a plain file past it refused (and both read within 1 MB); a
  truncated and a corrupt gzip file refused; elements outside any post let go as they are
  read, so a file of many small elements costs no memory.
- The command: refusals (an entity bomb, an external DTD, duplicate ids) are one line on
  stderr and exit 1, without a traceback, storing nothing.
"""

from __future__ import annotations

import asyncio
import gzip
import html
import os
import re
import secrets
import subprocess
import threading
import time
import tracemalloc
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest
from sqlalchemy import func, select

from tests.helpers import BASE_URL
from tests.security import corpus, harness
from tests.security.oracle import (
    MARKER,
    Finding,
    fragment_findings,
    markup_fragment_findings,
    parse_page,
    report,
)
from tests.server import TRIBUNE, tribune_env
from tribune.importers import disqus, markup, wxr
from tribune.importers.service import ImportRefused, import_disqus, import_wxr
from tribune.public import ANONYMOUS
from tribune.settings import Settings
from tribune.storage.engine import Database
from tribune.storage.tables import comments, metadata, stories

pytestmark = pytest.mark.anyio

M = MARKER
ALERT = f"alert('{M}')"
SITE = "https://news.example"
KINDS = ("wxr", "disqus")
IMPORT = {"wxr": import_wxr, "disqus": import_disqus}
ROOT = {"wxr": "rss", "disqus": "disqus"}
MB = 1024**2
ENTITIES = r"declares XML entities or refers to outside files \((\w+)\)"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Disqus threads become embedded pages of SITE: its fragment is a reader surface."""
    return settings.model_copy(update={"allowed_origins": SITE})


# Writing exports -----------------------------------------------------------------------------


def x(text: str) -> str:
    """Text as XML character data: escaped, CR as a reference (a raw CR LF is read as LF)."""
    return escape(text).replace("\r", "&#13;")


def xml_legal(text: str) -> bool:
    """Whether XML 1.0 can carry the text at all (most C0 controls it cannot, even as
    references: such a file is malformed, and refused as such)."""
    return all(
        c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"
        for c in text
    )


def wxr_comment(
    cid: str,
    body: str,
    *,
    name: str = "Reader",
    email: str = "",
    website: str = "",
    parent: str = "0",
    date: str = "2026-11-23 10:00:00",
) -> str:
    """A <wp:comment>; every argument is XML already (x() for text)."""
    return (
        f"<wp:comment><wp:comment_id>{cid}</wp:comment_id>"
        f"<wp:comment_author>{name}</wp:comment_author>"
        f"<wp:comment_author_email>{email}</wp:comment_author_email>"
        f"<wp:comment_author_url>{website}</wp:comment_author_url>"
        f"<wp:comment_date_gmt>{date}</wp:comment_date_gmt>"
        f"<wp:comment_content>{body}</wp:comment_content>"
        "<wp:comment_approved>1</wp:comment_approved>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
    )


def wxr_post(
    number: int,
    comments_xml: str,
    *,
    title: str = "A post",
    link: str | None = None,
    content: str = "&lt;p&gt;The story.&lt;/p&gt;",
) -> str:
    return (
        f"<item><title>{title}</title><link>{link or f'https://blog.example/{number}/'}</link>"
        f"<content:encoded>{content}</content:encoded><wp:post_id>{number}</wp:post_id>"
        "<wp:post_date_gmt>2026-11-23 09:00:00</wp:post_date_gmt>"
        "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>\n"
        f"{comments_xml}</item>\n"
    )


WXR_OPEN = (
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Hostile</title>\n'
)


def wxr_file(items: str, doctype: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}{WXR_OPEN}{items}</channel></rss>\n'


def disqus_thread(tid: str, link: str, title: str) -> str:
    return (
        f'<thread dsq:id="{tid}"><id/><forum>gazette</forum><link>{link}</link>'
        f"<title>{title}</title><isDeleted>false</isDeleted></thread>\n"
    )


def disqus_post(
    pid: str,
    thread: str,
    body: str,
    *,
    name: str = "Reader",
    email: str = "",
    parent: str = "",
    date: str = "2026-11-23T10:00:00Z",
) -> str:
    """A <post>; every argument is XML already (x() for text)."""
    answered = f'<parent dsq:id="{parent}"/>' if parent else ""
    return (
        f'<post dsq:id="{pid}"><message>{body}</message><createdAt>{date}</createdAt>'
        "<isDeleted>false</isDeleted><isSpam>false</isSpam>"
        f"<author><email>{email}</email><name>{name}</name><isAnonymous>true</isAnonymous>"
        f'</author><thread dsq:id="{thread}"/>{answered}</post>\n'
    )


DISQUS_OPEN = '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'


def disqus_file(parts: str, doctype: str = "") -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}{DISQUS_OPEN}{parts}</disqus>\n'


def export(kind: str, body: str, doctype: str = "", *, cid: str = "7") -> str:
    """A one-comment export of ``kind`` whose comment body is ``body`` (XML)."""
    if kind == "wxr":
        return wxr_file(wxr_post(1, wxr_comment(cid, body)), doctype)
    return disqus_file(
        disqus_thread("1", f"{SITE}/one", "One") + disqus_post(cid, "1", body), doctype
    )


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# What is stored --------------------------------------------------------------------------


async def rows(db: Database) -> dict[str, int]:
    """Every table's row count: an import writes stories, comments, embedded pages' threads
    and their counters; a refused one must change none."""
    async with db.read() as conn:
        return {
            table.name: int(
                (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            )
            for table in metadata.sorted_tables
        }


async def stored_text(db: Database) -> str:
    """Every row of every table, as text."""
    found = []
    async with db.read() as conn:
        for table in metadata.sorted_tables:
            found += [repr(tuple(row)) for row in await conn.execute(select(table))]
    return "\n".join(found)


async def refused(db: Database, kind: str, path: Path, message: str) -> str:
    """Import the file, which must be refused with ``message`` (a regex) storing nothing;
    the refusal's text."""
    before = await rows(db)
    with pytest.raises(ImportRefused, match=message) as refusal:
        await IMPORT[kind](db, path)
    assert refusal.value.__cause__ is None and refusal.value.__suppress_context__
    after = await rows(db)
    assert after == before and after["stories"] == after["comments"] == 0
    return str(refusal.value)


# Measuring ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Cost:
    seconds: float = 0.0
    heap: int = 0  # peak of Python's allocations while measured (tracemalloc)
    resident: int = 0  # peak growth of the resident set, sampled every millisecond

    def __str__(self) -> str:
        return (
            f"{self.seconds * 1000:.0f} ms, heap peak {self.heap / MB:.1f} MB, "
            f"resident growth {self.resident / MB:.1f} MB"
        )


def _resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def measured() -> Iterator[Cost]:
    """What the block cost: wall time, Python's heap peak (expat allocates through Python's
    allocator, so its buffers count), and the resident set's peak growth."""
    cost = Cost()
    base = _resident()
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.001):
            peak[0] = max(peak[0], _resident())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - start
        cost.heap = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        done.set()
        sampler.join()
        cost.resident = max(peak[0], _resident()) - base


# The canary ----------------------------------------------------------------------------------


class Canary:
    """An HTTP listener on a free loopback port, counting every connection made to it (and
    answering each GET with an entity declaration, as an attacker's DTD would)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                body = b'<!ENTITY leak "leaked">'
                self.send_response(200)
                self.send_header("Content-Type", "application/xml-dtd")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any, **kwargs: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def verify_request(self, request: Any, client_address: Any) -> bool:
                hits.append(f"connection from {client_address}")
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    listener = Canary()
    try:
        with urllib.request.urlopen(f"{listener.url}/alive", timeout=5) as answer:
            assert answer.read() == b'<!ENTITY leak "leaked">'
        assert len(listener.hits) == 2, listener.hits  # it counts: a connection, a request
        listener.hits.clear()
        yield listener
    finally:
        listener.close()


# D26: entity expansion -------------------------------------------------------------------


def billion_laughs(root: str) -> tuple[str, str]:
    """(the DOCTYPE, the body): ten levels of ten references, 10^9 "lol"s (3 GB)."""
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return f"<!DOCTYPE {root} [\n" + "\n".join(levels) + "\n]>\n", "&lol9;"


def quadratic_blowup(root: str) -> tuple[str, str]:
    """(the DOCTYPE, the body): one 100 KB entity referred to 100,000 times (10 GB), with
    no nesting for a depth limit to catch."""
    return f'<!DOCTYPE {root} [<!ENTITY a "{"a" * 100_000}">]>\n', "&a;" * 100_000


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bomb", [billion_laughs, quadratic_blowup])
async def test_entity_expansion_is_refused_at_once_and_costs_nothing(
    db: Database, tmp_path: Path, kind: str, bomb: Any
) -> None:
    doctype, body = bomb(ROOT[kind])
    path = write(tmp_path, f"bomb-{kind}.xml", export(kind, body, doctype))
    with measured() as cost:
        message = await refused(db, kind, path, ENTITIES)
    print(f"{bomb.__name__} as {kind} ({path.stat().st_size:,} bytes): {cost}")
    assert "(EntitiesForbidden)" in message  # the declaration, before any expansion
    assert {"wxr": "WordPress exports", "disqus": "Disqus exports"}[kind] in message
    assert cost.seconds < 1, cost
    assert cost.heap < 50 * MB and cost.resident < 50 * MB, cost


# D25: external entities and DTDs -----------------------------------------------------------


def outside_references(root: str, url: str, secret: Path) -> dict[str, tuple[str, str]]:
    """(the DOCTYPE, the body) of each way an export could make the parser read elsewhere."""
    return {
        "general entity on /etc/hostname": (
            f'<!DOCTYPE {root} [<!ENTITY h SYSTEM "file:///etc/hostname">]>\n',
            "&h;",
        ),
        "general entity on a secret file": (
            f'<!DOCTYPE {root} [<!ENTITY s SYSTEM "file://{secret}">]>\n',
            "&s;",
        ),
        "general entity over HTTP": (
            f'<!DOCTYPE {root} [<!ENTITY w SYSTEM "{url}/entity">]>\n',
            "&w;",
        ),
        "parameter entity": (
            f'<!DOCTYPE {root} [<!ENTITY % p SYSTEM "{url}/parameter.dtd"> %p;]>\n',
            "&leak;",
        ),
        "external DTD": (f'<!DOCTYPE {root} SYSTEM "{url}/evil.dtd">\n', "fine"),
        "external DTD used": (f'<!DOCTYPE {root} SYSTEM "{url}/evil.dtd">\n', "&leak;"),
        "public DTD": (f'<!DOCTYPE {root} PUBLIC "-//Evil//DTD X//EN" "{url}/public.dtd">\n', "x"),
    }


@pytest.mark.parametrize("kind", KINDS)
async def test_outside_references_are_refused_and_nothing_is_fetched(
    db: Database, tmp_path: Path, canary: Canary, kind: str
) -> None:
    mark = f"secret-{secrets.token_hex(8)}"
    secret = write(tmp_path, "secret.txt", mark)
    hostname = Path("/etc/hostname").read_text().strip()
    problems = []
    cases = outside_references(ROOT[kind], canary.url, secret)
    for number, (case, (doctype, body)) in enumerate(cases.items()):
        path = write(tmp_path, f"xxe-{number}.xml", export(kind, body, doctype))
        before = await rows(db)
        try:
            await IMPORT[kind](db, path)
            problems.append(f"{case}: imported")
        except ImportRefused as exc:
            if not re.search(ENTITIES, str(exc)):
                problems.append(f"{case}: refused as {exc}")
        if await rows(db) != before:
            problems.append(f"{case}: stored rows")
    assert not problems, "\n".join(problems)
    assert canary.hits == []
    stored = await stored_text(db)
    assert mark not in stored
    if len(hostname) >= 8:  # a short one ("vm") would be found by chance
        assert hostname not in stored


# A2, D27: hostile well-formed exports ------------------------------------------------------

TITLE = f"<script>{ALERT}</script> {{{{7*7}}}} \u202eTitle `x` {M}"
PAYLOADS = [p for p in corpus.sample(4) if xml_legal(p)]
# Each body is its comment's number, then the payload as a block of its own (after it, so
# that markup swallowing the rest, as an unclosed <style> does, swallows nothing else).
BODIES = [p for p in PAYLOADS if not corpus.refused("body", f"(comment 999)\n\n{p}")]
WEBSITES = [w for w in corpus.websites()[::7] if xml_legal(w)]
EMAILS = [e for e in corpus.EMAILS if xml_legal(e)]
COUNT = max(len(BODIES), len(PAYLOADS), len(WEBSITES), len(EMAILS))
NUMBERED = re.compile(r"\(comment (\d+)\)")


@dataclass(slots=True)
class Planned:
    number: int
    body: str
    name: str
    email: str
    website: str = ""


def planned(*, websites: bool) -> list[Planned]:
    return [
        Planned(
            number=n,
            body=f"(comment {n})\n\n{BODIES[n % len(BODIES)]}",
            name=PAYLOADS[(n + 3) % len(PAYLOADS)],
            email=EMAILS[n % len(EMAILS)],
            website=WEBSITES[n % len(WEBSITES)] if websites else "",
        )
        for n in range(1, COUNT + 1)
    ]


def expected_name(name: str) -> str:
    """The name a comment is shown with: collapsed to one line, cut to 100 characters, or
    Anonymous where the API would refuse it."""
    kept = " ".join(name.split())[:100]
    return ANONYMOUS if corpus.refused("name", kept) else kept


def canonical_problems(findings: list[Finding], story: dict[str, Any], page: str) -> list[Finding]:
    """An embedded page's thread shown on Tribune names that page as canonical (the oracle
    flags any link off the site): the findings less that one, after checking that it is
    exactly the thread's normalised address on the allowed site."""
    canonical = [
        link.get("href") for link in parse_page(page).iter("link") if link.get("rel") == "canonical"
    ]
    assert canonical == [story["page_url"]] and story["page_url"].startswith(f"{SITE}/")
    return [
        f
        for f in findings
        if not (
            f.where.startswith(f"/stories/{story['slug']}")
            and f.what.startswith("link that is not the app's own: {'rel': 'canonical'")
        )
    ]


async def check_stories(client: httpx.AsyncClient, made: list[dict[str, Any]]) -> list[Finding]:
    """The oracle on every reader surface of the stories an import made."""
    findings: list[Finding] = []
    for story in made:
        api = await client.get(f"/api/v1/stories/{story['id']}")
        assert api.status_code == 200, api.text
        findings += [
            Finding(f"API story {story['id']}", f.what)
            for f in fragment_findings(api.json()["body_html"], kind="story")
        ]
        found = await harness.public_surfaces(client, story)
        if story["page_url"]:
            page = (await client.get(f"/stories/{story['slug']}")).text
            found = canonical_problems(found, story, page)
        findings += found
        if story["page_url"]:
            params: dict[str, str] = {"url": story["page_url"]}
            while True:
                fragment = await client.get("/embed/thread", params=params)
                assert fragment.status_code == 200, fragment.text
                findings += markup_fragment_findings(fragment.text, base_url=BASE_URL)
                cursor = re.search(r'data-cursor="([^"]+)"', fragment.text)
                if cursor is None:
                    break
                params["after"] = html.unescape(cursor.group(1))
    findings += await harness.page(client, "/")
    findings += (await harness.feed(client, "/feeds/stories.atom", kind="story"))[1]
    return findings


async def stored_comments(db: Database) -> dict[int, dict[str, Any]]:
    """The stored comments by the number their body starts with."""
    async with db.read() as conn:
        found = await conn.execute(
            select(
                comments.c.id,
                comments.c.import_key,
                comments.c.name,
                comments.c.email,
                comments.c.website,
                comments.c.body_md,
                comments.c.parent_id,
                comments.c.created_at,
            )
        )
        by_number = {}
        for row in found:
            number = NUMBERED.search(row.body_md)
            assert number is not None, row.body_md
            by_number[int(number.group(1))] = dict(row._mapping)
    return by_number


async def made_stories(db: Database) -> list[dict[str, Any]]:
    async with db.read() as conn:
        found = await conn.execute(
            select(stories.c.id, stories.c.slug, stories.c.title, stories.c.page_url)
        )
        return [dict(row._mapping) for row in found]


def field_problems(
    plan: list[Planned], stored: dict[int, dict[str, Any]], *, unescaped: bool
) -> list[str]:
    """What the importer kept of each hostile field against what the contract says."""
    problems = []
    for comment in plan:
        row = stored.get(comment.number)
        if row is None:
            problems.append(f"comment {comment.number} was not stored")
            continue
        name = html.unescape(comment.name) if unescaped else comment.name
        if row["name"] != expected_name(name):
            problems.append(f"comment {comment.number}: name {row['name']!r} for {name!r:.80}")
        website = comment.website.strip()
        kept_website = None if corpus.refused("website", website) or not website else website
        if row["website"] != kept_website:
            problems.append(f"{comment.number}: website {row['website']!r} for {website!r:.80}")
        email = comment.email.strip()
        must = corpus.refused("email", email) if email else True  # an empty one is None
        allowed = [None, email] if must is None else [None] if must else [email]
        if row["email"] not in allowed:
            problems.append(f"{comment.number}: e-mail {row['email']!r} for {email!r:.80}")
    return problems


# Odd structure and dates: (number, parent number, date) of the comments after the corpus.
CYCLE, SELF, ELSEWHERE, ZERO_DATE, HUGE_DATE, YEAR_1, YEAR_9999, NO_ZONE = range(1001, 1009)
ANSWERED_THERE = 2001  # a comment of the other post or thread
ANSWERING_HERE = 2002  # a comment there answering one here


def structure_problems(
    stored: dict[int, dict[str, Any]], started: datetime, expected_dates: dict[int, datetime]
) -> list[str]:
    problems = []
    for number in (CYCLE, SELF, ELSEWHERE, ANSWERING_HERE):
        if stored[number]["parent_id"] is not None:
            problems.append(f"{number}: kept parent {stored[number]['parent_id']}")
    # A cycle is broken once, at its first member: the other stays its reply.
    if stored[CYCLE + 100]["parent_id"] != stored[CYCLE]["id"]:
        problems.append(f"{CYCLE + 100}: parent {stored[CYCLE + 100]['parent_id']}, not {CYCLE}")
    for number, when in expected_dates.items():
        at = stored[number]["created_at"]
        if when == started:  # an unreadable date: stamped with the import's time
            if not started <= at <= datetime.now(UTC):
                problems.append(f"{number}: created at {at}, not during the import")
        elif at != when:
            problems.append(f"{number}: created at {at}, not {when}")
    return problems


async def test_the_corpus_through_a_wordpress_export(
    app: Any, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    plan = planned(websites=True)
    here = "".join(
        wxr_comment(
            str(c.number),
            x(c.body),
            name=x(c.name),
            email=x(c.email),
            website=x(c.website),
        )
        for c in plan
    )
    odd = {
        CYCLE: {"parent": str(CYCLE + 100)},
        CYCLE + 100: {"parent": str(CYCLE)},
        SELF: {"parent": str(SELF)},
        ELSEWHERE: {"parent": str(ANSWERED_THERE)},
        ZERO_DATE: {"date": "0000-00-00 00:00:00"},
        HUGE_DATE: {"date": str(10**12)},
        YEAR_1: {"date": "0001-01-01 00:00:00"},
        YEAR_9999: {"date": "9999-12-31 23:59:59"},
    }
    here += "".join(
        wxr_comment(str(n), f"odd (comment {n})", **fields) for n, fields in odd.items()
    )
    there = wxr_comment(str(ANSWERED_THERE), f"there (comment {ANSWERED_THERE})")
    there += wxr_comment(str(ANSWERING_HERE), f"(comment {ANSWERING_HERE})", parent="1")
    content = x(" ".join(corpus.HTML[:12]) + f"<p>[x](javascript:{ALERT})</p>")
    items = wxr_post(
        1, here, title=x(TITLE), link=x(f'{SITE}/2026/hostile/"onclick="{ALERT}'), content=content
    )
    items += wxr_post(2, there, title=x(PAYLOADS[0]), link=x(f"javascript:{ALERT}"))
    path = write(tmp_path, "hostile.xml", wxr_file(items))
    started = datetime.now(UTC)
    summary = await import_wxr(app.state.db, path)
    assert (summary.stories_created, summary.comments_added) == (2, len(plan) + len(odd) + 2)
    made = await made_stories(app.state.db)
    assert {story["title"] for story in made} == {TITLE, " ".join(PAYLOADS[0].split())[:300]}
    findings = await check_stories(client, made)
    stored = await stored_comments(app.state.db)
    problems = field_problems(plan, stored, unescaped=True)
    dates = {ZERO_DATE: started, HUGE_DATE: started}
    dates |= {YEAR_1: datetime(1, 1, 1, tzinfo=UTC)}
    dates |= {YEAR_9999: datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)}
    problems += structure_problems(stored, started, dates)
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)


async def test_the_corpus_through_a_gzipped_disqus_export(
    app: Any, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    plan = planned(websites=False)
    parts = disqus_thread("t1", x(f"{SITE}/2026/hostile/?utm_source=disqus"), x(TITLE))
    parts += disqus_thread("t2", x(f"javascript:{ALERT}"), x(PAYLOADS[0]))
    parts += disqus_thread("t3", x(f'{SITE}/a"onmouseover="{ALERT}`x`'), x(PAYLOADS[1]))
    parts += "".join(
        disqus_post(str(c.number), "t1", x(c.body), name=x(c.name), email=x(c.email)) for c in plan
    )
    odd = {
        CYCLE: {"parent": str(CYCLE + 100)},
        CYCLE + 100: {"parent": str(CYCLE)},
        SELF: {"parent": str(SELF)},
        ELSEWHERE: {"parent": str(ANSWERED_THERE)},
        ZERO_DATE: {"date": "0000-00-00T00:00:00Z"},
        HUGE_DATE: {"date": str(10**12)},
        YEAR_1: {"date": "0001-01-01T00:00:00+01:00"},  # the year 0 in UTC
        YEAR_9999: {"date": "9999-12-31T23:59:59-01:00"},  # the year 10000 in UTC
        NO_ZONE: {"date": "2026-11-23T10:00:00"},
    }
    parts += "".join(
        disqus_post(str(n), "t1", f"odd (comment {n})", **fields) for n, fields in odd.items()
    )
    parts += disqus_post(str(ANSWERED_THERE), "t2", f"there (comment {ANSWERED_THERE})")
    parts += disqus_post(str(ANSWERING_HERE), "t3", f"(comment {ANSWERING_HERE})", parent="1")
    path = write(tmp_path, "hostile.xml.gz", gzip.compress(disqus_file(parts).encode()))
    started = datetime.now(UTC)
    summary = await import_disqus(app.state.db, path)
    assert (summary.stories_created, summary.comments_added) == (3, len(plan) + len(odd) + 2)
    made = await made_stories(app.state.db)
    pages = {story["page_url"] for story in made}
    assert f"{SITE}/2026/hostile" in pages and None in pages  # javascript: is no page
    findings = await check_stories(client, made)
    stored = await stored_comments(app.state.db)
    problems = field_problems(plan, stored, unescaped=False)
    dates = dict.fromkeys((ZERO_DATE, HUGE_DATE, YEAR_1, YEAR_9999), started)
    dates[NO_ZONE] = datetime(2026, 11, 23, 10, tzinfo=UTC)
    problems += structure_problems(stored, started, dates)
    assert not problems, "\n".join(problems)
    assert not findings, report(findings)


# What the API would refuse: control characters and over-long bodies, as the API's rules
# say (corpus.refused), and what XML cannot carry at all (a malformed file).
REFUSED_BODIES = ["a" * 10_001, f"nel\x85{M}", f"csi\x9b{M}", f"delete\x7f{M}", f"line\u2028{M}"]
MALFORMED_BODIES = [f"bell\x07{M}", f"nul\x00{M}", f"escape\x1b[31m{M}"]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_body_the_api_would_refuse_refuses_the_file(
    db: Database, tmp_path: Path, kind: str
) -> None:
    where = {"wxr": r"item 1 \('A post'\), comment 7", "disqus": r"post 1 \(dsq:id 7\)"}[kind]
    for number, body in enumerate(REFUSED_BODIES):
        assert corpus.refused("body", body) and xml_legal(body)
        path = write(tmp_path, f"refused-{number}.xml", export(kind, x(body)))
        message = await refused(db, kind, path, f"^{where}: Your comment ")
        assert "characters long" in message or "control character" in message
    for number, body in enumerate(MALFORMED_BODIES):
        assert not xml_legal(body)
        path = write(tmp_path, f"malformed-{number}.xml", export(kind, x(body)))
        await refused(db, kind, path, r"^line \d+, column \d+: the XML is malformed or cut short$")


@pytest.mark.parametrize("kind", KINDS)
async def test_duplicate_and_overlong_ids_refuse_the_file(
    db: Database, tmp_path: Path, kind: str
) -> None:
    if kind == "wxr":
        cases = {
            "same comment twice": wxr_file(wxr_post(1, wxr_comment("5", "a") * 2)),
            "a reply between twins": wxr_file(
                wxr_post(1, wxr_comment("5", "a") + wxr_comment("6", "b", parent="5")).replace(
                    "</item>", wxr_comment("5", "c", parent="6") + "</item>"
                )
            ),
            "an id too long": wxr_file(wxr_post(1, wxr_comment("9" * 300, "a"))),
            "a link too long": wxr_file(wxr_post(1, "", link=f"{SITE}/{'a' * 2_100}")),
        }
        said = {
            "same comment twice": "same wp:comment_id",
            "a reply between twins": "same wp:comment_id",
            "an id too long": "its id is longer than an import keeps",
            "a link too long": r"^item 1: its id or address is longer than an import keeps",
        }
    else:
        thread = disqus_thread("1", f"{SITE}/one", "One")
        cases = {
            "same comment twice": disqus_file(thread + disqus_post("5", "1", "a") * 2),
            "twins in two threads": disqus_file(
                thread
                + disqus_thread("2", f"{SITE}/two", "Two")
                + disqus_post("5", "1", "a")
                + disqus_post("5", "2", "b")
            ),
            "an id too long": disqus_file(thread + disqus_post("9" * 300, "1", "a")),
            "a thread id too long": disqus_file(
                disqus_thread("8" * 2_100, f"{SITE}/one", "One")
                + disqus_post("5", "8" * 2_100, "a")
            ),
        }
        said = {
            "same comment twice": r"^post 2 \(dsq:id 5\): another post has the same dsq:id",
            "twins in two threads": r"^post 2 \(dsq:id 5\): another post has the same dsq:id",
            "an id too long": "its id is longer than an import keeps",
            "a thread id too long": "its id or address is longer than an import keeps",
        }
    for number, (case, content) in enumerate(cases.items()):
        path = write(tmp_path, f"ids-{number}.xml", content)
        message = await refused(db, kind, path, said[case])
        assert len(message) < 200, f"{case}: {message}"  # the id is not repeated whole


# D28: size and compression ---------------------------------------------------------------


def opening(kind: str) -> bytes:
    """An export's start, its root (and channel) open."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return (head + (WXR_OPEN if kind == "wxr" else DISQUS_OPEN)).encode()


def gzip_bomb(kind: str, members: int = 1_000) -> bytes:
    """An export's opening, then ``members`` gzip members of 1 MB of spaces each: 1 GB
    from about 1 MB (gzip reads the members as one stream)."""
    return gzip.compress(opening(kind)) + gzip.compress(b" " * MB, 9) * members


@pytest.mark.parametrize("kind", KINDS)
async def test_a_gzip_bomb_is_refused_by_the_ratio_rule(
    db: Database, tmp_path: Path, kind: str
) -> None:
    assert (markup.MAX_RATIO, markup.MAX_BYTES) == (200, 4 * 1024**3)  # the real rules
    path = write(tmp_path, f"bomb-{kind}.xml.gz", gzip_bomb(kind))
    assert path.stat().st_size < 1.1 * MB
    with measured() as cost:
        await refused(db, kind, path, "^the file inflates past 200 times its size: .* bomb$")
    print(f"gzip bomb as {kind} ({path.stat().st_size:,} bytes, 1 GB inflated): {cost}")
    # It is read until the ratio is past 200 (beyond 10 MB): tens of MB, never the GB.
    assert cost.seconds < 2, cost
    assert cost.heap < 50 * MB and cost.resident < 50 * MB, cost


def incompressible(kind: str, comments_count: int) -> str:
    """An export whose comments are random text (gzip shrinks it about half)."""
    bodies = [secrets.token_hex(1_000) for _ in range(comments_count)]
    if kind == "wxr":
        return wxr_file(wxr_post(1, "".join(wxr_comment(str(n), b) for n, b in enumerate(bodies))))
    posts = "".join(disqus_post(str(n), "1", b) for n, b in enumerate(bodies))
    return disqus_file(disqus_thread("1", f"{SITE}/one", "One") + posts)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_file_past_the_cap_is_refused_gzipped_or_not(
    db: Database, tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(markup, "MAX_BYTES", 256 * 1024)
    content = incompressible(kind, 150)  # 300 KB
    packed = gzip.compress(content.encode())
    assert len(content) > 300_000 and len(content) / len(packed) < 3
    past = "^the file holds more than 262,144 bytes, the most an import reads$"
    await refused(db, kind, write(tmp_path, "big.xml.gz", packed), past)
    await refused(db, kind, write(tmp_path, "big.xml", content), past)
    monkeypatch.setattr(markup, "MAX_BYTES", 1024 * 1024)
    for name in ("big.xml.gz", "big.xml"):
        summary = await IMPORT[kind](db, tmp_path / name, dry_run=True)
        assert summary.comments_found == 150


@pytest.mark.parametrize("kind", KINDS)
async def test_a_truncated_or_corrupt_gzip_file_is_refused(
    db: Database, tmp_path: Path, kind: str
) -> None:
    packed = gzip.compress(incompressible(kind, 20).encode())
    cut = write(tmp_path, "cut.xml.gz", packed[: len(packed) // 2])
    message = await refused(db, kind, cut, "^the gzip file is cut short or corrupt ")
    assert "end-of-stream marker" in message
    # A first deflate block of type 3, which does not exist.
    broken = write(tmp_path, "broken.xml.gz", packed[:10] + b"\xff" * 64 + packed[74:])
    message = await refused(db, kind, broken, "^the gzip file is cut short or corrupt ")
    assert "invalid block type" in message


@pytest.mark.parametrize("kind", KINDS)
def test_what_is_read_outside_a_post_is_let_go(kind: str) -> None:
    """Memory holds one post at a time, however many elements the file has around them:
    once read, an element outside a post (or thread) is gone from the tree."""
    junk = "<x><y/></x>" * 2_000
    if kind == "wxr":
        content = wxr_file(junk + wxr_post(1, wxr_comment("5", "a")) + junk)
        records = wxr.ITEMS
    else:
        thread = disqus_thread("1", f"{SITE}/one", "One")
        content = disqus_file(junk + thread + junk + disqus_post("5", "1", "a") + junk)
        records = disqus.RECORDS
    root = None
    largest = 0
    events = markup.xml_events(BytesIO(content.encode()), ValueError, kind, records)
    for number, (_, element) in enumerate(events):
        root = element if root is None else root
        if number % 97 == 0:
            largest = max(largest, sum(1 for _ in root.iter()))
    assert root is not None
    # iterparse builds what it reads 16 KiB at a time before handing out its events: about
    # 3,000 of these elements, and the post's few, of the 12,000 the file holds.
    assert largest < 3_100
    assert sum(1 for _ in root.iter()) == 1
    read: list[Any] = (
        list(wxr.posts(BytesIO(content.encode()), wxr.Skipped()))
        if kind == "wxr"
        else disqus.threads(BytesIO(content.encode()), disqus.Skipped())
    )
    assert [len(item.comments) for item in read] == [1]


# The command: one line, no traceback ---------------------------------------------------------


# The refusals come from the check pass, before anything is written: one database will do.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_tribune_import_refuses_in_one_line(
    db: Database, database_url: str, tmp_path: Path, canary: Canary
) -> None:
    doctype, body = billion_laughs("rss")
    twins = wxr_post(1, wxr_comment("5", "a") + wxr_comment("5", "b"))
    files: list[tuple[str, str, str | bytes]] = [
        (
            "wxr",
            "declares XML entities or refers to outside files (EntitiesForbidden)",
            export("wxr", body, doctype),
        ),
        (
            "disqus",
            "declares XML entities or refers to outside files (ExternalReferenceForbidden)",
            export("disqus", "x", f'<!DOCTYPE disqus SYSTEM "{canary.url}/evil.dtd">\n'),
        ),
        ("wxr", "another comment of this post has the same wp:comment_id", wxr_file(twins)),
    ]
    paths = [
        write(tmp_path, f"refused-{n}.xml", content) for n, (_, _, content) in enumerate(files)
    ]
    before = await rows(db)

    async def run(kind: str, path: Path) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(
            subprocess.run,
            [TRIBUNE, "import", kind, str(path)],
            env=tribune_env(database_url) | {"COLUMNS": "1000"},
            capture_output=True,
            text=True,
            timeout=60,
        )

    results = await asyncio.gather(
        *(run(kind, path) for (kind, _, _), path in zip(files, paths, strict=True))
    )
    for (_, said, _), path, result in zip(files, paths, results, strict=True):
        assert result.returncode == 1, (said, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {path} was not imported: "), line
        assert said in line, line
    assert await rows(db) == before
    assert canary.hits == []
