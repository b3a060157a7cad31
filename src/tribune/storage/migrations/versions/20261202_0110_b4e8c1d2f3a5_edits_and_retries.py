"""edits and retries

Revision ID: b4e8c1d2f3a5
Revises: 7c3d9e4f2a10
Create Date: 2026-12-02 01:10:00

What an edit that sent a comment back to the queue replaced (the queue shows the change), and
the keyed Idempotency-Key of a post, unique per story, so a retried post stores one comment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b4e8c1d2f3a5"
down_revision = "7c3d9e4f2a10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_body_md", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_comments_story_id_idempotency_key"), ["story_id", "idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_comments_story_id_idempotency_key"), type_="unique")
        batch_op.drop_column("idempotency_key")
        batch_op.drop_column("previous_body_md")
