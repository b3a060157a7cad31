"""`tribune token create|list|revoke` as an operator runs them, on both databases: the secret
printed once and alone on standard output, stored only as its hash, errors in words (exit
code 2 for bad input)."""

from __future__ import annotations

import hashlib
import re
import subprocess

import sqlalchemy as sa

from tests.conftest import run_async
from tests.server import TRIBUNE, tribune_env
from tribune.accounts import tokens
from tribune.storage.engine import Database
from tribune.storage.tables import api_tokens, audit_log

SECRET = re.compile(r"trb_[A-Za-z0-9_-]{43}")


def run(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRIBUNE, *args],
        env=tribune_env(database_url) | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def stored_rows(database_url: str) -> str:
    async def read() -> str:
        db = Database(database_url, pool_size=1)
        try:
            async with db.read() as conn:
                rows = [
                    *(await conn.execute(sa.select(api_tokens))).all(),
                    *(await conn.execute(sa.select(audit_log))).all(),
                ]
        finally:
            await db.dispose()
        return "\n".join(repr(tuple(row)) for row in rows)

    return run_async(read())


def authenticates(database_url: str, secret: str) -> bool:
    async def check() -> bool:
        db = Database(database_url, pool_size=1)
        try:
            return await tokens.authenticate(db, secret) is not None
        finally:
            await db.dispose()

    return run_async(check())


def test_create_prints_the_secret_alone_once_and_keeps_its_hash(database_url: str) -> None:
    made = run(
        "token", "create", "--name", "Newsroom CMS", "--scope", "stories", database_url=database_url
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert SECRET.fullmatch(secret), made.stdout  # nothing else on standard output
    assert made.stdout == secret + "\n"
    assert "Created token 1 “Newsroom CMS” (scope stories)" in made.stderr
    assert "shown only this once" in made.stderr
    assert secret not in made.stderr
    rows = stored_rows(database_url)
    assert secret not in rows and secret[4:] not in rows
    assert hashlib.sha256(secret.encode()).hexdigest() in rows
    assert "token.create" in rows and "command line" in rows  # audited, by the command line
    assert authenticates(database_url, secret)

    listed = run("token", "list", database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    assert secret not in listed.stdout and not SECRET.search(listed.stdout)
    line = listed.stdout.strip()
    assert line.startswith("1") and "stories" in line and "Newsroom CMS" in line
    assert "by command line" in line and "last used 20" in line and "in force" in line

    revoked = run("token", "revoke", "1", database_url=database_url)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == "Revoked token 1 “Newsroom CMS”"
    assert not authenticates(database_url, secret)
    assert "revoked 20" in run("token", "list", database_url=database_url).stdout

    again = run("token", "revoke", "1", database_url=database_url)
    assert again.returncode == 1
    assert "The token “Newsroom CMS” was already revoked" in again.stderr


def test_bad_input_is_refused_in_words_with_exit_code_2(database_url: str) -> None:
    empty = run("token", "create", "--name", " ", "--scope", "admin", database_url=database_url)
    assert empty.returncode == 2
    assert empty.stdout == ""
    assert "name: Please give the token a name" in empty.stderr
    assert "scope: Please choose what the token may do: stories or moderation." in empty.stderr
    long = run(
        "token", "create", "--name", "x" * 101, "--scope", "moderation", database_url=database_url
    )
    assert long.returncode == 2
    assert "at most 100 characters; this one has 101" in long.stderr
    missing = run("token", "create", "--name", "CMS", database_url=database_url)
    assert missing.returncode == 2 and "--scope" in missing.stderr
    unknown = run("token", "revoke", "42", database_url=database_url)
    assert unknown.returncode == 2
    assert "There is no token 42" in unknown.stderr
    assert run("token", "revoke", "first", database_url=database_url).returncode == 2
    listed = run("token", "list", database_url=database_url)
    assert listed.returncode == 0 and listed.stdout == ""
    assert "No tokens yet" in listed.stderr


def test_help_names_the_token_commands(database_url: str) -> None:
    result = run("token", "--help", database_url=database_url)
    assert result.returncode == 0
    for command in ("create", "list", "revoke"):
        assert command in result.stdout
