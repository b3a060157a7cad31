"""search lookups: what ranking every match costs, made cheap

Revision ID: f3a9d2c7e1b4
Revises: e5b7c3a1d9f2
Create Date: 2026-12-03 09:00:00

A search ranks every match, and for each one asks whether its story is published (and its
comment approved). Those reads went to the wide rows: on SQLite a story's status sits after
its body, in overflow pages, and a comment's row is a random page of a large table, which
together cost three quarters of a search (10,000 stories, 100,000 comments). Narrow covering
indexes answer them instead (ix_stories_for_search, and on SQLite ix_comments_for_search;
PostgreSQL reads each comment's row for its tsvector anyway).

On PostgreSQL ranking reads each match's tsvector: a story's (2-3 kB) was compressed with
pglz in the TOAST table. Kept in the row (STORAGE MAIN) and compressed with lz4 where the
server has it, a ranking of a thousand matches took a third of the time. Rows written
before this migration keep their old form until next written.

The names end in "_search": tables.py leaves search objects out of its metadata (see
include_object), as migration e5b7c3a1d9f2's are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f3a9d2c7e1b4"
down_revision = "e5b7c3a1d9f2"
branch_labels = None
depends_on = None


def _has_lz4() -> bool:
    found = op.get_bind().execute(
        sa.text(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
            " AND 'lz4' = ANY(enumvals)"
        )
    )
    return found.first() is not None


def upgrade() -> None:
    op.create_index("ix_stories_for_search", "stories", ["id", "status"])
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_comments_for_search", "comments", ["id", "status", "story_id"])
        return
    for table in ("stories", "comments"):
        op.execute(f"ALTER TABLE {table} ALTER COLUMN search SET STORAGE MAIN")
        if _has_lz4():
            op.execute(f"ALTER TABLE {table} ALTER COLUMN search SET COMPRESSION lz4")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_comments_for_search", table_name="comments")
    else:
        for table in ("stories", "comments"):
            op.execute(f"ALTER TABLE {table} ALTER COLUMN search SET STORAGE EXTENDED")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN search SET COMPRESSION default")
    op.drop_index("ix_stories_for_search", table_name="stories")
