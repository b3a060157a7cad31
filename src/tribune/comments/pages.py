"""The story page with its discussion, and the discussion without JavaScript: the comment
and reply form, pages of replies, permalinks and identicons (one comment's own actions are
in actions.py). A form posts, then redirects (POST/redirect/GET); a refused form is shown
again with everything typed kept and a message beside each wrong field."""

from __future__ import annotations

import hashlib
import html
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

import nh3
from fastapi import APIRouter, Query, Request
from markupsafe import Markup, escape
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import RedirectResponse, Response

from tribune import public
from tribune.comments import avatars, editing, replies, service, threads
from tribune.comments.cache import OwnPage, PageCache, SharedPage, etag_of
from tribune.comments.forms import FORM_EXPIRED, FORM_FIELDS, address, location, saved_at
from tribune.exceptions import Invalid, Moved, NotFound, Unavailable
from tribune.fields import whole_number
from tribune.identity import SiteCache
from tribune.keys import Keys
from tribune.live.deps import events_of
from tribune.moderation.screening import Banned, StoryClosed
from tribune.pagecache import Pieces
from tribune.ratelimit import RateLimited
from tribune.readers import Reader
from tribune.stories import seo
from tribune.stories import service as stories
from tribune.vocabulary import CommentStatus, Sort
from tribune.web.cookies import (
    VOTER_HEADER,
    commenter_from,
    commenter_of,
    forget_commenter,
    has_personal,
    own_from,
    own_tokens,
    remember_commenter,
    remember_own,
    voter_from,
)
from tribune.web.deps import (
    MAX_ID,
    AppKeys,
    AppSettings,
    CommentId,
    CurrentReader,
    Cursor,
    Db,
    keys_of,
    limiter_of,
    reader_of,
    settings_of,
    site_cache_of,
)
from tribune.web.fastlane import Lane, Params
from tribune.web.forms import read_form
from tribune.web.security import CSRF_FIELD, reader_form_ok
from tribune.web.templating import ENV, render_form, render_text

router = APIRouter(include_in_schema=False)

SORT_LABELS = {sort: sort.label for sort in Sort}
SortParam = Annotated[str, Query(description="oldest, newest, top or replies")]


# The story page -----------------------------------------------------------------------------


async def _story(db: Db, slug: str) -> dict[str, Any]:
    story = await stories.story_by_slug(db, slug)
    if story is None:
        moved = await stories.moved_to(db, slug)
        if moved is not None:
            raise Moved(slug, moved)
        raise NotFound
    return story


async def discussion_page(
    request: Request,
    db: Db,
    story: dict[str, Any],
    *,
    sort: str = threads.DEFAULT_SORT,
    after: str | None = None,
    reply_to: int | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    preview: str | None = None,
    status_code: int = 200,
    template: str = "story.html",
) -> Response:
    """The story with a page of its discussion and the comment form (with the reader's
    input and the errors, when a post was refused, or the preview they asked for); or, with
    ``_thread_page.html``, the page of comments alone."""
    settings = settings_of(request)
    if sort not in SORT_LABELS:
        # A page falls back to the default order (a mistyped or outdated link; the API still
        # answers 422), and to its first page: a cursor belongs to its own order. The caches
        # below are keyed by the order shown, never by what was asked.
        sort, after = threads.DEFAULT_SORT, None
    query = threads.ThreadQuery.parse(sort, after)
    if template == "story.html" and not (form or errors or reply_to) and status_code == 200:
        # The page every reader gets, or that page with their own part made again for them.
        return await _story_page(request, db, story, query)
    form = form or {}
    reader = reader_of(request)
    own = own_tokens(request, keys_of(request))
    thread = await threads.thread_page(db, story, query, max_depth=settings.thread_depth)
    votes, reported = await _marks(db, thread, reader)
    response = render_form(
        request,
        template,
        {
            "story": story,
            "seo": seo.story_meta(story, settings.base_url, site_cache_of(request).current),
            "thread": thread,
            "sort": query.sort,
            "sorts": SORT_LABELS,
            "after": query.cursor,
            **_composer(request, form, preview),
            "errors": errors or {},
            "replying": await _replying(db, story, form.get("parent_id"), reply_to),
            "my_votes": votes,
            "my_reports": reported,
            "own": set(own),
            "editable": _editable(thread, own, settings.edit_minutes),
            "awaiting": await threads.own_hidden(db, story["id"], list(own)),
        },
        status_code=status_code,
    )
    # A token, what the reader typed, their own state: theirs alone.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# The shared story page ------------------------------------------------------------------------
#
# A reader with no state of their own on the page (no vote, no comment of theirs, nothing
# remembered for the form) gets the page every such reader gets: rendered once per thread
# version and site settings, without a CSRF token (its forms are checked by the browser's
# Fetch Metadata: web/security.reader_form_ok) and without a cookie, so that it can be
# answered by the fast lane below, and kept by nginx or a CDN in front.
#
# A reader with state of their own gets that same page with their part made again for them:
# the rendering marks the parts that differ from reader to reader (slots: under each comment
# its vote form, report and edit links; above the thread their unpublished comments and the
# form), and their page is the shared bytes with the slots their state touches rendered
# again. Nothing else on the page depends on the reader.

SHARED_PARAMS = frozenset({"sort", "after"})
SLOT = "\x00"  # cannot occur in rendered text: NUL is refused in every field


def _slot(*key: object) -> Markup:
    """Where a slot begins (its key) or, without one, ends."""
    return escape(SLOT + "".join(map(str, key)) + SLOT)  # letters and digits: nothing escaped


class StoryPage(SharedPage):
    """A shared story page and where its slots are."""

    __slots__ = ("_pieces", "after", "comments", "slots", "sort", "story")

    def __init__(
        self,
        page: tuple[int, int, str, bytes, float],  # story id, version, site version, body, born
        slots: dict[str, tuple[int, int]],  # slot key → (start, end) in body
        story: dict[str, Any],
        comments: dict[int, dict[str, Any]],  # each comment with a slot: what its slot shows
        query: threads.ThreadQuery,
    ) -> None:
        story_id, version, site_version, body, born = page
        super().__init__(story_id, version, site_version, body, etag_of(body), born)
        self.slots = slots
        self.story = story
        self.comments = comments
        self.sort = query.sort
        self.after = query.cursor
        self._pieces: Pieces | None = None

    @property
    def pieces(self) -> Pieces:
        """Its gzip in pieces, cut where slots begin: made on its first reader's own page."""
        if self._pieces is None:
            self._pieces = Pieces(self.body, (start for start, _ in self.slots.values()))
        return self._pieces


def _laid_out(text: str) -> tuple[bytes, dict[str, tuple[int, int]]]:
    """The page's bytes without the slot marks, and where each slot's bytes are."""
    parts: list[bytes] = []
    slots: dict[str, tuple[int, int]] = {}
    at, opened = 0, ""
    for n, piece in enumerate(text.split(SLOT)):
        if n % 2 == 0:
            data = piece.encode()
            parts.append(data)
            at += len(data)
        elif piece:
            opened, begun = piece, at
        else:
            slots[opened] = (begun, at)
    return b"".join(parts), slots


async def _story_page(
    request: Request, db: Db, story: dict[str, Any], query: threads.ThreadQuery
) -> Response:
    settings = settings_of(request)
    pages: PageCache = request.app.state.page_cache
    site = site_cache_of(request).current
    key = (story["slug"], query.sort, query.cursor)
    meta = await threads.version(db, story["id"])
    if meta is None:
        raise NotFound
    now = time.monotonic()
    page = pages.find(key)
    if (
        not isinstance(page, StoryPage)
        or page.story_id != story["id"]
        or not page.holds(meta[0], site.version, now)
    ):
        # Read after the version: the page kept under it holds at least what it committed.
        thread = await threads.thread_page(db, story, query, max_depth=settings.thread_depth)
        text = render_text(
            request,
            "story.html",
            {
                "story": story,
                "seo": seo.story_meta(story, settings.base_url, site),
                "thread": thread,
                "sort": query.sort,
                "sorts": SORT_LABELS,
                "after": query.cursor,
                **SHARED_CONTEXT,
                "slot": _slot,
            },
        )
        body, slots = _laid_out(text)
        shown = {
            comment_id: {name: place.comment[name] for name in SLOT_FIELDS}
            for comment_id, place in thread.shown.items()
            if f"a{comment_id}" in slots
        }
        page = StoryPage(
            (story["id"], meta[0], site.version, body, now), slots, story, shown, query
        )
        pages.keep(key, page)
    keys = keys_of(request)
    voter = request.headers.get(VOTER_HEADER)
    answer = await _own_page(db, page, request.cookies, voter, keys, settings.edit_minutes)
    status, headers, body = (answer or page).reply(request.headers, routed=True)
    response = Response(body, status_code=status)
    response.raw_headers = headers
    return response


# What the shared page's own part shows: no reader's state, no token, an empty form.
SHARED_CONTEXT: dict[str, Any] = {
    "form": {},
    "remember": False,
    "preview": None,
    "errors": {},
    "replying": None,
    "my_votes": {},
    "my_reports": set(),
    "own": set(),
    "editable": {},
    "awaiting": [],
    "csrf_token": "",
}
SLOT_FIELDS = ("id", "number", "score", "status", "created_at")


async def _own_page(
    db: Db,
    page: StoryPage,
    cookies: Mapping[str, str],
    voter_header: str | None,
    keys: Keys,
    edit_minutes: int,
) -> OwnPage | None:
    """The shared page with the reader's own part made again for them; None for a reader
    with no state of their own (their page is the shared one)."""
    voter_id = voter_from(cookies, voter_header, keys)
    own = own_from(cookies, keys)
    remembered = commenter_from(cookies)
    if voter_id is None and not own and remembered is None:
        return None
    votes, reported = await threads.marks_of(db, list(page.comments), voter_id)
    awaiting = await threads.own_hidden(db, page.story_id, list(own)) if own else []
    editable = _editable_among(page.comments, own, edit_minutes)
    touched = sorted({*votes, *reported, *(own.keys() & page.comments.keys())})
    edits: list[tuple[tuple[int, int], bytes]] = []
    actions = ENV.get_template("_actions.html").module.comment_actions  # type: ignore[attr-defined]
    for comment_id in touched:
        made = actions(
            page.comments[comment_id],
            votes.get(comment_id, 0),
            comment_id in reported,
            comment_id in own,
            editable.get(comment_id),
            page.sort,
            page.after,
            "",
            "",
        )
        edits.append((page.slots[f"a{comment_id}"], _html(made)))
    if remembered is not None or awaiting:
        context = {
            **SHARED_CONTEXT,
            "story": page.story,
            "form": remembered or {},
            "remember": remembered is not None,
            "awaiting": awaiting,
        }
        made = ENV.get_template("_composer.html").render(context)
        edits.append((page.slots["f"], made.encode()))
    if not edits:
        return None
    edits.sort()
    parts, at = [], 0
    for (start, end), made_again in edits:
        parts += [page.body[at:start], made_again]
        at = end
    parts.append(page.body[at:])
    # The shared page's tag and what was made again in it name these bytes: hashing them is
    # a strong validator at a fraction of hashing the whole page.
    tag = hashlib.blake2b(page.etag.encode(), digest_size=12)
    for (start, _), made_again in edits:
        tag.update(b"%d:%d:" % (start, len(made_again)) + made_again)
    return OwnPage(b"".join(parts), f'"{tag.hexdigest()}"', page.body, page.pieces, edits)


def _html(made: str) -> bytes:
    """A macro's output as its template's render gives it (HtmlTemplate.render)."""
    return made.replace("`", "&#96;").encode()


def story_page_lane(
    db: Db, pages: PageCache, site: SiteCache, keys: Keys, edit_minutes: int
) -> Lane:
    """story_page when the page kept for the thread's current version and the site's
    settings is there: the shared page, or the reader's own made from it."""

    async def answer(
        match: re.Match[str], params: Params, asked: Headers
    ) -> SharedPage | OwnPage | None:
        found = dict(params)
        if len(found) != len(params) or not SHARED_PARAMS.issuperset(found):
            return None
        sort = found.get("sort", threads.DEFAULT_SORT)
        if sort not in SORT_LABELS:
            return None
        try:
            query = threads.ThreadQuery.parse(sort, found.get("after"))
        except Invalid:
            return None
        page = pages.find((match.group(1), query.sort, query.cursor))
        if not isinstance(page, StoryPage):
            return None
        current = await site.fresh()
        meta = await threads.version(db, page.story_id)
        if meta is None or not page.holds(meta[0], current.version, time.monotonic()):
            return None
        cookie = asked.get("cookie", "")
        if not has_personal(cookie):
            return page
        cookies = cookie_parser(cookie)
        own = await _own_page(db, page, cookies, asked.get(VOTER_HEADER), keys, edit_minutes)
        return own or page

    return Lane(re.compile(r"/stories/([^/]+)"), answer)


def _composer(request: Request, form: dict[str, str], preview: str | None) -> dict[str, Any]:
    """What the comment form shows: what the reader sent, or what they asked this browser
    to remember (never part of the shared thread rendering, which holds no form)."""
    if form:
        return {"form": form, "remember": bool(form.get("remember")), "preview": preview}
    remembered = commenter_of(request)
    return {"form": remembered or {}, "remember": remembered is not None, "preview": None}


Listing = threads.ThreadPage | replies.RepliesPage  # what a page shows


async def _marks(db: Db, thread: Listing, reader: Reader) -> tuple[dict[int, int], set[int]]:
    """The reader's votes and reports among the comments on this page."""
    return await threads.marks_of(db, list(thread.shown), reader.voter_id)


def _editable(thread: Listing, own: dict[int, str], edit_minutes: int) -> dict[int, datetime]:
    return _editable_among(
        {c: place.comment for c, place in thread.shown.items()}, own, edit_minutes
    )


def _editable_among(
    shown: Mapping[int, Mapping[str, Any]], own: Mapping[int, str], edit_minutes: int
) -> dict[int, datetime]:
    """The reader's own comments among these that they may still edit, each with the moment
    that time ends (the page says how long is left; the script takes the links away then)."""
    now = datetime.now(UTC)
    editable = {}
    for comment_id in own:
        comment = shown.get(comment_id)
        if comment is None or comment["status"] != CommentStatus.approved:
            continue
        ends = editing.window_ends(comment["created_at"], edit_minutes)
        if now < ends:
            editable[comment_id] = ends
    return editable


async def _replying(
    db: Db, story: dict[str, Any], parent_id: str | None, reply_to: int | None
) -> dict[str, Any] | None:
    """The comment the form answers, when it is one of this story's."""
    parent = whole_number(parent_id) if parent_id else reply_to
    if parent is None or not 0 < parent <= MAX_ID:
        return None
    replying = await threads.comment(db, parent)
    if replying is None or replying["story_slug"] != story["slug"]:
        return None
    return replying | {"excerpt": excerpt(replying["body_html"])}


EXCERPT_MAX = 280  # characters of the answered comment quoted above a reply


def excerpt(body_html: str, limit: int = EXCERPT_MAX) -> str:
    """A comment's text without its markup, cut at a word near ``limit`` characters."""
    # nh3 with no tags allowed keeps only the text (as HTML): unescaped, a plain str that the
    # template escapes where it shows it.
    text = " ".join(html.unescape(nh3.clean(body_html, tags=set())).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" .,;:") + "…"


@router.get("/stories/{slug}")
async def story_page(
    request: Request,
    db: Db,
    slug: str,
    sort: SortParam = threads.DEFAULT_SORT,
    after: Cursor = None,
    reply_to: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    story = await _story(db, slug)
    return await discussion_page(request, db, story, sort=sort, after=after, reply_to=reply_to)


@router.get("/stories/{slug}/thread")
async def thread_fragment(
    request: Request,
    db: Db,
    slug: str,
    sort: SortParam = threads.DEFAULT_SORT,
    after: Cursor = None,
) -> Response:
    """The next page of comments as an HTML fragment, for "Show more comments" in place."""
    story = await _story(db, slug)
    return await discussion_page(
        request, db, story, sort=sort, after=after, template="_thread_page.html"
    )


@router.get("/comments/{comment_id}/replies")
async def replies_page(
    request: Request,
    db: Db,
    settings: AppSettings,
    comment_id: CommentId,
    after: Cursor = None,
    at: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """A page of a top-level comment's replies, continuing where "Show N more replies" was
    (with JavaScript, the link loads them in place); ``at`` leads to where a reply shows."""
    if at is not None:
        place = await replies.find_reply(db, comment_id, at, max_depth=settings.thread_depth)
        # No fragment: the browser keeps the one it asked with (#c{at}, or #comments).
        return RedirectResponse(address(place), status_code=302)
    query = replies.RepliesQuery.parse(after)
    thread = await replies.replies_page(db, comment_id, query, max_depth=settings.thread_depth)
    own = own_tokens(request, keys_of(request))
    votes, reported = await _marks(db, thread, reader_of(request))
    context = {
        "story": thread.story,
        "comment": thread.comment,
        "thread": thread,
        "sort": threads.DEFAULT_SORT,
        "after": None,  # of the story page, which Reply links lead to
        "continued": query.cursor is not None,
        "reply_base": public.story_path(thread.story["slug"]),
        "back": await location(db, comment_id, placeholder=True),
        "my_votes": votes,
        "my_reports": reported,
        "own": set(own),
        "editable": _editable(thread, own, settings.edit_minutes),
    }
    return render_form(request, "replies.html", context)


# Posting ------------------------------------------------------------------------------------


@router.post("/stories/{slug}/comments")
async def post_comment_form(
    request: Request,
    db: Db,
    keys: AppKeys,
    slug: str,
    reader: CurrentReader,
) -> Response:
    """The comment form: redirect to the new comment, or show the page again with every
    field as typed and a message beside each wrong one, or with the preview the reader
    asked for (nothing stored). Ticked, "Remember me" keeps the name, e-mail and website
    for the next comment once one is posted; unticked, it forgets them."""
    story = await _story(db, slug)
    form = await read_form(request, COMPOSER_FIELDS)
    response = await _post_or_preview(request, db, keys, story, form, reader)
    if not form.get("remember"):
        forget_commenter(request, response)
    elif response.status_code == 303:
        remember_commenter(request, response, form)
    return response


COMPOSER_FIELDS = (*FORM_FIELDS, "preview", "remember")


async def _post_or_preview(
    request: Request,
    db: Db,
    keys: AppKeys,
    story: dict[str, Any],
    form: dict[str, str],
    reader: Reader,
) -> Response:

    async def again(errors: dict[str, str], status_code: int) -> Response:
        return await discussion_page(
            request, db, story, form=form, errors=errors, status_code=status_code
        )

    if not reader_form_ok(request, form.get(CSRF_FIELD)):
        return await again({"form": FORM_EXPIRED}, 403)
    if form.get("preview"):
        try:
            html = service.render_preview(form.get("body", ""))
        except Invalid as exc:
            return await again(exc.errors, 422)
        return await discussion_page(request, db, story, form=form, preview=html)
    try:
        comment = await service.post_comment(
            db,
            story["id"],
            form,
            keys=keys,
            reader=reader,
            events=events_of(request),
            limiter=limiter_of(request),
        )
    except Invalid as exc:
        return await again(exc.errors, 422)
    except StoryClosed:
        return await again(
            {"form": "Comments are closed on this story. Your text is still here to copy."}, 403
        )
    except Banned as exc:
        return await again({"form": f"{exc.detail} Your text is still here to copy."}, 403)
    except RateLimited as exc:
        message = f"{exc.detail}. Your comment is still here: send it again then."
        response = await again({"form": message}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Unavailable as exc:
        message = (
            "Your comment could not be saved just now. It is still here: "
            "please send it again in a moment."
        )
        response = await again({"form": message}, 503)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = RedirectResponse(await saved_at(db, story["slug"], comment), status_code=303)
    remember_own(request, response, keys, comment["edit_token"])
    return response


@router.get("/stories/{slug}/comments")
async def comments_anchor(slug: str) -> Response:
    """Where the form posts; reloading or sharing that address leads back to the story."""
    return RedirectResponse(f"{public.story_path(slug)}#comments", status_code=303)


@router.get("/comments/{comment_id}")
async def permalink(db: Db, comment_id: CommentId) -> Response:
    """A comment's permanent address: redirects to the page of the thread that shows it."""
    return RedirectResponse(await location(db, comment_id), status_code=302)


# Identicons ---------------------------------------------------------------------------------


@router.get("/avatars/{key}.svg")
async def avatar(key: str) -> Response:
    if not avatars.KEY.fullmatch(key):
        raise NotFound
    return Response(
        avatars.identicon(key),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
