"""Staff pages in Kazakh, Russian and English: each staff user's chosen language.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    # NULL: the user has not chosen; pages follow the browser's language, else English.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
