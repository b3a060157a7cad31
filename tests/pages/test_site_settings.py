"""The site settings (/admin/site): who may change them, how each field is checked, and that
every page, feed and cache shows a change at once (on the instance that saved it) or within
SITE_SECONDS (on any other), without a query per page."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from io import BytesIO
from typing import Any

import anyio
import httpx
import pytest
from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]
from fastapi import FastAPI
from PIL import Image, PngImagePlugin

from tests.helpers import client_at, csrf_of
from tribune import identity
from tribune.app import create_app
from tribune.identity import CONTRAST_MIN, DARK_BUTTON_TEXT, DARK_PAGE, LIGHT_PAGE, contrast
from tribune.settings import Settings
from tribune.storage import site as site_store

pytestmark = pytest.mark.anyio

ATOM = "{http://www.w3.org/2005/Atom}"
NAME = "Harbour Gazette"
FORM = {
    "name": NAME,
    "tagline": "News from the quays",
    "footer": "Run by **volunteers**. [About us](https://example.org/about)",
    "accent": "#1a4fa3",
}
BRAND = re.compile(r'<a class="brand[^"]*" href="/">(.*?)</a>', re.S)
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def picture(
    size: tuple[int, int] = (300, 100), fmt: str = "PNG", colour: str = "#1a4fa3", **save: Any
) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **save)
    return out.getvalue()


async def save(
    admin: httpx.AsyncClient,
    fields: dict[str, str] | None = None,
    logo: tuple[str, bytes, str] | None = None,
    *,
    csrf: bool = True,
) -> httpx.Response:
    data = dict(FORM if fields is None else fields)
    if csrf:
        data["csrf_token"] = await csrf_of(admin, "/admin/site")
    files = {"logo": logo} if logo else {"logo": ("", b"", "application/octet-stream")}
    return await admin.post("/admin/site", data=data, files=files)


async def audited(admin: httpx.AsyncClient) -> int:
    return (await admin.get("/admin/audit")).text.count("site.change")


# Saving, and where it shows ---------------------------------------------------------------


async def test_a_saved_name_shows_in_header_title_footer_and_feeds(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    home = (await reader.get("/")).text
    assert BRAND.search(home).group(1) == "Tribune"  # type: ignore[union-attr]
    assert "Published with Tribune." in home

    answer = await save(admin)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/site?saved=1"
    assert "Saved." in (await admin.get("/admin/site?saved=1")).text

    for path in ("/", f"/stories/{story['slug']}", "/tags/putin", "/no-such-page"):
        page = (await reader.get(path)).text
        assert BRAND.search(page).group(1) == NAME, path  # type: ignore[union-attr]
        assert NAME in TITLE.search(page).group(1), path  # type: ignore[union-attr]
        assert '<p class="tagline">News from the quays</p>' in page
        assert "Run by <strong>volunteers</strong>." in page
        assert 'href="https://example.org/about"' in page
        assert f'title="{NAME}: latest stories"' in page
        assert "Tribune" not in page, path  # the old name is gone from every page
    home = (await reader.get("/")).text
    assert '<meta name="description" content="News from the quays">' in home

    feed = SafeET.fromstring((await reader.get("/feeds/stories.atom")).content)
    assert feed.findtext(f"{ATOM}title") == f"{NAME}: latest stories"
    assert feed.findtext(f"{ATOM}subtitle") == "News from the quays"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == NAME
    assert feed.findtext(f"{ATOM}generator") == "Tribune"
    assert feed.findtext(f"{ATOM}entry/{ATOM}author/{ATOM}name") == NAME
    comments = SafeET.fromstring((await reader.get("/feeds/comments.atom")).content)
    assert comments.findtext(f"{ATOM}title") == f"{NAME}: latest comments"
    assert await audited(admin) == 1


async def test_the_form_shows_what_is_saved(admin: httpx.AsyncClient) -> None:
    await save(admin)
    page = (await admin.get("/admin/site")).text
    assert f'value="{NAME}"' in page
    assert 'value="News from the quays"' in page
    assert "Run by **volunteers**." in page
    assert 'value="#1a4fa3"' in page
    assert "light pages use #1a4fa3" in page
    # In the staff navigation, as the current page.
    assert '<a href="/admin/site" aria-current="page">Site</a>' in page


async def test_a_cached_story_page_shows_the_new_name(
    app: FastAPI, admin: httpx.AsyncClient, reader: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    await reader.get(path)
    pages = app.state.page_cache
    stores = pages.stores
    assert "<title>" in (await reader.get(path)).text
    assert pages.stores == stores  # the page came from the cache
    await save(admin)
    page = (await reader.get(path)).text
    assert BRAND.search(page).group(1) == NAME  # type: ignore[union-attr]
    assert "Tribune" not in page
    assert pages.stores == stores + 1  # cached per settings version too


@pytest.fixture
async def other_instance(settings: Settings) -> AsyncIterator[FastAPI]:
    """A second Tribune instance on the same database."""
    other = create_app(settings)
    yield other
    await other.state.db.dispose()


async def test_other_instances_show_a_change_within_seconds_without_a_query_per_page(
    other_instance: FastAPI,
    admin: httpx.AsyncClient,
    story: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = 0
    read_identity = site_store.identity

    async def counted(conn: Any) -> Any:
        nonlocal reads
        reads += 1
        return await read_identity(conn)

    monkeypatch.setattr(site_store, "identity", counted)
    path = f"/stories/{story['slug']}"
    async with client_at(other_instance) as there:
        for _ in range(5):
            assert BRAND.search((await there.get(path)).text).group(1) == "Tribune"  # type: ignore[union-attr]
        assert reads == 1  # one read for five pages
        other_instance.state.site.seconds = 3600  # however slow this machine is today
        await save(admin)
        # Until its copy is old enough, the other instance shows what it had...
        assert "Tribune" in (await there.get(path)).text
        other_instance.state.site.seconds = 0.2
        await anyio.sleep(0.25)
        # ...then the new name, on the story page and everywhere.
        page = (await there.get(path)).text
        assert BRAND.search(page).group(1) == NAME  # type: ignore[union-attr]
        assert "Tribune" not in page
    assert identity.SITE_SECONDS <= 2


# Checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "Please give the site a name"),
        ("name", "x" * 81, "The site name can be at most 80 characters; this one has 81."),
        ("name", "Harbour\nGazette", "The site name must be one line of text"),
        ("name", "Harbour\u202eGazette", "The site name must be one line of text"),
        ("tagline", "x" * 161, "The tagline can be at most 160 characters; this one has 161."),
        ("footer", "x" * 501, "The footer text can be at most 500 characters; this one has 501."),
        ("footer", "bell\x07", "The footer text cannot contain control or invisible characters."),
        ("accent", "blue", "The accent colour must be written as # and six hexadecimal digits"),
        ("accent", "#12345", "The accent colour must be written as # and six hexadecimal digits"),
    ],
)
async def test_each_field_is_checked_and_nothing_is_stored(
    admin: httpx.AsyncClient,
    reader: httpx.AsyncClient,
    field: str,
    value: str,
    message: str,
) -> None:
    answer = await save(admin, FORM | {field: value})
    assert answer.status_code == 422
    assert message in answer.text
    assert f'id="f-{field}"' in answer.text and 'aria-invalid="true"' in answer.text
    assert "The site settings were not saved:" in answer.text
    # Everything typed is still there.
    for name, typed in (FORM | {field: value}).items():
        if name != field and name != "footer":
            assert f'value="{typed}"' in answer.text
    assert "Run by **volunteers**." in answer.text or field == "footer"
    # Nothing was stored.
    assert "Published with Tribune." in (await reader.get("/")).text
    assert await audited(admin) == 0


async def test_an_accent_without_its_hash_is_taken(admin: httpx.AsyncClient) -> None:
    assert (await save(admin, FORM | {"accent": "1A4FA3"})).status_code == 303
    assert 'value="#1a4fa3"' in (await admin.get("/admin/site")).text


async def test_an_expired_form_keeps_what_was_typed(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    await admin.get("/admin/site")
    answer = await save(admin, csrf=False)
    assert answer.status_code == 403
    assert "This form had expired: your changes are still here" in answer.text
    assert f'value="{NAME}"' in answer.text
    assert "Published with Tribune." in (await reader.get("/")).text
    assert await audited(admin) == 0


async def test_only_admins_may_see_or_change_the_settings(
    app: FastAPI, moderator: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    for member in (moderator,):
        assert (await member.get("/admin/site")).status_code == 403
        token = await csrf_of(member, "/admin/moderation")
        answer = await member.post("/admin/site", data=FORM | {"csrf_token": token})
        assert answer.status_code == 403
        assert '<a href="/admin/site">' not in (await member.get("/admin/moderation")).text
    answer = await reader.get("/admin/site")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/admin/login")
    assert (await reader.post("/admin/site", data=FORM)).status_code == 303
    assert "Published with Tribune." in (await reader.get("/")).text


async def test_an_editor_may_not_change_the_settings(editor: httpx.AsyncClient) -> None:
    assert (await editor.get("/admin/site")).status_code == 403
    token = await csrf_of(editor, "/admin/stories")
    assert (await editor.post("/admin/site", data=FORM | {"csrf_token": token})).status_code == 403


# The accent colour -------------------------------------------------------------------------

STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/site/[0-9a-f]{16}\.css)">')


async def test_the_accent_colour_is_a_stylesheet_of_custom_properties(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    assert "/site/" not in (await reader.get("/")).text  # the default: tribune.css alone
    await save(admin, FORM | {"accent": "#ffeb3b"})  # a yellow too pale for white text
    found = STYLESHEET.search((await reader.get("/")).text)
    assert found
    sheet = await reader.get(found.group(1))
    assert sheet.status_code == 200
    assert sheet.headers["content-type"] == "text/css; charset=utf-8"
    assert sheet.headers["cache-control"] == "public, max-age=31536000, immutable"
    light, dark = re.findall(r"--accent: (#[0-9a-f]{6});", sheet.text)
    assert "prefers-color-scheme: dark" in sheet.text
    assert light != "#ffeb3b" and contrast(light, LIGHT_PAGE) >= CONTRAST_MIN
    assert dark == "#ffeb3b"  # already readable on dark pages
    # An old or forged digest is not served.
    assert (await reader.get("/site/0123456789abcdef.css")).status_code == 404
    assert (await reader.get("/site/nope.css")).status_code == 404
    # A new colour, a new address.
    await save(admin, FORM | {"accent": "#0b3d2e"})
    again = STYLESHEET.search((await reader.get("/")).text)
    assert again and again.group(1) != found.group(1)
    assert (await reader.get(found.group(1))).status_code == 404


def test_every_accent_gets_readable_shades() -> None:
    for r in range(0, 256, 51):
        for g in range(0, 256, 51):
            for b in range(0, 256, 51):
                colour = f"#{r:02x}{g:02x}{b:02x}"
                light, dark = identity.accent_variants(colour)
                assert contrast(light, LIGHT_PAGE) >= CONTRAST_MIN, colour
                assert contrast(dark, DARK_PAGE) >= CONTRAST_MIN, colour
                assert contrast(dark, DARK_BUTTON_TEXT) >= CONTRAST_MIN, colour
    assert identity.accent_variants("#1A4FA3")[0] == "#1a4fa3"  # readable as it is


# The logo ----------------------------------------------------------------------------------

LOGO = re.compile(
    r'<a class="brand brand-logo" href="/"><img src="(/site/logo/[0-9a-f]{64})" '
    r'alt="([^"]*)" width="(\d+)" height="(\d+)"></a>'
)


async def test_a_logo_is_re_encoded_and_served_immutable(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-metadata")
    upload = picture((1200, 400), pnginfo=info) + b"trailing junk"
    answer = await save(admin, logo=("logo.png", upload, "image/png"))
    assert answer.status_code == 303, answer.text
    found = LOGO.search((await reader.get("/")).text)
    assert found, "the header shows the logo"
    url, alt, width, height = found.groups()
    assert alt == NAME and (width, height) == ("480", "160")
    served = await reader.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert url.endswith(hashlib.sha256(served.content).hexdigest())
    assert b"secret-metadata" not in served.content and b"trailing junk" not in served.content
    with Image.open(BytesIO(served.content)) as image:
        assert image.size == (480, 160)
    assert (await reader.get("/site/logo/" + "0" * 64)).status_code == 404
    assert (await reader.get("/site/logo/nope")).status_code == 404

    # Saved again without a file: the logo stays; with "remove", the name comes back.
    assert (await save(admin)).status_code == 303
    assert LOGO.search((await reader.get("/")).text)
    assert (await save(admin, FORM | {"remove_logo": "on"})).status_code == 303
    home = (await reader.get("/")).text
    assert not LOGO.search(home) and BRAND.search(home).group(1) == NAME  # type: ignore[union-attr]
    assert (await reader.get(url)).status_code == 404  # only the logo in use is kept


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
async def test_jpeg_and_webp_logos_keep_their_format(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient, fmt: str
) -> None:
    answer = await save(admin, logo=(f"logo.{fmt.lower()}", picture(fmt=fmt), "image/x-whatever"))
    assert answer.status_code == 303, answer.text
    found = LOGO.search((await reader.get("/")).text)
    assert found
    served = await reader.get(found.group(1))
    assert served.headers["content-type"] == f"image/{fmt.lower()}"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"hello, not a picture", "The logo must be a PNG, JPEG or WebP picture"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)'
            b"</script></svg>",
            "The logo cannot be an SVG file",
        ),
        (picture() + b"\0" * 1_000_000, "The logo can be at most 1.0 MB; this file is 1.0 MB"),
        (picture((4001, 10)), "The logo can be at most 4,000 × 4,000 pixels"),
        (b"GIF89a" + b"\0" * 40, "The logo must be a PNG, JPEG or WebP picture"),
    ],
)
async def test_a_refused_logo_stores_nothing_and_keeps_the_text(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient, upload: bytes, message: str
) -> None:
    answer = await save(admin, logo=("logo.png", upload, "image/png"))
    assert answer.status_code == 422
    assert message in answer.text
    assert f'value="{NAME}"' in answer.text and "Run by **volunteers**." in answer.text
    home = (await reader.get("/")).text
    assert "Published with Tribune." in home and "/site/logo/" not in home
    assert await audited(admin) == 0


async def test_a_logo_with_other_errors_must_be_chosen_again(admin: httpx.AsyncClient) -> None:
    answer = await save(admin, FORM | {"name": ""}, logo=("logo.png", picture(), "image/png"))
    assert answer.status_code == 422
    assert "The logo was not saved with the rest: please choose it again." in answer.text


async def test_a_form_far_too_large_is_refused(admin: httpx.AsyncClient) -> None:
    answer = await save(admin, logo=("logo.png", b"\0" * 5_000_000, "image/png"))
    assert answer.status_code == 413


async def test_settings_stored_by_another_version_fall_back_to_the_defaults() -> None:
    assert identity.from_stored({"name": 5, "logo": {"digest": "x"}}) == identity.DEFAULT
    assert identity.from_stored("nonsense") == identity.DEFAULT
    site = identity.from_stored({"name": "A", "accent": "red"})
    assert site.name == "A" and site.accent == "" and site.stylesheet_url is None


async def test_the_footer_is_sanitized_like_a_comment(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    footer = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    assert (await save(admin, FORM | {"footer": footer})).status_code == 303
    page = (await reader.get("/")).text
    footer_html = page[page.index('<div class="site-footer-text">') :]
    assert "<script" not in footer_html and 'href="javascript:' not in footer_html
    assert "<img" not in footer_html  # raw HTML is shown as text, never as markup
    assert "&lt;script&gt;" in footer_html
