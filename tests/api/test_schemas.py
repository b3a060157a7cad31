"""The answers are what the OpenAPI document says: every JSON body the API sends validates
against its pydantic model and carries exactly the model's fields (responses are built as
dicts, so nothing else keeps the two descriptions in step)."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from tests.helpers import openapi_document
from tribune.comments import schemas as comment_schemas
from tribune.comments.schemas import WEBSITE_PATTERN, CommentEdit, CommentIn, ReportIn
from tribune.comments.validation import check_body, normalize_newlines
from tribune.cursor import LIMIT_MAX
from tribune.exceptions import Invalid
from tribune.fields import check_name, check_note, check_website, whole_number
from tribune.moderation import reports
from tribune.moderation.schemas import ModerationIn
from tribune.stories import schemas as story_schemas
from tribune.vocabulary import ReportReason, Sort
from tribune.web.deps import MAX_ID
from tribune.web.errors import PROBLEM_JSON, Problem
from tribune.web.openapi import PROBLEM_REF

THREAD = "/api/v1/stories/{story_id}/comments"


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


@pytest.mark.anyio
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


@pytest.mark.anyio
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


# The document --------------------------------------------------------------------------------

DOCUMENT_ERRORS = ("400", "401", "403", "404", "408", "409", "413", "415", "422", "429", "503")
PROBES = ("/healthz", "/readyz")


def test_every_refusal_is_documented_as_a_problem() -> None:
    document = openapi_document()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path not in PROBES:  # the edge refuses a Host the site does not serve
                assert "400" in operation["responses"], (method, path)
            if "requestBody" in operation:  # and a body that does not arrive in time
                assert "408" in operation["responses"], (method, path)
            for status, answer in operation["responses"].items():
                if status in DOCUMENT_ERRORS and path != "/readyz":
                    content = answer["content"]
                    assert content == {PROBLEM_JSON: {"schema": PROBLEM_REF}}, (method, path)
    assert document["components"]["schemas"]["Problem"] == Problem.model_json_schema()


def test_the_staff_api_documents_who_may_call_it() -> None:
    moderate = openapi_document()["paths"]["/api/v1/admin/moderation"]["post"]
    assert {"401", "403", "413", "415", "422"} <= set(moderate["responses"])
    assert moderate["security"] == [{"staffSession": [], "csrfCookie": [], "csrfHeader": []}]
    assert moderate["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "ids",
        "action",
    ]


def test_parameters_state_their_ranges() -> None:
    paths = openapi_document()["paths"]
    thread = {p["name"]: p["schema"] for p in paths[THREAD]["get"]["parameters"]}
    assert thread["story_id"] | {"minimum": 1, "maximum": MAX_ID} == thread["story_id"]
    assert (thread["limit"]["minimum"], thread["limit"]["maximum"]) == (1, LIMIT_MAX)
    assert thread["sort"]["enum"] == list(Sort)
    assert thread["cursor"] == {"type": "string", "maxLength": 500, "title": "Cursor"}
    counts = {p["name"]: p["schema"] for p in paths["/api/v1/counts"]["get"]["parameters"]}
    assert counts["story"]["items"] == {"type": "integer", "minimum": 1, "maximum": MAX_ID}


# Request schemas against the checks they describe ----------------------------------------------

TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),  # what JSON can carry: no lone surrogates
        st.characters(categories=("Cc", "Zs", "Zl", "Zp")),  # control and space characters
        st.sampled_from(" \t\r\n"),
    ),
    max_size=30,
)
PROPERTY = settings(max_examples=300, deadline=None)


@cache
def _field(model: type[BaseModel], name: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(model.model_json_schema()["properties"][name])


@cache
def _model(model: type[BaseModel]) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(model.model_json_schema())


@PROPERTY
@given(name=TEXT)
def test_the_name_schema_allows_exactly_the_names_accepted(name: str) -> None:
    assert _field(CommentIn, "name").is_valid(name) == (check_name(name) is None)


@PROPERTY
@given(body=TEXT)
def test_the_body_schema_allows_exactly_the_bodies_accepted(body: str) -> None:
    accepted = check_body(normalize_newlines(body)) is None
    assert _field(CommentIn, "body").is_valid(body) == accepted
    assert _field(CommentEdit, "body").is_valid(body) == accepted


@PROPERTY
@given(reason=st.sampled_from([*ReportReason, "other-reason"]), text=st.none() | TEXT)
def test_the_report_schema_allows_exactly_the_reports_accepted(
    reason: str, text: str | None
) -> None:
    schema = _model(ReportIn)
    try:
        reports._checked({"reason": reason, "text": text})
        accepted = True
    except Invalid:
        accepted = False
    assert schema.is_valid({"reason": reason, "text": text}) == accepted


@PROPERTY
@given(reason=TEXT)
def test_the_moderation_reason_schema_allows_exactly_the_reasons_accepted(reason: str) -> None:
    accepted = check_note(reason, "Reason") is None
    assert _field(ModerationIn, "reason").is_valid(reason) == accepted


@settings(max_examples=60, deadline=None)  # drawing from the pattern is slow
@given(data=st.data())
def test_what_the_website_pattern_allows_is_accepted(data: st.DataObject) -> None:
    website = data.draw(st.from_regex(WEBSITE_PATTERN) | TEXT)
    if _field(CommentIn, "website").is_valid(website):
        assert check_website(website) is None, website


@PROPERTY
@given(number=st.integers(min_value=-5, max_value=MAX_ID + 5), as_text=st.booleans())
def test_what_the_parent_id_schema_allows_names_a_possible_comment(
    number: int, as_text: bool
) -> None:
    value = str(number) if as_text else number
    if _field(CommentIn, "parent_id").is_valid(value):
        assert 1 <= number <= MAX_ID
        assert whole_number(str(value)) == number
