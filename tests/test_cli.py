"""The `tribune` command as a user runs it."""

from __future__ import annotations

import gc
import gzip
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]
import httpx
import pytest

from tests.server import TRIBUNE, free_port, running_server, server_process, tribune_env
from tribune.app import app_from_env
from tribune.cli import demo_bytes, served_url

DATA = Path(__file__).parent / "data"


def run(
    *args: str, db: Path | str, stdin: bytes | None = None, columns: str = "200"
) -> subprocess.CompletedProcess[str]:
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    return subprocess.run(
        [TRIBUNE, *args],
        env=tribune_env(url) | {"COLUMNS": columns},
        input=stdin.decode() if stdin else None,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run("--help", db=tmp_path / "t.db")
    assert result.returncode == 0
    for command in ("serve", "migrate", "import", "export", "restore", "version"):
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


def test_version_option(tmp_path: Path) -> None:
    for args in (["--version"], ["version"]):
        result = run(*args, db=tmp_path / "t.db")
        assert result.returncode == 0
        assert re.fullmatch(r"\d+\.\d+\.\d+\S*\n", result.stdout)


def test_invalid_setting_reads_as_a_sentence_on_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [TRIBUNE, "migrate"],
        env=tribune_env("mysql://x") | {"COLUMNS": "40"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stderr == (
        "error: TRIBUNE_DATABASE_URL must start with sqlite:/// or postgresql://\n"
    )


# Start-up: the links follow the port served ---------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8123, "http://127.0.0.1:8123"),
        ("0.0.0.0", 8123, "http://127.0.0.1:8123"),  # nosec B104
        ("::", 8000, "http://127.0.0.1:8000"),
        ("::1", 8000, "http://[::1]:8000"),
        ("news.example.org", 80, "http://news.example.org"),
    ],
)
def test_the_served_address_as_a_link(host: str, port: int, url: str) -> None:
    assert served_url(host, port) == url


def test_serve_without_a_base_url_links_to_the_port_it_serves(tmp_path: Path) -> None:
    """`PORT=8123 make run` linked every API, feed and canonical URL to port 8000; and the
    two workers (each reading the settings itself) give the same links and feed ids."""
    served = server_process(
        f"sqlite:///{tmp_path / 'site.db'}", tmp_path, workers=2, own_base_url=False
    )
    with served as (base, _):
        story = httpx.get(f"{base}/api/v1/stories").json()["stories"][0]
        page = httpx.get(story["url"]).text
        answers = [httpx.get(f"{base}/feeds/comments.atom") for _ in range(12)]
    port = base.rsplit(":", 1)[1]
    assert story["url"].startswith(f"{base}/stories/")
    assert f'<link rel="canonical" href="{base}/stories/' in page
    feeds = [feedparser.parse(answer.content) for answer in answers]
    assert {tuple(e.id for e in feed.entries) for feed in feeds} != {()}
    assert len({tuple(e.id for e in feed.entries) for feed in feeds}) == 1
    assert all(e.link.startswith(base) for feed in feeds for e in feed.entries)
    log = (tmp_path / f"server-{port}.log").read_text()
    assert (
        f"Links use http://127.0.0.1:{port}; set TRIBUNE_BASE_URL for your public address\n" in log
    )
    # Not wrapped at 80 columns when the output is not a terminal.
    assert re.search(r"Loaded the demo story .+ – Putin with 5 comments\n", log)


def test_a_set_base_url_is_kept_and_not_announced(tmp_path: Path) -> None:
    with server_process(f"sqlite:///{tmp_path / 'site.db'}", tmp_path) as (base, _):
        assert httpx.get(f"{base}/api/v1/stories").json()["stories"][0]["url"].startswith(base)
    log = "".join(p.read_text() for p in tmp_path.glob("server-*.log"))
    assert "Links use" not in log


# Start-up failures: one line, rc 1, before anything starts -----------------------------------

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/db"


@pytest.mark.parametrize("command", [["migrate"], ["serve", "--port", "0"]])
def test_unreachable_postgresql_is_one_line(tmp_path: Path, command: list[str]) -> None:
    if command[0] == "serve":
        command[-1] = str(free_port())
    result = run(*command, db=UNREACHABLE)
    assert result.returncode == 1
    assert result.stderr == (
        "error: cannot connect to PostgreSQL at 127.0.0.1:1: connection refused\n"
    )
    assert "Traceback" not in result.stdout


def test_import_with_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    result = run("import", "page", str(DATA / "no-comments.txt"), db=UNREACHABLE)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: cannot connect to PostgreSQL at 127.0.0.1:1: connection refused"
    ]


def test_a_port_in_use_is_refused_before_startup(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), db=tmp_path / "t.db")
    assert result.returncode == 1
    assert result.stderr == (
        f"error: cannot listen on 127.0.0.1:{port}: address already in use "
        "(another server runs there: stop it, or choose --port)\n"
    )
    assert "startup" not in result.stdout.lower()
    assert not (tmp_path / "t.db").exists()  # nothing was migrated or loaded


def test_import_refuses_what_is_no_page_dump(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello world\nthis is not a story\n")
    result = run("import", "page", str(junk), db=tmp_path / "t.db")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"error: {junk} was not imported: this does not look like a page dump: "
    )
    assert len(result.stderr.splitlines()) == 1


def test_import_with_url_finds_the_story_imported_before(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    demo = tmp_path / "demo.txt"
    demo.write_bytes(demo_bytes())
    assert run("import", "page", str(demo), db=db).returncode == 0
    again = run("import", "page", str(demo), "--url", "https://on.rt.com/a37e", db=db)
    assert "Already imported story" in again.stdout
    assert "0 new comments, 5 already present" in again.stdout


def test_export_then_restore_into_an_empty_database_only(tmp_path: Path) -> None:
    source = tmp_path / "site.db"
    demo = Path(__file__).parents[1] / "src" / "tribune" / "demo" / "putin-syria-story.txt"
    assert run("import", "page", str(demo), db=source).returncode == 0
    exported = run("export", str(tmp_path / "site.jsonl.gz"), db=source)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("Exported ") and " rows to " in exported.stdout
    assert "Exporting: " not in exported.stderr  # a pipe: plain lines only past 10,000 rows
    target = tmp_path / "moved.db"
    restored = run("restore", str(tmp_path / "site.jsonl.gz"), db=target)
    assert restored.returncode == 0, restored.stderr
    assert re.search(r"Restored \d+ rows \(.*5 comments", restored.stdout), restored.stdout
    again = run("restore", str(tmp_path / "site.jsonl.gz"), db=target)
    assert again.returncode == 1
    assert "is not empty" in again.stderr and "--force" in again.stderr
    assert "Traceback" not in again.stderr
    forced = run("restore", "--force", str(tmp_path / "site.jsonl.gz"), db=target)
    assert forced.returncode == 0, forced.stderr
    cut = tmp_path / "cut.jsonl"
    cut.write_text(
        "\n".join(
            gzip.decompress((tmp_path / "site.jsonl.gz").read_bytes()).decode().splitlines()[:-1]
        )
    )
    refused = run("restore", "--force", str(cut), db=target)
    assert refused.returncode == 1 and "cut short" in refused.stderr


def test_import_wxr_says_what_it_found_and_did(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    blog = DATA / "wxr" / "blog.xml"
    dry = run("import", "wxr", "--dry-run", str(blog), db=db)
    assert dry.returncode == 0, dry.stderr
    assert "Recognised a WordPress export: 2 stories with 5 comments" in dry.stdout
    assert (
        "1 pingbacks and trackbacks" in dry.stdout and "Dry run: nothing was stored" in dry.stdout
    )
    first = run("import", "wxr", str(blog), db=db)
    assert first.returncode == 0, first.stderr
    assert "2 new stories, 0 existing ones, 5 new comments (0 already there)" in first.stdout
    again = run("import", "wxr", str(blog), db=db)
    assert "0 new stories, 2 existing ones, 0 new comments (5 already there)" in again.stdout
    bomb = run("import", "wxr", str(DATA / "wxr" / "entity-bomb.xml"), db=db)
    assert bomb.returncode == 1 and "declares XML entities" in bomb.stderr
    assert "Traceback" not in bomb.stderr


def test_import_disqus_reads_the_gzip_disqus_mails(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    done = run("import", "disqus", str(DATA / "disqus" / "export.xml.gz"), db=db)
    assert done.returncode == 0, done.stderr
    assert "Imported 2 stories with 5 comments: 2 new stories" in done.stdout
    assert "1 posts of threads not in the file" in done.stdout
    bomb = run("import", "disqus", str(DATA / "disqus" / "bomb.xml.gz"), db=db)
    assert bomb.returncode == 1 and "compression bomb" in bomb.stderr


def test_import_isso_with_its_site(tmp_path: Path) -> None:
    from tests.storage.test_import_isso import isso_file

    source = isso_file(tmp_path / "comments.db")
    done = run(
        "import", "isso", "--site", "https://blog.example", str(source), db=tmp_path / "t.db"
    )
    assert done.returncode == 0, done.stderr
    assert "Imported 2 stories with 4 comments" in done.stdout
    bad = run("import", "isso", "--site", "nope", str(source), db=tmp_path / "t.db")
    assert bad.returncode == 2 and "site:" in bad.stderr


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda tmp: DATA / "wxr" / "blog.xml", "Recognised a WordPress export"),
        (lambda tmp: DATA / "disqus" / "export.xml.gz", "Recognised a Disqus export"),
        (lambda tmp: DATA / "twelve-comments.txt", "Recognised a plain-text page dump"),
    ],
)
def test_import_without_a_kind_recognises_the_file(tmp_path: Path, make: Any, said: str) -> None:
    done = run("import", str(make(tmp_path)), db=tmp_path / "t.db")
    assert done.returncode == 0, done.stderr
    assert said in done.stderr
    assert "Imported" in done.stdout


def test_import_without_a_kind_refuses_what_it_does_not_know(tmp_path: Path) -> None:
    odd = tmp_path / "odd.xml"
    odd.write_text('<?xml version="1.0"?><feed/>')
    done = run("import", str(odd), db=tmp_path / "t.db")
    assert done.returncode == 1 and "is not any kind Tribune imports" in done.stderr


@pytest.mark.parametrize("logged", [False, True])
def test_the_access_log_is_off_unless_asked_for(tmp_path: Path, logged: bool) -> None:
    """Off by default (it cost ~40% of the fastest reads); TRIBUNE_ACCESS_LOG=1 brings it."""
    variables = {"TRIBUNE_ACCESS_LOG": "1"} if logged else {}
    with server_process(f"sqlite:///{tmp_path / 'site.db'}", tmp_path, env=variables) as (base, _):
        assert httpx.get(f"{base}/stories/no-such-story").status_code == 404
        log = next(tmp_path.glob("server-*.log"))
    lines = log.read_text()
    assert ("GET /stories/no-such-story HTTP/1.1" in lines) is logged, lines
    assert "Tribune" in lines  # the server's own lines are there either way
