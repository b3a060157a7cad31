"""embedded pages: threads under other sites' articles

Revision ID: a8c4e2f6b1d9
Revises: f3a9d2c7e1b4
Create Date: 2026-12-03 10:00:00

A thread embedded in another site's page (embed.js) is a story of its own kind: a row of
stories whose page_url is that page's address, normalised (embed/urls.py), so that the
moderation queue, bans, rules, counts, feeds, export and search take it like any other
story. Newsroom stories have no page_url; listings of stories (home, tags, sitemaps, the
stories feed) keep to those. The unique index finds a page's thread by its address.

Added, not rebuilt: a batch migration would rebuild stories on SQLite and drop its search
triggers (tables.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a8c4e2f6b1d9"
down_revision = "f3a9d2c7e1b4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stories", sa.Column("page_url", sa.String(2000), nullable=True))
    op.create_index("ix_stories_page_url", "stories", ["page_url"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_stories_page_url", table_name="stories")
    op.drop_column("stories", "page_url")
