"""imports: archive imports started from the admin upload page

Revision ID: d1f4b7a2c9e3
Revises: a8c4e2f6b1d9
Create Date: 2026-12-04 02:00:00

An upload is imported in the background by the instance that received it; its row holds
the progress and the summary, so the page that follows it can be answered by any instance.
``updated_at`` is the running import's heartbeat: a row it has stopped touching belonged to
a server that went away. Not part of a backup (storage/backup.py TRANSIENT).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d1f4b7a2c9e3"
down_revision = "a8c4e2f6b1d9"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", Id, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("staff_id", Id, nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("stories_found", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("comments_found", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("comments_done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("summary", sa.JSON()),
        sa.Column("error", sa.Text()),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_imports_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )


def downgrade() -> None:
    op.drop_table("imports")
