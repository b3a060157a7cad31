"""The database handle: connections for reads and writes on SQLite or PostgreSQL.

One driver per database, plus the raw path of ``storage/raw.py`` for the hottest reads:

- SQLite: pysqlite, run synchronously on the event loop (``SyncConn``). SQLite answers an
  indexed statement in microseconds, while a hop to a thread (aiosqlite) cost about a
  millisecond of CPU each. Nothing inside a transaction suspends, so two requests never
  interleave in one. One write connection, kept open; writers queue on an asyncio lock.
  Another process may hold the file's write lock (a worker, an import, a backup): the
  writer then waits for it with asyncio sleeps, never inside SQLite, so the loop answers
  other requests meanwhile.
- PostgreSQL: SQLAlchemy's asyncio engine over asyncpg.

Storage functions take a ``Conn`` and do not care which of the two they were given.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, CursorResult, Dialect, Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from tribune.storage.shared_reads import SharedReads

# How long a write waits for another process's write lock before giving up (the
# TRIBUNE_SQLITE_LOCK_TIMEOUT_MS default). Write transactions hold the lock for milliseconds,
# so waits are short; only a stuck writer elsewhere makes a write wait this long.
SQLITE_LOCK_TIMEOUT_MS = 10_000
# Between tries for the lock: short at first, since the usual holder is another worker's
# millisecond transaction, growing so that a long holder costs few tries.
LOCK_RETRY_FIRST = 0.002
LOCK_RETRY_MAX = 0.05
# Everything but the writer waits inside SQLite, blocking the loop, which WAL makes safe:
# readers never wait for a writer, and schema work (run_sync) runs before serving.
SQLITE_BUSY_TIMEOUT_MS = 10_000
RAW_READ_BUSY_MS = 20  # the raw reader gives up quickly and falls back (storage/raw.py)
GROUP_MAX = 200  # writes sharing one commit

T = TypeVar("T")
Result = CursorResult[*tuple[Any, ...]]  # rows of any width


# SQLSTATEs of a PostgreSQL server refusing connections for now: too many connections
# (53300, also a role's CONNECTION LIMIT), a database with ALLOW_CONNECTIONS false (55000;
# Tribune's own statements never raise it), shutting down, crashed or starting (57P01-03).
REFUSING_SQLSTATES = frozenset({"53300", "55000", "57P01", "57P02", "57P03"})


def _causes(exc: BaseException) -> list[BaseException]:
    """The error and what caused it: SQLAlchemy wraps the driver's error."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__
    return chain


def unavailable(exc: BaseException) -> bool:
    """Whether an error means the database is restarting, unreachable, refusing connections
    or busy (the SQLite writer waiting too long for the lock raises DatabaseBusy, a
    TimeoutError): the same request may succeed shortly."""
    for seen in _causes(exc):
        if isinstance(seen, OSError | asyncpg.PostgresConnectionError | asyncpg.InterfaceError):
            return True
        if isinstance(seen, sqlite3.OperationalError):  # the SQLite writer's BEGIN, unwrapped
            return True
        if getattr(seen, "sqlstate", None) in REFUSING_SQLSTATES:
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, OperationalError | InterfaceError):
            return True
    return False


class DatabaseBusy(TimeoutError):
    """Another process held SQLite's write lock for longer than a write waits for it."""


class Conn(Protocol):
    """A connection as storage functions use it: SQLAlchemy's AsyncConnection on PostgreSQL,
    a SyncConn on SQLite. Results are buffered either way."""

    @property
    def dialect(self) -> Dialect: ...

    async def execute(self, statement: Any, parameters: Any = None) -> Result: ...

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> Result: ...


class SyncConn:
    """A pysqlite connection behind the Conn interface: each statement runs at once on the
    event loop, so callers must never await real I/O while they hold one in a transaction."""

    def __init__(self, connection: Connection) -> None:
        self.sync = connection

    @property
    def dialect(self) -> Dialect:
        return self.sync.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Result:
        return self.sync.execute(statement, parameters)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> Result:
        return self.sync.exec_driver_sql(statement, parameters)


Handler = Callable[[Conn, list[Any]], Awaitable[list[Any]]]


def _sqlite_pragmas(busy_ms: int) -> Callable[[Any, Any], None]:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers work while one writer commits; NORMAL sync is durable across
        # process crashes in WAL mode (only an OS crash can lose the last commits).
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we issue
        # BEGIN ourselves (pysqlite still sends COMMIT and ROLLBACK).
        dbapi_connection.isolation_level = None

    return set_pragmas


def _begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def _begin_immediate(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead of
    # failing with "database is locked" when a read transaction tries to upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_engine(url: str, begin: Any, busy_ms: int, **pool: Any) -> Engine:
    engine = create_engine(make_url(url).set(drivername="sqlite+pysqlite"), **pool)
    event.listen(engine, "connect", _sqlite_pragmas(busy_ms))
    if begin is not None:
        event.listen(engine, "begin", begin)
    return engine


def _try_write_lock(connection: sqlite3.Connection) -> sqlite3.OperationalError | None:
    """BEGIN IMMEDIATE: the write lock, or the busy error when another process holds it.
    Once it is held nothing else in the transaction waits: in WAL mode statements and
    COMMIT need no further lock (the checkpoint after a commit is passive: it never waits)."""
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
            raise
        return exc
    return None


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """The raw pool's reset on release, after asyncpg's own (which rolls back a transaction
    left open): nothing. The raw path only reads, one statement at a time, and changes no
    session state, so asyncpg's default reset (RESET ALL, UNLISTEN *, CLOSE ALL, advisory
    unlocks) only cost a round trip after every read: a second one per post's screening."""


def _postgresql_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


class Database:
    """One per process. ``read()`` for queries, ``transaction()`` for writes, ``batched()``
    for writes that share a commit; ``storage/raw.py`` for the few hottest reads."""

    def __init__(
        self, url: str, *, pool_size: int = 10, lock_timeout_ms: int = SQLITE_LOCK_TIMEOUT_MS
    ) -> None:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")
        self.url = url
        self.is_sqlite = backend == "sqlite"
        self.lock_timeout = lock_timeout_ms / 1000
        self._sqlite_read: Engine | None = None
        self._sqlite_write: Engine | None = None
        self._engine: AsyncEngine | None = None
        if self.is_sqlite:
            self._sqlite_read = _sqlite_engine(
                url, _begin_deferred, SQLITE_BUSY_TIMEOUT_MS, pool_size=pool_size, max_overflow=0
            )
            # SQLite has one writer per file: one write connection, writers queue on the lock.
            # It never waits inside SQLite (busy_timeout 0): transaction() takes the lock.
            self._sqlite_write = _sqlite_engine(url, None, 0, pool_size=1, max_overflow=0)
        else:
            # A worker uses up to pool_size * 2 connections here, plus the raw pool's.
            self._engine = create_async_engine(
                _postgresql_url(url),
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
            )
        self._write_lock = asyncio.Lock()
        self._writer: Connection | None = None
        # Each queued write with the loop time it arrived, which its lock wait counts from.
        self._queued: list[tuple[Handler, Any, asyncio.Future[Any], float]] = []
        self._committer: asyncio.Task[None] | None = None
        # The raw path's connections (storage/raw.py), opened on first use.
        self._raw_reader: sqlite3.Connection | None = None
        self._raw_pool: asyncpg.Pool | None = None
        self._raw_pool_lock = asyncio.Lock()
        self.raw_pool_size = max(2, pool_size // 2)
        # Identical raw reads in flight at once share a query (PostgreSQL; shared_reads.py).
        self.shared_reads = SharedReads()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        if self._sqlite_read is not None:
            with self._sqlite_read.connect() as sync:
                yield SyncConn(sync)
            return
        assert self._engine is not None
        async with self._engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def transaction(self, *, since: float | None = None) -> AsyncIterator[Conn]:
        """A write transaction: committed when the block ends, rolled back if it raises.
        On SQLite it waits for the write lock until ``lock_timeout`` after ``since`` (the
        loop time the write arrived; default now), then raises DatabaseBusy."""
        if self._sqlite_write is not None:
            loop = asyncio.get_running_loop()
            deadline = (loop.time() if since is None else since) + self.lock_timeout
            async with self._write_lock:
                # The one writer keeps its connection: a pool checkout and its reset-on-return
                # cost twice what BEGIN and COMMIT do.
                if self._writer is None or self._writer.closed or self._writer.invalidated:
                    self._writer = self._sqlite_write.connect()
                await self._take_write_lock(self._writer, deadline)
                # BEGIN IMMEDIATE was sent: SQLAlchemy's begin only tracks the transaction.
                with self._writer.begin():
                    yield SyncConn(self._writer)
            return
        assert self._engine is not None
        async with self._engine.begin() as conn:
            yield conn

    async def _take_write_lock(self, writer: Connection, deadline: float) -> None:
        """Open the writer's transaction holding the file's write lock, trying again with
        asyncio sleeps while another process holds it; DatabaseBusy (503) at the deadline."""
        raw: Any = writer.connection.dbapi_connection
        loop = asyncio.get_running_loop()
        pause = LOCK_RETRY_FIRST
        while (busy := _try_write_lock(raw)) is not None:
            left = deadline - loop.time()
            if left <= 0:
                raise DatabaseBusy(
                    f"another process held the write lock for over {self.lock_timeout:g} s"
                ) from busy
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, LOCK_RETRY_MAX)

    async def batched(self, handler: Handler, item: Any) -> Any:
        """Queue ``item`` for ``handler``, which writes every item queued meanwhile in one
        transaction, shared with other handlers' items (group commit): one commit, so one WAL
        flush on PostgreSQL and one lock on SQLite, serves them all, and a handler can write
        its items with a statement or two instead of a few each.

        The handler returns one outcome per item, in order: a result, or an exception for
        that item's caller alone (it must not have written anything for that item). An
        exception the handler raises fails every item of the transaction, and nothing is
        committed. Returns only after the commit."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queued.append((handler, item, future, loop.time()))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        return await future

    async def _commit_queued(self) -> None:
        while self._queued:
            batch, self._queued = self._queued[:GROUP_MAX], self._queued[GROUP_MAX:]
            by_handler: dict[Handler, list[tuple[Any, asyncio.Future[Any]]]] = {}
            for handler, item, future, _ in batch:
                by_handler.setdefault(handler, []).append((item, future))
            outcomes: list[tuple[asyncio.Future[Any], Any]] = []
            try:
                # The oldest write's wait counts from its arrival: a write queued behind a
                # batch that waited for the lock does not get a whole wait of its own.
                async with self.transaction(since=batch[0][3]) as conn:
                    for handler, queued in by_handler.items():
                        results = await handler(conn, [item for item, _ in queued])
                        outcomes += zip((f for _, f in queued), results, strict=True)
            except Exception as exc:
                # Nothing of this batch was committed: every caller learns it failed.
                for _, _, future, _ in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            except BaseException:  # cancelled at shutdown: no caller waits forever
                for _, _, future, _ in batch + self._queued:
                    future.cancel()
                raise
            for future, outcome in outcomes:
                if future.done():  # the caller went away (its client disconnected)
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def run_sync(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` on a synchronous connection of its own that it commits itself: for
        schema work (migrations, their checks), never for requests."""
        if self._engine is not None:
            async with self._engine.connect() as conn:
                return await conn.run_sync(fn)
        # A connection apart from the request pools, closed afterwards: migrations change
        # pragmas and the schema, which pooled connections must not carry on with.
        engine = _sqlite_engine(
            self.url, _begin_immediate, SQLITE_BUSY_TIMEOUT_MS, poolclass=NullPool
        )
        try:
            with engine.connect() as connection:
                return fn(connection)
        finally:
            engine.dispose()

    def raw_sqlite_reader(self) -> sqlite3.Connection | None:
        """For storage/raw.py on SQLite: a read-only sqlite3 connection with a short busy
        timeout. None for PostgreSQL and in-memory databases."""
        if not self.is_sqlite:
            return None
        if self._raw_reader is None:
            path = make_url(self.url).database
            if not path or path == ":memory:":
                return None
            connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA query_only=1")
            connection.execute(f"PRAGMA busy_timeout={RAW_READ_BUSY_MS}")
            self._raw_reader = connection
        return self._raw_reader

    async def raw_postgresql_pool(self) -> asyncpg.Pool:
        """For storage/raw.py on PostgreSQL: a small asyncpg pool; asyncpg prepares and
        caches each statement."""
        if self._raw_pool is None:
            # Many first requests arrive together: one creates the pool, the others wait.
            async with self._raw_pool_lock:
                if self._raw_pool is None:
                    url = make_url(self.url).set(drivername="postgresql")
                    self._raw_pool = await asyncpg.create_pool(
                        url.render_as_string(hide_password=False),
                        min_size=1,
                        max_size=self.raw_pool_size,
                        reset=_keep_session,
                    )
        return self._raw_pool

    async def ping(self) -> None:
        """Raise unless both ways requests read answer: the raw path and a pooled
        connection (readiness checks)."""
        if self.is_sqlite:
            if (reader := self.raw_sqlite_reader()) is not None:
                reader.execute("SELECT 1").fetchall()
        else:
            await (await self.raw_postgresql_pool()).fetchval("SELECT 1")
        async with self.read() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        for engine in (self._sqlite_read, self._sqlite_write):
            if engine is not None:
                engine.dispose()
        if self._raw_pool is not None:
            await self._raw_pool.close()
            self._raw_pool = None
        if self._raw_reader is not None:
            self._raw_reader.close()
            self._raw_reader = None
        if self._engine is not None:
            await self._engine.dispose()
