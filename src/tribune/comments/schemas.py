"""Comment shapes of the JSON API, for the OpenAPI document: requests are checked by
comments/validation.py and fields.py, responses are built as dicts.

The request models state those checks as JSON Schema, so that what the schema allows the
server accepts (tests/api/test_schemas.py holds the two together). Trimming and control
characters become patterns over the classes below; a length the code counts after trimming
is the schema's maxLength on the text as sent, a little stricter. What no schema can say
(a `parent_id` naming a comment of this story, a deliverable-looking e-mail address) is said
in the field's description."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tribune.comments.validation import BODY_MAX
from tribune.fields import EMAIL_MAX, INVISIBLE, NAME_MAX, WEBSITE_MAX
from tribune.moderation.reports import REPORT_TEXT_MAX
from tribune.vocabulary import ReportReason
from tribune.web.deps import MAX_ID
from tribune.web.openapi import CONTROL, END, NOTE_CONTROL, PLAIN_SPACE, SPACE, escaped


def _trimmed(refused: str, padding: str = SPACE, max_length: int | None = None) -> str:
    """Text with no ``refused`` character once trimmed of ``padding``, and something left;
    ``max_length`` bounds what is left."""
    inner = f"[^{refused}]*" if max_length is None else f"[^{refused}]{{0,{max_length - 2}}}"
    edge = f"[^{refused}{SPACE}]"
    return f"^[{padding}]*{edge}(?:{inner}{edge})?[{padding}]*{END}"


# A name refuses control and invisible characters anywhere, even where trimming would
# remove them.
NAME_PATTERN = _trimmed(CONTROL + escaped(INVISIBLE), PLAIN_SPACE, NAME_MAX)
# The body is trimmed first; tab and line breaks (\r\n and \r become \n) are kept.
BODY_PATTERN = _trimmed(r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029")
# A report's text is trimmed, then refuses control characters but tab and newline.
BLANK = f"^[{SPACE}]*{END}"
REPORT_TEXT_PATTERN = f"{BLANK}|{_trimmed(NOTE_CONTROL)}"
# http(s) URLs of a plain host name: a subset of what fields.check_website accepts (any
# address urlsplit reads with an http(s) scheme and a host, without spaces or controls).
WEBSITE_PATTERN = (
    f"^[{SPACE}]*[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*(?::[0-9]{{1,4}})?"
    f"(?:[/?#][^{CONTROL}{SPACE}]*)?[{SPACE}]*{END}"
)
# Documentation only, never validating: Python's engine reads the lookahead END is.
REQUEST = ConfigDict(regex_engine="python-re")

Body = Annotated[
    str,
    Field(
        max_length=BODY_MAX,
        pattern=BODY_PATTERN,
        description=f"Markdown, 1–{BODY_MAX:,} characters once trimmed, without control "
        "characters but tab and line breaks.",
    ),
]
# As JSON numbers or, as the form sends them, ASCII digits (the pattern stops below MAX_ID).
CommentRef = (
    Annotated[int, Field(ge=1, le=MAX_ID)]
    | Annotated[str, Field(pattern=f"^(?:[1-9][0-9]{{0,17}})?{END}")]
)


class CommentIn(BaseModel):
    model_config = REQUEST

    name: str = Field(
        pattern=NAME_PATTERN,
        description=f"1–{NAME_MAX} characters once trimmed; no control characters, line "
        "breaks or invisible and direction-changing characters anywhere.",
    )
    body: Body
    email: (
        Annotated[str, Field(max_length=EMAIL_MAX, json_schema_extra={"format": "email"})]
        | Annotated[str, Field(pattern=BLANK)]
        | None
    ) = Field(
        None,
        description=f"Optional (empty means none); a valid address of at most {EMAIL_MAX} "
        "characters once trimmed, checked as a mail server would (special-use domains such "
        "as .test or .arpa are refused). Never shown to anyone.",
    )
    website: Annotated[str, Field(max_length=WEBSITE_MAX, pattern=WEBSITE_PATTERN)] | None = Field(
        None,
        description=f"Optional (empty means none); an http:// or https:// address of at most "
        f"{WEBSITE_MAX:,} characters, without spaces. The pattern covers plain host names; "
        "any address with an http(s) scheme and a host is accepted.",
    )
    parent_id: CommentRef | None = Field(
        None,
        description="The comment this one replies to: an approved comment of the same story "
        f"(else 422), 1–{MAX_ID}, as a JSON integer without a fraction (12, not 12.0) or as "
        "ASCII digits; null or empty for none.",
    )


class CommentOut(BaseModel):
    id: int
    parent_id: int | None
    number: int
    name: str | None
    website: str | None
    avatar_url: str | None
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    score: int
    status: str
    featured: bool = Field(description="Picked by a moderator; highlighted.")
    replies: list[CommentOut]
    more_replies: int | None = Field(
        None,
        description="On a top-level comment whose replies the page cuts: how many more there "
        "are. Absent otherwise.",
    )
    replies_cursor: str | None = Field(
        None,
        description="With `more_replies`: the `cursor` of `GET /api/v1/comments/{id}/replies` "
        "that lists them.",
    )


class ThreadPage(BaseModel):
    comments: list[CommentOut]
    next_cursor: str | None
    total: int
    featured: list[CommentOut] = Field(
        description="Comments moderators picked, above the first page (empty on later pages)."
    )


class RepliesPage(BaseModel):
    comments: list[CommentOut] = Field(
        description="The page's replies in thread order, nested as in the thread; those whose "
        "parent an earlier page holds come first, to be placed under it (beside it when it is "
        "at the display depth)."
    )
    next_cursor: str | None
    total: int = Field(description="The comment's visible replies at every depth.")


class CommentCreated(CommentOut):
    edit_token: str = Field(
        description="Lets the author edit or delete the comment during the edit window: "
        "send it as `Authorization: Bearer TOKEN`. Shown only once."
    )
    moderation: str | None = Field(
        None,
        description="What became of a comment that is not published: `Awaiting moderation` "
        "(held for a moderator) or `Not published` (rejected); absent when it was published. "
        "Which rule held it is for staff alone.",
    )


class CommentEdit(BaseModel):
    model_config = REQUEST

    body: Body


class PreviewIn(BaseModel):
    model_config = REQUEST
    body: str = Field(
        max_length=BODY_MAX,
        pattern=f"{BLANK}|{BODY_PATTERN}",
        description=f"Markdown as the comment form has it: up to {BODY_MAX:,} characters once "
        "trimmed, without control characters but tab and line breaks; may be empty.",
    )


class PreviewOut(BaseModel):
    html: str = Field(
        description="The body as it would be published: sanitized HTML (empty for an empty "
        "body). Nothing is stored."
    )


class VoteIn(BaseModel):
    value: Literal[1, -1, 0] = Field(description="1 up, -1 down, 0 withdraws the reader's vote.")


class VoteOut(BaseModel):
    score: int
    value: int


class Counts(BaseModel):
    counts: dict[str, int] = Field(description="Comment count by story id; unknown ids left out.")


class ReportIn(BaseModel):
    reason: str = Field(json_schema_extra={"enum": list(ReportReason)})
    text: Annotated[str, Field(max_length=REPORT_TEXT_MAX, pattern=REPORT_TEXT_PATTERN)] | None = (
        Field(
            None,
            description=f"What is wrong: at most {REPORT_TEXT_MAX} characters once trimmed, "
            "without control characters but tab and newline; required for `other`.",
        )
    )

    model_config = REQUEST | ConfigDict(
        json_schema_extra={
            "if": {"properties": {"reason": {"const": ReportReason.other}}},
            "then": {
                "required": ["text"],
                "properties": {"text": {"type": "string", "pattern": f"[^{SPACE}]"}},
            },
        }
    )


class ReportOut(BaseModel):
    comment_id: int
    reported: bool
    hidden: bool = Field(description="Whether reports now hide it until a moderator looks.")


class OwnTokens(BaseModel):
    model_config = REQUEST
    tokens: list[str] = Field(
        max_length=50,
        description="Edit tokens of one's own comments (1–50), as posting answered them",
    )


class OwnStory(BaseModel):
    id: int
    title: str
    path: str


class OwnComment(BaseModel):
    id: int
    story: OwnStory | None
    parent_id: int | None
    name: str | None
    email: str | None
    website: str | None
    body: str = Field(description="The text as written (Markdown)")
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    status: str
    score: int
    address_hash_kept: bool = Field(
        description="Whether a keyed hash of the address it was posted from is kept (never "
        "the address itself)"
    )


class OwnData(BaseModel):
    comments: list[OwnComment]


class Erased(BaseModel):
    erased: list[int] = Field(description="The ids of the comments erased")
