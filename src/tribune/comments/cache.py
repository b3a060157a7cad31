"""Thread pages kept per thread version: encoded JSON for the API, rendered HTML for pages.

Every write to a thread bumps its story's version in the same transaction, and every read
checks the current version first, so a kept page is never served after a change (on any
instance: the version lives in the database). Reads inside one transaction see one snapshot,
so a page kept under version v holds at least what v committed.
"""

from __future__ import annotations

import gzip
from collections import OrderedDict
from collections.abc import Hashable, Mapping
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


# Whole story pages as every reader without personal state gets them ----------------------

PAGE_SECONDS = 30.0  # what a version does not cover (a byline's name) shows within this
# What a shared page tells caches in front (nginx, a CDN): anyone may keep it for 2 seconds
# (a new comment shows through the cache within about that), then serve it while asking again;
# a browser asks every time, with If-None-Match, and gets 304 while the page is the same.
SHARED_CACHE_CONTROL = "public, max-age=0, s-maxage=2, stale-while-revalidate=30"


@dataclass(slots=True)
class SharedPage:
    """A story page rendered once for its thread version and the site's settings version."""

    story_id: int
    version: int
    site_version: str
    body: bytes
    etag: str  # quoted; the gzip form's is etag with -gzip before the closing quote
    born: float
    _gzipped: bytes | None = field(default=None, repr=False)

    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = compress(self.body)
        return self._gzipped

    def holds(self, version: int, site_version: str, now: float) -> bool:
        return (
            self.version == version
            and self.site_version == site_version
            and now - self.born < PAGE_SECONDS
        )

    def reply(self, asked: Mapping[str, str]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers and body for a request with these headers: the same from the
        route and from the fast lane. Gzip for a client that takes it (its own strong ETag:
        other bytes); 304 when If-None-Match names the page as it is."""
        gzipped = "gzip" in asked.get("accept-encoding", "")
        etag = self.etag[:-1] + '-gzip"' if gzipped else self.etag
        headers = [
            (b"cache-control", SHARED_CACHE_CONTROL.encode()),
            (b"etag", etag.encode()),
            # Readers with cookies of their own get pages of their own (comments/pages.py).
            (b"vary", b"Accept-Encoding, Cookie"),
        ]
        named = asked.get("if-none-match")
        if named and _names(named, (self.etag, self.etag[:-1] + '-gzip"')):
            return 304, headers, b""
        body = self.gzipped() if gzipped else self.body
        if gzipped:
            headers.append((b"content-encoding", b"gzip"))
        headers += [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        return 200, headers, body


def _names(if_none_match: str, etags: tuple[str, ...]) -> bool:
    """Whether an If-None-Match header names one of these ETags (weakly, as RFC 9110 asks)."""
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") in etags for tag in if_none_match.split(","))


# (slug, sort, cursor): what the fast lane can find from the request alone
PageKey = tuple[str, str, str | None]


class PageCache:
    """A bounded LRU of shared story pages."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self.stores = 0
        self._entries: OrderedDict[PageKey, SharedPage] = OrderedDict()

    def get(self, key: PageKey) -> SharedPage | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: PageKey, page: SharedPage) -> SharedPage:
        self.stores += 1
        self._entries[key] = page
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return page
