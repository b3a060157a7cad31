"""The story editor's rules: what a story may hold, its life (draft, scheduled, published,
unpublished), revisions and their restore, two editors saving at once, old addresses.

Every save runs in one transaction: the story row, its tags and bylines, a revision, an old
slug's redirect and the audit entry, or none of them. A save names the revision it was made
from; if someone saved since, nothing is written and the caller gets a ``SaveConflict``
naming who changed what, so the editor can show it beside what they typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from tribune import public
from tribune.accounts.service import Staff, audit
from tribune.exceptions import Conflict, FieldErrors, Invalid, NotAllowed, NotFound
from tribune.fields import INVISIBLE, check_website, is_control
from tribune.markdown import TAG_MAX, render_story, tag_slug
from tribune.storage import editor as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Conn, Database
from tribune.stories import images
from tribune.stories import service as story_service
from tribune.stories.service import SLUG_MAX, slugify, tags_from
from tribune.vocabulary import AuditAction, CommentMode, EventKind, StoryStatus

TITLE_MAX = 200
LEAD_MAX = 1_000
BODY_MAX = 200_000
CORRECTION_MAX = 2_000
ALT_MAX = 300
TAGS_MAX = 20
SLUG_PATTERN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
NOT_SAVED = "The story was not saved"

# The fields a revision keeps and a conflict compares, with the words the editor shows.
FIELD_LABELS = {
    "title": "title",
    "slug": "address (slug)",
    "lead": "lead",
    "body": "body",
    "tags": "tags",
    "source_url": "Read more link",
    "video_url": "video link",
    "correction": "correction note",
    "comment_mode": "comments setting",
    "authors": "bylines",
    "lead_image_id": "lead image",
    "lead_image_alt": "image description",
}


class Events(Protocol):
    """Where a story's live readers hear of it (live.broker.Broker; the live package reads
    stories, so stories names only what it needs of a broker)."""

    async def publish(self, story_id: int, kind: EventKind, data: dict[str, Any]) -> None: ...


@dataclass(slots=True)
class Content:
    """A story's editable fields, as the editor saves them and a revision keeps them."""

    title: str = ""
    slug: str = ""
    lead: str = ""
    body: str = ""
    tags: list[str] = field(default_factory=list)
    source_url: str = ""
    video_url: str = ""
    correction: str = ""
    comment_mode: str = CommentMode.open.value
    authors: list[int] = field(default_factory=list)
    lead_image_id: int | None = None
    lead_image_alt: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Content:
        known = {key: values[key] for key in FIELD_LABELS if key in values}
        return cls(**known)


@dataclass(slots=True)
class By:
    """Who saves: a signed-in staff member, or a staff API token (``staff`` None)."""

    name: str
    staff: Staff | None = None

    @classmethod
    def member(cls, staff: Staff) -> By:
        return cls(staff.name, staff)


class SaveConflict(Conflict):
    """Someone saved the story after the revision this save was made from."""

    def __init__(self, current: dict[str, Any], changed: list[str], by: str) -> None:
        fields = ", ".join(FIELD_LABELS[name] for name in changed) or "nothing you can see"
        super().__init__(
            f"{by or 'Someone'} saved this story while you were editing it (they changed: "
            f"{fields}). Your version is kept below: check their changes, then save again."
        )
        self.current = current
        self.changed = changed


# Checking what was typed -------------------------------------------------------------------


def _plain(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _line_problem(value: str, label: str, limit: int) -> str | None:
    if any(is_control(c) or c in INVISIBLE for c in value):
        return f"The {label} must be one line of text without control or invisible characters."
    if len(value) > limit:
        return f"The {label} can be at most {limit:,} characters; this one has {len(value):,}."
    return None


def _text_problem(value: str, label: str, limit: int) -> str | None:
    if any((is_control(c) and c not in "\n\t") or c in INVISIBLE for c in value):
        return f"The {label} cannot contain control or invisible characters."
    if len(value) > limit:
        return f"The {label} can be at most {limit:,} characters; this one has {len(value):,}."
    return None


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part for part in re.split(r"[,\n]", value) if part.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    return []


def parse_tags(value: Any, errors: FieldErrors) -> list[str]:
    names: list[str] = []
    for raw in _list(value):
        name = _plain(raw).lstrip("#").strip()
        if not name:
            continue
        if len(name) > TAG_MAX or not tag_slug(name) or not re.fullmatch(r"[\w-]+", name):
            errors["tags"] = (
                f"“{name[:60]}” is not a tag: a tag is one word of letters, digits or hyphens, "
                f"at most {TAG_MAX} characters, like Syria or climate-change."
            )
            return names
        if tag_slug(name) not in {tag_slug(n) for n in names}:
            names.append(name)
    if len(names) > TAGS_MAX:
        errors["tags"] = f"A story can have at most {TAGS_MAX} tags; this one has {len(names)}."
    return names


def _author_ids(value: Any, errors: FieldErrors) -> list[int]:
    found: list[int] = []
    for raw in _list(value):
        text = str(raw).strip()
        if not text.isdigit():
            errors["authors"] = "Please choose the bylines from the staff list."
            return found
        if int(text) not in found:
            found.append(int(text))
    return found


def check(values: Mapping[str, Any]) -> tuple[Content, FieldErrors]:
    """The fields as typed, cleaned, and a message for each that cannot be saved (what can
    be told without the database; ``_check_stored`` does the rest)."""
    errors: FieldErrors = {}
    title = _plain(values.get("title"))
    if not title:
        errors["title"] = "Please give the story a title."
    elif message := _line_problem(title, "title", TITLE_MAX):
        errors["title"] = message
    slug = _plain(values.get("slug")).casefold()
    if not slug and title:
        slug = slugify(title)
    elif slug and (len(slug) > SLUG_MAX or not SLUG_PATTERN.fullmatch(slug)):
        errors["slug"] = (
            f"The address (slug) is words of letters and digits joined by hyphens, at most "
            f"{SLUG_MAX} characters, like turkeys-syria-op. Leave it empty to make one from "
            "the title."
        )
    lead = " ".join(_plain(values.get("lead")).split())
    if message := _line_problem(lead, "lead", LEAD_MAX):
        errors["lead"] = message
    body = values.get("body") if isinstance(values.get("body"), str) else ""
    body = str(body).replace("\r\n", "\n").strip("\n")
    if message := _text_problem(body, "body", BODY_MAX):
        errors["body"] = message
    links = {}
    for name, label in (("source_url", "Read more link"), ("video_url", "video link")):
        links[name] = _plain(values.get(name))
        if links[name] and (problem := check_website(links[name])):
            errors[name] = f"{label}: {problem}"
    correction = _plain(values.get("correction")).replace("\r\n", "\n")
    if message := _text_problem(correction, "correction note", CORRECTION_MAX):
        errors["correction"] = message
    mode = _plain(values.get("comment_mode")) or CommentMode.open.value
    if mode not in frozenset(CommentMode):
        errors["comment_mode"] = "Comments must be open, pre-moderated or closed."
    image_text = str(values.get("lead_image_id") or "").strip()
    image_id = int(image_text) if image_text.isdigit() else None
    if image_text and image_id is None:
        errors["lead_image_id"] = "Please upload the lead image again."
    alt = " ".join(_plain(values.get("lead_image_alt")).split())
    if image_id is not None and not alt:
        errors["lead_image_alt"] = (
            "Please describe the image for readers who cannot see it (its alt text)."
        )
    elif message := _line_problem(alt, "image description", ALT_MAX):
        errors["lead_image_alt"] = message
    content = Content(
        title=title,
        slug=slug,
        lead=lead,
        body=body,
        tags=parse_tags(values.get("tags"), errors),
        source_url=links["source_url"],
        video_url=links["video_url"],
        correction=correction,
        comment_mode=mode,
        authors=_author_ids(values.get("authors"), errors),
        lead_image_id=image_id,
        lead_image_alt=alt if image_id is not None else "",
    )
    return content, errors


async def _check_stored(
    conn: Conn, content: Content, story_id: int | None, errors: FieldErrors, typed_slug: bool
) -> bool:
    """What needs the database: the slug is free, the bylines and image exist. A slug made
    from the title takes a number when another story has it (-2, -3...); a typed one in
    use is refused. Returns whether the only problem is a slug in use (the API answers 409
    for that)."""
    owner = await store.slug_owner(conn, content.slug) if content.slug else None
    if owner is not None and owner["id"] != story_id and not typed_slug:
        base, n = content.slug, 1
        while owner is not None and owner["id"] != story_id:
            n += 1
            content.slug = f"{base[: SLUG_MAX - 1 - len(str(n))]}-{n}"
            owner = await store.slug_owner(conn, content.slug)
    taken = owner is not None and owner["id"] != story_id
    if taken and owner is not None and "slug" not in errors:
        errors["slug"] = (
            f"The address /stories/{content.slug} is already used by “{owner['title']}”. "
            "Please choose another slug."
        )
    missing = set(content.authors) - await store.existing_staff(conn, content.authors)
    if missing and "authors" not in errors:
        errors["authors"] = "Some of these bylines are no longer on the staff; choose again."
    if content.lead_image_id is not None and not await store.image_exists(
        conn, content.lead_image_id
    ):
        errors.setdefault("lead_image_id", "Please upload the lead image again.")
    return taken and set(errors) == {"slug"}


def _refuse(errors: FieldErrors, slug_only: bool) -> None:
    if slug_only:
        raise Conflict(errors["slug"], errors)
    raise Invalid(NOT_SAVED, errors)


# Writing -----------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _story_values(content: Content) -> dict[str, Any]:
    body_html, _ = render_story(content.body)
    return {
        "slug": content.slug,
        "title": content.title,
        "lead": content.lead,
        "body_md": content.body,
        "body_html": body_html,
        "source_url": content.source_url or None,
        "video_url": content.video_url or None,
        "correction": content.correction,
        "comment_mode": content.comment_mode,
        "lead_image_id": content.lead_image_id,
        "lead_image_alt": content.lead_image_alt,
    }


def _all_tags(content: Content) -> list[tuple[str, str]]:
    """The tags typed in the form, then the body's #hashtags."""
    _, hashtags = render_story(content.body)
    return tags_from([*content.tags, *hashtags])


async def _bylines(conn: Conn, story_id: int, author_ids: list[int]) -> None:
    """Set the story's bylines; each author gets a public author page slug on first use."""
    await store.set_authors(conn, story_id, author_ids)
    for person in await store.unslugged_staff(conn, author_ids):
        base = slugify(person["name"])
        slug, n = base, 1
        while await store.staff_slug_taken(conn, slug):
            n += 1
            slug = f"{base}-{n}"
        await store.set_staff_slug(conn, person["id"], slug)


async def _revision(
    conn: Conn, story_id: int, number: int, content: Content, by: By, note: str
) -> None:
    await store.add_revision(
        conn,
        {
            "story_id": story_id,
            "number": number,
            "saved_at": _now(),
            "staff_id": by.staff.id if by.staff else None,
            "actor": by.name,
            "note": note,
            "content": content.as_dict(),
        },
    )


def _check_schedule(status: StoryStatus, publish_at: datetime | None, errors: FieldErrors) -> None:
    if status != StoryStatus.scheduled:
        return
    if publish_at is None:
        errors["publish_at"] = "Please give the date and time to publish the story at."
    elif publish_at <= _now():
        errors["publish_at"] = (
            "This time has already passed: choose a time in the future, or publish now."
        )


def _check_publishable(content: Content, status: StoryStatus, errors: FieldErrors) -> None:
    if status in (StoryStatus.published, StoryStatus.scheduled) and not content.body.strip():
        errors.setdefault("body", "Please write the story before publishing it.")


async def create(
    db: Database,
    values: Mapping[str, Any],
    *,
    status: StoryStatus = StoryStatus.draft,
    publish_at: datetime | None = None,
    by: By,
    events: Events | None = None,
) -> int:
    """A new story from what an editor typed; returns its id. With no bylines chosen, a
    staff member writing it is its author."""
    content, errors = check(values)
    if not content.authors and by.staff is not None and "authors" not in values:
        content.authors = [by.staff.id]
    _check_schedule(status, publish_at, errors)
    _check_publishable(content, status, errors)
    now = _now()
    async with db.transaction() as conn:
        typed = bool(_plain(values.get("slug")))
        slug_only = await _check_stored(conn, content, None, errors, typed)
        if errors:
            _refuse(errors, slug_only)
        story_id = await store.insert_story(
            conn,
            {
                **_story_values(content),
                "status": status,
                # A draft's published_at is a placeholder until it publishes.
                "published_at": now,
                "publish_at": publish_at if status == StoryStatus.scheduled else None,
                "updated_at": now,
                "revision": 1,
                "created_by": by.staff.id if by.staff else None,
            },
        )
        await story_store.tag_story(conn, story_id, _all_tags(content))
        await _bylines(conn, story_id, content.authors)
        await _revision(conn, story_id, 1, content, by, _NOTES[status])
        await audit(
            conn,
            by.staff,
            AuditAction.story_create,
            f"story {story_id}",
            detail={"status": status},
            name=by.name,
        )
    return story_id


_NOTES = {
    StoryStatus.draft: "Saved as a draft",
    StoryStatus.scheduled: "Scheduled",
    StoryStatus.published: "Published",
    StoryStatus.unpublished: "Unpublished",
}
_ACTIONS = {
    StoryStatus.draft: AuditAction.story_save,
    StoryStatus.scheduled: AuditAction.story_schedule,
    StoryStatus.published: AuditAction.story_publish,
    StoryStatus.unpublished: AuditAction.story_unpublish,
}
# Where each status may go from the editor (a scheduled story also publishes by itself).
MOVES: dict[StoryStatus, set[StoryStatus]] = {
    StoryStatus.draft: {StoryStatus.draft, StoryStatus.scheduled, StoryStatus.published},
    StoryStatus.scheduled: {StoryStatus.draft, StoryStatus.scheduled, StoryStatus.published},
    StoryStatus.published: {StoryStatus.published, StoryStatus.unpublished},
    StoryStatus.unpublished: {
        StoryStatus.unpublished,
        StoryStatus.draft,
        StoryStatus.published,
        StoryStatus.scheduled,
    },
}


def content_of(row: Mapping[str, Any], tags: list[str], authors: list[int]) -> Content:
    return Content(
        title=row["title"],
        slug=row["slug"],
        lead=row["lead"],
        body=row["body_md"],
        tags=tags,
        source_url=row["source_url"] or "",
        video_url=row["video_url"] or "",
        correction=row["correction"],
        comment_mode=row["comment_mode"],
        authors=authors,
        lead_image_id=row["lead_image_id"],
        lead_image_alt=row["lead_image_alt"],
    )


async def _current_content(conn: Conn, row: Any) -> Content:
    """The story as the form shows it: the tags field holds the tags the body's #hashtags
    do not already give."""
    _, hashtags = render_story(row["body_md"])
    from_body = {tag_slug(name) for name in hashtags}
    tagged = (await story_store.tags_of(conn, [row["id"]]))[row["id"]]
    tags = [t["name"] for t in tagged if t["slug"] not in from_body]
    return content_of(row, tags, await store.author_ids(conn, row["id"]))


def _changed(before: Content, after: Content) -> list[str]:
    old, new = before.as_dict(), after.as_dict()
    return [name for name in FIELD_LABELS if old[name] != new[name]]


async def save(
    db: Database,
    story_id: int,
    values: Mapping[str, Any],
    *,
    base_revision: int | None,
    status: StoryStatus | None = None,
    publish_at: datetime | None = None,
    by: By,
    events: Events | None = None,
    note: str | None = None,
) -> int:
    """Save an edit made from ``base_revision`` (None: whatever is current, as the API's
    PATCH does), optionally moving the story to ``status``; returns the new revision.
    Fields missing from ``values`` keep their current value."""
    async with db.transaction() as conn:
        row = await store.story_for_update(conn, story_id)
        if row is None:
            raise NotFound(f"There is no story {story_id}")
        current = await _current_content(conn, row)
        merged = {**current.as_dict(), **{k: v for k, v in values.items() if k in FIELD_LABELS}}
        content, errors = check(merged)
        was = StoryStatus(row["status"])
        goes = status or was
        if goes not in MOVES[was]:
            errors["status"] = f"A {was} story cannot become {goes} here."
        if goes == was == StoryStatus.scheduled and publish_at is None:
            publish_at = row["publish_at"]  # an edit keeps the story's time
        else:
            _check_schedule(goes, publish_at, errors)
        if row["page_url"] is None:  # another site's page holds the text of its discussion
            _check_publishable(content, goes, errors)
        base = row["revision"] if base_revision is None else base_revision
        if base != row["revision"]:
            saved = await store.revision(conn, story_id, base)
            theirs = Content.from_dict(saved["content"]) if saved else current
            latest = await store.revision(conn, story_id, row["revision"])
            raise SaveConflict(
                {**current.as_dict(), "revision": row["revision"], "status": row["status"]},
                _changed(theirs, current),
                latest["actor"] if latest else "",
            )
        typed = bool(_plain(merged.get("slug")))
        slug_only = await _check_stored(conn, content, story_id, errors, typed)
        if errors:
            _refuse(errors, slug_only)
        now = _now()
        story_values = {**_story_values(content), "status": goes, "updated_at": now}
        # Only a scheduled story has a publishing time.
        story_values["publish_at"] = publish_at if goes == StoryStatus.scheduled else None
        if goes == StoryStatus.published and was in (StoryStatus.draft, StoryStatus.scheduled):
            story_values["published_at"] = now  # its first publication
        changed = _changed(current, content)
        text_changed = bool(set(changed) & {"title", "lead", "body", "correction"})
        if was == goes == StoryStatus.published and text_changed:
            story_values["edited_at"] = now
        if not await store.update_story(conn, story_id, base, story_values):
            raise NotFound(f"There is no story {story_id}")
        if "tags" in changed or "body" in changed:
            await store.clear_tags(conn, story_id)
            await story_store.tag_story(conn, story_id, _all_tags(content))
        if "authors" in changed:
            await _bylines(conn, story_id, content.authors)
        ever_public = was in (StoryStatus.published, StoryStatus.unpublished)
        if content.slug != row["slug"]:
            await store.drop_redirect(conn, content.slug)
            if ever_public:
                await store.add_redirect(conn, row["slug"], story_id)
        number = int(row["revision"]) + 1
        moved = goes != was
        words = note or (_NOTES[goes] if moved else "Saved")
        await _revision(conn, story_id, number, content, by, words)
        await story_store.bump_version(conn, story_id)
        action = _ACTIONS[goes] if moved else AuditAction.story_save
        await audit(
            conn,
            by.staff,
            action,
            f"story {story_id}",
            detail={"revision": number, "changed": changed, "from": was},
            name=by.name,
        )
    if events is not None and (was == StoryStatus.published or goes == StoryStatus.published):
        mode = content.comment_mode if goes == StoryStatus.published else CommentMode.closed
        await events.publish(story_id, EventKind.story, {"comment_mode": mode, "status": goes})
    return number


async def restore(db: Database, story_id: int, number: int, *, by: By, base_revision: int) -> int:
    """Make an earlier revision's content the current one (a new revision of its own)."""
    async with db.read() as conn:
        found = await store.revision(conn, story_id, number)
    if found is None:
        raise NotFound(f"Story {story_id} has no revision {number}")
    return await save(
        db,
        story_id,
        Content.from_dict(found["content"]).as_dict(),
        base_revision=base_revision,
        by=by,
        note=f"Restored revision {number}",
    )


async def delete(
    db: Database, story_id: int, *, with_comments: bool, by: By, events: Events | None = None
) -> None:
    """Delete a story. One with comments goes only when ``with_comments`` says they go too."""
    async with db.transaction() as conn:
        row = await store.story(conn, story_id)
        if row is None:
            raise NotFound(f"There is no story {story_id}")
        total = await store.comment_total(conn, story_id)
        if total and not with_comments:
            raise NotAllowed(
                f"This story has {total:,} comment{'s' if total != 1 else ''}: "
                "confirm that they are deleted with it."
            )
        await store.delete_story(conn, story_id)
        await audit(
            conn,
            by.staff,
            AuditAction.story_delete,
            f"story {story_id}",
            detail={"title": row["title"], "comments": total},
            name=by.name,
        )
    if events is not None and row["status"] == StoryStatus.published:
        data = {"comment_mode": CommentMode.closed, "status": "deleted"}
        await events.publish(story_id, EventKind.story, data)


# Reading -----------------------------------------------------------------------------------


async def story(db: Database, story_id: int) -> dict[str, Any] | None:
    """A story whatever its status, for the editor and the staff API: its row with its tags,
    byline and image as pages show them, its content as the form edits it, and its comment
    count."""
    async with db.read() as conn:
        row = await store.story(conn, story_id)
        if row is None:
            return None
        content = await _current_content(conn, row)
        shown = (await story_service.listed(conn, [row]))[0]
    return {**shown, "content": content}


def staff_view(story: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The story as the staff API answers: what readers get, and its state and text."""
    return public.story(story, base_url, detail=True) | {
        "status": story["status"],
        "publish_at": story["publish_at"],
        "revision": story["revision"],
        "body": story["body_md"],
        "correction": story["correction"],
        "comment_mode": story["comment_mode"],
        "edited_at": story["edited_at"],
    }


async def revisions(db: Database, story_id: int) -> list[dict[str, Any]]:
    async with db.read() as conn:
        return [dict(r) for r in await store.revisions(conn, story_id)]


async def revision(db: Database, story_id: int, number: int) -> dict[str, Any] | None:
    async with db.read() as conn:
        found = await store.revision(conn, story_id, number)
    if found is None:
        return None
    return {**dict(found), "content": Content.from_dict(found["content"])}


async def listing(
    db: Database,
    *,
    status: StoryStatus | None,
    tag: str | None,
    title: str | None,
    offset: int,
    limit: int,
) -> list[dict[str, Any]]:
    """Stories for the staff list, newest change first, with their bylines."""
    async with db.read() as conn:
        rows = await store.story_list(
            conn,
            status=status,
            tag=tag_slug(tag) if tag else None,
            title=title,
            offset=offset,
            limit=limit,
        )
        bylines = await store.bylines_of(conn, [row["id"] for row in rows])
    return [{**row, "authors": bylines[row["id"]]} for row in rows]


async def people(db: Database) -> list[dict[str, Any]]:
    """Who can have a byline: every staff member."""
    async with db.read() as conn:
        return [dict(row) for row in await store.staff_people(conn)]


async def comment_total(db: Database, story_id: int) -> int:
    async with db.read() as conn:
        return await store.comment_total(conn, story_id)


async def preview(db: Database, values: Mapping[str, Any]) -> dict[str, Any]:
    """The story as its page would show it, from what is typed (nothing checked or saved
    beyond what rendering needs: a preview shows even a story that cannot be saved yet)."""
    content, errors = check(values)
    # A link that cannot be saved is not shown either: the preview is seen by staff, and a
    # javascript: address there would run with their session.
    for name in ("source_url", "video_url"):
        if name in errors:
            setattr(content, name, "")
    body_html, _ = render_story(content.body)
    names = {p["id"]: p for p in await people(db)}
    now = _now()
    return {
        "id": 0,
        "slug": content.slug or "preview",
        "title": content.title or "(no title yet)",
        "lead": content.lead,
        "body_html": body_html,
        "tags": [{"slug": slug, "name": name} for slug, name in _all_tags(content)],
        "source_url": content.source_url or None,
        "video_url": content.video_url or None,
        "correction": content.correction,
        "comment_mode": content.comment_mode,
        "promo_links": [],
        "about": "",
        "published_at": now,
        "updated_at": now,
        "edited_at": None,
        "comment_count": 0,
        "authors": [
            {"name": names[i]["name"], "slug": names[i]["slug"]}
            for i in content.authors
            if i in names
        ],
        "lead_image_id": content.lead_image_id,
        "lead_image_alt": content.lead_image_alt,
        "image": await _image(db, content),
    }


async def _image(db: Database, content: Content) -> dict[str, Any] | None:
    if content.lead_image_id is None:
        return None
    view = (await images.renditions(db, [content.lead_image_id])).get(content.lead_image_id)
    return None if view is None else images.image_context(view, content.lead_image_alt)
