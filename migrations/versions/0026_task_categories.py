"""The worklist's category filter as an index range: each task keeps its claim's category.

- ``human_tasks.category``: the claim's category as the command that opened the task left it;
  the command that decides (or changes) a claim's category updates its open tasks.
- ``ix_human_tasks_open_by_category`` on (state, role, category, created_at, id): the filtered
  worklist reads a range of it instead of joining every task of the role to its claim.

Existing tasks take their claim's category (open ones matter; closed ones for consistency).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("human_tasks", sa.Column("category", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE human_tasks SET category = "
        "(SELECT claims.category FROM claims WHERE claims.id = human_tasks.claim_id)"
    )
    op.create_index(
        "ix_human_tasks_open_by_category",
        "human_tasks",
        ["state", "role", "category", "created_at", "id"],
    )


def downgrade():
    op.drop_index("ix_human_tasks_open_by_category", table_name="human_tasks")
    op.drop_column("human_tasks", "category")
