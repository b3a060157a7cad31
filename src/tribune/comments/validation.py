"""What each field of a comment may be, as field-keyed messages.

The two messages for empty fields are the demo page's own, word for word. The rules are the
contract in DESIGN.md; the API, the no-JavaScript form and every importer share them. The
name, e-mail and website checks are shared with staff accounts (tribune/fields.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tribune.exceptions import FieldErrors
from tribune.fields import EMPTY_NAME, check_email, check_name, check_website, has_control

EMPTY_BODY = "Please enter your comment!"
BODY_MAX = 10_000

__all__ = ["BODY_MAX", "EMPTY_BODY", "EMPTY_NAME", "CommentFields", "check_body"]


@dataclass(frozen=True, slots=True)
class CommentFields:
    """A comment's fields after validation: trimmed, with empty optionals as None."""

    name: str
    body: str
    email: str | None = None
    website: str | None = None


def check_body(value: str) -> str | None:
    body = value.strip()
    if not body:
        return EMPTY_BODY
    if len(body) > BODY_MAX:
        return (
            f"Your comment is {len(body):,} characters long, and the limit is {BODY_MAX:,}. "
            "Please shorten it."
        )
    if has_control(body):
        return (
            "Your comment contains a hidden control character (pasted text often brings one). "
            "Please remove it."
        )
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
