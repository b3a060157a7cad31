"""The story editor's pages validate with the Nu HTML checker, as the reader pages do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import csrf_of
from tests.pages.test_html_valid import checked_html, vnu
from tests.pages.test_story_editor import FORM, _new, _save, _story_id

pytestmark = pytest.mark.anyio

DATETIME_LOCAL_ADVISORY = (
    "The “datetime-local” input type is not supported in all browsers. "
    "Please be sure to test, and consider using a polyfill."
)


async def test_the_editor_pages_are_valid_html(
    editor: httpx.AsyncClient, story: dict[str, Any], tmp_path: Path
) -> None:
    command = vnu()
    story_id = _story_id(await _new(editor))
    assert (await _save(editor, story_id, body="Another body. #Syria")).status_code == 303
    token = await csrf_of(editor, "/admin/stories/new")
    answers = {
        "list": await editor.get("/admin/stories"),
        "new": await editor.get("/admin/stories/new"),
        "edit": await editor.get(f"/admin/stories/{story_id}?done=saved"),
        "refused": await _new(editor, title="", source_url="nope"),
        "conflict": await editor.post(
            f"/admin/stories/{story_id}",
            data={**FORM, "revision": "1", "action": "save", "csrf_token": token},
        ),
        "revisions": await editor.get(f"/admin/stories/{story_id}/revisions"),
        "compare": await editor.get(f"/admin/stories/{story_id}/compare?a=1&b=2"),
        "delete": await editor.get(f"/admin/stories/{story['id']}/delete"),
        "preview": await editor.post("/admin/stories/preview", data={**FORM, "csrf_token": token}),
    }
    files = []
    for name, answer in answers.items():
        assert answer.status_code in (200, 409, 422), (name, answer.status_code)
        file = tmp_path / f"{name}.html"
        file.write_text(answer.text)
        files.append(str(file))
    assert re.search(r"saved this story while you were editing", answers["conflict"].text)
    problems = checked_html(command, files, ignored={DATETIME_LOCAL_ADVISORY})
    assert problems == [], "\n".join(problems)
