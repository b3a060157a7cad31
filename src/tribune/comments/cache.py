"""Thread pages kept per thread version: encoded JSON for the API, rendered HTML for pages.

Every write to a thread bumps its story's version in the same transaction, and every read
checks the current version first, so a kept page is never served after a change (on any
instance: the version lives in the database). Reads inside one transaction see one snapshot,
so a page kept under version v holds at least what v committed.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from tribune.pagecache import GZIP_MIN as GZIP_MIN
from tribune.pagecache import HTML, Edits, Pieces, SharedAnswer
from tribune.pagecache import LRU as LRU
from tribune.pagecache import PAGE_SECONDS as PAGE_SECONDS
from tribune.pagecache import SHARED_CACHE_CONTROL as SHARED_CACHE_CONTROL
from tribune.pagecache import Headers as Headers
from tribune.pagecache import compress as compress
from tribune.pagecache import etag_of as etag_of
from tribune.pagecache import reply as _reply

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


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
    """Rendered HTML of the embed's thread pages (embed/routes.py)."""
    return VersionedLRU(1024)


# Whole story pages as every reader without personal state gets them ----------------------


class SharedPage(SharedAnswer):
    """A story page rendered once for its thread version and the site's settings version
    (pagecache.py). Readers with cookies of their own get pages of their own
    (comments/pages.py): the page varies on Cookie too."""

    __slots__ = ("story_id",)

    def __init__(
        self, story_id: int, version: int, site_version: str, body: bytes, etag: str, born: float
    ) -> None:
        super().__init__(version, site_version, body, etag, born, HTML, "Cookie")
        self.story_id = story_id


PRIVATE = [(b"cache-control", b"private, no-cache")]


@dataclass(slots=True)
class OwnPage:
    """A reader's own story page: the shared page with their part made again for them
    (comments/pages.py). No cache in front may keep it; the browser revalidates it by ETag."""

    body: bytes
    etag: str  # made from the shared page's and what was made again (comments/pages.py)
    shared: bytes  # the shared page's body, with
    pieces: Pieces  # its gzip in pieces, and
    edits: Edits  # what this reader's page has instead, where

    def gzipped(self) -> bytes:
        # Made for one response, again only in the pieces the reader's part falls in
        # (pagecache.Pieces: 0.1 ms for a 200-comment page, 0.26 ms at zlib's quickest level).
        return self.pieces.gzip(self.shared, self.edits)

    def reply(self, asked: Mapping[str, str], routed: bool = False) -> tuple[int, Headers, bytes]:
        return _reply(self, asked, HTML, "Cookie", PRIVATE, routed)


# (slug, sort, cursor): what the fast lane can find from the request alone
PageKey = tuple[str, str, str | None]


PageCache = LRU[PageKey, SharedPage]


def page_cache() -> PageCache:
    """Shared story pages, found from the request alone (the lane checks their versions)."""
    return LRU(512)
