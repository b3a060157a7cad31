"""The database handle: an async engine for SQLite or PostgreSQL, and transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, Result, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from tribune.storage.coalesce import Coalescer

if TYPE_CHECKING:
    from tribune.live.broker import Broker

SQLITE_BUSY_TIMEOUT_MS = 10_000
LOOP_READ_BUSY_MS = 20
GROUP_MAX = 200  # writes sharing one commit

Handler = Callable[[AsyncConnection, list[Any]], Awaitable[list[Any]]]


def async_url(url: str) -> str:
    """Map the URL a user writes to the async driver Tribune uses for it."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while one writer commits; NORMAL sync is durable across process
    # crashes in WAL mode (only an OS crash can lose the last commits).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we issue BEGIN.
    dbapi_connection.isolation_level = None


def _begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def _begin_immediate(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead of
    # failing with "database is locked" when a read transaction tries to upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class LoopConnection:
    """A synchronous SQLite connection dressed as the AsyncConnection methods the storage
    functions use. Its statements run on the event loop without a thread hop: SQLite answers
    an indexed statement in microseconds, while aiosqlite's round trip costs about a
    millisecond of CPU. Nothing inside suspends, so a transaction is never interleaved."""

    def __init__(self, connection: Connection) -> None:
        self.sync_connection = connection

    async def execute(self, statement: Any, parameters: Any = None) -> Result[Any]:
        return self.sync_connection.execute(statement, parameters)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> Result[Any]:
        return self.sync_connection.exec_driver_sql(statement, parameters)

    async def run_sync(self, fn: Any, *args: Any) -> Any:
        return fn(self.sync_connection, *args)


def _loop_engine(url: str, begin: Any, pool_size: int) -> Engine:
    engine = create_engine(
        make_url(url).set(drivername="sqlite+pysqlite"), pool_size=pool_size, max_overflow=0
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", begin)
    return engine


def _sqlite_engine(url: str, begin: Any, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(async_url(url), pool_size=pool_size, max_overflow=0)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", begin)
    return engine


class Database:
    """One per process. ``read()`` for queries, ``transaction()`` for writes."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.engine: AsyncEngine = _sqlite_engine(url, _begin_deferred, pool_size)
            # SQLite has one writer per file: one write connection, writers queue on the lock.
            self.write_engine = _sqlite_engine(url, _begin_immediate, 1)
            # What requests use: the same database, synchronously on the event loop.
            self._loop_read: Engine | None = _loop_engine(url, _begin_deferred, pool_size)
            self._loop_write: Engine | None = _loop_engine(url, _begin_immediate, 1)
        else:
            self.engine = create_async_engine(
                async_url(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )
            self.write_engine = self.engine
            self._loop_read = self._loop_write = None
        self._write_lock = asyncio.Lock()
        self._loop_reader: sqlite3.Connection | None = None
        self._writer: Connection | None = None
        # Identical hot reads in flight at once share a query (PostgreSQL; see coalesce.py).
        self.shared_reads = Coalescer()
        # Where committed writes are announced to live readers (tribune.live; set by the app).
        self.broker: Broker | None = None
        # Site settings this process read lately: key -> (monotonic time read, value).
        self.settings_cache: dict[str, tuple[float, Any]] = {}
        self._queued: list[tuple[Handler, Any, asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None
        self._quick_pool: asyncpg.Pool | None = None
        self._quick_pool_lock = asyncio.Lock()
        self._pool_size = pool_size

    def loop_reader(self) -> sqlite3.Connection | None:
        """For SQLite, a raw read-only sqlite3 connection for the hottest tiny reads (a story's
        thread version, comment counts), skipping SQLAlchemy's per-statement work. Its busy
        timeout is short: a rare lock sends the caller to db.read() instead. None for
        PostgreSQL and in-memory databases."""
        if not self.is_sqlite:
            return None
        if self._loop_reader is None:
            path = make_url(self.url).database
            if not path or path == ":memory:":
                return None
            connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA query_only=1")
            connection.execute(f"PRAGMA busy_timeout={LOOP_READ_BUSY_MS}")
            self._loop_reader = connection
        return self._loop_reader

    async def quick_pool(self) -> asyncpg.Pool:
        """For PostgreSQL, a small asyncpg pool for tiny hot reads (a story's thread version)
        without SQLAlchemy's per-statement work; asyncpg prepares and caches the statement."""
        if self._quick_pool is None:
            # Many first requests arrive together: one creates the pool, the others wait.
            async with self._quick_pool_lock:
                if self._quick_pool is None:
                    url = make_url(self.url).set(drivername="postgresql")
                    self._quick_pool = await asyncpg.create_pool(
                        url.render_as_string(hide_password=False),
                        min_size=1,
                        max_size=max(2, self._pool_size // 2),
                    )
        return self._quick_pool

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        if self._loop_read is not None:
            with self._loop_read.connect() as sync:
                yield LoopConnection(sync)  # type: ignore[misc]
            return
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        if self._loop_write is not None:
            async with self._write_lock:
                # The one writer keeps its connection: a pool checkout and its reset-on-return
                # cost twice what BEGIN and COMMIT do.
                if self._writer is None or self._writer.closed:
                    self._writer = self._loop_write.connect()
                with self._writer.begin():
                    yield LoopConnection(self._writer)  # type: ignore[misc]
        else:
            async with self.engine.begin() as conn:
                yield conn

    async def batched(self, handler: Handler, item: Any) -> Any:
        """Queue ``item`` for ``handler``, which writes every item queued meanwhile in one
        transaction, shared with other handlers' items (group commit): one commit, so one WAL
        flush on PostgreSQL and one lock on SQLite, serves them all, and a handler can write
        its items with a statement or two instead of a few each.

        The handler returns one outcome per item, in order: a result, or an exception for
        that item's caller alone (it must not have written anything for that item). An
        exception the handler raises fails every item of the transaction, and nothing is
        committed. Returns only after the commit."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queued.append((handler, item, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_queued())
        return await future

    async def _commit_queued(self) -> None:
        while self._queued:
            batch, self._queued = self._queued[:GROUP_MAX], self._queued[GROUP_MAX:]
            by_handler: dict[Handler, list[tuple[Any, asyncio.Future[Any]]]] = {}
            for handler, item, future in batch:
                by_handler.setdefault(handler, []).append((item, future))
            outcomes: list[tuple[asyncio.Future[Any], Any]] = []
            try:
                async with self.transaction() as conn:
                    for handler, queued in by_handler.items():
                        results = await handler(conn, [item for item, _ in queued])
                        outcomes += zip((f for _, f in queued), results, strict=True)
            except Exception as exc:
                # Nothing of this batch was committed: every caller learns it failed.
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            except BaseException:  # cancelled at shutdown: no caller waits forever
                for _, _, future in batch + self._queued:
                    future.cancel()
                raise
            for future, outcome in outcomes:
                if future.done():  # the caller went away (its client disconnected)
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def announce(self, story_id: int, kind: str, data: dict[str, Any]) -> None:
        """Tell live readers of a story what was just committed (no-op without a broker)."""
        if self.broker is not None:
            await self.broker.publish(story_id, kind, data)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        for engine in (self._loop_read, self._loop_write):
            if engine is not None:
                engine.dispose()
        if self._quick_pool is not None:
            await self._quick_pool.close()
            self._quick_pool = None
        if self._loop_reader is not None:
            self._loop_reader.close()
            self._loop_reader = None
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()
