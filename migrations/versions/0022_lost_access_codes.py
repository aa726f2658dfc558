"""A lost access code: the claimant asks, an intake officer checks their identity and issues a new one.

- ``access_code_requests``: each request for a new access code of a claim (one waiting at a time),
  and how it ended: issued (by whom, when, how the claimant's identity was checked) or refused
  (why). The code itself is never stored, only its hash on the claim.
- ``claims.access_code_changed_at``: when the claim's access code was last replaced; portal
  sessions signed in before it end (the old code stops working at once, sessions included).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_code_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("identity_check", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_access_code_requests_state", "access_code_requests", ["state", "requested_at"])
    op.create_index("ix_access_code_requests_claim", "access_code_requests", ["claim_id", "requested_at"])
    op.add_column("claims", sa.Column("access_code_changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # SQLite drops the column in place: a batch copy of claims would trip the keys that point to it.
    op.drop_column("claims", "access_code_changed_at")
    op.drop_index("ix_access_code_requests_claim", table_name="access_code_requests")
    op.drop_index("ix_access_code_requests_state", table_name="access_code_requests")
    op.drop_table("access_code_requests")
