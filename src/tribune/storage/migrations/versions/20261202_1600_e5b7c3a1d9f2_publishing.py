"""publishing: the story editor, bylines, revisions, images, redirects, tokens, search

Revision ID: e5b7c3a1d9f2
Revises: c7d2a9e41b36
Create Date: 2026-12-02 16:00:00

Stories gain a schedule (publish_at), a correction note, an edit mark, a lead image and a
revision counter (the editor's conflict check). Every save is a story_revisions row; an old
slug answers from story_redirects; bylines name staff, who get public author pages (slug).
Uploaded images are kept in the database in several widths, so every instance serves them.
API tokens are stored as SHA-256 digests only.

Search uses each database's own full-text index, kept in step by the database itself inside
the writing transaction: on SQLite, FTS5 tables over stories and comments with triggers; on
PostgreSQL, stored generated tsvector columns with GIN indexes. Neither is in tables.py (the
metadata compare skips them: see env.py's include_object).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e5b7c3a1d9f2"
down_revision = "c7d2a9e41b36"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TOKENIZE = "porter unicode61 remove_diacritics 2"

SQLITE_SEARCH = [
    f"CREATE VIRTUAL TABLE stories_fts USING fts5(title, lead, body_md,"
    f" content='stories', content_rowid='id', tokenize='{TOKENIZE}')",
    "CREATE TRIGGER stories_fts_insert AFTER INSERT ON stories BEGIN"
    " INSERT INTO stories_fts(rowid, title, lead, body_md)"
    " VALUES (new.id, new.title, new.lead, new.body_md); END",
    "CREATE TRIGGER stories_fts_delete AFTER DELETE ON stories BEGIN"
    " INSERT INTO stories_fts(stories_fts, rowid, title, lead, body_md)"
    " VALUES ('delete', old.id, old.title, old.lead, old.body_md); END",
    "CREATE TRIGGER stories_fts_update AFTER UPDATE OF title, lead, body_md ON stories BEGIN"
    " INSERT INTO stories_fts(stories_fts, rowid, title, lead, body_md)"
    " VALUES ('delete', old.id, old.title, old.lead, old.body_md);"
    " INSERT INTO stories_fts(rowid, title, lead, body_md)"
    " VALUES (new.id, new.title, new.lead, new.body_md); END",
    "INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')",
    f"CREATE VIRTUAL TABLE comments_fts USING fts5(body_md,"
    f" content='comments', content_rowid='id', tokenize='{TOKENIZE}')",
    "CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN"
    " INSERT INTO comments_fts(rowid, body_md) VALUES (new.id, new.body_md); END",
    "CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN"
    " INSERT INTO comments_fts(comments_fts, rowid, body_md)"
    " VALUES ('delete', old.id, old.body_md); END",
    "CREATE TRIGGER comments_fts_update AFTER UPDATE OF body_md ON comments BEGIN"
    " INSERT INTO comments_fts(comments_fts, rowid, body_md)"
    " VALUES ('delete', old.id, old.body_md);"
    " INSERT INTO comments_fts(rowid, body_md) VALUES (new.id, new.body_md); END",
    "INSERT INTO comments_fts(comments_fts) VALUES ('rebuild')",
]
SQLITE_SEARCH_DOWN = [
    "DROP TRIGGER IF EXISTS comments_fts_update",
    "DROP TRIGGER IF EXISTS comments_fts_delete",
    "DROP TRIGGER IF EXISTS comments_fts_insert",
    "DROP TABLE IF EXISTS comments_fts",
    "DROP TRIGGER IF EXISTS stories_fts_update",
    "DROP TRIGGER IF EXISTS stories_fts_delete",
    "DROP TRIGGER IF EXISTS stories_fts_insert",
    "DROP TABLE IF EXISTS stories_fts",
]
POSTGRESQL_SEARCH = [
    "ALTER TABLE stories ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    " setweight(to_tsvector('english', coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('english', coalesce(lead, '')), 'B')"
    " || setweight(to_tsvector('english', coalesce(body_md, '')), 'D')) STORED",
    "CREATE INDEX ix_stories_search ON stories USING gin (search)",
    "ALTER TABLE comments ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    " to_tsvector('english', coalesce(body_md, ''))) STORED",
    "CREATE INDEX ix_comments_search ON comments USING gin (search)",
]
POSTGRESQL_SEARCH_DOWN = [
    "DROP INDEX IF EXISTS ix_comments_search",
    "ALTER TABLE comments DROP COLUMN IF EXISTS search",
    "DROP INDEX IF EXISTS ix_stories_search",
    "ALTER TABLE stories DROP COLUMN IF EXISTS search",
]


def upgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("correction", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("lead_image_id", Id, nullable=True))
        batch.add_column(
            sa.Column("lead_image_alt", sa.String(length=300), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("created_by", Id, nullable=True))
        batch.create_foreign_key(
            op.f("fk_stories_created_by_staff"),
            "staff",
            ["created_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_stories_status_publish_at"), ["status", "publish_at"])
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("slug", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("bio", sa.Text(), server_default="", nullable=False))
        batch.create_index(op.f("ix_staff_slug"), ["slug"], unique=True)
    op.create_table(
        "story_authors",
        sa.Column("story_id", Id, nullable=False),
        sa.Column("staff_id", Id, nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_authors_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_story_authors_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", "staff_id", name=op.f("pk_story_authors")),
    )
    op.create_index(
        op.f("ix_story_authors_staff_id_story_id"), "story_authors", ["staff_id", "story_id"]
    )
    op.create_table(
        "story_revisions",
        sa.Column("id", Id, nullable=False),
        sa.Column("story_id", Id, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", Id, nullable=True),
        sa.Column("actor", sa.String(length=254), server_default="", nullable=False),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_revisions_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_story_revisions_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_revisions")),
        sa.UniqueConstraint("story_id", "number", name=op.f("uq_story_revisions_story_id_number")),
    )
    op.create_table(
        "story_redirects",
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("story_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_redirects_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_story_redirects")),
    )
    op.create_table(
        "images",
        sa.Column("id", Id, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff.id"],
            name=op.f("fk_images_created_by_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_images")),
        sa.UniqueConstraint("digest", name=op.f("uq_images_digest")),
    )
    op.create_table(
        "image_renditions",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("image_id", Id, nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_image_renditions_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_image_renditions")),
        sa.UniqueConstraint("image_id", "width", name=op.f("uq_image_renditions_image_id_width")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", Id, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", Id, nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff.id"],
            name=op.f("fk_api_tokens_created_by_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    statements = SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_SEARCH
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_SEARCH_DOWN if sqlite else POSTGRESQL_SEARCH_DOWN:
        op.execute(statement)
    op.drop_table("api_tokens")
    op.drop_table("image_renditions")
    op.drop_table("images")
    op.drop_table("story_redirects")
    op.drop_table("story_revisions")
    op.drop_index(op.f("ix_story_authors_staff_id_story_id"), table_name="story_authors")
    op.drop_table("story_authors")
    with op.batch_alter_table("staff") as batch:
        batch.drop_index(op.f("ix_staff_slug"))
        batch.drop_column("bio")
        batch.drop_column("slug")
    with op.batch_alter_table("stories") as batch:
        batch.drop_index(op.f("ix_stories_status_publish_at"))
        batch.drop_constraint(op.f("fk_stories_created_by_staff"), type_="foreignkey")
        batch.drop_column("created_by")
        batch.drop_column("revision")
        batch.drop_column("lead_image_alt")
        batch.drop_column("lead_image_id")
        batch.drop_column("correction")
        batch.drop_column("edited_at")
        batch.drop_column("publish_at")
