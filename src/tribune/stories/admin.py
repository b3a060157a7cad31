"""The story editor's staff pages (/admin/stories...): the list, the new and edit forms,
preview, revisions with compare and restore, and delete. Every page works without
JavaScript; editor.js adds the live preview beside the form."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from tribune.accounts.deps import Editor, Publisher, check_form, staff_page
from tribune.accounts.service import Staff
from tribune.exceptions import Conflict, Invalid, NotAllowed, NotFound
from tribune.fields import whole_number
from tribune.stories import editor, images
from tribune.stories.editor import FIELD_LABELS, By, Content, Events, SaveConflict
from tribune.vocabulary import CommentMode, StoryStatus
from tribune.web.deps import MAX_ID, Db
from tribune.web.forms import read_form_data
from tribune.web.security import CSRF_FIELD, FRAMED_BY_SELF, csrf_ok
from tribune.web.templating import render_form

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
PAGE = 50
FORM_LIMIT = 12 * 1_000_000  # the story's text and a lead image of at most 10 MB
TOO_LARGE = (
    "The form is over 12 MB: a lead image can be at most 10 MB. Please choose a smaller one."
)
FORM_EXPIRED = "This form had expired: your changes are still here, save them again."
ACTIONS = {
    "draft": StoryStatus.draft,
    "publish": StoryStatus.published,
    "schedule": StoryStatus.scheduled,
    "unpublish": StoryStatus.unpublished,
    "save": None,
}
STATES = tuple(StoryStatus)


def _events(request: Request) -> Events:
    """The live broker (not live.deps: the live package reads stories, not the reverse)."""
    events: Events = request.app.state.broker
    return events


# The list --------------------------------------------------------------------------------------


@router.get("/admin/stories")
async def story_list(
    request: Request,
    db: Db,
    member: Editor,
    status: Annotated[str | None, Query(max_length=20)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Every story with its state, bylines, dates and comment count; filter and find."""
    state = StoryStatus(status) if status in frozenset(StoryStatus) else None
    found = await editor.listing(
        db, status=state, tag=tag or None, title=q or None, offset=(page - 1) * PAGE, limit=PAGE + 1
    )
    shown = {"status": state or "", "tag": tag or "", "q": q or ""}
    following = None
    if len(found) > PAGE:
        following = "?" + urlencode({**{k: v for k, v in shown.items() if v}, "page": page + 1})
    return staff_page(
        request,
        "admin_stories.html",
        {
            "stories": found[:PAGE],
            "states": STATES,
            "modes": tuple(CommentMode),
            "shown": shown,
            "next_page": following,
            "done": request.query_params.get("done", ""),
        },
    )


# The form --------------------------------------------------------------------------------------


def _when(values: dict[str, str]) -> tuple[datetime | None, str | None]:
    """The publishing time typed in the form (a datetime-local, in the zone the browser
    reports through ``tz_offset`` minutes, UTC without JavaScript)."""
    text = values.get("publish_at", "").strip()
    if not text:
        return None, None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None, "Please give the time to publish as a date and a time, like 2026-12-24 09:00."
    if moment.tzinfo is None:
        offset = whole_number(values.get("tz_offset", "").lstrip("-")) or 0
        sign = -1 if values.get("tz_offset", "").startswith("-") else 1
        if offset > 16 * 60:
            offset = 0
        # JavaScript's getTimezoneOffset(): minutes to add to local time to reach UTC.
        moment = moment.replace(tzinfo=UTC) + timedelta(minutes=sign * offset)
    return moment.astimezone(UTC), None


def _values(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """The form's fields; bylines are a multiple choice."""
    values: dict[str, Any] = {}
    for key, value in pairs:
        if key == "authors":
            values.setdefault("authors", []).append(value)
        else:
            values[key] = value
    return values


async def _take_upload(
    db: Db, member: Staff, values: dict[str, Any], uploads: dict[str, bytes]
) -> dict[str, str]:
    """The lead image chosen in the form, stored (re-encoded) and named in the form's values,
    so that it stays chosen if the save is refused for another field; or its refusal."""
    if values.get("remove_lead_image") == "yes":
        values["lead_image_id"], values["lead_image_alt"] = "", ""
    data = uploads.get("lead_image")
    if not data:
        return {}
    try:
        processed = await images.process_in_thread(data)
    except images.ImageRefused as exc:
        return {"lead_image": str(exc)}
    values["lead_image_id"] = str(await images.store(db, processed, member.id))
    return {}


async def _form_page(
    request: Request,
    db: Db,
    *,
    story: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    conflict: SaveConflict | None = None,
    notice: str = "",
) -> Response:
    people = await editor.people(db)
    image_id = whole_number(str(values.get("lead_image_id") or ""))
    shown = await images.renditions(db, [image_id]) if image_id else {}
    return staff_page(
        request,
        "admin_edit.html",
        {
            "story": story,
            "values": values,
            "errors": errors,
            "people": people,
            "modes": tuple(CommentMode),
            "conflict": conflict,
            "conflict_fields": [FIELD_LABELS[name] for name in conflict.changed]
            if conflict
            else [],
            "notice": notice,
            "lead_image": shown.get(image_id) if image_id else None,
        },
        status_code=status_code,
    )


def _content_values(content: Content) -> dict[str, Any]:
    """The form's fields as the content fills them (text, and the chosen bylines' ids)."""
    values = content.as_dict()
    values["tags"] = ", ".join(content.tags)
    values["authors"] = [str(i) for i in content.authors]
    return values


def _form_values(story: dict[str, Any]) -> dict[str, Any]:
    values = _content_values(story["content"])
    values["revision"] = str(story["revision"])
    values["publish_at"] = (
        story["publish_at"].strftime("%Y-%m-%dT%H:%M") if story.get("publish_at") else ""
    )
    return values


# Preview ---------------------------------------------------------------------------------------


@router.post("/admin/stories/preview")
async def preview(request: Request, db: Db, member: Publisher) -> Response:
    """The story as readers will see it, from the form as it stands (nothing is saved)."""
    pairs, _uploads = await read_form_data(request, FORM_LIMIT, ("lead_image",))
    values = _values(pairs)
    check_form(request, values)
    shown = await editor.preview(db, values)
    response = render_form(
        request,
        "story.html",
        {
            "story": shown,
            "story_preview": True,
            "thread": {"total": 0},
            "thread_html": '<p class="meta">Comments will appear here.</p>',
            "form": {},
            "errors": {},
            "awaiting": [],
            "replying": None,
            "remember": False,
        },
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers.update(FRAMED_BY_SELF)  # the editor shows it in a frame beside the form
    return response


@router.get("/admin/stories/new")
async def new_story(request: Request, db: Db, member: Publisher) -> Response:
    values = _content_values(Content(authors=[member.id]))
    return await _form_page(request, db, story=None, values=values, errors={})


@router.post("/admin/stories/new")
async def create_story(request: Request, db: Db, member: Publisher) -> Response:
    pairs, uploads = await read_form_data(request, FORM_LIMIT, ("lead_image",), too_large=TOO_LARGE)
    values = _values(pairs)
    values.setdefault("authors", [])
    if not csrf_ok(request, values.get(CSRF_FIELD)):
        return await _form_page(
            request, db, story=None, values=values, errors={"form": FORM_EXPIRED}, status_code=403
        )
    status = ACTIONS.get(values.get("action", "draft")) or StoryStatus.draft
    publish_at, bad_time = _when(values)
    refused = await _take_upload(db, member, values, uploads)
    try:
        if bad_time:
            refused["publish_at"] = bad_time
        if refused:  # with every other field's message too
            raise Invalid(editor.NOT_SAVED, {**editor.check(values)[1], **refused})
        story_id = await editor.create(
            db, values, status=status, publish_at=publish_at, by=By.member(member)
        )
    except (Invalid, Conflict) as exc:
        return await _form_page(
            request, db, story=None, values=values, errors=dict(exc.errors), status_code=422
        )
    return RedirectResponse(f"/admin/stories/{story_id}?done={status}", 303)


async def _story_or_404(db: Db, story_id: int) -> dict[str, Any]:
    story = await editor.story(db, story_id)
    if story is None:
        raise NotFound(f"There is no story {story_id}")
    return story


DONE = {
    "draft": "Saved as a draft.",
    "scheduled": "Scheduled: it publishes by itself at its time.",
    "published": "Published: readers see it now.",
    "unpublished": "Unpublished: readers no longer see it.",
    "saved": "Saved.",
    "restored": "Restored: the earlier revision is the story again (as a new revision).",
}


@router.get("/admin/stories/{story_id}")
async def edit_story(request: Request, db: Db, member: Publisher, story_id: Id) -> Response:
    story = await _story_or_404(db, story_id)
    notice = DONE.get(request.query_params.get("done", ""), "")
    return await _form_page(
        request, db, story=story, values=_form_values(story), errors={}, notice=notice
    )


@router.post("/admin/stories/{story_id}")
async def save_story(request: Request, db: Db, member: Publisher, story_id: Id) -> Response:
    story = await _story_or_404(db, story_id)
    pairs, uploads = await read_form_data(request, FORM_LIMIT, ("lead_image",), too_large=TOO_LARGE)
    values = _values(pairs)
    values.setdefault("authors", [])
    if not csrf_ok(request, values.get(CSRF_FIELD)):
        return await _form_page(
            request, db, story=story, values=values, errors={"form": FORM_EXPIRED}, status_code=403
        )
    action = values.get("action", "save")
    status = ACTIONS.get(action)
    publish_at, bad_time = _when(values)
    base = whole_number(values.get("revision", "")) or 0
    refused = await _take_upload(db, member, values, uploads)
    try:
        if bad_time:
            refused["publish_at"] = bad_time
        if refused:  # with every other field's message too
            raise Invalid(editor.NOT_SAVED, {**editor.check(values)[1], **refused})
        await editor.save(
            db,
            story_id,
            {k: v for k, v in values.items() if k in FIELD_LABELS},
            base_revision=base,
            status=status,
            publish_at=publish_at,
            by=By.member(member),
            events=_events(request),
        )
    except SaveConflict as exc:
        # What they typed stays in the form; saving again now overwrites knowingly.
        values["revision"] = str(exc.current["revision"])
        return await _form_page(
            request,
            db,
            story=await _story_or_404(db, story_id),
            values=values,
            errors={},
            conflict=exc,
            status_code=409,
        )
    except (Invalid, Conflict) as exc:
        return await _form_page(
            request, db, story=story, values=values, errors=dict(exc.errors), status_code=422
        )
    return RedirectResponse(f"/admin/stories/{story_id}?done={status or 'saved'}", 303)


# Revisions -------------------------------------------------------------------------------------


@router.get("/admin/stories/{story_id}/revisions")
async def revisions(request: Request, db: Db, member: Publisher, story_id: Id) -> Response:
    story = await _story_or_404(db, story_id)
    return staff_page(
        request,
        "admin_revisions.html",
        {"story": story, "revisions": await editor.revisions(db, story_id)},
    )


def _diff(before: Content, after: Content) -> list[dict[str, Any]]:
    """Per changed field, its lines marked removed, added or kept."""
    old, new = before.as_dict(), after.as_dict()
    changes = []
    for name, label in FIELD_LABELS.items():
        if old[name] == new[name]:
            continue
        a, b = (_lines(old[name]), _lines(new[name]))
        rows = []
        for line in difflib.ndiff(a, b):
            mark, text = line[:1], line[2:]
            if mark in "+- ":
                kind = {"+": "added", "-": "removed", " ": "kept"}[mark]
                rows.append({"kind": kind, "text": text})
        changes.append({"field": label, "rows": rows})
    return changes


def _lines(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value if value is not None else "").split("\n")


@router.get("/admin/stories/{story_id}/compare")
async def compare(
    request: Request,
    db: Db,
    member: Publisher,
    story_id: Id,
    a: Annotated[int, Query(ge=1, le=1_000_000)],
    b: Annotated[int, Query(ge=1, le=1_000_000)],
) -> Response:
    story = await _story_or_404(db, story_id)
    older, newer = sorted((a, b))
    first = await editor.revision(db, story_id, older)
    second = await editor.revision(db, story_id, newer)
    if first is None or second is None:
        raise NotFound(f"Story {story_id} has no revision {older if first is None else newer}")
    changes = _diff(first["content"], second["content"])
    people = {p["id"]: p["name"] for p in await editor.people(db)}
    for change in changes:
        if change["field"] == FIELD_LABELS["authors"]:
            for row in change["rows"]:
                row["text"] = people.get(int(row["text"]), f"staff member {row['text']}")
    return staff_page(
        request,
        "admin_compare.html",
        {"story": story, "first": first, "second": second, "changes": changes},
    )


@router.post("/admin/stories/{story_id}/revisions/{number}/restore")
async def restore(
    request: Request,
    db: Db,
    member: Publisher,
    story_id: Id,
    number: Annotated[int, Path(ge=1, le=1_000_000)],
) -> Response:
    pairs, _ = await read_form_data(request, 10_000)
    values = dict(pairs)
    check_form(request, values)
    base = whole_number(values.get("revision", "")) or 0
    try:
        await editor.restore(db, story_id, number, by=By.member(member), base_revision=base)
    except SaveConflict:
        return RedirectResponse(f"/admin/stories/{story_id}/revisions?conflict=1", 303)
    except (Invalid, Conflict) as exc:
        story = await _story_or_404(db, story_id)
        return staff_page(
            request,
            "admin_revisions.html",
            {
                "story": story,
                "revisions": await editor.revisions(db, story_id),
                "problem": " ".join(exc.errors.values()) or exc.detail,
            },
            status_code=422,
        )
    return RedirectResponse(f"/admin/stories/{story_id}?done=restored", 303)


# Delete ----------------------------------------------------------------------------------------


@router.get("/admin/stories/{story_id}/delete")
async def delete_page(request: Request, db: Db, member: Publisher, story_id: Id) -> Response:
    story = await _story_or_404(db, story_id)
    total = await editor.comment_total(db, story_id)
    return staff_page(request, "admin_delete.html", {"story": story, "total": total})


@router.post("/admin/stories/{story_id}/delete")
async def delete_story(request: Request, db: Db, member: Publisher, story_id: Id) -> Response:
    story = await _story_or_404(db, story_id)
    pairs, _ = await read_form_data(request, 10_000)
    values = dict(pairs)
    check_form(request, values)
    try:
        await editor.delete(
            db,
            story_id,
            with_comments=values.get("with_comments") == "yes",
            by=By.member(member),
            events=_events(request),
        )
    except NotAllowed as exc:
        total = await editor.comment_total(db, story_id)
        return staff_page(
            request,
            "admin_delete.html",
            {"story": story, "total": total, "problem": exc.detail},
            status_code=409,
        )
    return RedirectResponse("/admin/stories?done=deleted", 303)
