"""The comment field rules of DESIGN.md, one row per case."""

from __future__ import annotations

from typing import Any

import pytest

from tribune.comments.validation import EMPTY_BODY, EMPTY_NAME, validate_comment

OK = {"name": "Ana", "body": "Fair point."}
# Messages a reader sees on the form: sentences that say what to do (issue 12).
ONE_LINE = "Please write the name on one line, without hidden control characters."
CONTROL = (
    "Your comment contains a hidden control character (pasted text often brings one). "
    "Please remove it."
)
FULL_ADDRESS = "Please give the website's full address, starting with https:// (for example https://example.org)."


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, {"name": EMPTY_NAME, "body": EMPTY_BODY}),
        ({"name": "Ana"}, {"body": EMPTY_BODY}),
        ({"body": "Hi"}, {"name": EMPTY_NAME}),
        ({"name": "   ", "body": " \n\t "}, {"name": EMPTY_NAME, "body": EMPTY_BODY}),
        (
            {"name": "a" * 101, "body": "x"},
            {"name": "The name is 101 characters long. Please keep it to 100 characters or fewer."},
        ),
        (
            {"name": "Ana\nBob", "body": "x"},
            {"name": ONE_LINE},
        ),
        (
            {"name": "Ana\x00", "body": "x"},
            {"name": ONE_LINE},
        ),
        (
            {"name": "Ana\x1b[31m", "body": "x"},
            {"name": ONE_LINE},
        ),
        (
            {"name": "Ana\u0085", "body": "x"},
            {"name": ONE_LINE},
        ),
        (
            {"name": "Ana\u2028", "body": "x"},
            {"name": ONE_LINE},
        ),
        (
            {"name": "Ana", "body": "x" * 10_001},
            {
                "body": (
                    "Your comment is 10,001 characters long, and the limit is 10,000. "
                    "Please shorten it."
                )
            },
        ),
        (
            {"name": "Ana", "body": "bell\x07"},
            {"body": CONTROL},
        ),
        (
            {"name": "Ana", "body": "nul\x00"},
            {"body": CONTROL},
        ),
        (
            {**OK, "email": "not-an-email"},
            {
                "email": "This e-mail address does not look right. "
                "An email address must have an @-sign."
            },
        ),
        (
            {**OK, "email": "a@" + "b" * 250 + ".com"},
            {
                "email": "This e-mail address is longer than 254 characters. "
                "Please check that it is right."
            },
        ),
        (
            {**OK, "website": "javascript:alert(1)"},
            {"website": FULL_ADDRESS},
        ),
        (
            {**OK, "website": "ftp://example.org"},
            {"website": FULL_ADDRESS},
        ),
        (
            {**OK, "website": "http://"},
            {"website": FULL_ADDRESS},
        ),
        (
            {**OK, "website": "https://x.org/a b"},
            {"website": "A web address cannot contain spaces. Please check it."},
        ),
        (
            {**OK, "website": "https://x.org:99999/"},
            {"website": "This does not look like a web address. Please check it."},
        ),
        (
            {**OK, "website": "https://example.org/" + "a" * 2000},
            {
                "website": "This web address is longer than 2,000 characters. "
                "Please give a shorter one."
            },
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
