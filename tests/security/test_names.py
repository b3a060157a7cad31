"""F43: a name cannot pass for the staff's or turn the page's text around; every name is
shown bidi-isolated."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import post_comment, posted, staff_member

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "name",
    ["\u202eadmin", "admin\u200b", "Ann\u2066a", "\ufeffBob"],
    ids=["right-to-left-override", "zero-width-space", "isolate", "byte-order-mark"],
)
async def test_invisible_and_direction_changing_characters_are_refused(
    client: httpx.AsyncClient, story: dict[str, Any], name: str
) -> None:
    answer = await post_comment(client, story["id"], "Hello", name=name)
    assert answer.status_code == 422
    assert (
        "invisible characters, or ones that turn the text around" in answer.json()["errors"]["name"]
    )


@pytest.mark.parametrize("name", ["Admin", "аdmin", "MODERATOR", "Ed Itor", "Εd Ιtor"])
async def test_staff_names_and_look_alikes_are_refused(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any], name: str
) -> None:
    member = await staff_member(app, "editor")  # named "Editor"
    assert member.name == "Editor"
    answer = await post_comment(client, story["id"], "Official word", name=name.replace(" ", ""))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"]["name"] == (
        "This name belongs to the site's staff; please choose another"
    )
    assert answer.json()["comment"]["body"] == "Official word"


async def test_ordinary_names_in_any_script_are_welcome(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    for name in ("Мария", "محمد", "Adam Minsky", "李雷", "👨‍👩‍👧 family"):
        assert (
            await post_comment(client, story["id"], f"Hi from {name}", name=name)
        ).status_code == 201


async def test_names_are_isolated_in_the_page(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    await posted(client, story["id"], "Shalom", name="שלום 2")
    page = await client.get(f"/stories/{story['slug']}")
    assert "<bdi>שלום 2</bdi>" in page.text
    assert '<div class="comment-body" dir="auto">' in page.text
