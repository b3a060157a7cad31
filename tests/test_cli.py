"""The `tribune` command as a user runs it."""

from __future__ import annotations

import gc
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.server import TRIBUNE, running_server, tribune_env
from tribune.app import app_from_env

DATA = Path(__file__).parent / "data"


def run(*args: str, db: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRIBUNE, *args],
        env=tribune_env(f"sqlite:///{db}") | {"COLUMNS": "200"},
        input=stdin.decode() if stdin else None,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run("--help", db=tmp_path / "t.db")
    assert result.returncode == 0
    for command in ("serve", "migrate", "import", "version"):
        assert command in result.stdout


def test_import_page_then_again(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    first = run("import", "page", str(DATA / "twelve-comments.txt"), db=db)
    assert first.returncode == 0, first.stderr
    assert "Imported story Election night: results as they came in" in first.stdout
    assert "12 new comments, 0 already present" in first.stdout
    again = run("import", "page", str(DATA / "twelve-comments.txt"), db=db)
    assert "Already imported story" in again.stdout
    assert "0 new comments, 12 already present" in again.stdout


def test_import_refuses_a_binary_file_and_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    result = run("import", "page", str(bad), db=tmp_path / "t.db")
    assert result.returncode == 1
    assert "was not imported: the file holds NUL bytes" in result.stderr


def test_import_reports_a_missing_file(tmp_path: Path) -> None:
    result = run("import", "page", str(tmp_path / "nope.txt"), db=tmp_path / "t.db")
    assert result.returncode == 1
    assert "cannot read" in result.stderr


def test_import_from_standard_input(tmp_path: Path) -> None:
    result = run(
        "import", "page", "-", db=tmp_path / "t.db", stdin=(DATA / "no-comments.txt").read_bytes()
    )
    assert result.returncode == 0, result.stderr
    assert "Council approves new cycle lanes" in result.stdout


def test_invalid_setting_is_named(tmp_path: Path) -> None:
    result = subprocess.run(
        [TRIBUNE, "migrate"],
        env=tribune_env("mysql://x"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "TRIBUNE_DATABASE_URL" in result.stderr


def test_serve_loads_the_demo_into_an_empty_database_once(tmp_path: Path) -> None:
    db = tmp_path / "site.db"
    with running_server(f"sqlite:///{db}", tmp_path) as base:
        stories = httpx.get(f"{base}/api/v1/stories").json()["stories"]
        assert [s["comment_count"] for s in stories] == [5]
        assert stories[0]["url"].startswith(base)
    # A second start finds the story and does not load it again.
    with running_server(f"sqlite:///{db}", tmp_path) as base:
        assert len(httpx.get(f"{base}/api/v1/stories").json()["stories"]) == 1
    assert (tmp_path / ".tribune-secret").exists() is False  # the key came from the environment


def test_serve_without_demo_stays_empty(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 'e.db'}", tmp_path, TRIBUNE_DEMO="0") as base:
        assert httpx.get(f"{base}/api/v1/stories").json()["stories"] == []


def test_served_app_keeps_what_startup_loaded_out_of_full_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tribune serve`'s app (the factory its workers call) freezes what it loaded, so a full
    collection under load does not stall the loop scanning the code and its templates."""
    monkeypatch.setenv("TRIBUNE_DATABASE_URL", f"sqlite:///{tmp_path / 't.db'}")
    monkeypatch.setenv("TRIBUNE_SECRET_KEY", "s" * 40)
    assert gc.get_freeze_count() == 0
    try:
        app_from_env()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # this process is the test run, not a server
