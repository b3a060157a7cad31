"""The site settings page (/admin/site, admins), the accent stylesheet and the logo, and the
middleware that keeps each worker's copy of the settings fresh."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tribune.accounts.deps import staff_page, staff_with
from tribune.accounts.service import Staff
from tribune.branding import service
from tribune.branding.logo import MAX_BYTES
from tribune.exceptions import Invalid, NotFound
from tribune.identity import SiteCache
from tribune.vocabulary import Permission
from tribune.web.deps import Db, site_cache_of
from tribune.web.forms import read_upload_form
from tribune.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)

SiteKeeper = Annotated[Staff, Depends(staff_with(Permission.site))]
FORM_LIMIT = MAX_BYTES * 4  # the whole form: a logo too large is refused with a message
FORM_EXPIRED = "This form had expired: your changes are still here, save them again."
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
DIGEST = re.compile(r"[0-9a-f]{64}")
SHORT_DIGEST = re.compile(r"[0-9a-f]{16}")


def _page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return staff_page(
        request,
        "site_admin.html",
        {
            "values": values,
            "errors": errors,
            "saved_site": site_cache_of(request).current,
            "logo_limit": f"{MAX_BYTES / 1_000_000:.0f} MB",
        },
        status_code=status_code,
    )


@router.get("/admin/site")
async def site_page(request: Request, member: SiteKeeper) -> Response:
    site = await site_cache_of(request).reload()
    return _page(request, service.form_values(site), {})


async def _read_form(request: Request) -> tuple[dict[str, str], bytes | None]:
    """The form's text fields and the logo's bytes (None when no file was chosen)."""
    return await read_upload_form(
        request,
        limit=FORM_LIMIT,
        fields=(*service.FIELDS, CSRF_FIELD),
        file_field="logo",
        too_large="The form is too large: the logo can be at most 1 MB",
    )


@router.post("/admin/site")
async def save_site(request: Request, db: Db, member: SiteKeeper) -> Response:
    form, upload = await _read_form(request)
    values = {key: form.get(key, "") for key in service.FIELDS}
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return _page(request, values, {"form": FORM_EXPIRED}, status_code=403)
    try:
        await service.save_site(db, site_cache_of(request), form, upload, by=member)
    except Invalid as exc:
        return _page(request, values, dict(exc.errors), status_code=422)
    return RedirectResponse("/admin/site?saved=1", 303)


@router.get("/site/{sheet}.css")
async def site_stylesheet(request: Request, sheet: str) -> Response:
    """The accent colour as CSS custom properties, under its content's digest."""
    cache = site_cache_of(request)
    if not SHORT_DIGEST.fullmatch(sheet):
        raise NotFound
    expected = f"/site/{sheet}.css"
    if cache.current.stylesheet_url != expected:
        await cache.recheck()
    site = cache.current
    if site.stylesheet_url != expected:
        raise NotFound
    return Response(site.stylesheet, media_type="text/css; charset=utf-8", headers=IMMUTABLE)


# A logo is immutable under its digest: a worker keeps the one in use.
_logos: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
LOGOS_KEPT = 2


@router.get("/site/logo/{logo}")
async def site_logo(request: Request, db: Db, logo: str) -> Response:
    """The logo in use, under its digest (no other: a removed logo is not served)."""
    cache = site_cache_of(request)
    digest = logo
    if not DIGEST.fullmatch(digest):
        raise NotFound
    if cache.current.logo is None or cache.current.logo.digest != digest:
        await cache.recheck()
    in_use = cache.current.logo
    if in_use is None or in_use.digest != digest:
        raise NotFound
    found = _logos.get(digest)
    if found is None:
        found = await service.stored_logo(db, digest)
        if found is None:
            raise NotFound
        _logos[digest] = found
        while len(_logos) > LOGOS_KEPT:
            _logos.popitem(last=False)
    media_type, body = found
    return Response(body, media_type=media_type, headers=IMMUTABLE)


class SiteFresh:
    """Reads the site settings again, before a page is answered, once the worker's copy is
    SITE_SECONDS old: one query per worker every few seconds, none per request."""

    SKIPPED = ("/api/", "/static/", "/healthz", "/readyz", "/site/logo/", "/media/")

    def __init__(self, app: ASGIApp, cache: SiteCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and self.cache.stale()
            and not str(scope["path"]).startswith(self.SKIPPED)
        ):
            await self.cache.reload()
        await self.app(scope, receive, send)
