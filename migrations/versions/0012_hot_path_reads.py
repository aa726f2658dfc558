"""Hot path: an index on the letters still to be issued.

The worker's letters round asks every few seconds for the oldest letter still due
(``letters WHERE status = 'due' ORDER BY id LIMIT 1``). Without an index it read the whole table
even when nothing was due: 1.7 million letters at 1,000,000 claims. ``ix_letters_due`` is a partial
index on the id of the letters due only: it stays as small as the queue of letters being prepared.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_index(
            "ix_letters_due",
            ["id"],
            unique=False,
            postgresql_where=sa.text("status = 'due'"),
            sqlite_where=sa.text("status = 'due'"),
        )


def downgrade():
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index("ix_letters_due")
