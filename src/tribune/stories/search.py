"""Search: what readers can find, what a query may say, and how results show.

Readers find published stories (title, lead, body) and the approved comments of published
stories; nothing else, decided when the search runs, so a story unpublished or a comment
rejected a moment ago is gone from the next search. Matches are ranked by the database
(a title match counts ten times a body match, the lead four times) and words match their
other forms ("elections" finds "election").

A query is words, each of which a result must hold; "quoted words" as a phrase; OR between
two words or phrases for either; -word for results without it. Everything else in the
query is text to find, never syntax: any text at all searches or finds nothing, never
fails. Results come a page at a time, at most MAX_RESULTS deep.
"""

from __future__ import annotations

import html
import re
import time
import unicodedata
import weakref
from collections import OrderedDict
from typing import Any

from tribune import cursor as cursors
from tribune.exceptions import Invalid
from tribune.fields import visible_text
from tribune.public import ANONYMOUS, story_path
from tribune.storage import search as store
from tribune.storage.engine import Conn, Database
from tribune.storage.search import MARK_END, MARK_START, Terms
from tribune.vocabulary import SearchHit, SearchKind

QUERY_MAX = 500  # characters of a query read; the rest is ignored
TERMS_MAX = 32  # words and phrases of a query used; the rest are ignored
PAGE = 20  # results per page of /search and the API's default
MAX_RESULTS = 1_000  # how deep pages go: 50 pages of 20
BAD_CURSOR = {"cursor": "Cursor is malformed; pass next_cursor back as given"}
BAD_KIND = {"type": "Type must be stories or comments (or left out for both)"}
KINDS = {
    SearchKind.both: store.BOTH,
    SearchKind.stories: (store.STORIES,),
    SearchKind.comments: (store.COMMENTS,),
}

# The words PostgreSQL's "english" configuration leaves out of every index and query (its
# english.stop list): leaving them out on SQLite too makes a query mean the same on both, and
# spares SQLite ranking nearly every document for "the".
_STOP_WORDS = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his "
    "himself she her hers herself it its itself they them their theirs themselves what which "
    "who whom this that these those am is are was were be been being have has had having do "
    "does did doing a an the and but if or because as until while of at by for with about "
    "against between into through during before after above below to from up down in out on "
    "off over under again further then once here there when where why how all any both each "
    "few more most other some such no nor not only own same so than too very s t can will just "
    "don should now"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())

# The snippets' own markers never come from a query (fields.visible_text drops the rest of
# what cannot be shown: control characters, NUL included, which PostgreSQL refuses).
_DROPPED = frozenset({MARK_START, MARK_END})


def clean_query(q: str | None) -> str:
    """The query as read: no control or invisible characters, at most QUERY_MAX
    characters, trimmed. What the search page shows back in its box."""
    if not q:
        return ""
    text = visible_text(q[: QUERY_MAX * 2], _DROPPED)
    return text[:QUERY_MAX].strip()


def _searchable(word: str) -> bool:
    """Whether a word holds anything the index keeps: a letter, a digit or a private-use
    character (the tokenizer's "L* N* Co"); "...", "*" and emoji do not."""
    return any(unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "Co" for c in word)


def _only_stop_words(words: tuple[str, ...]) -> bool:
    """Whether every token of the words is a stop word ("The", "it's"): nothing to find."""
    tokens = [t for word in words for t in re.findall(r"[^\W_]+", word.casefold())]
    return bool(tokens) and all(t in STOP_WORDS for t in tokens)


# A quoted phrase (its closing quote may be missing), or a run of anything else but spaces.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


def parse_query(q: str | None) -> Terms | None:
    """What a query asks for, or None when it asks for nothing (empty, punctuation or stop
    words only, or only exclusions). A phrase keeps its stop words ("the who")."""
    groups: list[list[tuple[str, ...]]] = []
    excluded: list[tuple[str, ...]] = []
    joining = False  # the last token was OR: the next phrase is another choice
    used = 0
    for match in _TOKEN.finditer(clean_query(q)):
        quoted_minus, quoted, minus, word = match.groups()
        if used >= TERMS_MAX:
            break
        if word == "OR" and not minus:
            joining = bool(groups)
            continue
        text = quoted if word is None else word
        words = tuple(w for w in text.split() if _searchable(w))
        if not words or _only_stop_words(words):
            continue
        used += 1
        if quoted_minus or minus:
            excluded.append(words)
        elif joining:
            groups[-1].append(words)
        else:
            groups.append([words])
        joining = False
    if not groups:
        return None
    return Terms(tuple(tuple(g) for g in groups), tuple(excluded))


def kinds_of(kind: str | None) -> tuple[str, ...]:
    """The indexes a `type` names; Invalid for one that is not a kind."""
    if not kind:
        return KINDS[SearchKind.both]
    try:
        return KINDS[SearchKind(kind)]
    except ValueError:
        raise Invalid("The request has invalid parameters", BAD_KIND) from None


def decode_cursor(cursor: str | None) -> int:
    """The offset a search cursor holds; Invalid when it is not one we gave."""
    if not cursor:
        return 0
    value = cursors.decode(cursor)
    if (
        value is not None
        and len(value) == 1
        and type(value[0]) is int
        and 0 < value[0] < MAX_RESULTS
    ):
        return int(value[0])
    raise Invalid("The cursor is not valid", BAD_CURSOR)


# Snippets ----------------------------------------------------------------------------------

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*\)?")  # [text](url) and ![alt](url): the text
_EMPHASIS = re.compile(r"\*+|`+|~~|(?<!\w)_+|_+(?!\w)")
_LINE_MARK = re.compile(r"(?m)^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?)+")  # headings and quotes
_SPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """Markdown as the words a reader sees: no link targets, emphasis, heading or quote
    marks, and the lines run together."""
    text = _LINK.sub(r"\1", text)
    text = _LINE_MARK.sub("", text)
    text = _EMPHASIS.sub("", text)
    return _SPACE.sub(" ", text).strip()


def snippet_html(marked: str) -> str:
    """A snippet as HTML: its text escaped, and only its matches marked up, as <mark>. The
    markers are paired here whatever the text held, so the markup is always well formed."""
    out: list[str] = []
    open_mark = False
    for part in re.split(f"([{MARK_START}{MARK_END}])", plain(marked)):
        if part == MARK_START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif part == MARK_END:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(html.escape(part, quote=False))
    if open_mark:
        out.append("</mark>")
    return "".join(out).replace("<mark></mark>", "")


def _story_snippet(row: Any) -> str:
    """The lead's snippet when the lead matches (it says what the story is), else the
    body's, as HTML."""
    lead, body = row["lead_snippet"] or "", row["body_snippet"] or ""
    return snippet_html(lead if MARK_START in lead or not body.strip() else body)


def _story(row: Any) -> dict[str, Any]:
    return {
        "id": row["story_id"],
        "slug": row["slug"],
        "title": row["title"],
        "path": story_path(row["slug"]),
        "published_at": row["published_at"],
    }


# Remembered pages --------------------------------------------------------------------------
#
# Ranking every match is most of a search's cost (FTS5's bm25, PostgreSQL's ts_rank over each
# match's vector), and readers ask the same queries again and again. Each worker remembers a
# page of ranked results for TRIBUNE_SEARCH_CACHE_SECONDS (``remember``); when it shows one
# again it asks the database, by primary key, which of its stories are still published and
# its comments still approved, so a story unpublished or a comment rejected a moment ago is
# never shown: only a story or comment newly published, or an edit's new words, can take
# that long to be found.

CACHE_PAGES = 2048  # pages each worker remembers, the least recently asked for going first
Page = tuple[list[dict[str, Any]], int]


class _Pages:
    def __init__(self) -> None:
        self.pages: OrderedDict[tuple[Any, ...], tuple[float, Page]] = OrderedDict()

    def get(self, key: tuple[Any, ...], seconds: float) -> Page | None:
        found = self.pages.get(key)
        if found is None:
            return None
        if time.monotonic() - found[0] > seconds:
            del self.pages[key]
            return None
        self.pages.move_to_end(key)
        return found[1]

    def put(self, key: tuple[Any, ...], page: Page) -> None:
        self.pages[key] = (time.monotonic(), page)
        self.pages.move_to_end(key)
        while len(self.pages) > CACHE_PAGES:
            self.pages.popitem(last=False)


# Per database handle (tests and tools open several).
_pages: weakref.WeakKeyDictionary[Database, _Pages] = weakref.WeakKeyDictionary()


def _remembered(db: Database) -> _Pages:
    found = _pages.get(db)
    if found is None:
        found = _pages[db] = _Pages()
    return found


async def _still_shown(conn: Conn, found: list[dict[str, Any]], ranked: int) -> Page:
    """A remembered page without what may no longer be shown."""
    stories, comments = await store.still_shown(
        conn,
        [row["story_id"] for row in found if row["comment_id"] is None],
        [row["comment_id"] for row in found if row["comment_id"] is not None],
    )
    kept = [
        row
        for row in found
        if (
            row["comment_id"] in comments
            if row["comment_id"] is not None
            else row["story_id"] in stories
        )
    ]
    return kept, ranked - (len(found) - len(kept))


# The search --------------------------------------------------------------------------------


async def search(
    db: Database,
    q: str | None,
    kind: str | None,
    cursor: str | None,
    limit: int = PAGE,
    *,
    remember: float = 0.0,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of results for a query, best first, and the cursor of the next page (None
    at the end, or MAX_RESULTS deep). Each result: ``type`` ("story" or "comment"),
    ``story`` (id, slug, title, path, published_at), ``comment`` for a comment (id,
    number, name, path) and ``snippet_html``. Invalid for an unknown kind or a cursor that
    is not one of ours."""
    kinds = kinds_of(kind)
    offset = decode_cursor(cursor)
    terms = parse_query(q)
    limit = min(limit, MAX_RESULTS - offset)
    if terms is None or limit <= 0:
        return [], None
    key = (clean_query(q), kinds, offset, limit)
    async with db.read() as conn:
        remembered = _remembered(db).get(key, remember) if remember else None
        if remembered is None:
            found, ranked = await store.page(conn, terms, kinds, offset, limit + 1)
            if remember:
                _remembered(db).put(key, (found, ranked))
        else:
            found, ranked = await _still_shown(conn, *remembered)
    results: list[dict[str, Any]] = []
    for row in found[:limit]:
        story = _story(row)
        if row["comment_id"] is None:
            snippet = _story_snippet(row)
            results.append({"type": SearchHit.story, "story": story, "snippet_html": snippet})
            continue
        comment = {
            "id": row["comment_id"],
            "number": row["number"],
            "name": row["name"] or ANONYMOUS,
            "path": f"/comments/{row['comment_id']}",
        }
        results.append(
            {
                "type": SearchHit.comment,
                "story": story,
                "comment": comment,
                "snippet_html": snippet_html(row["snippet"]),
            }
        )
    more = ranked > limit and offset + limit < MAX_RESULTS
    return results, cursors.encode([offset + limit]) if more else None
