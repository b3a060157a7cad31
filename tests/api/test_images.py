"""Images staff upload for stories: what is kept of a photo (its pixels, upright, and nothing
else), the widths served, every refusal (with its message on the field, and nothing stored),
the immutable /media URLs, and where an image may appear (a story's body, never a comment)."""

from __future__ import annotations

import hashlib
import re
from io import BytesIO
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from PIL import Image, PngImagePlugin

from tests.factories import make_story
from tests.helpers import csrf_of, post_comment
from tribune.markdown import render_comment, render_story
from tribune.storage.tables import image_renditions, images

pytestmark = pytest.mark.anyio

MEDIA = re.compile(r"/media/([0-9a-f]{64})\.webp")
GPS_IFD = 0x8825


def picture(size: tuple[int, int], fmt: str = "PNG", mode: str = "RGB", **save: Any) -> bytes:
    out = BytesIO()
    Image.new(mode, size, "#1a4fa3" if mode == "RGB" else 0).save(out, fmt, **save)
    return out.getvalue()


def photo_with_gps() -> bytes:
    """A camera's JPEG: 2000 × 1500 pixels stored, turned a quarter (EXIF orientation 6, so
    1500 × 2000 upright), with a GPS position, a maker, an XMP packet and a comment."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    exif[0x010F] = "GPS-Camera Co."  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (51.0, 30.0, 12.5)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "W", (0.0, 7.0, 39.0)
    gps[0x12] = "WGS-84"  # GPSMapDatum
    image = Image.new("RGB", (2000, 1500), "#c0392b")
    image.paste("#2980b9", (0, 0, 1000, 1500))  # left half blue: shows which way is up
    out = BytesIO()
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b"<exif:GPSLatitude>51,30N</exif:GPSLatitude></x:xmpmeta>"
    )
    image.save(out, "JPEG", exif=exif.tobytes(), xmp=xmp, comment=b"shot at GPS 51.5N", quality=90)
    return out.getvalue()


def bomb_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height pixels, with no pixels at all."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    name: str = "photo.jpg",
    content_type: str = "image/jpeg",
    *,
    csrf: bool = True,
    alt: str = "",
) -> httpx.Response:
    form = {"alt": alt}
    if csrf:
        form["csrf_token"] = await csrf_of(client, "/admin/stories")
    return await client.post(
        "/admin/images", data=form, files={"image": (name, data, content_type)}
    )


async def stored(app: FastAPI) -> tuple[int, int]:
    """How many images and renditions the database holds."""
    async with app.state.db.read() as conn:
        counted = []
        for table in (images, image_renditions):
            query = sa.select(sa.func.count()).select_from(table)
            counted.append((await conn.execute(query)).scalar_one())
    return counted[0], counted[1]


def widths(srcset: str) -> list[int]:
    return [int(part.rsplit(" ", 1)[1].removesuffix("w")) for part in srcset.split(", ")]


# What is kept --------------------------------------------------------------------------------


async def test_a_photo_keeps_its_pixels_upright_and_no_metadata_in_any_rendition(
    editor: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    original = photo_with_gps()
    assert b"GPS" in original and b"Exif" in original and b"xmpmeta" in original
    answer = await upload(editor, original, alt="The quay at dawn")
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert set(made) == {"id", "src", "srcset", "width", "height", "markdown"}
    assert made["markdown"] == f"![The quay at dawn]({made['src']})"
    # Upright: 1500 wide, so 480, 960 and the photo's own 1500 (never enlarged to 1600).
    assert widths(made["srcset"]) == [480, 960, 1500]
    assert (made["width"], made["height"]) == (1500, 2000)
    assert made["src"] == made["srcset"].split(", ")[1].split(" ")[0]  # the middle width

    for part in made["srcset"].split(", "):
        url, width = part.split(" ")
        served = await reader.get(url)
        assert served.status_code == 200
        body = served.content
        for trace in (b"GPS", b"Exif", b"EXIF", b"XMP", b"xmpmeta", b"ICCP", b"51,30N"):
            assert trace not in body, (url, trace)
        with Image.open(BytesIO(body)) as image:
            assert image.format == "WEBP"
            assert not image.getexif()
            assert not {"exif", "xmp", "icc_profile"} & set(image.info)
            assert image.width == int(width.removesuffix("w"))
            assert image.height == image.width * 4 // 3  # portrait, as the camera meant
            # The blue half was on the left as stored; turned a quarter clockwise, on top.
            rgb = image.convert("RGB")
            top = rgb.getpixel((image.width // 2, image.height // 8))
            bottom = rgb.getpixel((image.width // 2, image.height * 7 // 8))
            assert isinstance(top, tuple) and isinstance(bottom, tuple)
            assert top[2] > top[0] and bottom[0] > bottom[2], (top, bottom)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((300, 200), [300]),
        ((480, 300), [480]),
        ((960, 100), [480, 960]),
        ((1200, 800), [480, 960, 1200]),
        ((1600, 900), [480, 960, 1600]),
        ((4000, 3000), [480, 960, 1600]),
    ],
)
async def test_widths_are_480_960_and_1600_never_wider_than_the_upload(
    editor: httpx.AsyncClient, size: tuple[int, int], expected: list[int]
) -> None:
    answer = await upload(editor, picture(size, "PNG"), "p.png", "image/png")
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert widths(made["srcset"]) == expected
    assert made["width"] == expected[-1]
    assert made["height"] == round(size[1] * expected[-1] / size[0])


async def test_webp_and_transparent_png_are_taken(editor: httpx.AsyncClient) -> None:
    webp = await upload(editor, picture((640, 480), "WEBP"), "p.webp", "image/webp")
    assert webp.status_code == 201, webp.text
    clear = BytesIO()
    Image.new("RGBA", (200, 100), (0, 0, 0, 0)).save(clear, "PNG")
    png = await upload(editor, clear.getvalue(), "clear.png", "image/png")
    assert png.status_code == 201, png.text
    served = await editor.get(png.json()["src"])
    with Image.open(BytesIO(served.content)) as image:
        corner = image.getpixel((5, 5))
        assert image.mode == "RGBA" and isinstance(corner, tuple) and corner[3] == 0


# Refusals --------------------------------------------------------------------------------------

NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP image."


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (lambda: b"Dear editor,\nthis is a letter, not a photo.\n", "letter.jpg", NOT_AN_IMAGE),
        (
            lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "drawing.jpg",
            "This file is an SVG drawing, which can carry scripts: please upload a JPEG, PNG "
            "or WebP image.",
        ),
        (lambda: picture((40, 40), "GIF"), "anim.gif", NOT_AN_IMAGE),
        (lambda: picture((40, 40), "BMP"), "old.bmp", NOT_AN_IMAGE),
        (lambda: picture((40, 40), "JPEG")[:200], "cut.jpg", NOT_AN_IMAGE),
        (
            lambda: picture((400, 300), "JPEG").ljust(11_000_000, b"\0"),
            "huge.jpg",
            "This image is 11 MB; the limit is 10 MB.",
        ),
        (
            lambda: picture((400, 300), "JPEG").ljust(14_200_000, b"\0"),
            "huger.jpg",
            "This image is 14.2 MB; the limit is 10 MB.",
        ),
        (
            lambda: picture((8000, 5125), "PNG", mode="1"),  # 41,000,000 pixels in 60 kB
            "wide.png",
            "This image is 41 megapixels; the limit is 40.",
        ),
        (
            lambda: picture((10_000, 10_000), "PNG", mode="1"),  # Pillow's warning, made an error
            "hundred.png",
            "This image has more than 80 megapixels; the limit is 40.",
        ),
        (
            lambda: bomb_header(100_000, 100_000),  # a decompression bomb's header
            "bomb.png",
            "This image has more than 80 megapixels; the limit is 40.",
        ),
    ],
    ids=["text", "svg", "gif", "bmp", "truncated", "11mb", "14mb", "41mp", "100mp", "bomb"],
)
async def test_a_refused_upload_says_why_on_the_field_and_stores_nothing(
    app: FastAPI, editor: httpx.AsyncClient, make: Any, name: str, message: str
) -> None:
    answer = await upload(editor, make(), name)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"] == {"image": message}
    assert await stored(app) == (0, 0)


async def test_a_form_far_too_large_is_refused_unread(
    app: FastAPI, editor: httpx.AsyncClient
) -> None:
    answer = await upload(editor, b"\xff\xd8" + b"\0" * 21_000_000)
    assert answer.status_code == 413
    assert answer.json()["errors"] == {
        "image": "This image is more than 20 MB; the limit is 10 MB."
    }
    assert await stored(app) == (0, 0)


async def test_no_file_chosen_asks_for_one(app: FastAPI, editor: httpx.AsyncClient) -> None:
    token = await csrf_of(editor, "/admin/stories")
    answer = await editor.post(
        "/admin/images",
        data={"csrf_token": token},
        files={"image": ("", b"", "application/octet-stream")},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"image": "Please choose an image to upload."}


async def test_only_editors_and_admins_upload_and_only_with_the_csrf_token(
    app: FastAPI,
    editor: httpx.AsyncClient,
    moderator: httpx.AsyncClient,
    reader: httpx.AsyncClient,
) -> None:
    data = picture((100, 100), "PNG")
    nobody = await reader.post("/admin/images", files={"image": ("p.png", data, "image/png")})
    assert nobody.status_code == 401
    assert nobody.headers["content-type"] == "application/problem+json"
    assert (await upload(moderator, data, "p.png")).status_code == 403
    forged = await upload(editor, data, "p.png", csrf=False)
    assert forged.status_code == 403
    assert forged.headers["content-type"] == "application/problem+json"
    assert await stored(app) == (0, 0)


async def test_the_same_upload_twice_is_stored_once(
    app: FastAPI, editor: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    data = photo_with_gps()
    first = (await upload(editor, data)).json()
    again = (await upload(admin, data)).json()
    assert again["id"] == first["id"] and again["srcset"] == first["srcset"]
    assert await stored(app) == (1, 3)
    # Another file with the very same pixels (a PNG differing only in its metadata) is the
    # same image too: its renditions are byte for byte the same.
    for author in ("A. Writer", "B. Photographer"):
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", author)
        out = BytesIO()
        Image.new("RGB", (700, 500), "#336699").save(out, "PNG", pnginfo=info)
        answer = await upload(editor, out.getvalue(), "p.png", "image/png")
        assert answer.status_code == 201
    assert await stored(app) == (2, 5)


# Serving ---------------------------------------------------------------------------------------


async def test_renditions_are_immutable_under_their_digest(
    editor: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    made = (await upload(editor, picture((1000, 500), "PNG"), "p.png")).json()
    for part in made["srcset"].split(", "):
        url = part.split(" ")[0]
        digest = MEDIA.fullmatch(url).group(1)  # type: ignore[union-attr]
        served = await reader.get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/webp"
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert served.headers["etag"] == f'"{digest}"'
        assert served.headers["x-content-type-options"] == "nosniff"
        assert hashlib.sha256(served.content).hexdigest() == digest
        again = await reader.get(url, headers={"If-None-Match": f'"{digest}"'})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == f'"{digest}"'
        other = await reader.get(url, headers={"If-None-Match": '"' + "0" * 64 + '"'})
        assert other.status_code == 200
    assert (await reader.get("/media/" + "0" * 64 + ".webp")).status_code == 404
    assert (await reader.get("/media/not-a-digest.webp")).status_code == 404
    assert (await reader.get("/media/" + "A" * 64 + ".webp")).status_code == 404


# Where images appear --------------------------------------------------------------------------


async def test_a_story_body_shows_our_images_and_never_a_remote_one(
    app: FastAPI, editor: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    made = (await upload(editor, picture((800, 600), "PNG"), "p.png", alt="ignored")).json()
    body = (
        f"Before.\n\n![The harbour at night]({made['src']})\n\n"
        "![A tracking pixel](https://tracker.example/pixel.png)\n\n"
        "![](http://tracker.example/blank.gif)"
    )
    await make_story(app.state.db, title="Night harbour", body=body)
    page = (await reader.get("/stories/night-harbour")).text
    assert f'<img src="{made["src"]}" alt="The harbour at night" loading="lazy">' in page
    assert page.count("<img") == 1
    assert '<a href="https://tracker.example/pixel.png" rel="noopener">A tracking pixel</a>' in page
    assert 'src="https://tracker.example' not in page and 'src="http://tracker' not in page


@pytest.mark.parametrize(
    "source",
    [
        "![x](https://elsewhere.example/a.webp)",
        "![x](/media/" + "a" * 64 + ".webp?track=1)",
        "![x](//elsewhere.example/media/" + "a" * 64 + ".webp)",
        "![x](/media/" + "a" * 63 + ".webp)",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "[![x](https://elsewhere.example/a.png)](https://elsewhere.example)",
    ],
)
def test_story_markdown_makes_no_img_but_for_our_own(source: str) -> None:
    html, _ = render_story(source)
    assert "<img" not in html, html
    html, _ = render_story("![x](/media/" + "a" * 64 + ".webp)")
    assert html.count("<img") == 1


async def test_comments_never_show_images(
    app: FastAPI, editor: httpx.AsyncClient, reader: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    made = (await upload(editor, picture((800, 600), "PNG"), "p.png")).json()
    for body in (f"![our own]({made['src']})", "![remote](https://elsewhere.example/a.png)"):
        assert "<img" not in render_comment(body)
        posted = await post_comment(reader, story["id"], body)
        assert posted.status_code == 201, posted.text
        assert "<img" not in posted.json()["body_html"]
    page = (await reader.get(f"/stories/{story['slug']}")).text
    assert f'href="{made["src"]}"' in page  # the comment links to it, as any link
    assert '<img src="/media/' not in page and 'src="https://elsewhere.example' not in page
