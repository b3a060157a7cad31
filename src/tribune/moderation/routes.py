"""Staff pages and the staff API for moderation: the queue and its actions, bans, the rule
settings and each story's comment mode. Every page works without JavaScript; admin.js adds
keyboard work and in-place updates through the staff API."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from tribune.accounts.deps import Banner, Editor, Moderator, RuleKeeper, check_form, staff_page
from tribune.exceptions import Invalid, NotFound
from tribune.fields import whole_number
from tribune.live.deps import events_of
from tribune.moderation import bans, config, modes, queue, rules
from tribune.moderation.schemas import ModerationIn, ModerationOut
from tribune.stories import service as stories
from tribune.vocabulary import ModerationAction, Permission, QueueTab
from tribune.web.deps import MAX_ID, Db
from tribune.web.errors import ProblemError
from tribune.web.forms import read_form, read_form_pairs, read_json
from tribune.web.openapi import STAFF, UNAVAILABLE, json_body, problems
from tribune.web.responses import Json
from tribune.web.security import CSRF_FIELD

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/admin", tags=["staff"])

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
RULE_NAMES = tuple(rule.name for rule in rules.RULES)
RULE_TITLES = {rule.name: rule.title for rule in rules.RULES}


def _days(value: str | None, field: str = "ban_days") -> int | None:
    """Days typed or chosen: None when empty (the default), bans.NO_EXPIRY for "never"."""
    if not value or not value.strip():
        return None
    if value.strip() == "never":
        return bans.NO_EXPIRY
    days = whole_number(value)
    if days is None:
        errors = {field: "Days must be a whole number, or no expiry"}
        raise Invalid(queue.NOT_TAKEN, errors)
    return days


# The queue ------------------------------------------------------------------------------------

DONE_WORDS = {
    ModerationAction.approve: "Approved",
    ModerationAction.reject: "Rejected",
    ModerationAction.ban: "Rejected, and banned the author of,",
    ModerationAction.feature: "Featured",
    ModerationAction.unfeature: "No longer featured:",
    ModerationAction.undo: "Undone: the last action on",
}
UNDO_IDS = 100  # comments the notice offers to undo (more: the audit log has them)


def _notice(action: str | None, count: int) -> str | None:
    """The notice after an action, in the server's own words: the address names only the
    action and a count, so no link can make the staff page say anything else."""
    if action not in frozenset(ModerationAction):
        return None
    return f"{DONE_WORDS[ModerationAction(action)]} {count} comment{'s' if count != 1 else ''}."


def _ids(text: str | None) -> list[int]:
    found = [whole_number(part) for part in (text or "").split(",")[:UNDO_IDS]]
    return [number for number in found if number is not None and 1 <= number <= MAX_ID]


@router.get("/admin/moderation")
async def queue_page(
    request: Request,
    db: Db,
    member: Moderator,
    tab: Annotated[str, Query()] = QueueTab.pending,
    story: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    rule: Annotated[str | None, Query()] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
    count: Annotated[int, Query(ge=0, le=queue.ACT_MAX)] = 0,
    undo: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    if tab not in frozenset(QueueTab):
        raise ProblemError(422, "Tab must be one of: " + ", ".join(QueueTab))
    if rule and rule not in RULE_NAMES:
        raise ProblemError(422, "Rule must be one of: " + ", ".join(RULE_NAMES))
    items, following, counts = await queue.queue(
        db, QueueTab(tab), story_id=story, rule=rule or None, before=before
    )
    filters = {k: v for k, v in (("tab", tab), ("story", story), ("rule", rule)) if v}
    return staff_page(
        request,
        "queue.html",
        {
            "tab": tab,
            "tabs": tuple(QueueTab),
            "items": items,
            "counts": counts,
            "story_filter": story,
            "rule_filter": rule,
            "rules": RULE_NAMES,
            "rule_titles": RULE_TITLES,
            "stories": await stories.for_staff(db, 100),
            "next_url": f"/admin/moderation?{urlencode(filters | {'before': following})}"
            if following
            else None,
            "here": f"/admin/moderation?{urlencode(filters)}",
            "done": _notice(done, count),
            "undo_ids": _ids(undo) if done != ModerationAction.undo else [],
            "ban_choices": BAN_CHOICES,
            "ban_default": bans.BAN_DAYS_DEFAULT,
        },
    )


# The ban lengths offered (days; 0 is no expiry, which must be chosen).
BAN_CHOICES = ((1, "1 day"), (7, "7 days"), (30, "30 days"), (365, "1 year"), (0, "No expiry"))


@router.post("/admin/moderation")
async def queue_action(request: Request, db: Db, member: Moderator) -> Response:
    pairs = await read_form_pairs(request, max_fields=600)
    form = {key: value for key, value in pairs if key != "ids"}
    check_form(request, form)
    back = form.get("back", "/admin/moderation")
    if not back.startswith("/admin/moderation"):
        back = "/admin/moderation"
    reason, days = form.get("reason", ""), _days(form.get("ban_days"))
    if one := form.get("one"):  # a button on one item: "ID:action"
        id_text, _, action = one.partition(":")
        ids = [number for number in [whole_number(id_text)] if number is not None]
        reason, days = "", None  # the bulk bar's reason and days are for bulk actions
    else:
        action = form.get("action", "")
        ids = [
            number
            for key, value in pairs
            if key == "ids" and (number := whole_number(value)) is not None
        ]
    if action == ModerationAction.ban and not member.can(Permission.ban):
        raise ProblemError(403, f"A {member.role} may not ban")
    if action == ModerationAction.ban and form.get("confirmed") != "yes":
        return await _confirm_ban(request, db, ids, back, reason, days)
    done = await queue.act(
        db, ids, action, by=member, events=events_of(request), reason=reason, ban_days=days
    )
    joiner = "&" if "?" in back else "?"
    answer = {"done": action, "count": len(done)}
    if action != ModerationAction.undo:
        answer["undo"] = ",".join(str(d["id"]) for d in done[:UNDO_IDS])
    return RedirectResponse(f"{back}{joiner}{urlencode(answer)}", 303)


async def _confirm_ban(
    request: Request, db: Db, ids: list[int], back: str, reason: str, days: int | None
) -> Response:
    """Before a ban: whose comments, and who else posted from each address it bars."""
    found = await queue.ban_preview(db, ids)
    return staff_page(
        request,
        "ban_confirm.html",
        {
            "found": found,
            "back": back,
            "reason": reason,
            "days": bans.BAN_DAYS_DEFAULT if days is None else days,
            "ban_choices": BAN_CHOICES,
        },
        status_code=422 if any(not item["bannable"] for item in found) else 200,
    )


@api.post(
    "/moderation",
    operation_id="moderate",
    response_model=ModerationOut,
    responses=problems(400, 401, 403, 413, 415, 422, UNAVAILABLE),
    openapi_extra=json_body(ModerationIn, security=STAFF),
)
async def moderate(request: Request, db: Db, member: Moderator) -> Response:
    """Approve, reject, ban the authors of, feature or unfeature comments, as a moderator or
    an admin: 401 without a staff session, 403 for an editor or without the CSRF header."""
    data = await read_json(request)
    ids = data.get("ids")
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise ProblemError(
            422,
            "The request has invalid fields",
            errors={"ids": "Ids must be a list of comment ids"},
        )
    action = data.get("action")
    if action == ModerationAction.ban and not member.can(Permission.ban):
        raise ProblemError(403, f"A {member.role} may not ban")
    reason = data.get("reason") or ""
    days = data.get("ban_days")
    if not isinstance(reason, str) or (days is not None and not isinstance(days, int)):
        raise ProblemError(
            422,
            "The request has invalid fields",
            errors={"reason": "Reason must be text; ban_days a number"},
        )
    done = await queue.act(
        db, ids, str(action), by=member, events=events_of(request), reason=reason, ban_days=days
    )
    return Json({"done": done})


# Bans -----------------------------------------------------------------------------------------

BAN_FIELDS = ("kind", "value", "reason", "days", CSRF_FIELD)


@router.get("/admin/bans")
async def bans_page(
    request: Request,
    db: Db,
    member: Banner,
    done: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    notice = {"added": "The ban was added.", "lifted": "The ban was lifted."}.get(done or "")
    return await _bans(request, db, {}, {}, notice=notice)


async def _bans(
    request: Request,
    db: Db,
    form: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    found = await bans.bans_in_force(db)
    return staff_page(
        request,
        "bans.html",
        {
            "bans": found,
            "form": form,
            "errors": errors,
            "notice": notice,
            "ban_choices": BAN_CHOICES,
            "ban_default": bans.BAN_DAYS_DEFAULT,
        },
        status_code=status_code,
    )


@router.post("/admin/bans")
async def add_ban(request: Request, db: Db, member: Banner) -> Response:
    form = await read_form(request, BAN_FIELDS)
    check_form(request, form)
    try:
        await bans.add_ban(
            db,
            form.get("kind", ""),
            form.get("value", ""),
            by=member,
            reason=form.get("reason", "").strip(),
            days=_days(form.get("days"), "days"),
        )
    except Invalid as exc:
        return await _bans(request, db, form, exc.errors, status_code=422)
    return RedirectResponse("/admin/bans?done=added", 303)


@router.post("/admin/bans/{ban_id}/lift")
async def lift_ban(request: Request, db: Db, member: Banner, ban_id: Id) -> Response:
    check_form(request, await read_form(request, (CSRF_FIELD,)))
    try:
        await bans.lift_ban(db, ban_id, by=member)
    except NotFound as exc:
        return await _bans(request, db, {}, {"ban": exc.detail}, status_code=404)
    return RedirectResponse("/admin/bans?done=lifted", 303)


# Rule settings --------------------------------------------------------------------------------

LIST_FIELDS = ("banned_words", "suspect_words", "blocked_domains", "disabled")


@router.get("/admin/rules")
async def rules_page(request: Request, db: Db, member: RuleKeeper) -> Response:
    settings = await config.rule_config(db)
    return _rules(request, settings.model_dump(mode="json"), {})


def _rules(
    request: Request, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    fields = rules.RuleConfig.model_fields
    return staff_page(
        request,
        "rules.html",
        {
            "values": values,
            "errors": errors,
            "fields": fields,
            "rule_names": RULE_NAMES,
            "rule_titles": RULE_TITLES,
            "list_fields": LIST_FIELDS,
        },
        status_code=status_code,
    )


def _rule_problem(error: Any) -> str:
    """A rule setting's validation error in people's words, naming the field by its label."""
    name = str(error["loc"][0])
    field = rules.RuleConfig.model_fields.get(name)
    label = field.title if field and field.title else name.replace("_", " ").capitalize()
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "int_parsing":
        return f"{label}: please enter a whole number, such as 5"
    if kind == "float_parsing":
        return f"{label}: please enter a number, such as 0.7"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        limit = next(iter(context.values()), "")
        phrase = {
            "greater_than_equal": f"{limit} or more",
            "greater_than": f"more than {limit}",
            "less_than_equal": f"{limit} or less",
            "less_than": f"less than {limit}",
        }[kind]
        return f"{label}: must be {phrase}"
    if kind == "value_error":
        message = str(context.get("error", error["msg"]))
        return f"{label}: {message[:1].upper()}{message[1:]}"
    return f"{label}: {error['msg']}"


@router.post("/admin/rules")
async def save_rules(request: Request, db: Db, member: RuleKeeper) -> Response:
    pairs = await read_form_pairs(request, max_fields=100)
    form = {key: value for key, value in pairs if key != "enabled"}
    check_form(request, form)
    enabled = {value for key, value in pairs if key == "enabled"}
    data: dict[str, Any] = {}
    for name in rules.RuleConfig.model_fields:
        if name == "disabled":
            data[name] = [rule for rule in RULE_NAMES if rule not in enabled]
        elif name in LIST_FIELDS:
            data[name] = [line.strip() for line in form.get(name, "").splitlines() if line.strip()]
        elif name == "first_comment_hold":
            data[name] = form.get(name) == "on"
        else:
            data[name] = form.get(name, "")
    try:
        await config.save_rule_config(db, data, by=member)
    except ValidationError as exc:
        errors = {str(e["loc"][0]): _rule_problem(e) for e in exc.errors()}
        shown = data | {
            k: "\n".join(v) for k, v in data.items() if k in LIST_FIELDS and k != "disabled"
        }
        return _rules(request, shown, errors, status_code=422)
    return RedirectResponse("/admin/rules?saved=1", 303)


# Stories' comment modes -----------------------------------------------------------------------


@router.post("/admin/stories/{story_id}/mode")
async def story_mode(request: Request, db: Db, member: Editor, story_id: Id) -> Response:
    form = await read_form(request, ("mode", "first_comment_hold", CSRF_FIELD))
    check_form(request, form)
    hold = form.get("first_comment_hold") == "on"
    await modes.set_story_mode(
        db, story_id, form.get("mode", ""), hold, by=member, events=events_of(request)
    )
    return RedirectResponse("/admin/stories", 303)
