"""Isso databases (the SQLite file Isso keeps): its threads and comments, read-only.

Isso keeps a thread by its page's path (``/blog/post/``); with the site's address (``--site
https://blog.example``) each thread becomes that page's embedded discussion, otherwise a
story titled as Isso knew it. Comments keep their Markdown text, author, e-mail, website,
time and replies; Isso's modes map to statuses (1 valid: approved, 2 pending, 4 deleted,
kept as a placeholder while it has replies), and likes less dislikes become the score.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tribune.importers.markup import Page, archived
from tribune.vocabulary import CommentStatus

MODES = {1: CommentStatus.approved, 2: CommentStatus.pending, 4: CommentStatus.deleted}


class IssoRefused(ValueError):
    """The file cannot be imported; nothing was stored."""


@dataclass(slots=True)
class Skipped:
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"deleted comments without replies": self.deleted}


def _connect(path: Path) -> sqlite3.Connection:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise IssoRefused(f"this is not an Isso database ({exc})") from None
    if not {"threads", "comments"} <= tables:
        connection.close()
        raise IssoRefused("this is not an Isso database (no threads and comments tables)")
    return connection


def threads(path: Path, skipped: Skipped, site: str | None = None) -> Iterator[Page]:
    connection = _connect(path)
    try:
        rows = connection.execute(
            "SELECT t.id, t.uri, t.title, c.id, c.parent, c.created, c.mode, c.text, c.author,"
            " c.email, c.website, c.likes, c.dislikes FROM threads t"
            " LEFT JOIN comments c ON c.tid = t.id ORDER BY t.id, c.id"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise IssoRefused(f"the Isso database cannot be read: {exc}") from None
    finally:
        connection.close()
    parents = {row[4] for row in rows if row[4] is not None}
    current: Page | None = None
    for (
        tid,
        uri,
        title,
        cid,
        parent,
        created,
        mode,
        text,
        author,
        email,
        website,
        likes,
        dislikes,
    ) in rows:
        if current is None or current.key != f"isso:{uri}":
            if current is not None:
                yield current
            link = f"{site.rstrip('/')}{uri}" if site and str(uri).startswith("/") else ""
            current = Page(f"isso:{uri}", link, (title or uri or f"Thread {tid}")[:300])
        if cid is None:
            continue
        status = MODES.get(mode, CommentStatus.pending)
        try:
            when = datetime.fromtimestamp(float(created), UTC)
        except (TypeError, ValueError, OverflowError):
            when = None
        draft = archived(
            key=f"isso:{cid}",
            parent=f"isso:{parent}" if parent is not None else None,
            deleted=status == CommentStatus.deleted,
            replied=cid in parents,
            body=str(text or ""),
            name=author,
            email=email,
            website=website,
            created_at=when,
            status=status,
            score=int(likes or 0) - int(dislikes or 0),
            where=f"comment {cid} of {uri}",
            refused=IssoRefused,
        )
        if draft is None:
            skipped.deleted += 1
            continue
        current.comments.append(draft)
    if current is not None:
        yield current
