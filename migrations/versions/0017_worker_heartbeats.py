"""Worker heartbeats: each worker process says when it last finished a round.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker_id", sa.String(length=255), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_round_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_round_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rounds_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_heartbeats")),
    )
    with op.batch_alter_table("worker_heartbeats", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_worker_heartbeats_last_round_started_at"), ["last_round_started_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("worker_heartbeats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_heartbeats_last_round_started_at"))
    op.drop_table("worker_heartbeats")
