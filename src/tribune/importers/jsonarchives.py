"""The JSON exports: Remark42 backups (gzip of JSON lines: a meta record, then one comment a
line) and Commento exports (one JSON document, version 1). Each page's comments become its
discussion; a deleted comment with replies stays as a placeholder, without replies it is
dropped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from tribune.importers.markup import Page, archived, markdown_of, open_archive
from tribune.vocabulary import CommentStatus


class JsonRefused(ValueError):
    """The file cannot be imported; nothing was stored. The message names where."""


@dataclass(slots=True)
class Skipped:
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"deleted comments without replies": self.deleted}


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _pages(found: list[tuple[str, str, str, dict[str, Any]]], skipped: Skipped) -> Iterator[Page]:
    """Comments (page link, page title, where, fields) grouped into pages, placeholders
    kept only where replies hang from them."""
    parents = {c["parent"] for *_, c in found if c["parent"]}
    pages: dict[str, Page] = {}
    for link, title, where, comment in found:
        page = pages.get(link)
        if page is None:
            page = pages[link] = Page(f"{comment['kind']}:{link}", link, title or link)
        elif title and page.title == link:
            page.title = title
        draft = archived(
            key=comment["key"],
            parent=comment["parent"],
            deleted=comment["deleted"],
            replied=comment["key"] in parents,
            body=comment["body"],
            name=comment["name"],
            email=comment.get("email"),
            website=comment.get("website"),
            created_at=_time(comment["time"]),
            status=comment["status"],
            score=int(comment.get("score") or 0),
            where=where,
            refused=JsonRefused,
        )
        if draft is None:
            skipped.deleted += 1
            continue
        page.comments.append(draft)
    yield from pages.values()


def remark42(path: Path, skipped: Skipped) -> Iterator[Page]:
    found = []
    with open_archive(path) as source:
        for number, line in enumerate(source, 1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise JsonRefused(f"line {number}: not JSON ({exc})") from None
            if number == 1:
                if not isinstance(record, dict) or "version" not in record or "posts" not in record:
                    raise JsonRefused("line 1: this is not a Remark42 backup (no meta record)")
                continue
            if not isinstance(record, dict) or not isinstance(record.get("locator"), dict):
                raise JsonRefused(f"line {number}: not a Remark42 comment")
            key, url = record.get("id"), record["locator"].get("url")
            if not isinstance(key, str) or not key or not isinstance(url, str) or not url:
                raise JsonRefused(f"line {number}: a comment needs an id and its page's url")
            user: dict[str, Any] = record["user"] if isinstance(record.get("user"), dict) else {}
            orig = record.get("orig")
            body = (
                orig
                if isinstance(orig, str) and orig.strip()
                else markdown_of(str(record.get("text") or ""))
            )
            found.append(
                (
                    url,
                    str(record.get("title") or ""),
                    f"line {number}",
                    {
                        "kind": "remark42",
                        "key": f"remark42:{key}",
                        "parent": f"remark42:{record['pid']}" if record.get("pid") else None,
                        "body": body,
                        "name": str(user.get("name") or ""),
                        "time": record.get("time"),
                        "deleted": bool(record.get("delete")),
                        "status": CommentStatus.approved,
                        "score": record.get("score"),
                    },
                )
            )
    if not found and path.stat().st_size == 0:
        raise JsonRefused("the file is empty")
    yield from _pages(found, skipped)


COMMENTO_STATES = {
    "approved": CommentStatus.approved,
    "unapproved": CommentStatus.pending,
    "flagged": CommentStatus.rejected,
}


def commento(path: Path, skipped: Skipped) -> Iterator[Page]:
    with open_archive(path) as source:
        try:
            document = orjson.loads(source.read())
        except orjson.JSONDecodeError as exc:
            raise JsonRefused(f"this is not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("version") != 1:
        raise JsonRefused("this is not a Commento export (version 1)")
    people = {
        c.get("commenterHex"): c for c in document.get("commenters") or [] if isinstance(c, dict)
    }
    found = []
    for number, comment in enumerate(document.get("comments") or [], 1):
        where = f"comment {number}"
        if not isinstance(comment, dict) or not comment.get("commentHex"):
            raise JsonRefused(f"{where}: a comment needs a commentHex")
        state = COMMENTO_STATES.get(comment.get("state", "approved"))
        if state is None:
            raise JsonRefused(
                f"{where}: state {comment.get('state')!r} is not approved, unapproved or flagged"
            )
        person = people.get(comment.get("commenterHex"), {})
        link = f"https://{comment.get('domain', '')}{comment.get('path', '')}"
        parent = comment.get("parentHex")
        website = person.get("link")
        found.append(
            (
                link,
                "",
                where,
                {
                    "kind": "commento",
                    "key": f"commento:{comment['commentHex']}",
                    "parent": f"commento:{parent}" if parent and parent != "root" else None,
                    "body": str(
                        comment.get("markdown") or markdown_of(str(comment.get("html") or ""))
                    ),
                    "name": str(person.get("name") or ""),
                    "email": person.get("email") or None,
                    "website": website if website and website != "undefined" else None,
                    "time": comment.get("creationDate"),
                    "deleted": bool(comment.get("deleted")),
                    "status": state,
                    "score": comment.get("score"),
                },
            )
        )
    yield from _pages(found, skipped)
