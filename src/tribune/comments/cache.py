"""Thread pages kept per thread version: encoded JSON for the API, rendered HTML for pages.

Every write to a thread bumps its story's version in the same transaction, and every read
checks the current version first, so a kept page is never served after a change (on any
instance: the version lives in the database). Reads inside one transaction see one snapshot,
so a page kept under version v holds at least what v committed.
"""

from __future__ import annotations

import gzip
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

CSRF_SLOT = "\x00csrf\x00"  # cannot occur in rendered text: NUL is refused in every field


def compress(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


@dataclass(slots=True)
class Encoded:
    """A thread page as the API sends it."""

    body: bytes
    _gzipped: bytes | None = field(default=None, repr=False)

    def gzipped(self) -> bytes:
        # Compressed once per version, on the first reader that accepts gzip.
        if self._gzipped is None:
            self._gzipped = compress(self.body)
        return self._gzipped


class VersionedLRU(Generic[K, V]):
    """A bounded LRU whose entries count only for the version they were made for.
    ``stores`` counts the entries made: a cache that serves its readers stops growing it."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.stores = 0
        self._entries: OrderedDict[K, tuple[int, V]] = OrderedDict()

    def get(self, key: K, version: int) -> V | None:
        found = self._entries.get(key)
        if found is None or found[0] != version:
            return None
        self._entries.move_to_end(key)
        return found[1]

    def put(self, key: K, version: int, value: V) -> V:
        self.stores += 1
        self._entries[key] = (version, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value


# (story id, sort, cursor, limit, display depth); for a page of one top-level comment's
# replies, that comment's id in place of the sort
ThreadKey = tuple[int, str | int, str | None, int, int]


def thread_cache() -> VersionedLRU[ThreadKey, Encoded]:
    """Encoded API thread pages."""
    return VersionedLRU(4096)


def fragment_cache() -> VersionedLRU[tuple[object, ...], str]:
    """Rendered HTML of thread pages as an anonymous reader sees them, with the reader's
    CSRF token left as CSRF_SLOT and filled in for each response."""
    return VersionedLRU(1024)
