"""Answers made once and sent as they are: strong ETags, gzip made once, 304 to
If-None-Match, and the pages every reader shares (the story page, the listings, the feeds),
each kept for what it was made from. The same bytes and headers whether a route or the fast
lane (web/fastlane.py) sends them."""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

GZIP_MIN = 1000  # bytes; the same threshold as the app's GZipMiddleware
Headers = list[tuple[bytes, bytes]]
HTML = b"text/html; charset=utf-8"


def compress(body: bytes, level: int = 6) -> bytes:
    return gzip.compress(body, compresslevel=level, mtime=0)


def etag_of(body: bytes) -> str:
    """A strong ETag: the same bytes give the same tag on every instance and after restarts."""
    return f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


# A shared page's gzip in pieces ----------------------------------------------------------

PIECE = 32 * 1024  # bytes at least, compressed on their own
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no mtime
LAST_BLOCK = b"\x03\x00"  # an empty final block, after the last piece's flush
Edits = Sequence[tuple[tuple[int, int], bytes]]  # (start, end) in the body → bytes instead


def _deflate(data: bytes | memoryview, level: int) -> bytes:
    """Raw deflate of data, ended by a full flush: byte-aligned and referring to nothing
    before it, so pieces made so can follow each other in one stream."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)


class Pieces:
    """A body's gzip in pieces compressed on their own, so that a copy of the body with some
    spans replaced is compressed again only in the pieces those spans fall in (a reader's
    own story page: comments/pages.py). Pieces begin only at ``cuts``, which no span
    replaced may straddle. Level 6 for the pieces kept, level 1 for those made per answer.
    On a 200-comment story page (112 kB) with five comments' parts made again: 0.1 ms and
    14.6 kB, against 0.26 ms and 16.0 kB for the whole page at level 1 (12.9 kB at level 6,
    in one stream; 16 kB pieces would cost 17 kB, 48 kB ones 0.12 ms)."""

    def __init__(self, body: bytes, cuts: Iterable[int]) -> None:
        starts = [0]
        for cut in sorted(cuts):
            if cut - starts[-1] >= PIECE and len(body) - cut >= PIECE:
                starts.append(cut)
        self.spans = list(zip(starts, [*starts[1:], len(body)], strict=True))
        view = memoryview(body)
        self.zipped = [_deflate(view[a:b], 6) for a, b in self.spans]

    def gzip(self, body: bytes, edits: Edits) -> bytes:
        """The gzip of body with the edits (sorted, none straddling a cut) made."""
        view = memoryview(body)
        out, crc, size, n = [GZIP_HEADER], 0, 0, 0
        for (a, b), kept in zip(self.spans, self.zipped, strict=True):
            mine = []
            while n < len(edits) and edits[n][0][0] < b:
                mine.append(edits[n])
                n += 1
            if mine:
                parts: list[bytes | memoryview] = []
                at = a
                for (start, end), made in mine:
                    parts += [view[at:start], made]
                    at = end
                parts.append(view[at:b])
                raw: bytes | memoryview = b"".join(parts)
                out.append(_deflate(raw, 1))
            else:
                raw = view[a:b]
                out.append(kept)
            crc = zlib.crc32(raw, crc)
            size += len(raw)
        out += [LAST_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF)]
        return b"".join(out)


class Body(Protocol):
    @property
    def body(self) -> bytes: ...
    @property
    def etag(self) -> str: ...
    def gzipped(self) -> bytes: ...


def reply(
    answer: Body,
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


def _names(if_none_match: str, etags: tuple[str, ...]) -> bool:
    """Whether an If-None-Match header names one of these ETags (weakly, as RFC 9110 asks)."""
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") in etags for tag in if_none_match.split(","))


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


# Pages every reader shares ------------------------------------------------------------------

PAGE_SECONDS = 30.0  # what a version does not cover (a byline's name) shows within this
# What a shared page tells caches in front (nginx, a CDN): anyone may keep it for 2 seconds
# (a new comment shows through the cache within about that), then serve it while asking again;
# a browser asks every time, with If-None-Match, and gets 304 while the page is the same.
SHARED_CACHE_CONTROL = "public, max-age=0, s-maxage=2, stale-while-revalidate=30"
SHARED = [(b"cache-control", SHARED_CACHE_CONTROL.encode())]


@dataclass(slots=True)
class SharedAnswer:
    """A page made once for what it shows (``version``: anything that changes whenever that
    does, compared whole) and the site's settings version, for at most PAGE_SECONDS."""

    version: Hashable
    site_version: str
    body: bytes
    etag: str  # quoted; the gzip form's is etag with -gzip before the closing quote
    born: float
    kind: bytes = HTML
    vary: str = ""  # besides Accept-Encoding: what else makes readers get other bytes
    _gzipped: bytes | None = field(default=None, repr=False)

    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = compress(self.body)
        return self._gzipped

    def holds(self, version: Hashable, site_version: str, now: float) -> bool:
        return (
            self.version == version
            and self.site_version == site_version
            and now - self.born < PAGE_SECONDS
        )

    def reply(self, asked: Mapping[str, str], routed: bool = False) -> tuple[int, Headers, bytes]:
        return reply(self, asked, self.kind, self.vary, SHARED, routed)
