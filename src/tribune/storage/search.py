"""Full-text search over published stories and approved comments, in each database's own
index (migration e5b7c3a1d9f2): SQLite FTS5 tables kept by triggers, PostgreSQL generated
tsvector columns with GIN indexes. The database keeps the index in the writing transaction;
who may be found (published stories, approved comments of published stories) is decided
here, at query time, so a moderation decision counts from its commit on.

``page()`` ranks every match (what a search costs), then reads snippets of the page's rows
alone. Snippets mark matches with two private-use characters, MARK_START and MARK_END; the
service escapes the text and turns them into <mark> elements. User text never reaches
MATCH: ``Terms.fts5()`` writes every term as a quoted string.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, String, bindparam, text
from sqlalchemy.sql.selectable import TextualSelect

from tribune.storage.engine import Conn
from tribune.storage.tables import UTCDateTime
from tribune.vocabulary import CommentStatus, StoryStatus

MARK_START = "\ue000"
MARK_END = "\ue001"
ELLIPSIS = "…"
HEADLINE = (
    f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords=32, MinWords=16, '
    'ShortWord=3, MaxFragments=2, FragmentDelimiter=" … "'
)


@dataclass(frozen=True, slots=True)
class Terms:
    """A parsed query: ``groups``, each of which a match must hold, where a group is a
    choice (OR) of phrases and a phrase is one word or more; ``excluded``, phrases it must
    not hold. Words are plain text; ``fts5`` and ``websearch`` quote them."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]
    excluded: tuple[tuple[str, ...], ...] = ()

    def fts5(self) -> str:
        """The query as an FTS5 expression: every phrase a string, "" for a quote in it."""

        def phrase(words: Sequence[str]) -> str:
            return '"' + " ".join(words).replace('"', '""') + '"'

        def group(choices: Sequence[Sequence[str]]) -> str:
            joined = " OR ".join(phrase(words) for words in choices)
            return f"({joined})" if len(choices) > 1 else joined

        expression = " AND ".join(group(choices) for choices in self.groups)
        for words in self.excluded:
            expression = f"({expression}) NOT {phrase(words)}"
        return expression

    def websearch(self) -> str:
        """The query as websearch_to_tsquery text: quoted phrases, "or" between choices, a
        leading - for exclusions (quotes keep "or" and "-" inside a phrase as words)."""

        def phrase(words: Sequence[str]) -> str:
            return '"' + " ".join(words).replace('"', " ") + '"'

        parts = [" or ".join(phrase(w) for w in choices) for choices in self.groups]
        parts += ["-" + phrase(words) for words in self.excluded]
        return " ".join(parts)


# Which of the two indexes a search reads.
STORIES = "stories"
COMMENTS = "comments"
BOTH = (STORIES, COMMENTS)

STATUSES = {"published": StoryStatus.published.value, "approved": CommentStatus.approved.value}


def _statement(sql: str, **columns: Any) -> TextualSelect:
    """Built once: building a text() statement cost more than SQLite took to run it."""
    statement = text(sql)
    if ":ids" in sql:
        statement = statement.bindparams(bindparam("ids", expanding=True))
    return statement.columns(**columns)


# The statements are constants: user text only ever arrives as a bound parameter. Stories
# rank with bm25 column weights 10 (title), 4 (lead) and 1 (body); PostgreSQL's ts_rank
# weighs A (title) 1.0, B (lead) 0.4 and D (body) 0.1: the same proportions.
STORY = {"story_id": Integer(), "slug": String(), "title": String()}
STORY |= {"published_at": UTCDateTime()}
STORY_SNIPPETS = STORY | {"lead_snippet": String(), "body_snippet": String()}
COMMENT = STORY | {"comment_id": Integer(), "number": Integer(), "name": String()}
RANKED = {"id": Integer(), "rank": Float()}


# SQLite ------------------------------------------------------------------------------------
# FTS5 ranks and sorts the matches itself (ORDER BY rank), and the rows then stream in rank
# order, so the status of a match is read, and a snippet made, only for the rows a page
# takes. CROSS JOIN fixes the join order (SQLite's documented way): left to itself the
# planner put the index inside the loop over the rows of a status, running the match once
# per story or comment (seconds a query). INDEXED BY reads each status from the narrow
# indexes of migration f3a9d2c7e1b4: the rowid would read the wide row, a story's status
# lying after its body in overflow pages. A snippet made in the stream costs a tenth of one
# made after: looking a match up again by rowid runs the query again.

_SQLITE_STORIES_RANKED = """
SELECT stories_fts.rowid AS id, stories_fts.rank AS rank{snippets}
FROM stories_fts
CROSS JOIN stories AS s INDEXED BY ix_stories_for_search ON s.id = stories_fts.rowid
WHERE stories_fts MATCH :match AND stories_fts.rank MATCH 'bm25(10.0, 4.0, 1.0)'
  AND s.status = :published
ORDER BY stories_fts.rank LIMIT :limit OFFSET :offset"""
_SNIPPETS = """,
  snippet(stories_fts, 1, :start, :end, :ellipsis, 32) AS lead_snippet,
  snippet(stories_fts, 2, :start, :end, :ellipsis, 32) AS body_snippet"""
SQLITE_STORIES_RANKED = _statement(_SQLITE_STORIES_RANKED.format(snippets=""), **RANKED)
SQLITE_STORIES_RANKED_SNIPPETS = _statement(
    _SQLITE_STORIES_RANKED.format(snippets=_SNIPPETS),
    **RANKED,
    lead_snippet=String(),
    body_snippet=String(),
)
SQLITE_COMMENTS_RANKED = _statement(
    """
SELECT comments_fts.rowid AS id, comments_fts.rank AS rank,
  snippet(comments_fts, 0, :start, :end, :ellipsis, 32) AS snippet
FROM comments_fts
CROSS JOIN comments AS c INDEXED BY ix_comments_for_search ON c.id = comments_fts.rowid
CROSS JOIN stories AS s INDEXED BY ix_stories_for_search ON s.id = c.story_id
WHERE comments_fts MATCH :match AND c.status = :approved AND s.status = :published
ORDER BY comments_fts.rank LIMIT :limit OFFSET :offset""",
    **RANKED,
    snippet=String(),
)
SQLITE_STORY_SNIPPETS = _statement(
    """
SELECT stories_fts.rowid AS id,
  snippet(stories_fts, 1, :start, :end, :ellipsis, 32) AS lead_snippet,
  snippet(stories_fts, 2, :start, :end, :ellipsis, 32) AS body_snippet
FROM stories_fts WHERE stories_fts MATCH :match AND stories_fts.rowid IN :ids""",
    id=Integer(),
    lead_snippet=String(),
    body_snippet=String(),
)
SQLITE_STORIES = _statement(
    """
SELECT s.id AS story_id, s.slug AS slug, s.title AS title, s.published_at AS published_at
FROM stories AS s WHERE s.id IN :ids AND s.status = :published""",
    **STORY,
)
SQLITE_COMMENTS = _statement(
    """
SELECT c.id AS comment_id, c.number AS number, c.name AS name, s.id AS story_id,
  s.slug AS slug, s.title AS title, s.published_at AS published_at
FROM comments AS c CROSS JOIN stories AS s ON s.id = c.story_id
WHERE c.id IN :ids AND c.status = :approved AND s.status = :published""",
    **COMMENT,
)


async def _sqlite_ranked(
    conn: Conn, statement: TextualSelect, params: dict[str, Any], offset: int, limit: int
) -> list[Any]:
    found = await conn.execute(statement, params | {"offset": offset, "limit": limit})
    return list(found.mappings())


async def _sqlite_page(
    conn: Conn, terms: Terms, kinds: Sequence[str], offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    params = {"match": terms.fts5(), "start": MARK_START, "end": MARK_END}
    params |= {"ellipsis": ELLIPSIS, **STATUSES}
    stories_only = COMMENTS not in kinds
    both = STORIES in kinds and not stories_only
    # Both kinds: the best offset + limit of each, merged; one kind: its page alone.
    start, count = (0, offset + limit) if both else (offset, limit)
    ranked: list[tuple[float, int, str, Any]] = []
    if STORIES in kinds:
        statement = SQLITE_STORIES_RANKED_SNIPPETS if stories_only else SQLITE_STORIES_RANKED
        rows = await _sqlite_ranked(conn, statement, params, start, count)
        ranked += [(row["rank"], 0, STORIES, row) for row in rows]
    if COMMENTS in kinds:
        rows = await _sqlite_ranked(conn, SQLITE_COMMENTS_RANKED, params, start, count)
        ranked += [(row["rank"], 1, COMMENTS, row) for row in rows]
    # Lower bm25 is better; each list is in rank order, a story first on a tie.
    taken = heapq.nsmallest(count, ranked, key=lambda hit: (hit[0], hit[1]))
    if both:
        taken = taken[offset:]
    story_ids = [row["id"] for _, _, kind, row in taken if kind == STORIES]
    comment_ids = [row["id"] for _, _, kind, row in taken if kind == COMMENTS]
    stories = await _rows(conn, SQLITE_STORIES, "story_id", story_ids)
    comments = await _rows(conn, SQLITE_COMMENTS, "comment_id", comment_ids)
    snippets: dict[int, Any] = {}
    if story_ids and not stories_only:
        found = await conn.execute(SQLITE_STORY_SNIPPETS, params | {"ids": story_ids})
        snippets = {row["id"]: row for row in found.mappings()}
    page = []
    for _, _, kind, row in taken:
        if kind == STORIES and row["id"] in stories:
            marked = row if stories_only else snippets.get(row["id"])
            lead, body = (marked["lead_snippet"], marked["body_snippet"]) if marked else ("", "")
            snippets_of = {"lead_snippet": lead, "body_snippet": body, "comment_id": None}
            page.append(stories[row["id"]] | snippets_of)
        elif kind == COMMENTS and row["id"] in comments:
            page.append(comments[row["id"]] | {"snippet": row["snippet"]})
    return page, len(taken)


# PostgreSQL --------------------------------------------------------------------------------
# The query is parsed once, as a FROM item, rather than once per row it is compared with.
# Ranking reads each match's tsvector, kept in the row and compressed with lz4 (migration
# f3a9d2c7e1b4), and divides by 1 + the log of the document's length (normalization 1),
# as bm25 weighs length: else a long story that repeats a word outranks every comment.
# Snippets (ts_headline parses the whole text, 0.4 ms a story) are made for the page alone,
# of the lead when it matches (weight B of the stored vector says so), else of the body.
# No parallel workers: starting them took longer than the ranking they shared, and on a
# busy server they take the cores other requests need.
NO_PARALLEL = text("SET LOCAL max_parallel_workers_per_gather = 0")

_POSTGRESQL_STORY_HITS = """
SELECT s.id AS story_id, NULL::bigint AS comment_id, ts_rank(s.search, query, 1) AS rank
FROM stories s, websearch_to_tsquery('english', :match) AS query
WHERE s.search @@ query AND s.status = :published"""
_POSTGRESQL_COMMENT_HITS = """
SELECT c.story_id AS story_id, c.id AS comment_id, ts_rank(c.search, query, 1) AS rank
FROM comments c JOIN stories s ON s.id = c.story_id,
  websearch_to_tsquery('english', :match) AS query
WHERE c.search @@ query AND c.status = :approved AND s.status = :published"""
_HITS = """SELECT story_id, comment_id FROM ({}) AS hits
ORDER BY rank DESC, story_id DESC, comment_id DESC LIMIT :limit OFFSET :offset"""
_HIT = {"story_id": Integer(), "comment_id": Integer()}
POSTGRESQL_HITS = {
    BOTH: _statement(
        _HITS.format(f"{_POSTGRESQL_STORY_HITS} UNION ALL {_POSTGRESQL_COMMENT_HITS}"), **_HIT
    ),
    (STORIES,): _statement(_HITS.format(_POSTGRESQL_STORY_HITS), **_HIT),
    (COMMENTS,): _statement(_HITS.format(_POSTGRESQL_COMMENT_HITS), **_HIT),
}
POSTGRESQL_STORIES = _statement(
    """
SELECT s.id AS story_id, s.slug AS slug, s.title AS title, s.published_at AS published_at,
  CASE WHEN ts_filter(s.search, '{b}') @@ query
    THEN ts_headline('english', s.lead, query, :options) ELSE '' END AS lead_snippet,
  CASE WHEN ts_filter(s.search, '{b}') @@ query THEN ''
    ELSE ts_headline('english', s.body_md, query, :options) END AS body_snippet
FROM stories s, websearch_to_tsquery('english', :match) AS query
WHERE s.id IN :ids AND s.status = :published""",
    **STORY_SNIPPETS,
)
POSTGRESQL_COMMENTS = _statement(
    """
SELECT c.id AS comment_id, c.number AS number, c.name AS name, s.id AS story_id,
  s.slug AS slug, s.title AS title, s.published_at AS published_at,
  ts_headline('english', c.body_md, query, :options) AS snippet
FROM comments c JOIN stories s ON s.id = c.story_id,
  websearch_to_tsquery('english', :match) AS query
WHERE c.id IN :ids AND c.status = :approved AND s.status = :published""",
    **COMMENT,
    snippet=String(),
)


async def _postgresql_page(
    conn: Conn, terms: Terms, kinds: Sequence[str], offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    params = {"match": terms.websearch(), "options": HEADLINE, **STATUSES}
    statement = POSTGRESQL_HITS[tuple(k for k in BOTH if k in kinds)]
    await conn.execute(NO_PARALLEL)  # for this read's transaction only
    hits = (await conn.execute(statement, params | {"offset": offset, "limit": limit})).all()
    story_ids = [row[0] for row in hits if row[1] is None]
    comment_ids = [row[1] for row in hits if row[1] is not None]
    stories = await _rows(conn, POSTGRESQL_STORIES, "story_id", story_ids, params)
    comments = await _rows(conn, POSTGRESQL_COMMENTS, "comment_id", comment_ids, params)
    page = []
    for story_id, comment_id in hits:
        if comment_id is None and story_id in stories:
            page.append(stories[story_id] | {"comment_id": None})
        elif comment_id is not None and comment_id in comments:
            page.append(comments[comment_id])
    return page, len(hits)


# Both --------------------------------------------------------------------------------------


# Rechecking a remembered page, by primary key. On SQLite the join order and indexes are
# fixed as for ranking: left to itself, with the statuses bound and a page of ids, the
# planner read every published story's comments (9 ms a page, where this takes 0.03).
SHOWN_STORIES = {
    "sqlite": _statement(
        "SELECT id FROM stories INDEXED BY ix_stories_for_search"
        " WHERE id IN :ids AND status = :published",
        id=Integer(),
    ),
    "postgresql": _statement(
        "SELECT id FROM stories WHERE id IN :ids AND status = :published", id=Integer()
    ),
}
SHOWN_COMMENTS = {
    "sqlite": _statement(
        "SELECT c.id AS id FROM comments AS c"
        " CROSS JOIN stories AS s INDEXED BY ix_stories_for_search ON s.id = c.story_id"
        " WHERE c.id IN :ids AND c.status = :approved AND s.status = :published",
        id=Integer(),
    ),
    "postgresql": _statement(
        "SELECT c.id AS id FROM comments c JOIN stories s ON s.id = c.story_id"
        " WHERE c.id IN :ids AND c.status = :approved AND s.status = :published",
        id=Integer(),
    ),
}


async def still_shown(
    conn: Conn, story_ids: Sequence[int], comment_ids: Sequence[int]
) -> tuple[set[int], set[int]]:
    """Which of these stories are published, and which comments approved on a published
    story, now (by primary key: what a remembered page of results checks again)."""
    stories: set[int] = set()
    comments: set[int] = set()
    if story_ids:
        statement = SHOWN_STORIES[conn.dialect.name]
        found = await conn.execute(statement, STATUSES | {"ids": list(story_ids)})
        stories = {int(i) for i in found.scalars()}
    if comment_ids:
        statement = SHOWN_COMMENTS[conn.dialect.name]
        found = await conn.execute(statement, STATUSES | {"ids": list(comment_ids)})
        comments = {int(i) for i in found.scalars()}
    return stories, comments


async def _rows(
    conn: Conn,
    statement: TextualSelect,
    key: str,
    ids: Sequence[int],
    params: dict[str, Any] | None = None,
) -> dict[int, dict[str, Any]]:
    """The rows among ids that may still be shown (a status may have changed between two
    statements on PostgreSQL), by id."""
    if not ids:
        return {}
    found = await conn.execute(statement, (params or STATUSES) | {"ids": list(ids)})
    return {row[key]: dict(row) for row in found.mappings()}


async def page(
    conn: Conn, terms: Terms, kinds: Sequence[str], offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Up to ``limit`` matches after the first ``offset``, best first, from the stories,
    the comments or both (``kinds``), and how many were ranked there (those it returns,
    and any that a status changed since then took away). Each match is a story
    (``comment_id`` None) or a comment, with its story's ``story_id``, ``slug``, ``title``
    and ``published_at``; a comment's ``number``, ``name`` and marked ``snippet``; a
    story's marked ``lead_snippet`` and ``body_snippet`` (on PostgreSQL only the lead's
    when the lead matches, else only the body's)."""
    if conn.dialect.name == "sqlite":
        return await _sqlite_page(conn, terms, kinds, offset, limit)
    return await _postgresql_page(conn, terms, kinds, offset, limit)
