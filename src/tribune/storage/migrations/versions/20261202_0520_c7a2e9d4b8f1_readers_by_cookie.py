"""readers by cookie

Revision ID: c7a2e9d4b8f1
Revises: b4e8c1d2f3a5
Create Date: 2026-12-02 05:20:00

A vote and a report are one per reader (their voter cookie) per comment, no longer one per
address: readers behind one office NAT, carrier or proxy each have theirs. The address hash
stays on each row as a bounded signal, and an index on (comment_id, client_hash,
created_at) counts the new voters and reporters one address added to a comment in the last
hour (TRIBUNE_VOTERS_PER_ADDRESS, TRIBUNE_REPORTERS_PER_ADDRESS).

The downgrade brings back one vote and one report per address: it keeps the first of each
address on each comment, takes the others' values off the comment's score and report count,
and deletes them.
"""

from __future__ import annotations

from alembic import op

revision = "c7a2e9d4b8f1"
down_revision = "b4e8c1d2f3a5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("votes", "reports"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"uq_{table}_comment_id_client_hash"), type_="unique"
            )
            batch_op.create_index(
                batch_op.f(f"ix_{table}_comment_id_client_hash_created_at"),
                ["comment_id", "client_hash", "created_at"],
                unique=False,
            )


def downgrade() -> None:
    op.execute(
        "UPDATE comments SET score = score - (SELECT COALESCE(SUM(votes.value), 0) FROM votes"
        " WHERE votes.comment_id = comments.id AND votes.client_hash IS NOT NULL AND votes.id"
        " NOT IN (SELECT MIN(earliest.id) FROM votes AS earliest"
        " GROUP BY earliest.comment_id, earliest.client_hash))"
        " WHERE id IN (SELECT comment_id FROM votes)"
    )
    op.execute(
        "UPDATE comments SET report_count = report_count - (SELECT COUNT(*) FROM reports"
        " WHERE reports.comment_id = comments.id AND reports.client_hash IS NOT NULL AND"
        " reports.id NOT IN (SELECT MIN(earliest.id) FROM reports AS earliest"
        " GROUP BY earliest.comment_id, earliest.client_hash))"
        " WHERE id IN (SELECT comment_id FROM reports)"
    )
    op.execute(
        "DELETE FROM votes WHERE votes.client_hash IS NOT NULL AND votes.id NOT IN"
        " (SELECT MIN(earliest.id) FROM votes AS earliest"
        " GROUP BY earliest.comment_id, earliest.client_hash)"
    )
    op.execute(
        "DELETE FROM reports WHERE reports.client_hash IS NOT NULL AND reports.id NOT IN"
        " (SELECT MIN(earliest.id) FROM reports AS earliest"
        " GROUP BY earliest.comment_id, earliest.client_hash)"
    )
    for table in ("votes", "reports"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_comment_id_client_hash_created_at"))
            batch_op.create_unique_constraint(
                batch_op.f(f"uq_{table}_comment_id_client_hash"), ["comment_id", "client_hash"]
            )
