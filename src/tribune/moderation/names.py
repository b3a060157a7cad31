"""Names a reader may not post under: the staff's own and the words that claim to speak for
the site, in any spelling that looks the same (Cyrillic "а" for "a", "1" for "l", any case).

Every post checks them, so each worker keeps the staff's names for CONFIG_SECONDS, as it
keeps the rule settings.
"""

from __future__ import annotations

import functools

import confusables  # type: ignore[import-untyped]

from tribune.moderation.config import CONFIG_SECONDS, WorkerCopy
from tribune.storage import accounts as store
from tribune.storage.engine import Database

RESERVED = ("admin", "administrator", "moderator", "tribune")
TAKEN = "This name belongs to the site's staff; please choose another"


async def _read_reserved(db: Database) -> tuple[str, ...]:
    async with db.read() as conn:
        staff = await store.all_staff(conn)
    return (*RESERVED, *(row["name"] for row in staff))


_reserved = WorkerCopy(_read_reserved, CONFIG_SECONDS)


async def reserved(db: Database, name: str) -> bool:
    """Whether a reader's name is, or looks like, a staff name or the site speaking."""
    wanted = name.strip()
    return any(_looks_like(wanted, taken) for taken in await _reserved.get(db))


@functools.lru_cache(maxsize=4096)  # a commenter posts under the same name again and again
def _looks_like(name: str, taken: str) -> bool:
    # A look-alike is about as long as what it imitates ("rn" for "m" at most doubles it);
    # the length test spares most names the slower comparison.
    return len(name) <= 2 * len(taken) + 2 and bool(confusables.is_confusable(name, taken))
