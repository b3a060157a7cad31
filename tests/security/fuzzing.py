"""What the fuzzers share: how long they run, and the values that broke Tribune before.

`make test` gives each fuzzer a bounded run with the same examples every time (CI must not
flake on a new find); `make fuzz` sets TRIBUNE_FUZZ=long for a long run with fresh random
examples each time. Beside what Hypothesis and schemathesis make up, the fuzzers often put in
hostile numbers where a number is expected: digits of other scripts ("²" is a digit to
str.isdigit() but not to int(): X2 in the December 2026 attack pass) and numbers beyond 64
bits, also inside forged cursors (no column holds them: X3)."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

LONG = os.environ.get("TRIBUNE_FUZZ", "") == "long"
LONG_FACTOR = 20


def budget(examples: int) -> settings:
    """``examples`` per test in `make test`, LONG_FACTOR times as many under `make fuzz`."""
    return settings(
        max_examples=examples * LONG_FACTOR if LONG else examples,
        deadline=None,
        derandomize=not LONG,
        # Fixtures are set up once per test, not per example, on purpose: the examples share
        # one database, as a server's requests do.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


# Past 64 bits: no column holds them.
BIG = st.integers(min_value=2**63, max_value=2**70) | st.integers(
    min_value=-(2**70), max_value=-(2**63) - 1
)
NUMBERS = st.integers() | BIG
# Digits of every script: all of them str.isdigit(), some of them not int() ("²", "①").
DIGITS = st.text(
    st.characters(categories=("Nd", "No")).filter(str.isdigit), min_size=1, max_size=19
)
# A dictionary of numbers that parsers get wrong, then made-up ones.
HOSTILE_NUMBERS = st.one_of(
    st.sampled_from(
        ["²", "①", "٣", "１２", str(2**63), str(-(2**63) - 1), "1e3", "0x1f", "+1", " 1 ", "1.0"]
    ),
    DIGITS,
    BIG.map(str),
    NUMBERS.map(str),
)
# A thread's sort has one or two keys, of 32-bit and 64-bit columns, and forged ones beyond.
CURSOR_NUMBERS = st.integers(min_value=-(2**63), max_value=2**63 - 1) | BIG
CURSOR_KEYS = st.lists(CURSOR_NUMBERS, min_size=1, max_size=2)


def forged_cursor(values: list[Any]) -> str:
    """A cursor as a client could write one (Tribune's never hold such values)."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()
