"""Claimants' own requests from the portal: changed contact details, and a new bank account that
intake checks and confirms or refuses.

- ``claimant_requests``: one row per request, on the claim's timeline (beside, not in, the hash-
  chained process history). ``kind`` is ``contact_details`` (applied at once: ``state`` ``done``,
  ``details`` the fields changed with their values before and after, for audit) or ``bank_account``
  (``pending`` until an intake officer ``confirmed`` or ``refused`` it, with the reason). At most
  one pending request of a kind per claim (a partial unique index). Read per claim in time order,
  and for intake's worklist by kind and state.

The withdrawal of a claim needs no table: it is a command on the claim's process (event
``claim_withdrawn``), in the hash chain.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "claimant_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claimant_requests_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claimant_requests")),
    )
    op.create_index(
        "ix_claimant_requests_claim_time", "claimant_requests", ["claim_id", "made_at"], unique=False
    )
    op.create_index(
        "ix_claimant_requests_open", "claimant_requests", ["kind", "state", "made_at"], unique=False
    )
    op.create_index(
        "uq_claimant_requests_pending",
        "claimant_requests",
        ["claim_id", "kind"],
        unique=True,
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )


def downgrade():
    op.drop_index("uq_claimant_requests_pending", table_name="claimant_requests")
    op.drop_index("ix_claimant_requests_open", table_name="claimant_requests")
    op.drop_index("ix_claimant_requests_claim_time", table_name="claimant_requests")
    op.drop_table("claimant_requests")
