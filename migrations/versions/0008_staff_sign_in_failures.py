"""Staff sign-in: failures and lockout for usernames that are no account (answers like a real one's).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_sign_in_failures",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_staff_sign_in_failures")),
    )


def downgrade():
    op.drop_table("staff_sign_in_failures")
