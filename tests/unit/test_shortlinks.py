"""Short link codes: the story id in base 62, one code per id, nothing else decodes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tribune.shortlinks import ID_MAX, decode_short, encode_short


@pytest.mark.parametrize(
    ("story_id", "code"),
    [
        (0, "0"),
        (1, "1"),
        (9, "9"),
        (10, "a"),
        (35, "z"),
        (36, "A"),
        (61, "Z"),
        (62, "10"),
        (62**3 + 61, "100Z"),
        (ID_MAX, "aZl8N0y58M7"),
    ],
)
def test_codes_are_base_62_digits_lower_then_upper(story_id: int, code: str) -> None:
    assert encode_short(story_id) == code
    assert decode_short(code) == story_id


@given(st.integers(min_value=0, max_value=ID_MAX))
def test_every_id_round_trips_in_at_most_11_characters(story_id: int) -> None:
    code = encode_short(story_id)
    assert len(code) <= 11 and code.isascii() and code.isalnum()
    assert decode_short(code) == story_id


@pytest.mark.parametrize(
    "code",
    [
        "",
        "aZl8N0y58M8",  # one past the largest id the databases hold
        "ZZZZZZZZZZZ",
        "100000000000",  # 12 characters
        "00",
        "01",  # a leading zero: "1" is that story's one code
        "a-b",
        "a_b",
        "a b",
        "é",
        "١",  # an Arabic-Indic digit: isdigit() but not ours
        "a\x00",
        "a\n",
    ],
)
def test_anything_else_is_no_code(code: str) -> None:
    assert decode_short(code) is None


@pytest.mark.parametrize("story_id", [-1, ID_MAX + 1])
def test_ids_no_database_holds_have_no_code(story_id: int) -> None:
    with pytest.raises(ValueError):
        encode_short(story_id)
