"""The answers are what the OpenAPI document says: every JSON body the API sends validates
against its pydantic model and carries exactly the model's fields (responses are built as
dicts, so nothing else keeps the two descriptions in step)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from tribune.comments import schemas as comment_schemas
from tribune.stories import schemas as story_schemas
from tribune.web.errors import Problem

pytestmark = pytest.mark.anyio


def exactly(model: type[BaseModel], data: Any) -> None:
    """``data`` validates as ``model`` and has no field the model lacks, at every level."""
    model.model_validate(data)
    assert isinstance(data, dict)
    assert set(data) <= set(model.model_fields), set(data) - set(model.model_fields)
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    assert required <= set(data), required - set(data)
    for name, value in data.items():
        annotation = model.model_fields[name].annotation
        nested = _model_in(annotation)
        if nested is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                exactly(nested, item)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        if (found := _model_in(argument)) is not None:
            return found
    return None


async def test_every_answer_has_the_shape_its_model_documents(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    listed = await client.get("/api/v1/stories")
    exactly(story_schemas.StoryList, listed.json())
    detail = await client.get(f"/api/v1/stories/{story['id']}")
    exactly(story_schemas.StoryDetail, detail.json())

    path = f"/api/v1/stories/{story['id']}/comments"
    created = await client.post(path, json={"name": "Ana", "body": "A first word"})
    exactly(comment_schemas.CommentCreated, created.json())
    reply = await client.post(
        path, json={"name": "Bo", "body": "A reply", "parent_id": created.json()["id"]}
    )
    exactly(comment_schemas.CommentCreated, reply.json())
    page = await client.get(path, params={"sort": "newest", "limit": 2})
    exactly(comment_schemas.ThreadPage, page.json())
    assert page.json()["comments"][0]["replies"], "a nested reply is checked too"

    comment_id = created.json()["id"]
    token = created.json()["edit_token"]
    edited = await client.patch(
        f"/api/v1/comments/{comment_id}",
        json={"body": "A first word, edited"},
        headers={"Authorization": f"Bearer {token}"},
    )
    exactly(comment_schemas.CommentOut, edited.json())
    voted = await client.post(f"/api/v1/comments/{comment_id}/votes", json={"value": 1})
    exactly(comment_schemas.VoteOut, voted.json())
    reported = await client.post(f"/api/v1/comments/{comment_id}/reports", json={"reason": "spam"})
    exactly(comment_schemas.ReportOut, reported.json())
    counts = await client.get("/api/v1/counts", params={"story": story["id"]})
    exactly(comment_schemas.Counts, counts.json())


async def test_refusals_are_problems_with_the_documented_fields(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    unknown_story = await client.post(
        "/api/v1/stories/999999/comments", json={"name": "Ana", "body": "Anyone there?"}
    )
    for answer in (
        unknown_story,
        await client.post(f"/api/v1/stories/{story['id']}/comments", json={}),
        await client.get("/api/v1/stories/999999"),
        await client.get(f"/api/v1/stories/{story['id']}/comments", params={"sort": "x"}),
    ):
        assert answer.headers["content-type"] == "application/problem+json"
        exactly(Problem, answer.json())
