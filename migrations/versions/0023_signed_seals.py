"""Seals signed with the fund's key: each seal's detached CMS signature (DER), NULL when unsigned.

A seal made while no signing key (``FUND_SIGNING_KEY``) was configured has no signature; the
certificate that signed a seal travels inside its signature (see :mod:`fund.audit.seal_signatures`).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("seals") as batch:
        batch.add_column(sa.Column("signature", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("seals") as batch:
        batch.drop_column("signature")
