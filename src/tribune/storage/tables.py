"""Every table, as SQLAlchemy Core metadata. Migrations under ``migrations/`` create them.

Shaped for what comes next: threaded replies (``parent_id``, ``depth``), moderation
(``status``), edits (``edited_at``), votes (``score``) and threads of millions of comments
(indexes on the columns that thread reads filter and sort on).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from tribune.vocabulary import CommentMode, CommentStatus, StoryStatus

# Stable constraint names, so Alembic batch migrations on SQLite can address them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")


stories = Table(
    "stories",
    metadata,
    Column("id", Id, primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("title", String(300), nullable=False),
    Column("lead", Text, nullable=False, server_default=""),
    Column("body_md", Text, nullable=False, server_default=""),
    Column("body_html", Text, nullable=False, server_default=""),
    Column("source_url", String(2000)),
    Column("video_url", String(2000)),
    # Publisher material kept apart from the story text: [{"text": ..., "url": ...}, ...]
    Column("promo_links", JSON, nullable=False, server_default="[]"),
    Column("about", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False, server_default=StoryStatus.published.value),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # Where an import came from (e.g. "page:<title>" or the --url); re-imports find it here.
    Column("import_key", String(2100), unique=True),
    Column("comment_mode", String(16), nullable=False, server_default=CommentMode.open.value),
    # Hold the first comment of each new commenter on this story (the site can do so too).
    Column("first_comment_hold", Boolean, nullable=False, server_default="0"),
    # A scheduled story publishes at this time (stories/scheduler.py), on one instance only.
    Column("publish_at", UTCDateTime()),
    # Set when a published story's text is saved again: the page says "Updated <time>".
    Column("edited_at", UTCDateTime()),
    # An editor's correction note, shown above the body.
    Column("correction", Text, nullable=False, server_default=""),
    Column("lead_image_id", Id),  # images.id; no key: a missing image shows no image
    Column("lead_image_alt", String(300), nullable=False, server_default=""),
    # Bumped by every editor save: a save made from an older revision is a conflict.
    Column("revision", Integer, nullable=False, server_default="0"),
    Column("created_by", ForeignKey("staff.id", ondelete="SET NULL")),
    # Set for a thread embedded in another site's page (embed/): that page's address,
    # normalised. Listings of the newsroom's own stories leave these out.
    Column("page_url", String(2000)),
    Index(None, "status", "published_at", "id"),
    Index(None, "page_url", unique=True),
    Index(None, "status", "publish_at"),
)
# Full text search lives beside these tables, created by migration e5b7c3a1d9f2 in each
# database's own way: SQLite FTS5 tables (stories_fts, comments_fts, kept by triggers), and
# PostgreSQL generated tsvector columns named "search" with GIN indexes. Careful: a batch
# migration that rebuilds stories or comments on SQLite drops their triggers; recreate them.
SEARCH_TABLES = ("stories_fts", "comments_fts")


def include_object(
    obj: object, name: str | None, kind: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter for comparing this metadata with a database: everything but the
    search index, which is not described here."""
    name = name or ""
    if kind == "table":
        return not (name in SEARCH_TABLES or name.startswith(tuple(f"{t}_" for t in SEARCH_TABLES)))
    return not (name == "search" or name.endswith("_search"))


# A story's discussion counters, one narrow row per story, apart from the wide story row:
# every comment updates them, and rewriting a 3 KB story row per comment cost PostgreSQL 5x
# more than these 40 bytes (and defeated its in-page HOT updates).
threads = Table(
    "threads",
    metadata,
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    # Denormalised for list pages and counts; kept in step inside each comment transaction.
    Column("comment_count", Integer, nullable=False, server_default="0"),
    # Last number handed to a comment of this story; the row update serialises numbering.
    Column("comment_seq", Integer, nullable=False, server_default="0"),
    # Bumped by every write to the thread; cached thread pages are keyed by it.
    Column("version", Integer, nullable=False, server_default="0"),
)

tags = Table(
    "tags",
    metadata,
    Column("id", Id, primary_key=True),
    Column("slug", String(100), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
)

story_tags = Table(
    "story_tags",
    metadata,
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False, server_default="0"),
    Index(None, "tag_id", "story_id"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", ForeignKey("comments.id", ondelete="CASCADE")),
    # The top-level comment a reply descends from (NULL for top-level comments): a page of
    # top-level comments loads all their replies with one indexed query, however deep.
    Column("root_id", ForeignKey("comments.id", ondelete="CASCADE")),
    Column("depth", Integer, nullable=False, server_default="0"),
    # 1..N within the story, in posting order, never reused.
    Column("number", Integer, nullable=False),
    Column("name", String(100)),
    Column("email", String(254)),
    Column("website", String(2000)),
    Column("body_md", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default=CommentStatus.approved.value),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("edited_at", UTCDateTime()),
    Column("score", Integer, nullable=False, server_default="0"),
    # Visible direct replies (a deleted comment with replies keeps its place for them).
    Column("reply_count", Integer, nullable=False, server_default="0"),
    # Visible replies at every depth, kept on top-level comments ("most replies" order).
    Column("descendant_count", Integer, nullable=False, server_default="0"),
    # Keyed hash of name and e-mail for the identicon; the e-mail itself never leaves.
    Column("avatar", String(32)),
    # Keyed hash of the client address; the raw address is never stored.
    Column("client_hash", String(64)),
    Column("import_key", String(200)),
    # Keyed hash of the e-mail (when given): with client_hash, who the author is to staff.
    Column("email_hash", String(64)),
    # Normalised text digest: the same or nearly the same body posted again is held.
    Column("fingerprint", String(32)),
    # Why the rules held or rejected it: [{"rule", "decision", "reason"}, ...]
    Column("verdicts", JSON),
    Column("featured", Boolean, nullable=False, server_default="0"),
    Column("report_count", Integer, nullable=False, server_default="0"),
    Column("moderated_at", UTCDateTime()),
    Column("moderated_by", ForeignKey("staff.id", ondelete="SET NULL")),
    Column("moderation_note", Text),
    # The text before an edit that left the comment waiting for a moderator (the text they
    # or readers last saw), so the queue shows what changed. NULL otherwise.
    Column("previous_body_md", Text),
    # Keyed hash of the reader and the Idempotency-Key they sent: a retried post is one comment.
    Column("idempotency_key", String(64)),
    UniqueConstraint("story_id", "number"),
    UniqueConstraint("story_id", "idempotency_key"),
    UniqueConstraint("story_id", "import_key"),
    # Thread pages: top-level comments (depth 0) of a story in each sort order, read forwards
    # or backwards, then all replies of the page's top-level comments by root. Depth, not
    # "parent_id IS NULL": PostgreSQL orders by an index only after equality conditions.
    Index(None, "story_id", "depth", "number"),
    Index(None, "story_id", "depth", "score", "id"),
    Index(None, "story_id", "depth", "descendant_count", "id"),
    Index(None, "root_id", "number"),
    Index(None, "parent_id", "number"),
    # Site-wide recent comments and the moderation queue.
    Index(None, "status", "created_at"),
    Index(None, "fingerprint", "created_at"),
    # Does this author have an approved comment: found without reading all their comments.
    Index(None, "email_hash", "status"),
    Index(None, "client_hash", "status"),
    Index(None, "report_count", "id"),
    Index(None, "story_id", "featured"),
)

# One vote per reader per comment: a reader is their signed voter cookie. The keyed hash of
# the client address is shared by everyone behind one NAT or proxy, so it is no identity,
# only a bounded signal: how many new voters one address adds to a comment in an hour
# (TRIBUNE_VOTERS_PER_ADDRESS), counted by the (comment_id, client_hash, created_at) index.
votes = Table(
    "votes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("voter_id", String(64)),
    Column("client_hash", String(64)),
    Column("value", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("comment_id", "voter_id"),
    Index(None, "comment_id", "client_hash", "created_at"),
    Index(None, "voter_id", "comment_id"),  # a reader's own page: their marks (marks_query)
)

# Reader reports: one per reader (voter cookie) per comment, as votes are; the address hash
# bounds the reporters of one address on a comment (TRIBUNE_REPORTERS_PER_ADDRESS) and counts
# once toward hiding it (moderation/reports.py).
reports = Table(
    "reports",
    metadata,
    Column("id", Id, primary_key=True),
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(20), nullable=False),
    Column("text", Text),
    Column("voter_id", String(64)),
    Column("client_hash", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("comment_id", "voter_id"),
    Index(None, "comment_id", "client_hash", "created_at"),
    Index(None, "voter_id", "comment_id"),
)

staff = Table(
    "staff",
    metadata,
    Column("id", Id, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),  # stored lower-cased
    Column("name", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # Public author page /authors/{slug}; set when the member first gets a byline.
    Column("slug", String(100)),
    Column("bio", Text, nullable=False, server_default=""),
    Index(None, "slug", unique=True),
)

# Bylines: the staff members a story is by, in order.
story_authors = Table(
    "story_authors",
    metadata,
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False, server_default="0"),
    Index(None, "staff_id", "story_id"),
)

# Every editor save of a story, numbered from 1; content is the editable fields as saved.
story_revisions = Table(
    "story_revisions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("saved_at", UTCDateTime(), nullable=False),
    Column("staff_id", ForeignKey("staff.id", ondelete="SET NULL")),
    Column("actor", String(254), nullable=False, server_default=""),
    Column("note", String(200), nullable=False, server_default=""),
    Column("content", JSON, nullable=False),
    UniqueConstraint("story_id", "number"),
)

# A published story's earlier slugs: /stories/{old} answers 301 to the current one.
story_redirects = Table(
    "story_redirects",
    metadata,
    Column("slug", String(200), primary_key=True),
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
)

# Uploaded images, re-encoded (metadata stripped); digest is of the original upload's pixels.
images = Table(
    "images",
    metadata,
    Column("id", Id, primary_key=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", ForeignKey("staff.id", ondelete="SET NULL")),
)

# Each image in several widths, served at /media/{digest}.{ext} (content-addressed, immutable).
image_renditions = Table(
    "image_renditions",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("image_id", ForeignKey("images.id", ondelete="CASCADE"), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("media_type", String(40), nullable=False),
    Column("body", LargeBinary, nullable=False),
    UniqueConstraint("image_id", "width"),
)

# Staff API tokens (a newsroom CMS pushing stories): only the SHA-256 of each is kept.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("scope", String(20), nullable=False),  # a TokenScope
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", ForeignKey("staff.id", ondelete="SET NULL")),
    Column("last_used_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
)

# Staff sessions: the cookie holds a random token, the table only its SHA-256.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# Failed logins per account and per client (keyed hashes), for slowing down and locking.
login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_at", UTCDateTime(), nullable=False),
    Column("locked_until", UTCDateTime()),
)

bans = Table(
    "bans",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(16), nullable=False),  # a BanKind: which hash it names
    Column("value", String(64), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime()),
    Column("created_by", ForeignKey("staff.id", ondelete="SET NULL")),
    Column("lifted_at", UTCDateTime()),
    Index(None, "kind", "value"),
)

# Every staff action; nothing in the product updates or deletes these rows.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("staff_id", ForeignKey("staff.id", ondelete="SET NULL")),
    Column("actor", String(254), nullable=False),  # the name at the time (kept if removed)
    Column("action", String(40), nullable=False),
    Column("target", String(200), nullable=False, server_default=""),
    Column("reason", Text, nullable=False, server_default=""),
    Column("detail", JSON),
    Index(None, "at"),
)

# Site-wide settings edited in the staff UI (the moderation rules), as JSON per key.
site_settings = Table(
    "site_settings",
    metadata,
    Column("key", String(50), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# The site's logo (branding: /admin/site), re-encoded on upload; served by its digest, which
# the "site" setting names. At most the one in use is kept.
site_logos = Table(
    "site_logos",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("media_type", String(40), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Archive imports started from the admin upload page (importers/jobs.py): the instance that
# received the file imports it and writes its progress here, so any instance can show it.
imports = Table(
    "imports",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("state", String(20), nullable=False),  # checking, storing, done, failed
    Column("staff_id", ForeignKey("staff.id", ondelete="SET NULL")),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),  # the running import's heartbeat
    Column("finished_at", UTCDateTime()),
    Column("stories_found", Integer, nullable=False, server_default="0"),
    Column("comments_found", Integer, nullable=False, server_default="0"),
    Column("comments_done", Integer, nullable=False, server_default="0"),
    Column("summary", JSON),
    Column("error", Text),
)
