"""The import upload page (/admin/imports, admins): an archive uploaded here is imported in the
background (importers/jobs.py) and followed on its own page."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response
from starlette.types import Message

from tribune.accounts.deps import staff_page, staff_with
from tribune.accounts.service import Staff
from tribune.exceptions import Invalid
from tribune.fields import whole_number
from tribune.importers import jobs
from tribune.importers.service import KINDS
from tribune.vocabulary import Permission
from tribune.web.deps import MAX_ID, Db, settings_of
from tribune.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)

Importer = Annotated[Staff, Depends(staff_with(Permission.imports))]
FIELDS = ("kind", "dry_run", "site")
FORM_EXPIRED = "This form had expired: choose the file again and send it."
NO_FILE = "Choose the file to import"


class _TooLarge(Exception):
    pass


def _imports_of(request: Request) -> jobs.Imports:
    imports: jobs.Imports = request.app.state.imports
    return imports


async def _page(
    request: Request,
    db: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    limit = settings_of(request).import_upload_mb
    return staff_page(
        request,
        "imports.html",
        {
            "values": values,
            "errors": errors,
            "kinds": KINDS,
            "imports": await jobs.recent(db),
            "limit": f"{limit / 1024:g} GB" if limit >= 1024 else f"{limit} MB",
        },
        status_code=status_code,
    )


@router.get("/admin/imports")
async def imports_page(request: Request, db: Db, member: Importer) -> Response:
    return await _page(request, db, {"kind": "auto"}, {})


async def _receive(request: Request, limit: int) -> tuple[dict[str, str], Path | None]:
    """The form's fields, and the file written to a temporary file of its own (None when
    none was chosen), read as it arrives: a large upload is never held in memory."""
    declared = request.headers.get("content-length")
    if declared and (size := whole_number(declared)) is not None and size > limit:
        raise _TooLarge
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise _TooLarge
        return message

    fields: dict[str, str] = {}
    kept: Path | None = None
    try:
        async with Request(request.scope, counted).form(max_files=1, max_fields=10) as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if key == "file" and value.filename and kept is None:
                        # Shown, never a path (a browser may send C:\\...\\name).
                        fields["filename"] = re.split(r"[\\/]", value.filename)[-1] or "upload"
                        kept = await asyncio.to_thread(_keep, value)
                elif key in (*FIELDS, CSRF_FIELD):
                    fields[key] = value
    except (ValueError, KeyError, AssertionError):
        if kept:
            kept.unlink(missing_ok=True)
        raise Invalid("The form data is not valid", {"file": NO_FILE}) from None
    except BaseException:
        if kept:
            kept.unlink(missing_ok=True)
        raise
    return fields, kept


def _keep(upload: UploadFile) -> Path:
    """The upload's bytes in a file the import owns (the form's own goes with the request)."""
    upload.file.seek(0)
    with tempfile.NamedTemporaryFile(prefix="tribune-import-", delete=False) as kept:
        shutil.copyfileobj(upload.file, kept, 1024 * 1024)
    return Path(kept.name)


@router.post("/admin/imports")
async def upload(request: Request, db: Db, member: Importer) -> Response:
    limit_mb = settings_of(request).import_upload_mb
    try:
        form, path = await _receive(request, limit_mb * 1024 * 1024)
    except _TooLarge:
        words = f"The file is too large: the upload page takes at most {limit_mb:,} MB"
        return await _page(request, db, {"kind": "auto"}, {"file": words}, 413)
    except Invalid as exc:
        return await _page(request, db, {"kind": "auto"}, dict(exc.errors), 400)
    values = {key: form.get(key, "") for key in FIELDS}
    values["kind"] = values["kind"] or "auto"
    handed = False  # to the import, which removes the file when it is done
    try:
        if not csrf_ok(request, form.get(CSRF_FIELD)):
            return await _page(request, db, values, {"form": FORM_EXPIRED}, 403)
        if path is None:
            return await _page(request, db, values, {"file": NO_FILE}, 422)
        dry_run = bool(values["dry_run"])
        site = values["site"].strip()
        kind = await asyncio.to_thread(
            jobs.choose_kind, path, values["kind"], dry_run=dry_run, site=site
        )
        import_id = await _imports_of(request).start(
            path,
            kind=kind,
            filename=form.get("filename", "upload"),
            dry_run=dry_run,
            site=site,
            by=member,
        )
        handed = True
    except Invalid as exc:
        return await _page(request, db, values, dict(exc.errors), 422)
    finally:
        if path is not None and not handed:
            path.unlink(missing_ok=True)
    return RedirectResponse(f"/admin/imports/{import_id}", 303)


@router.get("/admin/imports/{import_id}")
async def import_page(
    request: Request,
    db: Db,
    member: Importer,
    import_id: Annotated[int, PathParam(ge=1, le=MAX_ID)],
) -> Response:
    found = await jobs.one(db, import_id)
    return staff_page(request, "import.html", {"job": found})
