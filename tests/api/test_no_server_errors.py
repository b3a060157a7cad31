"""Whatever a client sends, the answer is a clear 4xx, never a 500 (property tests)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.anyio

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI must not flake on a new find
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.text(max_size=120), json_values),
        "body": st.one_of(st.text(max_size=300), json_values),
        "email": st.one_of(st.emails(), st.text(max_size=30), json_values),
        "website": st.one_of(st.text(max_size=40), json_values),
        "parent_id": json_values,
    },
)


@FUZZ
@given(payload=fields)
async def test_posting_any_json_object_never_fails_on_our_side(
    client: httpx.AsyncClient, story: dict[str, Any], payload: dict[str, Any]
) -> None:
    response = await client.post(f"/api/v1/stories/{story['id']}/comments", json=payload)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        assert set(response.json()["errors"]) <= {"name", "body", "email", "website", "parent_id"}


@FUZZ
@given(raw=st.binary(max_size=200))
async def test_posting_any_bytes_never_fails_on_our_side(
    client: httpx.AsyncClient, story: dict[str, Any], raw: bytes
) -> None:
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        response = await client.post(
            f"/api/v1/stories/{story['id']}/comments",
            content=raw,
            headers={"content-type": content_type},
        )
        assert response.status_code in (201, 400, 415, 422), response.text
        page = await client.post(
            f"/stories/{story['slug']}/comments",
            content=raw,
            headers={"content-type": content_type},
        )
        assert page.status_code in (303, 400, 403, 415, 422)


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["sort", "cursor", "limit", "after"]), st.text(max_size=60), max_size=4
    )
)
async def test_any_query_never_fails_on_our_side(
    client: httpx.AsyncClient, story: dict[str, Any], params: dict[str, str]
) -> None:
    for path in (
        f"/api/v1/stories/{story['id']}/comments",
        "/api/v1/stories",
        "/",
        f"/stories/{story['slug']}",
        "/tags/putin",
    ):
        response = await client.get(path, params=params)
        assert response.status_code in (200, 422), (path, params, response.text[:300])


@FUZZ
@given(segment=st.text(min_size=1, max_size=80))
async def test_any_path_never_fails_on_our_side(client: httpx.AsyncClient, segment: str) -> None:
    for prefix in ("/stories/", "/tags/", "/comments/", "/api/v1/stories/", "/feeds/stories/"):
        response = await client.get(prefix + quote(segment, safe=""))
        # "." and ".." resolve to real pages; whatever the path, never a server error.
        assert response.status_code < 500, (prefix, segment, response.status_code)
