"""Plain-text page dumps, as a crawler saves a news page: the demo story's format.

The shape this reads, top to bottom (see demo/putin-syria-story.txt):

    Title                                   (often repeated on the next line)
    Lead paragraph, then body paragraphs    (#Hashtags become tags; a paragraph that is
                                             one quotation with "– Name" is a pull quote)
    READ MORE: https://...                  (the story's source link)
    Subscribe ... https://...               (publisher promo lines, each with a link)
    A paragraph without links               (the publisher's blurb)
      1. first reader comment               (numbered 1..N to the end of the file)
      2. ...
    Please enter your comment!              (the comment form's own messages: not content)

What parses but has no such shape is refused as no page dump (_check_shape): CSV and
tables, HTML, XML and JSON documents, a note of a few short lines. A story's import key is
the --url, else its READ MORE link, else its title's hash; its comments' keys derive from it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from tribune.comments.service import ImportedComment
from tribune.comments.validation import BODY_MAX, EMPTY_BODY, check_body
from tribune.fields import EMPTY_NAME, check_website
from tribune.stories.service import TITLE_MAX, PromoLink, StoryDraft

MAX_BYTES = 5 * 1024 * 1024
FORM_MESSAGES = {EMPTY_BODY, EMPTY_NAME}

# Whole-line patterns are used with fullmatch, never as "^...$": "$" also matches before a
# final newline.
URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
READ_MORE = re.compile(r"\s*read\s+more\s*:?\s*(https?://\S+)\s*", re.IGNORECASE)
PROMO = re.compile(
    r"^\s*(subscribe|check out|like us|follow us|join us|watch us|visit us|listen|"
    r"download|support us|donate|sign up)\b",
    re.IGNORECASE,
)
COMMENT = re.compile(r"\s*(\d{1,6})\.\s+(\S.*)")
VIDEO = re.compile(
    r"\s*(https?://(?:www\.)?(?:youtube\.com/watch\S+|youtu\.be/\S+|vimeo\.com/\S+))\s*"
)
# One quotation, optionally followed by "– Speaker": ‘They could simply run away…’ – Putin
PULL_QUOTE = re.compile(r"[‘“\"'](?P<quote>.+)[’”\"']\s*(?:[–—-]\s*(?P<who>[^.!?]{1,80}))?")
# Characters that would turn plain text into Markdown markup. '#' stays: hashtags are meant.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
LIST_START = re.compile(r"^(\s*)(\d+)([.)])(\s)", re.MULTILINE)
LINE_START = re.compile(r"^(\s*)([-+=>])", re.MULTILINE)


class PageDumpError(ValueError):
    """The file cannot be read as a story; the message says why."""


MARKUP_START = re.compile(r"\s*<(!doctype|\?xml|html|head|body|rss|feed)\b", re.IGNORECASE)
PROSE_WORDS = 8  # a news story has at least one sentence this long (its lead, usually)
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
SHAPE = (
    "a page dump starts with the story's title on a line of its own, then the story's "
    f"paragraphs (at least one sentence of {PROSE_WORDS} words or more), and may end with "
    "READ MORE: URL, the publisher's lines and reader comments numbered 1., 2., ..."
)


def _not_a_dump(reason: str) -> PageDumpError:
    return PageDumpError(f"this does not look like a page dump: {reason}; {SHAPE}")


def _check_shape(story_lines: list[str], title: str, text: list[str]) -> None:
    """Refuse what parses but is no story: a CSV file, markup or data, two short lines."""
    lines = [line.strip() for line in story_lines if line.strip()]
    if MARKUP_START.match(title):
        raise _not_a_dump("it starts like an HTML or XML document")
    if title[:1] in "{[" and title.rstrip()[-1:] in "}],":
        raise _not_a_dump("it starts like JSON data")
    if len(lines) >= 2:
        for delimiter, name in DELIMITERS.items():
            counts = {line.count(delimiter) for line in lines}
            if len(counts) == 1 and counts != {0}:
                raise _not_a_dump(
                    f"every line has {counts.pop()} {name}, like a CSV file or a table"
                )
    if not any(c.isalpha() for c in title):
        raise _not_a_dump(f"the title {title[:80]!r} has no letters")
    longest = max(text, key=lambda paragraph: len(paragraph.split()))
    if len(longest.split()) < PROSE_WORDS:
        shown = longest if len(longest) <= 80 else longest[:79] + "…"
        raise _not_a_dump(
            f"its longest paragraph after the title, {shown!r}, has {len(longest.split())} words"
        )


@dataclass(slots=True)
class PageImport:
    story: StoryDraft
    comments: list[ImportedComment] = field(default_factory=list)
    comment_lines: list[str] = field(default_factory=list)


def escape_markdown(text: str) -> str:
    """Plain text that Markdown renders as itself (hashtags excepted, which become links)."""
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = LIST_START.sub(r"\1\2\\\3\4", text)
    return LINE_START.sub(r"\1\\\2", text)


def too_large(size: int) -> str:
    return f"the file is {size:,} bytes; a page dump is at most {MAX_BYTES:,}"


def decode(data: bytes) -> str:
    if not data.strip():
        raise PageDumpError("the file is empty")
    if len(data) > MAX_BYTES:
        raise PageDumpError(too_large(len(data)))
    if b"\x00" in data:
        raise PageDumpError("the file holds NUL bytes: it looks binary, not a text page dump")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PageDumpError(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _paragraphs(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _comment_block_start(lines: list[str]) -> int | None:
    """Index of the line '1. ...' that starts the numbered comments running to the end."""
    candidates = [
        i
        for i, line in enumerate(lines)
        if (m := COMMENT.fullmatch(line))
        and m.group(1) == "1"
        and (i == 0 or not lines[i - 1].strip())
    ]
    for start in reversed(candidates):
        # Every numbered line from here on must continue the sequence 1, 2, 3, ...
        numbered = [int(m.group(1)) for line in lines[start:] if (m := COMMENT.fullmatch(line))]
        if numbered == list(range(1, len(numbered) + 1)):
            return start
    return None


def _comments(lines: list[str], source: str) -> list[ImportedComment]:
    bodies: list[list[str]] = []
    for line in lines:
        m = COMMENT.fullmatch(line)
        if m and int(m.group(1)) == len(bodies) + 1:
            bodies.append([m.group(2).strip()])
        elif bodies:
            bodies[-1].append(line.strip())
    found = []
    for number, body_lines in enumerate(bodies, start=1):
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(body_lines)).strip()
        if len(text) > BODY_MAX or (problem := check_body(text)):
            reason = (
                problem
                if len(text) <= BODY_MAX
                else f"it has {len(text):,} characters, over {BODY_MAX:,}"
            )
            raise PageDumpError(f"comment {number} cannot be imported: {reason}")
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        key = f"page:{hashlib.sha256(source.encode()).hexdigest()[:16]}:{number}:{digest}"
        found.append(ImportedComment(body=escape_markdown(text), import_key=key))
    return found


def _promo(line: str) -> PromoLink | None:
    match = URL.search(line)
    if not match:
        return None
    url = match.group(0).rstrip(".,;)")
    text = (line[: match.start()] + line[match.end() :]).strip()
    text = re.sub(r"\s*/?>\s*\Z", "", text).strip(" :-–")  # crawler debris such as " />"
    return PromoLink(text=text or url, url=url)


def parse(data: bytes, *, url: str | None = None) -> PageImport:
    """Read a page dump into a story and its comments, or raise PageDumpError saying why."""
    if url is not None and (problem := check_website(url)):
        raise PageDumpError(f"the --url must be the page's web address: {problem}")
    lines = decode(data).split("\n")
    while lines and (not lines[-1].strip() or lines[-1].strip() in FORM_MESSAGES):
        lines.pop()

    start = _comment_block_start(lines)
    story_lines, comment_lines = (lines, []) if start is None else (lines[:start], lines[start:])
    blocks = _paragraphs(story_lines)
    if not blocks:
        raise PageDumpError("no story found: the file has only numbered comments")

    title = blocks[0][0]
    if len(title) > TITLE_MAX:
        raise PageDumpError(
            f"the first line is {len(title):,} characters long; a title is at most {TITLE_MAX}"
        )
    # The crawler repeats the headline; keep it once.
    rest = [line for line in blocks[0][1:] if line != title]
    blocks = ([rest] if rest else []) + blocks[1:]
    if blocks and blocks[0] == [title]:
        blocks = blocks[1:]

    text: list[str] = []
    promo: list[PromoLink] = []
    about: list[str] = []
    source_url = video_url = None
    publisher = False  # after READ MORE or the first promo line, the rest is the publisher's
    for block in blocks:
        story_part: list[str] = []
        for line in block:
            if m := READ_MORE.fullmatch(line):
                source_url = source_url or m.group(1)
                publisher = True
            elif (m := VIDEO.fullmatch(line)) and not publisher:
                video_url = video_url or m.group(1)
            elif (publisher or PROMO.match(line)) and (link := _promo(line)):
                promo.append(link)
                publisher = True
            elif publisher:
                about.append(line)
            else:
                story_part.append(line)
        if story_part:
            text.append(" ".join(story_part))

    if not text:
        raise PageDumpError("no story text after the title")
    # The story's own key: the --url, else its READ MORE link, else its title's.
    source = url or source_url or _title_key(title)
    comments = _comments(comment_lines, source)
    _check_shape(story_lines, title, text)

    paragraphs: list[str] = []
    for paragraph in text:
        quote = PULL_QUOTE.fullmatch(paragraph)
        if quote and len(paragraphs) > 0:
            rendered = "> " + escape_markdown(quote.group("quote").strip())
            if quote.group("who"):
                rendered += "\n>\n> — " + escape_markdown(quote.group("who").strip())
            paragraphs.append(rendered)
        else:
            paragraphs.append(escape_markdown(paragraph))

    story = StoryDraft(
        title=title,
        lead=text[0],
        body_md="\n\n".join(paragraphs),
        source_url=source_url,
        video_url=video_url,
        promo_links=promo,
        about=" ".join(about),
        import_key=source,
    )
    return PageImport(story=story, comments=comments, comment_lines=comment_lines)


def _title_key(title: str) -> str:
    """The import key of a story imported without --url: its title's."""
    return "page:" + hashlib.sha256(title.encode()).hexdigest()[:32]


def identities(parsed: PageImport, url: str | None) -> list[str]:
    """The import keys an earlier import of the same page may have stored, best first: the
    --url, the dump's own READ MORE link (given as --url before), the title's."""
    keys = [url, parsed.story.source_url, _title_key(parsed.story.title)]
    return list(dict.fromkeys(key for key in keys if key))


def rekeyed(parsed: PageImport, source: str) -> list[ImportedComment]:
    """The comments keyed as an import under source keyed them (an earlier import's key),
    so that importing the same page again adds only the comments that are new."""
    return _comments(parsed.comment_lines, source)
