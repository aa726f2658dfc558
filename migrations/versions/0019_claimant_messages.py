"""Messages between a claimant and the fund: written on the status page, answered from the claim page.

- ``claim_messages``: each message on a claim, from the claimant or from the fund (the officer who
  answered), with when a claimant's message was first read at the fund. Read per claim in time
  order, and for the worklist's "unread" marker by claim, sender and read time (an index each).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "claim_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=10), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_messages_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_messages")),
    )
    op.create_index(
        "ix_claim_messages_claim_time", "claim_messages", ["claim_id", "written_at"], unique=False
    )
    op.create_index(
        "ix_claim_messages_unread", "claim_messages", ["claim_id", "sender", "read_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_claim_messages_unread", table_name="claim_messages")
    op.drop_index("ix_claim_messages_claim_time", table_name="claim_messages")
    op.drop_table("claim_messages")
