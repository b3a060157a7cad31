"""What the importers share: other systems' markup (HTML) as the Markdown Tribune keeps,
an archive's pages and comments as Tribune keeps them, and reading compressed files safely."""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any, cast
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import (  # type: ignore[import-untyped]
    DefusedXmlException,
    ExternalReferenceForbidden,
)
from defusedxml.ElementTree import DefusedXMLParser, iterparse  # type: ignore[import-untyped]
from sqlalchemy import String

from tribune.comments.service import ArchivedComment, archived_fields
from tribune.storage.tables import comments, stories
from tribune.vocabulary import CommentStatus

PLACEHOLDER = "This comment was deleted."
# The longest import keys (the source's ids with the kind's prefix) the tables keep.
COMMENT_KEY_MAX = cast(String, comments.c.import_key.type).length or 0
STORY_KEY_MAX = cast(String, stories.c.import_key.type).length or 0


@dataclass(slots=True)
class Page:
    """A story of an archive (a thread, a page's comments) with its comments."""

    key: str
    link: str
    title: str
    comments: list[ArchivedComment] = field(default_factory=list)


def archived(
    *,
    key: str,
    parent: str | None,
    deleted: bool,
    replied: bool,
    body: str,
    name: str | None,
    email: str | None = None,
    website: str | None = None,
    created_at: datetime | None = None,
    status: CommentStatus = CommentStatus.approved,
    score: int = 0,
    where: str,
    refused: type[ValueError],
) -> ArchivedComment | None:
    """A comment of an archive as Tribune keeps it: None for a deleted one that no reply
    hangs from, a placeholder (no author, no text) for a deleted one with replies; refused
    (naming ``where``) when its fields cannot be kept."""
    if deleted and not replied:
        return None
    if len(key) > COMMENT_KEY_MAX:
        raise refused(f"{where}: its id is longer than an import keeps")
    draft = ArchivedComment(
        import_key=key,
        body=PLACEHOLDER if deleted else body,
        name=None if deleted else name,
        email=None if deleted else email,
        website=None if deleted else website,
        created_at=created_at,
        parent_key=parent,
        status=CommentStatus.deleted if deleted else status,
        score=score,
    )
    problem = archived_fields(draft)
    if isinstance(problem, str):
        raise refused(f"{where}: {problem}")
    return draft


def story_key(key: str, where: str, refused: type[ValueError]) -> str:
    """An archive's page or thread key, refused (naming ``where``) when it is longer than
    the stories table keeps."""
    if len(key) > STORY_KEY_MAX:
        raise refused(f"{where}: its id or address is longer than an import keeps")
    return key


MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`", "del": "~~"}


class _Markdown(HTMLParser):
    """HTML as Markdown (WordPress, Disqus): paragraphs, line breaks, emphasis, links, quotes, code
    and lists; any other markup keeps its text only (the renderer and nh3 decide the rest)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str | None] = []
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in MARKS:
            self.out.append(MARKS[tag])
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href if re.match(r"https?://", href) else None)
            if self.links[-1]:
                self.out.append("[")
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("p", "div", "ul", "ol", "pre"):
            self.out.append("\n\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag == "blockquote":
            self.quote += 1
            self.out.append("\n\n\x00q")

    def handle_endtag(self, tag: str) -> None:
        if tag in MARKS:
            self.out.append(MARKS[tag])
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.out.append(f"]({href})")
        elif tag in ("p", "div", "ul", "ol", "pre"):
            self.out.append("\n\n")
        elif tag == "blockquote" and self.quote:
            self.quote -= 1
            self.out.append("\x00/q\n\n")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def markdown(self) -> str:
        text = "".join(self.out)
        # Quoted passages: each of their lines starts with "> ".
        text = re.sub(
            r"\x00q(.*?)\x00/q",
            lambda m: "\n".join("> " + line for line in m.group(1).strip().splitlines()),
            text,
            flags=re.S,
        )
        text = text.replace("\x00q", "").replace("\x00/q", "")
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def markdown_of(markup: str) -> str:
    parser = _Markdown()
    parser.feed(markup)
    parser.close()
    return parser.markdown()


# XML ------------------------------------------------------------------------------------


class _Defused(DefusedXMLParser):  # type: ignore[misc]
    """defusedxml's parser (no entity declarations, no external entities), also refusing a
    document type that names an outside DTD: expat would not fetch it, but no export names
    one, and a file that does is not the export it claims to be."""

    def __init__(self) -> None:
        super().__init__(target=TreeBuilder())
        self.parser.StartDoctypeDeclHandler = self._outside_dtd

    def _outside_dtd(
        self, name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool
    ) -> None:
        if sysid or pubid:
            raise ExternalReferenceForbidden(name, None, sysid, pubid)


def xml_events(
    source: IO[bytes], refused: type[ValueError], kind: str, records: frozenset[str]
) -> Iterator[Any]:
    """defusedxml's iterparse of the file (start and end events), its failures as
    ``refused``: a malformed or cut-short file naming its line and column; one that declares
    entities or refers to outside files (entity expansion, XXE, an external DTD), which
    ``kind`` never does. Memory holds one record (an element named in ``records``, by local
    name) at a time: once the reader has had an element's end, it is let go, unless a record
    holds it (a record is let go with its contents)."""
    around: list[Element] = []  # the open elements
    inside = 0  # how many of them are records
    try:
        for event, element in iterparse(source, events=("start", "end"), parser=_Defused()):
            record = element.tag.rpartition("}")[2] in records
            if event == "start":
                around.append(element)
                inside += record
                yield event, element
                continue
            around.pop()
            inside -= record
            yield event, element
            if around and not inside:
                around[-1].remove(element)
    except ParseError as exc:
        line, column = exc.position
        raise refused(f"line {line}, column {column}: the XML is malformed or cut short") from None
    except DefusedXmlException as exc:
        raise refused(
            f"the file declares XML entities or refers to outside files ({type(exc).__name__}): "
            f"{kind} never do, so it is refused"
        ) from None


# Compressed files -------------------------------------------------------------------------

GZIP_MAGIC = b"\x1f\x8b"
MAX_BYTES = 4 * 1024**3  # what an archive may hold once decompressed
MAX_RATIO = 200  # decompressed to compressed: beyond it a file is a bomb, not an export


class ArchiveTooLarge(ValueError):
    pass


class ArchiveBroken(ValueError):
    pass


def _too_large() -> ArchiveTooLarge:
    return ArchiveTooLarge(
        f"the file holds more than {MAX_BYTES:,} bytes, the most an import reads"
    )


class _Capped(io.RawIOBase):
    """A gzip file read as it is decompressed, refused once it grows past MAX_BYTES or
    MAX_RATIO times what was read of the file (a gzip bomb), or when it is cut short or
    corrupt."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.inflated = gzip.GzipFile(fileobj=raw, mode="rb")
        self.out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.inflated.read(len(buffer))
        except (EOFError, zlib.error) as exc:
            raise ArchiveBroken(f"the gzip file is cut short or corrupt ({exc})") from None
        self.out += len(data)
        read = max(self.raw.tell(), 1)
        if self.out > MAX_BYTES:
            raise _too_large()
        if self.out > 10 * 1024**2 and self.out > MAX_RATIO * read:
            raise ArchiveTooLarge(
                f"the file inflates past {MAX_RATIO} times its size: it is refused as a "
                "compression bomb"
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inflated.close()
        self.raw.close()
        super().close()


def open_archive(path: Path) -> IO[bytes]:
    """The file for reading, decompressed as it is read when it is gzip (whatever its
    name), within MAX_BYTES and MAX_RATIO."""
    raw = path.open("rb")
    if raw.read(2) != GZIP_MAGIC:
        if path.stat().st_size > MAX_BYTES:
            raw.close()
            raise _too_large()
        raw.seek(0)
        return raw
    raw.seek(0)
    return io.BufferedReader(_Capped(raw), buffer_size=1024 * 1024)


def recognise(path: Path) -> str | None:
    """Which kind of archive a file is, from its first bytes: wxr, disqus, isso, remark42,
    commento or page (a plain-text dump); None when it is none of them."""
    with path.open("rb") as raw:
        start = raw.read(16)
    if start.startswith(b"SQLite format 3\x00"):
        return "isso"
    try:
        with open_archive(path) as source:
            head = source.read(64 * 1024)
    except (OSError, EOFError, ValueError):
        return None
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        if re.search(r"<disqus[\s>]", text):
            return "disqus"
        if re.search(r"<rss[\s>]", text) and "wordpress.org/export/" in text:
            return "wxr"
        return None
    if text.startswith("{"):
        first = text.split("\n", 1)[0]
        if '"posts"' in first and '"version"' in first:
            return "remark42"
        if '"comments"' in text and '"version"' in text:
            return "commento"
        return None
    return "page" if text and b"\x00" not in head else None
