"""moderation and staff

Revision ID: 7c3d9e4f2a10
Revises: 5b1f0c2e7a91
Create Date: 2026-11-25 18:31:38.004275

Staff accounts and their sessions, login throttling, reader reports, bans, the audit log,
site settings (moderation rules), per-story comment modes, and on comments what moderation
needs: who wrote it (keyed hashes), a text fingerprint for duplicates, the rules' verdicts,
featured and report counts, and who moderated it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7c3d9e4f2a10"
down_revision = "5b1f0c2e7a91"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )
    op.create_table(
        "site_settings",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_site_settings")),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_email")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), server_default="", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_audit_log_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "bans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff.id"], name=op.f("fk_bans_created_by_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bans")),
    )
    with op.batch_alter_table("bans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bans_kind_value"), ["kind", "value"], unique=False)

    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_staff_sessions_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_sessions")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "comment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("voter_id", sa.String(length=64), nullable=True),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_reports_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint(
            "comment_id", "client_hash", name=op.f("uq_reports_comment_id_client_hash")
        ),
        sa.UniqueConstraint("comment_id", "voter_id", name=op.f("uq_reports_comment_id_voter_id")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("verdicts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("featured", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("report_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "moderated_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("moderation_note", sa.Text(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_comments_client_hash_status"), ["client_hash", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comments_email_hash_status"), ["email_hash", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comments_fingerprint_created_at"),
            ["fingerprint", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_comments_report_count_id"), ["report_count", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comments_story_id_featured"), ["story_id", "featured"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_comments_moderated_by_staff"),
            "staff",
            ["moderated_by"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("comment_mode", sa.String(length=16), server_default="open", nullable=False)
        )
        batch_op.add_column(
            sa.Column("first_comment_hold", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_column("first_comment_hold")
        batch_op.drop_column("comment_mode")

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_comments_moderated_by_staff"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_comments_story_id_featured"))
        batch_op.drop_index(batch_op.f("ix_comments_report_count_id"))
        batch_op.drop_index(batch_op.f("ix_comments_fingerprint_created_at"))
        batch_op.drop_index(batch_op.f("ix_comments_email_hash_status"))
        batch_op.drop_index(batch_op.f("ix_comments_client_hash_status"))
        batch_op.drop_column("moderation_note")
        batch_op.drop_column("moderated_by")
        batch_op.drop_column("moderated_at")
        batch_op.drop_column("report_count")
        batch_op.drop_column("featured")
        batch_op.drop_column("verdicts")
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("email_hash")

    op.drop_table("reports")
    op.drop_table("staff_sessions")
    with op.batch_alter_table("bans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bans_kind_value"))

    op.drop_table("bans")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    op.drop_table("staff")
    op.drop_table("site_settings")
    op.drop_table("login_failures")
