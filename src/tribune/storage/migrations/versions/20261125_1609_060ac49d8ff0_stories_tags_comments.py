"""stories tags comments

Revision ID: 060ac49d8ff0
Revises:
Create Date: 2026-11-25 15:59:54.862471
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "060ac49d8ff0"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("lead", sa.Text(), server_default="", nullable=False),
        sa.Column("body_md", sa.Text(), server_default="", nullable=False),
        sa.Column("body_html", sa.Text(), server_default="", nullable=False),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        sa.Column("video_url", sa.String(length=2000), nullable=True),
        sa.Column("promo_links", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("about", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="published", nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_key", sa.String(length=2100), nullable=True),
        sa.Column("comment_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("comment_seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
        sa.UniqueConstraint("import_key", name=op.f("uq_stories_import_key")),
        sa.UniqueConstraint("slug", name=op.f("uq_stories_slug")),
    )
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stories_status_published_at_id"),
            ["status", "published_at", "id"],
            unique=False,
        )

    op.create_table(
        "tags",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("slug", name=op.f("uq_tags_slug")),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("story_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("depth", sa.Integer(), server_default="0", nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("website", sa.String(length=2000), nullable=True),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="approved", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reply_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        sa.Column("import_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["comments.id"],
            name=op.f("fk_comments_parent_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_comments_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
        sa.UniqueConstraint("story_id", "import_key", name=op.f("uq_comments_story_id_import_key")),
        sa.UniqueConstraint("story_id", "number", name=op.f("uq_comments_story_id_number")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comments_parent_id_number"), ["parent_id", "number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comments_status_created_at"), ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comments_story_id_parent_id_number"),
            ["story_id", "parent_id", "number"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_comments_story_id_parent_id_reply_count_id"),
            ["story_id", "parent_id", "reply_count", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_comments_story_id_parent_id_score_id"),
            ["story_id", "parent_id", "score", "id"],
            unique=False,
        )

    op.create_table(
        "story_tags",
        sa.Column("story_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_story_tags_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_story_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("story_id", "tag_id", name=op.f("pk_story_tags")),
    )
    with op.batch_alter_table("story_tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_story_tags_tag_id_story_id"), ["tag_id", "story_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("story_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_tags_tag_id_story_id"))

    op.drop_table("story_tags")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_story_id_parent_id_score_id"))
        batch_op.drop_index(batch_op.f("ix_comments_story_id_parent_id_reply_count_id"))
        batch_op.drop_index(batch_op.f("ix_comments_story_id_parent_id_number"))
        batch_op.drop_index(batch_op.f("ix_comments_status_created_at"))
        batch_op.drop_index(batch_op.f("ix_comments_parent_id_number"))

    op.drop_table("comments")
    op.drop_table("tags")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stories_status_published_at_id"))

    op.drop_table("stories")
