"""replies votes avatars

Revision ID: da867e3d6f07
Revises: 060ac49d8ff0
Create Date: 2026-11-25 16:48:27.581636

Replies carry their top-level ancestor (root_id) so a page loads all its replies in one
indexed query; top-level comments count all their replies for the "most replies" order;
thread indexes lead with (story_id, depth) so PostgreSQL reads them in order; votes are one
per reader per comment; identicons are keyed by a hash, never the e-mail.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "da867e3d6f07"
down_revision = "060ac49d8ff0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "votes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "comment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("voter_id", sa.String(length=64), nullable=True),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_votes_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint(
            "comment_id", "client_hash", name=op.f("uq_votes_comment_id_client_hash")
        ),
        sa.UniqueConstraint("comment_id", "voter_id", name=op.f("uq_votes_comment_id_voter_id")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "root_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("descendant_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("avatar", sa.String(length=32), nullable=True))
        batch_op.drop_index(batch_op.f("ix_comments_story_id_parent_id_number"))
        batch_op.drop_index(batch_op.f("ix_comments_story_id_parent_id_reply_count_id"))
        batch_op.drop_index(batch_op.f("ix_comments_story_id_parent_id_score_id"))
        batch_op.create_index(
            batch_op.f("ix_comments_root_id_number"), ["root_id", "number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comments_story_id_depth_descendant_count_id"),
            ["story_id", "depth", "descendant_count", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_comments_story_id_depth_number"),
            ["story_id", "depth", "number"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_comments_story_id_depth_score_id"),
            ["story_id", "depth", "score", "id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_comments_root_id_comments"),
            "comments",
            ["root_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_comments_root_id_comments"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_comments_story_id_depth_score_id"))
        batch_op.drop_index(batch_op.f("ix_comments_story_id_depth_number"))
        batch_op.drop_index(batch_op.f("ix_comments_story_id_depth_descendant_count_id"))
        batch_op.drop_index(batch_op.f("ix_comments_root_id_number"))
        batch_op.create_index(
            batch_op.f("ix_comments_story_id_parent_id_score_id"),
            ["story_id", "parent_id", "score", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_comments_story_id_parent_id_reply_count_id"),
            ["story_id", "parent_id", "reply_count", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_comments_story_id_parent_id_number"),
            ["story_id", "parent_id", "number"],
            unique=False,
        )
        batch_op.drop_column("avatar")
        batch_op.drop_column("descendant_count")
        batch_op.drop_column("root_id")

    op.drop_table("votes")
