"""Internal notes on a claim, and the log of tasks a supervisor assigned to a named colleague.

- ``claim_notes``: what an officer wrote on a claim, by whom and when; staff only, shown in the
  claim page's timeline, never on the claimant's pages, the API's status or letters.
- ``task_assignments``: each open task a supervisor gave to a colleague, who assigned it and when.

Both are append-only and read per claim in time order (an index on claim and time each).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "claim_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_notes_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_notes")),
    )
    op.create_index("ix_claim_notes_claim_time", "claim_notes", ["claim_id", "written_at"], unique=False)
    op.create_table(
        "task_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("task_name", sa.String(length=100), nullable=False),
        sa.Column("assigned_by", sa.String(length=80), nullable=False),
        sa.Column("assignee", sa.String(length=80), nullable=False),
        sa.Column("previous_assignee", sa.String(length=80), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_task_assignments_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_assignments")),
    )
    op.create_index(
        "ix_task_assignments_claim_time", "task_assignments", ["claim_id", "assigned_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_task_assignments_claim_time", table_name="task_assignments")
    op.drop_table("task_assignments")
    op.drop_index("ix_claim_notes_claim_time", table_name="claim_notes")
    op.drop_table("claim_notes")
