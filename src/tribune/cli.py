"""The ``tribune`` command: serve, migrate, import, export, restore, createadmin, token."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, TypeVar

import asyncpg  # type: ignore[import-untyped]
import click
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from typer.core import TyperGroup

from tribune import __version__
from tribune.settings import Settings
from tribune.storage.engine import Database
from tribune.vocabulary import Role

app = typer.Typer(
    help="Tribune: news stories and the reader discussion beneath them.",
    no_args_is_help=True,
    add_completion=False,
    # A crash's traceback without every frame's variables (the settings, the secret among
    # them): plain enough to report, short enough to read.
    pretty_exceptions_show_locals=False,
)


class _ImportCommands(TyperGroup):
    """`tribune import FILE` with no kind: the file goes to the command that recognises it."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args.insert(0, "auto")
        return super().resolve_command(ctx, args)


import_app = typer.Typer(
    cls=_ImportCommands,
    help="Import stories and comments from other systems: `tribune import KIND FILE`, or "
    "`tribune import FILE` to have the kind recognised from the content.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")
token_app = typer.Typer(
    help="Staff API tokens, for a newsroom's CMS pushing stories.", no_args_is_help=True
)
app.add_typer(token_app, name="token")

# soft_wrap: a long line stays one line (Rich would break it at 80 columns in a log file).
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DEMO = "putin-syria-story.txt"
T = TypeVar("T")
# SQLSTATE classes of a server refusing the connection itself: connection exceptions (08),
# a role or password it does not accept (28), a database that does not exist (3D), too many
# connections (53300), shutting down or starting (57P0x).
CONNECT_SQLSTATES = ("08", "28", "3D", "53300", "57P0")
WILDCARDS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104  # nosec B104  # names, not a bind


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = "TRIBUNE_" + str(error["loc"][0]).upper()
            message = error["msg"].removeprefix("Value error, ")
            err.print(f"[red]error:[/red] {field} {escape(message)}", highlight=False)
        raise typer.Exit(2) from None


def demo_bytes() -> bytes:
    return files("tribune").joinpath("demo", DEMO).read_bytes()


def _connect_failure(exc: BaseException) -> str | None:
    """Why the database could not be reached at all, in a few words, or None for any other
    error (which is a bug, and keeps its traceback)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return f"no such host ({seen.strerror or seen})"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, TimeoutError):
            return "no answer (timed out)"
        if isinstance(seen, OSError) and not isinstance(seen, sqlite3.Error):
            return (seen.strerror or str(seen)).lower()
        if isinstance(seen, asyncpg.PostgresError):
            if str(getattr(seen, "sqlstate", "")).startswith(CONNECT_SQLSTATES):
                return str(seen)
            return None
        if isinstance(seen, sqlite3.OperationalError) and "unable to open" in str(seen):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def _database_place(settings: Settings) -> str:
    path = settings.sqlite_path()
    if settings.is_sqlite:
        return f"open the SQLite database {path}" if path else "open the SQLite database"
    url = make_url(settings.database_url)
    host = url.host or "localhost"
    return f"connect to PostgreSQL at {host}:{url.port or 5432}"


def _run(settings: Settings, work: Coroutine[Any, Any, T]) -> T:
    """Run a command's database work; a database that cannot be reached is one line, rc 1."""
    try:
        return asyncio.run(work)
    except Exception as exc:
        reason = _connect_failure(exc)
        if reason is None:
            raise
        err.print(
            f"[red]error:[/red] cannot {escape(_database_place(settings))}: {escape(reason)}",
            highlight=False,
        )
        raise typer.Exit(1) from None


async def _prepare(settings: Settings) -> None:
    """Migrate, then load the demo story into an empty database unless told not to."""
    from tribune.storage import migrate
    from tribune.stories.service import has_stories

    db = Database(settings.database_url, pool_size=1)
    try:
        await migrate.upgrade(db)
        if settings.demo and not await has_stories(db):
            # Imported only here: with the comments' service behind it, some 0.3 s of CPU
            # that a start with --workers N paid before any worker began to import the app.
            from tribune.importers.service import import_page

            result = await import_page(db, demo_bytes())
            out.print(
                f"Loaded the demo story [bold]{escape(result.title)}[/bold] "
                f"with {result.comments_added} comments",
                highlight=False,
            )
    finally:
        await db.dispose()


def served_url(host: str, port: int) -> str:
    """The address `serve` listens on as a link: a wildcard (0.0.0.0, ::) is written as
    127.0.0.1, the one address sure to reach it from this machine."""
    name = "127.0.0.1" if host in WILDCARDS else host
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    return f"http://{name}" + ("" if port == 80 else f":{port}")


@contextmanager
def _reserved(host: str, port: int) -> Iterator[None]:
    """The listening address, bound (not yet listening) while the database is prepared, so
    that a port in use is one clear line before anything starts; released just before the
    server binds it (with the same options)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            hint = " (another server runs there: stop it, or choose --port)"
            err.print(
                f"[red]error:[/red] cannot listen on {escape(host)}:{port}: {escape(reason)}"
                + (hint if exc.errno == errno.EADDRINUSE else ""),
                highlight=False,
            )
            raise typer.Exit(1) from None
        yield
    finally:
        sock.close()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
) -> None:
    """Apply pending migrations, load the demo story into an empty database, and serve."""
    import uvicorn

    settings = _settings()
    with _reserved(host, port):
        if "base_url" not in settings.model_fields_set:
            # Links follow the address served (PORT=8123 make run), in every worker: they
            # read the settings from this environment.
            base_url = served_url(host, port)
            os.environ["TRIBUNE_BASE_URL"] = base_url
            settings = _settings()
            out.print(
                f"Links use {base_url}; set TRIBUNE_BASE_URL for your public address",
                highlight=False,
            )
        _run(settings, _prepare(settings))
        settings.resolved_secret_key()  # create the key file once, before workers race for it
    out.print(
        f"Tribune {__version__} on {served_url(host, port)} ({_describe(settings)})",
        highlight=False,
    )
    uvicorn.run(
        "tribune.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        access_log=settings.access_log,
        # The app reads X-Forwarded-For itself, from TRIBUNE_TRUSTED_PROXIES only (a client
        # must not pick its own address: it keys rate limits), and warns about the others.
        proxy_headers=False,
        server_header=False,
        # Live streams never end by themselves: on shutdown they get this long, then close
        # and browsers reconnect (to another instance behind a proxy).
        timeout_graceful_shutdown=5,
    )


def _describe(settings: Settings) -> str:
    path = settings.sqlite_path()
    return f"SQLite {path}" if path else settings.database_url.split("@")[-1].split("?")[0]


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from tribune.storage import migrate as migrations

    settings = _settings()

    async def run() -> None:
        db = Database(settings.database_url, pool_size=1)
        try:
            await migrations.upgrade(db)
        finally:
            await db.dispose()

    _run(settings, run())
    out.print("Database is up to date")


@import_app.command("page")
def import_page_command(
    file: Annotated[Path, typer.Argument(help="A plain-text page dump (- for standard input).")],
    url: Annotated[
        str | None, typer.Option(help="Where the page was published; identifies the story.")
    ] = None,
) -> None:
    """Import a story and its reader comments from a plain-text page dump."""
    from tribune.importers.service import ImportRefused, import_page
    from tribune.storage import migrate as migrations

    settings = _settings()
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot read {file}: {exc.strerror}")
        raise typer.Exit(1) from None

    async def run() -> None:
        db = Database(settings.database_url, pool_size=1)
        try:
            await migrations.upgrade(db)
            result = await import_page(db, data, url=url)
        finally:
            await db.dispose()
        verb = "Imported" if result.story_created else "Already imported"
        out.print(f"{verb} story [bold]{result.title}[/bold] at /stories/{result.slug}")
        out.print(
            f"{result.comments_added} new comments, "
            f"{result.comments_seen - result.comments_added} already present"
        )

    try:
        _run(settings, run())
    except ImportRefused as exc:
        err.print(f"[red]error:[/red] {file} was not imported: {exc}")
        raise typer.Exit(1) from None


DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Check the file and say what it holds; store nothing.")
]


def _import_archive(kind: str, file: Path, dry_run: bool, **options: Any) -> None:
    """An archive import (any kind but page) with its progress and summary."""
    import tribune.importers.service as importers

    settings = _settings()
    run = importers.ARCHIVE_IMPORTS[kind]

    async def work(db: Database) -> Any:
        with _import_progress() as progress:
            return await run(db, file, dry_run=dry_run, progress=progress, **options)

    try:
        summary = _open(settings, work)
    except importers.ImportRefused as exc:
        err.print(f"[red]error:[/red] {escape(str(file))} was not imported: {escape(str(exc))}")
        raise typer.Exit(1) from None
    for line in importers.described(summary, kind):
        out.print(line, highlight=False)


@import_app.command("wxr")
def import_wxr_command(
    file: Annotated[Path, typer.Argument(help="A WordPress export (WXR 1.0–1.2, .xml).")],
    dry_run: DryRun = False,
) -> None:
    """Import posts and their comments from a WordPress export (Tools → Export)."""
    _import_archive("wxr", file, dry_run)


@import_app.command("disqus")
def import_disqus_command(
    file: Annotated[Path, typer.Argument(help="A Disqus export (.xml, or .xml.gz as mailed).")],
    dry_run: DryRun = False,
) -> None:
    """Import threads and posts from a Disqus export: each thread becomes its page's
    embedded discussion."""
    _import_archive("disqus", file, dry_run)


@import_app.command("isso")
def import_isso_command(
    file: Annotated[Path, typer.Argument(help="Isso's SQLite database file (comments.db).")],
    site: Annotated[
        str | None,
        typer.Option(
            help="The site Isso served (https://blog.example): threads become its pages'."
        ),
    ] = None,
    dry_run: DryRun = False,
) -> None:
    """Import threads and comments (with replies, modes and votes) from an Isso database."""
    from tribune import urls

    if site is not None and urls.origin(site) is None:
        err.print(f"[red]error:[/red] site: {escape(site)} is not a site's address (https://…)")
        raise typer.Exit(2)
    _import_archive("isso", file, dry_run, site=site)


@import_app.command("remark42")
def import_remark42_command(
    file: Annotated[Path, typer.Argument(help="A Remark42 backup (gzip of JSON lines).")],
    dry_run: DryRun = False,
) -> None:
    """Import comments from a Remark42 backup: each page's become its embedded discussion."""
    _import_archive("remark42", file, dry_run)


@import_app.command("commento")
def import_commento_command(
    file: Annotated[Path, typer.Argument(help="A Commento export (JSON, version 1).")],
    dry_run: DryRun = False,
) -> None:
    """Import comments from a Commento export: each page's become its embedded discussion."""
    _import_archive("commento", file, dry_run)


@import_app.command("auto", hidden=True)
def import_any_command(
    file: Annotated[Path, typer.Argument(help="Any file the kinds above read.")],
    dry_run: DryRun = False,
) -> None:
    """`tribune import FILE`: the kind recognised from the content, and said."""
    from tribune.importers.markup import recognise
    from tribune.importers.service import KINDS

    kind = recognise(file) if file.is_file() else None
    if kind is None:
        err.print(
            f"[red]error:[/red] {escape(str(file))} was not imported: its content is not any "
            f"kind Tribune imports ({', '.join(KINDS)})"
        )
        raise typer.Exit(1)
    err.print(f"Recognised {KINDS[kind]}", highlight=False)
    if kind == "page":
        if dry_run:
            err.print("[red]error:[/red] --dry-run: page dumps are imported as they are read")
            raise typer.Exit(2)
        import_page_command(file)
        return
    _import_archive(kind, file, dry_run)


@app.command()
def createadmin(
    email: Annotated[
        str | None, typer.Option(help="The admin's e-mail (asked if missing).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The admin's name (asked if missing).")] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="admin, moderator or editor (asked if missing; required without a terminal)."
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff account: an admin, a moderator or an editor."""
    from tribune.accounts.service import create_staff
    from tribune.exceptions import Invalid
    from tribune.storage import migrate as migrations

    settings = _settings()
    if role is None and (password_stdin or not sys.stdin.isatty()):
        err.print("[red]error:[/red] role: --role is required (admin, moderator or editor)")
        raise typer.Exit(2)
    email = email or typer.prompt("E-mail")
    name = name or typer.prompt("Name")
    if role is None:
        role = typer.prompt(
            "Role (admin: everything; moderator: the queue and bans; editor: stories)",
            type=click.Choice([r.value for r in Role]),
            show_choices=True,
        )
    chosen: str = role
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def run() -> None:
        db = Database(settings.database_url, pool_size=1)
        try:
            await migrations.upgrade(db)
            await create_staff(db, email=email, name=name, role=chosen, password=password)
        finally:
            await db.dispose()

    try:
        _run(settings, run())
    except Invalid as exc:
        for field, message in exc.errors.items():
            err.print(f"[red]error:[/red] {field}: {message}")
        raise typer.Exit(1) from None
    out.print(f"Created {chosen} [bold]{email.strip().casefold()}[/bold]; sign in at /admin/login")


def _open(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on the migrated database, closing it afterwards."""
    from tribune.storage import migrate as migrations

    async def run() -> T:
        db = Database(settings.database_url, pool_size=1)
        try:
            await migrations.upgrade(db)
            return await work(db)
        finally:
            await db.dispose()

    return _run(settings, run())


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help='Who or what will use it, e.g. "Newsroom CMS".')],
    scope: Annotated[str, typer.Option(help="What it may do: stories or moderation.")],
) -> None:
    """Create a token and print its secret, once: only its hash is kept."""
    from tribune.accounts import tokens
    from tribune.exceptions import Invalid

    settings = _settings()
    try:
        row, secret = _open(settings, lambda db: tokens.create(db, name, scope, None))
    except Invalid as exc:
        for field, message in exc.errors.items():
            err.print(f"[red]error:[/red] {field}: {escape(message)}", highlight=False)
        raise typer.Exit(2) from None
    err.print(
        f"Created token {row['id']} “{escape(row['name'])}” (scope {row['scope']}). "
        "The secret below is shown only this once: store it now.",
        highlight=False,
    )
    # The secret alone on standard output, so `tribune token create ... > file` keeps it.
    print(secret)


@token_app.command("list")
def token_list() -> None:
    """List the tokens: id, scope, name, created, last used, revoked (never a secret)."""
    from tribune.accounts import tokens

    def when(value: datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"

    rows = _open(_settings(), tokens.list_tokens)
    if not rows:
        err.print("No tokens yet: make one with tribune token create --name NAME --scope SCOPE")
        return
    for row in rows:
        made_by = row["created_by_name"] or ("command line" if not row["created_by"] else "?")
        state = f"revoked {when(row['revoked_at'])}" if row["revoked_at"] else "in force"
        out.print(
            f"{row['id']}\t{row['scope']}\t{escape(row['name'])}\t"
            f"created {when(row['created_at'])} by {escape(made_by)}\t"
            f"last used {when(row['last_used_at'])}\t{state}",
            highlight=False,
            markup=True,
        )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[
        int, typer.Argument(metavar="ID", help="The token's id (tribune token list).")
    ],
) -> None:
    """Revoke a token: whatever uses it is refused from now on."""
    from tribune.accounts import tokens
    from tribune.exceptions import Conflict, NotFound

    try:
        row = _open(_settings(), lambda db: tokens.revoke(db, token_id, None))
    except NotFound as exc:
        err.print(
            f"[red]error:[/red] {escape(exc.detail)} (see tribune token list)", highlight=False
        )
        raise typer.Exit(2) from None
    except Conflict as exc:
        err.print(f"[red]error:[/red] {escape(exc.detail)}", highlight=False)
        raise typer.Exit(1) from None
    out.print(f"Revoked token {row['id']} “{escape(row['name'])}”", highlight=False)


@contextmanager
def _rows_progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar with rows and rate on a terminal; a plain line every 10,000 rows
    without one (a log file, a pipe)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    if not err.is_terminal:
        done = 0

        def plain(rows: int) -> None:
            nonlocal done
            if (done + rows) // 10_000 > done // 10_000:
                err.print(f"{label}: {done + rows:,} rows", highlight=False)
            done += rows

        yield plain
        return
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TaskProgressColumn()]
    with Progress(
        *columns, TextColumn("{task.speed} rows/s"), TimeElapsedColumn(), console=err
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda rows: bar.advance(task, rows)


@contextmanager
def _import_progress() -> Iterator[Callable[[str, int], None]]:
    """An archive import's two passes as progress bars: checking the file (comments read, the
    total not known yet), then storing them (of the total the check found); plain lines every
    10,000 comments without a terminal."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from tribune.importers.service import CHECKING

    labels = {CHECKING: "Checking", "storing": "Importing"}
    if not err.is_terminal:
        done = dict.fromkeys(labels, 0)

        def plain(phase: str, rows: int) -> None:
            if (done[phase] + rows) // 10_000 > done[phase] // 10_000:
                err.print(f"{labels[phase]}: {done[phase] + rows:,} comments", highlight=False)
            done[phase] += rows

        yield plain
        return
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(
        *columns,
        TaskProgressColumn(),
        TextColumn("{task.speed} comments/s"),
        TimeElapsedColumn(),
        console=err,
    ) as bar:
        tasks: dict[str, TaskID] = {}
        checked = 0

        def advance(phase: str, rows: int) -> None:
            nonlocal checked
            if phase not in tasks:
                if CHECKING in tasks:  # the check is over: its bar shows it complete
                    bar.update(tasks[CHECKING], total=checked)
                total = None if phase == CHECKING else checked
                tasks[phase] = bar.add_task(labels[phase], total=total)
            if phase == CHECKING:
                checked += rows
            bar.advance(tasks[phase], rows)

        yield advance


@app.command("export")
def export_command(
    file: Annotated[Path, typer.Argument(help="Where to write it (gzip when it ends in .gz).")],
    with_secrets: Annotated[
        bool,
        typer.Option(
            "--with-secrets", help="Keep staff password hashes and API tokens in the file."
        ),
    ] = False,
) -> None:
    """Write the whole site to one file (JSON Lines): stories, comments, votes, reports,
    moderation, staff, settings, the audit log. `tribune restore` reads it back."""
    from tribune.importers import backup

    settings = _settings()

    async def work(db: Database) -> backup.Summary:
        total = await backup.row_count(db, with_secrets=with_secrets)
        with _rows_progress("Exporting", total) as progress:
            return await backup.export(db, file, with_secrets=with_secrets, progress=progress)

    try:
        summary = _open(settings, work)
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot write {escape(str(file))}: {exc.strerror}")
        raise typer.Exit(1) from None
    out.print(f"Exported {summary.rows:,} rows to {escape(str(file))}", highlight=False)


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file `tribune export` wrote (.gz or not).")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace everything the database holds.")
    ] = False,
) -> None:
    """Load a backup into an empty database (or, with --force, in place of what it holds):
    all of it, or nothing when anything in the file is wrong."""
    from tribune.importers import backup

    settings = _settings()

    async def work(db: Database) -> backup.Summary:
        with _rows_progress("Restoring", None) as progress:
            return await backup.restore(db, file, force=force, progress=progress)

    try:
        summary = _open(settings, work)
    except backup.BackupRefused as exc:
        err.print(f"[red]error:[/red] {escape(str(file))} was not restored: {escape(str(exc))}")
        raise typer.Exit(1) from None
    counts = ", ".join(f"{n:,} {name}" for name, n in summary.tables.items() if n)
    out.print(f"Restored {summary.rows:,} rows ({counts})", highlight=False)


@app.command()
def version() -> None:
    """Print Tribune's version."""
    out.print(__version__)


def _print_version(asked: bool) -> None:
    if asked:
        out.print(__version__)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Tribune: news stories and the reader discussion beneath them."""


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
