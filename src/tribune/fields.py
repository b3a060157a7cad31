"""What a person may type into the fields every form shares: a name, an e-mail address and
a web address. Each check returns the message for its field, or None when the value is fine.
Readers' comments (comments/validation.py), staff accounts and importers all use these.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

EMPTY_NAME = "Please enter your name here"  # the demo page's own message, word for word

NAME_MAX = 100
EMAIL_MAX = 254
WEBSITE_MAX = 2_000


def whole_number(text: str) -> int | None:
    """The number a client wrote in ASCII digits (at most 19 of them), or None. Not
    str.isdigit(): that is true for "²" and other digits int() refuses."""
    text = text.strip()
    if 0 < len(text) <= 19 and text.isascii() and text.isdigit():
        return int(text)
    return None


def is_control(char: str) -> bool:
    # Cc covers NUL, CR, LF, ESC and NEL; line and paragraph separators break names too.
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


# is_control's characters but tab and line feed, as one search: a comment body is checked on
# every post, and a character-by-character test cost a millisecond for a 1 KB body.
_CONTROL_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def has_control(text: str) -> bool:
    """Whether a text of several lines holds a control character other than tab and line
    feed (what is_control finds, less those two)."""
    return _CONTROL_IN_LINES.search(text) is not None


# Characters that show nothing or turn the text after them around: in a name they make it
# look like another ("admin\u200b") or reverse what follows it on the page (U+202E). Joiners
# (U+200C, U+200D) stay: emoji sequences and Persian spelling need them.
INVISIBLE = frozenset(
    "\u00ad\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)


def visible_text(text: str, unseen: frozenset[str] = frozenset()) -> str:
    """Text a reader typed (a query) or a page sent (a title) as what can be shown: the
    invisible characters above dropped; control characters, lone surrogates, unassigned
    code points and any of ``unseen`` each a space."""
    return "".join(
        " " if c in unseen or is_control(c) or unicodedata.category(c) in ("Cs", "Cn") else c
        for c in text
        if c not in INVISIBLE
    )


REASON_MAX = 1000


def check_note(value: str, field: str, limit: int = REASON_MAX) -> str | None:
    """A short text people write for others to read (a report, a moderator's reason): no
    control characters but line breaks and tabs (a NUL is refused by PostgreSQL, and
    escapes would mislead whoever reads it), at most ``limit`` characters."""
    if has_control(value):
        return f"{field} must not contain control characters"
    if len(value.strip()) > limit:
        return f"{field} must be at most {limit:,} characters"
    return None


def check_name(value: str) -> str | None:
    if any(is_control(c) for c in value):
        return "Please write the name on one line, without hidden control characters."
    if not INVISIBLE.isdisjoint(value):
        return (
            "The name contains invisible characters, or ones that turn the text around. "
            "Please type it again without them."
        )
    name = value.strip()
    if not name:
        return EMPTY_NAME
    if len(name) > NAME_MAX:
        return (
            f"The name is {len(name):,} characters long. "
            f"Please keep it to {NAME_MAX} characters or fewer."
        )
    return None


def _sentence(text: str) -> str:
    """A library's message as a sentence of ours: capitalized, with its full stop."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def check_email(value: str) -> str | None:
    email = value.strip()
    if len(email) > EMAIL_MAX:
        return (
            f"This e-mail address is longer than {EMAIL_MAX} characters. "
            "Please check that it is right."
        )
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"This e-mail address does not look right. {_sentence(str(exc))}"
    return None


def check_website(value: str) -> str | None:
    website = value.strip()
    if len(website) > WEBSITE_MAX:
        return (
            f"This web address is longer than {WEBSITE_MAX:,} characters. "
            "Please give a shorter one."
        )
    if any(is_control(c) or c.isspace() for c in website):
        return "A web address cannot contain spaces. Please check it."
    try:
        parts = urlsplit(website)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        return "This does not look like a web address. Please check it."
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return (
            "Please give the website's full address, starting with https:// "
            "(for example https://example.org)."
        )
    return None
