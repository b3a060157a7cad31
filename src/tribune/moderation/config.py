"""The site's moderation rule settings: the defaults until staff change them.

Every post reads them, so each worker keeps its copy for CONFIG_SECONDS: a change made on
one instance reaches every instance within that time.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from tribune.accounts.service import Staff, audit
from tribune.moderation.rules import BY_NAME, RuleConfig
from tribune.storage import moderation as store
from tribune.storage.engine import Database
from tribune.vocabulary import AuditAction

RULES_KEY = "moderation.rules"
CONFIG_SECONDS = 2.0  # how long a worker trusts its copy of the rule settings

T = TypeVar("T")


class WorkerCopy(Generic[T]):
    """A worker's copy of something every post reads (the rule settings, the staff's names),
    per database handle (tests and tools open several), read again once it is ``seconds``
    old. The posts that find it old at the same moment share one read: each doing its own
    took, every ``seconds``, as many pooled connections at once as posts were in flight, and
    on PostgreSQL opened the pool's overflow connections (a new server process each) only
    to close them again."""

    def __init__(self, read: Callable[[Database], Awaitable[T]], seconds: float) -> None:
        self._read = read
        self.seconds = seconds
        # Per handle: (monotonic time read, value), and the read in flight.
        self._cached: weakref.WeakKeyDictionary[Database, tuple[float, T]] = (
            weakref.WeakKeyDictionary()
        )
        self._reading: weakref.WeakKeyDictionary[Database, asyncio.Future[T]] = (
            weakref.WeakKeyDictionary()
        )

    async def get(self, db: Database) -> T:
        cached = self._cached.get(db)
        if cached is not None and time.monotonic() - cached[0] < self.seconds:
            return cached[1]
        reading = self._reading.get(db)
        if reading is None:
            reading = asyncio.ensure_future(self._read_into(db))
            self._reading[db] = reading
        # Shielded: a post whose client went away does not cancel the others' read.
        return await asyncio.shield(reading)

    async def _read_into(self, db: Database) -> T:
        try:
            value = await self._read(db)
            self._cached[db] = (time.monotonic(), value)
            return value
        finally:
            self._reading.pop(db, None)

    def forget(self, db: Database) -> None:
        """Read again on the next use (this worker just changed what it holds)."""
        self._cached.pop(db, None)


async def _read_rule_config(db: Database) -> RuleConfig:
    async with db.read() as conn:
        stored = await store.setting(conn, RULES_KEY)
    try:
        return RuleConfig.model_validate(stored) if stored else RuleConfig()
    except ValidationError:
        return RuleConfig()  # settings written by an older version: fall back, never fail


_config = WorkerCopy(_read_rule_config, CONFIG_SECONDS)


async def rule_config(db: Database) -> RuleConfig:
    """The site's rule settings, at most CONFIG_SECONDS old."""
    return await _config.get(db)


async def save_rule_config(db: Database, data: dict[str, Any], *, by: Staff) -> RuleConfig:
    """Validate and store new rule settings; raises ValidationError naming each bad field."""
    config = RuleConfig.model_validate(data)
    async with db.transaction() as conn:
        before = await store.setting(conn, RULES_KEY)
        after = config.model_dump(mode="json")
        await store.put_setting(conn, RULES_KEY, after, datetime.now(UTC))
        await audit(
            conn,
            by,
            AuditAction.rules_change,
            "moderation rules",
            detail={"before": before, "after": after, "changes": changes(before, after)},
        )
    _config.forget(db)
    return config


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """What a rules change changed, one line a setting, by the settings' labels
    ("Comments a minute, per commenter 5 → 30"), kept in the audit entry."""
    old = before or RuleConfig().model_dump(mode="json")
    lines = []
    for name, value in after.items():
        was = old.get(name)
        if was == value:
            continue
        field = RuleConfig.model_fields.get(name)
        label = field.title if field and field.title else name.replace("_", " ").capitalize()
        if name == "disabled":
            off = [BY_NAME[r].title for r in value if r not in (was or []) and r in BY_NAME]
            on = [BY_NAME[r].title for r in was or [] if r not in value and r in BY_NAME]
            if off:
                lines.append("Turned off: " + ", ".join(off))
            if on:
                lines.append("Turned on: " + ", ".join(on))
        elif isinstance(value, list):
            added = [str(v) for v in value if v not in (was or [])]
            removed = [str(v) for v in was or [] if v not in value]
            parts = ([f"added {', '.join(added)}"] if added else []) + (
                [f"removed {', '.join(removed)}"] if removed else []
            )
            lines.append(f"{label}: {'; '.join(parts)}")
        else:
            lines.append(f"{label} {_shown(was)} → {_shown(value)}")
    return lines
