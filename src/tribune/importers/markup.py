"""What the importers share: other systems' markup (HTML) as the Markdown Tribune keeps,
an archive's pages and comments as Tribune keeps them, and reading compressed files safely."""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]

from tribune.comments.service import ArchivedComment, archived_fields
from tribune.vocabulary import CommentStatus

PLACEHOLDER = "This comment was deleted."


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


def xml_events(source: IO[bytes], refused: type[ValueError], kind: str) -> Iterator[Any]:
    """defusedxml's iterparse of the file (start and end events), its failures as
    ``refused``: a malformed or cut-short file naming its line and column; one that declares
    entities or refers to outside files (entity expansion, XXE), which ``kind`` never does."""
    try:
        yield from iterparse(source, events=("start", "end"))
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


class _Capped(io.RawIOBase):
    """A gzip file read as it is decompressed, refused once it grows past MAX_BYTES or
    MAX_RATIO times what was read of the file (a gzip bomb)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.inflated = gzip.GzipFile(fileobj=raw, mode="rb")
        self.out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inflated.read(len(buffer))
        self.out += len(data)
        read = max(self.raw.tell(), 1)
        if self.out > MAX_BYTES or (self.out > 10 * 1024**2 and self.out > MAX_RATIO * read):
            raise ArchiveTooLarge(
                f"the file inflates past {MAX_RATIO} times its size (or {MAX_BYTES // 1024**3} GB):"
                " it is refused as a compression bomb"
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
