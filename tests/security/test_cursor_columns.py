"""X3, what remained (found by tests/security/test_api_fuzz.py): cursor.decode refuses numbers
beyond 64 bits, but the oldest and newest sorts page by comments.number, a 32-bit column on
PostgreSQL, so a forged cursor holding 2**31 answered 500 there (asyncpg DataError, "value
out of int32 range"). Each keyset value is now checked against its column's width."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.security.fuzzing import forged_cursor

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("sort", ["oldest", "newest"])
@pytest.mark.parametrize(
    "page", ["/api/v1/stories/{id}/comments", "/stories/{slug}", "/stories/{slug}/thread"]
)
async def test_a_cursor_past_32_bits_is_no_server_error(
    client: httpx.AsyncClient,
    story: dict[str, Any],
    sort: str,
    page: str,
) -> None:
    cursor = forged_cursor([sort, 2**31])
    parameter = "cursor" if page.startswith("/api/") else "after"
    answer = await client.get(page.format(**story), params={"sort": sort, parameter: cursor})
    assert 400 <= answer.status_code < 500, answer.text
