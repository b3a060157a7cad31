"""Every reader-facing page scores at least 95 for performance and 100 for accessibility,
best practices and SEO in Lighthouse 12.2.3, on mobile and desktop, in Debian's chromium."""

from __future__ import annotations

import json
import os
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM
from tests.conftest import IN_CI
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
    with running_server(f"sqlite:///{workdir / 'site.db'}", workdir) as base:
        yield base


@pytest.mark.parametrize("form_factor", ["mobile", "desktop"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_scores(demo_site: str, name: str, form_factor: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    preset = ["--preset=desktop"] if form_factor == "desktop" else []
    command = [
        str(LIGHTHOUSE),
        demo_site + PAGES[name],
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
    failing = {
        key: audit.get("displayValue") or audit["title"]
        for key, audit in result["audits"].items()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit["scoreDisplayMode"] in ("binary", "numeric", "metricSavings")
    }
    for category, minimum in MINIMUM.items():
        assert scores[category] >= minimum, f"{name} {form_factor}: {scores}; {failing}"
