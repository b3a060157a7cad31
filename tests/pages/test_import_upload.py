"""The import upload page (/admin/imports): an admin uploads an archive, it is imported in the
background by the same importer `tribune import` runs, and its page shows its progress and
summary from the imports table (any instance can answer it)."""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import func, insert, select

from tests.archives import write_export
from tests.helpers import client_at, csrf_of
from tribune.app import create_app
from tribune.importers import jobs
from tribune.settings import Settings
from tribune.storage.tables import audit_log, comments, imports, stories

pytestmark = pytest.mark.anyio
DATA = Path(__file__).parents[1] / "data"
BLOG = DATA / "wxr" / "blog.xml"


async def counts(app: Any) -> tuple[int, int]:
    async with app.state.db.read() as conn:
        found = [
            int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
            for table in (stories, comments)
        ]
    return found[0], found[1]


def leftovers() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("tribune-import-*"))


async def upload(
    admin: httpx.AsyncClient,
    name: str,
    content: bytes,
    *,
    csrf: bool = True,
    **fields: str,
) -> httpx.Response:
    data = {"kind": "auto", **fields}
    if csrf:
        data["csrf_token"] = await csrf_of(admin, "/admin/imports")
    files = {"file": (name, content, "application/octet-stream")}
    return await admin.post("/admin/imports", data=data, files=files)


async def finished(app: Any, admin: httpx.AsyncClient, answer: httpx.Response) -> str:
    """The import's page once the import the answer started is over."""
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    import_id = int(location.rsplit("/", 1)[1])
    await app.state.imports.wait(import_id)
    page = await admin.get(location)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    return page.text


async def test_an_uploaded_wordpress_export_is_imported_and_summed_up(
    app: Any, admin: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    before = leftovers()
    page = await finished(app, admin, await upload(admin, "blog.xml", BLOG.read_bytes()))
    assert "<h2>Imported</h2>" in page
    assert "Imported 2 stories with 5 comments: 2 new stories, 0 existing ones, 5 new comments" in (
        page
    )
    assert "1 pingbacks and trackbacks" in page
    assert "A WordPress export" in page  # recognised from its content
    assert await counts(app) == (2, 5)
    thread = await reader.get("/stories/council-votes-to-rebuild-the-old-pier")
    assert "Finally! My grandfather fished from that pier." in thread.text
    assert leftovers() == before  # the uploaded copy is removed once imported
    listing = (await admin.get("/admin/imports")).text
    assert "blog.xml" in listing and "Imported" in listing
    async with app.state.db.read() as conn:
        entry = (
            (await conn.execute(select(audit_log).where(audit_log.c.action == "import.start")))
            .mappings()
            .one()
        )
    assert entry["detail"] == {"kind": "wxr", "dry_run": False, "file": "blog.xml"}
    audit = (await admin.get("/admin/audit")).text
    assert "Started an import" in audit and "blog.xml, as wxr" in audit

    # The same file again adds nothing, and says so.
    again = await finished(app, admin, await upload(admin, "blog.xml", BLOG.read_bytes()))
    assert "0 new stories, 2 existing ones, 0 new comments (5 already there)" in again
    assert await counts(app) == (2, 5)


async def test_only_checking_stores_nothing(app: Any, admin: httpx.AsyncClient) -> None:
    answer = await upload(
        admin, "export.xml", (DATA / "disqus" / "export.xml").read_bytes(), dry_run="1"
    )
    page = await finished(app, admin, answer)
    assert "<h2>Checked</h2>" in page
    assert "Recognised a Disqus export:" in page and "Dry run: nothing was stored" in page
    assert await counts(app) == (0, 0)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("truncated.xml", "the XML is malformed or cut short"),
        ("entity-bomb.xml", "declares XML entities"),
    ],
)
async def test_a_broken_file_fails_with_its_reason_and_stores_nothing(
    app: Any, admin: httpx.AsyncClient, name: str, words: str
) -> None:
    page = await finished(app, admin, await upload(admin, name, (DATA / "wxr" / name).read_bytes()))
    assert "<h2>Not imported</h2>" in page
    assert words in page and "Nothing of this file was stored" in page
    assert "Traceback" not in page
    assert await counts(app) == (0, 0)


async def test_a_file_of_no_known_kind_is_refused_naming_the_field(
    app: Any, admin: httpx.AsyncClient
) -> None:
    before = leftovers()
    answer = await upload(admin, "data.bin", b"\x00\x01\x02 not an archive")
    assert answer.status_code == 422
    assert 'href="#f-file"' in answer.text and "This file is not one Tribune imports" in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert leftovers() == before
    async with app.state.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(imports))).scalar_one() == 0


async def test_refusals_say_which_field(app: Any, admin: httpx.AsyncClient) -> None:
    no_file = await admin.post(
        "/admin/imports",
        data={"csrf_token": await csrf_of(admin, "/admin/imports"), "kind": "auto"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert no_file.status_code == 422 and "Choose the file to import" in no_file.text
    page_dry = await upload(
        admin, "story.txt", (DATA / "twelve-comments.txt").read_bytes(), dry_run="1"
    )
    assert page_dry.status_code == 422 and "A page dump is imported as it is read" in page_dry.text
    assert "checked" in page_dry.text  # what was chosen stays chosen
    wrong_site = await upload(admin, "blog.xml", BLOG.read_bytes(), site="https://blog.example")
    assert wrong_site.status_code == 422 and 'href="#f-site"' in wrong_site.text
    wrong_kind = await upload(admin, "blog.xml", BLOG.read_bytes(), kind="mystery")
    assert wrong_kind.status_code == 422 and 'href="#f-kind"' in wrong_kind.text
    assert await counts(app) == (0, 0)


async def test_a_page_dump_uploads_too(app: Any, admin: httpx.AsyncClient) -> None:
    page = await finished(
        app, admin, await upload(admin, "story.txt", (DATA / "twelve-comments.txt").read_bytes())
    )
    assert "A plain-text page dump" in page
    assert re.search(r"1 new stories, 0 existing ones, 12 new comments", page), page
    assert await counts(app) == (1, 12)


async def test_without_the_form_token_nothing_is_kept(app: Any, admin: httpx.AsyncClient) -> None:
    before = leftovers()
    answer = await upload(admin, "blog.xml", BLOG.read_bytes(), csrf=False)
    assert answer.status_code == 403
    assert "This form had expired" in answer.text
    assert leftovers() == before
    assert await counts(app) == (0, 0)


async def test_only_admins_import(
    app: Any,
    moderator: httpx.AsyncClient,
    editor: httpx.AsyncClient,
    reader: httpx.AsyncClient,
) -> None:
    for staff in (moderator, editor):
        assert (await staff.get("/admin/imports")).status_code == 403
        refused = await staff.post(
            "/admin/imports", files={"file": ("blog.xml", BLOG.read_bytes(), "text/xml")}
        )
        assert refused.status_code == 403
        assert "Imports" not in (await staff.get("/admin/moderation")).text.split("</nav>")[0]
    anonymous = await reader.get("/admin/imports")
    assert anonymous.status_code in (303, 401) or "Sign in" in anonymous.text
    assert await counts(app) == (0, 0)


async def test_a_file_over_the_limit_is_refused_while_it_arrives(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"import_upload_mb": 1}))
    try:
        from tests.helpers import signed_in

        async with signed_in(app, "admin") as admin:
            before = leftovers()
            answer = await upload(admin, "big.xml", b"<" + b"x" * (1024 * 1024 + 10))
            assert answer.status_code == 413
            assert "The file is too large: the upload page takes at most 1 MB" in answer.text
            assert leftovers() == before
    finally:
        await app.state.db.dispose()


async def test_progress_is_shown_while_it_runs(
    app: Any, admin: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
    export = tmp_path / "big.xml"
    write_export(export, posts=8, comments=600)
    answer = await upload(admin, "big.xml", export.read_bytes())
    assert answer.status_code == 303
    location = answer.headers["location"]
    seen = set()
    for _ in range(3_000):
        await anyio.sleep(0.01)
        page = (await admin.get(location)).text
        state = re.search(r"<h2>([^<]+)</h2>", page)
        assert state is not None
        seen.add(state.group(1))
        if "Storing" in seen and (found := re.search(r"(\d[\d,]*) of 600 comments stored", page)):
            assert 'data-refresh="1500"' in page and "<progress" in page
            assert 0 <= int(found.group(1).replace(",", "")) <= 600
        if state.group(1) == "Imported":
            break
    assert {"Storing", "Imported"} <= seen, seen
    assert "data-refresh" not in page  # a finished import's page stops asking
    assert await counts(app) == (8, 600)


async def test_an_import_whose_server_went_away_says_so(app: Any, admin: httpx.AsyncClient) -> None:
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    async with app.state.db.transaction() as conn:
        result = await conn.execute(
            insert(imports)
            .values(
                kind="wxr",
                filename="lost.xml",
                size=10,
                dry_run=False,
                state="storing",
                started_at=long_ago,
                updated_at=long_ago,
                comments_found=10,
                comments_done=4,
            )
            .returning(imports.c.id)
        )
        import_id = result.scalar_one()
    page = (await admin.get(f"/admin/imports/{import_id}")).text
    assert "<h2>Stopped</h2>" in page and "stopped answering" in page
    assert "data-refresh" not in page


async def test_another_instance_shows_the_progress(
    app: Any, admin: httpx.AsyncClient, settings: Settings
) -> None:
    """The row is the truth: an instance that did not run the import shows its summary."""
    answer = await upload(admin, "blog.xml", BLOG.read_bytes())
    await finished(app, admin, answer)
    other = create_app(settings)
    try:
        async with client_at(other) as elsewhere:
            elsewhere.cookies.update(admin.cookies)
            page = await elsewhere.get(answer.headers["location"])
            assert "Imported 2 stories with 5 comments" in page.text
    finally:
        await other.state.db.dispose()
