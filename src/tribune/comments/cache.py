"""Pre-encoded thread pages, reused until the story's thread version moves.

Every write to a thread bumps its story's version in the same transaction, and every read
checks the current version first, so a cached page is never served after a change (on any
instance: the version lives in the database). Reads inside one transaction see one snapshot,
so a page cached under version v holds at least what v committed.
"""

from __future__ import annotations

import gzip
from collections import OrderedDict
from dataclasses import dataclass, field

Key = tuple[int, str, str | None, int, int]
GZIP_MIN = 1000  # bytes; the same threshold as the app's GZipMiddleware


def compress(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


@dataclass(slots=True)
class Encoded:
    version: int
    body: bytes
    _gzipped: bytes | None = field(default=None, repr=False)

    def gzipped(self) -> bytes:
        # Compressed once per version, on the first reader that accepts gzip.
        if self._gzipped is None:
            self._gzipped = compress(self.body)
        return self._gzipped


class ThreadCache:
    """A bounded LRU of encoded thread pages."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, Encoded] = OrderedDict()

    def get(self, key: Key, version: int) -> Encoded | None:
        entry = self._entries.get(key)
        if entry is None or entry.version != version:
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: Key, version: int, body: bytes) -> Encoded:
        entry = Encoded(version, body)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return entry


class FragmentCache:
    """Rendered HTML of thread pages as an anonymous reader sees them, per thread version.
    The reader's CSRF token is left as CSRF_SLOT and filled in for each response."""

    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[object, ...], tuple[int, str]] = OrderedDict()

    def get(self, key: tuple[object, ...], version: int) -> str | None:
        found = self._entries.get(key)
        if found is None or found[0] != version:
            return None
        self._entries.move_to_end(key)
        return found[1]

    def put(self, key: tuple[object, ...], version: int, html: str) -> None:
        self._entries[key] = (version, html)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


CSRF_SLOT = "\x00csrf\x00"  # cannot occur in rendered text: NUL is refused in every field
