"""Reads at scale: indexes for what the auditors' search filters and sorts on, and the dashboard's
figures as last counted.

- ``claims(submitted_at, id)``: the search's order (newest first) and its period; a page is read
  from the index, not by sorting every claim.
- ``claims(status, submitted_at, id)`` and ``claims(category, submitted_at, id)``: the search by
  status or by category, in the same order (a status or category few claims have is found at once).
- ``workflow_events(actor, claim_id)``: the search by officer (who recorded an event on a claim).
- ``human_tasks(state, role, created_at, id)`` replaces ``(state, role, created_at)``: the worklist's
  and ``GET /api/v1/tasks``' oldest-first order ends with the id, and tasks made by one command (or
  one round of timers) share their time; without the id every task of a shared time was read and
  sorted before the first page could be cut.
- ``dashboard_counts``: every figure of the dashboard for each period it offers, counted by the
  worker every few minutes (counting reads every claim), read by the page.

Creating the indexes reads the tables once (seconds at 1,000,000 claims) and holds off writes to
them meanwhile: run it when the fund is quiet.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index("ix_claims_submitted", ["submitted_at", "id"], unique=False)
        batch_op.create_index("ix_claims_status_submitted", ["status", "submitted_at", "id"], unique=False)
        batch_op.create_index(
            "ix_claims_category_submitted", ["category", "submitted_at", "id"], unique=False
        )
    with op.batch_alter_table("workflow_events", schema=None) as batch_op:
        batch_op.create_index("ix_workflow_events_actor", ["actor", "claim_id"], unique=False)
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_human_tasks_open_by_role")
        batch_op.create_index(
            "ix_human_tasks_open_by_role", ["state", "role", "created_at", "id"], unique=False
        )

    op.create_table(
        "dashboard_counts",
        sa.Column("weeks", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("weeks", name=op.f("pk_dashboard_counts")),
    )


def downgrade():
    op.drop_table("dashboard_counts")
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_human_tasks_open_by_role")
        batch_op.create_index("ix_human_tasks_open_by_role", ["state", "role", "created_at"], unique=False)
    with op.batch_alter_table("workflow_events", schema=None) as batch_op:
        batch_op.drop_index("ix_workflow_events_actor")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index("ix_claims_category_submitted")
        batch_op.drop_index("ix_claims_status_submitted")
        batch_op.drop_index("ix_claims_submitted")
