"""Shapes of the staff API, for the OpenAPI document (moderation/routes.py and queue.py
check the request themselves)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from tribune.fields import REASON_MAX
from tribune.moderation.bans import BAN_DAYS_DEFAULT, BAN_DAYS_MAX
from tribune.moderation.queue import ACT_MAX
from tribune.vocabulary import CommentStatus, ModerationAction
from tribune.web.deps import MAX_ID
from tribune.web.openapi import END, NOTE_CONTROL


class ModerationIn(BaseModel):
    model_config = ConfigDict(regex_engine="python-re")  # for END's lookahead; never validates

    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1,
        max_length=ACT_MAX,
        description="The comments to act on (JSON integers without a fraction), each of them "
        "existing and not deleted by its author, else 422 naming it: the action is taken on "
        "all of them or on none.",
    )
    action: str = Field(json_schema_extra={"enum": list(ModerationAction)})
    reason: (
        Annotated[str, Field(max_length=REASON_MAX, pattern=f"^[^{NOTE_CONTROL}]*{END}")] | None
    ) = Field(
        None,
        description=f"Kept with the action: at most {REASON_MAX:,} characters once trimmed, "
        "without control characters but tab and newline.",
    )
    ban_days: Annotated[int, Field(ge=0, le=BAN_DAYS_MAX)] | None = Field(
        None,
        description="For `ban`: how many days the ban on the author's address lasts (a JSON "
        f"integer without a fraction); absent: {BAN_DAYS_DEFAULT}; 0: no expiry. `undo` puts "
        "back what the caller's last action on each comment changed (within minutes, if "
        "nothing changed it since): its status, featured mark, the reports an approval "
        "dismissed and the bans it made.",
    )


class ModerationDone(BaseModel):
    id: int
    status: str = Field(json_schema_extra={"enum": list(CommentStatus)})
    featured: bool


class ModerationOut(BaseModel):
    done: list[ModerationDone]
