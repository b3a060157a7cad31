"""The product's vocabulary: every status, mode, role, sort, action and event kind, once.

These are the words stored in the database, sent in the API and shown in the staff pages;
each layer imports them from here, so no route needs the storage tables to name a status.
"""

from __future__ import annotations

import enum


class StoryStatus(enum.StrEnum):
    """A story's life: only a published story appears anywhere public."""

    draft = "draft"
    scheduled = "scheduled"  # publishes by itself at its publish_at
    published = "published"
    unpublished = "unpublished"  # was public, taken down; can be published again


class TokenScope(enum.StrEnum):
    """What a staff API token may do."""

    stories = "stories"  # create, edit, delete and read stories (a newsroom's CMS)
    moderation = "moderation"


class CommentMode(enum.StrEnum):
    """Who may comment on a story: everyone, everyone but held for review, or nobody."""

    open = "open"
    premoderated = "premoderated"
    closed = "closed"


class CommentStatus(enum.StrEnum):
    approved = "approved"
    pending = "pending"  # held by a rule or by reports: only its author and staff see it
    rejected = "rejected"
    deleted = "deleted"  # removed by its author; kept as a placeholder while it has replies


# What readers see of a thread; a deleted comment is kept only while it holds replies.
VISIBLE = (CommentStatus.approved, CommentStatus.deleted)


class Sort(enum.StrEnum):
    """The orders a thread can be read in."""

    oldest = "oldest"
    newest = "newest"
    top = "top"
    replies = "replies"  # most replies first

    @property
    def label(self) -> str:
        return _SORT_LABELS[self]


_SORT_LABELS = {
    Sort.oldest: "Oldest",
    Sort.newest: "Newest",
    Sort.top: "Top",
    Sort.replies: "Most replies",
}


class Role(enum.StrEnum):
    admin = "admin"  # everything: staff, settings, the audit log
    moderator = "moderator"  # the queue, reports, bans, story comment modes
    editor = "editor"  # stories and their comment modes


class Permission(enum.StrEnum):
    """What a staff page or action asks of its user; roles grant them (accounts.service)."""

    signed_in = "signed_in"
    moderate = "moderate"  # the queue, reports, featuring
    ban = "ban"
    stories = "stories"  # story comment modes
    publish = "publish"  # the story editor: write, schedule, publish, unpublish, delete
    tokens = "tokens"  # staff API tokens
    rules = "rules"
    site = "site"  # the site's name, tagline, footer, accent colour and logo
    staff = "staff"
    audit = "audit"
    imports = "imports"  # the upload page: import an archive
    commenters = "commenters"  # a commenter's comments by e-mail: find, export, erase


class QueueTab(enum.StrEnum):
    pending = "pending"
    reported = "reported"
    approved = "approved"
    rejected = "rejected"
    all = "all"


class ModerationAction(enum.StrEnum):
    approve = "approve"
    reject = "reject"
    ban = "ban"  # reject, and ban the author
    feature = "feature"
    unfeature = "unfeature"
    undo = "undo"  # put back what the same moderator's last action on the comment changed


class BanKind(enum.StrEnum):
    """Which keyed hash a ban names: the author's e-mail or their client address."""

    email = "email"
    client = "client"


class ReportReason(enum.StrEnum):
    spam = "spam"
    abuse = "abuse"
    off_topic = "off-topic"
    misinformation = "misinformation"
    other = "other"  # needs a text saying what is wrong

    @property
    def label(self) -> str:
        return _REPORT_LABELS[self]


_REPORT_LABELS = {
    ReportReason.spam: "Spam or advertising",
    ReportReason.abuse: "Abuse or harassment",
    ReportReason.off_topic: "Off-topic",
    ReportReason.misinformation: "Misinformation",
    ReportReason.other: "Something else",
}


class EventKind(enum.StrEnum):
    """What a story's live stream announces."""

    comment = "comment"  # a new approved comment
    edit = "edit"
    delete = "delete"  # gone from readers' view: deleted, rejected or hidden
    score = "score"
    story = "story"  # the story's comment mode changed
    reset = "reset"  # the reader missed more than the log keeps: reload


class SearchKind(enum.StrEnum):
    """What a search looks through (/search?type=, /api/v1/search?type=)."""

    both = "both"  # stories and comments, ranked together (the default)
    stories = "stories"  # titles, leads and bodies of published stories
    comments = "comments"  # approved comments of published stories


class SearchHit(enum.StrEnum):
    """What one search result is (its "type")."""

    story = "story"
    comment = "comment"


class AuditAction(enum.StrEnum):
    login = "login"
    login_failed = "login.failed"
    logout = "logout"
    staff_add = "staff.add"
    staff_remove = "staff.remove"
    rules_change = "rules.change"
    ban_add = "ban.add"
    ban_lift = "ban.lift"
    comment_approve = "comment.approve"
    comment_reject = "comment.reject"
    comment_ban = "comment.ban"
    comment_feature = "comment.feature"
    comment_unfeature = "comment.unfeature"
    comment_undo = "comment.undo"
    staff_role = "staff.role"
    staff_password = "staff.password"  # noqa: S105 (an action name, not a password)
    story_comment_mode = "story.comment_mode"
    site_change = "site.change"
    story_create = "story.create"
    story_save = "story.save"
    story_publish = "story.publish"
    story_schedule = "story.schedule"
    story_unpublish = "story.unpublish"
    story_delete = "story.delete"
    story_restore = "story.restore"
    token_create = "token.create"  # noqa: S105 (an action name, not a password)
    token_revoke = "token.revoke"  # noqa: S105
    # What a reader asked of their data, done by an admin; audited without the e-mail.
    commenter_lookup = "commenter.lookup"
    commenter_export = "commenter.export"
    commenter_erase = "commenter.erase"
    import_start = "import.start"

    @classmethod
    def of(cls, action: ModerationAction) -> AuditAction:
        """The audit entry a queue action writes."""
        return cls(f"comment.{action.value}")
