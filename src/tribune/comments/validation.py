"""What each field of a comment may be, as field-keyed messages.

The two messages for empty fields are the demo page's own, word for word. The rules are the
contract in DESIGN.md; the API, the no-JavaScript form and every importer share them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

EMPTY_BODY = "Please enter your comment!"
EMPTY_NAME = "Please enter your name here"

NAME_MAX = 100
BODY_MAX = 10_000
EMAIL_MAX = 254
WEBSITE_MAX = 2_000

FieldErrors = dict[str, str]


@dataclass(frozen=True, slots=True)
class CommentFields:
    """A comment's fields after validation: trimmed, with empty optionals as None."""

    name: str
    body: str
    email: str | None = None
    website: str | None = None


def _is_control(char: str) -> bool:
    # Cc covers NUL, CR, LF, ESC and NEL; line and paragraph separators break names too.
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def _length(count: int) -> str:
    return f"{count:,}"


def check_name(value: str) -> str | None:
    if any(_is_control(c) for c in value):
        return "Name must not contain control characters or line breaks"
    name = value.strip()
    if not name:
        return EMPTY_NAME
    if len(name) > NAME_MAX:
        return f"Name must be at most {NAME_MAX} characters (it has {_length(len(name))})"
    return None


def check_body(value: str) -> str | None:
    body = value.strip()
    if not body:
        return EMPTY_BODY
    if len(body) > BODY_MAX:
        return f"Comment must be at most {BODY_MAX:,} characters (it has {_length(len(body))})"
    if any(_is_control(c) and c not in "\t\n" for c in body):
        return "Comment must not contain control characters"
    return None


def check_email(value: str) -> str | None:
    email = value.strip()
    if len(email) > EMAIL_MAX:
        return f"Email must be at most {EMAIL_MAX} characters"
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"Email address is not valid: {exc}"
    return None


def check_website(value: str) -> str | None:
    website = value.strip()
    if len(website) > WEBSITE_MAX:
        return f"Website must be at most {WEBSITE_MAX:,} characters"
    if any(_is_control(c) or c.isspace() for c in website):
        return "Website must be an http:// or https:// address without spaces"
    try:
        parts = urlsplit(website)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        return "Website is not a valid address"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "Website must be an http:// or https:// address"
    return None


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def validate_comment(data: dict[str, Any]) -> tuple[CommentFields | None, FieldErrors]:
    """Check raw fields (from JSON or a form); return the clean fields or the errors."""
    errors: FieldErrors = {}
    raw: dict[str, str] = {}
    for field in ("body", "name", "email", "website"):  # the form's order
        value = data.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = f"{field.capitalize()} must be text"
            continue
        raw[field] = normalize_newlines(value) if field == "body" else value

    checks = {"body": check_body, "name": check_name}
    for field, check in checks.items():
        if field in raw and (message := check(raw[field])):
            errors[field] = message
    for field, check in {"email": check_email, "website": check_website}.items():
        if raw.get(field, "").strip() and (message := check(raw[field])):
            errors[field] = message

    if errors:
        return None, errors
    return (
        CommentFields(
            name=raw["name"].strip(),
            body=raw["body"].strip(),
            email=raw["email"].strip() or None,
            website=raw["website"].strip() or None,
        ),
        {},
    )
