"""The comment field rules of DESIGN.md, one row per case."""

from __future__ import annotations

from typing import Any

import pytest

from tribune.comments.validation import EMPTY_BODY, EMPTY_NAME, validate_comment

OK = {"name": "Ana", "body": "Fair point."}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, {"name": EMPTY_NAME, "body": EMPTY_BODY}),
        ({"name": "Ana"}, {"body": EMPTY_BODY}),
        ({"body": "Hi"}, {"name": EMPTY_NAME}),
        ({"name": "   ", "body": " \n\t "}, {"name": EMPTY_NAME, "body": EMPTY_BODY}),
        (
            {"name": "a" * 101, "body": "x"},
            {"name": "Name must be at most 100 characters (it has 101)"},
        ),
        (
            {"name": "Ana\nBob", "body": "x"},
            {"name": "Name must not contain control characters or line breaks"},
        ),
        (
            {"name": "Ana\x00", "body": "x"},
            {"name": "Name must not contain control characters or line breaks"},
        ),
        (
            {"name": "Ana\x1b[31m", "body": "x"},
            {"name": "Name must not contain control characters or line breaks"},
        ),
        (
            {"name": "Ana\u0085", "body": "x"},
            {"name": "Name must not contain control characters or line breaks"},
        ),
        (
            {"name": "Ana\u2028", "body": "x"},
            {"name": "Name must not contain control characters or line breaks"},
        ),
        (
            {"name": "Ana", "body": "x" * 10_001},
            {"body": "Comment must be at most 10,000 characters (it has 10,001)"},
        ),
        (
            {"name": "Ana", "body": "bell\x07"},
            {"body": "Comment must not contain control characters"},
        ),
        (
            {"name": "Ana", "body": "nul\x00"},
            {"body": "Comment must not contain control characters"},
        ),
        (
            {**OK, "email": "not-an-email"},
            {"email": "Email address is not valid: An email address must have an @-sign."},
        ),
        (
            {**OK, "email": "a@" + "b" * 250 + ".com"},
            {"email": "Email must be at most 254 characters"},
        ),
        (
            {**OK, "website": "javascript:alert(1)"},
            {"website": "Website must be an http:// or https:// address"},
        ),
        (
            {**OK, "website": "ftp://example.org"},
            {"website": "Website must be an http:// or https:// address"},
        ),
        (
            {**OK, "website": "http://"},
            {"website": "Website must be an http:// or https:// address"},
        ),
        (
            {**OK, "website": "https://x.org/a b"},
            {"website": "Website must be an http:// or https:// address without spaces"},
        ),
        ({**OK, "website": "https://x.org:99999/"}, {"website": "Website is not a valid address"}),
        (
            {**OK, "website": "https://example.org/" + "a" * 2000},
            {"website": "Website must be at most 2,000 characters"},
        ),
        ({"name": 5, "body": ["x"]}, {"name": "Name must be text", "body": "Body must be text"}),
    ],
)
def test_invalid_fields_return_messages_keyed_by_field(
    fields: dict[str, Any], errors: dict[str, str]
) -> None:
    clean, found = validate_comment(fields)
    assert clean is None
    assert found == errors


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (OK, ("Ana", "Fair point.", None, None)),
        ({"name": "  Ana  ", "body": "  a\r\nb  "}, ("Ana", "a\nb", None, None)),
        (
            {**OK, "email": " ana@example.org ", "website": ""},
            ("Ana", "Fair point.", "ana@example.org", None),
        ),
        (
            {**OK, "website": "HTTPS://Example.org/path?q=1"},
            ("Ana", "Fair point.", None, "HTTPS://Example.org/path?q=1"),
        ),
        ({"name": "a" * 100, "body": "b" * 10_000}, ("a" * 100, "b" * 10_000, None, None)),
        (
            {"name": "Zoë 😀", "body": "tab\tand\nnewline 𝕏"},
            ("Zoë 😀", "tab\tand\nnewline 𝕏", None, None),
        ),
        ({**OK, "email": None, "website": None}, ("Ana", "Fair point.", None, None)),
    ],
)
def test_valid_fields_are_trimmed(fields: dict[str, Any], expected: tuple[Any, ...]) -> None:
    clean, errors = validate_comment(fields)
    assert errors == {}
    assert clean is not None
    assert (clean.name, clean.body, clean.email, clean.website) == expected
