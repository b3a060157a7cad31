"""WordPress exports (WXR 1.0–1.2): posts and pages become stories, or bring their comments to
the story or embedded page already at their address; comments keep their author, e-mail,
website, time and threading.

The file is read twice, streamed (defusedxml: no entity declarations, no external
references), so memory holds one post at a time: first to check all of it, then, only when
every post and comment is acceptable, to store it in one transaction. Approved comments stay
approved, pending ones pending, spam becomes rejected; trashed comments are dropped (their
replies move to the top level), pingbacks and trackbacks are skipped and counted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any
from xml.etree.ElementTree import Element

from tribune.comments.service import ArchivedComment
from tribune.importers.markup import archived, markdown_of, story_key, xml_events
from tribune.markdown import TAG_MAX
from tribune.vocabulary import CommentStatus

WP = "http://wordpress.org/export/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
STORY_TYPES = ("post", "page")
STATUSES = {"1": CommentStatus.approved, "0": CommentStatus.pending, "spam": CommentStatus.rejected}
DROPPED = ("trash", "post-trashed")
LINKBACKS = ("pingback", "trackback")
ITEMS = frozenset({"item"})  # what memory holds one at a time
TAGGED = ("post_tag", "category")  # a post's tags and categories both become its tags
UNCATEGORIZED = "uncategorized"  # WordPress's default category says nothing


class WxrRefused(ValueError):
    """The file cannot be imported; nothing was stored. The message names where."""


@dataclass(slots=True)
class Post:
    number: int  # the item's place in the file, from 1
    key: str
    title: str
    link: str
    body: str  # Markdown
    published_at: datetime | None
    tags: list[str] = field(default_factory=list)
    comments: list[ArchivedComment] = field(default_factory=list)


@dataclass(slots=True)
class Skipped:
    linkbacks: int = 0
    trashed: int = 0
    not_published: int = 0
    other_items: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "pingbacks and trackbacks": self.linkbacks,
            "trashed comments": self.trashed,
            "posts not published": self.not_published,
            "attachments and other items": self.other_items,
        }


# Reading ---------------------------------------------------------------------------------


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _fields(element: Element) -> dict[str, Any]:
    """The children of an item or a comment by local name (WordPress's namespace as wp_)."""
    found: dict[str, Any] = {}
    for child in element:
        namespace, name = _local(child.tag)
        if namespace.startswith(WP):
            key = f"wp_{name}"
        elif namespace == CONTENT:
            key = f"content_{name}"
        else:
            key = name
        if key == "wp_comment":
            found.setdefault("comments", []).append(child)
        elif key == "category":
            if child.get("domain") in TAGGED and child.get("nicename") != UNCATEGORIZED:
                found.setdefault("tags", []).append(html.unescape(child.text or ""))
        else:
            found.setdefault(
                key, (child.text or "").strip() if key != "content_encoded" else child.text or ""
            )
    return found


def tag_name(name: str) -> str | None:
    """A WordPress tag or category as a Tribune tag ("Climate change" → Climate-change: a
    tag is letters, digits and hyphens, as an editor types it), None when nothing is left."""
    words = re.findall(r"\w+", name)
    tag = "-".join(words).replace("_", "-").strip("-")[:TAG_MAX].rstrip("-")
    return tag or None


def _time(value: str | None) -> datetime | None:
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _comment(post: Post, element: Element, skipped: Skipped, seen: set[str]) -> None:
    data = _fields(element)
    key = data.get("wp_comment_id", "")
    where = f"item {post.number} ({post.title!r}), comment {key[:40] or '?'}"
    if not key:
        raise WxrRefused(f"{where}: the comment has no wp:comment_id")
    if key in seen:
        raise WxrRefused(f"{where}: another comment of this post has the same wp:comment_id")
    seen.add(key)
    if data.get("wp_comment_type", "") in LINKBACKS:
        skipped.linkbacks += 1
        return
    approved = data.get("wp_comment_approved", "1")
    if approved in DROPPED:
        skipped.trashed += 1
        return
    status = STATUSES.get(approved)
    if status is None:
        raise WxrRefused(f"{where}: wp:comment_approved is {approved!r}, not 1, 0 or spam")
    parent = data.get("wp_comment_parent", "0")
    draft = archived(
        key=f"wxr:{key}",
        parent=None if parent in ("", "0") else f"wxr:{parent}",
        deleted=False,
        replied=False,
        body=markdown_of(data.get("wp_comment_content", "")),
        name=html.unescape(data.get("wp_comment_author", "")),
        email=data.get("wp_comment_author_email") or None,
        website=data.get("wp_comment_author_url") or None,
        created_at=_time(data.get("wp_comment_date_gmt")) or _time(data.get("wp_comment_date")),
        status=status,
        where=where,
        refused=WxrRefused,
    )
    if draft is not None:
        post.comments.append(draft)


def posts(source: IO[bytes], skipped: Skipped) -> Iterator[Post]:
    """The file's posts and pages with their comments, one at a time; WxrRefused for
    anything that is not a WordPress export, or a part of one that cannot be imported."""
    number = 0
    root: Element | None = None
    channel: Element | None = None
    for event, element in xml_events(source, WxrRefused, "WordPress exports", ITEMS):
        if event == "start":
            if root is None:
                root = element
                if _local(element.tag)[1] != "rss":
                    raise WxrRefused("this is not a WordPress export (no <rss> element)")
            elif _local(element.tag)[1] == "channel" and channel is None:
                channel = element
            continue
        if _local(element.tag)[1] != "item":
            continue
        number += 1
        if (post := _post(number, element, skipped)) is not None:
            yield post
    if channel is None:
        raise WxrRefused("this is not a WordPress export (no <channel> element)")


def _post(number: int, element: Element, skipped: Skipped) -> Post | None:
    data = _fields(element)
    if data.get("wp_post_type", "post") not in STORY_TYPES:
        skipped.other_items += 1
        return None
    if data.get("wp_status", "publish") != "publish":
        skipped.not_published += 1
        return None
    title = html.unescape(data.get("title", "")).strip()
    key = data.get("wp_post_id") or data.get("guid") or ""
    if not title or not key:
        raise WxrRefused(f"item {number}: a post needs a title and a wp:post_id")
    post = Post(
        number=number,
        key=story_key(f"wxr:{data.get('link') or key}", f"item {number}", WxrRefused),
        title=title[:300],
        link=data.get("link", ""),
        body=markdown_of(data.get("content_encoded", "")) or title,
        published_at=_time(data.get("wp_post_date_gmt")) or _time(data.get("wp_post_date")),
        tags=[tag for name in data.get("tags", []) if (tag := tag_name(name))],
    )
    seen: set[str] = set()
    for comment in data.get("comments", []):
        _comment(post, comment, skipped, seen)
    return post
