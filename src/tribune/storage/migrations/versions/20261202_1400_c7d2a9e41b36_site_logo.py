"""site logo

Revision ID: c7d2a9e41b36
Revises: c7a2e9d4b8f1
Create Date: 2026-12-02 14:00:00

The site's logo, uploaded at /admin/site and served by its digest. The other site settings
(name, tagline, footer, accent colour) are a "site" row of site_settings.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c7d2a9e41b36"
down_revision = "c7a2e9d4b8f1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_logos",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_site_logos")),
    )


def downgrade() -> None:
    op.drop_table("site_logos")
