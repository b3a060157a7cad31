"""What the discussion's forms share: their fields, the expired-form message, and where a
comment is (the address of the thread page that shows it), for redirects and permalinks."""

from __future__ import annotations

from typing import Any

from tribune import public
from tribune.comments import threads
from tribune.exceptions import NotFound
from tribune.vocabulary import CommentStatus
from tribune.web.deps import Db
from tribune.web.security import CSRF_FIELD

FORM_FIELDS = ("name", "email", "website", "body", "parent_id", "value", CSRF_FIELD)
FORM_EXPIRED = "This form had expired. Your comment is still here: please send it again."


def address(place: threads.Place) -> str:
    """The address of the page a Place names."""
    query = f"?after={place.after}" if place.after else ""
    if place.replies_of is None:
        return public.story_path(place.slug) + query
    return f"/comments/{place.replies_of}/replies{query}"


async def location(
    db: Db, comment_id: int, *, anchor: bool = True, placeholder: bool = False
) -> str:
    """The address of the thread page that shows a comment (at its anchor)."""
    found = await threads.locate(db, comment_id, placeholder=placeholder)
    if found is None:
        raise NotFound
    if found.replies_of is None:
        path = address(found)
    else:  # one of many replies: the page of replies finds where it is
        path = f"/comments/{found.replies_of}/replies?at={comment_id}"
    return f"{path}#c{comment_id}" if anchor else path


async def saved_at(db: Db, slug: str, comment: dict[str, Any]) -> str:
    """Where the author of a comment just posted or edited goes to see it: its place in the
    thread, or, when the rules held or rejected it, the top of the discussion, where its
    author sees it with the reason."""
    if comment["status"] != CommentStatus.approved:
        return f"{public.story_path(slug)}#c{comment['id']}"
    return await location(db, comment["id"])
