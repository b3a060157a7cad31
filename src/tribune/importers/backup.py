"""Backup and restore: the whole site as one JSON Lines file, and back, on either database.

The format (version 1; the README's "Backup format" documents it for other tools):

- line 1, the header: ``{"format": "tribune-backup", "version": 1, "schema": REVISION,
  "secrets": BOOL, "tables": [NAME, ...]}``; REVISION is the database schema's migration;
- then one line per row, ``{"table": NAME, "row": {COLUMN: VALUE, ...}}``, the tables in the
  header's order (parents first) and each table's rows in primary key order;
- the last line, ``{"end": {"rows": N}}``: a file without it was cut short.

Values: text, numbers, booleans and null as JSON has them; times as UTC
``YYYY-MM-DDTHH:MM:SS.ffffffZ``; bytes (images) as base64; JSON columns as JSON. Keys are
sorted and nothing varies between runs, so the same site gives the same bytes from SQLite or
PostgreSQL: export, restore, export again, and the two files are identical.

Secrets stay out unless asked for: staff accounts come without their password hashes (after
a restore each has a password no one knows, until an admin sets a new one) and API tokens
are left out; ``with_secrets`` keeps both.
"""

from __future__ import annotations

import base64
import gzip
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from argon2 import PasswordHasher
from sqlalchemy import Boolean, LargeBinary, Table
from sqlalchemy.exc import IntegrityError

from tribune.storage import backup as store
from tribune.storage import migrate
from tribune.storage.engine import Database
from tribune.storage.tables import UTCDateTime

FORMAT = "tribune-backup"
VERSION = 1
SECRET_TABLES = frozenset({"api_tokens"})
SECRET_COLUMNS = {"staff": "password_hash"}
Progress = Callable[[int], None]  # told how many rows more were written or read


class BackupRefused(ValueError):
    """The backup cannot be restored (or written); nothing was changed. The message says
    why, naming the line when the file is at fault."""


@dataclass(slots=True)
class Summary:
    rows: int
    tables: dict[str, int]


def _open(path: Path, mode: str, *, gz: bool) -> IO[bytes]:
    if gz:
        return gzip.open(path, mode + "b", compresslevel=6)  # type: ignore[return-value]
    return path.open(mode + "b")


def _line(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS) + b"\n"


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _encode(table: Table, row: dict[str, Any], with_secrets: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row[column.name]
        if value is None:
            out[column.name] = None
        elif isinstance(column.type, UTCDateTime):
            out[column.name] = _time(value)
        elif isinstance(column.type, LargeBinary):
            out[column.name] = base64.b64encode(value).decode("ascii")
        else:
            out[column.name] = value
    secret = SECRET_COLUMNS.get(table.name)
    if secret and not with_secrets:
        out[secret] = None
    return out


async def schema_revision(db: Database) -> str:
    heads = await migrate.current_heads(db)
    return ",".join(sorted(heads))


def _exported(with_secrets: bool) -> list[Table]:
    """The tables an export writes, in order."""
    return [t for t in store.tables() if with_secrets or t.name not in SECRET_TABLES]


async def row_count(db: Database, *, with_secrets: bool = False) -> int:
    """How many rows an export would write (for its progress bar)."""
    async with db.read() as conn:
        return sum([await store.count(conn, table) for table in _exported(with_secrets)])


async def export(
    db: Database, path: Path, *, with_secrets: bool = False, progress: Progress | None = None
) -> Summary:
    """Write the whole site to ``path`` (gzip when it ends in .gz), streamed: one read
    transaction, so the file is one moment of the site."""
    chosen = _exported(with_secrets)
    counts: dict[str, int] = {}
    revision = await schema_revision(db)
    written = path.with_name(path.name + ".partial")
    try:
        with _open(written, "w", gz=path.name.endswith(".gz")) as out:
            header = {"format": FORMAT, "version": VERSION, "schema": revision}
            header |= {"secrets": with_secrets, "tables": [t.name for t in chosen]}
            out.write(_line(header))
            async with db.read() as conn:
                for table in chosen:
                    counts[table.name] = 0
                    async for row in store.rows(conn, table):
                        out.write(
                            _line({"table": table.name, "row": _encode(table, row, with_secrets)})
                        )
                        counts[table.name] += 1
                        if progress and counts[table.name] % 500 == 0:
                            progress(500)
                    if progress:
                        progress(counts[table.name] % 500)
            out.write(_line({"end": {"rows": sum(counts.values())}}))
        written.replace(path)  # a file at ``path`` is always a whole backup
    finally:
        written.unlink(missing_ok=True)
    return Summary(sum(counts.values()), counts)


# Restore ---------------------------------------------------------------------------------


def _decode(table: Table, row: Any, number: int, hasher: PasswordHasher) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise BackupRefused(f"line {number}: the row of {table.name} is not an object")
    unknown = set(row) - set(table.columns.keys())
    if unknown:
        raise BackupRefused(f"line {number}: {table.name} has no column {sorted(unknown)[0]}")
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row.get(column.name)
        try:
            if value is None:
                out[column.name] = None
            elif isinstance(column.type, UTCDateTime):
                out[column.name] = datetime.fromisoformat(value.replace("Z", "+00:00"))
            elif isinstance(column.type, LargeBinary):
                out[column.name] = base64.b64decode(value, validate=True)
            elif isinstance(column.type, Boolean) and not isinstance(value, bool):
                raise TypeError("not true or false")
            else:
                out[column.name] = value
        except (TypeError, ValueError, AttributeError) as exc:
            raise BackupRefused(
                f"line {number}: {table.name}.{column.name} is not a valid value ({exc})"
            ) from None
    secret = SECRET_COLUMNS.get(table.name)
    if secret and out.get(secret) is None:
        # No one knows this password: the member is given a new one by an admin.
        out[secret] = hasher.hash(secrets.token_urlsafe(32))
    return out


def _records(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        with _open(path, "r", gz=path.name.endswith(".gz")) as source:
            for number, line in enumerate(source, 1):
                if not line.strip():
                    continue
                try:
                    yield number, orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise BackupRefused(f"line {number}: not JSON ({exc})") from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise BackupRefused(f"{path} cannot be read: {exc}") from None


async def restore(
    db: Database, path: Path, *, force: bool = False, progress: Progress | None = None
) -> Summary:
    """Load a backup into this (migrated) database, all or nothing: refused unless the
    database is empty, or ``force`` says to replace what it holds."""
    try:
        return await _restore(db, path, force, progress)
    except IntegrityError as exc:
        # A row the database refuses (a reference to a row the file lacks, a duplicate):
        # the transaction is undone, nothing was stored.
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise BackupRefused(f"the database refused a row of the backup: {reason}") from None


async def _restore(db: Database, path: Path, force: bool, progress: Progress | None) -> Summary:
    records = _records(path)
    first = next(records, None)
    if first is None:
        raise BackupRefused(f"{path} is empty")
    header = first[1]
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupRefused(f"line 1: {path} is not a Tribune backup")
    if header.get("version") != VERSION:
        raise BackupRefused(
            f"line 1: backup format version {header.get('version')} is not {VERSION}"
        )
    revision = await schema_revision(db)
    if header.get("schema") != revision:
        raise BackupRefused(
            f"line 1: the backup is of schema {header.get('schema')}, this database is at "
            f"{revision}: restore it with the Tribune version that made it"
        )
    known = {table.name: table for table in store.tables()}
    order = header.get("tables")
    if not isinstance(order, list) or any(name not in known for name in order):
        raise BackupRefused("line 1: the backup names a table this version does not have")
    hasher = PasswordHasher()
    counts = {name: 0 for name in order}
    total = 0  # rows read so far
    ended = False
    async with db.transaction() as conn:
        if not await store.is_empty(conn):
            if not force:
                raise BackupRefused(
                    "this database is not empty; restore into a new one, or pass --force "
                    "to replace everything it holds"
                )
            await store.clear(conn)
        batch: list[dict[str, Any]] = []
        current: Table | None = None
        position = 0  # where in the header's order the file is
        for number, record in records:
            if ended:
                raise BackupRefused(f"line {number}: more follows the end of the backup")
            if isinstance(record, dict) and set(record) == {"end"}:
                ended = True
                if current is not None:
                    await store.insert_rows(conn, current, batch)
                expected = record["end"].get("rows") if isinstance(record["end"], dict) else None
                if expected != total:
                    raise BackupRefused(
                        f"line {number}: the backup says {expected} rows, it holds {total}"
                    )
                continue
            if not isinstance(record, dict) or set(record) != {"table", "row"}:
                raise BackupRefused(f"line {number}: not a row of the backup")
            name = record["table"]
            if name not in counts:
                raise BackupRefused(f"line {number}: {name!r} is not a table of this backup")
            if current is None or name != current.name:
                if order.index(name) < position:
                    raise BackupRefused(f"line {number}: rows of {name} after later tables")
                if current is not None:
                    await store.insert_rows(conn, current, batch)
                batch, current, position = [], known[name], order.index(name)
            batch.append(_decode(current, record["row"], number, hasher))
            counts[name] += 1
            total += 1
            if len(batch) >= store.BATCH:
                await store.insert_rows(conn, current, batch)
                batch = []
            if progress and total % 500 == 0:
                progress(500)
        if not ended:
            raise BackupRefused("the backup was cut short: its last line is missing")
        await store.after_restore(conn)
    if progress:
        progress(total % 500)
    return Summary(total, counts)
