"""Browser tests: Debian's Chromium driven by Playwright against a real `tribune serve`.

Without /usr/bin/chromium the browser tests are skipped with a warning, except under CI,
where they fail.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import IN_CI, POSTGRESQL_URL, run_async, truncate_postgresql
from tests.helpers import PASSWORD
from tests.server import TRIBUNE, running_server, tribune_env

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path(__file__).parents[2] / "test-results"


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, which would stop the async tests of other modules from starting theirs.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("chromium is not installed; CI requires the browser tests", pytrace=False)
        warnings.warn(
            "\n\n!!! SKIPPING BROWSER TESTS: chromium is not installed !!!\n", stacklevel=1
        )
        pytest.skip("chromium is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgresql_ready: str | None,
) -> Iterator[str]:
    """A running Tribune with the demo story, on each database."""
    workdir = tmp_path_factory.mktemp("site")
    with running_server(site_database(request.param, workdir, postgresql_ready), workdir) as base:
        yield base


def site_database(kind: str, workdir: Path, postgresql_ready: str | None) -> str:
    """A fresh database of that kind for a site: a file in workdir, or the emptied shared
    PostgreSQL (skipped when it is unavailable)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'site.db'}"
    if postgresql_ready:
        pytest.skip("PostgreSQL unavailable")
    run_async(truncate_postgresql())
    return POSTGRESQL_URL


@pytest.fixture
def console_errors() -> list[str]:
    """What the browser logged as errors; a test that expects some removes them."""
    return []


@pytest.fixture
def page(browser: Browser, console_errors: list[str]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: console_errors.append(str(e)))
    yield tab
    context.close()
    assert console_errors == [], f"the browser logged errors: {console_errors}"


def screenshot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def add_staff(database_url: str, workdir: Path, email: str, name: str, role: str) -> None:
    """A staff account with PASSWORD, made as an operator makes one: `tribune createadmin`."""
    account = ["--email", email, "--name", name, "--role", role]
    subprocess.run(
        [TRIBUNE, "createadmin", *account, "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        env=tribune_env(database_url),
        cwd=workdir,
        check=True,
        capture_output=True,
    )


def sign_in(page: Any, base: str, email: str) -> None:
    """Sign a staff member in through the login form the moderation queue sends them to."""
    page.goto(base + "/admin/moderation")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/moderation")
