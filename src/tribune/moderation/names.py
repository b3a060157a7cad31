"""Names a reader may not post under: the staff's own and the words that claim to speak for
the site, in any spelling that looks the same (Cyrillic "а" for "a", "1" for "l", any case).

Every post checks them, so each worker keeps the staff's names for CONFIG_SECONDS, as it
keeps the rule settings.
"""

from __future__ import annotations

import functools
import time
import weakref

import confusables  # type: ignore[import-untyped]

from tribune.moderation.config import CONFIG_SECONDS
from tribune.storage import accounts as store
from tribune.storage.engine import Database

RESERVED = ("admin", "administrator", "moderator", "tribune")
TAKEN = "This name belongs to the site's staff; please choose another"

_cached: weakref.WeakKeyDictionary[Database, tuple[float, tuple[str, ...]]] = (
    weakref.WeakKeyDictionary()
)


async def _reserved(db: Database) -> tuple[str, ...]:
    cached = _cached.get(db)
    if cached is not None and time.monotonic() - cached[0] < CONFIG_SECONDS:
        return cached[1]
    async with db.read() as conn:
        staff = await store.all_staff(conn)
    names = (*RESERVED, *(row["name"] for row in staff))
    _cached[db] = (time.monotonic(), names)
    return names


async def reserved(db: Database, name: str) -> bool:
    """Whether a reader's name is, or looks like, a staff name or the site speaking."""
    wanted = name.strip()
    return any(_looks_like(wanted, taken) for taken in await _reserved(db))


@functools.lru_cache(maxsize=4096)  # a commenter posts under the same name again and again
def _looks_like(name: str, taken: str) -> bool:
    # A look-alike is about as long as what it imitates ("rn" for "m" at most doubles it);
    # the length test spares most names the slower comparison.
    return len(name) <= 2 * len(taken) + 2 and bool(confusables.is_confusable(name, taken))
