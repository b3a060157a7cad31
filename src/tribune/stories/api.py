"""The staff stories API, for a newsroom's CMS: create, change and delete stories with a
staff API token (`Authorization: Bearer`), with the editor's own rules and messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from tribune.accounts.deps import token_with
from tribune.accounts.tokens import ApiCaller
from tribune.exceptions import Conflict, Invalid, NotAllowed, NotFound
from tribune.stories import editor
from tribune.stories.editor import FIELD_LABELS, By, Events, SaveConflict
from tribune.stories.schemas import StaffStory, StoryIn, StoryPatch
from tribune.vocabulary import StoryStatus, TokenScope
from tribune.web.deps import Db, StoryId, settings_of
from tribune.web.forms import read_json
from tribune.web.openapi import TOKEN_OR_STAFF, UNAVAILABLE, json_body, problems
from tribune.web.responses import Json

router = APIRouter(prefix="/api/v1", tags=["staff stories"])

StoriesToken = Annotated[ApiCaller, Depends(token_with(TokenScope.stories))]
JSON_FIELDS = {
    "title": str,
    "body": str,
    "lead": str,
    "slug": str,
    "tags": list,
    "source_url": str,
    "video_url": str,
    "correction": str,
    "comment_mode": str,
    "lead_image_id": int,
    "lead_image_alt": str,
}
WRITE_LIMIT = 1_000_000  # a story's text, as JSON


def _by(caller: ApiCaller) -> By:
    if caller.staff is not None:
        return By.member(caller.staff)
    name = caller.token.name if caller.token is not None else "?"
    return By(f"API token “{name}”")


def _events(request: Request) -> Events:
    events: Events = request.app.state.broker
    return events


def _fields(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The story fields of a JSON body, each of the type the contract says (a message naming
    the field otherwise); unknown names are refused so a typo is not silently ignored."""
    errors: dict[str, str] = {}
    known = {*JSON_FIELDS, "status", "publish_at", "revision"}
    for name in data:
        if name not in known:
            errors[name] = f"Unknown field “{name[:40]}”: the fields are {', '.join(JSON_FIELDS)}"
    values: dict[str, Any] = {}
    for name, kind in JSON_FIELDS.items():
        if name not in data:
            continue
        value = data[name]
        if value is None and name in ("lead_image_id", "source_url", "video_url"):
            values[name] = ""
        elif kind is list and isinstance(value, list) and all(isinstance(v, str) for v in value):
            values[name] = value
        elif kind is int and type(value) is int:
            values[name] = str(value)
        elif kind is str and isinstance(value, str):
            values[name] = value
        else:
            words = {str: "text", list: "a list of tag names", int: "a whole number"}[kind]
            errors[name] = f"{FIELD_LABELS.get(name, name).capitalize()} must be {words}"
    if creating:
        for name in ("title", "body"):
            if name not in data:
                errors.setdefault(name, f"Send the story's {name}")
    if errors:
        raise Invalid(editor.NOT_SAVED, errors)
    return values


def _status(data: dict[str, Any], default: StoryStatus | None) -> StoryStatus | None:
    value = data.get("status")
    if value is None:
        return default
    if not isinstance(value, str) or value not in frozenset(StoryStatus):
        raise Invalid(
            editor.NOT_SAVED,
            {"status": "Status must be draft, scheduled, published or unpublished"},
        )
    return StoryStatus(value)


def _publish_at(data: dict[str, Any]) -> datetime | None:
    value = data.get("publish_at")
    if value is None:
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment
    raise Invalid(
        editor.NOT_SAVED,
        {
            "publish_at": "publish_at must be an RFC 3339 time with its offset, like "
            "2026-12-24T09:00:00+01:00"
        },
    )


async def _shown(request: Request, db: Db, story_id: int) -> dict[str, Any]:
    found = await editor.story(db, story_id)
    if found is None:
        raise NotFound(f"There is no story {story_id}")
    return editor.staff_view(found, settings_of(request).base_url)


def _conflict(exc: SaveConflict) -> Conflict:
    refusal = Conflict(exc.detail)
    refusal.extra = {"revision": exc.current["revision"], "changed": exc.changed}
    return refusal


@router.post(
    "/stories",
    operation_id="create_story",
    status_code=201,
    response_model=StaffStory,
    responses={
        201: {"headers": {"Location": {"schema": {"type": "string"}}}},
        **problems(400, 401, 403, 409, 413, 415, 422, UNAVAILABLE),
    },
    openapi_extra=json_body(StoryIn) | {"security": TOKEN_OR_STAFF},
)
async def create_story(request: Request, db: Db, caller: StoriesToken) -> Response:
    """A new story (staff API token of scope `stories`). `status` `scheduled` needs
    `publish_at`; `409` when the slug is another story's."""
    data = await read_json(request, WRITE_LIMIT)
    values = _fields(data, creating=True)
    status = _status(data, StoryStatus.draft) or StoryStatus.draft
    story_id = await editor.create(
        db, values, status=status, publish_at=_publish_at(data), by=_by(caller)
    )
    shown = await _shown(request, db, story_id)
    return Json(shown, status_code=201, headers={"Location": f"/api/v1/stories/{story_id}"})


@router.patch(
    "/stories/{story_id}",
    operation_id="update_story",
    response_model=StaffStory,
    responses=problems(400, 401, 403, 404, 409, 413, 415, 422, UNAVAILABLE),
    openapi_extra=json_body(StoryPatch) | {"security": TOKEN_OR_STAFF},
)
async def update_story(
    request: Request, db: Db, caller: StoriesToken, story_id: StoryId
) -> Response:
    """Change any of the fields, or the status. With `revision` (as the story was read),
    a save made since answers `409` naming what changed, and nothing is written."""
    data = await read_json(request, WRITE_LIMIT)
    values = _fields(data, creating=False)
    revision = data.get("revision")
    if revision is not None and type(revision) is not int:
        raise Invalid(editor.NOT_SAVED, {"revision": "revision must be a whole number"})
    try:
        await editor.save(
            db,
            story_id,
            values,
            base_revision=revision,
            status=_status(data, None),
            publish_at=_publish_at(data),
            by=_by(caller),
            events=_events(request),
        )
    except SaveConflict as exc:
        raise _conflict(exc) from None
    return Json(await _shown(request, db, story_id))


@router.delete(
    "/stories/{story_id}",
    operation_id="delete_story",
    status_code=204,
    responses=problems(401, 403, 404, 409, 422, UNAVAILABLE),
    openapi_extra={"security": TOKEN_OR_STAFF},
)
async def delete_story(
    request: Request,
    db: Db,
    caller: StoriesToken,
    story_id: StoryId,
    with_comments: Annotated[bool, Query(description="Delete its comments too")] = False,
) -> Response:
    """Delete a story. One with comments answers `409` unless `with_comments=true`."""
    try:
        await editor.delete(
            db, story_id, with_comments=with_comments, by=_by(caller), events=_events(request)
        )
    except NotAllowed as exc:
        raise Conflict(exc.detail) from None
    return Response(status_code=204)
