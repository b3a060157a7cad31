"""What every reader may see of a comment and of a story: the one shape the API, the pages,
the feeds and the live events all send. No e-mail, no address hash, no token ever appears.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from tribune.shortlinks import short_path
from tribune.vocabulary import VISIBLE, CommentStatus

ANONYMOUS = "Anonymous"  # the name of a comment imported without one
HIDDEN = "hidden"  # the status readers see of a held or rejected comment holding replies


def story_path(slug: str) -> str:
    return f"/stories/{quote(slug)}"


def tag_path(slug: str) -> str:
    return f"/tags/{quote(slug)}"


def author_path(slug: str) -> str:
    return f"/authors/{quote(slug)}"


def avatar_path(avatar: str | None) -> str | None:
    return f"/avatars/{avatar}.svg" if avatar else None


def comment(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The comment as every reader may see it; a deleted one keeps only its place."""
    deleted = row["status"] == CommentStatus.deleted
    return {
        "id": row["id"],
        "parent_id": row["parent_id"],
        "number": row["number"],
        "name": None if deleted else (row["name"] or ANONYMOUS),
        "website": None if deleted else row["website"],
        "avatar_url": None if deleted else avatar_path(row["avatar"]),
        "body_html": "" if deleted else row["body_html"],
        "created_at": row["created_at"],
        "edited_at": row["edited_at"],
        "score": row["score"],
        "status": row["status"],
        "featured": bool(row["featured"]),
        "replies": [],
    }


def placeholder(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A held or rejected comment that still holds replies readers see: its place, nothing
    of what it says or who wrote it (status ``hidden``, whichever it is)."""
    return comment(row) | {
        "name": None,
        "website": None,
        "avatar_url": None,
        "body_html": "",
        "edited_at": None,
        "score": 0,
        "status": HIDDEN,
        "featured": False,
    }


def shown(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A comment as it shows in a thread: in full, deleted, or as a hidden placeholder."""
    return comment(row) if row["status"] in VISIBLE else placeholder(row)


def story(row: Mapping[Any, Any], base_url: str, *, detail: bool = False) -> dict[str, Any]:
    """A story as the API sends it; ``detail`` adds its text."""
    out = {
        "id": row["id"],
        "slug": row["slug"],
        "title": row["title"],
        "url": base_url + story_path(row["slug"]),
        "source_url": row["source_url"],
        "tags": [
            {"slug": t["slug"], "name": t["name"], "url": base_url + tag_path(t["slug"])}
            for t in row["tags"]
        ],
        "published_at": row["published_at"],
        "comment_count": row["comment_count"],
        "short_url": base_url + short_path(row["id"]),
        "authors": [
            {
                "name": a["name"],
                "url": base_url + author_path(a["slug"]) if a["slug"] else None,
            }
            for a in row["authors"]
        ],
    }
    if detail:
        out |= {
            "lead": row["lead"],
            "body_html": row["body_html"],
            "video_url": row["video_url"],
            "promo_links": row["promo_links"],
            "about": row["about"],
        }
    return out
