"""The ``tribune`` command: serve, migrate, import."""

from __future__ import annotations

import asyncio
import os
import sys
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from tribune import __version__
from tribune.settings import Settings
from tribune.storage.engine import Database
from tribune.vocabulary import Role

app = typer.Typer(
    help="Tribune: news stories and the reader discussion beneath them.",
    no_args_is_help=True,
    add_completion=False,
)
import_app = typer.Typer(
    help="Import stories and comments from other systems.", no_args_is_help=True
)
app.add_typer(import_app, name="import")

# soft_wrap: a long line stays one line (Rich would break it at 80 columns in a log file).
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DEMO = "putin-syria-story.txt"


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


async def _prepare(settings: Settings) -> None:
    """Migrate, then load the demo story into an empty database unless told not to."""
    from tribune.importers import import_page
    from tribune.storage import migrate
    from tribune.stories.service import has_stories

    db = Database(settings.database_url, pool_size=1)
    try:
        await migrate.upgrade(db)
        if settings.demo and not await has_stories(db):
            result = await import_page(db, demo_bytes())
            out.print(
                f"Loaded the demo story [bold]{result.title}[/bold] "
                f"with {result.comments_added} comments"
            )
    finally:
        await db.dispose()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
) -> None:
    """Apply pending migrations, load the demo story into an empty database, and serve."""
    import uvicorn

    settings = _settings()
    asyncio.run(_prepare(settings))
    settings.resolved_secret_key()  # create the key file once, before workers race for it
    out.print(f"Tribune {__version__} on http://{host}:{port} ({_describe(settings)})")
    uvicorn.run(
        "tribune.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
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

    asyncio.run(run())
    out.print("Database is up to date")


@import_app.command("page")
def import_page_command(
    file: Annotated[Path, typer.Argument(help="A plain-text page dump (- for standard input).")],
    url: Annotated[
        str | None, typer.Option(help="Where the page was published; identifies the story.")
    ] = None,
) -> None:
    """Import a story and its reader comments from a plain-text page dump."""
    from tribune.importers import ImportRefused, import_page
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
        asyncio.run(run())
    except ImportRefused as exc:
        err.print(f"[red]error:[/red] {file} was not imported: {exc}")
        raise typer.Exit(1) from None


@app.command()
def createadmin(
    email: Annotated[
        str | None, typer.Option(help="The admin's e-mail (asked if missing).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The admin's name (asked if missing).")] = None,
    role: Annotated[str, typer.Option(help="admin, moderator or editor.")] = Role.admin,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff account (an admin unless --role says otherwise)."""
    from tribune.accounts.service import create_staff
    from tribune.exceptions import Invalid
    from tribune.storage import migrate as migrations

    settings = _settings()
    email = email or typer.prompt("E-mail")
    name = name or typer.prompt("Name")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def run() -> None:
        db = Database(settings.database_url, pool_size=1)
        try:
            await migrations.upgrade(db)
            await create_staff(db, email=email, name=name, role=role, password=password)
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except Invalid as exc:
        for field, message in exc.errors.items():
            err.print(f"[red]error:[/red] {field}: {message}")
        raise typer.Exit(1) from None
    out.print(f"Created {role} [bold]{email.strip().casefold()}[/bold]; sign in at /admin/login")


@app.command()
def version() -> None:
    """Print Tribune's version."""
    out.print(__version__)


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
