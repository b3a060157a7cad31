"""The story editor's pages without JavaScript, on both databases: the list and its
filters, writing, refusing and keeping what was typed, the conflict, preview, revisions,
restore and delete with its second confirmation; who may use them."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.helpers import csrf_of, signed_in

pytestmark = pytest.mark.anyio

FORM = {
    "title": "Turkey’s Syria op could see ISIS terrorists scattering – Putin",
    "lead": "Russian President Vladimir Putin has warned.",
    "body": "The Russian leader spoke on Tuesday. #Putin #Syria\n\n> a pull quote",
    "tags": "Turkey",
    "source_url": "https://on.rt.com/a37e",
    "comment_mode": "open",
}


async def _new(client: httpx.AsyncClient, action: str = "draft", **fields: str) -> httpx.Response:
    token = await csrf_of(client, "/admin/stories/new")
    data = {**FORM, **fields, "action": action, "csrf_token": token}
    return await client.post("/admin/stories/new", data=data)


def _story_id(answer: httpx.Response) -> int:
    assert answer.status_code == 303, answer.text
    found = re.match(r"/admin/stories/(\d+)\?done=", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


async def _save(
    client: httpx.AsyncClient, story_id: int, action: str = "save", **fields: str
) -> httpx.Response:
    page = await client.get(f"/admin/stories/{story_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    revision = re.search(r'name="revision" value="(\d+)"', page.text)
    assert token and revision
    data = {
        **FORM,
        "revision": revision.group(1),
        **fields,
        "action": action,
        "csrf_token": token.group(1),
    }
    return await client.post(f"/admin/stories/{story_id}", data=data)


async def test_an_editor_writes_publishes_and_readers_see_it(
    editor: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    story_id = _story_id(await _new(editor))
    page = await editor.get(f"/admin/stories/{story_id}?done=draft")
    assert "Saved as a draft." in page.text
    slug = "turkeys-syria-op-could-see-isis-terrorists-scattering-putin"
    assert (await reader.get(f"/stories/{slug}")).status_code == 404
    answer = await _save(editor, story_id, "publish")
    assert answer.headers["location"].endswith("?done=published")
    story = await reader.get(f"/stories/{slug}")
    assert story.status_code == 200
    assert "a pull quote" in story.text and 'href="/tags/putin"' in story.text
    listing = await editor.get("/admin/stories?status=published")
    assert FORM["title"] in listing.text and "Editor" in listing.text


async def test_a_refused_save_names_every_field_and_keeps_what_was_typed(
    editor: httpx.AsyncClient,
) -> None:
    answer = await _new(
        editor, title="", source_url="not a link", body="Kept <b>body</b> text", tags="a b"
    )
    assert answer.status_code == 422
    text = answer.text
    assert "Please give the story a title." in text
    assert "Read more link: " in text and 'id="f-tags-error"' in text
    assert "Kept &lt;b&gt;body&lt;/b&gt; text" in text  # kept, escaped
    assert 'value="not a link"' in text
    assert 'aria-invalid="true"' in text
    assert (await editor.get("/admin/stories")).text.count('/admin/stories/1"') == 0


async def test_a_slug_in_use_is_refused_on_its_field(editor: httpx.AsyncClient) -> None:
    _story_id(await _new(editor, slug="taken"))
    answer = await _new(editor, title="Another story", slug="taken")
    assert answer.status_code == 422
    assert "The address /stories/taken is already used by" in answer.text
    assert 'value="Another story"' in answer.text


async def test_a_changed_slug_answers_301_from_the_old_address(
    editor: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    story_id = _story_id(await _new(editor, "publish", slug="first-address"))
    answer = await _save(editor, story_id, slug="second-address")
    assert answer.status_code == 303
    moved = await reader.get("/stories/first-address")
    assert moved.status_code == 301
    assert moved.headers["location"] == "/stories/second-address"
    kept = await reader.get("/stories/first-address?sort=newest")
    assert kept.headers["location"] == "/stories/second-address?sort=newest"
    assert (await reader.get("/stories/second-address")).status_code == 200


async def test_two_editors_the_second_sees_a_conflict_and_keeps_their_text(
    app: Any, editor: httpx.AsyncClient
) -> None:
    story_id = _story_id(await _new(editor))
    page = await editor.get(f"/admin/stories/{story_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    stale = {**FORM, "revision": "1", "csrf_token": token.group(1), "action": "save"}
    assert (await _save(editor, story_id, title="Their new title")).status_code == 303
    async with signed_in(app, "admin") as other:
        other_page = await other.get(f"/admin/stories/{story_id}")
        other_token = re.search(r'name="csrf_token" value="([^"]+)"', other_page.text)
        assert other_token
        mine = {**stale, "csrf_token": other_token.group(1), "body": "My own careful body"}
        answer = await other.post(f"/admin/stories/{story_id}", data=mine)
        assert answer.status_code == 409
        assert "Editor saved this story while you were editing it" in answer.text
        assert "(they changed: title)" in answer.text
        assert "My own careful body" in answer.text
        assert 'name="revision" value="2"' in answer.text
        # Saving again from the conflict page is a deliberate overwrite.
        again = {**mine, "revision": "2"}
        assert (await other.post(f"/admin/stories/{story_id}", data=again)).status_code == 303


async def test_preview_shows_the_story_as_readers_will_and_saves_nothing(
    editor: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    token = await csrf_of(editor, "/admin/stories/new")
    answer = await editor.post(
        "/admin/stories/preview",
        data={**FORM, "title": "A preview only", "csrf_token": token},
    )
    assert answer.status_code == 200
    assert "Preview: this is how readers will see the story." in answer.text
    assert "<h1>A preview only</h1>" in answer.text and "a pull quote" in answer.text
    assert "frame-ancestors 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "SAMEORIGIN"
    assert (await reader.get("/")).text.count("A preview only") == 0
    assert "No stories yet." in (await editor.get("/admin/stories")).text
    refused = await editor.post("/admin/stories/preview", data={**FORM, "csrf_token": "x"})
    assert refused.status_code == 403


async def test_revisions_compare_and_restore(editor: httpx.AsyncClient) -> None:
    story_id = _story_id(await _new(editor))
    assert (await _save(editor, story_id, body="A shorter body.")).status_code == 303
    history = await editor.get(f"/admin/stories/{story_id}/revisions")
    assert "Saved as a draft" in history.text and "(current)" in history.text
    diff = await editor.get(f"/admin/stories/{story_id}/compare?a=1&b=2")
    assert '<del><span class="visually-hidden">Removed: </span>&gt; a pull quote</del>' in diff.text
    assert '<ins><span class="visually-hidden">Added: </span>A shorter body.</ins>' in diff.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', history.text)
    assert token
    restored = await editor.post(
        f"/admin/stories/{story_id}/revisions/1/restore",
        data={"csrf_token": token.group(1), "revision": "2"},
    )
    assert restored.headers["location"] == f"/admin/stories/{story_id}?done=restored"
    page = await editor.get(f"/admin/stories/{story_id}")
    assert "&gt; a pull quote" in page.text
    assert "Restored revision 1" in (await editor.get(f"/admin/stories/{story_id}/revisions")).text


async def test_delete_asks_twice_when_comments_go_too(
    editor: httpx.AsyncClient, reader: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    confirm = await editor.get(f"/admin/stories/{story['id']}/delete")
    assert "It has 5 comments." in confirm.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert token
    path = f"/admin/stories/{story['id']}/delete"
    once = await editor.post(path, data={"csrf_token": token.group(1)})
    assert once.status_code == 409 and "confirm that they are deleted with it" in once.text
    assert (await reader.get(f"/stories/{story['slug']}")).status_code == 200
    twice = await editor.post(path, data={"csrf_token": token.group(1), "with_comments": "yes"})
    assert twice.headers["location"] == "/admin/stories?done=deleted"
    assert (await reader.get(f"/stories/{story['slug']}")).status_code == 404


async def test_the_list_filters_by_state_tag_and_title(editor: httpx.AsyncClient) -> None:
    _story_id(await _new(editor, "publish", title="Published about Syria"))
    _story_id(await _new(editor, "draft", title="A draft on budgets", body="#Budget talk"))
    published = await editor.get("/admin/stories?status=published")
    assert "Published about Syria" in published.text and "A draft on budgets" not in published.text
    tagged = await editor.get("/admin/stories?tag=budget")
    assert "A draft on budgets" in tagged.text and "Published about Syria" not in tagged.text
    found = await editor.get("/admin/stories?q=SYRIA")
    assert "Published about Syria" in found.text and "A draft on budgets" not in found.text
    assert "No stories match." in (await editor.get("/admin/stories?q=nothing-here")).text


async def test_who_may_use_the_editor(
    moderator: httpx.AsyncClient, reader: httpx.AsyncClient, editor: httpx.AsyncClient
) -> None:
    story_id = _story_id(await _new(editor))
    assert (await moderator.get("/admin/stories")).status_code == 200  # comment modes
    assert "New story" not in (await moderator.get("/admin/stories")).text
    for path in ("/admin/stories/new", f"/admin/stories/{story_id}"):
        assert (await moderator.get(path)).status_code == 403
        assert (await reader.get(path)).status_code == 303  # to the login form
    assert (await editor.get("/admin/stories/999999")).status_code == 404


def _jpeg(width: int = 1200, height: int = 800) -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(out, "JPEG")
    return out.getvalue()


async def test_a_lead_image_is_uploaded_with_the_story_and_shown_to_readers(
    editor: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    token = await csrf_of(editor, "/admin/stories/new")
    data = {
        **FORM,
        "lead_image_alt": "The old pier at dusk",
        "action": "publish",
        "csrf_token": token,
    }
    answer = await editor.post(
        "/admin/stories/new", data=data, files={"lead_image": ("pier.jpg", _jpeg(), "image/jpeg")}
    )
    story_id = _story_id(answer)
    page = await reader.get("/stories/turkeys-syria-op-could-see-isis-terrorists-scattering-putin")
    img = re.search(r'<img[^>]*srcset="([^"]+)"[^>]*>', page.text)
    assert img is not None, page.text
    assert 'alt="The old pier at dusk"' in img.group(0)
    assert re.findall(r"/media/[0-9a-f]{64}\.webp (\d+)w", img.group(1)) == ["480", "960", "1200"]
    home = await reader.get("/")
    assert "The old pier at dusk" in home.text
    edit = await editor.get(f"/admin/stories/{story_id}")
    assert 'class="lead-preview"' in edit.text and "Remove the lead image" in edit.text


async def test_a_refused_image_is_named_on_its_field_and_nothing_is_stored(
    editor: httpx.AsyncClient,
) -> None:
    token = await csrf_of(editor, "/admin/stories/new")
    data = {**FORM, "lead_image_alt": "x", "action": "draft", "csrf_token": token}
    answer = await editor.post(
        "/admin/stories/new",
        data={**data, "title": ""},
        files={"lead_image": ("notes.jpg", b"not a picture at all", "image/jpeg")},
    )
    assert answer.status_code == 422
    assert "This file is not a JPEG, PNG or WebP image." in answer.text
    assert "Please give the story a title." in answer.text  # every field's message at once
    assert "a pull quote" in answer.text  # everything typed kept
    assert "No stories yet." in (await editor.get("/admin/stories")).text


async def test_an_image_needs_its_description(editor: httpx.AsyncClient) -> None:
    token = await csrf_of(editor, "/admin/stories/new")
    answer = await editor.post(
        "/admin/stories/new",
        data={**FORM, "action": "draft", "csrf_token": token},
        files={"lead_image": ("pier.jpg", _jpeg(), "image/jpeg")},
    )
    assert answer.status_code == 422
    assert "Please describe the image for readers who cannot see it" in answer.text
    # The picture stays chosen: the form shows it and keeps its id for the next save.
    assert 'class="lead-preview"' in answer.text
    kept = re.search(r'name="lead_image_id" value="(\d+)"', answer.text)
    assert kept is not None
