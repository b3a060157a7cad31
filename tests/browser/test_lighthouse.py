"""Every reader-facing page scores at least 95 for performance and 100 for accessibility,
best practices and SEO in Lighthouse 12.2.3, on mobile and desktop, in Debian's chromium."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import warnings
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.browser.conftest import CHROMIUM, add_staff
from tests.browser.hosts import article, host_sites
from tests.conftest import IN_CI
from tests.helpers import PASSWORD
from tests.server import running_server

pytestmark = pytest.mark.browser

LIGHTHOUSE = Path(__file__).parents[2] / ".lighthouse" / "node_modules" / ".bin" / "lighthouse"
FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
)
PAGES = {
    "home": "/",
    "story": "/stories/turkeys-syria-op-could-see-isis-terrorists-scattering-putin",
    "tag": "/tags/putin",
    "story-with-image": "/stories/harbour-council-votes-to-rebuild-the-old-pier",
    "search": "/search?q=putin",
}
RUNTIME_TRIES = 4
MINIMUM = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not LIGHTHOUSE.exists() or not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("Lighthouse or chromium is missing; CI requires them", pytrace=False)
        warnings.warn(
            "\n\n!!! SKIPPING LIGHTHOUSE: run `make test` to install it !!!\n", stacklevel=1
        )
        pytest.skip("Lighthouse is not installed")
    workdir = tmp_path_factory.mktemp("lighthouse")
    url = f"sqlite:///{workdir / 'site.db'}"
    with running_server(url, workdir) as base:
        add_staff(url, workdir, "ana@example.org", "Ana Reyes", "editor")
        publish_with_image(base, "ana@example.org")
        yield base


def publish_with_image(base: str, email: str) -> None:
    """A story with a lead image, written through the editor's form as an editor does."""
    with httpx.Client(base_url=base, follow_redirects=False) as editor:
        login = editor.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        signed = editor.post(
            "/admin/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token[1]},
        )
        assert signed.status_code == 303, signed.text
        form = editor.get("/admin/stories/new")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        picture = BytesIO()
        Image.new("RGB", (1600, 900), (30, 80, 140)).save(picture, "JPEG")
        made = editor.post(
            "/admin/stories/new",
            data={
                "title": "Harbour council votes to rebuild the old pier",
                "lead": "The vote ends ten years of argument over the harbour.",
                "body": "The council voted 7 to 2 on Tuesday. #Harbour\n\n> A pier that stands.",
                "lead_image_alt": "The old pier at low tide",
                "comment_mode": "open",
                "action": "publish",
                "csrf_token": token[1],
            },
            files={"lead_image": ("pier.jpg", picture.getvalue(), "image/jpeg")},
        )
        assert made.status_code == 303, made.text


@pytest.mark.parametrize("form_factor", ["mobile", "desktop"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_scores(demo_site: str, name: str, form_factor: str, tmp_path: Path) -> None:
    check_scores(demo_site + PAGES[name], name, form_factor, tmp_path)


@pytest.fixture(scope="module")
def embedding_page(demo_site: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another site's article (another loopback port) with a 200-comment Tribune thread."""
    with host_sites(1) as (host,):
        workdir = tmp_path_factory.mktemp("lighthouse-embed")
        url = f"sqlite:///{workdir / 'site.db'}"
        with running_server(url, workdir, TRIBUNE_ALLOWED_ORIGINS=host.origin) as base:
            address = host.page("/news/talks", article(base, "Ceasefire talks resume"))
            with httpx.Client(base_url=base) as api:
                opened = api.post("/api/v1/threads", json={"url": address, "title": "Talks"})
                story = opened.json()["id"]
                for n in range(200):
                    body = f"Comment {n}: the talks, the *ceasefire* and what comes next."
                    posted = api.post(
                        f"/api/v1/stories/{story}/comments",
                        json={"name": f"Reader {n % 37}", "body": body},
                    )
                    assert posted.status_code == 201, posted.text
            yield address


@pytest.mark.parametrize("form_factor", ["mobile", "desktop"])
def test_a_page_embedding_a_thread_scores(
    embedding_page: str, form_factor: str, tmp_path: Path
) -> None:
    check_scores(embedding_page, "embedding page", form_factor, tmp_path)


def check_scores(url: str, name: str, form_factor: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    preset = ["--preset=desktop"] if form_factor == "desktop" else []
    command = [
        str(LIGHTHOUSE),
        url,
        *preset,
        "--quiet",
        f"--chrome-flags={FLAGS}",
        "--output=json",
        f"--output-path={report}",
    ]
    # Lighthouse itself sometimes fails to drive Chrome (a runtime error such as NO_NAVSTART,
    # no report), more often on a busy two-core runner; such a run measures nothing, so it is
    # tried again after a pause. Scores are never retried.
    for attempt in range(RUNTIME_TRIES):
        if attempt:
            time.sleep(2 * attempt)
        run = subprocess.run(
            command,
            env=os.environ | {"CHROME_PATH": CHROMIUM},
            timeout=180,
            capture_output=True,
            text=True,
        )
        if run.returncode == 0:
            break
    assert run.returncode == 0, (
        f"lighthouse failed {RUNTIME_TRIES} times:\n{run.stdout}\n{run.stderr}"
    )
    result = json.loads(report.read_text())
    scores = {key: round(c["score"] * 100) for key, c in result["categories"].items()}
    print(f"lighthouse {name} {form_factor}: {scores}")
    failing = {
        key: audit.get("displayValue") or audit["title"]
        for key, audit in result["audits"].items()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit["scoreDisplayMode"] in ("binary", "numeric", "metricSavings")
    }
    for category, minimum in MINIMUM.items():
        assert scores[category] >= minimum, f"{name} {form_factor}: {scores}; {failing}"
