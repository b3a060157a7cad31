"""Story images on the web: each rendition served under its digest (/media/{digest}.webp),
and the staff upload the story editor's JavaScript calls (POST /admin/images)."""

from __future__ import annotations

from collections import OrderedDict

from fastapi import APIRouter, Request
from starlette.responses import Response

from tribune.accounts.deps import check_form, current_staff
from tribune.exceptions import NotFound
from tribune.jsonformat import dumps
from tribune.stories import images
from tribune.vocabulary import Permission
from tribune.web.deps import Db
from tribune.web.errors import ProblemError, problem
from tribune.web.forms import read_upload_form
from tribune.web.security import CSRF_FIELD

router = APIRouter(include_in_schema=False)

IMMUTABLE = "public, max-age=31536000, immutable"
# The upload's form may be twice the image limit, so that a file somewhat too large is
# measured and refused with its size; beyond that the body is not read at all.
FORM_LIMIT = 2 * images.MAX_BYTES + 64_000
FAR_TOO_LARGE = (
    f"This image is more than {2 * images.MAX_BYTES // 1_000_000} MB; "
    f"the limit is {images.MAX_BYTES // 1_000_000} MB."
)
NOT_STORED = "The image was not stored"
ALT_MAX = 300  # stories.lead_image_alt's length

# Renditions never change under their digest: each worker keeps the most recently served.
_kept: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
KEPT_BYTES = 16_000_000
_kept_size = 0


def _keep(digest: str, found: tuple[str, bytes]) -> None:
    global _kept_size
    _kept[digest] = found
    _kept_size += len(found[1])
    while _kept_size > KEPT_BYTES and len(_kept) > 1:
        _, (_, dropped) = _kept.popitem(last=False)
        _kept_size -= len(dropped)


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether If-None-Match names this entity tag (weak comparison, as RFC 9110 asks)."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


@router.get("/media/{rendition}.webp")
async def media(request: Request, db: Db, rendition: str) -> Response:
    """A rendition of an uploaded image: cacheable forever, its digest its entity tag."""
    digest = rendition
    found = _kept.get(digest)
    if found is None:
        found = await images.rendition(db, digest)
        if found is None:
            raise NotFound
        _keep(digest, found)
    else:
        _kept.move_to_end(digest)
    etag = f'"{digest}"'
    headers = {"Cache-Control": IMMUTABLE, "ETag": etag}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    media_type, body = found
    return Response(body, media_type=media_type, headers=headers)


def _markdown_alt(alt: str) -> str:
    """Alt text as Markdown's image label takes it: one line, brackets and backslashes
    escaped."""
    flat = " ".join(alt.split())
    return "".join("\\" + c if c in "\\[]" else c for c in flat)


@router.post("/admin/images")
async def upload_image(request: Request, db: Db) -> Response:
    """Store an image for a story (editors, admins): multipart form with the file in ``image``
    (and optional ``alt``) → 201 JSON ``{"id", "src", "srcset", "width", "height",
    "markdown"}``, or a problem naming ``image``. Always JSON: the editor's script reads it."""
    member = await current_staff(request)
    if member is None:
        return problem(401, "Sign in as staff at /admin/login first")
    if not member.can(Permission.publish):
        return problem(403, f"A {member.role} may not upload images")
    try:
        form, upload = await read_upload_form(
            request,
            limit=FORM_LIMIT,
            fields=(CSRF_FIELD, "alt"),
            file_field="image",
            too_large=FAR_TOO_LARGE,
        )
        check_form(request, form)
    except ProblemError as exc:
        return problem(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)
    if not upload:
        return problem(422, NOT_STORED, errors={"image": images.NO_FILE})
    try:
        processed = await images.process_in_thread(upload)
    except images.ImageRefused as exc:
        return problem(422, NOT_STORED, errors={"image": str(exc)})
    image_id = await images.store(db, processed, member.id)
    view = (await images.renditions(db, [image_id]))[image_id]
    alt = form.get("alt", "")[:ALT_MAX]
    body = {
        "id": image_id,
        "src": view.src,
        "srcset": view.srcset,
        "width": view.width,
        "height": view.height,
        "markdown": f"![{_markdown_alt(alt)}]({view.src})",
    }
    return Response(
        dumps(body),
        201,
        media_type="application/json",
        headers={"Location": view.src, "Cache-Control": "no-store"},
    )
