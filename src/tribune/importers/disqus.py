"""Disqus exports (the XML Disqus mails from Admin → Export, often gzipped): each thread
becomes the discussion of its page (an embedded page's thread, or the story at that
address), each post a comment with its parent.

The file is parsed streamed with defusedxml (no entity declarations, no external
references); a thread's posts may come anywhere after it, so the posts are gathered by thread
first. A deleted post with replies stays as a placeholder their replies hang from (without
replies it is dropped); spam becomes rejected. Threads without an id or without an address,
and posts of threads the file does not hold, are skipped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any
from xml.etree.ElementTree import Element

from tribune.importers.markup import Page, archived, markdown_of, story_key, xml_events
from tribune.vocabulary import CommentStatus

INTERNALS = "http://disqus.com/disqus-internals"
DSQ_ID = f"{{{INTERNALS}}}id"
RECORDS = frozenset({"thread", "post"})  # what memory holds one at a time, as it is read


class DisqusRefused(ValueError):
    """The file cannot be imported; nothing was stored. The message names where."""


@dataclass(slots=True)
class Skipped:
    deleted: int = 0
    threads_without_id_or_link: int = 0
    orphan_posts: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "deleted posts without replies": self.deleted,
            "threads without an id or address": self.threads_without_id_or_link,
            "posts of threads not in the file": self.orphan_posts,
        }


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(element: Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _time(value: str) -> datetime | None:
    """A post's time (Disqus writes UTC, and a time without a zone is read as UTC); None for
    what is not a time UTC can hold (the import then stamps it)."""
    if not value:
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return found.astimezone(UTC) if found.tzinfo else found.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _post(element: Element, number: int) -> tuple[str, dict[str, Any]]:
    """(thread key, the post's fields) of a <post>."""
    key = element.get(DSQ_ID, "")
    where = f"post {number} (dsq:id {key[:40] or '?'})"
    if not key:
        raise DisqusRefused(f"{where}: a post needs a dsq:id")
    thread = _child(element, "thread")
    parent = _child(element, "parent")
    author = _child(element, "author")
    name = ""
    email = None
    if author is not None:
        name = _text(author, "name") or _text(author, "username")
        email = _text(author, "email") or None
    return (thread.get(DSQ_ID, "") if thread is not None else ""), {
        "where": where,
        "key": f"disqus:{key}",
        "parent": f"disqus:{parent.get(DSQ_ID)}"
        if parent is not None and parent.get(DSQ_ID)
        else None,
        "body": markdown_of(_text(element, "message")),
        "name": name,
        "email": email,
        "created_at": _time(_text(element, "createdAt")),
        "deleted": _text(element, "isDeleted") == "true",
        "spam": _text(element, "isSpam") == "true",
    }


def threads(source: IO[bytes], skipped: Skipped) -> list[Page]:
    """The file's threads with their comments; DisqusRefused for what is not a Disqus
    export, or a post that cannot be imported."""
    found: dict[str, Page] = {}
    posts: list[tuple[str, dict[str, Any]]] = []
    keys: set[str] = set()
    seen_root = False
    number = 0  # of the post, for messages
    for event, element in xml_events(source, DisqusRefused, "Disqus exports", RECORDS):
        name = _local(element.tag)
        if event == "start":
            if not seen_root:
                seen_root = True
                if name != "disqus":
                    raise DisqusRefused("this is not a Disqus export (no <disqus> element)")
            continue
        if name == "thread" and len(element):  # a post's <thread dsq:id/> refers, is empty
            key, link = element.get(DSQ_ID, ""), _text(element, "link")
            if key and link:
                where = f"thread dsq:id {key[:40]}"
                found[key] = Page(
                    story_key(f"disqus:{key}", where, DisqusRefused),
                    link,
                    _text(element, "title") or link,
                )
            else:
                skipped.threads_without_id_or_link += 1
        elif name == "post":
            number += 1
            thread_key, fields = _post(element, number)
            if fields["key"] in keys:
                raise DisqusRefused(f"{fields['where']}: another post has the same dsq:id")
            keys.add(fields["key"])
            posts.append((thread_key, fields))
    if not seen_root:
        raise DisqusRefused("this is not a Disqus export (it is empty)")
    parents = {post["parent"] for _, post in posts if post["parent"]}
    for thread_key, post in posts:
        thread = found.get(thread_key)
        if thread is None:
            skipped.orphan_posts += 1
            continue
        draft = archived(
            key=post["key"],
            parent=post["parent"],
            deleted=post["deleted"],
            replied=post["key"] in parents,
            body=post["body"],
            name=post["name"],
            email=post["email"],
            created_at=post["created_at"],
            status=CommentStatus.rejected if post["spam"] else CommentStatus.approved,
            where=post["where"],
            refused=DisqusRefused,
        )
        if draft is None:
            skipped.deleted += 1
            continue
        thread.comments.append(draft)
    return list(found.values())
