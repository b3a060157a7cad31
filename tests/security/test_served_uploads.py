"""Uploads served from our origin (SECURITY.md C24, part 1 R1): nothing a staff member uploads
is ever served as something a browser would run.

Tribune fetches nothing (no image proxy: test_outbound_fetches), but staff upload images and a
logo. Each is read by what its bytes are, refused unless it is a JPEG, PNG or WebP, and
re-encoded from its pixels alone, so bytes hidden after or inside a real picture (an HTML or
SVG polyglot) are not in what is served. What is served has our own image type, `nosniff`,
and a Content-Security-Policy with `sandbox`: opened top-level, the oracle finds no script.
"""

from __future__ import annotations

from io import BytesIO

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image, PngImagePlugin

from tests.helpers import csrf_of
from tests.security.oracle import MARKER, page_findings

pytestmark = pytest.mark.anyio

SCRIPT = f"<html><body><script>alert('{MARKER}')</script></body></html>".encode()


def png(**text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    out = BytesIO()
    Image.new("RGB", (64, 48), "#1a4fa3").save(out, "PNG", pnginfo=info)
    return out.getvalue()


async def upload(client: httpx.AsyncClient, data: bytes, content_type: str) -> httpx.Response:
    token = await csrf_of(client, "/admin/stories")
    return await client.post(
        "/admin/images",
        data={"csrf_token": token},
        files={"image": ("x.png", data, content_type)},
    )


@pytest.mark.parametrize(
    "data",
    [
        SCRIPT,
        b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"\x89PNG\r\n\x1a\n" + SCRIPT,  # a PNG signature, then a document
    ],
    ids=["html", "svg", "png-signature-then-html"],
)
async def test_a_document_labelled_image_png_is_refused(
    app: FastAPI, editor: httpx.AsyncClient, data: bytes
) -> None:
    answer = await upload(editor, data, "image/png")
    assert answer.status_code == 422
    assert "image" in answer.json()["errors"]


@pytest.mark.parametrize(
    "data",
    [png() + SCRIPT, png(Comment=SCRIPT.decode())],
    ids=["html-after-the-png", "html-in-a-text-chunk"],
)
async def test_a_polyglot_is_served_re_encoded_sandboxed_and_inert(
    editor: httpx.AsyncClient, reader: httpx.AsyncClient, data: bytes
) -> None:
    answer = await upload(editor, data, "image/png")
    assert answer.status_code == 201, answer.text
    served = await reader.get(answer.json()["src"])
    assert served.status_code == 200
    assert SCRIPT not in served.content and MARKER.encode() not in served.content
    assert served.content.startswith(b"RIFF") and served.content[8:12] == b"WEBP"
    assert served.headers["content-type"] == "image/webp"
    assert served.headers["x-content-type-options"] == "nosniff"
    policy = served.headers["content-security-policy"]
    assert "sandbox" in [part.strip() for part in policy.split(";")]
    assert "'unsafe-inline'" not in policy
    # Read as a document anyway (a browser ignoring nosniff), it holds no script.
    assert page_findings(served.content.decode("latin-1")) == []


async def test_the_logo_is_sandboxed_too(
    admin: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    token = await csrf_of(admin, "/admin/site")
    saved = await admin.post(
        "/admin/site",
        data={"name": "Site", "csrf_token": token},
        files={"logo": ("logo.png", png() + SCRIPT, "image/png")},
    )
    assert saved.status_code == 303
    home = (await reader.get("/")).text
    start = home.index('src="/site/logo/') + len('src="')
    served = await reader.get(home[start : home.index('"', start)])
    assert served.status_code == 200 and SCRIPT not in served.content
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
