"""Thread pages kept per thread version: encoded JSON for the API, rendered HTML for pages.

Every write to a thread bumps its story's version in the same transaction, and every read
checks the current version first, so a kept page is never served after a change (on any
instance: the version lives in the database). Reads inside one transaction see one snapshot,
so a page kept under version v holds at least what v committed.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

CSRF_SLOT = "\x00csrf\x00"  # cannot occur in rendered text: NUL is refused in every field


GZIP_MIN = 1000  # bytes; the same threshold as the app's GZipMiddleware
Headers = list[tuple[bytes, bytes]]


def compress(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


def etag_of(body: bytes) -> str:
    """A strong ETag: the same bytes give the same tag on every instance and after restarts."""
    return f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def _reply(
    answer: Encoded | SharedPage,
    asked: Mapping[str, str],
    kind: bytes,
    vary: str,
    headers: Headers,
    routed: bool,
) -> tuple[int, Headers, bytes]:
    """Status, headers and body for a request with these headers, the same from a route and
    from the fast lane: gzip for a client that takes it (under its own strong ETag: other
    bytes), 304 when If-None-Match names the answer as it is. ``routed``: the answer goes
    out through the app's GZipMiddleware, which adds Accept-Encoding to the Vary of an
    uncompressed answer itself."""
    compressible = len(answer.body) >= GZIP_MIN
    gzipped = compressible and "gzip" in asked.get("accept-encoding", "")
    zipped_tag = answer.etag[:-1] + '-gzip"'
    headers = [*headers, (b"etag", (zipped_tag if gzipped else answer.etag).encode())]
    if compressible:
        vary = ", ".join(filter(None, (vary, "Accept-Encoding")))
    named = asked.get("if-none-match")
    if named and _names(named, (answer.etag, zipped_tag)):
        return 304, [*headers, (b"vary", vary.encode())] if vary else headers, b""
    if routed and compressible and not gzipped:
        vary = vary.removesuffix("Accept-Encoding").rstrip(", ")
    if vary:
        headers.append((b"vary", vary.encode()))
    body = answer.gzipped() if gzipped else answer.body
    if gzipped:
        headers.append((b"content-encoding", b"gzip"))
    headers += [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    return 200, headers, body


@dataclass(slots=True)
class Encoded:
    """A thread page (or comment counts) as the API sends it."""

    body: bytes
    _gzipped: bytes | None = field(default=None, repr=False)
    _etag: str | None = field(default=None, repr=False)

    def gzipped(self) -> bytes:
        # Compressed once per version, on the first reader that accepts gzip.
        if self._gzipped is None:
            self._gzipped = compress(self.body)
        return self._gzipped

    @property
    def etag(self) -> str:
        if self._etag is None:
            self._etag = etag_of(self.body)
        return self._etag

    def reply(self, asked: Mapping[str, str], routed: bool = False) -> tuple[int, Headers, bytes]:
        return _reply(self, asked, b"application/json", "", [], routed)


class LRU(Generic[K, V]):
    """A bounded LRU. ``stores`` counts the entries made: a cache that serves its readers
    stops growing it."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.stores = 0
        self._entries: OrderedDict[K, V] = OrderedDict()

    def find(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def keep(self, key: K, value: V) -> V:
        self.stores += 1
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value


class VersionedLRU(LRU[K, tuple[int, V]]):
    """A bounded LRU whose entries count only for the version they were made for."""

    def get(self, key: K, version: int) -> V | None:
        found = self._entries.get(key)
        if found is None or found[0] != version:
            return None
        self._entries.move_to_end(key)
        return found[1]

    def put(self, key: K, version: int, value: V) -> V:
        self.keep(key, (version, value))
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

    def reply(self, asked: Mapping[str, str], routed: bool = False) -> tuple[int, Headers, bytes]:
        # Readers with cookies of their own get pages of their own (comments/pages.py): the
        # page varies on Cookie too.
        return _reply(self, asked, b"text/html; charset=utf-8", "Cookie", SHARED, routed)


SHARED = [(b"cache-control", SHARED_CACHE_CONTROL.encode())]


def _names(if_none_match: str, etags: tuple[str, ...]) -> bool:
    """Whether an If-None-Match header names one of these ETags (weakly, as RFC 9110 asks)."""
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") in etags for tag in if_none_match.split(","))


# (slug, sort, cursor): what the fast lane can find from the request alone
PageKey = tuple[str, str, str | None]


PageCache = LRU[PageKey, SharedPage]


def page_cache() -> PageCache:
    """Shared story pages, found from the request alone (the lane checks their versions)."""
    return LRU(512)
